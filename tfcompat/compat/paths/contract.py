"""The feeding-path contract: a Feeder says whether it can run here (and why not), and runs.

What a path cannot carry (models, data, options) is not here but in the limits table
(paths/limits.py), which the chooser and ``tfcompat doctor`` read.
"""
import enum

from tfcompat import versions
from tfcompat.compat import distribute


class PathName(str, enum.Enum):
    """Base of the FeedingPath enum, whose members the chooser's list makes (paths/__init__)."""

    def __str__(self):
        return self.value


def unmet(fact, runtime):
    """None when ``fact`` holds here, else 'needs <requirement>; this is <runtime>'."""
    if runtime.has(fact):
        return None
    if runtime.eager and versions.holds(fact, runtime.tf_version, runtime.keras_flavor,
                                        runtime.keras_version, eager=False):
        what = "graph mode (tf.compat.v1.disable_eager_execution() before building the model)"
    else:
        what = versions.requirement(fact, runtime.keras_flavor)
    return "needs %s; this is %s" % (what, runtime.describe())


class Feeder(object):
    """One way of feeding data into Keras (a feeding path). Subclasses set ``name`` (the
    FeedingPath member's value) and ``summary`` and answer ``refuses(runtime)``: None when the
    path can run here, else one line saying why not. The chooser gives each instance its
    FeedingPath member as ``name``."""

    name = None
    summary = ""

    def __init__(self, name=None):
        if name is not None:
            self.name = name

    def refuses(self, runtime):
        if runtime.tf_version is None:
            return "needs TensorFlow, which is not installed"
        if runtime.keras_flavor is None:
            return "needs Keras (standalone keras, tf.keras, tf_keras or Keras 3)"
        return self._refuses(runtime) or distribute.refuses(self.name, runtime)

    def _refuses(self, runtime):
        raise NotImplementedError

    def status_reason(self, runtime):
        return self.refuses(runtime) or self.summary

    def fit(self, runtime, model, train, val, options):
        """Train ``model`` on ``train`` (a Feed), validating on ``val`` (a Feed or None);
        ``options``: Keras' fit keywords (epochs, callbacks, verbose, class_weight,
        initial_epoch, validation_freq), None meaning Keras' default. Keras' History."""
        raise NotImplementedError

    def evaluate(self, runtime, model, data, callbacks=None, verbose=None):
        """Evaluate ``model`` on ``data`` (a Feed): Keras' result, loss first. ``callbacks``
        (only where this Keras' evaluate takes them) get Keras' on_test_* calls; ``verbose``
        (None: Keras' default) shows the progress Keras' evaluate shows."""
        raise NotImplementedError

    def keras_data(self, runtime, model, feed, class_weight=None):
        """What this path hands Keras' own fit/evaluate for ``feed``: its dataset, built in
        the current graph and conformed to ``model`` (``class_weight``: fit's, which some
        kinds of data cannot carry)."""
        return feed.dataset(model)

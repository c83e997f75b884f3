"""The feeding-path contract: a path says whether it can run here (and why not), and runs."""
import enum

from tfcompat import versions


class FeedingPath(str, enum.Enum):
    DATASET_EAGER = "DATASET_EAGER"
    DATASET_GRAPH = "DATASET_GRAPH"
    TENSOR_INPUT = "TENSOR_INPUT"
    SESSION_GENERATOR = "SESSION_GENERATOR"

    def __str__(self):
        return self.value


class UnsupportedPathError(ValueError):
    """A feeding path was asked for that this runtime cannot run; the message says what it needs."""


def need(fact, runtime):
    """None when ``fact`` holds here, else 'needs <requirement>; this is <runtime>'."""
    if runtime.has(fact):
        return None
    if runtime.eager and versions.holds(fact, runtime.tf_version, runtime.keras_flavor,
                                        runtime.keras_version, eager=False):
        what = "graph mode (tf.compat.v1.disable_eager_execution() before building the model)"
    else:
        what = versions.requirement(fact, runtime.keras_flavor)
    return "needs %s; this is %s" % (what, runtime.describe())


class Path(object):
    """One way of feeding data into Keras. Subclasses set ``name`` and ``summary`` and answer
    ``refuses(runtime)``: None when the path can run here, else one line saying why not."""

    name = None
    summary = ""

    def refuses(self, runtime):
        if runtime.tf_version is None:
            return "needs TensorFlow, which is not installed"
        if runtime.keras_flavor is None:
            return "needs Keras (standalone keras, tf.keras, tf_keras or Keras 3)"
        return self._refuses(runtime)

    def _refuses(self, runtime):
        raise NotImplementedError

    def status_reason(self, runtime):
        return self.refuses(runtime) or self.summary

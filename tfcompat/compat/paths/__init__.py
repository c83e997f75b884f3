"""The feeding paths and the one chooser: an ordered list, read top to bottom, fastest first.

A path is one module here, one entry in ``CHOOSER`` and its row in the limits table
(limits.py); the FeedingPath enum is made from ``CHOOSER``, in its order.
"""
import collections

from tfcompat.compat.errors import UnsupportedPathError
from tfcompat.compat.paths import limits
from tfcompat.compat.paths.contract import Feeder, PathName
from tfcompat.compat.paths.dataset_eager import DatasetEager
from tfcompat.compat.paths.dataset_graph import DatasetGraph
from tfcompat.compat.paths.session_generator import SessionGenerator
from tfcompat.compat.paths.tensor_input import TensorInput

# Fastest first, as bench/feeding.py measures (bench/results, README).
CHOOSER = (DatasetEager, TensorInput, DatasetGraph, SessionGenerator)

FeedingPath = PathName("FeedingPath", [(cls.name, cls.name) for cls in CHOOSER],
                       module=__name__, qualname="FeedingPath")
FeedingPath.__doc__ = "The feeding paths, by name, in the chooser's order (fastest first)."

PATHS = tuple(cls(FeedingPath(cls.name)) for cls in CHOOSER)

PathStatus = collections.namedtuple("PathStatus", "name available reason limits")
PathStatus.__new__.__defaults__ = ((),)  # limits: what the path cannot carry here


def statuses(runtime):
    """A PathStatus per path: usable ones first (in PATHS order), then the refused ones."""
    result = [PathStatus(p.name.value, p.refuses(runtime) is None, p.status_reason(runtime),
                         limits.listed(p.name, runtime) if p.refuses(runtime) is None else ())
              for p in PATHS]
    return tuple(sorted(result, key=lambda s: not s.available))


def get(name):
    """The path object for a FeedingPath or its name."""
    try:
        key = FeedingPath(str(name))
    except ValueError:
        raise ValueError("unknown feeding path %r; expected one of %s"
                         % (name, ", ".join(p.value for p in FeedingPath)))
    return next(p for p in PATHS if p.name == key)


def asked(runtime, name):
    """The path ``name`` (None: None), UnsupportedPathError if it cannot run here."""
    if name is None:
        return None
    path = get(name)
    why = path.refuses(runtime)
    if why is not None:
        raise UnsupportedPathError("%s cannot run here: %s" % (path.name, why))
    return path


def _epoch_end_refusal(path, runtime, feed, steps_name):
    """Why ``path`` cannot run ``feed``, whose length neither the user nor TF says, or None."""
    if feed is None or feed.steps is not None or limits.finds_epoch_end(path.name, runtime):
        return None
    return ("cannot tell where an epoch of this tf.data Dataset ends (TF cannot count its "
            "batches): pass %s (batches per epoch)" % steps_name)


def choose(runtime, model, feed, options, val=None, forced=None):
    """The path to run ``model`` on ``feed`` (and ``val``, validation, or None) with fit's
    ``options`` ({} for evaluate): ``forced`` (see asked) where it can carry them, else the
    first path of CHOOSER that can run here and carry them, the ends of their epochs
    included; UnsupportedPathError saying why none can."""
    steps_name = "steps_per_epoch" if options.get("epochs") else "steps"

    def refuses_data(path):
        return (limits.refuses_data(path.name, runtime, model, feed, options)
                or _epoch_end_refusal(path, runtime, feed, steps_name)
                or _epoch_end_refusal(path, runtime, val, "validation_steps"))

    if forced is not None:
        why = refuses_data(forced)
        if why is not None:
            raise UnsupportedPathError("%s cannot run this: %s" % (forced.name, why))
        return forced
    refused = []
    for path in PATHS:
        why = path.refuses(runtime) or refuses_data(path)
        if why is None:
            return path
        refused.append("%s %s" % (path.name, why))
    raise UnsupportedPathError("no feeding path can run this on %s: %s"
                               % (runtime.describe(), "; ".join(refused)))


__all__ = ["CHOOSER", "Feeder", "FeedingPath", "PATHS", "PathStatus", "asked", "choose", "get",
           "statuses"]

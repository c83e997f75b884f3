"""The feeding paths and the chooser: an ordered list, read top to bottom, fastest first.

A path is one module here plus one entry in ``CHOOSER``; the FeedingPath enum is made from
that list, in its order.
"""
import collections

from tfcompat.compat.paths.dataset_eager import DatasetEager
from tfcompat.compat.paths.dataset_graph import DatasetGraph
from tfcompat.compat.paths.feeder import Feeder, PathName
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
                         tuple(p.limits(runtime)) if p.refuses(runtime) is None else ())
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


def choose(runtime):
    """The usable paths for this runtime, fastest first."""
    return [p for p in PATHS if p.refuses(runtime) is None]


__all__ = ["CHOOSER", "Feeder", "FeedingPath", "PATHS", "PathStatus", "choose", "get",
           "statuses"]

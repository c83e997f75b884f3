"""The feeding paths and the chooser: an ordered list, read top to bottom, fastest first."""
from tfcompat.compat.paths.base import FeedingPath, Path, UnsupportedPathError
from tfcompat.compat.paths.dataset_eager import DatasetEager
from tfcompat.compat.paths.dataset_graph import DatasetGraph
from tfcompat.compat.paths.session_generator import SessionGenerator
from tfcompat.compat.paths.tensor_input import TensorInput

# Fastest first, as measured by bench/feeding.py (TENSOR_INPUT on from_arrays data gathers each
# batch in one op and keeps its rewired model across calls: 1.08-1.18x DATASET_GRAPH on tf.keras).
PATHS = (DatasetEager(), TensorInput(), DatasetGraph(), SessionGenerator())


def statuses(runtime):
    """A PathStatus per path: usable ones first (in PATHS order), then the refused ones."""
    from tfcompat.compat.runtime import PathStatus

    result = [PathStatus(p.name.value, p.refuses(runtime) is None, p.status_reason(runtime))
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


__all__ = ["FeedingPath", "Path", "UnsupportedPathError", "PATHS", "statuses", "get", "choose"]

"""tfcompat: feed TensorFlow data into Keras on every TF/Keras version.

Importing this package imports neither TensorFlow nor Keras; they load on first use.
"""
from tfcompat.paths.base import FeedingPath, UnsupportedPathError
from tfcompat.runtime import PathStatus, Runtime, detect

__version__ = "0.1.0"

__all__ = ["FeedingPath", "PathStatus", "Runtime", "UnsupportedPathError", "detect",
           "__version__"]

"""tfcompat: feed TensorFlow data into Keras on every TF/Keras version.

Importing this package imports neither TensorFlow nor Keras (nor NumPy); they load on first use.
"""
from tfcompat.compat.errors import DataError, TensorFlowMissingError, UnsupportedPathError
from tfcompat.compat.paths import FeedingPath, PathStatus
from tfcompat.compat.runtime import Runtime, detect

__version__ = "0.1.0"


def _need_tf():
    """TensorFlowMissingError (a ValueError) before anything else is imported."""
    from tfcompat.compat import tfshim

    tfshim.tf()


def from_arrays(x, y=None, batch_size=32, shuffle=True, repeat=True, seed=None):
    """A tf.data Dataset of ``(x, y)`` batches of NumPy arrays that never embeds them in a
    graph; shuffled every epoch (reproducibly with ``seed``). See tfcompat.compat.arrays."""
    _need_tf()
    from tfcompat.compat import arrays

    return arrays.from_arrays(x, y, batch_size=batch_size, shuffle=shuffle, repeat=repeat,
                              seed=seed)


def fit(model, data, epochs=1, steps_per_epoch=None, validation_data=None,
        validation_steps=None, callbacks=None, verbose=0, path=None):
    """Train ``model`` on ``data`` through the fastest feeding path this runtime can run (or
    ``path``); returns Keras' History ("loss", and "val_loss" with validation data).

    ``data`` / ``validation_data``: a tf.data Dataset of (x, y) batches, what from_arrays
    returns, or an (x, y) tuple of NumPy arrays (batches of 32)."""
    _need_tf()
    from tfcompat.compat import feeding

    return feeding.fit(model, data, epochs=epochs, steps_per_epoch=steps_per_epoch,
                       validation_data=validation_data, validation_steps=validation_steps,
                       callbacks=callbacks, verbose=verbose, path=path)


def evaluate(model, data, steps=None, path=None):
    """Evaluate ``model`` on ``data`` (as for fit): a list, loss first, then the metrics."""
    _need_tf()
    from tfcompat.compat import feeding

    return feeding.evaluate(model, data, steps=steps, path=path)


def numpy_batches(dataset, session=None):
    """Iterate a tf.data Dataset as NumPy batches, safely from any thread (Keras workers)."""
    _need_tf()
    from tfcompat.compat import batches

    return batches.numpy_batches(dataset, session=session)


__all__ = ["DataError", "FeedingPath", "PathStatus", "Runtime", "TensorFlowMissingError",
           "UnsupportedPathError", "detect", "evaluate", "fit", "from_arrays", "numpy_batches",
           "__version__"]

"""tfcompat: feed TensorFlow data into Keras on every TF/Keras version.

Importing this package imports neither TensorFlow nor Keras (nor NumPy); they load on first use.
"""
import sys

from tfcompat.compat.errors import (
    DataError,
    TensorFlowMissingError,
    UnsupportedArgumentError,
    UnsupportedPathError,
)

__version__ = "0.1.0"

# The path table and the runtime probe load on first use (`tfcompat lint`, which starts by
# importing this package, needs neither); Python 3.6 has no module __getattr__.
_LAZY = {"FeedingPath": "paths", "PathStatus": "paths", "Runtime": "runtime",
         "detect": "runtime"}
if sys.version_info < (3, 7):
    from tfcompat.compat.paths import FeedingPath, PathStatus  # noqa: F401
    from tfcompat.compat.runtime import Runtime, detect  # noqa: F401


def __getattr__(name):
    if name not in _LAZY:
        raise AttributeError("module 'tfcompat' has no attribute %r" % name)
    import importlib

    value = globals()[name] = getattr(
        importlib.import_module("tfcompat.compat." + _LAZY[name]), name)
    return value


def _need_tf(model=None):
    """TensorFlowMissingError (a ValueError) before anything else is imported, unless
    ``model`` is a Keras 3 one: Keras 3 trains without TensorFlow on the data it takes
    itself (arrays, generators, PyDataset, torch DataLoader), and tfcompat hands it that."""
    from tfcompat.compat import flavors, tfshim

    try:
        tfshim.tf()
    except TensorFlowMissingError:
        if model is None or not flavors.is_keras3_model(model):
            raise


def from_arrays(x, y=None, batch_size=32, shuffle=True, repeat=False, seed=None):
    """A tf.data Dataset of ``(x, y)`` batches of NumPy arrays that never embeds them in a
    graph. ``repeat=False``: one pass per iteration, as any Dataset of the arrays (Keras' own
    fit trains one pass per epoch on it); ``repeat=True``: forever. ``shuffle``: a new order
    of the rows every pass; ``seed``: that sequence of orders reproducible. tfcompat.fit
    repeats it where its path needs it; tfcompat.evaluate and predict read it once, in the
    arrays' order. ``batch_size`` is the global batch, Keras' convention: under a
    tf.distribute strategy or a Keras 3 distribution each batch is split over the replicas
    (and workers). See tfcompat.compat.arrays.from_arrays."""
    _need_tf()
    from tfcompat.compat import arrays

    return arrays.from_arrays(x, y, batch_size=batch_size, shuffle=shuffle, repeat=repeat,
                              seed=seed)


def fit(model, x=None, y=None, batch_size=None, epochs=1, verbose=None, callbacks=None,
        validation_split=0.0, validation_data=None, shuffle=True, class_weight=None,
        sample_weight=None, initial_epoch=0, steps_per_epoch=None, validation_steps=None,
        validation_freq=1, max_queue_size=None, workers=None, use_multiprocessing=None,
        path=None):
    """Keras' ``model.fit`` with Keras' own arguments and meaning, on every TF/Keras version;
    returns Keras' History. ``verbose=None`` is the installed Keras' default.

    ``x``: arrays (or lists/dicts of them, with ``y``), an ``(x, y)`` or
    ``(x, y, sample_weight)`` tuple, a tf.data Dataset of such batches, what from_arrays
    returns, a generator or a keras.utils.Sequence / PyDataset. Data Keras takes itself goes
    to Keras' own fit (fit_generator where that version needs it); a Dataset goes through the
    fastest feeding path that can carry the model and the data here, or ``path``.
    ``max_queue_size``, ``workers``, ``use_multiprocessing`` (generators and Sequence) go to
    Keras 2's fit or fit_generator, and onto the PyDataset with Keras 3, which takes them
    there. An argument the installed Keras lacks raises UnsupportedArgumentError naming the
    version that has it."""
    _need_tf(model)
    from tfcompat.compat import feeding

    return feeding.fit(model, x, y, batch_size=batch_size, epochs=epochs, verbose=verbose,
                       callbacks=callbacks, validation_split=validation_split,
                       validation_data=validation_data, shuffle=shuffle,
                       class_weight=class_weight, sample_weight=sample_weight,
                       initial_epoch=initial_epoch, steps_per_epoch=steps_per_epoch,
                       validation_steps=validation_steps, validation_freq=validation_freq,
                       max_queue_size=max_queue_size, workers=workers,
                       use_multiprocessing=use_multiprocessing, path=path)


def evaluate(model, x=None, y=None, batch_size=None, verbose=None, sample_weight=None,
             steps=None, callbacks=None, max_queue_size=None, workers=None,
             use_multiprocessing=None, return_dict=False, path=None):
    """Keras' ``model.evaluate`` (data as for fit): a list of floats, loss first, on every
    version (a dict by metric name with ``return_dict``)."""
    _need_tf(model)
    from tfcompat.compat import feeding

    return feeding.evaluate(model, x, y, batch_size=batch_size, verbose=verbose,
                            sample_weight=sample_weight, steps=steps, callbacks=callbacks,
                            max_queue_size=max_queue_size, workers=workers,
                            use_multiprocessing=use_multiprocessing, return_dict=return_dict,
                            path=path)


def predict(model, x=None, batch_size=None, verbose=None, steps=None, callbacks=None,
            max_queue_size=None, workers=None, use_multiprocessing=None):
    """Keras' ``model.predict`` on arrays, generators, Sequence / PyDataset or a tf.data
    Dataset (of x, or of (x, y[, w]) whose x is taken), on every version."""
    _need_tf(model)
    from tfcompat.compat import feeding

    return feeding.predict(model, x, batch_size=batch_size, verbose=verbose, steps=steps,
                           callbacks=callbacks, max_queue_size=max_queue_size,
                           workers=workers, use_multiprocessing=use_multiprocessing)


def numpy_batches(dataset, session=None):
    """Iterate a tf.data Dataset as NumPy batches, safely from any thread (Keras workers)."""
    _need_tf()
    from tfcompat.compat import batches

    return batches.numpy_batches(dataset, session=session)


def legacy_batch_dot(x, y, axes=None):
    """``K.batch_dot(x, y, axes)`` with the meaning it had in Keras <= 2.2.4 and TF 1's
    tf.keras (every axis but the last two a batch axis, as ``matmul``), on every Keras
    tfcompat supports, Keras 3 on any backend included; Keras 2.2.5, tf.keras in TF 2 and
    tf_keras batch over axis 0 alone. See tfcompat.compat.legacy_ops.batch_dot."""
    from tfcompat.compat import legacy_ops

    return legacy_ops.batch_dot(x, y, axes)


__all__ = ["DataError", "FeedingPath", "PathStatus", "Runtime", "TensorFlowMissingError",
           "UnsupportedArgumentError", "UnsupportedPathError", "detect", "evaluate", "fit",
           "from_arrays", "legacy_batch_dot", "numpy_batches", "predict", "__version__"]

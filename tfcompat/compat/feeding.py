"""fit(), evaluate() and predict(): the intake (intake.py), then Keras' own method or the
chooser (paths.choose), then the chosen feeding path.

Keras' own signatures. Data Keras takes itself goes to Keras' own method, adjusted to the
version (keras_calls); a tf.data Dataset (from_arrays' included) goes to the fastest feeding
path that can carry the model and the data.
"""
import numpy as np

from tfcompat.compat import distribute, keras_calls, paths, tfshim
from tfcompat.compat.batches import NumpyBatches
from tfcompat.compat.errors import DataError, TensorFlowMissingError
from tfcompat.compat.flavors import is_keras3_model, model_flavor
from tfcompat.compat.intake import Intake, steps_in_one_pass
from tfcompat.compat.keras_calls import ARRAYS
from tfcompat.compat.runtime import detect


def _model_ready(model):
    if getattr(model, "optimizer", None) is None:
        raise DataError("compile the model (model.compile(optimizer, loss)) before "
                        "tfcompat.fit or tfcompat.evaluate")


def _runtime(model, path):
    """(runtime, the path asked for or None); UnsupportedPathError if it cannot run here."""
    try:
        tfshim.tf()  # TensorFlowMissingError, before anything else
    except TensorFlowMissingError:
        if not is_keras3_model(model):  # Keras 3 takes arrays & co. without TensorFlow
            raise
    try:
        model_flavor(model)
    except TypeError:
        raise DataError("model must be a Keras model, got %s: pass the model first, as in "
                        "tfcompat.fit(model, x, y)" % type(model).__name__)
    runtime = detect(model=model)
    distribute.check(runtime)
    return runtime, paths.asked(runtime, path)


def fit(model, x=None, y=None, batch_size=None, epochs=1, verbose=None, callbacks=None,
        validation_split=0.0, validation_data=None, shuffle=True, class_weight=None,
        sample_weight=None, initial_epoch=0, steps_per_epoch=None, validation_steps=None,
        validation_freq=1, max_queue_size=None, workers=None, use_multiprocessing=None,
        path=None):
    runtime, forced = _runtime(model, path)
    _model_ready(model)
    data = Intake(runtime, model, "fit", x, y, sample_weight, forced, steps_per_epoch,
                  validation_steps, validation_data, queue=dict(
                      max_queue_size=max_queue_size, workers=workers,
                      use_multiprocessing=use_multiprocessing))
    options = dict(epochs=epochs, verbose=verbose, callbacks=list(callbacks or []),
                   class_weight=class_weight, initial_epoch=initial_epoch or None,
                   validation_freq=validation_freq if validation_freq != 1 else None,
                   **data.queue)
    if data.keras_own:
        options.update(batch_size=batch_size, validation_split=validation_split or None,
                       validation_data=validation_data, shuffle=shuffle,
                       sample_weight=data.sample_weight, steps_per_epoch=data.steps,
                       validation_steps=data.validation_steps)
        return keras_calls.fit(runtime, model, data.x, data.y, data.kind, options)
    train, val = data.fit_feeds(batch_size, shuffle, validation_data, validation_split)
    if val is not None:
        distribute.prepare(runtime, val, "validation_steps")
    distribute.prepare(runtime, train, "steps_per_epoch")
    chosen = paths.choose(runtime, model, train, options, val, forced)
    return chosen.fit(runtime, model, train, val, options)


def evaluate(model, x=None, y=None, batch_size=None, verbose=None, sample_weight=None,
             steps=None, callbacks=None, max_queue_size=None, workers=None,
             use_multiprocessing=None, return_dict=False, path=None):
    runtime, forced = _runtime(model, path)
    _model_ready(model)
    data = Intake(runtime, model, "evaluate", x, y, sample_weight, forced, steps, queue=dict(
        max_queue_size=max_queue_size, workers=workers, use_multiprocessing=use_multiprocessing))
    if data.keras_own:
        options = dict(batch_size=batch_size, verbose=verbose,
                       sample_weight=data.sample_weight, steps=data.steps, callbacks=callbacks,
                       **data.queue)
        return keras_calls.evaluate(runtime, model, data.x, data.y, data.kind, options,
                                    return_dict)
    data.check_for_evaluate(batch_size)
    if callbacks is not None and not runtime.has("evaluate_callbacks"):
        raise keras_calls.unsupported(runtime, "evaluate", "callbacks")
    source = data.source
    if (source is not None and source.has_y and forced is None and data.steps is None
            and runtime.eager and runtime.distribution is None):
        # from_arrays data, whole: Keras' own evaluate of its arrays, by its batches, as
        # predict does (tf.keras 2.0's evaluate of a dataset averages its batches per step,
        # a short last one too).
        y_arrays = list(source.y) if source.y_is_seq else source.y[0]
        options = dict(batch_size=source.batch_size, verbose=verbose, callbacks=callbacks)
        return keras_calls.evaluate(runtime, model, source.structured_x(), y_arrays, ARRAYS,
                                    options, return_dict)
    feed = data.evaluate_feed(batch_size)
    chosen = paths.choose(runtime, model, feed, {}, forced=forced)
    distribute.prepare(runtime, feed, "steps")
    result = chosen.evaluate(runtime, model, feed, callbacks, verbose)
    return keras_calls.as_result(model, result, return_dict)


def predict(model, x=None, batch_size=None, verbose=None, steps=None, callbacks=None,
            max_queue_size=None, workers=None, use_multiprocessing=None):
    """Keras' own predict on data Keras takes; on a tf.data Dataset (whose elements may be x
    or (x, y[, w]), as Keras reads them), Keras' predict where it takes datasets, else the
    batches pulled as NumPy in the model's session and predicted one by one."""
    runtime, _ = _runtime(model, None)
    data = Intake(runtime, model, "predict", x, steps=steps, queue=dict(
        max_queue_size=max_queue_size, workers=workers, use_multiprocessing=use_multiprocessing))
    steps = data.steps
    if data.keras_own:
        options = dict(batch_size=batch_size, verbose=verbose, steps=steps,
                       callbacks=callbacks, **data.queue)
        return keras_calls.predict(runtime, model, x, data.kind, options)
    if batch_size is not None:
        raise DataError("batch_size is not taken with a tf.data Dataset: it brings batches")
    source = data.source
    if source is not None:  # from_arrays data: its arrays, once, in their order
        return _predict_arrays(runtime, model, source, verbose, steps, callbacks)
    steps = steps_in_one_pass(tfshim.cardinality(x), steps, "data", "steps")
    inputs_only = x.map(lambda *e: e[0]) if isinstance(tfshim.structure(x), tuple) else x
    # Keras' predict where it takes the dataset (and, before TF 1.14, where steps say where
    # it ends); else batch by batch to the dataset's end.
    if runtime.has("fit_accepts_dataset") and (
            steps is not None or runtime.has("fit_dataset_without_steps")):
        options = dict(verbose=verbose, steps=steps, callbacks=callbacks)
        graph = paths.get("DATASET_GRAPH")
        if runtime.eager or graph.refuses(runtime) is not None:
            return keras_calls.call(runtime, model, "predict", (inputs_only,),
                                    keras_calls.given(**options))
        with graph.in_model_graph(runtime, model):
            return keras_calls.call(runtime, model, "predict", (inputs_only,),
                                    keras_calls.given(**options))
    with paths.get("SESSION_GENERATOR").in_model_graph(runtime, model) as (_, session):
        batches = NumpyBatches(inputs_only, session)
        outputs = []
        for number, batch in enumerate(batches):
            if steps is not None and number >= steps:
                break
            outputs.append(model.predict_on_batch(batch))
    if not outputs:
        raise DataError("the dataset is empty: it yields no batch")
    if isinstance(outputs[0], list):
        return [np.concatenate(parts) for parts in zip(*outputs)]
    return np.concatenate(outputs)


def _predict_arrays(runtime, model, source, verbose, steps, callbacks):
    """Keras' own predict on the arrays of ``source`` in their order, by its batches: the
    first ``steps`` of them (at most one pass)."""
    inputs = source.structured_x()
    steps = steps_in_one_pass(source.steps, steps, "data", "steps")
    if steps is not None and steps < source.steps:
        rows = steps * source.batch_size
        inputs = [a[:rows] for a in inputs] if isinstance(inputs, list) else inputs[:rows]
    options = dict(batch_size=source.batch_size, verbose=verbose, callbacks=callbacks)
    return keras_calls.predict(runtime, model, inputs, ARRAYS, options)

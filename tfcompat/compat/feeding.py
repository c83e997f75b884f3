"""fit(), evaluate() and predict(): check the data, pick the feeding path, hand over to it.

Keras' own signatures. Data Keras takes itself (arrays, lists and dicts of them, generators,
Sequence / PyDataset) goes to Keras' own method, adjusted to the version (keras_calls); a
tf.data Dataset (from_arrays' included) goes to the fastest feeding path that can carry the
model and the data. Everything a user can get wrong is checked here, before any training.
"""
import numpy as np

from tfcompat import versions
from tfcompat.compat import keras_calls, paths, tfshim
from tfcompat.compat.arrays import ArraySource, checked_arrays, leaves, samples, source_of
from tfcompat.compat.batches import NumpyBatches
from tfcompat.compat.conform import by_position, cast_for, conform_plan
from tfcompat.compat.errors import (
    DataError,
    TensorFlowMissingError,
    UnsupportedArgumentError,
    UnsupportedPathError,
)
from tfcompat.compat.flavors import is_keras3_model
from tfcompat.compat.keras_calls import ARRAYS
from tfcompat.compat.runtime import detect


class Feed(object):
    """One input of fit/evaluate, normalised: a dataset of (x, y) batches, the ArraySource
    behind it when from_arrays made it, and its batches per epoch (None: to the end)."""

    def __init__(self, dataset, source, steps, role):
        self.role = role
        self.source = source
        self.graph_feed = None  # graph mode: the GraphFeed bound to source during a call
        self.steps = steps if steps is not None else (source.steps if source else None)
        self.data = dataset  # as given
        self.spec = tfshim.structure(dataset)
        if not (isinstance(self.spec, tuple) and len(self.spec) in (2, 3)):
            raise DataError("%s must yield (x, y) or (x, y, sample_weight) batches, but its "
                            "elements are %r: zip inputs and targets, e.g. "
                            "Dataset.zip((xs, ys))" % (role, self.spec))

    def plans(self, model):
        """How batches must change to suit ``model`` (see conform_plan)."""
        return conform_plan(model, self.spec)

    def dataset(self, model, tensor_gather_max=0, positional=False):
        """The dataset to train ``model`` on, built in the current graph, its batches conformed
        to the model (see conform_plan). Where the epoch length is known, batches
        cycle forever and every path stops epochs by count, alike. from_arrays data up to
        ``tensor_gather_max`` bytes is gathered from tensors (see ArraySource.dataset).
        ``positional``: dicts keyed by input / output names become tuples in the model's
        order (see by_position)."""
        if self.graph_feed is not None:
            return self.graph_feed.dataset()
        if self.source is not None:  # conformed by the gather: no extra map per batch
            return self.source.dataset(repeat=True, plans=self.plans(model),
                                       tensor_gather_max=tensor_gather_max)
        if tfshim.executing_eagerly():
            return self._derived(model, positional)
        # Graph mode: deriving the same dataset again at every call would grow the graph. Kept
        # on the dataset object itself, so that it goes with it.
        names = (tuple(model.input_names), tuple(model.output_names)) if positional else ()
        key = (tfshim.v1().get_default_graph(), self.steps is not None,
               repr(self.plans(model)), names)
        derived = self.data.__dict__.setdefault("_tfcompat_derived", {})
        if key not in derived:
            derived[key] = self._derived(model, positional)
        return derived[key]

    def _derived(self, model, positional):
        dataset = self.data.repeat() if self.steps is not None else self.data
        return cast_for(model, by_position(model, dataset) if positional else dataset)


def _check_steps(steps, name):
    if steps is not None and (not isinstance(steps, int) or steps < 1):
        raise DataError("%s must be a positive number of batches, got %r" % (name, steps))


def _feed(data, steps, role, shuffle, batch_size=None):
    _check_steps(steps, "steps_per_epoch" if role == "data" else role + " steps")
    if tfshim.is_dataset(data):
        return Feed(data, source_of(data), steps, role)
    if isinstance(data, tuple) and len(data) == 2 and data[1] is not None:
        source = ArraySource(data[0], data[1], batch_size or 32, shuffle, None)
        return Feed(source.dataset(repeat=True), source, steps, role)
    raise DataError("%s must be a tf.data Dataset of (x, y) batches, what tfcompat.from_arrays "
                    "returns, or an (x, y) tuple of NumPy arrays; got %s"
                    % (role, type(data).__name__))


def _check_epoch_end(feed, path, runtime, steps_name):
    if feed.steps is not None:
        return
    if not path.finds_epoch_end(runtime):
        raise DataError("pass %s (batches per epoch): %s on %s cannot tell where an epoch of "
                        "a tf.data Dataset ends" % (steps_name, path.name, runtime.describe()))
    count = tfshim.cardinality(feed.data)
    if count is not None and count < 0:
        raise DataError("%s repeats forever: pass %s (batches per epoch)"
                        % (feed.role, steps_name))
    if count == 0:
        raise DataError("%s is empty: it yields no batch" % feed.role)


def _same_structure(a, b):
    if isinstance(a, dict):
        return isinstance(b, dict) and set(a) == set(b) and all(_same_structure(a[k], b[k])
                                                                for k in a)
    if tfshim.is_sequence(a):
        return (tfshim.is_sequence(b) and len(a) == len(b)
                and all(_same_structure(u, v) for u, v in zip(a, b)))
    return isinstance(b, tfshim.Spec) and a.compatible(b)


def _check_same_structure(train, val):
    if not _same_structure(train.spec, val.spec):
        raise DataError("validation_data yields (x, y) = %r but data yields %r: give "
                        "validation_data the same inputs and targets as data"
                        % (val.spec, train.spec))


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
    runtime = detect(model=model)
    if path is None:
        return runtime, None
    chosen = paths.get(path)
    why = chosen.refuses(runtime)
    if why is not None:
        raise UnsupportedPathError("%s cannot run here: %s" % (chosen.name, why))
    return runtime, chosen


def _path_for(runtime, model, forced, feed, options):
    """The path asked for, or the first one of the chooser's list that can carry ``model``
    and ``feed`` here."""
    if forced is not None:
        why = forced.refuses_data(runtime, model, feed, options)
        if why is not None:
            raise UnsupportedPathError("%s cannot run this: %s" % (forced.name, why))
        return forced
    refused = []
    for path in paths.PATHS:
        why = path.refuses(runtime) or path.refuses_data(runtime, model, feed, options)
        if why is None:
            return path
        refused.append("%s %s" % (path.name, why))
    raise UnsupportedPathError("no feeding path can run this on %s: %s"
                               % (runtime.describe(), "; ".join(refused)))


def _unpack(x, y, sample_weight):
    """tfcompat's data positional: an (x, y) or (x, y, sample_weight) tuple as x, y, w."""
    if (y is None and sample_weight is None and isinstance(x, tuple) and len(x) in (2, 3)
            and not tfshim.is_dataset(x[0])):
        return tuple(x) + (None,) * (3 - len(x))
    return x, y, sample_weight


def _kind(x):
    if x is None:
        raise DataError("pass data: x (and y), a tf.data Dataset, what tfcompat.from_arrays "
                        "returns, a generator or a Sequence")
    return "dataset" if tfshim.is_dataset(x) else keras_calls.data_kind(x)


def _shapes(*values):
    """Per array leaf, its shape after the batch dimension (None where no array)."""
    return [[tuple(np.shape(a))[1:] for a in leaves(v)] if v is not None else None
            for v in values]


def _check_arrays(role, x, y, sample_weight):
    """The arrays Keras' own call gets, refused here as from_arrays refuses them."""
    if y is None:
        raise DataError("%s has no targets: pass y, an (x, y) tuple, a tf.data Dataset of "
                        "(x, y) batches or what tfcompat.from_arrays returns" % role)
    columns = checked_arrays(x, "x") + checked_arrays(y, "y")
    if sample_weight is not None:
        columns += checked_arrays(sample_weight, "sample_weight")
    samples(columns)


def _check_validation_arrays(x, y, validation_data):
    if not isinstance(validation_data, (tuple, list)) or len(validation_data) not in (2, 3):
        return  # Keras says what it takes
    vx, vy = validation_data[0], validation_data[1]
    _check_arrays("validation_data", vx, vy, None)
    if _shapes(x, y) != _shapes(vx, vy):
        raise DataError("validation_data has arrays of shapes %r but data has %r: give "
                        "validation_data the same inputs and targets as data"
                        % (_shapes(vx, vy), _shapes(x, y)))


def _queue_options(runtime, x, kind, **given):
    """Keras' options for how a generator or Sequence is read, as the Keras call takes them:
    Keras 2 in its fit/evaluate/predict (or *_generator) call; Keras 3 on the PyDataset
    (set there, as PyDataset(workers=...) would), and nowhere else."""
    given = keras_calls.given(**given)
    if not given:
        return {}
    names = ", ".join(sorted(given))
    if kind == "dataset" or kind == ARRAYS:
        raise DataError("%s apply to generators and Sequence / PyDataset data; %s"
                        % (names, "a tf.data Dataset has its own (map(num_parallel_calls=), "
                           "prefetch)" if kind == "dataset" else "arrays are not read by "
                           "workers"))
    if runtime.keras_flavor != versions.KERAS3:
        return given
    if kind != keras_calls.SEQUENCE:
        raise UnsupportedArgumentError(
            "Keras 3 takes %s on a keras.utils.PyDataset (PyDataset(workers=...)), not for a "
            "%s%s; this is %s" % (names, kind, " (it has num_workers)" if kind == keras_calls.
                                  DATALOADER else "", runtime.describe()))
    for name, value in given.items():
        setattr(x, name, value)
    return {}


def fit(model, x=None, y=None, batch_size=None, epochs=1, verbose=None, callbacks=None,
        validation_split=0.0, validation_data=None, shuffle=True, class_weight=None,
        sample_weight=None, initial_epoch=0, steps_per_epoch=None, validation_steps=None,
        validation_freq=1, max_queue_size=None, workers=None, use_multiprocessing=None,
        path=None):
    runtime, forced = _runtime(model, path)
    _model_ready(model)
    x, y, sample_weight = _unpack(x, y, sample_weight)
    kind = _kind(x)
    _check_steps(steps_per_epoch, "steps_per_epoch")
    _check_steps(validation_steps, "validation_data steps")
    options = dict(epochs=epochs, verbose=verbose, callbacks=list(callbacks or []),
                   class_weight=class_weight, initial_epoch=initial_epoch or None,
                   validation_freq=validation_freq if validation_freq != 1 else None)
    options.update(_queue_options(runtime, x, kind, max_queue_size=max_queue_size,
                                  workers=workers, use_multiprocessing=use_multiprocessing))
    if kind != "dataset" and (forced is None or kind != ARRAYS):
        if forced is not None:
            raise DataError("path= chooses how a tf.data Dataset or (x, y) arrays are fed; "
                            "a %s goes to Keras' own fit: pass path=None" % kind)
        if kind == ARRAYS:
            _check_arrays("data", x, y, sample_weight)
            _check_validation_arrays(x, y, validation_data)
        options.update(batch_size=batch_size, validation_split=validation_split or None,
                       validation_data=validation_data, shuffle=shuffle,
                       sample_weight=sample_weight, steps_per_epoch=steps_per_epoch,
                       validation_steps=validation_steps)
        return keras_calls.fit(runtime, model, x, y, kind, options)
    if kind == "dataset":
        for name, value in (("y", y), ("sample_weight", sample_weight),
                            ("batch_size", batch_size)):
            if value is not None:
                raise DataError("%s is not taken with a tf.data Dataset: its elements bring "
                                "(x, y) or (x, y, sample_weight) batches" % name)
        data = x
    else:  # arrays, fed through the path asked for
        if sample_weight is not None:
            raise DataError("path=%s feeds (x, y) arrays without sample_weight: pass "
                            "path=None" % forced.name)
        data = (x, y)
    if validation_split:
        raise DataError("validation_split needs arrays (Keras cuts their last samples off); "
                        "with a dataset pass validation_data")
    train = _feed(data, steps_per_epoch, "data", shuffle, batch_size)
    chosen = _path_for(runtime, model, forced, train, options)
    _check_epoch_end(train, chosen, runtime, "steps_per_epoch")
    val = None
    if validation_data is not None:
        val = _feed(validation_data, validation_steps, "validation_data", False, batch_size)
        _check_same_structure(train, val)
        _check_epoch_end(val, chosen, runtime, "validation_steps")
    return chosen.fit(runtime, model, train, val, options)


def evaluate(model, x=None, y=None, batch_size=None, verbose=None, sample_weight=None,
             steps=None, callbacks=None, max_queue_size=None, workers=None,
             use_multiprocessing=None, return_dict=False, path=None):
    runtime, forced = _runtime(model, path)
    _model_ready(model)
    x, y, sample_weight = _unpack(x, y, sample_weight)
    kind = _kind(x)
    _check_steps(steps, "steps")
    queue = _queue_options(runtime, x, kind, max_queue_size=max_queue_size, workers=workers,
                           use_multiprocessing=use_multiprocessing)
    if kind != "dataset" and (forced is None or kind != ARRAYS):
        if forced is not None:
            raise DataError("path= chooses how a tf.data Dataset or (x, y) arrays are fed; "
                            "a %s goes to Keras' own evaluate: pass path=None" % kind)
        if kind == ARRAYS:
            _check_arrays("data", x, y, sample_weight)
        options = dict(batch_size=batch_size, verbose=verbose, sample_weight=sample_weight,
                       steps=steps, callbacks=callbacks, **queue)
        return keras_calls.evaluate(runtime, model, x, y, kind, options, return_dict)
    if sample_weight is not None or (kind == "dataset" and (y is not None
                                                             or batch_size is not None)):
        raise DataError("with a tf.data Dataset (or path=), give batches of (x, y) or "
                        "(x, y, sample_weight) in the dataset; y, batch_size and "
                        "sample_weight are not taken")
    if callbacks is not None and not runtime.has("evaluate_callbacks"):
        raise keras_calls.unsupported(runtime, "evaluate", "callbacks")
    feed = _feed(x if kind == "dataset" else (x, y), steps, "data", False, batch_size)
    chosen = _path_for(runtime, model, forced, feed, {})
    _check_epoch_end(feed, chosen, runtime, "steps")
    result = chosen.evaluate(runtime, model, feed, callbacks, verbose)
    return keras_calls.as_result(model, result, return_dict)


def predict(model, x=None, batch_size=None, verbose=None, steps=None, callbacks=None,
            max_queue_size=None, workers=None, use_multiprocessing=None):
    """Keras' own predict on data Keras takes; on a tf.data Dataset (whose elements may be x
    or (x, y[, w]), as Keras reads them), Keras' predict where it takes datasets, else the
    batches pulled as NumPy in the model's session and predicted one by one."""
    runtime, _ = _runtime(model, None)
    kind = _kind(x)
    _check_steps(steps, "steps")
    queue = _queue_options(runtime, x, kind, max_queue_size=max_queue_size, workers=workers,
                           use_multiprocessing=use_multiprocessing)
    if kind != "dataset":
        options = dict(batch_size=batch_size, verbose=verbose, steps=steps,
                       callbacks=callbacks, **queue)
        return keras_calls.predict(runtime, model, x, kind, options)
    if batch_size is not None:
        raise DataError("batch_size is not taken with a tf.data Dataset: it brings batches")
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

"""fit(), evaluate() and predict(): check the data, pick the feeding path, hand over to it.

Keras' own signatures. Data Keras takes itself (arrays, lists and dicts of them, generators,
Sequence / PyDataset) goes to Keras' own method, adjusted to the version (keras_calls); a
tf.data Dataset (from_arrays' included) goes to the fastest feeding path that can carry the
model and the data. Everything a user can get wrong is checked here, before any training.
"""
import numbers
import warnings

import numpy as np

from tfcompat import versions
from tfcompat.compat import arrays, distribute, keras_calls, paths, tfshim
from tfcompat.compat.arrays import ArraySource, checked_arrays, leaves, samples, source_of
from tfcompat.compat.batches import NumpyBatches
from tfcompat.compat.conform import by_position, cast_for, conform_plan
from tfcompat.compat.errors import (
    DataError,
    TensorFlowMissingError,
    UnsupportedArgumentError,
)
from tfcompat.compat.flavors import is_keras3_model, model_flavor
from tfcompat.compat.keras_calls import ARRAYS
from tfcompat.compat.runtime import detect


class Feed(object):
    """One input of fit/evaluate, normalised: a dataset of (x, y) batches (or x alone, for a
    model that trains on x alone), the ArraySource behind it when from_arrays made it, its
    batches in one pass (``count``: a number, -1 when it repeats forever, None when TF cannot
    tell), the steps the user gave (``given``) and the batches per epoch (``steps``: the
    given ones, else one pass where its length is known; None: to the end)."""

    def __init__(self, dataset, source, steps, role, count=None, targets=True, one_pass=False):
        self.role = role
        self.one_pass = one_pass
        self.source = source
        self.count = count
        self.given = steps
        self.steps = steps if steps is not None else (count if count and count > 0 else None)
        self.graph_feed = None  # graph mode: the GraphFeed bound to source during a call
        self.data = dataset  # as given
        self.shard = None  # what the distribution does to the dataset (distribute.prepare)
        self.spec = tfshim.structure(dataset)
        if targets and not (isinstance(self.spec, tuple) and len(self.spec) in (2, 3)):
            raise DataError("%s must yield (x, y) or (x, y, sample_weight) batches, but its "
                            "elements are %r: zip inputs and targets, e.g. "
                            "Dataset.zip((xs, ys))" % (role, self.spec))

    @property
    def has_targets(self):
        return isinstance(self.spec, tuple) and len(self.spec) in (2, 3)

    @property
    def finite(self):
        return self.count is not None and self.count >= 0

    @property
    def repeats(self):
        """Whether the paths get the data repeated: where epochs are counted by steps and
        repeating never cycles data unasked (data that repeats forever anyway, finite data
        whose every epoch is one whole pass, or data TF cannot count, with the user's
        steps, except data read once). Finite data with the user's steps is given as it is:
        Keras' own fit stops at its end, and the paths that cannot stop there refuse it (see
        paths/limits.py); evaluation stops at the end of data it could not count."""
        if self.steps is None or (self.finite and self.given is not None):
            return False
        return self.count is not None or not self.one_pass

    def plans(self, model):
        """How batches must change to suit ``model`` (see conform_plan)."""
        return conform_plan(model, self.spec)

    def dataset(self, model, tensor_gather_max=0, positional=False):
        """The dataset to train ``model`` on, built in the current graph, its batches conformed
        to the model (see conform_plan), repeated where ``repeats`` says. from_arrays data up
        to ``tensor_gather_max`` bytes is gathered from tensors (see ArraySource.dataset).
        ``positional``: dicts keyed by input / output names become tuples in the model's
        order (see by_position)."""
        if self.graph_feed is not None:
            return self.graph_feed.dataset()
        if self.source is not None:  # conformed by the gather: no extra map per batch
            dataset = self.source.dataset(repeat=self.repeats, plans=self.plans(model),
                                          tensor_gather_max=tensor_gather_max)
        elif tfshim.executing_eagerly():
            dataset = self._derived(model, positional)
        else:
            # Graph mode: deriving the same dataset again at every call would grow the graph.
            # Kept on the dataset object itself, so that it goes with it.
            names = (tuple(model.input_names), tuple(model.output_names)) if positional else ()
            key = (tfshim.v1().get_default_graph(), self.repeats,
                   repr(self.plans(model)) if self.has_targets else None, names)
            derived = self.data.__dict__.setdefault("_tfcompat_derived", {})
            if key not in derived:
                derived[key] = self._derived(model, positional)
            dataset = derived[key]
        return self.shard(dataset) if self.shard is not None else dataset

    def _derived(self, model, positional):
        dataset = self.data.repeat() if self.repeats else self.data
        if not self.has_targets:
            return dataset
        return cast_for(model, by_position(model, dataset) if positional else dataset)


def _steps(steps, name):
    """``steps`` as an int (any integer type Keras takes, NumPy's included), or None."""
    if steps is None:
        return None
    if (not isinstance(steps, (numbers.Integral, np.integer)) or isinstance(steps, bool)
            or steps < 1):
        raise DataError("%s must be a positive number of batches, got %r" % (name, steps))
    return int(steps)


def _one_pass(count, steps, role, name):
    """``steps`` for one pass of ``role`` data of ``count`` batches: the steps past the end of
    finite data are dropped with a warning, as Keras' own evaluate stops at the end of data
    (tf.keras 1.x's graph loop would cycle a dataset there instead)."""
    if steps is not None and count is not None and 0 < count < steps:
        warnings.warn("%s has %d batches; %s=%d would run past its end: it is read once, "
                      "%d batches (repeat the data to read more)" % (role, count, name, steps,
                                                                    count), stacklevel=5)
        return count
    return steps


def _feed(data, steps, role, shuffle, batch_size=None, one_pass=False, targets=True):
    """``data`` (a Dataset, or an (x, y) tuple of arrays) as a Feed; ``one_pass``: evaluate
    and validation data, read once, in order where from_arrays made it."""
    name = "steps_per_epoch" if role == "data" and not one_pass else (
        "steps" if role == "data" else "validation_steps")
    steps = _steps(steps, name)
    if tfshim.is_dataset(data):
        source = source_of(data)
        if source is not None:
            count = -1 if arrays.repeats(data) and not one_pass else source.steps
            source = source.in_order() if one_pass else source
        else:
            count = tfshim.cardinality(data)
        if one_pass:
            steps = _one_pass(count, steps, role, name)
        return Feed(data, source, steps, role, count, targets, one_pass)
    if isinstance(data, tuple) and len(data) == 2 and data[1] is not None:
        source = ArraySource(data[0], data[1], batch_size or 32, shuffle, None)
        if one_pass:
            steps = _one_pass(source.steps, steps, role, name)
        return Feed(source.dataset(repeat=False), source, steps, role, source.steps,
                    one_pass=one_pass)
    raise DataError("%s must be a tf.data Dataset of (x, y) batches, what tfcompat.from_arrays "
                    "returns, or an (x, y) tuple of NumPy arrays; got %s"
                    % (role, type(data).__name__))


def _check_epoch_end(feed, steps_name):
    """Data whose epochs cannot end: forever without steps, or empty."""
    if feed.steps is not None:
        return
    if feed.count is not None and feed.count < 0:
        raise DataError("%s repeats forever: pass %s (batches per epoch)"
                        % (feed.role, steps_name))
    if feed.count == 0:
        raise DataError("%s is empty: it yields no batch" % feed.role)


def _same_structure(a, b, targets=False):
    """Whether specs ``a`` and ``b`` match; ``targets``: a target of shape (n,) matches one
    of (n, 1), as Keras conforms them."""
    if isinstance(a, dict):
        return isinstance(b, dict) and set(a) == set(b) and all(
            _same_structure(a[k], b[k], targets) for k in a)
    if tfshim.is_sequence(a):
        return (tfshim.is_sequence(b) and len(a) == len(b)
                and all(_same_structure(u, v, targets) for u, v in zip(a, b)))
    if not isinstance(b, tfshim.Spec):
        return False
    if targets and a.shape is not None and b.shape is not None:
        return _squeezed(a.shape) == _squeezed(b.shape) or a.compatible(b)
    return a.compatible(b)


def _squeezed(shape):
    """A shape after the batch dimension, without a last axis of 1 (None: any size)."""
    shape = tuple(shape[1:])
    return shape[:-1] if shape[-1:] == (1,) else shape


def _check_same_structure(train, val):
    if not (train.has_targets and val.has_targets and len(train.spec) == len(val.spec)
            and _same_structure(train.spec[0], val.spec[0])
            and _same_structure(train.spec[1], val.spec[1], targets=True)
            and (len(train.spec) == 2 or _same_structure(train.spec[2], val.spec[2]))):
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
    try:
        model_flavor(model)
    except TypeError:
        raise DataError("model must be a Keras model, got %s: pass the model first, as in "
                        "tfcompat.fit(model, x, y)" % type(model).__name__)
    runtime = detect(model=model)
    distribute.check(runtime)
    return runtime, paths.asked(runtime, path)


def _unpack(x, y, sample_weight):
    """tfcompat's data positional: an (x, y) or (x, y, sample_weight) tuple as x, y, w;
    ``sample_weight=`` goes with an (x, y) one as with Keras' fit(x, y, sample_weight=)."""
    if y is None and isinstance(x, tuple) and len(x) in (2, 3) and not tfshim.is_dataset(x[0]):
        if sample_weight is not None and len(x) == 3:
            raise DataError("sample weights given twice: in the (x, y, sample_weight) tuple "
                            "and as sample_weight=; pass one")
        return tuple(x[:2]) + ((x[2] if len(x) == 3 else sample_weight),)
    return x, y, sample_weight


def _kind(x):
    if x is None:
        raise DataError("pass data: x (and y), a tf.data Dataset, what tfcompat.from_arrays "
                        "returns, a generator or a Sequence")
    return "dataset" if tfshim.is_dataset(x) else keras_calls.data_kind(x)


def _shapes(value, targets=False):
    """Per array leaf, its shape after the batch dimension (None: a size Keras decides;
    ``targets``: without a last axis of 1, as Keras conforms (n,) and (n, 1) targets)."""
    if value is None:
        return None
    shapes = []
    for leaf in leaves(value):
        if tfshim.is_tensor(leaf):
            shape = tfshim.tf().TensorShape(leaf.shape)
            shape = tuple(shape.as_list()) if shape.ndims is not None else (None,)
        else:
            shape = tuple(np.shape(leaf))
        shapes.append(_squeezed(shape) if targets else shape[1:])
    return shapes


def takes_x_alone(model, method="train_step"):
    """Whether ``model`` trains (or with ``test_step``, evaluates) on x alone, as Keras lets
    such models: compiled without a loss (losses from add_loss) or with their own step."""
    if getattr(model, "loss", None) in (None, [], {}):
        return True
    own = getattr(type(model), method, None)
    for cls in type(model).__mro__[1:]:
        if cls.__name__ == "Model" and method in vars(cls):
            return own is not vars(cls)[method]
    return False


def _check_arrays(role, x, y, sample_weight, model=None, method="train_step"):
    """The arrays Keras' own call gets, refused here as from_arrays refuses them."""
    if y is None and not takes_x_alone(model, method):
        raise DataError("%s has no targets: pass y, an (x, y) tuple, a tf.data Dataset of "
                        "(x, y) batches or what tfcompat.from_arrays returns (x alone trains "
                        "a model compiled without a loss, or with its own %s)" % (role, method))
    columns = checked_arrays(x, "x") + (checked_arrays(y, "y") if y is not None else ())
    if sample_weight is not None:
        columns += checked_arrays(sample_weight, "sample_weight")
    if columns:
        samples(columns)


def _check_tensors(runtime, method, **values):
    """Refuses TensorFlow tensors among ``values`` (x, y, ...) with a DataError where this
    Keras' own ``method`` cannot take them: standalone Keras before 2.2 (fact
    fit_takes_tensors), and a SparseTensor without a static ``shape`` (TF before it has one),
    which Keras sizes by ``shape[0]``."""
    for name in sorted(values):
        for leaf in leaves(values[name]) if values[name] is not None else ():
            if not tfshim.is_tensor(leaf):
                continue
            kind = type(leaf).__name__
            if not runtime.has("fit_takes_tensors"):
                raise DataError("%s is a %s, which %s's %s() does not take (needs %s); this "
                                "is %s: pass NumPy arrays or a tf.data Dataset"
                                % (name, kind, runtime.keras_flavor, method,
                                   versions.requirement("fit_takes_tensors",
                                                        runtime.keras_flavor),
                                   runtime.describe()))
            if not hasattr(leaf, "shape"):
                raise DataError("%s is a %s without a shape, which %s's %s() cannot size; "
                                "this is %s: pass a SciPy sparse matrix or dense arrays, or "
                                "use a TensorFlow whose SparseTensor has .shape"
                                % (name, kind, runtime.keras_flavor, method,
                                   runtime.describe()))


def _check_validation_arrays(x, y, validation_data, model):
    if not isinstance(validation_data, (tuple, list)) or len(validation_data) not in (2, 3):
        return  # Keras says what it takes
    vx, vy = validation_data[0], validation_data[1]
    _check_arrays("validation_data", vx, vy, None, model, "test_step")
    if (_shapes(x), _shapes(y, True)) != (_shapes(vx), _shapes(vy, True)):
        raise DataError("validation_data has arrays of shapes %r but data has %r: give "
                        "validation_data the same inputs and targets as data"
                        % ([_shapes(vx), _shapes(vy)], [_shapes(x), _shapes(y)]))


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
    steps_per_epoch = _steps(steps_per_epoch, "steps_per_epoch")
    validation_steps = _steps(validation_steps, "validation_steps")
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
            _check_arrays("data", x, y, sample_weight, model)
            _check_validation_arrays(x, y, validation_data, model)
            _check_tensors(runtime, "fit", x=x, y=y, sample_weight=sample_weight,
                           validation_data=validation_data)
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
    alone = takes_x_alone(model)
    train = _feed(data, steps_per_epoch, "data", shuffle, batch_size, targets=not alone)
    _check_epoch_end(train, "steps_per_epoch")
    val = None
    if validation_data is not None:
        val = _feed(validation_data, validation_steps, "validation_data", False, batch_size,
                    one_pass=True, targets=not takes_x_alone(model, "test_step"))
        if train.has_targets or val.has_targets:
            _check_same_structure(train, val)
        _check_epoch_end(val, "validation_steps")
        distribute.prepare(runtime, val, "validation_steps")
    distribute.prepare(runtime, train, "steps_per_epoch")
    chosen = paths.choose(runtime, model, train, options, val, forced)
    return chosen.fit(runtime, model, train, val, options)


def evaluate(model, x=None, y=None, batch_size=None, verbose=None, sample_weight=None,
             steps=None, callbacks=None, max_queue_size=None, workers=None,
             use_multiprocessing=None, return_dict=False, path=None):
    runtime, forced = _runtime(model, path)
    _model_ready(model)
    x, y, sample_weight = _unpack(x, y, sample_weight)
    kind = _kind(x)
    steps = _steps(steps, "steps")
    queue = _queue_options(runtime, x, kind, max_queue_size=max_queue_size, workers=workers,
                           use_multiprocessing=use_multiprocessing)
    if kind != "dataset" and (forced is None or kind != ARRAYS):
        if forced is not None:
            raise DataError("path= chooses how a tf.data Dataset or (x, y) arrays are fed; "
                            "a %s goes to Keras' own evaluate: pass path=None" % kind)
        if kind == ARRAYS:
            _check_arrays("data", x, y, sample_weight, model, "test_step")
            _check_tensors(runtime, "evaluate", x=x, y=y, sample_weight=sample_weight)
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
    source = source_of(x) if kind == "dataset" else None
    if (source is not None and source.has_y and forced is None and steps is None
            and runtime.eager and runtime.distribution is None):
        # from_arrays data, whole: Keras' own evaluate of its arrays, by its batches, as
        # predict does (tf.keras 2.0's evaluate of a dataset averages its batches per step,
        # a short last one too).
        y_arrays = list(source.y) if source.y_is_seq else source.y[0]
        options = dict(batch_size=source.batch_size, verbose=verbose, callbacks=callbacks)
        return keras_calls.evaluate(runtime, model, source.structured_x(), y_arrays, ARRAYS,
                                    options, return_dict)
    feed = _feed(x if kind == "dataset" else (x, y), steps, "data", False, batch_size,
                 one_pass=True, targets=not takes_x_alone(model, "test_step"))
    _check_epoch_end(feed, "steps")
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
    kind = _kind(x)
    steps = _steps(steps, "steps")
    queue = _queue_options(runtime, x, kind, max_queue_size=max_queue_size, workers=workers,
                           use_multiprocessing=use_multiprocessing)
    if kind != "dataset":
        if kind == ARRAYS:
            _check_tensors(runtime, "predict", x=x)
        options = dict(batch_size=batch_size, verbose=verbose, steps=steps,
                       callbacks=callbacks, **queue)
        return keras_calls.predict(runtime, model, x, kind, options)
    if batch_size is not None:
        raise DataError("batch_size is not taken with a tf.data Dataset: it brings batches")
    source = source_of(x)
    if source is not None:  # from_arrays data: its arrays, once, in their order
        return _predict_arrays(runtime, model, source, verbose, steps, callbacks)
    steps = _one_pass(tfshim.cardinality(x), steps, "data", "steps")
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
    steps = _one_pass(source.steps, steps, "data", "steps")
    if steps is not None and steps < source.steps:
        rows = steps * source.batch_size
        inputs = [a[:rows] for a in inputs] if isinstance(inputs, list) else inputs[:rows]
    options = dict(batch_size=source.batch_size, verbose=verbose, callbacks=callbacks)
    return keras_calls.predict(runtime, model, inputs, ARRAYS, options)

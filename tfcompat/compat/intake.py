"""The intake: one call's data (x, y, sample_weight, validation data), classified and checked
once, before anything is fed, as Keras 3 classifies its input once (get_data_adapter). Every
later step asks it: data Keras takes itself (arrays, lists and dicts of them, generators,
Sequence / PyDataset) goes to Keras' own method (``Intake.keras_own``); a tf.data Dataset
(from_arrays' included), or arrays fed through the path asked for, becomes a Feed, which the
chooser (paths.choose) and the chosen path read. Everything a user can get wrong in the data
is checked here, before any training.
"""
import numbers
import sys
import warnings

import numpy as np

from tfcompat import versions
from tfcompat.compat import arrays, keras_calls, tfshim
from tfcompat.compat.arrays import ArraySource, checked_arrays, leaves, samples, source_of
from tfcompat.compat.conform import by_position, cast_for, conform_plan
from tfcompat.compat.errors import DataError, UnsupportedArgumentError
from tfcompat.compat.keras_calls import ARRAYS

DATASET = "dataset"


class Intake(object):
    """x (with y and sample_weight) of one fit / evaluate / predict call, classified once:
    ``kind`` (DATASET, or keras_calls' ARRAYS, GENERATOR, SEQUENCE, DATALOADER), ``source``
    (the ArraySource behind from_arrays data, else None) and ``keras_own`` (whether it goes to
    Keras' own ``method``: all but a Dataset, and arrays with ``forced``, the path asked for).
    fit and evaluate take an (x, y[, sample_weight]) tuple as x (see _unpack)."""

    def __init__(self, runtime, model, method, x, y=None, sample_weight=None, forced=None,
                 steps=None, validation_steps=None, validation_data=None, queue=None):
        if method != "predict":
            x, y, sample_weight = _unpack(x, y, sample_weight)
        self.model, self.method, self.forced = model, method, forced
        self.x, self.y, self.sample_weight = x, y, sample_weight
        self.kind = _kind(x)
        self.source = source_of(x) if self.kind == DATASET else None
        self.keras_own = self.kind != DATASET and (forced is None or self.kind != ARRAYS)
        self.steps = checked_steps(steps, "steps_per_epoch" if method == "fit" else "steps")
        self.validation_steps = checked_steps(validation_steps, "validation_steps")
        self.queue = self._queue_options(runtime, **(queue or {}))
        if self.keras_own:
            self._check_for_keras(runtime, validation_data)

    def _queue_options(self, runtime, **given):
        """Keras' options for how a generator or Sequence is read, as the Keras call takes
        them: Keras 2 in its fit/evaluate/predict (or *_generator) call; Keras 3 on the
        PyDataset (set there, as PyDataset(workers=...) would), and nowhere else."""
        given = keras_calls.given(**given)
        if not given:
            return {}
        names, kind = ", ".join(sorted(given)), self.kind
        if kind == DATASET or kind == ARRAYS:
            raise DataError("%s apply to generators and Sequence / PyDataset data; %s"
                            % (names, "a tf.data Dataset has its own (map(num_parallel_calls=), "
                               "prefetch)" if kind == DATASET else "arrays are not read by "
                               "workers"))
        if runtime.keras_flavor != versions.KERAS3:
            return given
        if kind != keras_calls.SEQUENCE:
            raise UnsupportedArgumentError(
                "Keras 3 takes %s on a keras.utils.PyDataset (PyDataset(workers=...)), not for "
                "a %s%s; this is %s" % (names, kind, " (it has num_workers)" if kind ==
                                        keras_calls.DATALOADER else "", runtime.describe()))
        for name, value in given.items():
            setattr(self.x, name, value)
        return {}

    def _check_for_keras(self, runtime, validation_data=None):
        """Data going to Keras' own ``method``: arrays refused here as from_arrays refuses
        them, and tensors where this Keras cannot take them."""
        if self.forced is not None:
            raise DataError("path= chooses how a tf.data Dataset or (x, y) arrays are fed; "
                            "a %s goes to Keras' own %s: pass path=None"
                            % (self.kind, self.method))
        if self.kind != ARRAYS:
            return
        if self.method == "predict":
            _check_tensors(runtime, "predict", x=self.x)
            return
        step = "train_step" if self.method == "fit" else "test_step"
        _check_arrays("data", self.x, self.y, self.sample_weight, self.model, step)
        if self.method == "fit":
            _check_validation_arrays(self.x, self.y, validation_data, self.model)
            _check_tensors(runtime, "fit", x=self.x, y=self.y, sample_weight=self.sample_weight,
                           validation_data=validation_data)
        else:
            _check_tensors(runtime, "evaluate", x=self.x, y=self.y,
                           sample_weight=self.sample_weight)

    def fit_feeds(self, batch_size, shuffle, validation_data, validation_split):
        """(train, validation or None) Feeds of fit's data, checked."""
        if self.kind == DATASET:
            for name, value in (("y", self.y), ("sample_weight", self.sample_weight),
                                ("batch_size", batch_size)):
                if value is not None:
                    raise DataError("%s is not taken with a tf.data Dataset: its elements "
                                    "bring (x, y) or (x, y, sample_weight) batches" % name)
        elif self.sample_weight is not None:  # arrays, fed through the path asked for
            raise DataError("path=%s feeds (x, y) arrays without sample_weight: pass "
                            "path=None" % self.forced.name)
        if validation_split:
            raise DataError("validation_split needs arrays (Keras cuts their last samples "
                            "off); with a dataset pass validation_data")
        model = self.model
        train = _feed(self._data(), self.steps, "data", shuffle, batch_size,
                      targets=not takes_x_alone(model), intake=self)
        _check_epoch_end(train, "steps_per_epoch")
        if validation_data is None:
            return train, None
        val = _feed(validation_data, self.validation_steps, "validation_data", False, batch_size,
                    one_pass=True, targets=not takes_x_alone(model, "test_step"))
        if train.has_targets or val.has_targets:
            _check_same_structure(train, val)
        _check_epoch_end(val, "validation_steps")
        return train, val

    def check_for_evaluate(self, batch_size):
        """What evaluate does not take with a Dataset (or arrays through path=)."""
        if self.sample_weight is not None or (self.kind == DATASET and (
                self.y is not None or batch_size is not None)):
            raise DataError("with a tf.data Dataset (or path=), give batches of (x, y) or "
                            "(x, y, sample_weight) in the dataset; y, batch_size and "
                            "sample_weight are not taken")

    def evaluate_feed(self, batch_size):
        """evaluate's data as a Feed, read once, checked."""
        feed = _feed(self._data(), self.steps, "data", False, batch_size, one_pass=True,
                     targets=not takes_x_alone(self.model, "test_step"), intake=self)
        _check_epoch_end(feed, "steps")
        return feed

    def _data(self):
        return self.x if self.kind == DATASET else (self.x, self.y)


def _callers_level():
    """The stacklevel of a warning that points at the first caller outside tfcompat."""
    frame, level = sys._getframe(1), 1
    while frame is not None and frame.f_globals.get("__name__", "").startswith("tfcompat"):
        frame, level = frame.f_back, level + 1
    return level


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
        self.has_targets = isinstance(self.spec, tuple) and len(self.spec) in (2, 3)
        self.finite = count is not None and count >= 0
        if targets and not self.has_targets:
            raise DataError("%s must yield (x, y) or (x, y, sample_weight) batches, but its "
                            "elements are %r: zip inputs and targets, e.g. "
                            "Dataset.zip((xs, ys))" % (role, self.spec))

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


def checked_steps(steps, name):
    """``steps`` as an int (any integer type Keras takes, NumPy's included), or None."""
    if steps is None:
        return None
    if (not isinstance(steps, (numbers.Integral, np.integer)) or isinstance(steps, bool)
            or steps < 1):
        raise DataError("%s must be a positive number of batches, got %r" % (name, steps))
    return int(steps)


def steps_in_one_pass(count, steps, role, name):
    """``steps`` for one pass of ``role`` data of ``count`` batches: the steps past the end of
    finite data are dropped with a warning, as Keras' own evaluate stops at the end of data
    (tf.keras 1.x's graph loop would cycle a dataset there instead)."""
    if steps is not None and count is not None and 0 < count < steps:
        warnings.warn("%s has %d batches; %s=%d would run past its end: it is read once, "
                      "%d batches (repeat the data to read more)" % (role, count, name, steps,
                                                                    count),
                      stacklevel=_callers_level())
        return count
    return steps


def _feed(data, steps, role, shuffle, batch_size=None, one_pass=False, targets=True,
          intake=None):
    """``data`` (a Dataset, or an (x, y) tuple of arrays) as a Feed; ``one_pass``: evaluate
    and validation data, read once, in order where from_arrays made it. ``intake``: the
    Intake that classified ``data`` already, else None."""
    name = "steps_per_epoch" if role == "data" and not one_pass else (
        "steps" if role == "data" else "validation_steps")
    steps = checked_steps(steps, name)
    if intake.kind == DATASET if intake is not None else tfshim.is_dataset(data):
        source = intake.source if intake is not None else source_of(data)
        if source is not None:
            count = -1 if arrays.repeats(data) and not one_pass else source.steps
            source = source.in_order() if one_pass else source
        else:
            count = tfshim.cardinality(data)
        if one_pass:
            steps = steps_in_one_pass(count, steps, role, name)
        return Feed(data, source, steps, role, count, targets, one_pass)
    if isinstance(data, tuple) and len(data) == 2 and data[1] is not None:
        source = ArraySource(data[0], data[1], batch_size or 32, shuffle, None)
        if one_pass:
            steps = steps_in_one_pass(source.steps, steps, role, name)
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
    return DATASET if tfshim.is_dataset(x) else keras_calls.data_kind(x)


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

"""fit() and evaluate(): check the data, pick the feeding path, hand over to it.

Everything a user can get wrong is checked here, before any training: the data's kind and
structure, epoch lengths the path cannot find by itself, the path asked for.
"""
from tfcompat.compat import paths, tfshim
from tfcompat.compat.arrays import ArraySource, source_of
from tfcompat.compat.conform import cast_for, conform_plan
from tfcompat.compat.errors import DataError, UnsupportedPathError
from tfcompat.compat.runtime import detect


class Feed(object):
    """One input of fit/evaluate, normalised: a dataset of (x, y) batches, the ArraySource
    behind it when from_arrays made it, and its batches per epoch (None: to the end)."""

    def __init__(self, dataset, source, steps, role):
        self.role = role
        self.source = source
        self.steps = steps if steps is not None else (source.steps if source else None)
        self._dataset = dataset
        self.spec = tfshim.structure(dataset)
        if not (isinstance(self.spec, tuple) and len(self.spec) == 2):
            raise DataError("%s must yield (x, y) batches, but its elements are %r: zip inputs "
                            "and targets, e.g. Dataset.zip((xs, ys))" % (role, self.spec))

    def plans(self, model):
        """How batches must change to suit ``model`` (see conform_plan)."""
        return conform_plan(model, self.spec)

    def dataset(self, model, tensor_gather_max=0):
        """The dataset to train ``model`` on, built in the current graph, its batches conformed
        to the model (see conform_plan). Where the epoch length is known, batches
        cycle forever and every path stops epochs by count, alike. from_arrays data up to
        ``tensor_gather_max`` bytes is gathered from tensors (see ArraySource.dataset)."""
        if self.source is not None:  # conformed by the gather: no extra map per batch
            return self.source.dataset(repeat=True, plans=self.plans(model),
                                       tensor_gather_max=tensor_gather_max)
        return cast_for(
            model, self._dataset.repeat() if self.steps is not None else self._dataset)


def _feed(data, steps, role, shuffle):
    if steps is not None and (not isinstance(steps, int) or steps < 1):
        raise DataError("%s must be a positive number of batches, got %r"
                        % ("steps_per_epoch" if role == "data" else role + " steps", steps))
    if tfshim.is_dataset(data):
        return Feed(data, source_of(data), steps, role)
    if isinstance(data, tuple) and len(data) == 2 and data[1] is not None:
        source = ArraySource(data[0], data[1], 32, shuffle, None)
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
    count = tfshim.cardinality(feed._dataset)
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


def _runtime_and_path(model, path):
    tfshim.tf()  # TensorFlowMissingError, before anything else
    runtime = detect(model=model)
    if path is None:
        usable = paths.choose(runtime)
        if not usable:
            raise UnsupportedPathError("no feeding path can run on %s: %s" % (
                runtime.describe(), "; ".join("%s %s" % (p.name, p.reason)
                                              for p in runtime.paths)))
        return runtime, usable[0]
    chosen = paths.get(path)
    why = chosen.refuses(runtime)
    if why is not None:
        raise UnsupportedPathError("%s cannot run here: %s" % (chosen.name, why))
    return runtime, chosen


def fit(model, data, epochs=1, steps_per_epoch=None, validation_data=None,
        validation_steps=None, callbacks=None, verbose=0, path=None):
    runtime, chosen = _runtime_and_path(model, path)
    _model_ready(model)
    train = _feed(data, steps_per_epoch, "data", True)
    _check_epoch_end(train, chosen, runtime, "steps_per_epoch")
    val = None
    if validation_data is not None:
        val = _feed(validation_data, validation_steps, "validation_data", False)
        _check_same_structure(train, val)
        _check_epoch_end(val, chosen, runtime, "validation_steps")
    return chosen.fit(runtime, model, train, val, epochs=epochs, callbacks=list(callbacks or []),
                      verbose=verbose)


def evaluate(model, data, steps=None, path=None):
    runtime, chosen = _runtime_and_path(model, path)
    _model_ready(model)
    feed = _feed(data, steps, "data", False)
    _check_epoch_end(feed, chosen, runtime, "steps")
    result = chosen.evaluate(runtime, model, feed)
    values = result if isinstance(result, (list, tuple)) else [result]
    return [float(v) for v in values]

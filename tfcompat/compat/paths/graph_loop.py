"""The graph loop the graph-mode paths share: the model's graph and Keras session, batches
pulled as NumPy in that session (kept for the next call on the same data), evaluation batch
by batch with Keras' callbacks and progress, and validation at each epoch's end."""
import contextlib
import functools
import threading
import warnings
import weakref

from tfcompat.compat import tfshim
from tfcompat.compat.batches import NumpyBatches
from tfcompat.compat.errors import DataError, UnsupportedPathError
from tfcompat.compat.flavors import keras_of
from tfcompat.compat.paths.contract import Feeder


class GraphFeeder(Feeder):
    """A graph-mode path: its pipeline is built in the model's graph, run in its Keras session."""

    @contextlib.contextmanager
    def in_model_graph(self, runtime, model, *feeds):
        """Build in the model's graph; yields (Keras module, the session Keras trains in).
        Each of ``feeds`` (Feed or None) made by from_arrays is given a GraphFeed of that
        graph for the time of the call (see arrays.graph_feed)."""
        keras = keras_of(model)
        outputs = getattr(model, "outputs", None)
        # A subclassed or not yet built model has no outputs: it builds in Keras' graph.
        graph = outputs[0].graph if outputs else tfshim.v1().get_default_graph()
        with graph.as_default(), _bound(graph, model, feeds):
            if runtime.has("backend_get_session"):
                session = keras.backend.get_session()
            else:  # TF 2 in graph mode: Keras keeps the session in its v1 API only
                backend = tfshim.tf().compat.v1.keras.backend
                if not hasattr(backend, "get_session"):  # tf.compat.v1.keras is Keras 3
                    raise UnsupportedPathError(
                        "%s cannot reach the Keras session of this %s model in graph mode: "
                        "set TF_USE_LEGACY_KERAS=1 before importing TensorFlow"
                        % (self.name, runtime.keras_flavor))
                session = backend.get_session()
            yield keras, session


@contextlib.contextmanager
def _bound(graph, model, feeds):
    from tfcompat.compat.arrays import graph_feed  # NumPy: not for `import tfcompat`

    bound = []
    try:
        for feed in feeds:
            if feed is not None and feed.source is not None:
                feed.graph_feed = graph_feed(graph, feed.source, feed.plans(model),
                                             feed.repeats)
                bound.append(feed)
        yield
    finally:
        for feed in bound:
            feed.graph_feed.release()
            feed.graph_feed = None


def data_key(feed, session):
    """What a graph built for ``feed`` in ``session`` depends on, to keep it for the next call
    on the same data: from_arrays data of the same layout (its GraphFeed, whatever arrays
    are bound to it), the same Dataset object, repeated or not (compared by identity)."""
    data = feed.graph_feed or feed.source or feed.data
    return (data, feed.repeats, session)


# user model -> {role: [[data_key, NumpyBatches, in use], ...]}: the batches that fit,
# evaluate and validation read. A call on the same data starts free ones over instead of
# building a new iterator, which grows the graph and needs a new executor; calls at the same
# time (threads) each get their own. Kept: those in use and the last one made.
_BATCHES = weakref.WeakKeyDictionary()
_BATCHES_LOCK = threading.Lock()


@contextlib.contextmanager
def restarted_batches(model, feed, session, role):
    """NumpyBatches of ``feed`` conformed to ``model``, from its start, in ``session``, this
    caller's alone until the end of the ``with``; None for no ``feed``."""
    if feed is None:
        yield None
        return
    key = data_key(feed, session)
    with _BATCHES_LOCK:
        entries = _BATCHES.setdefault(model, {}).setdefault(role, [])
        entry = next((e for e in entries if e[0] == key and not e[2]), None)
        if entry is not None:
            entry[2] = True
    if entry is not None:
        entry[1].restart()
    else:
        entry = [key, NumpyBatches(feed.dataset(model), session), True]
        with _BATCHES_LOCK:
            entries[:] = [e for e in entries if e[2]] + [entry]
    try:
        yield entry[1]
    finally:
        entry[2] = False


def as_list(result):
    """Keras returns a bare loss when there are no metrics; tfcompat always returns a list."""
    return [float(v) for v in result] if isinstance(result, (list, tuple)) else [float(result)]


def batch_mean(results, sizes):
    """Per-batch [loss, metrics...] averaged, weighted by batch size: what evaluate() means.
    (Keras 2.3's evaluate(steps=) and evaluate_generator report the last batch's loss.)"""
    total = float(sum(sizes))
    return [sum(r[i] * s for r, s in zip(results, sizes)) / total
            for i in range(len(results[0]))]


def keras_batch(batch):
    """A NumPy batch ((x, y) or (x, y, w)) as Keras 2's *_on_batch and fit_generator take it:
    several inputs or targets as a list (Keras 2 reads a tuple there as one array)."""
    return tuple(list(side) if isinstance(side, tuple) else side for side in batch)


def keras_batches(batches):
    """A generator of ``batches`` (an iterator of NumPy batches) as keras_batch gives them."""
    for batch in batches:
        yield keras_batch(batch)


def evaluate_batches(model, batches, steps, callbacks=None, in_fit=False, progress=None):
    """The user's model's test_on_batch over ``steps`` NumPy batches ((x, y) or (x, y, w)),
    averaged by batch size (see batch_mean). Metric state left by training is reset first
    (Keras 2.3 and tf.keras 1.15 keep it across test_on_batch calls otherwise).
    ``callbacks`` get on_test_begin, on_test_batch_begin/end and on_test_end as Keras 2's
    graph loops call them (no logs at begin and end; batch logs: batch, size and, at the
    end, the batch's loss and the metrics' mean so far); ``in_fit``: fit's validation, whose
    callbacks keep the model and params fit gave them. ``progress``: an EvaluateProgress, or
    None."""
    if hasattr(model, "reset_metrics"):
        model.reset_metrics()
    hooks = _TestHooks(model, callbacks, steps, configure=not in_fit)
    results, sizes = [], []
    for step in range(steps):
        try:
            batch = keras_batch(next(batches))
        except StopIteration:  # data TF could not count ends first: stop there, as Keras does
            warnings.warn("the data ended after %d batches, before steps=%d: evaluated on "
                          "those" % (step, steps), stacklevel=2)
            if not results:
                raise DataError("the data is empty: it yields no batch")
            break
        size = (len(tfshim.flatten(batch[0])[0]) if not isinstance(batch[0], dict)
                else len(next(iter(batch[0].values()))))
        logs = {"batch": step, "size": size}
        hooks.call("on_test_batch_begin", step, logs)
        results.append(as_list(model.test_on_batch(*batch)))
        sizes.append(size)
        # As Keras 2's loops log it: the batch's loss, the metrics (stateful there) so far.
        logs.update(hooks.logs(results[-1][:1] + batch_mean(results, sizes)[1:]))
        hooks.call("on_test_batch_end", step, logs)
        if progress is not None:
            progress.update(step + 1, batch_mean(results, sizes))
    hooks.call("on_test_end", None)
    return batch_mean(results, sizes)


class EvaluateProgress(object):
    """The progress bar Keras' evaluate prints over ``steps`` batches, of Keras' own Progbar
    class: with verbose=1 a bar, with the loss and metrics where this Keras lists them
    (tf.keras 1.13 on), and where it lists them with verbose=2 one line at the end."""

    def __init__(self, runtime, keras, model, steps, verbose):
        verbose = 1 if verbose in (None, "auto") else verbose
        self._names = list(model.metrics_names)
        self._metrics = runtime.has("evaluate_progress_metrics")
        self._bar = None
        if verbose == 1 or (verbose and self._metrics):
            utils = keras.utils
            progbar = getattr(utils, "Progbar", None) or utils.generic_utils.Progbar
            self._bar = (progbar(steps, verbose=verbose, stateful_metrics=self._names)
                         if self._metrics else progbar(steps))

    def update(self, step, values):
        if self._bar is not None:
            self._bar.update(step, list(zip(self._names, values)) if self._metrics else [])


class _TestHooks(object):
    """The user's callbacks, given the model and params and called as Keras' evaluate does."""

    def __init__(self, model, callbacks, steps, configure=True):
        self._model = model
        self._callbacks = list(callbacks or [])
        for callback in self._callbacks if configure else ():
            callback.set_model(model)
            callback.set_params({"steps": steps, "verbose": 0, "epochs": 1,
                                 "metrics": list(model.metrics_names)})
        self.call("on_test_begin", None)

    def logs(self, values):
        return dict(zip(self._model.metrics_names, values))

    def call(self, hook, *args):
        for callback in self._callbacks:
            getattr(callback, hook)(*args)


def validates_at(epoch, freq):
    """Whether Keras validates after ``epoch`` (0-based) for fit(validation_freq=freq)."""
    if freq is None:
        return True
    if isinstance(freq, int):
        return (epoch + 1) % freq == 0
    return epoch + 1 in freq


def validation_callback(keras, names, evaluate, freq=None):
    """A callback writing val_<name> of ``evaluate()`` into the logs of each epoch Keras
    would validate after (see validates_at), before History records them (user callbacks
    come after it in Keras' list)."""

    class EpochEndValidation(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if logs is not None and validates_at(epoch, freq):
                for name, value in zip(names(), evaluate()):
                    logs["val_" + name] = value

    return EpochEndValidation()


def validation_callbacks(runtime, keras, model, evaluate, options):
    """The callbacks a graph path puts before the user's to validate at each epoch's end (see
    validation_callback), and the fit options to hand Keras with them. ``evaluate(hooked)``
    evaluates the validation data, calling the user's callbacks' on_test_* hooks when
    ``hooked`` (where this Keras' fit calls them while validating). Keras prints progress
    from a logger placed before the user's callbacks (Keras 2) that lists only the metrics
    Keras itself validates: Keras is asked for verbose=0 and a logger of Keras' own class
    comes after the validation, listing val_<name> too."""
    names = lambda: model.metrics_names  # noqa: E731 (read when compiled)
    hooked = runtime.has("fit_validation_test_hooks")
    evaluate = functools.partial(evaluate, options["callbacks"] if hooked else None)
    callbacks = [validation_callback(keras, names, evaluate, options.get("validation_freq"))]
    verbose = options.get("verbose")
    verbose = 1 if verbose in (None, "auto") else verbose
    if verbose:
        callbacks.append(_validated_progress(keras, model, names, verbose))
    return callbacks, dict(options, verbose=0)


def _validated_progress(keras, model, names, verbose):
    class ValidatedProgress(keras.callbacks.ProgbarLogger):
        def set_params(self, params):
            params = dict(params, verbose=verbose, do_validation=True)
            metrics = list(params.get("metrics") or names())
            params["metrics"] = metrics + ["val_" + n for n in names()
                                           if "val_" + n not in metrics]
            super(ValidatedProgress, self).set_params(params)

    # Shown as logged, not averaged again, as Keras' own logger does: Keras 2.1-2.2 its
    # stateful metric layers, Keras 2.3 every metric (tf.keras sets them itself).
    stateful = getattr(model, "stateful_metric_names", None)
    try:
        return ValidatedProgress(count_mode="steps", stateful_metrics=(
            stateful if stateful is not None else model.metrics_names[1:]))
    except TypeError:  # Keras 2.0: no stateful metrics
        return ValidatedProgress(count_mode="steps")

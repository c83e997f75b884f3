"""SESSION_GENERATOR: ``get_next()`` built once in the session's graph, run by a locked
generator bound to that graph and session (the seed's fit_generator code, made thread-safe)."""
import itertools

from tfcompat.compat.paths.contract import unmet
from tfcompat.compat.paths.graph_loop import (
    EvaluateProgress,
    GraphFeeder,
    evaluate_batches,
    keras_batches,
    restarted_batches,
    validation_callbacks,
)
from tfcompat.compat.paths.keras_fit import keras_fit_options


class SessionGenerator(GraphFeeder):
    name = "SESSION_GENERATOR"
    summary = "locked generator running get_next() in the captured graph and session"

    def _refuses(self, runtime):
        return unmet("sessions", runtime)

    def fit(self, runtime, model, train, val, options):
        with self.in_model_graph(runtime, model, train, val) as (keras, session), \
                restarted_batches(model, train, session, "fit") as batches, \
                restarted_batches(model, val, session, "validation") as val_batches:
            callbacks = options["callbacks"]
            if val is not None:
                validation, options = validation_callbacks(
                    runtime, keras, model, lambda callbacks: evaluate_batches(
                        model, val_batches, val.steps, callbacks, in_fit=True), options)
                callbacks = validation + callbacks
            # workers=0 runs the generator on the main thread where Keras has it; older Keras
            # pulls it from a thread, which the session-bound, locked batches make safe.
            workers = {"workers": 0} if runtime.has("generator_workers_zero") else {}
            kwargs = keras_fit_options(options, without=("callbacks", "validation_freq"))
            kwargs.update(workers)
            return model.fit_generator(_built_on_first(model, batches),
                                       steps_per_epoch=train.steps, callbacks=callbacks,
                                       **kwargs)

    def evaluate(self, runtime, model, data, callbacks=None, verbose=None):
        with self.in_model_graph(runtime, model, data) as (keras, session), \
                restarted_batches(model, data, session, "evaluate") as batches:
            return evaluate_batches(model, batches, data.steps, callbacks,
                                    progress=EvaluateProgress(runtime, keras, model,
                                                              data.steps, verbose))


def _built_on_first(model, batches):
    """Keras batches of ``batches``; a model that builds on its first batch (a Sequential
    without an input shape, a subclassed model) is built on it first, by test_on_batch, as
    Keras' fit builds it on arrays (its fit_generator does not: 'You must compile your
    model before using it')."""
    batches = keras_batches(batches)
    if getattr(model, "inputs", None):
        return batches
    first = next(batches)
    model.test_on_batch(*first)  # a forward pass: no weight changes
    return _generator(itertools.chain([first], batches))


def _generator(iterable):
    """A Python generator of ``iterable`` (tf.keras 1.x takes only generators there)."""
    for item in iterable:
        yield item

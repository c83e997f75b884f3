"""SESSION_GENERATOR: ``get_next()`` built once in the session's graph, run by a locked
generator bound to that graph and session (the seed's fit_generator code, made thread-safe)."""
from tfcompat.compat.batches import NumpyBatches
from tfcompat.compat.paths.feeder import (
    GraphFeeder,
    evaluate_batches,
    keras_batches,
    keras_fit_options,
    need,
    validation_callbacks,
)


class SessionGenerator(GraphFeeder):
    name = "SESSION_GENERATOR"
    summary = "locked generator running get_next() in the captured graph and session"

    def _refuses(self, runtime):
        return need("sessions", runtime)

    def fit(self, runtime, model, train, val, options):
        with self.in_model_graph(runtime, model) as (keras, session):
            callbacks = options["callbacks"]
            if val is not None:
                batches = _batches(model, val, session)
                validation, options = validation_callbacks(
                    keras, model, lambda: evaluate_batches(model, batches, val.steps), options)
                callbacks = validation + callbacks
            # workers=0 runs the generator on the main thread where Keras has it; older Keras
            # pulls it from a thread, which the session-bound, locked batches make safe.
            workers = {"workers": 0} if runtime.has("generator_workers_zero") else {}
            kwargs = keras_fit_options(options, without=("callbacks", "validation_freq"))
            kwargs.update(workers)
            return model.fit_generator(keras_batches(_batches(model, train, session)),
                                       steps_per_epoch=train.steps, callbacks=callbacks,
                                       **kwargs)

    def evaluate(self, runtime, model, data):
        with self.in_model_graph(runtime, model) as (keras, session):
            return evaluate_batches(model, _batches(model, data, session), data.steps)


def _batches(model, feed, session):
    return NumpyBatches(feed.dataset(model), session)

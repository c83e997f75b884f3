"""SESSION_GENERATOR: ``get_next()`` built once in the session's graph, run by a locked
generator bound to that graph and session (the seed's fit_generator code, made thread-safe)."""
from tfcompat.compat import tfshim
from tfcompat.compat.batches import NumpyBatches
from tfcompat.compat.paths.feeder import GraphFeeder, as_list, batch_mean, need, validation_callback


class SessionGenerator(GraphFeeder):
    name = "SESSION_GENERATOR"
    summary = "locked generator running get_next() in the captured graph and session"

    def _refuses(self, runtime):
        return need("sessions", runtime)

    def fit(self, runtime, model, train, val, epochs, callbacks, verbose):
        with self.in_model_graph(runtime, model) as (keras, session):
            if val is not None:
                batches = _batches(model, val, session)
                callbacks = [validation_callback(keras, lambda: model.metrics_names,
                                                 lambda: _evaluate(model, batches, val.steps))
                             ] + callbacks
            # workers=0 runs the generator on the main thread where Keras has it; older Keras
            # pulls it from a thread, which the session-bound, locked batches make safe.
            workers = {"workers": 0} if runtime.has("generator_workers_zero") else {}
            return model.fit_generator(_batches(model, train, session).generator(),
                                       steps_per_epoch=train.steps, epochs=epochs,
                                       callbacks=callbacks, verbose=verbose, **workers)

    def evaluate(self, runtime, model, data):
        with self.in_model_graph(runtime, model) as (keras, session):
            return _evaluate(model, _batches(model, data, session), data.steps)


def _batches(model, feed, session):
    return NumpyBatches(feed.dataset(model), session)


def _evaluate(model, batches, steps):
    """Keras' test_on_batch over ``steps`` batches, averaged by batch size (see batch_mean)."""
    results, sizes = [], []
    for _ in range(steps):
        x, y = next(batches)
        results.append(as_list(model.test_on_batch(x, y)))
        sizes.append(len(tfshim.flatten(x)[0]))
    return batch_mean(results, sizes)

"""SESSION_GENERATOR: ``get_next()`` built once in the session's graph, run by a locked
generator bound to that graph and session (the seed's fit_generator code, made thread-safe)."""
from tfcompat.batches import NumpyBatches
from tfcompat.paths.base import FeedingPath, GraphPath, cast_for, need


class SessionGenerator(GraphPath):
    name = FeedingPath.SESSION_GENERATOR
    summary = "locked generator running get_next() in the captured graph and session"

    def _refuses(self, runtime):
        return need("sessions", runtime)

    def fit(self, runtime, model, train, val, epochs, callbacks, verbose):
        with self.in_model_graph(model) as (keras, session):
            kwargs = _workers(runtime)
            if val is not None:
                kwargs.update(validation_data=_batches(model, val, session),
                              validation_steps=val.steps)
            return model.fit_generator(_batches(model, train, session),
                                       steps_per_epoch=train.steps, epochs=epochs,
                                       callbacks=callbacks, verbose=verbose, **kwargs)

    def evaluate(self, runtime, model, data):
        with self.in_model_graph(model) as (keras, session):
            return model.evaluate_generator(_batches(model, data, session), steps=data.steps,
                                            **_workers(runtime))


def _batches(model, feed, session):
    return NumpyBatches(cast_for(model, feed.dataset()), session).generator()


def _workers(runtime):
    """workers=0 (the main thread) where Keras has it; older Keras uses a thread, which the
    locked, session-bound batches make safe."""
    return {"workers": 0} if runtime.has("generator_workers_zero") else {}

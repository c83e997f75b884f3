"""TENSOR_INPUT: the model rewired on ``Input(tensor=x)`` with ``compile(target_tensors=[y])``.

The rewired model calls the user's model as a layer, so layers and weights are shared: training
it trains the user's model. Validation runs a second rewired model, on the validation tensors,
at each epoch's end.
"""
import weakref

from tfcompat.compat import tfshim
from tfcompat.compat.errors import DataError
from tfcompat.compat.paths.contract import unmet
from tfcompat.compat.paths.graph_loop import (
    EvaluateProgress,
    GraphFeeder,
    data_key,
    evaluate_batches,
    restarted_batches,
    validation_callbacks,
)
from tfcompat.compat.paths.keras_fit import keras_fit_options

# from_arrays data up to this many bytes is loaded once into variables in the Keras session and
# gathered from there (GraphFeed.batch_op), where bench/feeding.py measured that faster than
# the NumPy gather; loading one adds two copies for a moment, one for good, so larger data
# stays in NumPy.
VARIABLE_GATHER_MAX = 256 << 20


class TensorInput(GraphFeeder):
    name = "TENSOR_INPUT"
    summary = "model rewired on Input(tensor=...) + compile(target_tensors=...), graph mode"

    def _refuses(self, runtime):
        return unmet("target_tensors", runtime)

    def fit(self, runtime, model, train, val, options):
        with self.in_model_graph(runtime, model, train, val) as (keras, session), \
                restarted_batches(model, val, session, "validation") as val_batches:
            wired = _wired(keras, model, train, session)
            callbacks = options["callbacks"]
            if val is not None:
                validation, options = validation_callbacks(
                    runtime, keras, model, lambda callbacks: evaluate_batches(
                        model, val_batches, val.steps, callbacks, in_fit=True), options)
                callbacks = validation + callbacks
            callbacks = _as_users_model(keras, model, wired, callbacks)
            history = wired.fit(steps_per_epoch=train.steps, callbacks=callbacks,
                                **keras_fit_options(options, without=("callbacks",
                                                                      "validation_freq")))
            history.set_model(model)  # as Keras' fit leaves them: model.history.model is model
            model.history = history
            return history

    def evaluate(self, runtime, model, data, callbacks=None, verbose=None):
        # The user's model on the batches: Keras' own numbers, weighted by batch size.
        with self.in_model_graph(runtime, model, data) as (keras, session), \
                restarted_batches(model, data, session, "evaluate") as batches:
            return evaluate_batches(model, batches, data.steps, callbacks,
                                    progress=EvaluateProgress(runtime, keras, model,
                                                              data.steps, verbose))


def _as_users_model(keras, model, wired, callbacks):
    """``callbacks`` around two of tfcompat's: the first gives the user's callbacks the user's
    model as ``self.model`` (Keras gave them the rewired one), the last hands a stop_training
    they set on it (EarlyStopping) to the rewired model that Keras' loop reads."""

    class UsersModel(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            model.stop_training = False
            for callback in callbacks:
                callback.set_model(model)

    class PassStop(keras.callbacks.Callback):
        def _pass(self):
            if getattr(model, "stop_training", False):
                wired.stop_training = True

        def on_batch_end(self, batch, logs=None):
            self._pass()

        def on_epoch_end(self, epoch, logs=None):
            self._pass()

    return [UsersModel()] + list(callbacks) + [PassStop()]


# user model -> {"fit": (key, rewired model, iterator initializer or None)}, the last one.
# fit called again on the same data (the same from_arrays data, or the same Dataset object)
# reuses the rewired model, its batch tensors and its compiled functions: a new one grows the
# graph and pays for a slow first step. A dataset's iterator is initialised again instead, so
# that each call starts the dataset over, as a new iterator would.
_WIRED = weakref.WeakKeyDictionary()


def _wired(keras, model, feed, session, role="fit"):
    key = data_key(feed, session) + (
        id(model.optimizer), repr(model.loss),
        repr(getattr(model, "_compile_metrics", None) or model.metrics))
    cached = _WIRED.setdefault(model, {}).get(role)
    if cached is not None and cached[0] == key:
        if cached[2] is not None:
            session.run(cached[2])
        else:  # the GraphFeed's ops, its variables loaded with the data bound now
            feed.graph_feed.batch_op(session, VARIABLE_GATHER_MAX)
        return cached[1]
    tensors, initializer = _tensors(model, feed, session)
    _WIRED[model][role] = (key, _rewire(keras, model, tensors), initializer)
    return _WIRED[model][role][1]


def _tensors(model, feed, session):
    """((x, y) tensors giving a batch of ``feed`` per run, the op that starts them over or
    None): from_arrays data gathers it from its arrays (or variables loaded with them in the
    Keras session, see GraphFeed.batch_op) directly, other data goes through an iterator
    initialised in that session."""
    initializer = None
    if feed.source is not None:
        xs, ys = feed.graph_feed.batch_op(session, VARIABLE_GATHER_MAX)
    else:
        iterator = tfshim.initializable_iterator(feed.dataset(model, positional=True))
        initializer = iterator.initializer
        session.run(initializer)
        x, y = iterator.get_next()
        xs, ys = tfshim.flatten(x), tfshim.flatten(y)
    for tensor, model_input in zip(xs, model.inputs):
        try:  # Input(tensor=) needs the static shape; batches of unknown shape get the model's
            tensor.set_shape(model_input.get_shape())
        except ValueError:
            raise DataError("%s batches have shape %s but the model's input %s takes %s"
                            % (feed.role, tensor.get_shape(), model_input.name,
                               model_input.get_shape()))
    return (xs, ys), initializer


def _rewire(keras, model, tensors):
    xs, ys = tensors
    inputs = [keras.layers.Input(tensor=t) for t in xs]
    outputs = model(inputs if len(inputs) > 1 else inputs[0])
    wired = keras.models.Model(inputs, outputs)
    # Keras names history keys, metrics and per-output losses after the output layers, here
    # all the nested model: compile reads the user's names instead. (A layer renaming the
    # outputs would hide the softmax whose logits Keras' crossentropy reads.)
    wired.output_names = list(model.output_names)
    # Keras 2.3 / tf.keras keep compile(metrics=) in _compile_metrics; older Keras in metrics.
    metrics = getattr(model, "_compile_metrics", None)
    if metrics is None:
        metrics = model.metrics
    wired.compile(optimizer=model.optimizer, loss=model.loss, metrics=metrics,
                  loss_weights=getattr(model, "loss_weights", None), target_tensors=ys)
    return wired

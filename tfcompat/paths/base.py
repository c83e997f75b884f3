"""The feeding-path contract: a path says whether it can run here (and why not), and runs."""
import contextlib
import enum

from tfcompat import versions
from tfcompat.errors import UnsupportedPathError


class FeedingPath(str, enum.Enum):
    DATASET_EAGER = "DATASET_EAGER"
    DATASET_GRAPH = "DATASET_GRAPH"
    TENSOR_INPUT = "TENSOR_INPUT"
    SESSION_GENERATOR = "SESSION_GENERATOR"

    def __str__(self):
        return self.value


def need(fact, runtime):
    """None when ``fact`` holds here, else 'needs <requirement>; this is <runtime>'."""
    if runtime.has(fact):
        return None
    if runtime.eager and versions.holds(fact, runtime.tf_version, runtime.keras_flavor,
                                        runtime.keras_version, eager=False):
        what = "graph mode (tf.compat.v1.disable_eager_execution() before building the model)"
    else:
        what = versions.requirement(fact, runtime.keras_flavor)
    return "needs %s; this is %s" % (what, runtime.describe())


class Path(object):
    """One way of feeding data into Keras. Subclasses set ``name`` and ``summary`` and answer
    ``refuses(runtime)``: None when the path can run here, else one line saying why not."""

    name = None
    summary = ""

    def refuses(self, runtime):
        if runtime.tf_version is None:
            return "needs TensorFlow, which is not installed"
        if runtime.keras_flavor is None:
            return "needs Keras (standalone keras, tf.keras, tf_keras or Keras 3)"
        return self._refuses(runtime)

    def _refuses(self, runtime):
        raise NotImplementedError

    def status_reason(self, runtime):
        return self.refuses(runtime) or self.summary

    def finds_epoch_end(self, runtime):
        """Whether this path can run a finite dataset to its end without steps_per_epoch."""
        return False

    def fit(self, runtime, model, train, val, epochs, callbacks, verbose):
        """Train ``model`` on ``train`` (a Feed), validating on ``val`` (a Feed or None);
        Keras' History."""
        raise NotImplementedError

    def evaluate(self, runtime, model, data):
        """Evaluate ``model`` on ``data`` (a Feed): Keras' result, loss first."""
        raise NotImplementedError


class GraphPath(Path):
    """A graph-mode path: its pipeline is built in the model's graph, run in its Keras session."""

    def finds_epoch_end(self, runtime):
        return False

    @contextlib.contextmanager
    def in_model_graph(self, model):
        keras = keras_of(model)
        with model.outputs[0].graph.as_default():
            yield keras, keras.backend.get_session()


def keras_of(model):
    """The Keras module the model belongs to (standalone keras, tf.keras, tf_keras, Keras 3)."""
    from tfcompat import runtime

    return runtime.keras_module(runtime.model_flavor(model))


def cast_for(model, dataset):
    """``dataset`` with x cast to the model's input float types and y to its output ones, as
    Keras does for NumPy input (tensors fed directly are not cast by Keras)."""
    from tfcompat import tfapi

    tf = tfapi.tf()
    x_spec, y_spec = tfapi.structure(dataset)
    targets = []
    for spec, tensors in ((x_spec, model.inputs), (y_spec, model.outputs)):
        leaves = tfapi.flatten(spec)
        wanted = [tfapi.float_dtype_of(t) for t in tensors]
        if len(leaves) != len(wanted) or isinstance(spec, dict):
            wanted = [None] * len(leaves)  # a structure Keras itself reports on
        targets.append([w if w is not None and w.name != leaf.dtype else None
                        for w, leaf in zip(wanted, leaves)])
    if not any(t for side in targets for t in side):
        return dataset

    def cast_side(value, dtypes):
        values = [tf.cast(v, d) if d is not None else v
                  for v, d in zip(tfapi.flatten(value), dtypes)]
        return tuple(values) if tfapi.is_sequence(value) else values[0]

    return dataset.map(lambda x, y: (cast_side(x, targets[0]), cast_side(y, targets[1])))


def as_list(result):
    """Keras returns a bare loss when there are no metrics; tfcompat always returns a list."""
    return [float(v) for v in result] if isinstance(result, (list, tuple)) else [float(result)]


def batch_mean(results, sizes):
    """Per-batch [loss, metrics...] averaged, weighted by batch size: what evaluate() means.
    (Keras 2.3's evaluate(steps=) and evaluate_generator report the last batch's loss.)"""
    total = float(sum(sizes))
    return [sum(r[i] * s for r, s in zip(results, sizes)) / total
            for i in range(len(results[0]))]


def validation_callback(keras, names, evaluate):
    """A callback writing val_<name> of ``evaluate()`` into each epoch's logs, before History
    records them (user callbacks come after it in Keras' list)."""

    class EpochEndValidation(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if logs is not None:
                for name, value in zip(names(), evaluate()):
                    logs["val_" + name] = value

    return EpochEndValidation()

"""The feeding-path contract: a path says whether it can run here (and why not), and runs."""
import contextlib
import enum

from tfcompat import versions
from tfcompat.compat.errors import UnsupportedPathError


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

    @contextlib.contextmanager
    def in_model_graph(self, runtime, model):
        """Build in the model's graph; yields (Keras module, the session Keras trains in)."""
        from tfcompat.compat import tfshim

        keras = keras_of(model)
        with model.outputs[0].graph.as_default():
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


def keras_of(model):
    """The Keras module the model belongs to (standalone keras, tf.keras, tf_keras, Keras 3)."""
    from tfcompat.compat import runtime

    return runtime.keras_module(runtime.model_flavor(model))


def conform_plan(model, spec):
    """How batches of ``spec`` (an (x, y) structure of Spec) must change to suit ``model``, as
    Keras conforms NumPy data (and not tensors fed directly): x cast to the inputs' float
    types, y to the outputs' ones, and a rank-1 target given the output's rank 2 (tf.keras 1.x
    rejects (batch,) targets of a dataset). Per side, per leaf: (tf.DType to cast to or None,
    whether to add an axis); None when nothing changes."""
    from tfcompat.compat import tfshim

    plans = []
    for side, tensors, is_target in ((spec[0], model.inputs, False),
                                     (spec[1], model.outputs, True)):
        leaves = tfshim.flatten(side)
        if len(leaves) != len(tensors) or isinstance(side, dict):
            plans.append([(None, False)] * len(leaves))  # a structure Keras reports on itself
            continue
        plan = []
        for leaf, tensor in zip(leaves, tensors):
            dtype = tfshim.float_dtype_of(tensor)
            rank = len(tensor.shape)
            plan.append((dtype if dtype is not None and dtype.name != leaf.dtype else None,
                         is_target and leaf.shape is not None and len(leaf.shape) == 1
                         and rank == 2))
        plans.append(plan)
    if not any(d is not None or expand for side in plans for d, expand in side):
        return None
    return plans


def cast_for(model, dataset):
    """``dataset`` conformed to the model (see conform_plan), by a map in the pipeline."""
    from tfcompat.compat import tfshim

    tf = tfshim.tf()
    plans = conform_plan(model, tfshim.structure(dataset))
    if plans is None:
        return dataset

    def conform(value, plan):
        values = []
        for v, (dtype, expand) in zip(tfshim.flatten(value), plan):
            v = tf.cast(v, dtype) if dtype is not None else v
            values.append(tf.expand_dims(v, -1) if expand else v)
        return tuple(values) if tfshim.is_sequence(value) else values[0]

    return dataset.map(lambda x, y: (conform(x, plans[0]), conform(y, plans[1])))


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

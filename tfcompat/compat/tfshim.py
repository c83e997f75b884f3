"""The TensorFlow calls tfcompat makes, each picked by a fact of tfcompat.versions.

TensorFlow is imported here on first use, never at ``import tfcompat``.
"""
import sys
import threading
import weakref

from tfcompat import versions
from tfcompat.compat.errors import TensorFlowMissingError

_lock = threading.Lock()
_state = {}


def tf():
    """The tensorflow module, or TensorFlowMissingError saying how to get it."""
    module = _state.get("tf")
    if module is None:
        with _lock:
            try:
                import tensorflow as module
            except ImportError as exc:
                raise TensorFlowMissingError(
                    "tfcompat feeds Keras through tf.data and needs TensorFlow, which cannot be "
                    "imported here (%s): install it, e.g. `pip install tensorflow`" % exc)
            _state["tf"] = module
            _state["version"] = versions.parse_version(module.__version__)
    return module


def has(fact):
    """Whether a TF-decided fact holds for the installed TensorFlow."""
    tf()
    return versions.holds(fact, _state["version"])


def v1():
    """The TF 1 API: tf.compat.v1 where it exists, else tf itself."""
    return tf().compat.v1 if has("compat_v1") else tf()


def executing_eagerly():
    return has("executing_eagerly") and bool(tf().executing_eagerly())


def dataset_class():
    """The Dataset class to build pipelines with: core tf.data, or tf.contrib.data on TF 1.3."""
    return tf().data.Dataset if has("dataset_in_core") else tf().contrib.data.Dataset


def dataset_classes():
    """Every Dataset class that counts as a tf.data dataset here."""
    classes = []
    if has("dataset_in_core"):
        classes.append(tf().data.Dataset)
    if has("contrib_dataset"):
        classes.append(tf().contrib.data.Dataset)
    return tuple(classes)


def is_dataset(obj):
    if sys.modules.get("tensorflow") is None:
        return False  # no tf.data object exists before TensorFlow is imported
    return isinstance(obj, dataset_classes())


def is_tensor(obj):
    """A TensorFlow tensor: dense (eager or symbolic), sparse, ragged, or a variable."""
    if sys.modules.get("tensorflow") is None:
        return False  # no tensor exists before TensorFlow is imported
    module = tf()
    kinds = tuple(getattr(module, name) for name in ("Tensor", "SparseTensor", "Variable",
                                                     "RaggedTensor") if hasattr(module, name))
    return isinstance(obj, kinds)


def initializable_iterator(dataset):
    if has("compat_v1"):
        return tf().compat.v1.data.make_initializable_iterator(dataset)
    return dataset.make_initializable_iterator()


def prefetch(dataset, size=2):
    """Overlap producing batches with training, where tf.data can."""
    return dataset.prefetch(size) if has("dataset_prefetch") else dataset


def numpy_op():
    """The op running a NumPy function inside a graph or tf.data pipeline: (fn, inputs, Tout).
    Looked up before tracing, so that AutoGraph has nothing of tfcompat's to convert."""
    return tf().numpy_function if has("numpy_function") else v1().py_func


class Spec(object):
    """One component of a dataset element: dtype name and shape (None = unknown)."""

    __slots__ = ("dtype", "shape")

    def __init__(self, dtype, shape):
        self.dtype = dtype
        self.shape = None if shape.ndims is None else tuple(shape.as_list())

    def compatible(self, other):
        """Same rank and equal known sizes after the batch dimension."""
        if self.shape is None or other.shape is None:
            return True
        if len(self.shape) != len(other.shape):
            return False
        return all(a is None or b is None or a == b
                   for a, b in zip(self.shape[1:], other.shape[1:]))

    def __repr__(self):
        if self.shape is None:
            return "%s[?]" % self.dtype
        return "%s(%s)" % (self.dtype, ", ".join("?" if d is None else str(d)
                                                  for d in self.shape))


def structure(dataset):
    """A dataset's element as nested tuples/dicts of Spec."""
    if has("dataset_element_spec"):
        return map_structure(lambda s: Spec(s.dtype.name, s.shape), dataset.element_spec)
    types = map_structure(lambda t: t.name, dataset.output_types)
    shapes = map_structure(lambda s: s, dataset.output_shapes)
    return _zip_specs(types, shapes)


def _zip_specs(types, shapes):
    if isinstance(types, dict):
        return dict((k, _zip_specs(types[k], shapes[k])) for k in types)
    if is_sequence(types):
        return tuple(_zip_specs(t, s) for t, s in zip(types, shapes))
    return Spec(types, shapes)


def is_sequence(obj):
    return isinstance(obj, (tuple, list))


def map_structure(fn, obj):
    """fn applied to each leaf of nested tuples/lists/dicts (sequences come back as tuples)."""
    if isinstance(obj, dict):
        return dict((k, map_structure(fn, v)) for k, v in obj.items())
    if is_sequence(obj):
        return tuple(map_structure(fn, v) for v in obj)
    return fn(obj)


def flatten(obj):
    """The leaves of one level of tuple/list, or [obj]."""
    return list(obj) if is_sequence(obj) else [obj]


# dataset -> its cardinality: asked once per Dataset object (in graph mode the op is added
# to the dataset's graph, which must not grow with every call on the same data).
_cardinalities = weakref.WeakKeyDictionary()


def cardinality(dataset):
    """Batches in one pass of ``dataset``: a count, -1 when it repeats forever, None if unknown
    (also where tf.data has no cardinality op, before TF 1.14)."""
    try:
        return _cardinalities[dataset]
    except (KeyError, TypeError):
        pass
    value = _cardinality(dataset)
    try:
        _cardinalities[dataset] = value
    except TypeError:  # not weak-referenceable
        pass
    return value


def _cardinality(dataset):
    tf_ = tf()
    try:
        count = tf_.data.experimental.cardinality(dataset)
        if executing_eagerly():
            value = int(count)
        else:
            with v1().Session(graph=count.graph) as session:
                value = int(session.run(count))
    except Exception:  # a dataset kind the op does not know: say unknown, Keras will decide
        return None
    unknown = int(tf_.data.experimental.UNKNOWN_CARDINALITY)
    return None if value == unknown else value


def float_dtype_of(tensor):
    """The tf.DType of a Keras tensor (Keras 3 gives a string), or None when not floating."""
    dtype = tf().as_dtype(getattr(tensor.dtype, "name", tensor.dtype))
    return dtype if dtype.is_floating else None

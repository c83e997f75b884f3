"""Keras-backend operations whose meaning changed, computed with their old meaning on every
Keras tfcompat supports (Keras 2 on TensorFlow: tf ops; Keras 3 on any backend: keras.ops).

Fact ``batch_dot_one_batch_axis`` (tfcompat/versions.py): Keras <= 2.2.4's and TF 1's
``K.batch_dot`` (TensorFlow backend) was a batched ``matmul`` after padding the lower-rank
operand with trailing 1s: every axis but the last two is a batch axis, and ``axes`` only says
whether each operand is transposed. Keras 2.2.5, tf.keras in TF 2.0 and tf_keras treat axis 0
alone as the batch; Keras 3 has no ``keras.backend.batch_dot``.
"""
import sys

from tfcompat.compat import tfshim


def _keras3_ops():
    """keras.ops when the installed ``keras`` is Keras 3, else None."""
    keras = sys.modules.get("keras")
    if keras is None:
        try:
            import keras
        except ImportError:
            return None
    version = getattr(keras, "__version__", "")
    return getattr(keras, "ops", None) if version[:1] >= "3" else None


def _is_tensorflow_value(value):
    """Whether TensorFlow ops take ``value`` as it is: a tf tensor or variable, a Keras 2
    symbolic tensor, or anything that is not some other framework's tensor."""
    module = type(value).__module__.split(".")[0]
    if module in ("tensorflow", "tf_keras"):
        return True
    if module == "keras":
        return _keras3_ops() is None  # Keras 2.x (tf.keras 2.4-2.15) builds tf tensors
    return module not in ("jax", "jaxlib", "torch")


class _TensorFlowOps(object):
    def __init__(self):
        self.tf = tfshim.tf()

    def ndim(self, x):
        return len(x.shape)

    def expand_dims(self, x, axis):
        return self.tf.expand_dims(x, axis)

    def squeeze(self, x, axis):
        return self.tf.squeeze(x, [axis])

    def matmul(self, x, y, transpose_x, transpose_y):
        # What Keras 2.2 called: adjoint (the conjugate transpose) of the last two axes.
        return self.tf.matmul(x, y, adjoint_a=transpose_x, adjoint_b=transpose_y)

    def sum_of_product(self, x, y, transpose_x, axis):
        if transpose_x:
            x = self.tf.transpose(x, [1, 0])
        return self.tf.reduce_sum(self.tf.multiply(x, y), axis)


class _KerasOps(object):
    def __init__(self, ops):
        self.ops = ops

    def ndim(self, x):
        return len(x.shape)

    def expand_dims(self, x, axis):
        return self.ops.expand_dims(x, axis)

    def squeeze(self, x, axis):
        return self.ops.squeeze(x, axis)

    def _adjoint(self, x):
        rank = len(x.shape)
        return self.ops.conj(self.ops.swapaxes(x, rank - 2, rank - 1))

    def matmul(self, x, y, transpose_x, transpose_y):
        return self.ops.matmul(self._adjoint(x) if transpose_x else x,
                               self._adjoint(y) if transpose_y else y)

    def sum_of_product(self, x, y, transpose_x, axis):
        if transpose_x:
            x = self.ops.transpose(x, (1, 0))
        return self.ops.sum(self.ops.multiply(x, y), axis)


def _ops_for(x, y):
    if _is_tensorflow_value(x) and _is_tensorflow_value(y):
        return _TensorFlowOps()
    ops = _keras3_ops()
    if ops is None:
        raise TypeError("legacy_batch_dot takes TensorFlow tensors, or any Keras 3 backend's "
                        "with Keras 3 installed; got %s and %s" % (type(x), type(y)))
    return _KerasOps(ops)


def batch_dot(x, y, axes=None):
    """``K.batch_dot(x, y, axes)`` as Keras 2.0-2.2.4 and TF 1's tf.keras computed it on the
    TensorFlow backend, on any Keras: the operand of lower rank gets trailing axes of size 1
    up to the other's rank ``n``; for ``n == 2`` the product is summed over ``axes``; else it
    is a ``matmul`` over the batch axes ``0 .. n-3``, with ``x`` transposed (its last two
    axes) unless ``axes[0] == n - 1`` and ``y`` transposed when ``axes[1] == n - 1``; the
    padding axes are squeezed and a rank-1 result becomes ``(batch, 1)``. ``axes``: None
    (``[rank(x) - 1, rank(y) - 2]``, the default of Keras 2.1-2.2 and TF 1.9-1.15; Keras 2.0
    and TF 1.4-1.8 ran a plain matmul, which raised where this transposes ``x``), an int
    (both), or two ints; as in Keras 2.2, a negative or 0 axis is not normalised (it counts
    as "not the last axis")."""
    if isinstance(axes, int):
        axes = (axes, axes)
    ops = _ops_for(x, y)
    x_ndim = ops.ndim(x)
    y_ndim = ops.ndim(y)
    if axes is None:
        axes = (x_ndim - 1, y_ndim - 2)
    if len(axes) != 2 or any(isinstance(a, (list, tuple)) for a in axes):
        raise ValueError("Multiple target dimensions are not supported. Expected: None, int, "
                         "(int, int), Provided: %s" % (axes,))
    diff = abs(x_ndim - y_ndim)
    for _ in range(diff):
        if x_ndim > y_ndim:
            y = ops.expand_dims(y, -1)
        else:
            x = ops.expand_dims(x, -1)
    rank = max(x_ndim, y_ndim)
    if rank == 2:
        out = ops.sum_of_product(x, y, axes[0] != axes[1],
                                 axes[0] if axes[0] == axes[1] else axes[1])
    else:
        out = ops.matmul(x, y, axes[0] != rank - 1, axes[1] == rank - 1)
    if diff:
        first = x_ndim + y_ndim - 3 if x_ndim > y_ndim else x_ndim - 1
        for axis in reversed(range(first, first + diff)):
            out = ops.squeeze(out, axis)
    if ops.ndim(out) == 1:
        out = ops.expand_dims(out, 1)
    return out

"""tfcompat.legacy_batch_dot: Keras <= 2.2.4's K.batch_dot on every Keras.

The reference below is checked against the old K.batch_dot itself where a cell has it (Keras
2.0-2.2 and TF 1's tf.keras), and the helper against the reference in every cell; where the
installed K.batch_dot has the new meaning, the two agree on what did not change.
"""
import itertools

import numpy as np
import pytest

import tfcompat
from tfcompat import versions

from . import probes

runtime = tfcompat.detect()
# TF 1.14's matmul (BatchMatMulV2) and Keras 3's broadcast the batch axes.
BROADCASTS = runtime.tf_version is None or runtime.tf_version >= (1, 14)

# Ranks 2-4 with every axes form Keras 2.2 took: None, an int, a pair (negative and 0 too).
# Axis 0 has size 2, every other axis 3, so most pairs are valid matmuls.
_AXES = [None, 1, 2, -1, (1, 2), (2, 1), (2, 2), (1, 1), (2, 3), (3, 2), (3, 3), (1, 3),
         (0, 1), (-1, -2)]
GRID = [((2,) + (3,) * (rx - 1), (2,) + (3,) * (ry - 1), axes)
        for rx, ry in itertools.product((2, 3, 4), repeat=2) for axes in _AXES]
# Distinct sizes, so a wrong axis cannot go unnoticed in the shape.
SHAPED = [((2, 10, 5), (2, 10, 5, 16), [2, 2]),  # a capsule layer's routing
          ((2, 10, 16), (2, 10, 5, 16), [2, 3]),
          ((2, 3, 4, 5), (2, 3, 5, 6), None),
          ((2, 3, 4, 5), (2, 3, 6, 5), (3, 3)),
          ((2, 3, 5, 4), (2, 3, 5, 6), (2, 2)),
          ((2, 4, 5), (2, 5, 6), [2, 1]),
          ((2, 5, 4), (2, 5, 6), 1),
          ((2, 4, 5), (2, 6, 5), -1),
          ((2, 5), (2, 5, 7), (1, 1)),
          ((2, 7, 5), (2, 5), (2, 1)),
          ((2, 5), (2, 5), 1)]


def reference(x, y, axes):
    """Keras 2.2's batch_dot (TensorFlow backend) in NumPy; None where it cannot run."""
    if isinstance(axes, int):
        axes = (axes, axes)
    if axes is None:
        axes = (x.ndim - 1, y.ndim - 2)
    n = max(x.ndim, y.ndim)
    xp = x.reshape(x.shape + (1,) * (n - x.ndim))
    yp = y.reshape(y.shape + (1,) * (n - y.ndim))
    try:
        if n == 2:
            out = ((xp * yp).sum(axes[0]) if axes[0] == axes[1]
                   else (xp.T * yp).sum(axes[1]))
        else:
            if axes[0] != n - 1:
                xp = np.swapaxes(xp, -1, -2)
            if axes[1] == n - 1:
                yp = np.swapaxes(yp, -1, -2)
            if xp.shape[:-2] != yp.shape[:-2] and not BROADCASTS:
                return None  # TF < 1.14's matmul does not broadcast: Keras 2.2 raised
            out = np.matmul(xp, yp)
    except ValueError:
        return None
    if x.ndim != y.ndim:
        first = x.ndim + y.ndim - 3 if x.ndim > y.ndim else x.ndim - 1
        last = first + abs(x.ndim - y.ndim)
        if last > out.ndim or any(d != 1 for d in out.shape[first:last]):
            return None  # tf.squeeze of an axis that is not 1 raises
        out = out.reshape(out.shape[:first] + out.shape[last:])
    return out.reshape(out.shape + (1,)) if out.ndim == 1 else out


def _keras(flavor):
    return probes.keras_module(flavor)


def _old_meaning(flavor):
    return (hasattr(_keras(flavor).backend, "batch_dot")
            and not tfcompat.detect(flavor=flavor).has("batch_dot_one_batch_axis"))


def _no_default_axes(flavor, axes):
    """Keras 2.0 and TF <= 1.8's tf.keras had no default axes: with axes=None they ran a
    plain matmul, which raised where Keras 2.1-2.2's default ([rank(x) - 1, rank(y) - 2])
    transposes x."""
    rt = tfcompat.detect(flavor=flavor)
    if flavor == versions.KERAS:
        return axes is None and rt.keras_version < (2, 1)
    return axes is None and rt.tf_version < (1, 9)


def _arrays(xs, ys, seed=0):
    rng = np.random.RandomState(seed)
    return rng.rand(*xs).astype("float32"), rng.rand(*ys).astype("float32")


def _run(flavor, fn, x, y, axes):
    """fn(x, y, axes) on the flavor's tensors, as NumPy; None where it raises."""
    k = _keras(flavor)
    if flavor == versions.KERAS3:
        ops = k.ops
        try:
            return ops.convert_to_numpy(fn(ops.convert_to_tensor(x), ops.convert_to_tensor(y),
                                           axes))
        except Exception:
            return None
    # Graph mode: a fresh graph now and then keeps each eval quick, and one on changing
    # flavors gives this flavor's session the graph another's clear_session left.
    if not _calls or _calls[-1] != flavor or len(_calls) % 20 == 0:
        probes._reset(k)
    _calls.append(flavor)
    try:
        return k.backend.eval(fn(k.backend.constant(x), k.backend.constant(y), axes))
    except Exception:
        return None


_calls = []


def _same(got, want):
    if want is None:
        return got is None
    return got is not None and got.shape == want.shape and np.allclose(got, want, atol=1e-5)


@pytest.mark.parametrize("flavor", runtime.flavors_installed)
def test_the_reference_is_the_old_batch_dot(flavor):
    if not _old_meaning(flavor):
        pytest.skip("%s's batch_dot has the new meaning, or none" % flavor)
    batch_dot = _keras(flavor).backend.batch_dot
    checked = 0
    for xs, ys, axes in GRID + SHAPED:
        x, y = _arrays(xs, ys)
        want = reference(x, y, axes)
        got = _run(flavor, batch_dot, x, y, axes)
        if got is None and _no_default_axes(flavor, axes):
            continue
        assert _same(got, want), (xs, ys, axes, got, want)
        checked += want is not None
    assert checked > 60


@pytest.mark.parametrize("flavor", runtime.flavors_installed)
def test_the_helper_computes_the_old_meaning(flavor):
    old = _keras(flavor).backend.batch_dot if _old_meaning(flavor) else None
    for xs, ys, axes in GRID + SHAPED:
        x, y = _arrays(xs, ys, seed=1)
        want = reference(x, y, axes)
        got = _run(flavor, tfcompat.legacy_batch_dot, x, y, axes)
        if want is None and got is not None and old is None:
            continue  # a TF that broadcasts matmul computes what TF 1 refused
        assert _same(got, want), (xs, ys, axes, got, want)
        if old is not None:
            expected = _run(flavor, old, x, y, axes)
            if expected is None and _no_default_axes(flavor, axes):
                continue
            assert _same(got, expected), (xs, ys, axes)


@pytest.mark.parametrize("flavor", runtime.flavors_installed)
def test_the_new_batch_dot_agrees_where_the_meaning_did_not_change(flavor):
    k = _keras(flavor)
    if not tfcompat.detect(flavor=flavor).has("batch_dot_one_batch_axis"):
        pytest.skip("%s's batch_dot has the old meaning, or none" % flavor)
    agreed = differed = 0
    for xs, ys, axes in GRID + SHAPED:
        x, y = _arrays(xs, ys, seed=2)
        legacy = _run(flavor, tfcompat.legacy_batch_dot, x, y, axes)
        new = _run(flavor, k.backend.batch_dot, x, y, axes)
        pair = axes if isinstance(axes, (tuple, list)) else (axes, axes)
        unchanged = (len(xs) <= 3 and len(ys) <= 3 and axes is not None
                     and all(a is not None and a >= 1 for a in pair))
        if unchanged and new is not None:
            assert _same(legacy, new), (xs, ys, axes)
            agreed += 1
        elif len(xs) == 4 or len(ys) == 4:
            differed += legacy is not None and not _same(legacy, new)
    assert agreed > 15 and differed > 20


def _capsule_routing_model(k, batch_dot):
    """A layer routing as capsule layers did: a rank-3 by rank-4 batch_dot."""

    class Route(k.layers.Layer):
        def call(self, inputs):
            c, hat = inputs
            return batch_dot(c, hat, [2, 2])

        def compute_output_shape(self, input_shape):
            return (input_shape[0][0], 10, 16)

    c = k.layers.Input(shape=(10, 5))
    hat = k.layers.Input(shape=(10, 5, 16))
    out = Route()([c, hat])
    return k.models.Model([c, hat], out)


@pytest.mark.parametrize("flavor", runtime.flavors_installed)
def test_the_helper_works_inside_a_model(flavor):
    k = _keras(flavor)
    probes._reset(k)
    model = _capsule_routing_model(k, tfcompat.legacy_batch_dot)
    c, hat = _arrays((4, 10, 5), (4, 10, 5, 16), seed=3)
    got = model.predict([c, hat], verbose=0)
    assert got.shape == (4, 10, 16)
    assert np.allclose(got, np.einsum("bij,bijk->bik", c, hat), atol=1e-5)

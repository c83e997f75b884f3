"""Models and data for the feeding tests: small, learnable, made here (no downloads)."""
import numpy as np
import pytest

import tfcompat
from tfcompat.compat import tfshim
from tfcompat.compat.flavors import keras_module

FEATURES = 4
SAMPLES = 512
BATCH = 32
STEPS = SAMPLES // BATCH
WEIGHTS = np.array([0.5, -1.0, 0.25, 1.5])


def task(samples=SAMPLES, seed=0):
    """y = x.w + 1 with small integer x (int64, as in the seed), float64 y."""
    rng = np.random.RandomState(seed)
    x = rng.randint(0, 4, size=(samples, FEATURES)).astype("int64")
    y = (x.dot(WEIGHTS) + 1.0).reshape(-1, 1)
    return x, y


def zipped_dataset(x, y, batch=BATCH, repeat=True):
    """The seed's pipeline: two sliced datasets zipped, repeated, batched."""
    cls = tfshim.dataset_class()
    ds = cls.zip((cls.from_tensor_slices(x), cls.from_tensor_slices(y)))
    return (ds.repeat() if repeat else ds).batch(batch)


def fresh(flavor):
    """The flavor's Keras module, its session state cleared (graph mode: a new graph)."""
    k = keras_module(flavor)
    k.backend.clear_session()
    return k


def linear_model(k, features=FEATURES, lr=0.02, opt=None):
    inp = k.layers.Input(shape=(features,))
    model = k.models.Model(inp, k.layers.Dense(1)(inp))
    model.compile((opt or k.optimizers.SGD)(lr), "mse")
    return model


def runtimes():
    """detect() for every Keras flavor installed in this cell."""
    return [tfcompat.detect(flavor=f) for f in tfcompat.detect().flavors_installed]


def flavor_params():
    return [pytest.param(f, id=f) for f in tfcompat.detect().flavors_installed]


def graph_mode():
    return not tfshim.executing_eagerly()


def keras_loss(model, x, y):
    result = model.evaluate(x.astype("float32"), y.astype("float32"), batch_size=BATCH,
                            verbose=0)
    return float(result[0] if isinstance(result, list) else result)


RTOL, ATOL = 1e-4, 1e-5


def same_history(ours, theirs, rtol=RTOL, atol=ATOL):
    """Two History objects with the same keys and values, within tolerance."""
    assert sorted(ours.history) == sorted(theirs.history)
    for key in theirs.history:
        np.testing.assert_allclose(ours.history[key], theirs.history[key], rtol, atol,
                                   err_msg=key)


def same_or_both_refused(ours, theirs, rtol=RTOL):
    """``theirs()`` (Keras) and ``ours()`` (tfcompat), each a call returning a History: the
    same history, or when Keras refuses the call, tfcompat refuses it too, with the same
    kind of error. Returns whether they trained."""
    try:
        keras = theirs()
    except (TypeError, ValueError) as exc:
        with pytest.raises(type(exc)):
            ours()
        return False
    same_history(ours(), keras, rtol)
    return True

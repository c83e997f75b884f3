"""Where data ends: predict and evaluate read from_arrays data once, in the arrays' order;
from_arrays is finite by default (Keras' own fit trains one pass per epoch on it); steps past
the end of finite data never cycle it. Each against the flavor's own Keras."""
import contextlib
import signal
import warnings

import numpy as np
import pytest

import tfcompat
from tfcompat.compat import tfshim

from .feeding_support import fresh

RTOL, ATOL = 1e-4, 1e-5
RUNTIMES = [tfcompat.detect(flavor=f) for f in tfcompat.detect().flavors_installed]
FLAVORS = [pytest.param(rt, id=rt.keras_flavor) for rt in RUNTIMES]
FLAVOR_PATHS = [pytest.param(rt, path, id="%s-%s" % (rt.keras_flavor, path))
                for rt in RUNTIMES for path in rt.available_paths]
N, BATCH = 200, 32  # 7 batches, the last of 8 rows


@contextlib.contextmanager
def bounded(seconds=120):
    """Fails the test instead of hanging (the main thread: graph mode's default graph is
    thread-local)."""
    def stop(*_):
        raise AssertionError("still running after %d s: it never ends" % seconds)

    previous = signal.signal(signal.SIGALRM, stop)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def _data(n=N, seed=0):
    rng = np.random.RandomState(seed)
    x = rng.rand(n, 3).astype("float32")
    return x, (x.dot([0.5, -1.0, 2.0]) + 0.5).astype("float32").reshape(-1, 1)


def _model(k, lr=0.05):
    inp = k.layers.Input(shape=(3,))
    model = k.models.Model(inp, k.layers.Dense(1)(inp))
    model.compile(k.optimizers.SGD(lr), "mse", metrics=["mae"])
    return model


def _as_list(result):
    return [float(v) for v in result] if isinstance(result, (list, tuple)) else [float(result)]


class Batches(object):
    """A Keras callback class counting the training batches run (Keras 2 and 3 hooks)."""

    def __new__(cls, k):
        class Count(k.callbacks.Callback):
            count = 0

            def on_batch_end(self, batch, logs=None):
                Count.count += 1

        return Count()


def _finite(x, y):
    cls = tfshim.dataset_class()
    return cls.zip((cls.from_tensor_slices(x), cls.from_tensor_slices(y))).batch(BATCH)


@pytest.mark.parametrize("rt", FLAVORS)
def test_predict_and_evaluate_read_from_arrays_once_in_order(rt):
    k = fresh(rt.keras_flavor)
    model = _model(k)
    x, y = _data()
    expected = model.predict(x, batch_size=BATCH)
    with bounded():
        mine = tfcompat.predict(model, tfcompat.from_arrays(x, y, batch_size=BATCH, seed=1))
    np.testing.assert_allclose(mine, expected, RTOL, ATOL)  # every row, in the arrays' order
    with bounded():
        first = tfcompat.predict(model, tfcompat.from_arrays(x, y, batch_size=BATCH), steps=3)
    np.testing.assert_allclose(first, expected[:3 * BATCH], RTOL, ATOL)
    with bounded(), pytest.warns(UserWarning, match="run past its end"):
        past = tfcompat.predict(model, tfcompat.from_arrays(x, batch_size=BATCH), steps=9)
    np.testing.assert_allclose(past, expected, RTOL, ATOL)  # one pass, not 9 batches
    with bounded():
        result = tfcompat.evaluate(model, tfcompat.from_arrays(x, y, batch_size=BATCH),
                                   verbose=0)
    np.testing.assert_allclose(result, _as_list(model.evaluate(x, y, batch_size=BATCH,
                                                                verbose=0)), RTOL, ATOL)


def test_from_arrays_is_one_pass_per_iteration_unless_repeat_is_asked():
    x = np.arange(100).reshape(-1, 1)
    with bounded():
        batches = list(tfcompat.numpy_batches(tfcompat.from_arrays(x, batch_size=32)))
    assert [len(b) for b in batches] == [32, 32, 32, 4]
    assert sorted(np.concatenate(batches)[:, 0]) == list(range(100))
    forever = tfcompat.numpy_batches(tfcompat.from_arrays(x, batch_size=32, repeat=True))
    assert len([next(forever) for _ in range(10)]) == 10


@pytest.mark.parametrize("rt", FLAVORS)
def test_keras_own_fit_trains_one_pass_per_epoch_on_from_arrays(rt):
    """Passed to the flavor's own fit, from_arrays data (unshuffled) trains as that fit
    trains on the arrays; where that fit takes no finite Dataset, it says so itself."""
    if not rt.has("fit_dataset_without_steps"):
        pytest.skip("%s's own fit takes no Dataset without steps_per_epoch" % rt.describe())
    k = fresh(rt.keras_flavor)
    ours, theirs = _model(k), _model(k)
    theirs.set_weights(ours.get_weights())
    x, y = _data(96)  # three whole batches (Keras 2 graph mode averages per step on datasets)
    counted = Batches(k)
    with bounded():
        mine = ours.fit(tfcompat.from_arrays(x, y, batch_size=BATCH, shuffle=False), epochs=2,
                        verbose=0, callbacks=[counted])
    keras = theirs.fit(x, y, batch_size=BATCH, epochs=2, shuffle=False, verbose=0)
    assert counted.count == 6
    for key in keras.history:
        np.testing.assert_allclose(mine.history[key], keras.history[key], RTOL, ATOL)


@pytest.mark.parametrize("rt, path", FLAVOR_PATHS)
def test_evaluate_past_the_end_of_a_finite_dataset_reads_it_once(rt, path):
    k = fresh(rt.keras_flavor)
    model = _model(k)
    x, y = _data(96)
    expected = _as_list(model.evaluate(x, y, batch_size=BATCH, verbose=0))
    if path == "DATASET_GRAPH" and tfshim.cardinality(_finite(x, y)) is None:
        pytest.xfail("tf.keras before TF 1.14 cycles a dataset TF cannot count past its end "
                     "(README: data TF cannot count)")
    # Where TF cannot count its batches (before TF 1.14), read to its end.
    with bounded(), pytest.warns(UserWarning, match="3 batches; steps=5 would run past|"
                                                    "ended after 3 batches, before steps=5"):
        past = tfcompat.evaluate(model, _finite(x, y), steps=5, path=path, verbose=0)
    np.testing.assert_allclose(past, expected, RTOL, ATOL)
    with bounded(), pytest.warns(UserWarning, match="run past"):
        arrays = tfcompat.evaluate(model, tfcompat.from_arrays(x, y, batch_size=BATCH),
                                   steps=5, path=path, verbose=0)
    np.testing.assert_allclose(arrays, expected, RTOL, ATOL)


@pytest.mark.parametrize("rt, path", FLAVOR_PATHS)
def test_fit_past_the_end_of_a_finite_dataset_stops_as_keras_does(rt, path):
    """steps_per_epoch=5, epochs=2 on 3 batches: where the path hands the data to the
    flavor's own fit (DATASET_*), the batches Keras' own fit runs on it (Keras 3: 3 per
    epoch, tf.keras: 3 in all); the paths that pull batches themselves refuse, saying what
    to change, and path=None goes on to one that stops there. Where TF cannot count a
    Dataset's batches (before TF 1.14), steps given for it repeat it, as before, on every
    path; from_arrays data, which tfcompat counts itself, still ends where it ends."""
    k = fresh(rt.keras_flavor)
    ours, theirs = _model(k), _model(k)
    theirs.set_weights(ours.get_weights())
    x, y = _data(96)
    mine, counted = Batches(k), Batches(k)
    counts = tfshim.cardinality(_finite(x, y)) is not None
    if not counts:
        with bounded():
            tfcompat.fit(ours, _finite(x, y), steps_per_epoch=5, epochs=2, path=path,
                         verbose=0, callbacks=[mine])
        assert mine.count == 10
        type(mine).count = 0
        if path.startswith("DATASET_"):
            return
    elif path.startswith("DATASET_"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with bounded():
                theirs.fit(_finite(x, y), steps_per_epoch=5, epochs=2, verbose=0,
                           callbacks=[counted])
                tfcompat.fit(ours, _finite(x, y), steps_per_epoch=5, epochs=2, path=path,
                             verbose=0, callbacks=[mine])
        assert mine.count == counted.count < 10
        return
    if counts:
        with pytest.raises(tfcompat.UnsupportedPathError, match="end of finite data.*repeat"):
            tfcompat.fit(ours, _finite(x, y), steps_per_epoch=5, epochs=2, path=path)
    with pytest.raises(tfcompat.UnsupportedPathError, match="end of finite data"):
        tfcompat.fit(ours, tfcompat.from_arrays(x, y, batch_size=BATCH), steps_per_epoch=2,
                     epochs=2, path=path)
    # Within the data, and with data repeated as asked, it trains.
    with bounded():
        tfcompat.fit(ours, _finite(x, y), steps_per_epoch=1, epochs=3, path=path, verbose=0,
                     callbacks=[mine])
        tfcompat.fit(ours, tfcompat.from_arrays(x, y, batch_size=BATCH, repeat=True),
                     steps_per_epoch=5, epochs=2, path=path, verbose=0, callbacks=[mine])
    assert mine.count == 3 + 10


@pytest.mark.parametrize("rt", FLAVORS)
def test_finite_dataset_without_steps_trains_one_pass_per_epoch(rt):
    """path=None takes a finite Dataset without steps_per_epoch wherever some path can find
    its end (TF counts its batches from TF 1.14), with Keras' numbers for the arrays."""
    k = fresh(rt.keras_flavor)
    ours, theirs = _model(k), _model(k)
    theirs.set_weights(ours.get_weights())
    x, y = _data(96)
    if tfshim.cardinality(_finite(x, y)) is None and not rt.has("fit_dataset_without_steps"):
        with pytest.raises(ValueError, match="steps_per_epoch"):
            tfcompat.fit(ours, _finite(x, y), epochs=2)
        return
    with bounded():
        mine = tfcompat.fit(ours, _finite(x, y), epochs=2, verbose=0)
    keras = theirs.fit(x, y, batch_size=BATCH, epochs=2, shuffle=False, verbose=0)
    for key in keras.history:
        np.testing.assert_allclose(mine.history[key], keras.history[key], RTOL, ATOL)

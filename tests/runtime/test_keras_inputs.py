"""Inputs the flavor's own Keras takes are taken, with Keras' numbers; what tfcompat refuses,
it refuses with a ValueError in one line saying what to change."""
import numpy as np
import pytest

import tfcompat
from tfcompat import DataError, UnsupportedPathError
from tfcompat.compat import keras_calls, tfshim

from .feeding_support import ATOL, RTOL, fresh, same_history, same_or_both_refused

RUNTIMES = [tfcompat.detect(flavor=f) for f in tfcompat.detect().flavors_installed]
FLAVORS = [pytest.param(rt, id=rt.keras_flavor) for rt in RUNTIMES]
N, BATCH = 48, 16


def _data(n=N, seed=0):
    rng = np.random.RandomState(seed)
    x = rng.rand(n, 3).astype("float32")
    return x, (x.dot([0.5, -1.0, 2.0]) + 0.5).astype("float32")  # y of shape (n,)


def _dense(k, sparse=False):
    inp = k.layers.Input(shape=(3,), sparse=sparse)
    return k.models.Model(inp, k.layers.Dense(1)(inp))


def _twins(k, build=_dense, **compile_kwargs):
    ours, theirs = build(k), build(k)
    theirs.set_weights(ours.get_weights())
    for model in (ours, theirs):
        model.compile(k.optimizers.SGD(0.05), **(compile_kwargs or dict(loss="mse")))
    return ours, theirs


OPTIONS = dict(batch_size=BATCH, epochs=2, shuffle=False, verbose=0)


@pytest.mark.parametrize("rt", FLAVORS)
def test_rank_one_targets_after_a_fit_on_arrays_with_validation(rt):
    """The README's feeding example: fit on (n,) targets, then on from_arrays of them with
    validation (Keras 3 failed: 'Cannot take the length of shape with unknown rank')."""
    k = fresh(rt.keras_flavor)
    ours, theirs = _twins(k)
    x, y = _data()
    xv, yv = _data(32, seed=1)
    same_history(tfcompat.fit(ours, x, y, **OPTIONS), theirs.fit(x, y, **OPTIONS))
    mine = tfcompat.fit(ours, tfcompat.from_arrays(x, y, batch_size=BATCH, shuffle=False),
                        epochs=2, validation_data=(xv, yv), verbose=0)
    keras = theirs.fit(x, y, validation_data=(xv, yv), **OPTIONS)
    same_history(mine, keras)


@pytest.mark.parametrize("rt", FLAVORS)
def test_validation_targets_of_rank_one_where_training_ones_have_rank_two(rt):
    k = fresh(rt.keras_flavor)
    ours, theirs = _twins(k)
    x, y = _data()
    xv, yv = _data(32, seed=1)
    same_history(tfcompat.fit(ours, x, y[:, None], validation_data=(xv, yv), **OPTIONS),
          theirs.fit(x, y[:, None], validation_data=(xv, yv), **OPTIONS))
    tfcompat.fit(ours, tfcompat.from_arrays(x, y[:, None]), verbose=0,
                 validation_data=tfcompat.from_arrays(xv, yv))


class _Reconstruction(object):
    """A layer adding its reconstruction error as a loss (an autoencoder's), any Keras."""

    def __new__(cls, k):
        ops = getattr(k, "ops", None) or k.backend

        class Reconstruction(k.layers.Layer):
            def call(self, inputs):
                original, rebuilt = inputs
                self.add_loss(ops.mean(ops.square(original - rebuilt)))
                return rebuilt

        return Reconstruction()


def _autoencoder(k):
    inp = k.layers.Input(shape=(3,))
    rebuilt = k.layers.Dense(3)(k.layers.Dense(2)(inp))
    return k.models.Model(inp, _Reconstruction(k)([inp, rebuilt]))


@pytest.mark.parametrize("rt", FLAVORS)
def test_models_trained_on_x_alone(rt):
    """An autoencoder compiled without a loss (its loss from add_loss) trains on x alone, as
    Keras' own fit trains it; a model with a compiled loss still needs targets."""
    k = fresh(rt.keras_flavor)
    ours, theirs = _twins(k, _autoencoder, loss=None)
    x, _ = _data()
    # Keras before 2.2 (standalone, or tf.keras 2.1.x-tf in TF 1.8) trains this model to other
    # numbers run to run by itself: two twins both fit by Keras' own fit differ by up to 0.8%.
    rtol = 0.05 if rt.keras_version < (2, 2) else RTOL
    if same_or_both_refused(lambda: tfcompat.fit(ours, x, **OPTIONS),
                             lambda: theirs.fit(x, **OPTIONS), rtol):
        np.testing.assert_allclose(tfcompat.evaluate(ours, x, batch_size=BATCH, verbose=0),
                                   # (Keras 2.0's evaluate(x, y) has no default y)
                                   _as_list(theirs.evaluate(x, None, batch_size=BATCH,
                                                            verbose=0)),
                                   rtol, ATOL)
        data = tfcompat.from_arrays(x, batch_size=BATCH)
        if rt.has("fit_dataset_x_alone"):
            tfcompat.fit(ours, data, verbose=0)
        else:  # no path here feeds batches of x alone: refused, saying so
            with pytest.raises(UnsupportedPathError, match="x alone"):
                tfcompat.fit(ours, data, verbose=0)
    regression, _ = _twins(k)
    with pytest.raises(DataError, match="no targets"):
        tfcompat.fit(regression, x)


def _as_list(result):
    return [float(v) for v in result] if isinstance(result, (list, tuple)) else [float(result)]


@pytest.mark.parametrize("rt", FLAVORS)
def test_numpy_integer_steps(rt):
    k = fresh(rt.keras_flavor)
    ours, theirs = _twins(k)
    x, y = _data()
    cls = tfshim.dataset_class()
    data = lambda: cls.zip((cls.from_tensor_slices(x), cls.from_tensor_slices(y[:, None]))  # noqa: E731
                           ).repeat().batch(BATCH)
    same_history(tfcompat.fit(ours, data(), steps_per_epoch=np.int64(3), epochs=2, verbose=0),
          tfcompat.fit(theirs, data(), steps_per_epoch=3, epochs=2, verbose=0))
    np.testing.assert_allclose(tfcompat.evaluate(ours, data(), steps=np.int32(2)),
                               tfcompat.evaluate(theirs, data(), steps=2), RTOL, ATOL)
    with pytest.raises(DataError, match="positive"):
        tfcompat.fit(ours, data(), steps_per_epoch=np.int64(0))


@pytest.mark.parametrize("rt", FLAVORS)
def test_x_y_tuple_with_sample_weight(rt):
    k = fresh(rt.keras_flavor)
    ours, theirs = _twins(k)
    x, y = _data()
    w = np.linspace(0.1, 2.0, N).astype("float32")
    same_history(tfcompat.fit(ours, (x, y), sample_weight=w, **OPTIONS),
          theirs.fit(x, y, sample_weight=w, **OPTIONS))
    with pytest.raises(DataError, match="given twice"):
        tfcompat.fit(ours, (x, y, w), sample_weight=w)


@pytest.mark.parametrize("rt", FLAVORS)
def test_bfloat16_arrays(rt):
    bfloat16 = tfshim.tf().bfloat16.as_numpy_dtype
    k = fresh(rt.keras_flavor)
    ours, theirs = _twins(k)
    x, y = _data()
    xb = x.astype(bfloat16)
    same_or_both_refused(lambda: tfcompat.fit(ours, xb, y, **OPTIONS),
                          lambda: theirs.fit(xb, y, **OPTIONS))
    # from_arrays casts them to the model's float32, as Keras casts arrays.
    same_history(tfcompat.fit(ours, tfcompat.from_arrays(xb, y, batch_size=BATCH, shuffle=False),
                       epochs=2, verbose=0),
          theirs.fit(xb.astype("float32"), y, **OPTIONS))


@pytest.mark.parametrize("rt", FLAVORS)
def test_tensorflow_tensors_as_x_and_y(rt):
    """Tensors go to Keras' own fit, which takes them (eager) or asks for steps_per_epoch
    (graph mode: each step runs them as one batch)."""
    tf = tfshim.tf()
    k = fresh(rt.keras_flavor)
    ours, theirs = _twins(k)
    x, y = _data()
    options = _tensor_options(rt, theirs)
    xt, yt = lambda: tf.constant(x), lambda: tf.constant(y[:, None])  # noqa: E731
    mine = lambda: tfcompat.fit(ours, xt(), yt(), **options)  # noqa: E731
    keras = lambda: theirs.fit(xt(), yt(), **options)  # noqa: E731
    if not rt.has("fit_takes_tensors"):
        _both_fail(rt, mine, keras, "x is a Tensor, which keras's fit\\(\\) does not take")
        return
    same_or_both_refused(mine, keras)


def _tensor_options(rt, model):
    """Eager: batches of the tensors; graph mode: steps_per_epoch (each step runs them as one
    batch) where this fit takes it (Keras 2.0's has none)."""
    options = dict(epochs=2, verbose=0)
    if rt.eager or not keras_calls._takes(model.fit, "steps_per_epoch"):
        options.update(batch_size=BATCH, shuffle=False)
    else:
        options.update(steps_per_epoch=2)
    return options


def _both_fail(rt, mine, keras, match):
    """Where this Keras' own fit fails on the input (deep in Keras), tfcompat refuses it first
    with a DataError saying what to pass."""
    with pytest.raises(DataError, match=match) as err:
        mine()
    assert rt.describe() in str(err.value) and "\n" not in str(err.value)
    with pytest.raises((AttributeError, TypeError, ValueError)):
        keras()


@pytest.mark.parametrize("rt", FLAVORS)
def test_sparse_tensor_x_with_a_sparse_input(rt):
    tf = tfshim.tf()
    k = fresh(rt.keras_flavor)
    try:
        ours, theirs = _twins(k, lambda k: _dense(k, sparse=True))
    except (TypeError, ValueError) as exc:
        pytest.skip("%s builds no Dense on a sparse Input: %s" % (rt.describe(), exc))
    x, y = _data()
    sparse = lambda: tf.SparseTensor(*_coo(x))  # noqa: E731
    options = _tensor_options(rt, theirs)
    mine = lambda: tfcompat.fit(ours, sparse(), y[:, None], **options)  # noqa: E731
    keras = lambda: theirs.fit(sparse(), y[:, None], **options)  # noqa: E731
    if not rt.has("fit_takes_tensors"):
        _both_fail(rt, mine, keras, "x is a SparseTensor, which keras's fit")
    elif not hasattr(sparse(), "shape"):  # Keras sizes x by x.shape[0]
        _both_fail(rt, mine, keras, "x is a SparseTensor without a shape")
    else:
        same_or_both_refused(mine, keras)


def _coo(x):
    rows, cols = np.nonzero(x)
    return np.stack([rows, cols], 1).astype("int64"), x[rows, cols], x.shape


def test_a_model_that_is_not_a_model_is_a_value_error():
    x, y = _data()
    for call in (lambda: tfcompat.fit(object(), x, y), lambda: tfcompat.evaluate("m", x, y),
                 lambda: tfcompat.predict(None, x)):
        with pytest.raises(ValueError, match="model must be a Keras model.*tfcompat.fit"):
            call()


def test_a_list_of_rows_says_what_to_change_in_one_line():
    rt = RUNTIMES[0]
    k = fresh(rt.keras_flavor)
    model, _ = _twins(k)
    x, y = _data(200)
    with pytest.raises(DataError) as err:
        tfcompat.fit(model, x[:, :3].tolist(), y)
    message = str(err.value)
    assert "\n" not in message and len(message) < 250, message
    assert "np.asarray(x)" in message and "200 arrays" in message

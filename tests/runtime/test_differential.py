"""tfcompat against Keras itself: each case trains twins (same architecture, same initial
weights, same data, shuffle=False) once with the Keras call of this version and once with
tfcompat's, then compares history keys and values, final weights, evaluate and predict.

Tolerance: data Keras takes itself goes to Keras' own call, so those twins agree to float32
rounding (feeding_support's RTOL/ATOL are that, with room for a different order of additions);
datasets fed through a feeding path run the same batches through the same layers, so the same
tolerance holds. Dataset cases use whole batches only: Keras 2 averages an epoch's loss per
step (not per sample) where it trains on tensors for steps_per_epoch, a difference of Keras'
own loops that tfcompat does not hide. Each case Keras rejects here is rejected by tfcompat.
"""
import numpy as np
import pytest

import tfcompat
from tfcompat import UnsupportedArgumentError
from tfcompat.compat import tfshim

from .feeding_support import ATOL, RTOL, fresh, same_history, same_or_both_refused

N, BATCH = 48, 16  # three whole batches
# Every Keras flavor this cell has (standalone keras and tf.keras in the TF 1 cells, Keras 3
# and tf_keras in tf221-tfkeras), each on every feeding path it can run.
RUNTIMES = [tfcompat.detect(flavor=f) for f in tfcompat.detect().flavors_installed]
FLAVORS = [pytest.param(rt, id=rt.keras_flavor) for rt in RUNTIMES]
FLAVOR_PATHS = [pytest.param(rt, path, id="%s-%s" % (rt.keras_flavor, path))
                for rt in RUNTIMES for path in rt.available_paths]


def _data(n=N, seed=0, classes=False):
    rng = np.random.RandomState(seed)
    x = rng.rand(n, 3).astype("float32")
    if classes:
        return x, (x[:, 0] > 0.5).astype("int64")
    return x, (x.dot([0.5, -1.0, 2.0]) + 0.5).astype("float32").reshape(-1, 1)


def _twins(rt, build, lr=0.05, one_thread=False, **compile_kwargs):
    """Two compiled models of ``build(k)`` holding the same initial weights; ``one_thread``:
    in graph mode, in a Keras session running each op on one thread (see the uint8 case)."""
    k = fresh(rt.keras_flavor)
    if one_thread and not rt.eager and rt.keras_flavor != "keras3":
        v1 = tfshim.v1()
        k.backend.set_session(v1.Session(config=v1.ConfigProto(
            intra_op_parallelism_threads=1, inter_op_parallelism_threads=1,
            use_per_session_threads=True)))  # else the first session's pools serve all
    ours, theirs = build(k), build(k)
    theirs.set_weights(ours.get_weights())
    for model in (ours, theirs):
        model.compile(k.optimizers.SGD(lr), **compile_kwargs)
    return k, ours, theirs


def _dense(k, outputs=1, activation=None):
    inp = k.layers.Input(shape=(3,), name="x")
    return k.models.Model(inp, k.layers.Dense(outputs, activation=activation, name="out")(inp))


def _regression(k):
    return _dense(k)


def _classifier(k):
    return _dense(k, 2, "softmax")


def _same_weights(ours, theirs, rtol=RTOL, atol=ATOL):
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, b, rtol, atol)


def _as_list(result):
    return [float(v) for v in result] if isinstance(result, (list, tuple)) else [float(result)]


def _fit_generator_era(rt):
    return rt.has("fit_generator") and not rt.has("fit_generator_deprecated")


def _arguments(method):
    import inspect

    try:
        return inspect.getfullargspec(inspect.unwrap(method)).args
    except TypeError:
        return []


# Data Keras takes itself -----------------------------------------------------------------

@pytest.mark.parametrize("rt", FLAVORS)
def test_arrays_with_batch_size_short_last_batch_and_validation(rt):
    k, ours, theirs = _twins(rt, _regression, loss="mse", metrics=["mae"])
    x, y = _data(50)
    xv, yv = _data(20, seed=1)
    options = dict(batch_size=16, epochs=2, shuffle=False, verbose=0)
    mine = tfcompat.fit(ours, x, y, validation_data=(xv, yv), **options)
    keras = theirs.fit(x, y, validation_data=(xv, yv), **options)
    same_history(mine, keras)
    _same_weights(ours, theirs)
    np.testing.assert_allclose(tfcompat.evaluate(ours, xv, yv, batch_size=7, verbose=0),
                               _as_list(theirs.evaluate(xv, yv, batch_size=7, verbose=0)),
                               RTOL, ATOL)
    np.testing.assert_allclose(tfcompat.predict(ours, xv, batch_size=8),
                               theirs.predict(xv, batch_size=8), RTOL, ATOL)


@pytest.mark.parametrize("rt", FLAVORS)
def test_sample_and_class_weights_and_validation_split(rt):
    k, ours, theirs = _twins(rt, _classifier, loss="sparse_categorical_crossentropy")
    x, y = _data(40, classes=True)
    w = np.linspace(0.5, 1.5, 40).astype("float32")
    options = dict(batch_size=8, epochs=2, shuffle=False, verbose=0, validation_split=0.25)
    # Keras 3 refuses class_weight and sample_weight together.
    if same_or_both_refused(
            lambda: tfcompat.fit(ours, x, y, sample_weight=w, class_weight={0: 1.0, 1: 3.0},
                                 **options),
            lambda: theirs.fit(x, y, sample_weight=w, class_weight={0: 1.0, 1: 3.0},
                               **options)):
        _same_weights(ours, theirs)
    same_history(tfcompat.fit(ours, x, y, class_weight={0: 1.0, 1: 3.0}, **options),
                  theirs.fit(x, y, class_weight={0: 1.0, 1: 3.0}, **options))
    same_history(tfcompat.fit(ours, x, y, sample_weight=w, **options),
                  theirs.fit(x, y, sample_weight=w, **options))
    _same_weights(ours, theirs)


@pytest.mark.parametrize("rt", FLAVORS)
def test_x_y_w_tuple_is_fit_with_sample_weight(rt):
    k, ours, theirs = _twins(rt, _regression, loss="mse")
    x, y = _data()
    w = np.linspace(0.1, 2.0, N).astype("float32")
    same_history(tfcompat.fit(ours, (x, y, w), batch_size=BATCH, shuffle=False, verbose=0),
                  theirs.fit(x, y, sample_weight=w, batch_size=BATCH, shuffle=False,
                             verbose=0))
    _same_weights(ours, theirs)


@pytest.mark.parametrize("rt", FLAVORS)
def test_lists_and_dicts_of_arrays_multi_input_multi_output(rt):
    def build(k):
        a = k.layers.Input(shape=(3,), name="a")
        b = k.layers.Input(shape=(2,), name="b")
        merged = k.layers.concatenate([a, b])
        return k.models.Model([a, b], [k.layers.Dense(1, name="out_a")(merged),
                                       k.layers.Dense(1, name="out_b")(merged)])

    k, ours, theirs = _twins(rt, build, loss="mse")
    x, y = _data()
    xb = x[:, :2] * 2
    options = dict(batch_size=BATCH, epochs=2, shuffle=False, verbose=0)
    same_history(tfcompat.fit(ours, [x, xb], [y, -y], **options),
                  theirs.fit([x, xb], [y, -y], **options))
    same_history(tfcompat.fit(ours, {"a": x, "b": xb}, {"out_a": y, "out_b": -y}, **options),
                  theirs.fit({"a": x, "b": xb}, {"out_a": y, "out_b": -y}, **options))
    _same_weights(ours, theirs)


@pytest.mark.parametrize("rt", FLAVORS)
def test_generators_and_sequences(rt):
    k, ours, theirs = _twins(rt, _regression, loss="mse")
    x, y = _data()

    def batches():
        while True:
            for start in range(0, N, BATCH):
                yield x[start:start + BATCH], y[start:start + BATCH]

    options = dict(steps_per_epoch=N // BATCH, epochs=2, verbose=0)
    own = theirs.fit_generator if _fit_generator_era(rt) else theirs.fit
    same_history(tfcompat.fit(ours, batches(), **options), own(batches(), **options))
    _same_weights(ours, theirs)
    if not hasattr(k.utils, "Sequence"):
        return

    class Batches(k.utils.Sequence):
        def __init__(self):
            super(Batches, self).__init__()

        def __len__(self):
            return N // BATCH

        def __getitem__(self, i):
            return x[i * BATCH:(i + 1) * BATCH], y[i * BATCH:(i + 1) * BATCH]

    if _fit_generator_era(rt):
        # Keras 2.0's fit_generator takes no shuffle: it reads a Sequence in order.
        takes_shuffle = "shuffle" in str(_arguments(theirs.fit_generator))
        keras = theirs.fit_generator(Batches(), steps_per_epoch=N // BATCH, epochs=2, verbose=0,
                                     **({"shuffle": False} if takes_shuffle else {}))
    else:
        keras = theirs.fit(Batches(), epochs=2, verbose=0, shuffle=False)
    same_history(tfcompat.fit(ours, Batches(), epochs=2, verbose=0, shuffle=False), keras)
    _same_weights(ours, theirs)


@pytest.mark.parametrize("rt", FLAVORS)
def test_validation_freq_as_keras_has_it_or_refused_naming_the_version(rt):
    k, ours, theirs = _twins(rt, _regression, loss="mse")
    x, y = _data()
    options = dict(batch_size=BATCH, epochs=2, shuffle=False, verbose=0,
                   validation_data=_data(16, seed=1), validation_freq=2)
    if not rt.has("fit_validation_freq"):
        with pytest.raises(Exception):
            theirs.fit(x, y, **options)
        with pytest.raises(UnsupportedArgumentError, match="validation_freq.*needs.*>= "):
            tfcompat.fit(ours, x, y, **options)
        return
    same_history(tfcompat.fit(ours, x, y, **options), theirs.fit(x, y, **options))


# Datasets, on every feeding path this cell can run ----------------------------------------

def _dataset(x, y, repeat):
    cls = tfshim.dataset_class()
    ds = cls.zip((cls.from_tensor_slices(x), cls.from_tensor_slices(y)))
    return (ds.repeat() if repeat else ds).batch(BATCH)


@pytest.mark.parametrize("rt, path", FLAVOR_PATHS)
def test_datasets_on_each_path_give_keras_numbers(rt, path):
    k, ours, theirs = _twins(rt, _regression, loss="mse", metrics=["mae"])
    x, y = _data()
    xv, yv = _data(32, seed=1)
    seen = []

    class Seen(k.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            seen.append((self.model is ours, sorted(logs or {})))

    mine = tfcompat.fit(ours, _dataset(x, y, True), steps_per_epoch=N // BATCH, epochs=2,
                        validation_data=_dataset(xv, yv, True), validation_steps=2,
                        callbacks=[Seen()], verbose=0, path=path)
    keras = theirs.fit(x, y, batch_size=BATCH, epochs=2, shuffle=False, verbose=0,
                       validation_data=(xv, yv))
    same_history(mine, keras)
    _same_weights(ours, theirs)
    assert seen == [(True, sorted(keras.history))] * 2
    np.testing.assert_allclose(
        tfcompat.evaluate(ours, _dataset(xv, yv, False), steps=2, path=path),
        _as_list(theirs.evaluate(xv, yv, batch_size=BATCH, verbose=0)), RTOL, ATOL)
    np.testing.assert_allclose(tfcompat.predict(ours, _dataset(xv, yv, False)),
                               theirs.predict(xv, batch_size=BATCH), RTOL, ATOL)


@pytest.mark.parametrize("rt, path", FLAVOR_PATHS)
def test_fit_again_on_the_same_dataset_starts_it_over(rt, path):
    """One fit call per epoch on one Dataset object, as custom schedules do: each call starts
    the dataset over (two of its three batches per call here, as Keras' fit of the first 32
    samples), optimizer state (momentum) carries from call to call, validation runs at each
    call's end, and evaluate on one dataset object twice gives Keras' number twice. (Where
    TENSOR_INPUT keeps its rewired model across these calls, it initialises the iterator
    again: test_feeding checks that it is kept.)"""
    k = fresh(rt.keras_flavor)
    ours, theirs = _regression(k), _regression(k)
    theirs.set_weights(ours.get_weights())
    for model in (ours, theirs):
        model.compile(k.optimizers.SGD(0.05, momentum=0.9), loss="mse", metrics=["mae"])
    x, y = _data()
    xv, yv = _data(32, seed=1)
    train, val, held = _dataset(x, y, True), _dataset(xv, yv, True), _dataset(xv, yv, False)
    for _ in range(3):
        mine = tfcompat.fit(ours, train, steps_per_epoch=2, verbose=0, validation_data=val,
                            validation_steps=2, path=path)
        keras = theirs.fit(x[:32], y[:32], batch_size=BATCH, shuffle=False, verbose=0,
                           validation_data=(xv, yv))
        same_history(mine, keras)
        _same_weights(ours, theirs)
    expected = _as_list(theirs.evaluate(xv, yv, batch_size=BATCH, verbose=0))
    for _ in range(2):
        np.testing.assert_allclose(tfcompat.evaluate(ours, held, steps=2, path=path),
                                   expected, RTOL, ATOL)


def _two_in_two_out(k):
    a = k.layers.Input(shape=(3,), name="a")
    b = k.layers.Input(shape=(2,), name="b")
    merged = k.layers.concatenate([a, b])
    return k.models.Model([a, b], [k.layers.Dense(1, name="out_a")(merged),
                                   k.layers.Dense(1, name="out_b")(merged)])


def _structured(x, xb, y, keyed, repeat=True):
    cls = tfshim.dataset_class()
    if keyed:
        inputs = {"a": x, "b": xb}
        targets = {"out_a": y, "out_b": -y}
    else:
        inputs, targets = (x, xb), (y, -y)
    ds = cls.from_tensor_slices((inputs, targets))
    return (ds.repeat() if repeat else ds).batch(BATCH)


@pytest.mark.parametrize("keyed", [False, True], ids=["tuples", "dicts"])
@pytest.mark.parametrize("rt, path", FLAVOR_PATHS)
def test_multi_input_output_datasets_callbacks_and_checkpoints(rt, path, keyed, tmp_path):
    """History keys named after the user's outputs, callbacks given the user's model (its
    predict and get_layer work), ModelCheckpoint weights that load into the user's model;
    a path that cannot carry the data refuses it and the chooser takes another."""
    k, ours, theirs = _twins(rt, _two_in_two_out, loss="mse",
                             metrics={"out_a": ["mae"], "out_b": ["mae"]})
    x, y = _data()
    xb = x[:, :2] * 2
    seen = []

    class Uses(k.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            out = self.model.predict([x[:4], xb[:4]])
            seen.append((self.model is ours, self.model.get_layer("out_a").name,
                         out[0].shape, sorted(logs or {})))

    weights = str(tmp_path / "w.weights.h5")  # the ending Keras 3 requires
    fit = dict(steps_per_epoch=N // BATCH, epochs=2, verbose=0, validation_steps=2,
               validation_data=_structured(x[:32], xb[:32], y[:32], keyed),
               callbacks=[Uses(), k.callbacks.ModelCheckpoint(weights, save_weights_only=True)])
    if path.startswith("DATASET_") and not keyed and not rt.has("fit_dataset_nested"):
        with pytest.raises(tfcompat.UnsupportedPathError, match="cannot run this"):
            tfcompat.fit(ours, _structured(x, xb, y, keyed), path=path, **fit)
        path = None  # the chooser takes a path that can
    mine = tfcompat.fit(ours, _structured(x, xb, y, keyed), path=path, **fit)
    keras = theirs.fit([x, xb], [y, -y], batch_size=BATCH, epochs=2, shuffle=False, verbose=0,
                       validation_data=([x[:32], xb[:32]], [y[:32], -y[:32]]))
    same_history(mine, keras)
    _same_weights(ours, theirs)
    assert seen == [(True, "out_a", (4, 1), sorted(keras.history))] * 2
    loaded = _two_in_two_out(k)
    loaded.load_weights(weights)
    _same_weights(loaded, theirs)
    np.testing.assert_allclose(
        tfcompat.evaluate(ours, _structured(x, xb, y, keyed, repeat=False), steps=N // BATCH),
        _as_list(theirs.evaluate([x, xb], [y, -y], batch_size=BATCH, verbose=0)), RTOL, ATOL)


def _shown(text):
    """The metric names each epoch's progress ends with, e.g. [['loss', 'val_loss'], ...]."""
    import re

    lines = [line for line in re.split(r"[\r\n]+", text) if " loss: " in line]
    ends = [line for line in lines if "/" not in line.split(" - ")[0] or "ETA" not in line]
    return [sorted(set(re.findall(r"(\w+): [-\d.e+]+", line))) for line in ends[-2:]]


@pytest.mark.parametrize("verbose", [1, 2])
@pytest.mark.parametrize("rt, path", FLAVOR_PATHS)
def test_progress_shows_what_keras_shows(rt, path, verbose, capsys):
    k, ours, theirs = _twins(rt, _regression, loss="mse", metrics=["mae"])
    x, y = _data()
    xv, yv = _data(32, seed=1)
    capsys.readouterr()
    theirs.fit(x, y, batch_size=BATCH, epochs=2, shuffle=False, verbose=verbose,
               validation_data=(xv, yv))
    keras = capsys.readouterr().out
    tfcompat.fit(ours, _dataset(x, y, True), steps_per_epoch=N // BATCH, epochs=2,
                 validation_data=_dataset(xv, yv, True), validation_steps=2, verbose=verbose,
                 path=path)
    mine = capsys.readouterr().out
    assert mine.count("Epoch 2/2") == keras.count("Epoch 2/2") == 1
    assert _shown(mine) == _shown(keras) != []
    assert "val_loss" in _shown(mine)[-1]


def _cannot_carry(rt, path, phrase, fact):
    """Whether ``path`` cannot carry the data or model kind ``phrase`` names here: target
    tensors never can, Keras' fit(dataset) before the version of ``fact``. Checked against
    what tfcompat doctor lists for the path."""
    cannot = path == "TENSOR_INPUT" or (path.startswith("DATASET_") and not rt.has(fact))
    assert cannot == any(phrase in limit for limit in rt.path_status(path).limits), path
    return cannot


def _carrier(rt, phrase, fact):
    """The path the chooser takes for that kind: the first one that can carry it."""
    return next(p for p in rt.available_paths if not _cannot_carry(rt, p, phrase, fact))


@pytest.mark.parametrize("verbose", [1, 2])
@pytest.mark.parametrize("rt, path", FLAVOR_PATHS)
def test_evaluate_progress_shows_what_keras_shows(rt, path, verbose, capsys):
    """evaluate(verbose=) on a dataset prints what Keras' evaluate prints: a bar or not,
    ending with the same metric names (Keras' evaluate of the dataset where it takes one,
    else of the same arrays)."""
    import re

    k, ours, theirs = _twins(rt, _regression, loss="mse", metrics=["mae"])
    xv, yv = _data(32, seed=1)
    capsys.readouterr()
    if rt.has("fit_accepts_dataset"):
        theirs.evaluate(_dataset(xv, yv, False), steps=2, verbose=verbose)
    else:
        theirs.evaluate(xv, yv, batch_size=BATCH, verbose=verbose)
    keras = capsys.readouterr().out
    tfcompat.evaluate(ours, _dataset(xv, yv, False), steps=2, verbose=verbose, path=path)
    mine = capsys.readouterr().out

    def last(text):
        lines = [line for line in re.split(r"[\r\n\b]+", text) if line.strip()]
        return sorted(re.findall(r"(\w+): [-\d.e+]+", lines[-1])) if lines else None

    assert last(mine) == last(keras)
    assert ("[===" in mine) == ("[===" in keras)


def _weighted(x, y, w, repeat):
    cls = tfshim.dataset_class()
    ds = cls.from_tensor_slices((x, y, w))
    return (ds.repeat() if repeat else ds).batch(BATCH)


@pytest.mark.parametrize("rt, path", FLAVOR_PATHS)
def test_sample_weights_short_last_batch_and_no_metric_state_carried(rt, path):
    """(x, y, w) datasets; evaluate over a short last batch weighs batches by size; the
    accuracy Keras 2.3 and tf.keras 1.15 keep across batches is not carried from training
    into evaluation (the same data evaluated twice gives Keras' number twice)."""
    k, ours, theirs = _twins(rt, _classifier, loss="sparse_categorical_crossentropy",
                             metrics=["accuracy"])
    x, y = _data(50, classes=True)
    w = np.linspace(0.5, 1.5, 50).astype("float32")
    if _cannot_carry(rt, path, "sample weights", "fit_dataset_sample_weights"):
        with pytest.raises(tfcompat.UnsupportedPathError, match="sample weights"):
            tfcompat.fit(ours, _weighted(x[:N], y[:N], w[:N], True), steps_per_epoch=3,
                         path=path)
        path = _carrier(rt, "sample weights", "fit_dataset_sample_weights")
    mine = tfcompat.fit(ours, _weighted(x[:N], y[:N], w[:N], True), steps_per_epoch=N // BATCH,
                        epochs=2, verbose=0)  # the chooser takes ``path`` (see _carrier)
    keras = theirs.fit(x[:N], y[:N], sample_weight=w[:N], batch_size=BATCH, epochs=2,
                       shuffle=False, verbose=0)
    same_history(mine, keras)
    _same_weights(ours, theirs)
    if path.startswith("DATASET_"):
        # Keras' own evaluate of the dataset: tf.keras 1.15's and 2.0's average its batches
        # per step, not per sample, unlike their evaluate of arrays; tfcompat gives what
        # Keras gives.
        expected = _as_list(theirs.evaluate(_weighted(x, y, w, False), steps=4, verbose=0))
    else:
        expected = _as_list(theirs.evaluate(x, y, sample_weight=w, batch_size=BATCH,
                                            verbose=0))
    for _ in range(2):
        np.testing.assert_allclose(
            tfcompat.evaluate(ours, _weighted(x, y, w, False), steps=4, path=path),
            expected, RTOL, ATOL)


@pytest.mark.parametrize("rt, path", FLAVOR_PATHS)
def test_class_weight_with_a_dataset(rt, path):
    """fit(dataset, class_weight=) gives Keras' numbers for the same weights on arrays; a
    path that cannot carry class_weight (target tensors; Keras' fit(dataset) before TF 2.1,
    which fails on it or ignores it) refuses it, the chooser takes another, and where none
    can (TF 2.0 eager) tfcompat refuses it rather than train unweighted."""
    k, ours, theirs = _twins(rt, _classifier, loss="sparse_categorical_crossentropy",
                             metrics=["accuracy"])
    x, y = _data(classes=True)
    weights = {0: 1.0, 1: 3.0}
    fit = dict(steps_per_epoch=N // BATCH, epochs=2, verbose=0, class_weight=weights)
    keras = theirs.fit(x, y, batch_size=BATCH, epochs=2, shuffle=False, verbose=0,
                       class_weight=weights)
    if _cannot_carry(rt, path, "class_weight", "fit_dataset_class_weight"):
        with pytest.raises(tfcompat.UnsupportedPathError, match="class_weight"):
            tfcompat.fit(ours, _dataset(x, y, True), path=path, **fit)
        if not any(not _cannot_carry(rt, p, "class_weight", "fit_dataset_class_weight")
                   for p in rt.available_paths):  # Keras' fit(dataset) ignores it here
            with pytest.raises(tfcompat.UnsupportedPathError, match="class_weight"):
                tfcompat.fit(ours, _dataset(x, y, True), **fit)
            return
        path = None  # the chooser takes a path that can
    mine = tfcompat.fit(ours, _dataset(x, y, True), path=path, **fit)
    same_history(mine, keras)
    _same_weights(ours, theirs)


def _cnn(k):
    inp = k.layers.Input(shape=(6, 6, 1), name="image")
    scaled = k.layers.Lambda(lambda t: t / 255.0)(inp)  # as users scale pixels in the model
    hidden = k.layers.Flatten()(k.layers.Conv2D(2, (3, 3), activation="tanh")(scaled))
    return k.models.Model(inp, k.layers.Dense(2, activation="softmax", name="out")(hidden))


@pytest.mark.parametrize("rt, path", FLAVOR_PATHS)
def test_uint8_images_learn_as_with_keras(rt, path):
    """uint8 images: Keras casts them to the input's float type; so does every path (a
    dataset of uint8 batches, from_arrays), so the twins learn alike. The twins run on one
    thread (TF 1.9's convolution gradients vary with the threads from run to run). Where
    the convolution reads batches from an iterator (TENSOR_INPUT), TF 1.9 computes its
    gradients with a float32 rounding other than on fed arrays (3.5e-6 on a weight after
    one step at lr 0.01), which nine steps grew up to 2e-3 (weights, loss): the tolerance
    there. (No accuracy: a count of right answers jumps with such rounding.)"""
    tol = (1e-2, 5e-3) if path == "TENSOR_INPUT" else (RTOL, ATOL)
    k, ours, theirs = _twins(rt, _cnn, lr=0.01, one_thread=True,
                             loss="sparse_categorical_crossentropy")
    rng = np.random.RandomState(0)
    y = rng.randint(0, 2, N).astype("int64")
    x = (rng.rand(N, 6, 6, 1) * 100 + y[:, None, None, None] * 120).astype("uint8")
    keras = theirs.fit(x, y, batch_size=BATCH, epochs=3, shuffle=False, verbose=0)
    mine = tfcompat.fit(ours, _dataset(x, y, True), steps_per_epoch=N // BATCH, epochs=3,
                        verbose=0, path=path)
    same_history(mine, keras, *tol)
    _same_weights(ours, theirs, *tol)
    assert keras.history["loss"][-1] < keras.history["loss"][0]
    again = tfcompat.fit(ours, tfcompat.from_arrays(x, y, batch_size=BATCH, shuffle=False),
                         epochs=1, verbose=0, path=path)
    same_history(again, theirs.fit(x, y, batch_size=BATCH, epochs=1, shuffle=False,
                                    verbose=0), *tol)


# Models that build on their first batch --------------------------------------------------

def _lazy(k, kind):
    """A model without known inputs until its first batch: a Sequential without an input
    shape, or a subclassed model. Constant initial weights make twins without set_weights
    (which a model not built yet cannot take)."""
    def dense():
        return k.layers.Dense(1, kernel_initializer="ones", bias_initializer="zeros",
                              name="out")

    if kind == "sequential":
        return k.models.Sequential([dense()])

    class Linear(k.models.Model):
        def __init__(self):
            super(Linear, self).__init__()
            self.out = dense()

        def call(self, inputs):
            return self.out(inputs)

    return Linear()


@pytest.mark.parametrize("kind", ["sequential", "subclassed"])
@pytest.mark.parametrize("rt, path", FLAVOR_PATHS)
def test_models_built_on_the_first_batch(rt, path, kind):
    """Built on the first batch on every path that can build it; a path that cannot says
    so and the chooser takes another. Where Keras itself cannot make or train the model,
    tfcompat refuses it too."""
    k = fresh(rt.keras_flavor)
    x, y = _data()
    xv, yv = _data(32, seed=1)
    try:
        _lazy(k, kind)
    except (TypeError, ValueError) as exc:  # e.g. Keras 2.0: no subclassing, no lazy input
        pytest.skip("this Keras cannot make the model: %s" % exc)
    try:
        theirs = _lazy(k, kind)
        theirs.compile(k.optimizers.SGD(0.05), "mse")
        keras = theirs.fit(x, y, batch_size=BATCH, epochs=2, shuffle=False, verbose=0,
                           validation_data=(xv, yv))
    except (TypeError, ValueError, NotImplementedError) as exc:  # this Keras cannot
        ours = _lazy(k, kind)
        ours.compile(k.optimizers.SGD(0.05), "mse")
        with pytest.raises(type(exc)):
            tfcompat.fit(ours, _dataset(x, y, True), steps_per_epoch=N // BATCH, path=path)
        return
    ours = _lazy(k, kind)
    ours.compile(k.optimizers.SGD(0.05), "mse")
    fit = dict(steps_per_epoch=N // BATCH, epochs=2, verbose=0, validation_steps=2,
               validation_data=_dataset(xv, yv, True))
    if _cannot_carry(rt, path, "first batch", "fit_dataset_lazy_model"):
        with pytest.raises(tfcompat.UnsupportedPathError,
                           match="builds? on (its|their) first batch"):
            tfcompat.fit(ours, _dataset(x, y, True), path=path, **fit)
        path = None  # the chooser takes a path that can
    same_history(tfcompat.fit(ours, _dataset(x, y, True), path=path, **fit), keras)
    _same_weights(ours, theirs)
    np.testing.assert_allclose(
        tfcompat.evaluate(ours, _dataset(xv, yv, False), steps=2, path=path),
        _as_list(theirs.evaluate(xv, yv, batch_size=BATCH, verbose=0)), RTOL, ATOL)
    np.testing.assert_allclose(tfcompat.predict(ours, _dataset(xv, yv, False)),
                               theirs.predict(xv, batch_size=BATCH), RTOL, ATOL)


@pytest.mark.parametrize("rt, path", FLAVOR_PATHS)
def test_evaluate_callbacks_on_datasets(rt, path):
    """evaluate(callbacks=) with a dataset: Keras' on_test_* calls where this Keras'
    evaluate takes callbacks, else refused naming the version that has them."""
    k, ours, theirs = _twins(rt, _regression, loss="mse", metrics=["mae"])
    xv, yv = _data(32, seed=1)

    def recorder(events):
        class Record(k.callbacks.Callback):
            def on_test_begin(self, logs=None):
                events.append(("begin", self.model is ours or self.model is theirs))

            def on_test_batch_end(self, batch, logs=None):
                events.append(("batch", batch))

            def on_test_end(self, logs=None):
                events.append(("end",))

        return Record()

    mine, keras = [], []
    if not rt.has("evaluate_callbacks"):
        with pytest.raises(TypeError):
            theirs.evaluate(xv, yv, batch_size=BATCH, verbose=0, callbacks=[recorder(keras)])
        with pytest.raises(UnsupportedArgumentError, match="callbacks.*needs.*>= "):
            tfcompat.evaluate(ours, _dataset(xv, yv, False), steps=2, path=path,
                              callbacks=[recorder(mine)])
        return
    np.testing.assert_allclose(
        tfcompat.evaluate(ours, _dataset(xv, yv, False), steps=2, path=path,
                          callbacks=[recorder(mine)]),
        _as_list(theirs.evaluate(xv, yv, batch_size=BATCH, verbose=0,
                                 callbacks=[recorder(keras)])), RTOL, ATOL)
    assert mine == keras == [("begin", True), ("batch", 0), ("batch", 1), ("end",)]


@pytest.mark.parametrize("rt, path", FLAVOR_PATHS)
def test_validation_calls_the_test_hooks_keras_calls(rt, path):
    """fit's validation calls the callbacks' on_test_* hooks where this Keras' fit does
    (Keras 2.3, tf.keras 1.14, Keras 3), with the log keys Keras gives them; not before.
    (Not their values batch by batch: Keras 2.3's first batch carries metric state from
    training, and tf.keras 1.15's validation batches are not those of its evaluate.)"""
    k, ours, theirs = _twins(rt, _regression, loss="mse", metrics=["mae"])
    x, y = _data()
    xv, yv = _data(32, seed=1)

    def recorder(events):
        class Record(k.callbacks.Callback):
            def on_test_begin(self, logs=None):
                events.append(("test_begin",))

            def on_test_batch_begin(self, batch, logs=None):
                events.append(("test_batch_begin", batch))

            def on_test_batch_end(self, batch, logs=None):
                events.append(("test_batch_end", batch, sorted(logs or {})))

            def on_test_end(self, logs=None):
                events.append(("test_end", sorted(logs or {})))

            def on_epoch_end(self, epoch, logs=None):
                events.append(("epoch_end", epoch, sorted(logs or {})))

        return Record()

    mine, keras = [], []
    same_history(
        tfcompat.fit(ours, _dataset(x, y, True), steps_per_epoch=N // BATCH, epochs=2,
                     validation_data=_dataset(xv, yv, True), validation_steps=2, verbose=0,
                     callbacks=[recorder(mine)], path=path),
        theirs.fit(x, y, batch_size=BATCH, epochs=2, shuffle=False, verbose=0,
                   validation_data=(xv, yv), callbacks=[recorder(keras)]))
    assert mine == keras
    assert any(e[0] == "test_begin" for e in keras) == rt.has("fit_validation_test_hooks")


@pytest.mark.parametrize("rt", FLAVORS)
def test_workers_and_queue_as_this_keras_takes_them(rt):
    """workers / use_multiprocessing / max_queue_size: in Keras 2's call, on the PyDataset
    with Keras 3 (as Keras 3 takes them); refused for a generator on Keras 3 and for a
    tf.data Dataset."""
    k, ours, theirs = _twins(rt, _regression, loss="mse")
    x, y = _data()
    if not hasattr(k.utils, "Sequence"):
        pytest.skip("this Keras has no keras.utils.Sequence")
    queue = dict(workers=2, use_multiprocessing=False, max_queue_size=4)
    keras3 = rt.keras_flavor == "keras3"

    class Batches(k.utils.Sequence):
        def __init__(self, **kwargs):
            super(Batches, self).__init__(**kwargs)

        def __len__(self):
            return N // BATCH

        def __getitem__(self, i):
            return x[i * BATCH:(i + 1) * BATCH], y[i * BATCH:(i + 1) * BATCH]

    if keras3:
        keras = theirs.fit(Batches(**queue), epochs=2, verbose=0, shuffle=False)
    elif _fit_generator_era(rt):
        takes_shuffle = "shuffle" in str(_arguments(theirs.fit_generator))
        keras = theirs.fit_generator(Batches(), steps_per_epoch=N // BATCH, epochs=2,
                                     verbose=0, **dict(queue, **({"shuffle": False}
                                                                 if takes_shuffle else {})))
    else:
        keras = theirs.fit(Batches(), epochs=2, verbose=0, shuffle=False, **queue)
    plain = Batches()
    same_history(tfcompat.fit(ours, plain, epochs=2, verbose=0, shuffle=False, **queue),
                  keras)
    _same_weights(ours, theirs)
    if keras3:
        assert (plain.workers, plain.max_queue_size) == (2, 4)

        def batches():
            while True:
                yield x[:BATCH], y[:BATCH]

        with pytest.raises(TypeError):
            theirs.fit(batches(), steps_per_epoch=1, verbose=0, **queue)
        with pytest.raises(UnsupportedArgumentError, match="PyDataset"):
            tfcompat.fit(ours, batches(), steps_per_epoch=1, verbose=0, **queue)
    with pytest.raises(tfcompat.DataError, match="tf.data Dataset has its own"):
        tfcompat.fit(ours, _dataset(x, y, True), steps_per_epoch=1, verbose=0, **queue)

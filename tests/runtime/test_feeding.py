"""tfcompat.fit / evaluate on every feeding path this cell can run, refusals on the others.

The seed scenario: a zipped, batched (x, y) Dataset and an ordinary Input(shape=...) model on a
learnable task; every available path forced, and path=None; loss falls over 5 epochs.
"""
import numpy as np
import pytest

import tfcompat
from tfcompat import FeedingPath, UnsupportedPathError
from tfcompat.compat import paths, tfshim
from tfcompat.compat.paths import limits

from .feeding_support import (
    BATCH,
    STEPS,
    flavor_params,
    fresh,
    keras_loss,
    linear_model,
    task,
    zipped_dataset,
)

PATHS = [pytest.param(p, id=p.value) for p in FeedingPath] + [pytest.param(None, id="auto")]


def _usable(flavor, path):
    runtime = tfcompat.detect(flavor=flavor)
    return path is None or path.value in runtime.available_paths


def _falls(values):
    return len(values) == 5 and values[-1] < 0.5 * values[0]


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("flavor", flavor_params())
def test_seed_scenario_trains_on_each_path(flavor, path):
    k = fresh(flavor)
    model = linear_model(k)
    x, y = task()
    xv, yv = task(64, seed=1)
    train, val = zipped_dataset(x, y), zipped_dataset(xv, yv)
    before = keras_loss(model, x, y)
    if not _usable(flavor, path):
        with pytest.raises(UnsupportedPathError) as err:
            tfcompat.fit(model, train, epochs=5, steps_per_epoch=STEPS, path=path)
        assert "needs" in str(err.value) and path.value in str(err.value)
        return
    history = tfcompat.fit(model, train, epochs=5, steps_per_epoch=STEPS, validation_data=val,
                           validation_steps=2, path=path)
    assert _falls(history.history["loss"]), history.history
    assert _falls(history.history["val_loss"]), history.history
    # The user's own model holds the trained weights (TENSOR_INPUT trains a rewired copy).
    after = keras_loss(model, x, y)
    assert after < 0.2 * before


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("flavor", flavor_params())
def test_from_arrays_and_tuples_train_and_evaluate(flavor, path):
    if not _usable(flavor, path):
        pytest.skip("%s cannot run with %s here (refusal tested above)" % (path, flavor))
    k = fresh(flavor)
    model = linear_model(k)
    x, y = task()
    history = tfcompat.fit(model, tfcompat.from_arrays(x, y, batch_size=BATCH, seed=3),
                           epochs=5, validation_data=task(64, seed=1), path=path)
    assert _falls(history.history["loss"]) and _falls(history.history["val_loss"])
    result = tfcompat.evaluate(model, (x, y), path=path)
    assert isinstance(result, list) and len(result) == 1
    assert result[0] == pytest.approx(keras_loss(model, x, y), rel=1e-3, abs=1e-5)


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("flavor", flavor_params())
def test_fit_called_epoch_by_epoch_keeps_training(flavor, path):
    """One fit call per epoch on the same from_arrays data or Dataset object (custom schedules
    do this): every call trains on; TENSOR_INPUT reuses its rewired model and the iterators of
    validation and evaluate (the graph does not grow), and rebuilds on a recompile or other
    data."""
    if not _usable(flavor, path):
        pytest.skip("%s cannot run with %s here (refusal tested above)" % (path, flavor))
    k = fresh(flavor)
    model = linear_model(k)
    x, y = task()
    data = tfcompat.from_arrays(x, y, batch_size=BATCH, seed=3)
    losses = [tfcompat.fit(model, data, path=path).history["loss"][0] for _ in range(5)]
    assert _falls(losses), losses
    runtime = tfcompat.detect(flavor=flavor)
    if (path or runtime.available_paths[0]) != FeedingPath.TENSOR_INPUT:
        return
    from tfcompat.compat.paths import tensor_input
    first = tensor_input._WIRED[model]["fit"][1]
    tfcompat.fit(model, data, path=path)
    assert tensor_input._WIRED[model]["fit"][1] is first
    model.compile(k.optimizers.SGD(0.01), "mse")
    tfcompat.fit(model, data, path=path)
    assert tensor_input._WIRED[model]["fit"][1] is not first
    dataset, val = zipped_dataset(x, y), zipped_dataset(*task(64, seed=1))

    def fit_and_evaluate():
        tfcompat.fit(model, dataset, steps_per_epoch=STEPS, validation_data=val,
                     validation_steps=2, path=path)
        tfcompat.evaluate(model, val, steps=2, path=path)

    fit_and_evaluate()
    first = tensor_input._WIRED[model]["fit"][1]
    graph = model.outputs[0].graph
    ops = len(graph.get_operations())
    fit_and_evaluate()
    assert tensor_input._WIRED[model]["fit"][1] is first
    assert len(graph.get_operations()) == ops  # nor validation's or evaluate's iterators
    tfcompat.fit(model, zipped_dataset(x, y), steps_per_epoch=STEPS, path=path)
    assert tensor_input._WIRED[model]["fit"][1] is not first


@pytest.mark.parametrize("flavor", flavor_params())
def test_metrics_follow_the_loss(flavor):
    k = fresh(flavor)
    inp = k.layers.Input(shape=(4,))
    model = k.models.Model(inp, k.layers.Dense(1)(inp))
    model.compile(k.optimizers.SGD(0.02), "mse", metrics=["mae"])
    x, y = task()
    history = tfcompat.fit(model, (x, y), epochs=1, validation_data=(x, y))
    assert set(history.history) >= {"loss", "val_loss"}
    assert any("mae" in name or "mean_absolute_error" in name for name in history.history)
    result = tfcompat.evaluate(model, (x, y))
    assert len(result) == 2


@pytest.mark.parametrize("flavor", flavor_params())
def test_finite_dataset_without_steps(flavor):
    """Paths that find the end of finite data, or where TF counts its batches (TF >= 1.14),
    train without steps; the others say what to pass."""
    for status in tfcompat.detect(flavor=flavor).paths:
        if not status.available:
            continue
        k = fresh(flavor)
        model = linear_model(k)
        x, y = task()
        runtime = tfcompat.detect(model=model)
        finite = zipped_dataset(x, y, repeat=False)
        if limits.finds_epoch_end(status.name, runtime) or tfshim.cardinality(finite) == STEPS:
            history = tfcompat.fit(model, finite, epochs=2, path=status.name)
            assert len(history.history["loss"]) == 2
        else:
            with pytest.raises(ValueError, match="pass steps_per_epoch"):
                tfcompat.fit(model, finite, epochs=2, path=status.name)


def test_forced_paths_accept_names_and_refuse_unknown_ones():
    flavor = tfcompat.detect().keras_flavor
    k = fresh(flavor)
    model = linear_model(k)
    x, y = task()
    first = tfcompat.detect(model=model).available_paths[0]
    history = tfcompat.fit(model, (x, y), epochs=1, path=first)
    assert len(history.history["loss"]) == 1
    with pytest.raises(ValueError, match="unknown feeding path"):
        tfcompat.fit(model, (x, y), path="FASTEST")


def test_auto_picks_the_first_usable_path():
    """The chooser takes the first path doctor lists as usable, for data every path carries."""
    from tfcompat.compat.intake import Intake

    for flavor in tfcompat.detect().flavors_installed:
        k = fresh(flavor)
        model = linear_model(k)
        runtime = tfcompat.detect(model=model)
        x, y = task()
        data = Intake(runtime, model, "fit", zipped_dataset(x, y), steps=STEPS)
        train, _ = data.fit_feeds(None, True, None, None)
        chosen = paths.choose(runtime, model, train, {"epochs": 1, "callbacks": []})
        assert chosen.name == runtime.available_paths[0]


def test_numbers_of_the_model_are_read_from_the_model():
    """A float64 target and int64 inputs are cast to the model's float32, on every path."""
    flavor = tfcompat.detect().keras_flavor
    x, y = task()
    assert x.dtype == np.int64 and y.dtype == np.float64
    for name in tfcompat.detect(flavor=flavor).available_paths:
        k = fresh(flavor)
        model = linear_model(k)
        assert tfcompat.evaluate(model, (x, y), path=name)[0] > 0


@pytest.mark.parametrize("flavor", flavor_params())
def test_sparse_labels_of_rank_one(flavor):
    """(batch,) integer labels train a softmax model on every path, as fit(x, y) would."""
    rng = np.random.RandomState(0)
    x = rng.randn(256, 4).astype("float32")
    y = (x[:, 0] > 0).astype("int64")
    for name in tfcompat.detect(flavor=flavor).available_paths:
        k = fresh(flavor)
        inp = k.layers.Input(shape=(4,))
        model = k.models.Model(inp, k.layers.Dense(2, activation="softmax")(inp))
        model.compile(k.optimizers.SGD(0.1), "sparse_categorical_crossentropy")
        history = tfcompat.fit(model, tfcompat.from_arrays(x, y), epochs=3, path=name)
        assert history.history["loss"][-1] < history.history["loss"][0], name

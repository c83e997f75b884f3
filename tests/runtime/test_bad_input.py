"""Bad input: a ValueError saying what to change, before any training, nothing hangs."""
import os
import subprocess
import sys

import numpy as np
import pytest

import tfcompat
from tfcompat import DataError, FeedingPath, UnsupportedPathError
from tfcompat.compat import tfshim

from .feeding_support import STEPS, fresh, linear_model, task, zipped_dataset

FLAVOR = tfcompat.detect().keras_flavor
AVAILABLE = tfcompat.detect().available_paths


@pytest.fixture
def model():
    """A compiled model whose training, if it ever started, would fail the test."""
    k = fresh(FLAVOR)
    model = linear_model(k)
    untouched = [w.copy() for w in model.get_weights()]
    yield model
    for before, after in zip(untouched, model.get_weights()):
        assert np.array_equal(before, after), "training started despite the bad input"


def test_x_and_y_of_different_lengths(model):
    x, y = task()
    with pytest.raises(DataError, match="different lengths"):
        tfcompat.from_arrays(x, y[:-1])
    with pytest.raises(DataError, match="different lengths"):
        tfcompat.fit(model, (x, y[:-1]))


def test_empty_arrays(model):
    with pytest.raises(DataError, match="empty"):
        tfcompat.from_arrays(np.zeros((0, 4)), np.zeros((0, 1)))
    with pytest.raises(DataError, match="empty"):
        tfcompat.fit(model, (np.zeros((0, 4)), np.zeros((0, 1))))


@pytest.mark.parametrize("path", AVAILABLE)
def test_unbounded_dataset_without_steps(model, path):
    """A DataError where TF counts the batches (TF >= 1.14); where it cannot, a path that
    cannot find an epoch's end refuses the data (UnsupportedPathError), naming the steps to
    pass either way."""
    x, y = task()
    refused = DataError
    if tfshim.cardinality(zipped_dataset(x, y)) is None:
        refused = (DataError, UnsupportedPathError)
    with pytest.raises(refused, match="steps_per_epoch"):
        tfcompat.fit(model, zipped_dataset(x, y), epochs=2, path=path)
    with pytest.raises(refused, match="validation_steps"):
        tfcompat.fit(model, zipped_dataset(x, y), steps_per_epoch=STEPS,
                     validation_data=zipped_dataset(x, y), path=path)


def test_validation_data_of_another_structure(model):
    x, y = task()
    with pytest.raises(DataError, match="same inputs and targets"):
        tfcompat.fit(model, (x, y), validation_data=(x[:, :3], y))
    with pytest.raises(DataError, match="same inputs and targets"):
        tfcompat.fit(model, (x, y), validation_data=([x, x], y))


def test_dataset_without_targets(model):
    x, _ = task()
    with pytest.raises(DataError, match=r"\(x, y\)"):
        tfcompat.fit(model, tfcompat.from_arrays(x), steps_per_epoch=2)


def test_data_of_an_unknown_kind(model):
    with pytest.raises(DataError, match="from_arrays"):
        tfcompat.fit(model, [1, 2, 3])
    with pytest.raises(DataError, match="numeric"):
        tfcompat.fit(model, (np.array(["a", "b"]), np.array([1, 2])))


def test_steps_must_be_positive(model):
    x, y = task()
    with pytest.raises(DataError, match="positive"):
        tfcompat.fit(model, (x, y), steps_per_epoch=0)


def test_forced_unavailable_paths_name_what_they_need(model):
    x, y = task()
    refused = [p for p in FeedingPath if p.value not in tfcompat.detect(model=model)
               .available_paths]
    assert refused  # every runtime lacks at least one path
    for path in refused:
        with pytest.raises(UnsupportedPathError) as err:
            tfcompat.fit(model, (x, y), path=path)
        message = str(err.value)
        assert path.value in message and "needs" in message
        assert any(word in message for word in ("TF ", "Keras ", "eager", "graph mode"))


def test_uncompiled_model():
    k = fresh(FLAVOR)
    inp = k.layers.Input(shape=(4,))
    model = k.models.Model(inp, k.layers.Dense(1)(inp))
    with pytest.raises(DataError, match="compile"):
        tfcompat.fit(model, task())


def test_numpy_batches_needs_a_dataset():
    with pytest.raises(DataError, match="Dataset"):
        tfcompat.numpy_batches([1, 2, 3])


def test_errors_are_value_errors():
    for cls in (DataError, UnsupportedPathError, tfcompat.TensorFlowMissingError):
        assert issubclass(cls, ValueError)


BLOCK_TF = ("import sys; sys.modules['tensorflow'] = None; "
            "import numpy as np, tfcompat; ")


@pytest.mark.parametrize("call", [
    "tfcompat.from_arrays(np.zeros((4, 1)))",
    "tfcompat.fit(object(), (np.zeros((4, 1)), np.zeros((4, 1))))",
    "tfcompat.numpy_batches(None)",
])
def test_tensorflow_missing(call):
    """With TensorFlow unimportable, each entry point raises TensorFlowMissingError."""
    code = (BLOCK_TF + "\ntry:\n    %s\nexcept tfcompat.TensorFlowMissingError as exc:\n"
            "    print('missing:', exc)\n" % call)
    out = subprocess.check_output([sys.executable, "-c", code], universal_newlines=True,
                                  env=dict(os.environ, PYTHONWARNINGS="ignore"))
    assert out.startswith("missing:") and "pip install tensorflow" in out

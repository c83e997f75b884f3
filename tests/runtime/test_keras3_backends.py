"""Keras 3 off TensorFlow (the keras3-torch and keras3-jax cells): a torch DataLoader,
class_weight with from_arrays data, and the calls without TensorFlow, each against Keras'
own fit / evaluate / predict on the same data."""
import importlib.util
import json
import os
import subprocess
import sys

import numpy as np
import pytest

import tfcompat
from tfcompat import versions

RUNTIME = tfcompat.detect()
KERAS3 = RUNTIME.keras_flavor == versions.KERAS3
pytestmark = pytest.mark.skipif(not KERAS3, reason="Keras 3 only")
HAS_TORCH = importlib.util.find_spec("torch") is not None
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def data(samples=256, seed=0):
    rng = np.random.RandomState(seed)
    x = rng.rand(samples, 4).astype("float32")
    y = (x.dot([0.5, -1.0, 0.25, 1.5]) > 0.6).astype("float32")[:, None]
    return x, y


def model():
    import keras

    keras.utils.set_random_seed(0)
    m = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1, activation="sigmoid")])
    m.compile(keras.optimizers.SGD(0.1), "binary_crossentropy", metrics=["accuracy"])
    return m


def loader(x, y, targets=True):
    import torch

    tensors = [torch.tensor(x)] + ([torch.tensor(y)] if targets else [])
    return torch.utils.data.DataLoader(torch.utils.data.TensorDataset(*tensors), batch_size=32)


@pytest.mark.skipif(not HAS_TORCH, reason="torch is not installed in this cell")
def test_a_torch_dataloader_is_taken_as_keras_takes_it():
    x, y = data()
    theirs, ours = model(), model()
    expected = theirs.fit(loader(x, y), epochs=2, verbose=0).history
    history = tfcompat.fit(ours, loader(x, y), epochs=2, verbose=0).history
    assert history.keys() == expected.keys()
    for key in expected:
        assert np.allclose(history[key], expected[key], rtol=1e-6), key
    assert np.allclose(tfcompat.evaluate(ours, loader(x, y), verbose=0),
                       theirs.evaluate(loader(x, y), verbose=0), rtol=1e-6)
    assert np.allclose(tfcompat.predict(ours, loader(x, y, targets=False), verbose=0),
                       theirs.predict(loader(x, y, targets=False), verbose=0), rtol=1e-6)


@pytest.mark.skipif(not HAS_TORCH, reason="torch is not installed in this cell")
def test_worker_options_with_a_dataloader_point_to_its_own():
    x, y = data()
    with pytest.raises(tfcompat.UnsupportedArgumentError, match="num_workers"):
        tfcompat.fit(model(), loader(x, y), workers=2, verbose=0)


def test_class_weight_with_from_arrays_matches_keras_on_arrays():
    x, y = data()
    weights = {0: 1.0, 1: 3.0}
    theirs, ours = model(), model()
    expected = theirs.fit(x, y, batch_size=32, epochs=2, shuffle=False, class_weight=weights,
                          verbose=0).history
    history = tfcompat.fit(ours, tfcompat.from_arrays(x, y, batch_size=32, shuffle=False),
                           epochs=2, class_weight=weights, verbose=0).history
    for key in expected:
        assert np.allclose(history[key], expected[key], rtol=1e-5), key
    unweighted = model().fit(x, y, batch_size=32, epochs=2, shuffle=False, verbose=0).history
    assert not np.allclose(history["loss"], unweighted["loss"])  # the weights count


# The child runs with a package named tensorflow first on its path that fails as a missing
# one does (ModuleNotFoundError, name "tensorflow"): Keras 3 and tfcompat see no TensorFlow.
NO_TF = "raise ModuleNotFoundError(\"No module named 'tensorflow'\", name='tensorflow')\n"

CHILD = r"""
import json, sys
import numpy as np
sys.path.insert(0, %(tests)r)
from test_keras3_backends import data, loader, model, HAS_TORCH
import tfcompat
out = {}
x, y = data()
theirs, ours = model(), model()
out["keras_fit"] = theirs.fit(x, y, batch_size=32, epochs=2, shuffle=False, verbose=0).history
out["fit"] = tfcompat.fit(ours, x, y, batch_size=32, epochs=2, shuffle=False,
                          verbose=0).history
out["keras_evaluate"] = theirs.evaluate(x, y, verbose=0)
out["evaluate"] = tfcompat.evaluate(ours, x, y, verbose=0)
out["keras_predict"] = theirs.predict(x, verbose=0).tolist()
out["predict"] = tfcompat.predict(ours, x, verbose=0).tolist()
if HAS_TORCH:
    out["keras_loader"] = theirs.evaluate(loader(x, y), verbose=0)
    out["loader"] = tfcompat.evaluate(ours, loader(x, y), verbose=0)
for name, call in (("from_arrays", lambda: tfcompat.from_arrays(x, y)),
                   ("path", lambda: tfcompat.fit(ours, x, y, path="DATASET_EAGER"))):
    try:
        call()
        out[name] = "no error"
    except Exception as exc:
        out[name] = "%%s: %%s" %% (type(exc).__name__, exc)
out["tensorflow_imported"] = "tensorflow" in sys.modules and sys.modules["tensorflow"] is not None
print(json.dumps(out))
"""


def without_tf(tmp_path, args):
    package = tmp_path / "tensorflow"
    package.mkdir()
    (package / "__init__.py").write_text(NO_TF)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(tmp_path), ROOT]))
    return subprocess.run([sys.executable] + args, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, universal_newlines=True, env=env,
                          timeout=300)


@pytest.mark.skipif(RUNTIME.keras_backend == "tensorflow",
                    reason="Keras 3 on the tensorflow backend needs TensorFlow")
def test_without_tensorflow_keras3_data_goes_to_keras_and_tf_data_is_refused(tmp_path):
    proc = without_tf(tmp_path, ["-c", CHILD % {"tests": os.path.dirname(__file__)}])
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["tensorflow_imported"] is False
    for key in out["keras_fit"]:
        assert np.allclose(out["fit"][key], out["keras_fit"][key], rtol=1e-6), key
    for name in ("evaluate", "predict") + (("loader",) if HAS_TORCH else ()):
        assert np.allclose(out[name], out["keras_" + name], rtol=1e-6), name
    assert out["from_arrays"].startswith("TensorFlowMissingError: ")
    assert out["path"].startswith("UnsupportedPathError: DATASET_EAGER cannot run here: "
                                  "needs TensorFlow")


@pytest.mark.skipif(RUNTIME.keras_backend == "tensorflow",
                    reason="Keras 3 on the tensorflow backend needs TensorFlow")
def test_without_tensorflow_doctor_says_what_still_works(tmp_path):
    proc = without_tf(tmp_path, ["-m", "tfcompat", "doctor"])
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert "tensorflow          not installed" in lines
    assert "keras backend       %s" % RUNTIME.keras_backend in lines
    assert "eager               yes" in lines
    assert ("without TensorFlow: fit/evaluate/predict hand arrays, generators, PyDataset and "
            "torch DataLoader to Keras 3's own methods; tf.data and from_arrays need "
            "TensorFlow") in lines

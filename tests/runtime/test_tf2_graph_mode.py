"""TF 2 with eager execution disabled: the graph paths run there too (Keras 2 flavors)."""
import json
import os
import subprocess
import sys

import pytest

import tfcompat
from tfcompat import versions

RUNTIME = tfcompat.detect()
KERAS2 = [f for f in RUNTIME.flavors_installed if f in versions.KERAS2_IN_TF]
SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "tf2_graph_mode.py")


@pytest.mark.skipif(RUNTIME.tf_version < (2, 0) or not KERAS2,
                    reason="needs TF 2 with a Keras 2 flavor (tf.keras or tf_keras)")
@pytest.mark.parametrize("flavor", KERAS2 or ["none"])
def test_graph_paths_train_with_eager_disabled(flavor):
    env = dict(os.environ, PYTHONWARNINGS="ignore")
    if flavor == versions.TF_KERAS_PKG:
        env["TF_USE_LEGACY_KERAS"] = "1"  # how TF documents tf_keras; its v1 API needs it
    out = subprocess.check_output([sys.executable, SCRIPT, flavor], universal_newlines=True,
                                  env=env)
    report = json.loads(out.strip().splitlines()[-1])
    assert set(report["paths"]) == {"DATASET_GRAPH", "TENSOR_INPUT", "SESSION_GENERATOR"}
    for path, run in report["runs"].items():
        assert run["loss"][-1] < 0.5 * run["loss"][0], (path, run)
        assert run["val_loss"][-1] < run["val_loss"][0], (path, run)
        assert run["evaluate"] == pytest.approx(run["keras"], rel=1e-3, abs=1e-5), (path, run)

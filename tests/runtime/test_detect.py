"""detect() tells the truth about the installed TensorFlow and Keras, in every cell."""
import os

import pytest

import tfcompat
from tfcompat import versions

from . import probes

# What each tox cell is (tox.ini installs it). Paths are those of the default flavor.
CELLS = {
    "tf13-keras206": dict(tf=(1, 3), flavor="keras", keras=(2, 0, 6), eager=False,
                          paths={"SESSION_GENERATOR"}),
    "tf18-keras216": dict(tf=(1, 8), flavor="keras", keras=(2, 1, 6), eager=False,
                          paths={"TENSOR_INPUT", "SESSION_GENERATOR"}),
    "tf19-keras220": dict(tf=(1, 9), flavor="keras", keras=(2, 2, 0), eager=False,
                          paths={"TENSOR_INPUT", "SESSION_GENERATOR"}),
    "tf115-keras231": dict(tf=(1, 15), flavor="keras", keras=(2, 3, 1), eager=False,
                           paths={"TENSOR_INPUT", "SESSION_GENERATOR"}),
    "tf20": dict(tf=(2, 0), flavor="tf.keras", eager=True, paths={"DATASET_EAGER"}),
    "tf215": dict(tf=(2, 15), flavor="tf.keras", keras=(2, 15, 0), eager=True,
                  paths={"DATASET_EAGER"}),
    "tf221": dict(tf=(2, 21), flavor="keras3", eager=True, backend="tensorflow",
                  paths={"DATASET_EAGER"}),
    "tf221-tfkeras": dict(tf=(2, 21), flavor="tf_keras", keras=(2, 21, 0), eager=True,
                          paths={"DATASET_EAGER"}),
    "keras3-jax": dict(tf=(2, 21), flavor="keras3", eager=True, backend="jax",
                       paths={"DATASET_EAGER"}),
    "keras3-torch": dict(tf=(2, 21), flavor="keras3", eager=True, backend="torch",
                         paths={"DATASET_EAGER"}),
}

CELL = os.environ.get("TFCOMPAT_CELL")
EXPECTED = CELLS.get(CELL)

runtime = tfcompat.detect()


@pytest.mark.skipif(EXPECTED is None, reason="not run in a known tox cell (TFCOMPAT_CELL)")
def test_cell_facts():
    assert runtime.tf_version[:2] == EXPECTED["tf"]
    assert runtime.keras_flavor == EXPECTED["flavor"]
    if "keras" in EXPECTED:
        assert runtime.keras_version == EXPECTED["keras"]
    assert runtime.eager is EXPECTED["eager"]
    assert runtime.keras_backend == EXPECTED.get("backend", "tensorflow")
    assert set(runtime.available_paths) == EXPECTED["paths"]


def test_versions_are_those_installed():
    import tensorflow as tf

    assert runtime.tf_version == versions.parse_version(tf.__version__)
    module = probes.keras_module(runtime.keras_flavor)
    assert runtime.keras_version == versions.parse_version(module.__version__)


def test_unavailable_paths_say_what_they_need():
    for status in runtime.paths:
        if not status.available:
            assert "needs" in status.reason, status


@pytest.mark.skipif(CELL != "tf18-keras216", reason="TF 1.8 cell only")
def test_tf18_dataset_path_needs_tf19():
    rt = tfcompat.detect(flavor="tf.keras")
    status = rt.path_status("DATASET_GRAPH")
    assert not status.available
    assert "TF >= 1.9" in status.reason


@pytest.mark.skipif(CELL != "tf13-keras206", reason="TF 1.3 cell only")
def test_tf13_tensor_input_needs_keras207():
    status = runtime.path_status("TENSOR_INPUT")
    assert not status.available
    assert "Keras >= 2.0.7" in status.reason


@pytest.mark.parametrize("flavor", runtime.flavors_installed)
@pytest.mark.parametrize("fact", sorted(probes.PROBES))
def test_fact_matches_the_installed_library(flavor, fact):
    rt = tfcompat.detect(flavor=flavor)
    truth = probes.PROBES[fact](probes.keras_module(flavor))
    assert rt.has(fact) is truth, "%s on %s: table says %s, library says %s" % (
        fact, rt.describe(), rt.has(fact), truth)


def test_every_fact_has_a_probe():
    assert set(probes.PROBES) == set(versions.FACTS)


def test_model_flavor_is_read_from_the_model():
    for flavor in runtime.flavors_installed:
        k = probes.keras_module(flavor)
        probes._reset(k)
        model = probes._model(k)
        assert tfcompat.detect(model=model).keras_flavor == flavor

"""tfcompat.fit / evaluate / predict on a distributed model, unchanged calls, real strategies.

Each run is a fresh interpreter (tests/runtime/distributed_run.py: devices are configured
before TensorFlow starts): MirroredStrategy over 2 logical CPUs, Keras 3 DataParallel over 2
host devices (JAX), MultiWorkerMirroredStrategy over 2 worker processes on 127.0.0.1. Its
model counts, per sample id, the times it was trained on: every count must be 1 per epoch.
"""
import pytest

import tfcompat
from tfcompat import versions
from tfcompat.compat import distribute

from . import distributed_run, distributed_support, probes

N = 32


def _distributed_flavors():
    """(flavor, strategy kind) for each installed flavor whose fit distributes here."""
    found = []
    for flavor in tfcompat.detect().flavors_installed:
        runtime = tfcompat.detect(flavor=flavor)
        if not runtime.has("keras_fit_distributes"):
            continue
        kinds = ["jax", "jax-model"] if runtime.keras_backend == "jax" else ["mirrored"]
        found.extend(pytest.param(flavor, kind, id="%s-%s" % (flavor, kind)) for kind in kinds)
    return found


def _multi_worker_flavors():
    return [pytest.param(flavor, id=flavor) for flavor in tfcompat.detect().flavors_installed
            if tfcompat.detect(flavor=flavor).keras_backend == "tensorflow"
            and tfcompat.detect(flavor=flavor).has("keras_fit_distributes")]


def _each_sample_once(report, epochs):
    assert len(report["counts"]) == epochs, report
    for epoch in report["counts"]:
        assert epoch == [1.0] * N, "samples not seen exactly once in an epoch: %s" % epoch


@pytest.mark.parametrize("flavor,kind", _distributed_flavors())
def test_two_replicas_see_each_sample_once_per_epoch(flavor, kind):
    env = {}
    if kind.startswith("jax"):
        env["XLA_FLAGS"] = "--xla_force_host_platform_device_count=2"
    report = distributed_support.run_one(flavor, kind, epochs=2, **env)
    assert report["ok"], report
    expected = {"jax": "DataParallel", "jax-model": "ModelParallel"}.get(kind, "MirroredStrategy")
    assert report["runtime"]["name"] == expected
    assert report["runtime"]["replicas"] == 2 and report["runtime"]["workers"] == 1
    _each_sample_once(report, 2)
    # The loss is each sample's weight when trained on: 0 in epoch 1, then -1: it falls.
    assert report["loss"] == [0.0, -1.0]
    assert report["replicas"] == 2 and report["replicas_equal"], report
    assert report["evaluate"][0] == -2.0
    assert report["predict"] == [-2.0] * N
    if kind.startswith("jax"):
        assert report["indivisible"][0] == "DataError", report["indivisible"]
        assert "batch_size=5 does not divide by 2" in report["indivisible"][1]


def _refused_across_workers(runtime, report):
    """Refused before training, saying why and what to use instead."""
    assert not report["ok"] and report["error"] == "UnsupportedPathError", report
    assert "MultiWorkerMirroredStrategy: 2 replicas on 2 workers" in report["message"]
    if runtime.keras_flavor == versions.KERAS3:
        assert "keras-team/keras#20585" in report["message"]
        assert "tf_keras" in report["message"]
    elif runtime.has("multi_worker_fit"):  # TF 1 graph mode
        assert "only executing eagerly (TF 2)" in report["message"]
        assert "AutoShardPolicy.DATA" in report["message"]
    else:  # TF 2.0: no AutoShardPolicy
        assert "to train across workers" in report["message"]
        assert "needs TF >= " in report["message"]


def _trained_across_workers(flavor, **kwargs):
    """The two workers' reports, each trained; None where this runtime refuses to train across
    workers (the refusal checked here)."""
    runtime = tfcompat.detect(flavor=flavor)
    reports = distributed_support.run_workers(flavor, **kwargs)
    assert len(reports) == 2, reports
    if not distribute.trains_across_workers(runtime):
        for report in reports:
            _refused_across_workers(runtime, report)
        return None
    for report in reports:
        assert report["ok"], report
    return reports


@pytest.mark.parametrize("flavor", _multi_worker_flavors())
def test_two_workers_train_disjoint_complete_shards(flavor):
    reports = _trained_across_workers(flavor)
    if reports is None:
        return  # refused, as checked there
    for report in reports:
        assert report["runtime"]["workers"] == 2 and report["runtime"]["replicas"] == 2
        # Every id once per epoch summed over both workers: the shards are disjoint and
        # complete (one id read by both workers would count 2, one read by none 0).
        _each_sample_once(report, 1)
        # ...and once only: a sample trained on twice at half the rate (each worker reading
        # everything) would count 1 too, but see its own update: a loss below 0.
        assert report["loss"] == [0.0]
        assert report["evaluate"][0] == -1.0
    assert reports[0]["weights"] == reports[1]["weights"]
    assert sorted(r["runtime"]["worker"] for r in reports) == [0, 1]


@pytest.mark.parametrize("flavor", _multi_worker_flavors())
def test_two_workers_train_a_short_last_batch_once(flavor):
    """36 samples in global batches of 8 end each epoch on a batch of 4: across 2 workers
    every sample is still trained on once per epoch (the model's count is independent of the
    batch a sample falls in, see distributed_run.build), or the run is refused before."""
    reports = _trained_across_workers(flavor, feeding="partial", epochs=2)
    if reports is None:
        return  # refused, as checked there
    for report in reports:
        assert report["counts"] == [[1.0] * distributed_run.N_PARTIAL] * 2, report["counts"]
        assert report["loss"][0] == 0.0  # no sample saw its own update within the epoch
    assert reports[0]["weights"] == reports[1]["weights"]


@pytest.mark.parametrize("flavor", _multi_worker_flavors())
def test_keras3_multi_worker_refusal_is_upstreams_failure(flavor):
    """Keras 3's own fit fails across workers as keras-team/keras#20585 says (other flavors'
    refusals: the probe of multi_worker_fit, tests/runtime/test_detect.py)."""
    if flavor != versions.KERAS3:
        pytest.skip("Keras 3 only")
    reports = probes.keras_multi_worker(flavor)
    assert not all(r["ok"] for r in reports), reports
    assert "PerReplica" in " ".join(r.get("message", "") for r in reports)


def test_one_device_has_no_distribution():
    assert tfcompat.detect().distribution is None
    assert tfcompat.detect().as_dict()["distribution"] is None


def _tf_distributed_flavors():
    return [p for p in _distributed_flavors() if p.values[1] == "mirrored"]


@pytest.mark.parametrize("flavor,kind", _tf_distributed_flavors())
def test_paths_outside_keras_fit_refuse_a_strategy(flavor, kind):
    import tensorflow as tf

    from .feeding_support import fresh

    k = fresh(flavor)
    strategy = tf.distribute.MirroredStrategy()
    with strategy.scope():
        model = probes._model(k)
    runtime = tfcompat.detect(model=model)
    assert runtime.distribution.name == "MirroredStrategy"
    assert runtime.distribution.handle is strategy
    for status in runtime.paths:
        if status.name not in ("DATASET_EAGER", "DATASET_GRAPH"):
            assert not status.available, status
    refused = [s.name for s in runtime.paths if "distributed by MirroredStrategy" in s.reason]
    for name in refused:
        with pytest.raises(tfcompat.UnsupportedPathError) as err:
            tfcompat.fit(model, probes._small_dataset(tf, True), steps_per_epoch=2, path=name)
        assert "only Keras' own fit distributes" in str(err.value)
    assert runtime.available_paths, runtime.paths


def _flavors_no_strategy_distributes():
    """Installed Keras 3 flavors on a backend neither tf.distribute nor keras.distribution
    distributes (torch)."""
    return [pytest.param(flavor, id=flavor) for flavor in tfcompat.detect().flavors_installed
            if tfcompat.detect(flavor=flavor).keras_flavor == versions.KERAS3
            and tfcompat.detect(flavor=flavor).keras_backend not in ("tensorflow", "jax")]


@pytest.mark.parametrize("flavor", _flavors_no_strategy_distributes())
def test_a_strategy_keras3_torch_ignores_is_refused(flavor):
    import numpy as np
    import tensorflow as tf

    from .feeding_support import fresh

    k = fresh(flavor)
    backend = tfcompat.detect(flavor=flavor).keras_backend
    x = np.ones((8, 1), "float32")
    strategy = tf.distribute.MirroredStrategy()
    with strategy.scope():
        model = probes._model(k)
        runtime = tfcompat.detect(model=model)
        assert runtime.distribution.name == "MirroredStrategy"
        assert not runtime.has("keras_fit_distributes") and not runtime.available_paths
        calls = (lambda: tfcompat.fit(model, tfcompat.from_arrays(x, x, batch_size=4)),
                 lambda: tfcompat.evaluate(model, tfcompat.from_arrays(x, x, batch_size=4)),
                 lambda: tfcompat.predict(model, tfcompat.from_arrays(x, batch_size=4)))
        for call in calls:
            with pytest.raises(tfcompat.UnsupportedPathError) as err:
                call()
            message = str(err.value)
            assert ("Keras 3 on the %s backend is not distributed by MirroredStrategy" % backend
                    in message)
            assert "KERAS_BACKEND=jax with keras.distribution.DataParallel" in message
            assert "DistributedDataParallel" in message
        # tfcompat doctor's "multi-worker fit" line says the same.
        assert distribute.multi_worker_refusal(runtime).startswith(
            "Keras 3 on the %s backend is not distributed by a tf.distribute strategy" % backend)
    # Outside the scope nothing is distributed, and the same calls train on one device.
    assert tfcompat.detect(model=model).distribution is None
    history = tfcompat.fit(model, tfcompat.from_arrays(x, x, batch_size=4), epochs=1, verbose=0)
    assert len(history.history["loss"]) == 1


def test_doctor_shows_distribution_and_cluster(capsys, monkeypatch):
    from tfcompat import cli

    monkeypatch.setenv("TF_CONFIG", '{"cluster": {"worker": ["127.0.0.1:1", "127.0.0.1:2"]}, '
                                    '"task": {"type": "worker", "index": 1}}')
    assert cli.main(["doctor"]) == 0
    out = capsys.readouterr().out
    assert "distribution" in out and "none (no tf.distribute strategy scope" in out
    assert "worker 1 of 2 workers" in out
    runtime = tfcompat.detect()
    assert ("multi-worker fit    yes" in out) is distribute.trains_across_workers(runtime)

"""`import tfcompat` stays light; the CLI answers --version and doctor in any environment."""
import json
import os
import subprocess
import sys

import pytest

import tfcompat


def run(*args):
    env = dict(os.environ, PYTHONWARNINGS="ignore")
    proc = subprocess.run([sys.executable, "-m", "tfcompat"] + list(args),
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True, env=env)
    return proc


def test_import_does_not_import_tensorflow_or_keras():
    code = ("import sys, tfcompat; "
            "heavy = [m for m in sys.modules if m.split('.')[0] in "
            "('tensorflow', 'keras', 'tf_keras', 'jax', 'libcst')]; "
            "print(','.join(heavy))")
    out = subprocess.check_output([sys.executable, "-c", code], universal_newlines=True)
    assert out.strip() == ""


@pytest.mark.skipif(sys.version_info < (3, 7), reason="-X importtime is new in Python 3.7")
def test_importtime_shows_neither_tensorflow_nor_keras():
    proc = subprocess.run([sys.executable, "-X", "importtime", "-c", "import tfcompat"],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True)
    assert proc.returncode == 0
    modules = [line.rsplit("|", 1)[-1].strip() for line in proc.stderr.splitlines()]
    assert "tfcompat" in modules
    assert not [m for m in modules if m.split(".")[0] in ("tensorflow", "keras", "tf_keras")]


def test_version_flag():
    proc = run("--version")
    assert proc.returncode == 0
    assert proc.stdout.strip() == "tfcompat %s" % tfcompat.__version__


def test_doctor_json_matches_detect():
    proc = run("doctor", "--json")
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    runtime = tfcompat.detect()
    assert report == json.loads(json.dumps(runtime.as_dict()))
    assert [p["name"] for p in report["paths"]] == [p.name for p in runtime.paths]
    assert sorted(p["name"] for p in report["paths"]) == sorted(
        p.value for p in tfcompat.FeedingPath)


def test_doctor_table_lists_every_path_with_its_reason():
    proc = run("doctor")
    assert proc.returncode == 0, proc.stderr
    for status in tfcompat.detect().paths:
        line = next(out for out in proc.stdout.splitlines() if status.name in out)
        assert line.split()[0] == ("ok" if status.available else "no")
        assert status.reason in line


def test_doctor_refuses_a_flavor_that_is_not_installed():
    missing = [f for f in ("keras", "tf.keras", "keras3", "tf_keras")
               if f not in tfcompat.detect().flavors_installed]
    proc = run("doctor", "--flavor", missing[0])
    assert proc.returncode == 2
    assert "not installed" in proc.stderr


def test_no_command_prints_help_and_exits_2():
    proc = run()
    assert proc.returncode == 2
    assert "doctor" in proc.stdout


def test_doctor_lists_what_each_usable_path_cannot_carry():
    runtime = tfcompat.detect()
    table = run("doctor").stdout
    report = json.loads(run("doctor", "--json").stdout)
    for status, entry in zip(runtime.paths, report["paths"]):
        assert entry["limits"] == list(status.limits)
        if status.limits:
            assert "cannot carry: " + "; ".join(status.limits) in table
        if not status.available:
            assert status.limits == ()
    if "TENSOR_INPUT" in runtime.available_paths:
        limits = runtime.path_status("TENSOR_INPUT").limits
        assert [s for s in limits if "first batch" in s] and [s for s in limits
                                                               if "sample weights" in s]

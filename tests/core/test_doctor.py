"""`tfcompat doctor` on a broken TensorFlow: real packages named tensorflow whose import fails
or kills the process, put first on the child's path (no mocks: the doctor's own subprocess
imports them)."""
import importlib.util
import os
import subprocess
import sys

import pytest

BROKEN = {
    "raises": "raise ImportError('libtensorflow_framework.so.2: cannot open shared object "
              "file: No such file or directory')\n",
    "aborts": "import os\nos.abort()\n",
    "illegal-instruction": "import os, signal\nos.kill(os.getpid(), signal.SIGILL)\n",
}


def doctor(*args, **env):
    full = dict(os.environ, PYTHONWARNINGS="ignore")
    full.pop("TF_CPP_MIN_LOG_LEVEL", None)  # TensorFlow's own default: its logs on
    full.update(env)
    return subprocess.run([sys.executable, "-m", "tfcompat", "doctor"] + list(args),
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True, env=full, timeout=300)


def broken_tensorflow(tmp_path, kind):
    package = tmp_path / kind / "tensorflow"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text(BROKEN[kind])
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    return os.pathsep.join([str(tmp_path / kind), root])


def test_a_tensorflow_whose_import_raises_is_named_with_its_error(tmp_path):
    proc = doctor(PYTHONPATH=broken_tensorflow(tmp_path, "raises"))
    assert proc.returncode == 2
    assert "not installed" not in proc.stdout
    assert ("tensorflow          cannot be imported: ImportError: libtensorflow_framework.so.2: "
            "cannot open shared object file" in proc.stdout)
    assert proc.stderr.strip() == (
        "tfcompat doctor: TensorFlow is installed but cannot be imported: ImportError: "
        "libtensorflow_framework.so.2: cannot open shared object file: No such file or "
        "directory")


def test_json_report_carries_the_import_error(tmp_path):
    import json

    proc = doctor("--json", PYTHONPATH=broken_tensorflow(tmp_path, "raises"))
    assert proc.returncode == 2
    report = json.loads(proc.stdout)
    assert report["tf_version"] is None
    assert report["tf_error"].startswith("ImportError: libtensorflow_framework.so.2")


@pytest.mark.parametrize("kind, signal_name", [("aborts", "SIGABRT"),
                                               ("illegal-instruction", "SIGILL")])
def test_an_import_that_kills_the_process_is_reported(tmp_path, kind, signal_name):
    proc = doctor(PYTHONPATH=broken_tensorflow(tmp_path, kind))
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr.startswith(
        "tfcompat doctor: TensorFlow is installed but cannot be imported: the process was "
        "killed by %s (" % signal_name)
    assert "while importing tensorflow" in proc.stderr
    if signal_name == "SIGILL":
        assert "illegal instruction" in proc.stderr and "AVX" in proc.stderr


def test_doctor_prints_no_tensorflow_logs():
    proc = doctor()
    assert proc.returncode == 0
    assert proc.stderr == ""
    assert "feeding paths" in proc.stdout


@pytest.mark.skipif(importlib.util.find_spec("tensorflow") is not None,
                    reason="TensorFlow is installed in this environment")
def test_without_tensorflow_eager_is_not_claimed_graph_mode():
    proc = doctor()
    assert proc.returncode == 0
    eager = next(line for line in proc.stdout.splitlines() if line.startswith("eager"))
    assert "graph mode" not in eager
    assert "without TensorFlow: " in proc.stdout

"""The README's CI job: its lint step, run as written, writes SARIF that code scanning takes."""
import json
import os
import shutil
import subprocess
import sys

import pytest
from lint_helpers import ROOT, readme_blocks

yaml = pytest.importorskip("yaml", reason="PyYAML (a pre-commit dependency) is not installed")
SCHEMA = os.path.join(ROOT, "..", "shared", "schemas", "sarif-schema-2.1.0.json")


def _job():
    [snippet] = [b for b in readme_blocks("yaml") if "jobs:" in b]
    workflow = yaml.safe_load(snippet)
    [job] = workflow["jobs"].values()
    return job


def test_the_job_uploads_what_the_lint_step_writes():
    job = _job()
    assert job["permissions"]["security-events"] == "write"
    steps = job["steps"]
    [lint] = [s for s in steps if "tfcompat lint" in s.get("run", "")]
    [upload] = [s for s in steps if s.get("uses", "").startswith(
        "github/codeql-action/upload-sarif@")]
    assert steps.index(lint) < steps.index(upload)
    assert lint["run"].split("> ")[1].strip() == upload["with"]["sarif_file"]
    assert upload["if"] == "always()"  # findings fail the lint step; they are uploaded anyway


def test_the_lint_step_runs_as_written(tmp_path):
    [lint] = [s for s in _job()["steps"] if "tfcompat lint" in s.get("run", "")]
    shutil.copytree(os.path.join(ROOT, "examples"), tmp_path / "examples")
    # `tfcompat` on PATH is this interpreter's, as `pip install tfcompat` would give.
    env = dict(os.environ, PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"])
    env.pop("TFCOMPAT_CACHE_DIR", None)
    proc = subprocess.run(["bash", "-c", lint["run"]], cwd=tmp_path, env=env,
                          stderr=subprocess.PIPE, timeout=300)
    assert proc.returncode == 1, proc.stderr  # the examples have findings: the step fails
    with open(tmp_path / lint["run"].split("> ")[1].strip()) as handle:
        log = json.load(handle)
    results = log["runs"][0]["results"]
    assert len(results) >= 5
    # Paths relative to the checkout, as code scanning maps them onto the repository.
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results}
    assert uris and all(u.startswith("examples/") for u in uris)
    assert log["version"] == "2.1.0"
    if os.path.exists(SCHEMA):  # ../shared is beside the checkout in CI (see test_output.py)
        import jsonschema

        with open(SCHEMA) as handle:
            jsonschema.validate(log, json.load(handle))

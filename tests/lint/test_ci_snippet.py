"""The README's CI job, run as written: its install step installs tfcompat from the repository
(a snapshot of this working tree stands for it), and its lint step writes SARIF that code
scanning takes."""
import json
import os
import shutil
import subprocess
import sys

import pytest
from lint_helpers import ROOT, SARIF_SCHEMA, readme_blocks

yaml = pytest.importorskip("yaml", reason="PyYAML (a pre-commit dependency) is not installed")
pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def _job():
    [snippet] = [b for b in readme_blocks("yaml") if "jobs:" in b]
    workflow = yaml.safe_load(snippet)
    [job] = workflow["jobs"].values()
    return job


def _step(job, text):
    [step] = [s for s in job["steps"] if text in s.get("run", "")]
    return step


def test_the_job_uploads_what_the_lint_step_writes():
    job = _job()
    assert job["permissions"]["security-events"] == "write"
    steps = job["steps"]
    lint = _step(job, "tfcompat lint")
    [upload] = [s for s in steps if s.get("uses", "").startswith(
        "github/codeql-action/upload-sarif@")]
    assert steps.index(_step(job, "pip install")) < steps.index(lint) < steps.index(upload)
    assert lint["run"].split("> ")[1].strip() == upload["with"]["sarif_file"]
    assert upload["if"] == "always()"  # findings fail the lint step; they are uploaded anyway


def test_the_install_and_lint_steps_run_as_written(tmp_path, hook_repo):
    job = _job()
    install, lint = _step(job, "pip install")["run"], _step(job, "tfcompat lint")["run"]
    # The same placeholders as the pre-commit configuration's repo and rev.
    path, commit = hook_repo
    assert "<URL of the tfcompat git repository>@<a tag or commit of it>" in install
    install = install.replace("<URL of the tfcompat git repository>", "file://" + path)
    install = install.replace("<a tag or commit of it>", commit)
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    # A runner's shell: the venv's pip and tfcompat first on PATH (as setup-python's are).
    env = dict(os.environ, PATH=str(venv / "bin") + os.pathsep + os.environ["PATH"],
               PIP_DISABLE_PIP_VERSION_CHECK="1")
    env.pop("TFCOMPAT_CACHE_DIR", None)
    env.pop("PYTHONPATH", None)
    checkout = tmp_path / "checkout"
    shutil.copytree(os.path.join(ROOT, "examples"), checkout / "examples")
    proc = subprocess.run(["bash", "-c", install], cwd=checkout, env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=600)
    assert proc.returncode == 0, proc.stdout.decode()
    assert shutil.which("tfcompat", path=env["PATH"]) == str(venv / "bin" / "tfcompat")
    proc = subprocess.run(["bash", "-c", lint], cwd=checkout, env=env,
                          stderr=subprocess.PIPE, timeout=300)
    assert proc.returncode == 1, proc.stderr  # the examples have findings: the step fails
    with open(checkout / lint.split("> ")[1].strip()) as handle:
        log = json.load(handle)
    results = log["runs"][0]["results"]
    assert len(results) >= 5
    # Paths relative to the checkout, as code scanning maps them onto the repository.
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results}
    assert uris and all(u.startswith("examples/") for u in uris)
    assert log["version"] == "2.1.0"
    import jsonschema

    with open(SARIF_SCHEMA) as handle:
        jsonschema.validate(log, json.load(handle))

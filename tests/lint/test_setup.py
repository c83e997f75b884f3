"""The README's set-up: `.ci/run` runs it line for line, and it works in a fresh shell on a
fresh clone, leaving `python` what it was outside the project's venv."""
import os
import re
import shutil
import subprocess
import sys

import pytest
from lint_helpers import ROOT

CLONE = "git clone <URL of the tfcompat git repository> tfcompat && cd tfcompat"


def _readme_block(after):
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as handle:
        text = handle.read()
    return re.search(re.escape(after) + r".*?```sh\n(.*?)```", text, re.S).group(1)


def _set_up():
    return _readme_block("## Set up and run").splitlines()


def test_ci_runs_the_readme_set_up_and_test_command_as_written():
    with open(os.path.join(ROOT, ".ci", "run"), encoding="utf-8") as handle:
        lines = [line for line in handle.read().splitlines()
                 if line.strip() and not line.startswith("#")]
    assert lines[:2] == ["set -euo pipefail", 'cd "$(dirname "$0")/.."']
    readme = _set_up()
    assert readme[0] == CLONE
    test_command = _readme_block("The tests, the whole matrix").strip()
    assert lines[2:] == readme[1:] + [test_command]
    # Only the interpreters the matrix names, by name: no directory of pyenv's on PATH.
    with open(os.path.join(ROOT, "tox.ini")) as handle:
        wanted = set(re.findall(r"base_python = (python3\.\d+)", handle.read()))
    linked = set(re.findall(r"/bin/(python3\.\d+)\"", "\n".join(readme)))
    assert linked == wanted - {"python3.11"}
    assert "PATH" not in "\n".join(readme)


def _fresh_env():
    """The environment of a new login shell: no venv, nothing this test run put on PATH."""
    here = os.path.dirname(sys.executable)
    path = os.pathsep.join(p for p in os.environ["PATH"].split(os.pathsep)
                           if p and os.path.realpath(p) != os.path.realpath(here))
    env = {k: v for k, v in os.environ.items() if k in ("HOME", "USER", "LANG", "PYENV_ROOT",
                                                           "PIP_CACHE_DIR", "TMPDIR")}
    env["PATH"] = path
    return env


def _bash(script, cwd, env):
    proc = subprocess.run(["bash", "--noprofile", "--norc", "-euo", "pipefail", "-c", script],
                          cwd=str(cwd), env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, timeout=900)
    out = proc.stdout.decode("utf-8", "replace")
    assert proc.returncode == 0, out
    return out


@pytest.mark.skipif(shutil.which("pyenv") is None or shutil.which("git") is None,
                    reason="the set-up needs pyenv and git")
def test_the_set_up_works_in_a_fresh_shell_on_a_fresh_clone(tmp_path, hook_repo):
    env = _fresh_env()
    if shutil.which("python3.11", path=env["PATH"]) is None:
        pytest.skip("the set-up needs python3.11 on PATH")
    python_before = _bash("command -v python || true; python --version 2>&1 || true",
                          tmp_path, env)
    script = "\n".join(_set_up()).replace("<URL of the tfcompat git repository>", hook_repo[0])
    _bash(script + "\n", tmp_path, env)
    project = tmp_path / "tfcompat"
    out = _bash(". .venv/bin/activate\n"
                "python -c 'import sys; print(sys.version_info[:2])'\n"
                "python3.6 -c 'import sys; print(sys.version_info[:2])'\n"
                "python3.7 -c 'import sys; print(sys.version_info[:2])'\n"
                "python3.9 -c 'import sys; print(sys.version_info[:2])'\n"
                "tox --version\ntfcompat --version\n", project, env)
    lines = out.splitlines()
    assert lines[:4] == ["(3, 11)", "(3, 6)", "(3, 7)", "(3, 9)"], out
    assert lines[4].startswith("4.5.1 ") and lines[5].startswith("tfcompat "), out
    # Outside the venv, `python` is what it was.
    assert _bash("command -v python || true; python --version 2>&1 || true",
                 tmp_path, env) == python_before

"""The pre-commit hooks, run by the real pre-commit against a copy of this repository.

pre-commit clones a hook repository at a commit and builds the hook's environment with pip, so
the working tree (committed or not) is copied into a scratch git repository and committed
there (the ``hook_repo`` fixture, tests/lint/conftest.py). PRE_COMMIT_HOME is one folder per
test session: the environment is built once.
"""
import os
import shutil
import subprocess
import sys

import pytest
from lint_helpers import GET_NEXT, GET_NEXT_FIXED, GIT_ENV, ROOT, git, readme_blocks

pre_commit = pytest.importorskip("pre_commit", reason="pre-commit is not installed")
yaml = pytest.importorskip("yaml", reason="PyYAML (a pre-commit dependency) is not installed")

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


@pytest.fixture(scope="session")
def pre_commit_home(tmp_path_factory):
    return str(tmp_path_factory.mktemp("pre-commit-home"))


@pytest.fixture
def project(tmp_path):
    """A throwaway git repository: a bad file, a clean one, and an excluded bad one."""
    files = {
        "pyproject.toml": '[tool.tfcompat]\nextend-exclude = ["vendored"]\n',
        "bad.py": GET_NEXT,
        "clean.py": "import tensorflow as tf\nx = tf.constant(1)\n",
        "vendored/bad.py": GET_NEXT,
    }
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    git("init", "-q", cwd=tmp_path)
    git("add", "-A", cwd=tmp_path)
    return tmp_path


def run_pre_commit(args, cwd, home):
    env = dict(os.environ, PRE_COMMIT_HOME=home, **GIT_ENV)
    env.pop("TFCOMPAT_CACHE_DIR", None)
    proc = subprocess.run([sys.executable, "-m", "pre_commit"] + args + ["--color", "never"],
                          cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          timeout=900)
    return proc.returncode, proc.stdout.decode("utf-8", "replace")


def try_repo(hook, project, hook_repo, home):
    path, commit = hook_repo
    return run_pre_commit(["try-repo", path, hook, "--ref", commit, "--all-files"],
                          project, home)


def test_hooks_file_is_what_the_readme_and_issue_ask_for():
    with open(os.path.join(ROOT, ".pre-commit-hooks.yaml")) as handle:
        hooks = {h["id"]: h for h in yaml.safe_load(handle)}
    assert set(hooks) == {"tfcompat-lint", "tfcompat-fix"}
    for hook in hooks.values():
        assert hook["language"] == "python"
        assert hook["types_or"] == ["python", "pyi", "jupyter"]
        assert hook["require_serial"] is True
        assert "--force-exclude" in hook["entry"].split()
    assert "--fix" not in hooks["tfcompat-lint"]["entry"].split()
    assert "--fix" in hooks["tfcompat-fix"]["entry"].split()


def test_lint_hook_fails_on_the_bad_file_and_skips_the_excluded_one(project, hook_repo,
                                                                    pre_commit_home):
    rc, out = try_repo("tfcompat-lint", project, hook_repo, pre_commit_home)
    assert rc == 1, out
    assert "Failed" in out
    assert "bad.py:4:18: TFC102" in out
    assert "vendored" not in out and "clean.py" not in out
    assert (project / "bad.py").read_text() == GET_NEXT


def test_fix_hook_rewrites_the_bad_file_then_the_lint_hook_passes(project, hook_repo,
                                                                  pre_commit_home):
    rc, out = try_repo("tfcompat-fix", project, hook_repo, pre_commit_home)
    # pre-commit fails a hook that changed files, as it does for every fixer.
    assert rc == 1, out
    assert "files were modified by this hook" in out
    assert (project / "bad.py").read_text() == GET_NEXT_FIXED
    assert (project / "vendored" / "bad.py").read_text() == GET_NEXT  # excluded: untouched
    git("add", "-A", cwd=project)
    rc, out = try_repo("tfcompat-lint", project, hook_repo, pre_commit_home)
    assert rc == 0, out
    assert "Passed" in out


def test_hooks_lint_and_fix_notebooks(tmp_path, hook_repo, pre_commit_home):
    import json

    cell = {"cell_type": "code", "execution_count": None, "id": "a1", "metadata": {},
            "outputs": [], "source": GET_NEXT.splitlines(True)}
    nb = {"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    (tmp_path / "nb.ipynb").write_text(json.dumps(nb, indent=1) + "\n")
    git("init", "-q", cwd=tmp_path)
    git("add", "-A", cwd=tmp_path)
    rc, out = try_repo("tfcompat-lint", tmp_path, hook_repo, pre_commit_home)
    assert rc == 1 and "nb.ipynb:cell 1:4:18: TFC102" in out, out
    rc, out = try_repo("tfcompat-fix", tmp_path, hook_repo, pre_commit_home)
    assert rc == 1 and "files were modified by this hook" in out, out
    fixed = json.loads((tmp_path / "nb.ipynb").read_text())["cells"][0]["source"]
    assert "".join(fixed) == GET_NEXT_FIXED.rstrip("\n") + "\n"


def test_clean_files_pass(tmp_path, hook_repo, pre_commit_home):
    (tmp_path / "clean.py").write_text("import tensorflow as tf\nx = tf.constant(1)\n")
    (tmp_path / "stub.pyi").write_text("def f(x: int) -> int: ...\n")
    git("init", "-q", cwd=tmp_path)
    git("add", "-A", cwd=tmp_path)
    for hook in ("tfcompat-lint", "tfcompat-fix"):
        rc, out = try_repo(hook, tmp_path, hook_repo, pre_commit_home)
        assert rc == 0, out
        assert "Passed" in out


def test_the_readme_configuration_runs_as_written(project, hook_repo, pre_commit_home):
    """The README's .pre-commit-config.yaml, with its two placeholders filled in."""
    [snippet] = [b for b in readme_blocks("yaml") if "repos:" in b]
    config = yaml.safe_load(snippet)
    [repo] = config["repos"]
    assert repo["repo"].startswith("<") and repo["rev"].startswith("<")  # the placeholders
    with open(os.path.join(ROOT, ".pre-commit-hooks.yaml")) as handle:
        known = {h["id"] for h in yaml.safe_load(handle)}
    assert [h["id"] for h in repo["hooks"]] == ["tfcompat-lint"]
    assert "tfcompat-fix" in snippet and set(["tfcompat-lint", "tfcompat-fix"]) <= known
    repo["repo"], repo["rev"] = hook_repo
    (project / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config))
    git("add", "-A", cwd=project)
    rc, out = run_pre_commit(["run", "--all-files"], project, pre_commit_home)
    assert rc == 1, out
    assert "bad.py:4:18: TFC102" in out and "vendored" not in out

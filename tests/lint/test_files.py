"""Which files a directory holds: .gitignore in a git work tree, no loops, no duplicates."""
import os
import shutil
import subprocess

import pytest
from lint_helpers import GET_NEXT

from tfcompat.lint.driver import config, files


def _found(paths, cwd, force_exclude=False):
    old = os.getcwd()
    os.chdir(cwd)
    try:
        resolver = config.Resolver()
        return [(f.display, f.error)
                for f in files.discover(paths, resolver.project_for, force_exclude)]
    finally:
        os.chdir(old)


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_gitignore_is_honoured_inside_a_git_work_tree(write, tmp_path):
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    write(".gitignore", "ignored/\n*_pb2.py\n")
    for name in ("tracked.py", "untracked.py", "ignored/x.py", "pkg/model_pb2.py",
                 "pkg/ok.py", "gone.py", "notes.txt"):
        write(name, "x = 1\n")
    subprocess.run(["git", "-C", str(tmp_path), "add", "tracked.py", "gone.py"], check=True)
    os.remove(tmp_path / "gone.py")  # in the index, not on disk: not a file to lint
    assert _found(["."], tmp_path) == [("pkg/ok.py", ""), ("tracked.py", ""),
                                       ("untracked.py", "")]


def test_outside_git_a_walk_skips_default_excludes(write, tmp_path):
    for name in ("a.py", ".git/hooks/h.py", ".tox/py/t.py", "sub/__pycache__/c.py",
                 "sub/b.py", "sub/c.txt"):
        write(name, "x = 1\n")
    assert _found([str(tmp_path)], tmp_path) == [(str(tmp_path / "a.py"), ""),
                                                 (str(tmp_path / "sub" / "b.py"), "")]


def test_symlink_loops_and_duplicates(write, tmp_path):
    write("sub/a.py", "x = 1\n")
    os.symlink("..", tmp_path / "sub" / "up")      # a directory loop: not followed
    os.symlink("a.py", tmp_path / "sub" / "same.py")  # another name for a.py: once
    assert _found(["sub", "sub/a.py", "./sub"], tmp_path) == [("sub/a.py", "")]


def test_missing_paths_are_reported(tmp_path):
    assert _found(["nope.py"], tmp_path) == [("nope.py", "No such file or directory")]


def test_force_exclude_applies_excludes_to_paths_given_by_name(write, tmp_path):
    write("pyproject.toml", '[tool.tfcompat]\nextend-exclude = ["vendored", "gen/*.py"]\n')
    for name in ("a.py", "vendored/v.py", "pkg/vendored/w.py", "gen/g.py", "build/b.py"):
        write(name, "x = 1\n")
    named = ["a.py", "vendored/v.py", "pkg/vendored/w.py", "gen/g.py", "build/b.py", "vendored"]
    assert _found(named, tmp_path) == [
        ("a.py", ""), ("build/b.py", ""), ("gen/g.py", ""), ("pkg/vendored/w.py", ""),
        ("vendored/v.py", "")]
    assert _found(named, tmp_path, force_exclude=True) == [("a.py", "")]
    # From a subdirectory: patterns with "/" stay relative to the pyproject.toml.
    assert _found(["../gen/g.py", "../a.py"], tmp_path / "pkg", force_exclude=True) == [
        ("../a.py", "")]


def test_force_exclude_with_standard_input(write, tfcompat):
    write("pyproject.toml", '[tool.tfcompat]\nextend-exclude = ["vendored"]\n')
    args = ("lint", "--force-exclude", "--stdin-filename")
    run = tfcompat(*args, "vendored/a.py", "-", input=GET_NEXT)
    assert (run.returncode, run.stdout) == (0, "")
    run = tfcompat(*args, "vendored/a.py", "--fix", "-", input=GET_NEXT)
    assert (run.returncode, run.stdout) == (0, GET_NEXT)  # echoed unchanged
    run = tfcompat(*args, "src/a.py", "-", input=GET_NEXT)
    assert run.returncode == 1 and "src/a.py:4:18: TFC102" in run.stdout

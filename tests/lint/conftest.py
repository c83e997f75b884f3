"""Fixtures for the linter's tests: files built in tmp_path, the CLI run there."""
import textwrap

import pytest
from lint_helpers import run_tfcompat, snapshot_repo


@pytest.fixture
def tfcompat(tmp_path):
    """Run `tfcompat ...` with tmp_path as the working directory (so the cache is there)."""
    def run(*args, **kwargs):
        kwargs.setdefault("cwd", tmp_path)
        return run_tfcompat(*args, **kwargs)
    return run


@pytest.fixture
def write(tmp_path):
    """write("a/b.py", text_or_bytes) -> path, creating folders."""
    def write_(name, content):
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, str):
            content = textwrap.dedent(content).encode()
        path.write_bytes(content)
        return path
    return write_


@pytest.fixture(scope="session")
def hook_repo(tmp_path_factory):
    """(path, commit) of a git repository holding the current working tree: what pre-commit
    and pip install from, as they would from the project's repository."""
    repo = tmp_path_factory.mktemp("hook-repo")
    return str(repo), snapshot_repo(repo)

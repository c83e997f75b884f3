"""The progress bar on a real pseudo-terminal; -q and -v."""
import fcntl
import os
import pty
import select
import struct
import subprocess
import sys
import termios
import time

import pytest
import tqdm  # noqa: F401  (a declared dependency: missing, the test fails)
from lint_helpers import GET_NEXT, GET_NEXT_FIXED

from tfcompat.lint.driver import progress

MANY = progress.MIN_FILES


def run_with_terminal_stderr(args, cwd, timeout=120):
    """(returncode, stdout, what was written to the terminal) of `tfcompat ARGS`, with stderr
    on a pseudo-terminal 100 columns wide and stdout on a pipe."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
    env = dict(os.environ, PYTHONWARNINGS="ignore", TERM="xterm")
    env.pop("TFCOMPAT_CACHE_DIR", None)
    proc = subprocess.Popen([sys.executable, "-m", "tfcompat"] + list(args), cwd=cwd,
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=slave,
                            env=env)
    os.close(slave)
    terminal = []
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.1)
            if ready:
                try:
                    chunk = os.read(master, 65536)
                except OSError:  # EIO: every process holding the terminal has closed it
                    break
                if not chunk:
                    break
                terminal.append(chunk)
            elif proc.poll() is not None:
                break
        stdout = proc.communicate(timeout=max(1, deadline - time.monotonic()))[0]
    finally:
        os.close(master)
        if proc.poll() is None:
            proc.kill()
    return proc.returncode, stdout.decode(), b"".join(terminal).decode("utf-8", "replace")


@pytest.fixture
def many_files(tmp_path):
    for i in range(MANY):
        (tmp_path / ("m%03d.py" % i)).write_text("x = %d\n" % i)
    return tmp_path


def test_a_long_run_on_a_terminal_shows_a_bar(many_files):
    rc, out, terminal = run_with_terminal_stderr(["lint", "--no-cache", "."], many_files)
    assert rc == 0
    assert out == "All checks passed!\n"  # the report is untouched, on stdout
    assert "/%d" % MANY in terminal and "file" in terminal, terminal
    assert "\r" in terminal  # redrawn in place


def test_no_bar_with_quiet_or_on_a_pipe_or_for_a_short_plain_run(many_files):
    rc, out, terminal = run_with_terminal_stderr(["lint", "--no-cache", "-q", "."], many_files)
    assert (rc, out, terminal) == (0, "", "")
    proc = subprocess.run([sys.executable, "-m", "tfcompat", "lint", "--no-cache", "."],
                          cwd=many_files, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.returncode == 0 and proc.stderr == b""
    for i in range(1, MANY):
        os.remove(many_files / ("m%03d.py" % i))
    rc, out, terminal = run_with_terminal_stderr(["lint", "--no-cache", "."], many_files)
    assert (rc, out, terminal) == (0, "All checks passed!\n", "")


def test_every_fix_run_on_a_terminal_shows_a_bar(tmp_path):
    (tmp_path / "a.py").write_text(GET_NEXT)
    rc, out, terminal = run_with_terminal_stderr(["lint", "--no-cache", "--fix", "a.py"],
                                                 tmp_path)
    assert rc == 0
    assert (tmp_path / "a.py").read_text() == GET_NEXT_FIXED
    assert "tfcompat lint --fix" in terminal and "/1" in terminal, terminal
    assert "(1 fixed, 0 remaining)" in out
    (tmp_path / "a.py").write_text(GET_NEXT)
    rc, out, terminal = run_with_terminal_stderr(
        ["lint", "--no-cache", "--fix", "--quiet", "a.py"], tmp_path)
    assert (rc, out, terminal) == (0, "", "")
    assert (tmp_path / "a.py").read_text() == GET_NEXT_FIXED


def test_quiet_prints_only_the_findings(tfcompat, write):
    write("a.py", GET_NEXT)
    loud, quiet = tfcompat("lint", "a.py"), tfcompat("lint", "-q", "a.py")
    assert loud.returncode == quiet.returncode == 1
    assert quiet.stdout == "".join(loud.stdout.splitlines(True)[:2])  # the finding, its help
    assert quiet.stdout.startswith("a.py:4:18: TFC102") and quiet.stderr == ""
    write("nothing_here/notes.txt", "")
    empty = tfcompat("lint", "--quiet", "nothing_here")  # no "no Python files" warning
    assert (empty.returncode, empty.stdout, empty.stderr) == (0, "", "")


def test_verbose_tells_configuration_files_and_workers(tfcompat, write):
    write("pyproject.toml", '[tool.tfcompat]\ntarget-tf = "1.15"\n')
    write("a.py", GET_NEXT)
    write("b.py", "x = 1\n")
    run = tfcompat("lint", "-v", "--jobs", "1", ".")
    assert run.returncode == 1
    assert "a.py:4:18: TFC102" in run.stdout  # the report is the same
    lines = run.stderr.splitlines()
    assert any(line.startswith("[tfcompat] read ") and line.endswith("pyproject.toml")
               for line in lines)
    assert "[tfcompat] 2 files, at most 1 worker process, cache: " in run.stderr
    assert "[tfcompat] a.py: 1 finding" in lines and "[tfcompat] b.py: 0 findings" in lines
    assert lines[-1].startswith("[tfcompat] done in ")
    both = tfcompat("lint", "-q", "-v", ".")
    assert both.returncode == 2 and "not allowed with" in both.stderr

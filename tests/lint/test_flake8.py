"""The flake8 plugin, run by the real flake8: the same findings as `tfcompat lint`."""
import os
import re
import shlex
import subprocess
import sys

import pytest
from lint_helpers import GET_NEXT, readme_blocks, run_tfcompat

pytest.importorskip("flake8", reason="flake8 is not installed")

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
LINE = re.compile(r"^(?P<path>.+?):(?P<row>\d+):(?P<col>\d+): (?P<code>\w+) (?P<text>.*)$")


def flake8(*args, cwd):
    # --isolated: no flake8 configuration of the surrounding checkout or user.
    proc = subprocess.run([sys.executable, "-m", "flake8", "--isolated"] + list(args), cwd=cwd,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=300)
    out = proc.stdout.decode()
    assert not proc.stderr.strip(), proc.stderr.decode()
    rows = []
    for line in out.splitlines():
        match = LINE.match(line)
        assert match, line
        rows.append((os.path.normpath(match["path"]), int(match["row"]), int(match["col"]),
                     match["code"], match["text"]))
    return proc.returncode, rows


def tfcompat_json(*args, cwd):
    run = run_tfcompat("lint", "--output-format", "json", "--no-cache", *args, cwd=cwd)
    assert run.returncode in (0, 1), run
    return sorted((os.path.normpath(f["filename"]), f["location"]["row"],
                   f["location"]["column"], f["code"], f["message"]) for f in run.json())


def test_flake8_reports_what_tfcompat_lint_reports_on_the_examples():
    # The README's command, as written there.
    [command] = [line for block in readme_blocks("sh") for line in block.splitlines()
                 if line.startswith("flake8 ")]
    args = shlex.split(command)[1:]
    assert args == ["--select", "TFC", "examples/"]
    rc, rows = flake8(*args, cwd=ROOT)
    expected = tfcompat_json("examples/", cwd=ROOT)
    assert len(expected) >= 5  # the examples hold findings of several rules
    assert rc == 1
    assert sorted(rows) == expected


def test_flake8_lists_the_plugin():
    proc = subprocess.run([sys.executable, "-m", "flake8", "--version"],
                          stdout=subprocess.PIPE, check=True)
    assert b"tfcompat: " in proc.stdout


def test_flake8_follows_the_project_settings_and_noqa(tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        '[tool.tfcompat]\nper-file-ignores = { "ignored.py" = ["TFC102"] }\n')
    (tmp_path / "flagged.py").write_text(GET_NEXT)
    (tmp_path / "ignored.py").write_text(GET_NEXT)
    (tmp_path / "quiet.py").write_text(
        GET_NEXT.replace("it.get_next())", "it.get_next())  # noqa: TFC102"))
    rc, rows = flake8("--select", "TFC", ".", cwd=tmp_path)
    assert rc == 1
    assert [r[:4] for r in rows] == [("flagged.py", 4, 18, "TFC102")]
    assert sorted(rows) == tfcompat_json(".", cwd=tmp_path)


def test_flake8_on_standard_input_uses_the_display_name(tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        '[tool.tfcompat]\nper-file-ignores = { "skip/*.py" = ["TFC102"] }\n')
    for name, count in (("a.py", 1), ("skip/b.py", 0)):
        proc = subprocess.run(
            [sys.executable, "-m", "flake8", "--isolated", "--select", "TFC",
             "--stdin-display-name", name, "-"], cwd=tmp_path, input=GET_NEXT.encode(),
            stdout=subprocess.PIPE, timeout=300)
        assert proc.stdout.decode().count("TFC102") == count, proc.stdout

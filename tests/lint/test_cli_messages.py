"""What a new user sees: no silent success on a selector or target that means nothing, the
remedy under each finding, and no traceback when a pipe closes early."""
import os
import re
import subprocess
import sys

import pytest
from lint_helpers import GET_NEXT, ROOT

from tfcompat.lint import rules
from tfcompat.lint.rule import SAFE, Invalid, Rule

ITERATOR = "import tensorflow as tf\nit = ds.make_one_shot_iterator()\n"


@pytest.mark.parametrize("args,selector", [
    (["--select", "TFC999"], "TFC999"),
    (["--extend-select", "TFC4,TFC7"], "TFC7"),
    (["--ignore", "TFC88"], "TFC88"),
])
def test_an_unknown_selector_on_the_command_line_exits_2(write, tfcompat, args, selector):
    write("a.py", ITERATOR)
    run = tfcompat("lint", "a.py", *args)
    assert run.returncode == 2, run
    assert "Unknown rule selector: `%s`" % selector in run.stderr
    assert not run.stdout


@pytest.mark.parametrize("table", ['select = ["TFC999"]', 'ignore = ["TFC7"]',
                                   'per-file-ignores = { "a.py" = ["TFC999"] }'])
def test_an_unknown_selector_in_the_configuration_exits_2(write, tfcompat, table):
    write("a.py", ITERATOR)
    write("pyproject.toml", "[tool.tfcompat]\n%s\n" % table)
    run = tfcompat("lint", "a.py")
    assert run.returncode == 2, run
    assert "pyproject.toml: Unknown rule selector: `TFC" in run.stderr


def test_known_selectors_and_unknown_noqa_codes_pass(write, tfcompat):
    write("a.py", "import tensorflow as tf\nit = ds.make_one_shot_iterator()  # noqa: TFC999\n")
    run = tfcompat("lint", "a.py", "--select", "TFC4,ALL", "--ignore", "TFC5,TFC902",
                   "--target-tf", "1.15")
    assert run.returncode == 1, run
    assert "TFC401" in run.stdout


@pytest.mark.parametrize("version,says", [
    ("3.0", "TF 3.0 is newer than the newest TF tfcompat knows (2.21)"),
    ("2.22", "TF 2.22 is newer than the newest TF tfcompat knows (2.21)"),
    ("0.12", "TF 0.12 is older than TF 1.0"),
])
def test_a_target_outside_the_known_releases_is_refused(write, tfcompat, version, says):
    write("a.py", ITERATOR)
    run = tfcompat("lint", "a.py", "--target-tf", version)
    assert run.returncode == 2 and says in run.stderr, run
    write("pyproject.toml", '[tool.tfcompat]\ntarget-tf = "%s"\n' % version)
    run = tfcompat("lint", "a.py")
    assert run.returncode == 2 and says in run.stderr, run


def test_text_output_shows_the_remedy_under_each_finding(write, tfcompat):
    write("a.py", GET_NEXT)
    run = tfcompat("lint", "a.py")
    assert run.stdout.splitlines()[:2] == [
        "a.py:4:18: TFC102 [*] `it.get_next()` in a loop adds new graph ops on every iteration",
        "  help: build `get_next()` once, before the loop, and run that tensor in it"], run
    concise = tfcompat("lint", "a.py", "--output-format", "concise")
    assert concise.stdout.splitlines()[0] == run.stdout.splitlines()[0]
    assert "help:" not in concise.stdout and concise.returncode == 1


def test_a_rule_with_a_fix_must_have_a_help_line():
    sample = type("Sample", (Rule,), dict(
        __doc__="\n".join("## %s\ntext\n" % t for t in rules.DOC_SECTIONS), code="TFC800",
        name="some-rule", message="m", fix_safety=SAFE, VALID=["x = 1"],
        INVALID=[Invalid("y = 2", at=(1, 1))]))
    assert any("help is empty" in line for line in rules.problems(sample))
    for cls in rules.all_rules():
        assert cls.fix_safety is None or cls.help, cls.code


@pytest.mark.parametrize("argv", [["rule", "TFC102"], ["rules"], ["rules", "--output-format",
                                                                  "json"]])
def test_a_reader_that_stops_early_gets_no_traceback(argv):
    # The reader closes the pipe before anything is written: every write then fails.
    read, write = os.pipe()
    os.close(read)
    proc = subprocess.run([sys.executable, "-m", "tfcompat"] + argv, stdout=write,
                          stderr=subprocess.PIPE, timeout=120, cwd=ROOT)
    os.close(write)
    assert proc.returncode == 1
    assert proc.stderr.decode() == ""


def test_no_test_reads_outside_the_repository():
    """The tests run in any clone: nothing they read lies beside the repository."""
    beside = re.compile(r"""["']\.\.["']\s*,\s*["'](shared|seed)|\.\./(shared|seed)/""")
    offenders = []
    for dirpath, _, filenames in os.walk(os.path.join(ROOT, "tests")):
        for name in filenames:
            if name.endswith(".py"):
                path = os.path.join(dirpath, name)
                with open(path, encoding="utf-8") as handle:
                    if beside.search(handle.read()) and name != "test_cli_messages.py":
                        offenders.append(os.path.relpath(path, ROOT))
    assert offenders == []

"""--fix, --diff and fixing stdin: the fix loop, and never losing data."""
import os
import signal
import subprocess
import sys
import textwrap
import time

import libcst as cst
from lint_helpers import GET_NEXT, GET_NEXT_FIXED

from tfcompat.lint import rules
from tfcompat.lint.driver import report
from tfcompat.lint.engine.linter import Linter
from tfcompat.lint.engine.results import FileResult, NotApplied
from tfcompat.lint.rule import SAFE, UNSAFE, Rule

BOTH = textwrap.dedent("""\
    import tensorflow as tf
    it = ds.make_one_shot_iterator()
    while True:
        x = sess.run(it.get_next())
    """)
BOTH_FIXED = GET_NEXT_FIXED  # TFC401's fix, then TFC102's


def test_fix_writes_the_file_and_exits_0_when_nothing_is_left(write, tfcompat):
    path = write("a.py", GET_NEXT)
    run = tfcompat("lint", "a.py", "--fix")
    assert run.returncode == 0, run
    assert path.read_text() == GET_NEXT_FIXED
    assert run.stdout == "Found 1 finding (1 fixed, 0 remaining).\n"


def test_fix_exits_1_when_findings_remain_and_twice_changes_nothing(write, tfcompat):
    path = write("a.py", BOTH)
    run = tfcompat("lint", "a.py", "--fix", "--target-tf", "1.12")  # TFC401 needs 1.13
    assert run.returncode == 1, run
    assert "Found 2 findings (1 fixed, 1 remaining)." in run.stdout
    once = path.read_bytes()
    run = tfcompat("lint", "a.py", "--fix", "--target-tf", "1.12")
    assert run.returncode == 1 and path.read_bytes() == once
    run = tfcompat("lint", "a.py", "--fix", "--target-tf", "1.13")
    assert run.returncode == 0 and path.read_text() == BOTH_FIXED
    run = tfcompat("lint", "a.py", "--fix", "--target-tf", "1.13")
    assert run.stdout == "All checks passed!\n" and path.read_text() == BOTH_FIXED


def test_diff_prints_and_writes_nothing(write, tfcompat):
    path = write("a.py", BOTH)
    run = tfcompat("lint", "a.py", "--diff", "--target-tf", "2.0")
    assert run.returncode == 1, run
    assert path.read_text() == BOTH
    assert run.stdout.splitlines()[:3] == ["--- a.py", "+++ a.py", "@@ -1,4 +1,5 @@"]
    assert "+it = tf.compat.v1.data.make_one_shot_iterator(ds)" in run.stdout.splitlines()
    assert "Would fix 2 findings." in run.stderr
    write("b.py", "x = 1\n")
    run = tfcompat("lint", "b.py", "--diff")
    assert (run.returncode, run.stdout) == (0, "")
    write("c.py", "it = ds.make_one_shot_iterator(\n")
    run = tfcompat("lint", "a.py", "c.py", "--diff")
    assert run.returncode == 2 and run.stdout.startswith("--- a.py")
    assert "c.py:2:1: TFC902 cannot parse: invalid syntax" in run.stderr


def test_overlapping_fixes_wait_for_the_next_pass(write, tfcompat):
    source = GET_NEXT.replace("x = sess.run(it.get_next())",
                              "x, y = sess.run([it.get_next(), it.get_next()])")
    path = write("a.py", source)
    run = tfcompat("lint", "a.py", "--fix")
    assert run.returncode == 0, run
    assert path.read_text() == textwrap.dedent("""\
        import tensorflow as tf
        it = tf.compat.v1.data.make_one_shot_iterator(ds)
        next_element = it.get_next()
        next_element_1 = it.get_next()
        while True:
            x, y = sess.run([next_element, next_element_1])
        """)


def test_hoisting_stops_at_a_loop_that_reassigns_and_the_rest_stays_reported():
    source = textwrap.dedent("""\
        it = tf.compat.v1.data.make_one_shot_iterator(ds)
        for epoch in range(3):
            for step in range(100):
                x = sess.run(it.get_next())
            it = switch(it)
        """)
    result = Linter(rules.all_rules()).fix(source)
    assert result.text == textwrap.dedent("""\
        it = tf.compat.v1.data.make_one_shot_iterator(ds)
        for epoch in range(3):
            next_element = it.get_next()
            for step in range(100):
                x = sess.run(next_element)
            it = switch(it)
        """)
    assert [(f.code, f.line, f.fixable) for f in result.findings] == [("TFC102", 3, False)]


def test_encoding_bom_line_endings_and_mode_are_kept(write, tfcompat, tmp_path):
    latin = "# -*- coding: latin-1 -*-\n# d\xe9j\xe0 vu\n"
    cases = {
        "latin1.py": ((latin + GET_NEXT).encode("latin-1"),
                      (latin + GET_NEXT_FIXED).encode("latin-1")),
        "bom.py": (b"\xef\xbb\xbf" + ("# \u00fcber\n" + GET_NEXT).encode(),
                   b"\xef\xbb\xbf" + ("# \u00fcber\n" + GET_NEXT_FIXED).encode()),
        "crlf.py": (GET_NEXT.replace("\n", "\r\n").encode(),
                    GET_NEXT_FIXED.replace("\n", "\r\n").encode()),
        "tabs.py": (GET_NEXT.replace("    ", "\t").encode(),
                    GET_NEXT_FIXED.replace("    ", "\t").encode()),
    }
    for name, (before, _) in cases.items():
        write(name, before).chmod(0o751)
    run = tfcompat("lint", ".", "--fix")
    assert run.returncode == 0, run
    for name, (_, after) in cases.items():
        assert (tmp_path / name).read_bytes() == after, name
        assert (tmp_path / name).stat().st_mode & 0o777 == 0o751
    assert not [p for p in os.listdir(tmp_path) if "tfcompat-tmp" in p]


def test_a_symlink_stays_a_link_and_its_target_is_fixed(write, tfcompat, tmp_path):
    target = write("real/target.py", GET_NEXT)
    (tmp_path / "link.py").symlink_to(target)
    run = tfcompat("lint", "link.py", "--fix")
    assert run.returncode == 0, run
    assert (tmp_path / "link.py").is_symlink()
    assert target.read_text() == GET_NEXT_FIXED


def test_a_file_the_parser_cannot_reproduce_is_reported_not_rewritten(write, tfcompat):
    path = write("cr.py", GET_NEXT.replace("\n", "\r").encode())  # old Mac line endings
    run = tfcompat("lint", "cr.py", "--fix")
    assert run.returncode == 1, run
    assert path.read_bytes() == GET_NEXT.replace("\n", "\r").encode()
    assert "warning: cr.py: not fixed: the parser cannot reproduce this file" in run.stderr


def test_stdin(tfcompat):
    run = tfcompat("lint", "-", "--stdin-filename", "src/a.py", input=GET_NEXT)
    assert run.returncode == 1, run
    assert run.stdout.startswith("src/a.py:4:18: TFC102 [*] ")
    run = tfcompat("lint", "-", "--fix", input=GET_NEXT)
    assert run.returncode == 0, run
    assert run.raw_stdout == GET_NEXT_FIXED.encode()
    assert "1 fixed" in run.stderr
    run = tfcompat("lint", "-", "--diff", "--stdin-filename", "a.py", input=GET_NEXT)
    assert run.returncode == 1 and run.stdout.startswith("--- a.py\n+++ a.py\n")
    run = tfcompat("lint", "-", "--fix", input=b"x = 1\n")
    assert run.returncode == 0 and run.raw_stdout == b"x = 1\n"


class BreaksTheParse(Rule):
    """Replaces every `print(...)` call by text that does not parse."""
    code, name, message, fix_safety = "TFC898", "breaks-the-parse", "broken", SAFE

    def visit_Call(self, node):
        if isinstance(node.func, cst.Name) and node.func.value == "print":
            self.report(node, edits=[self.replace(node, "(((")])


class NeverSettles(Rule):
    """Renames `x` to `x_` forever."""
    code, name, message, fix_safety = "TFC897", "never-settles", "again", SAFE

    def visit_Name(self, node):
        if node.value.startswith("x"):
            self.report(node, edits=[self.replace(node, node.value + "_")])


class RenamesPrint(Rule):
    """An unsafe fix: `print` -> `log`."""
    code, name, message, fix_safety = "TFC896", "renames-print", "print", UNSAFE

    def visit_Name(self, node):
        if node.value == "print":
            self.report(node, edits=[self.replace(node, "log")])


def test_unsafe_fixes_only_with_unsafe_fixes():
    source = "print(1)\n"
    [finding] = Linter([RenamesPrint]).check(source)
    assert (finding.fix.applicability, finding.fixable, finding.not_applied) == (
        UNSAFE, False, NotApplied.UNSAFE)
    assert Linter([RenamesPrint]).fix(source).text == source
    assert Linter([RenamesPrint], unsafe_fixes=True).fix(source).text == "log(1)\n"
    summary = report.summary([FileResult("a.py", [finding])])
    assert summary == ["Found 1 finding.", "1 more fix with --unsafe-fixes."]


def test_a_fix_that_breaks_the_parse_is_dropped_and_reported():
    linter = Linter([BreaksTheParse] + list(rules.all_rules()))
    result = linter.fix(GET_NEXT + "print(x)\n")
    # Both fixes went into one pass, which did not parse: redone one by one, TFC102's hoist
    # is kept and the broken fix dropped, once.
    assert result.text == GET_NEXT_FIXED + "print(x)\n"
    assert result.notes == ("TFC898 fix at 5:1 dropped: its result does not parse",)
    assert [(f.code, f.line) for f in result.findings] == [("TFC898", 6)]


def test_fixes_that_never_settle_leave_the_file_as_it_was():
    linter = Linter([NeverSettles])
    result = linter.fix("x = 1\n")
    assert result.text == "x = 1\n" and result.fixed == 0
    assert result.notes == ("not fixed: fixes did not settle after 100 passes",)


def test_sigkill_during_fix_leaves_every_file_original_or_fully_fixed(tmp_path):
    padding = "".join("value_%d = %d\n" % (i, i) for i in range(20))
    originals = {}
    for i in range(200):
        name = "m%03d.py" % i
        originals[name] = (padding + GET_NEXT.replace("ds", "ds%d" % i),
                           padding + GET_NEXT_FIXED.replace("ds", "ds%d" % i))
        (tmp_path / name).write_text(originals[name][0])
    proc = subprocess.Popen([sys.executable, "-m", "tfcompat", "lint", "--fix", "--no-cache",
                             "--jobs", "2", "."], cwd=tmp_path, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    # Files are handed out in name order: once m040.py is fixed, kill the run mid-way.
    watched, fixed_watched = tmp_path / "m040.py", originals["m040.py"][1]
    deadline = time.monotonic() + 120
    try:
        while proc.poll() is None and time.monotonic() < deadline:
            if watched.read_text() == fixed_watched:
                break
            time.sleep(0.002)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    states = {n: (tmp_path / n).read_text() for n in originals}
    assert all(states[n] in pair for n, pair in originals.items())
    done = sum(states[n] == after for n, (_, after) in originals.items())
    assert 1 <= done < len(originals), "the run was not killed half-way (%d fixed)" % done
    assert sorted(p.name for p in tmp_path.glob("*.py")) == sorted(originals)

"""`--add-noqa` and TFC001 (unused-noqa), together with the rules whose codes they name."""
import pytest
from lint_helpers import GET_NEXT, GET_NEXT_LINE, with_comment

from tfcompat.lint import rules
from tfcompat.lint.engine.linter import Linter


def lint(source, without=()):
    linter = Linter([c for c in rules.all_rules() if c.code not in without])
    return [(f.code, f.line, f.message) for f in linter.check(source)]



@pytest.mark.parametrize("comment", [
    "# noqa: TFC102",
    "# noqa: E501, TFC102",
    "# noqa",
    "# noqa: TFC001, TFC102",
])
def test_a_noqa_that_suppresses_a_finding_is_used(comment):
    assert lint(with_comment(comment)) == []


@pytest.mark.parametrize("comment,detail", [
    ("# noqa: TFC102, TFC401", "no TFC401 finding on this line"),
    ("# noqa: TFC102, TFC999", "TFC999 is no tfcompat rule"),
    ("# noqa: TFC102 TFC401 TFC999", "no TFC401 finding on this line; TFC999 is no tfcompat rule"),
    ("# noqa: tfc102, tfc401", "no TFC401 finding on this line"),
])
def test_codes_beside_a_used_one_are_flagged(comment, detail):
    assert lint(with_comment(comment)) == [
        ("TFC001", 4, "`noqa` suppresses nothing: " + detail)]


def test_a_code_of_a_rule_not_enabled_is_not_judged():
    # The rule did not run: nothing says the comment is stale.
    assert lint(with_comment("# noqa: TFC102, TFC401"), without=("TFC102",)) == [
        ("TFC001", 4, "`noqa` suppresses nothing: no TFC401 finding on this line")]
    assert lint(with_comment("# noqa: TFC102"), without=("TFC102",)) == []


def test_tfc001_in_the_same_comment_silences_it():
    assert lint("x = 1  # noqa: TFC102, TFC001\n") == []
    assert lint("x = 1  # noqa: TFC102\n") == [
        ("TFC001", 1, "`noqa` suppresses nothing: no TFC102 finding on this line")]


def test_file_level_noqa_silences_tfc001_too():
    assert lint("# tfcompat: noqa\nx = 1  # noqa: TFC102\n") == []
    assert lint("# tfcompat: noqa: TFC001\nx = 1  # noqa: TFC102\n") == []


def test_fix_keeps_the_used_codes_and_the_other_tools_codes(write, tfcompat, tmp_path):
    write("a.py", with_comment("# noqa: TFC401, TFC102,E501"))
    run = tfcompat("lint", "--fix", "a.py")
    assert run.returncode == 0, run
    assert (tmp_path / "a.py").read_text() == with_comment("# noqa: TFC102, E501")
    assert tfcompat("lint", "--fix", "a.py").returncode == 0
    assert (tmp_path / "a.py").read_text() == with_comment("# noqa: TFC102, E501")


def test_add_noqa_then_tfc001_then_fix_the_whole_cycle(write, tfcompat, tmp_path):
    source = GET_NEXT + (
        "while True:\n"
        "    y = sess.run(it.get_next())  # noqa: E501\n"
        "    z = sess.run(it.get_next())  # the old way\n"
        "    w = sess.run(it.get_next(), '''\n"
        "    ''')\n")
    write("a.py", source)
    before = tfcompat("lint", "--output-format", "json", "a.py").json()
    assert [f["location"]["row"] for f in before] == [4, 6, 7, 8]

    run = tfcompat("lint", "--add-noqa", "a.py")
    assert run.returncode == 0, run
    assert run.stdout == ""
    assert "Added 3 noqa directives." in run.stderr
    assert "no noqa added for TFC102 on line 8: it ends inside a string" in run.stderr
    added = (tmp_path / "a.py").read_text()
    assert added.splitlines()[3] == GET_NEXT_LINE + "  # noqa: TFC102"
    assert added.splitlines()[5] == "    y = sess.run(it.get_next())  # noqa: E501, TFC102"
    assert added.splitlines()[6] == "    z = sess.run(it.get_next())  # the old way  # noqa: TFC102"
    after = tfcompat("lint", "--output-format", "json", "a.py").json()
    assert [(f["code"], f["location"]["row"]) for f in after] == [("TFC102", 8)]

    again = tfcompat("lint", "--add-noqa", "a.py")
    assert "Added 0 noqa directives." in again.stderr
    assert (tmp_path / "a.py").read_text() == added

    # The code is rewritten by hand: the noqa on line 4 now suppresses nothing.
    (tmp_path / "a.py").write_text(added.replace("sess.run(it.get_next())  # noqa: TFC102",
                                                 "sess.run(x)  # noqa: TFC102", 1))
    # With TFC001 alone, TFC102 does not run and its noqa comments are not judged.
    assert tfcompat("lint", "a.py", "--select", "TFC001").returncode == 0
    stale = tfcompat("lint", "a.py")
    assert stale.stdout.startswith("a.py:4:22: TFC001 [*] `noqa` suppresses nothing: "
                                   "no TFC102 finding on this line")
    fixed = tfcompat("lint", "--fix", "a.py")  # removes the stale noqa (and fixes line 8)
    assert fixed.returncode == 0, fixed
    assert "    x = sess.run(x)\n" in (tmp_path / "a.py").read_text()


def test_add_noqa_keeps_line_endings_and_encoding(write, tfcompat, tmp_path):
    source = GET_NEXT.replace("import tensorflow as tf\n",
                              "# -*- coding: latin-1 -*-\nimport tensorflow as tf\ns = 'caf\xe9'\n")
    write("a.py", source.replace("\n", "\r\n").encode("latin-1"))
    assert tfcompat("lint", "--add-noqa", "a.py").returncode == 0
    expected = source.replace(GET_NEXT_LINE, GET_NEXT_LINE + "  # noqa: TFC102")
    assert (tmp_path / "a.py").read_bytes() == expected.replace("\n", "\r\n").encode("latin-1")


def test_add_noqa_refuses_stdin_and_other_modes(write, tfcompat):
    write("a.py", GET_NEXT)
    for extra in (["--fix"], ["--diff"]):
        run = tfcompat("lint", "--add-noqa", "a.py", *extra)
        assert run.returncode == 2 and "exclude each other" in run.stderr
    run = tfcompat("lint", "--add-noqa", "-", input=GET_NEXT)
    assert run.returncode == 2 and "standard input" in run.stderr


def test_add_noqa_on_a_file_that_cannot_be_linted_exits_2(write, tfcompat, tmp_path):
    write("bad.py", "def f(:\n    ds.make_one_shot_iterator()\n")
    write("ok.py", GET_NEXT)
    run = tfcompat("lint", "--add-noqa", ".")
    assert run.returncode == 2
    assert "bad.py:2:4: TFC902" in run.stderr and "Added 1 noqa directive." in run.stderr
    assert (tmp_path / "bad.py").read_text() == "def f(:\n    ds.make_one_shot_iterator()\n"

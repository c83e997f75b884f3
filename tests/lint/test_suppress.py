"""`# noqa` on the reported line, and `# tfcompat: noqa` in the file's header."""

import pytest
from lint_helpers import GET_NEXT, GET_NEXT_LINE, with_comment

from tfcompat.lint import rules
from tfcompat.lint.engine.linter import Linter


def lint(source):
    # TFC001 (unused-noqa) judges these comments in turn: tests/lint/test_unused_noqa.py.
    linter = Linter([cls for cls in rules.all_rules() if cls.code != "TFC001"])
    return [(f.code, f.line) for f in linter.check(source)]



@pytest.mark.parametrize("comment", [
    "# noqa",
    "# noqa: TFC102",
    "# NOQA:TFC102",
    "# noqa: E501, TFC102",       # a code of another linter beside ours
    "# noqa: TFC999 TFC102",      # an unknown code is ignored, not an error
    "# type: ignore  # noqa",
])
def test_noqa_suppresses_the_finding_on_its_line(comment):
    assert lint(GET_NEXT) == [("TFC102", 4)]
    assert lint(with_comment(comment)) == []


@pytest.mark.parametrize("comment", [
    "# noqa: TFC401",             # another rule's code
    "# noqa: TFC10",              # a prefix is not a code
    "# see noqa docs",
])
def test_noqa_for_something_else_keeps_the_finding(comment):
    assert lint(with_comment(comment)) == [("TFC102", 4)]


def test_noqa_on_another_line_or_in_a_string_does_not_count():
    source = GET_NEXT.replace("import tensorflow as tf", "import tensorflow as tf  # noqa")
    assert lint(source) == [("TFC102", 4)]
    source = GET_NEXT.replace(GET_NEXT_LINE, '    x = sess.run(it.get_next(), "# noqa")')
    assert lint(source) == [("TFC102", 4)]


@pytest.mark.parametrize("header", [
    "# tfcompat: noqa\n",
    "#!/usr/bin/env python\n# -*- coding: utf-8 -*-\n\n# tfcompat: noqa\n",
    "# tfcompat: noqa: TFC102\n",
])
def test_file_level_noqa_in_the_header(header):
    assert lint(header + GET_NEXT) == []


def test_file_level_noqa_with_other_codes_or_after_code_does_not_suppress():
    assert lint("# tfcompat: noqa: TFC401\n" + GET_NEXT) == [("TFC102", 5)]
    assert lint(GET_NEXT + "# tfcompat: noqa\n") == [("TFC102", 4)]


def test_suppressed_findings_are_not_fixed():
    source = with_comment("# noqa: TFC102")
    assert Linter(rules.all_rules()).fix(source).text == source

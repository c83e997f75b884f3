"""Every registered rule's VALID / INVALID examples and docstring blocks, as tests.

Adding a rule module adds its cases here: nothing lists the rules by hand.
"""
import re

import pytest

from tfcompat.lint import rules
from tfcompat.lint.engine.linter import Linter
from tfcompat.lint.rule import Valid, parse_target


def _cases(kind):
    return [pytest.param(cls, example, id="%s-%s-%d" % (cls.code, kind.lower(), i))
            for cls in rules.all_rules() for i, example in enumerate(getattr(cls, kind))]


def _linter(cls, example):
    # UNSAFE fixes are applied in the examples: `fixed` shows what --unsafe-fixes would do.
    return Linter([cls], parse_target(example.target_tf), unsafe_fixes=True,
                         keras_target=example.keras_target)


@pytest.mark.parametrize("cls,example", _cases("VALID"))
def test_valid_example_is_not_flagged(cls, example):
    if isinstance(example, str):
        example = Valid(example)
    findings = _linter(cls, example).check(example.source)
    assert [(f.line, f.col, f.message) for f in findings if f.code == cls.code] == []


@pytest.mark.parametrize("cls,example", _cases("INVALID"))
def test_invalid_example_is_flagged_once_and_fixed_as_shown(cls, example):
    linter = _linter(cls, example)
    findings = linter.check(example.source)
    assert [(f.code, (f.line, f.col)) for f in findings] == [(cls.code, example.at)]
    finding = findings[0]
    assert finding.name == cls.name and finding.message
    assert finding.fix is None or finding.help, "a fix needs a help line saying what it does"
    assert (finding.end_line, finding.end_col) > (finding.line, finding.col)

    result = linter.fix(example.source)
    assert result.notes == ()
    if example.fixed is None:
        assert finding.fix is None and not finding.fixable
        assert result.text == example.source
        return
    assert finding.fixable and finding.fix.applicability == (example.safety or cls.fix_safety)
    assert result.text == example.fixed
    assert result.fixed >= 1
    # The fixed source no longer has the finding, and fixing it again changes nothing.
    assert [f for f in linter.check(result.text) if f.code == cls.code] == []
    assert linter.fix(result.text).text == result.text


def _blocks(cls, section):
    return re.findall(r"```python\n(.*?)```", cls.doc_section(section), re.S)


@pytest.mark.parametrize("cls", rules.all_rules(), ids=lambda cls: cls.code)
def test_docstring_example_is_flagged_and_use_instead_is_not(cls):
    target = parse_target(cls.doc_target_tf) if cls.doc_target_tf else None
    linter = Linter([cls], target, keras_target=cls.doc_keras_target)
    examples, instead = _blocks(cls, "Example"), _blocks(cls, "Use instead")
    assert examples and instead
    for block in examples:
        assert cls.code in [f.code for f in linter.check(block)], block
    for block in instead:
        assert cls.code not in [f.code for f in linter.check(block)], block

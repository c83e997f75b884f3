"""The registry finds rules by listing tfcompat/lint/rules/, and checks their shape."""
import os
import re
import textwrap

import pytest

from tfcompat.lint import rule as rule_api
from tfcompat.lint import rules
from tfcompat.lint.rule import DOC_SECTIONS, Invalid, Rule

GOOD_DOC = "\n".join("## %s\ntext\n" % title for title in DOC_SECTIONS)


def test_every_module_in_the_folder_is_a_registered_rule():
    folder = os.path.dirname(rules.__file__)
    modules = {name[:-3] for name in os.listdir(folder)
               if name.endswith(".py") and name != "__init__.py"}
    registered = {cls.__module__.rsplit(".", 1)[1] for cls in rules.all_rules()}
    assert modules == registered
    assert {"TFC102", "TFC401"} <= {cls.code for cls in rules.all_rules()}


def test_registered_rules_have_no_problems():
    for cls in rules.all_rules():
        assert rules.problems(cls) == []


def test_the_rule_api_example_is_tfc401_as_it_is():
    block = re.search(r"A rule in full.*?::\n\n(.*?)\n\S", rule_api.__doc__, re.S).group(1)
    namespace = {}
    exec(textwrap.dedent(block), namespace)
    example, real = namespace["DatasetIteratorMethod"], rules.get("TFC401")
    assert example.code == real.code
    for attr in ("name", "message", "tokens", "modules", "called", "fix_safety", "fix_tf"):
        assert getattr(example, attr) == getattr(real, attr), attr
    for attr in ("VALID", "INVALID"):
        shown = [_plain(e) for e in getattr(example, attr)]
        assert shown and shown == [_plain(e) for e in getattr(real, attr)][:len(shown)], attr


def _plain(example):
    return textwrap.dedent(example).strip() if isinstance(example, str) else example


def test_lookup_by_code_or_name():
    assert rules.get("TFC102").name == "get-next-in-loop"
    assert rules.get("tfc401").name == "dataset-iterator-method"
    assert rules.get("get-next-in-loop").code == "TFC102"
    assert rules.get("TFC000") is None


def _rule(**attrs):
    base = dict(__doc__=GOOD_DOC, code="TFC800", name="some-rule", message="m",
                VALID=["x = 1"], INVALID=[Invalid("y = 2", at=(1, 1))])
    base.update(attrs)
    return type("Sample", (Rule,), base)


def test_a_well_formed_rule_passes():
    assert rules.problems(_rule()) == []


@pytest.mark.parametrize("attrs,complaint", [
    (dict(code="TFC901"), "TFC001-TFC899"),
    (dict(code="E501"), "TFC001-TFC899"),
    (dict(code="TFC000"), "TFC001-TFC899"),
    (dict(name="SomeRule"), "kebab-case"),
    (dict(message=""), "message is empty"),
    (dict(fix_safety="maybe"), "SAFE, UNSAFE or None"),
    (dict(fix_tf="no_such_fact"), "versions.py"),
    (dict(tokens="get_next"), "tuple of ASCII strings"),
    (dict(VALID=[]), "VALID and INVALID"),
    (dict(INVALID=["y = 2"]), "not Invalid"),
    (dict(INVALID=[Invalid("y = 2", at=(1, 1), fixed="y = 3")]), "rule has no fix"),
    (dict(VALID=["x", 3]), "not a string or Valid"),
    (dict(INVALID=[Invalid("y", at=(1, 1), target_tf="2")]), "target TF must look like"),
    (dict(__doc__="## What it does\nx\n"), "docstring needs the sections"),
    (dict(visit_Cal=lambda self, node: None), "not a libcst node type"),
    (dict(check_names=lambda self, uses: None, visit_Call=lambda self, node: None),
     "names-only rule"),
    (dict(check_names=lambda self, uses: None, fix_safety="safe", help="h"), "names-only rule"),
])
def test_problems_name_what_is_wrong(attrs, complaint):
    found = rules.problems(_rule(**attrs))
    assert any(complaint in line for line in found), found


def test_rules_command_lists_codes_names_and_fixes(tfcompat):
    run = tfcompat("rules")
    assert run.returncode == 0, run
    lines = run.stdout.splitlines()
    assert any(line.split()[:4] == ["TFC102", "get-next-in-loop", "fix:", "safe"]
               for line in lines)
    assert any(line.startswith("TFC401") and "safe (TF >= 1.13)" in line for line in lines)
    assert any(line.startswith("TFC902") and "syntax-error" in line for line in lines)


def test_rules_command_json(tfcompat):
    run = tfcompat("rules", "--output-format", "json")
    assert run.returncode == 0, run
    data = run.json()
    by_code = {r["code"]: r for r in data["rules"]}
    assert by_code["TFC401"]["fix"] == "safe" and by_code["TFC401"]["fix_needs"] == "TF >= 1.13"
    assert by_code["TFC102"]["name"] == "get-next-in-loop"
    assert [e["code"] for e in data["errors"]] == ["TFC901", "TFC902", "TFC903", "TFC904",
                                                   "TFC905", "TFC906"]


@pytest.mark.parametrize("query", ["TFC102", "tfc102", "get-next-in-loop"])
def test_rule_command_prints_the_doc(tfcompat, query):
    run = tfcompat("rule", query)
    assert run.returncode == 0, run
    assert run.stdout.startswith("# get-next-in-loop (TFC102)")
    for title in DOC_SECTIONS:
        assert "## " + title in run.stdout


def test_rule_command_explains_engine_codes_and_refuses_unknown_ones(tfcompat):
    run = tfcompat("rule", "TFC902")
    assert run.returncode == 0 and "syntax-error" in run.stdout
    run = tfcompat("rule", "TFC777")
    assert run.returncode == 2 and "no rule" in run.stderr and not run.stdout

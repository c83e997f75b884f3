"""The prefilter never hides a finding: every rule's examples give the same findings with the
prefilter on (only the rules whose tokens the file holds run, files holding none are not
parsed, nor those whose code, as CPython compiles it, uses none) and off (every enabled rule
on a parsed file)."""
import re

import pytest
from lint_helpers import for_bytes

from tfcompat.lint import rules
from tfcompat.lint.analysis import codenames
from tfcompat.lint.analysis.prefilter import Prefilter, byte_imports, groups, has_name, via
from tfcompat.lint.engine import pipeline
from tfcompat.lint.engine.linter import Linter
from tfcompat.lint.rule import Valid, parse_target
from tfcompat.lint.rules import problems

ALL = rules.all_rules()
PREFILTER = Prefilter({cls.code: cls.tokens for cls in ALL})


def _sources(cls):
    """(source, target_tf) of the rule's VALID and INVALID examples and docstring blocks."""
    out = []
    for example in list(cls.VALID) + list(cls.INVALID):
        if isinstance(example, str):
            example = Valid(example)
        out.append((example.source, example.target_tf))
    for section in ("Example", "Use instead"):
        for block in re.findall(r"```python\n(.*?)```", cls.doc_section(section), re.S):
            out.append((block, None))
    return out


def _summary(findings):
    return [(f.code, f.line, f.col, f.end_line, f.end_col, f.message, f.fix) for f in findings]


def _with_prefilter(source, enabled, target, mode):
    # As a worker runs it: the rules the byte scan lets through, then the second stage; a fix
    # loop lints each fixed text with every enabled rule.
    codes = pipeline.rules_to_run(
        PREFILTER.rules_for(source.encode(), tuple(c.code for c in enabled)), mode)
    if codes == ():
        return [] if mode == "check" else source
    linter = Linter(enabled, target, unsafe_fixes=True).narrowed(codes)
    narrow = for_bytes(linter, source.encode(), mode)
    if narrow is None:
        return [] if mode == "check" else source
    return narrow.check(source) if mode == "check" else narrow.fix(source).text


def _without(source, enabled, target, mode):
    linter = Linter(enabled, target, unsafe_fixes=True)
    return linter.check(source) if mode == "check" else linter.fix(source).text


CASES = [pytest.param(cls, source, target, id="%s-%d" % (cls.code, i))
         for cls in ALL for i, (source, target) in enumerate(_sources(cls))]


@pytest.mark.parametrize("cls,source,target", CASES)
def test_prefilter_on_and_off_give_the_same_findings(cls, source, target):
    target = parse_target(target)
    for enabled in ([cls], list(ALL)):
        on = _with_prefilter(source, enabled, target, "check")
        off = _without(source, enabled, target, "check")
        assert _summary(on) == _summary(off), [c.code for c in enabled]


@pytest.mark.parametrize("cls,source,target", [c for c in CASES if c.values[0].fix_safety])
def test_prefilter_on_and_off_give_the_same_fixes(cls, source, target):
    target = parse_target(target)
    assert (_with_prefilter(source, list(ALL), target, "fix")
            == _without(source, list(ALL), target, "fix"))


def test_every_invalid_example_passes_its_own_rules_prefilter():
    for cls in ALL:
        for example in cls.INVALID:
            assert PREFILTER.rules_for(example.source.encode(), (cls.code,)) == (cls.code,), (
                cls.code, example.source)


def test_every_invalid_example_passes_its_own_rules_code_stage():
    prefilter = Prefilter.of_rules(ALL)
    for cls in ALL:
        for example in cls.INVALID:
            names = codenames.code_names(example.source.encode())
            assert names is None or prefilter.rules_in_code(names, (cls.code,)) == (cls.code,), (
                cls.code, example.source)


def test_tokens_match_whole_names_only():
    assert has_name(b"model.fit(x)", b"fit")
    assert has_name(b"fit", b"fit") and has_name(b"x=fit\n", b"fit")
    assert not has_name(b"profit = benefit", b"fit")
    assert not has_name(b"model.fit_generator(g)", b"fit")
    assert has_name(b"fit_x; fitness; fit", b"fit")  # later occurrences are found too
    assert has_name("caf\u00e9.fit()".encode(), b"fit")
    assert has_name("model.\uff46it(x)".encode(), b"fit")  # NFKC, as Python reads names


def test_groups_all_have_to_match_and_no_tokens_means_every_file():
    prefilter = Prefilter({"TFC1": (("run", "eval"), ("fit", "fit_generator")),
                           "TFC2": ("repeat",), "TFC3": ()})
    codes = ("TFC1", "TFC2", "TFC3")
    assert prefilter.rules_for(b"sess.run(x)", codes) == ("TFC3",)
    assert prefilter.rules_for(b"sess.run(x); m.fit_generator(g)", codes) == ("TFC1", "TFC3")
    assert prefilter.rules_for(b"ds.repeat()", ("TFC1", "TFC2")) == ("TFC2",)
    assert groups(()) == () and groups(("a", "b")) == (("a", "b"),)


@pytest.mark.parametrize("tokens,ok", [
    (("get_next",), True), ((("run", "eval"), ("fit",)), True), ((), True),
    ("get_next", False), (("tf.data",), False), (("",), False), ((("run",), "fit"), False),
    (((),), False)])
def test_rules_declare_names_or_groups_of_names(tokens, ok):
    cls = type("Probe", (ALL[0],), {"tokens": tokens})
    bad = [p for p in problems(cls) if "tokens" in p]
    assert (not bad) == ok, bad


def _imports_in_code(rule, source):
    names = codenames.code_names(source.encode())
    return Prefilter.of_rules([rule]).rules_in_code(names, (rule.code,)) == (rule.code,)


def test_via_is_every_import_a_qualified_name_can_go_through():
    group = via("tensorflow.estimator", "keras.preprocessing.image")
    assert group == ("keras", "keras.preprocessing", "tensorflow",
                     "keras.preprocessing.image.*", "tensorflow.compat.*",
                     "tensorflow.estimator.*")
    rule = type("Probe", (ALL[0],), {"code": "TFC999", "tokens": ("estimator",),
                                     "modules": (group,), "called": False})
    for source in ("import tensorflow as tf\ntf.estimator.RunConfig()",
                   "import tensorflow.compat.v1 as tf\ntf.estimator.RunConfig()",
                   "from tensorflow.compat import v1\nv1.estimator.RunConfig()",
                   "from tensorflow.estimator import RunConfig as estimator",
                   "import tensorflow.estimator.export as e\nestimator = e",
                   "import tensorflow.python.estimator\nestimator = 1"):
        assert _imports_in_code(rule, source), source
    # The name alone, or imports no qualified name under the prefixes can go through.
    for source in ("estimator = make_estimator()",
                   "from tensorflow.python.estimator import estimator",
                   "import tensorflow.python.estimator as estimator",
                   "from keras.models import Model\nestimator = Model"):
        assert not _imports_in_code(rule, source), source


def test_a_file_whose_imports_cannot_reach_a_rules_names_is_not_parsed_for_it():
    # tensorflow's own sources name `estimator` without importing tf.estimator.
    source = ("from tensorflow.python.estimator import estimator as estimator_lib\n"
              "def model_fn(estimator):\n    return estimator_lib.Estimator(model_fn)\n")
    linter = Linter(ALL)
    assert for_bytes(linter, source.encode()) is None
    assert linter.check(source) == []


# Import statements as Python's grammar allows them, odd spacing included; a name ending in a
# keyword; imports in strings and comments; relative and star imports.
IMPORT_SHAPES = [
    "import tensorflow as tf",
    "import tensorflow.compat.v1 as tf, numpy as np",
    "import os, tensorflow . compat . v1",
    "import\ttensorflow.keras.backend  as  K",
    "import \\\n    tensorflow.estimator",
    "import a.b as \\\r\n c, keras.layers",
    "x = 1; import tf_keras",
    "if True: import keras.models as km",
    "from tensorflow import keras",
    "from tensorflow.compat import (\n    v1,  # the old API\n    v2 as tf2,\n)",
    "from  tensorflow . keras . layers  import  Dense as D, Input",
    "from \\\n tensorflow.train \\\n import \\\n Saver",
    "from keras.preprocessing.image import *",
    "from . import keras\nfrom .tensorflow import estimator\nfrom .. keras import backend",
    "def f():\n    from tensorflow.compat.v1 import Session\n    return Session",
    "caf\u00e9 = 1\nimport caf\u00e9.tensorflow as t",
    "reimport = 1\nfromage = 2\nimport keras",
    # Python reads identifiers in NFKC: fullwidth letters are ASCII ones.
    "import \uff54ensorflow as tf\nfrom \uff4beras import layers",
    "'''import tensorflow'''\nimport numpy  # from keras import layers",
    "try:\n    import tensorflow.compat.v1 as tf\nexcept ImportError:\n    import tensorflow as tf",
]


@pytest.mark.parametrize("source", IMPORT_SHAPES)
def test_the_byte_scan_reads_every_import_python_reads(source):
    # Every module the second stage finds is one the byte scan has, or one of the names under
    # a `from` module it has.
    modules, parents = byte_imports(source.encode())
    for name in codenames.code_names(source.encode()).modules:
        parent, _, last = name.rpartition(".")
        assert name in modules or (parent in parents and parent in modules) or (
            last == "*" and parent in modules), (name, modules, parents)


def test_the_byte_scan_lets_a_rule_through_only_where_its_modules_may_be_imported():
    rule = type("Probe", (ALL[0],), {"code": "TFC999", "tokens": ("estimator",),
                                     "modules": (via("tensorflow.estimator"),), "called": False})
    prefilter = Prefilter.of_rules([rule])
    for source in IMPORT_SHAPES + ["from tensorflow.python.estimator import estimator",
                                   "estimator = 1"]:
        source += "\nestimator = 1"
        names = codenames.code_names(source.encode())
        by_code = prefilter.rules_in_code(names, ("TFC999",)) == ("TFC999",)
        by_bytes = prefilter.rules_for(source.encode(), ("TFC999",)) == ("TFC999",)
        assert by_bytes or not by_code, source
    # tensorflow's own modules: imports under tensorflow.python only, and no parse.
    assert prefilter.rules_for(
        b"from tensorflow.python.estimator import estimator\nestimator = 1", ("TFC999",)) == ()
    assert prefilter.rules_for(b"import tensorflow as tf\nestimator = 1", ("TFC999",)) == (
        "TFC999",)
    assert prefilter.rules_for(b"from tensorflow import estimator", ("TFC999",)) == (
        "TFC999",)


def test_an_aliased_import_binds_only_its_own_module():
    # `import tensorflow.compat.v1 as tf` imports tensorflow.compat.v1, not the name
    # `tensorflow`: a rule about code using TF 2's own `tensorflow` is not let through.
    prefilter = Prefilter({"TFC999": ("Session",)}, modules_by_code={"TFC999": ("tensorflow",)})
    assert prefilter.rules_for(b"import tensorflow.compat.v1 as tf\ntf.Session()", (
        "TFC999",)) == ()
    for source in (b"import tensorflow.compat.v1\ntensorflow.Session()",
                   b"import tensorflow as tf\ntf.Session()",
                   b"import numpy as np, tensorflow.compat.v1, os\ntensorflow.Session()"):
        assert prefilter.rules_for(source, ("TFC999",)) == ("TFC999",), source

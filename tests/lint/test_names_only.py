"""The names-only path (tfcompat.lint.engine.names): a names-only rule (TFC408) reports what and
where it reported when it walked libcst's tree, whether the file is parsed by libcst (another
candidate rule walks it) or not. The expected positions and names are libcst's: columns in
characters, a dotted name without its own parentheses, the text as written."""
import ast

import pytest

from tfcompat.lint import rules
from tfcompat.lint.driver.target import parse_target
from tfcompat.lint.engine import work
from tfcompat.lint.engine.linter import Linter
from tfcompat.lint.engine.results import ParseFailure

TF = "import tensorflow as tf\n"
CASES = [
    # Its own parentheses are part of the name as written, not of its range; a call's are not.
    (TF + "x = (tf.estimator.ModeKeys.TRAIN)\n", (2, 6, 2, 33), "(tf.estimator.ModeKeys"),
    (TF + "x = ((tf.estimator.Estimator)).foo\n", (2, 5, 2, 35), "((tf.estimator.Estimator))"),
    (TF + "x = f((tf.estimator.Estimator))\n", (2, 8, 2, 30), "(tf.estimator.Estimator)"),
    (TF + "class A(tf.estimator.SessionRunHook): pass\n", (2, 9, 2, 36),
     "tf.estimator.SessionRunHook"),
    (TF + "x = tf . estimator . Estimator\n", (2, 5, 2, 31), "tf . estimator . Estimator"),
    # Columns count characters (ast counts UTF-8 bytes).
    (TF + "y = '日本'; x = (tf.estimator.Estimator)\n", (2, 16, 2, 38),
     "(tf.estimator.Estimator)"),
    # The dotted names of imports are names too: canonical through another import.
    ("import tensorflow.compat.v1.estimator\n", (1, 8, 1, 38),
     "tensorflow.compat.v1.estimator"),
    ("import tensorflow\nfrom tensorflow.compat.v1.estimator import Estimator\n",
     (2, 6, 2, 36), "tensorflow.compat.v1.estimator"),
    ("from tensorflow.estimator import (\n  Estimator,  # c\n  ModeKeys as M)\n",
     (1, 6, 1, 26), "tensorflow.estimator"),
    ("from keras.preprocessing.image import (  # augment\n    load_img,\n"
     "    ImageDataGenerator as Gen)\n", (3, 5, 3, 23),
     "keras.preprocessing.image.ImageDataGenerator` is gone from Keras 3"),
    # The first use in source order, which is not the ast's field order.
    (TF + "x = tf.estimator.Estimator if tf.estimator.TrainSpec else 0\n", (2, 5, 2, 27),
     "tf.estimator.Estimator"),
    ("def g():\n    import tensorflow as tf\nx = tf.estimator.Estimator\n", (3, 5, 3, 27),
     "tf.estimator.Estimator"),
    # Line ends as libcst counts them; a form feed indenting a module-level line is not in
    # libcst's code, nor in its columns.
    ("import tensorflow as tf\rx = tf.estimator.Estimator\r", (2, 5, 2, 27),
     "tf.estimator.Estimator"),
    (TF + " \x0cx = tf.estimator.Estimator\n", (2, 5, 2, 27), "tf.estimator.Estimator"),
    (TF + "x = \x0ctf.estimator.Estimator\n", (2, 6, 2, 28), "tf.estimator.Estimator"),
]


def _findings(linter, source):
    return [((f.line, f.col, f.end_line, f.end_col), f.message) for f in linter.check(source)
            if f.code == "TFC408"]


def _linters():
    target = parse_target("2.16")
    names_only = Linter([rules.get("TFC408")], target)
    # TFC505 walks libcst's tree: the file is parsed, and TFC408 runs beside the walk.
    with_libcst = Linter([rules.get("TFC408"), rules.get("TFC505")], target)
    return names_only, with_libcst


@pytest.mark.parametrize("source,at,name", CASES)
def test_names_only_findings_are_where_libcst_put_them(source, at, name):
    for linter in _linters():
        message = "`%s" % name if "`" in name else "`%s` is gone from TF 2.16" % name
        assert _findings(linter, source) == [(at, message)]


def test_noqa_comments_apply_without_libcst():
    source = TF + "x = 1  # noqa\ny = tf.estimator.Estimator  # noqa: TFC408\n"
    other = TF + "y = tf.estimator.Estimator  # noqa: TFC999\n"
    whole = "# tfcompat: noqa: TFC408\n" + TF + "y = tf.estimator.Estimator\n"
    for linter in _linters():
        assert _findings(linter, source) == []
        assert [at for at, _ in _findings(linter, other)] == [(2, 5, 2, 27)]
        assert _findings(linter, whole) == []


def test_a_names_only_linter_parses_nothing_with_libcst():
    names_only, with_libcst = _linters()
    source = TF + "x = tf.estimator.Estimator\n"
    before = work.COUNTS["libcst parses"]
    assert _findings(names_only, source)
    assert work.COUNTS["libcst parses"] == before
    assert _findings(with_libcst, source)
    assert work.COUNTS["libcst parses"] == before + 1


def test_code_python_refuses_is_still_libcsts_to_name():
    # Python's parser refuses it: the libcst way says why (the pipeline's TFC902).
    names_only, _ = _linters()
    with pytest.raises(ParseFailure, match="Python 2 code"):
        names_only.check("import tensorflow as tf\nprint tf.estimator.Estimator\n")


def test_a_fix_loop_of_names_only_rules_parses_nothing_with_libcst_and_notes_the_same():
    names_only, with_libcst = _linters()
    source = TF + "x = tf.estimator.Estimator\n"
    before = work.COUNTS["libcst parses"]
    result = names_only.fix(source, tree=ast.parse(source))
    assert work.COUNTS["libcst parses"] == before
    assert (result.text, result.fixed, result.notes) == (source, 0, ())
    assert result.findings == result.before == names_only.check(source)
    # Lone CRs: libcst cannot write the file back, and says so, as it did.
    crs = source.replace("\n", "\r")
    assert names_only.fix(crs, tree=ast.parse(crs)).notes == with_libcst.fix(crs).notes != ()

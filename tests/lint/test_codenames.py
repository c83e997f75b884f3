"""The worker's second prefilter stage: the names a file's code uses, from the stdlib parser."""
import sys
import textwrap

import pytest
from lint_helpers import needs_parse

from tfcompat.lint import rules
from tfcompat.lint.analysis.codenames import code_names
from tfcompat.lint.engine.linter import Linter


def _names(source):
    return code_names(textwrap.dedent(source).encode())


def test_names_come_from_code_not_from_docstrings_comments_or_strings():
    names = _names('''
        """Call fit_generator with a Session."""
        import tensorflow.compat.v1 as tf  # placeholder
        def train(model, gen, steps=3):
            text = "a long string that mentions evaluate_generator and many other words"
            return model.fit(gen, steps_per_epoch=steps)
        ''')
    for name in ("tensorflow", "compat", "v1", "tf", "train", "model", "gen", "fit",
                 "steps_per_epoch", "steps"):
        assert name in names.words, name
    for name in ("fit_generator", "Session", "placeholder", "evaluate_generator"):
        assert name not in names.words, name
    # `import a.b.c as d` binds d to a.b.c: the package `tensorflow` itself is not named.
    assert "tensorflow.compat.v1" in names.modules and "tensorflow" not in names.modules


def test_yield_is_a_word_where_there_is_one():
    assert "yield" in _names("def g():\n    yield 1\n").words
    assert "yield" in _names("def g():\n    yield from h()\n").words
    assert "yield" not in _names("def f():\n    return 1\n").words


def test_import_paths_keep_their_dots_and_import_a_b_binds_a():
    names = _names("import tensorflow.python.ops as ops\nfrom keras.layers import Dense\n")
    assert {"tensorflow.python.ops", "keras.layers", "keras.layers.Dense"} <= names.modules
    assert "tensorflow" not in names.modules  # `as ops`: ops is tensorflow.python.ops
    assert "tensorflow" in _names("import tensorflow.python.ops\n").modules
    assert "keras" not in _names("from .keras import layers\n").modules  # relative


@pytest.mark.parametrize("source,name", [
    # Code a compiler would drop or never compile still counts: the rules see it.
    ("if False:\n    model.fit_generator(g)\n", "fit_generator"),
    ("while True:\n    break\nelse:\n    model.fit_generator(g)\n", "fit_generator"),
    ("def f(m, t):\n    return\n    m.compile(target_tensors=t)\n", "target_tensors"),
    ("def f():\n    raise E\n    def g():\n        yield s.run(x)\n", "yield"),
    ("def f():\n    s: tf.InteractiveSession = None\n", "InteractiveSession"),
    ("assert ds.make_one_shot_iterator()\n", "make_one_shot_iterator"),
    ("x = [m.fit_generator(g) for m in ms if 0]\n", "fit_generator"),
    ("match p:\n    case Point(x=0, y=rest):\n        pass\n", "x"),
    ("from __future__ import annotations\ndef f(m: Optional[keras.Model]): pass\n", "Model"),
])
def test_every_name_of_the_source_counts(source, name):
    if source.startswith("match") and sys.version_info < (3, 10):
        # Python 3.9 has no match statement: no answer, and every candidate rule runs.
        assert code_names(source.encode()) is None
        return
    assert name in code_names(source.encode()).words


@pytest.mark.parametrize("source", ["print 'python 2'\n", "def f(:\n", "x = 1\0\n"])
def test_no_answer_where_this_python_cannot_parse(source):
    assert code_names(source.encode()) is None


def test_a_token_only_in_a_docstring_is_not_parsed_and_one_in_code_is():
    linter = Linter(rules.all_rules())
    assert not needs_parse(linter, b'"""Use model.fit_generator(gen)."""\nx = 1\n')
    assert needs_parse(linter, b'model.fit_generator(gen)\n')


def test_modules_narrow_a_rule_to_files_importing_them():
    linter = Linter([rules.get("TFC405")], target_tf=(2, 16))
    # TensorFlow's own modules name Session through tensorflow.python: not tf.Session.
    assert not needs_parse(linter,
        b"from tensorflow.python.client import session\ns = session.Session()\n")
    assert needs_parse(linter, b"import tensorflow as tf\ns = tf.Session()\n")
    assert needs_parse(linter, b"import tensorflow.python.ops\ns = tensorflow.Session()\n")
    assert needs_parse(linter, b"from keras import backend as K\nK.get_session()\n")


def test_called_names_and_imported_ones():
    names = _names("""
        from tensorflow.data import Dataset as D
        from tfcompat import from_arrays as fa
        batch = 0
        ds = D.range(3).shuffle(2)
        np.random.shuffle(w)
        """)
    assert {"range", "shuffle", "Dataset", "from_arrays"} <= names.called
    assert "batch" not in names.called and "batch" in names.words


def test_a_called_rule_needs_its_methods_called():
    linter = Linter([rules.get("TFC502")])  # shuffle after batch
    assert not needs_parse(linter, b"batch = 0\nnp.random.shuffle(w)\n")
    assert needs_parse(linter, b"ds = ds.batch(4).shuffle(10)\n")

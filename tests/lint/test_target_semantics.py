"""target-tf is the oldest TF the code must run on (docs/target-tf.md): a pattern that some TF
from the target on breaks is reported for every target; a pattern only old TFs suffer is
reported while the target is old enough; keras-target tf_keras keeps Keras 2 on the newer TFs."""
import textwrap

import pytest

from tfcompat.lint import rules
from tfcompat.lint.engine.linter import Linter
from tfcompat.lint.rule import parse_target

# (code, source, keras-target): broken by TF 2 or Keras 3, so reported at every target.
REACHED = [
    ("TFC401", "import tensorflow as tf\nit = ds.make_one_shot_iterator()", None),
    ("TFC402", "import tensorflow as tf\nds = tf.contrib.data.Dataset.range(4)", None),
    ("TFC403", "model.fit_generator(batches(), steps_per_epoch=10)", None),
    ("TFC404", "from keras.layers import Input\ninputs = Input(tensor=it.get_next())", None),
    ("TFC405", "import tensorflow as tf\nsess = tf.Session()", None),
    ("TFC407", """
        import tensorflow as tf
        with tf.Session() as sess:
            model.fit(x, y)
        """, None),
    ("TFC408", "import tensorflow as tf\nspec = tf.estimator.TrainSpec(input_fn)", None),
    ("TFC409", "model.fit(batches, epochs=5, workers=4)", None),
    ("TFC410", "import tensorflow as tf\nshapes = tf.data.Dataset.range(4).output_shapes", None),
    ("TFC411", "import tensorflow as tf\nxb, yb = tf.train.batch([x, y], 32)", None),
    ("TFC412", "import keras\nopt = keras.optimizers.Adam(lr=0.001)", None),
    ("TFC416", """
        import keras
        class Batches(keras.utils.Sequence):
            def __init__(self, x):
                self.x = x
        """, None),
    ("TFC203", "import keras\nmodel = keras.Sequential()", "tf_keras"),
    ("TFC413", """
        import tensorflow as tf
        from tensorflow import keras
        inputs = keras.layers.Input(tensor=x)
        """, "tf_keras"),
]
TARGETS = ["1.15", "2.0", "2.10", "2.15", "2.16", None]


def _codes(code, source, target, keras_target=None):
    cls = next(r for r in rules.all_rules() if r.code == code)
    linter = Linter([cls], parse_target(target) if target else None,
                           keras_target=keras_target)
    return [f.code for f in linter.check(textwrap.dedent(source).lstrip("\n"))]


@pytest.mark.parametrize("code,source,keras_target", REACHED, ids=[r[0] for r in REACHED])
def test_what_a_newer_tf_breaks_is_reported_for_every_target(code, source, keras_target):
    for target in TARGETS:
        assert _codes(code, source, target, keras_target) == [code], target


@pytest.mark.parametrize("code", ["TFC407", "TFC409", "TFC416"])
def test_tf_keras_keeps_keras_2_on_the_newer_tfs(code):
    source = next(s for c, s, _ in REACHED if c == code)
    for target in TARGETS:
        assert _codes(code, source, target, "tf_keras") == [], target


def test_what_only_old_tfs_suffer_is_reported_while_the_target_is_old_enough():
    source = """
        import tensorflow as tf
        model.fit(tf.data.Dataset.from_tensor_slices((x, y)).batch(32), epochs=5)
        """
    assert _codes("TFC504", source, "1.15") == ["TFC504"]
    assert _codes("TFC504", source, "2.10") == ["TFC504"]
    for target in ("2.11", "2.16", None):
        assert _codes("TFC504", source, target) == [], target


def test_a_fix_is_offered_only_where_it_runs_on_the_whole_range():
    cls = next(r for r in rules.all_rules() if r.code == "TFC412")
    source = "import keras\nopt = keras.optimizers.Adam(lr=0.001)\n"
    old = Linter([cls], parse_target("1.15")).check(source)
    new = Linter([cls], parse_target("2.11")).check(source)
    assert [f.fixable for f in old] == [False]
    assert [f.fixable for f in new] == [True]

"""TFC408's message and help fit the kind of API each finding is about, and a module gets one
finding per kind: estimator ModeKeys constants, session hooks, model_to_estimator, the rest of
tf.estimator, ImageDataGenerator."""
import textwrap

from tfcompat.lint.engine.linter import Linter
from tfcompat.lint.rule import parse_target
from tfcompat.lint.rules.removed_feeding_api import RemovedFeedingApi

SOURCE = textwrap.dedent("""\
    import tensorflow as tf
    from keras.preprocessing.image import ImageDataGenerator
    def model_fn(features, labels, mode):
        if mode == tf.estimator.ModeKeys.TRAIN:
            hooks = [tf.estimator.StopAtStepHook(last_step=10)]
        spec = tf.estimator.EstimatorSpec(mode, loss=loss)
        return tf.estimator.EstimatorSpec(mode, predictions=labels)
    estimator = tf.keras.estimator.model_to_estimator(keras_model=model)
    training = tf.estimator.ModeKeys.TRAIN
    generator = ImageDataGenerator(rotation_range=10)
    """)


def _findings(source, target="2.16"):
    linter = Linter([RemovedFeedingApi], parse_target(target))
    return [(f.line, f.message, f.help) for f in linter.check(source)]


def test_one_finding_per_kind_with_its_own_help():
    findings = _findings(SOURCE)
    assert [(line, message) for line, message, _ in findings] == [
        (2, "`keras.preprocessing.image.ImageDataGenerator` is gone from Keras 3"),
        (4, "`tf.estimator.ModeKeys` is gone from TF 2.16"),
        (5, "`tf.estimator.StopAtStepHook` is gone from TF 2.16"),
        (6, "`tf.estimator.EstimatorSpec` is gone from TF 2.16"),
        (8, "`tf.keras.estimator.model_to_estimator` is gone from TF 2.16"),
    ]
    helps = {line: help for line, _, help in findings}
    assert "tf_keras" in helps[2] and "RandomFlip" in helps[2]
    assert "'train', 'eval' and 'infer'" in helps[4]
    assert "tf.compat.v1.train.StopAtStepHook" in helps[5]
    assert "model_fn" in helps[6]
    assert "fit on the input_fn's dataset" in helps[8] and "model_fn" not in helps[8]


def test_every_target_reaches_the_versions_that_remove_them():
    # target-tf is the oldest TF the code must run on (docs/target-tf.md): what TF 2.16
    # removes is reported for a 2.15 or a 1.15 target too.
    assert _findings(SOURCE, target="2.15") == _findings(SOURCE, target="2.16") != []
    assert _findings(SOURCE, target="1.15") == _findings(SOURCE, target="2.16")

import libcst as cst

from tfcompat import versions
from tfcompat.lint.rule import Invalid, Rule, Valid

# What is gone, the version fact that says when, and what to use instead. A name is reported
# where it is imported or spelled out; the first matching prefix wins.
_IMAGE_GENERATOR = (
    "gone from Keras 3: build a tf.data pipeline (keras.utils.image_dataset_from_directory, "
    "or Dataset.from_tensor_slices) with augmentation layers (RandomFlip, RandomTranslation, "
    "RandomRotation), or keep Keras 2 with tf_keras (keras-target = \"tf_keras\", "
    "TF_USE_LEGACY_KERAS=1)")
_GONE = (
    (tuple("%s.preprocessing.image.%s" % (k, n)
           for k in ("keras", "tensorflow.keras")
           for n in ("ImageDataGenerator", "NumpyArrayIterator", "DirectoryIterator")),
     "tf_keras_is_keras3", _IMAGE_GENERATOR),
    (("tensorflow.keras.estimator", "tensorflow.estimator", "tensorflow_estimator"),
     "estimator",
     "gone from TF 2.16: train the Keras model with fit on the input_fn's dataset, or stay on "
     "TF <= 2.15"),
    (("tensorflow.contrib.learn.python.learn.datasets", "tensorflow.contrib.learn.datasets"),
     "contrib_learn_datasets",
     "gone from TF 2.0: load the arrays with keras.datasets (mnist.load_data()) or "
     "tensorflow_datasets"),
)


def _gone_in(fact):
    """The TF version where ``fact`` stops holding (its TF rows' earliest `gone`), or None."""
    gone = [r.gone for r in versions.rows(fact) if r.lib == "tf" and r.gone]
    return min(gone) if gone else None


class RemovedFeedingApi(Rule):
    """
    ## What it does
    Finds data-feeding APIs that the target TF no longer has: Keras' `ImageDataGenerator` (and
    its iterators) when the target's Keras is Keras 3, `tf.estimator` and
    `tf.keras.estimator.model_to_estimator` on TF >= 2.16, and `tf.contrib.learn`'s dataset
    readers on TF 2.

    ## Why is this bad?
    The import or attribute fails before training starts ("cannot import name
    'ImageDataGenerator'", "module 'keras' has no attribute 'estimator'", "No module named
    'tensorflow.contrib'"), and no rewrite keeps what the old API did: each needs its own
    replacement, named in the message.

    ## Example
    ```python
    from keras.preprocessing.image import ImageDataGenerator
    ```

    ## Use instead
    ```python
    import keras

    augment = keras.Sequential([keras.layers.RandomFlip("horizontal"),
                                keras.layers.RandomTranslation(0.1, 0.1)])
    ```

    ## Fix safety
    No fix: the replacements differ in what they compute (augmentation draws, estimator
    checkpoints, dataset splits).

    ## Versions
    `ImageDataGenerator`: Keras 1 to the tf_keras package; not in Keras 3 (tf.keras from TF
    2.16). `tf.estimator`: TF 1.3 to 2.15. `tf.contrib.learn` datasets: TF 1.x. Reported for
    targets where each is gone (an unknown target: the newest TF); ImageDataGenerator not when
    keras-target is `tf_keras`.
    """

    code = "TFC408"
    name = "removed-feeding-api"
    message = "`{name}` is {advice}"
    tokens = ("ImageDataGenerator", "NumpyArrayIterator", "DirectoryIterator", "estimator",
              "learn")

    VALID = [
        Valid("from keras.preprocessing.image import ImageDataGenerator", target_tf="2.15"),
        Valid("import tensorflow as tf\nspec = tf.estimator.TrainSpec(input_fn)",
              target_tf="2.15"),
        # Keras 3 keeps these image helpers.
        Valid("from keras.preprocessing.image import load_img, img_to_array", target_tf="2.16"),
        Valid("from tensorflow.contrib.learn.python.learn.datasets import mnist",
              target_tf="1.15"),
    ]
    INVALID = [
        Invalid("from keras.preprocessing.image import ImageDataGenerator",
                at=(1, 39), target_tf="2.16"),
        Invalid(
            """
            import tensorflow as tf
            gen = tf.keras.preprocessing.image.ImageDataGenerator(rotation_range=10)
            """,
            at=(2, 7), target_tf="2.16"),
        Invalid(
            """
            import tensorflow as tf
            estimator = tf.keras.estimator.model_to_estimator(keras_model=model)
            """,
            at=(2, 13), target_tf="2.16"),
        Invalid("from tensorflow.contrib.learn.python.learn.datasets import mnist",
                at=(1, 6), target_tf="2.0"),
        # No target: the newest TF.
        Invalid(
            """
            import tensorflow as tf
            spec = tf.estimator.TrainSpec(input_fn=train_input, max_steps=100)
            """,
            at=(2, 8)),
    ]

    def visit_ImportFrom(self, node):
        module = self.code_for(node.module) if node.module is not None else ""
        advice = self._gone(module)
        if advice:
            self.report(node.module, name=module, advice=advice)
            return
        if isinstance(node.names, cst.ImportStar):
            return
        for alias in node.names:
            name = "%s.%s" % (module, self.code_for(alias.name))
            advice = self._gone(name)
            if advice:
                self.report(alias.name, name=name, advice=advice)

    def visit_Attribute(self, node):
        parent = self.context.ancestors[-2] if len(self.context.ancestors) > 1 else None
        if isinstance(parent, cst.Attribute) and parent.value is node:
            return  # the longest spelled-out name is judged, once
        name = self.qualified_name(node)
        advice = self._gone(name) if name else None
        if advice:
            self.report(node, name=self.code_for(node), advice=advice)

    def _gone(self, name):
        for prefixes, fact, advice in _GONE:
            if any(name == p or name.startswith(p + ".") for p in prefixes):
                return advice if self._gone_for_target(fact) else None
        return None

    def _gone_for_target(self, fact):
        if fact == "tf_keras_is_keras3":
            if self.keras_target == "tf_keras":
                return False
            return self.target_tf is None or self.target_at_least(fact)
        gone = _gone_in(fact)
        return self.target_tf is None or (gone is not None and self.target_tf >= gone)

from tfcompat import versions
from tfcompat.lint.analysis.prefilter import via
from tfcompat.lint.rule import Invalid, Rule, Valid

# What is gone, by kind: (kind, prefixes of its canonical names, the version fact that says
# when). The first matching prefix wins; a module gets one finding per kind (see the class).
_GONE = (
    ("image_generator",
     tuple("%s.preprocessing.image.%s" % (k, n)
           for k in ("keras", "tensorflow.keras")
           for n in ("ImageDataGenerator", "NumpyArrayIterator", "DirectoryIterator")),
     "tf_keras_is_keras3"),
    ("model_to_estimator", ("tensorflow.keras.estimator",), "estimator"),
    ("estimator", ("tensorflow.estimator", "tensorflow_estimator"), "estimator"),
    ("contrib_learn_datasets",
     ("tensorflow.contrib.learn.python.learn.datasets", "tensorflow.contrib.learn.datasets"),
     "contrib_learn_datasets"),
    ("tutorials_mnist", ("tensorflow.examples.tutorials",), "tutorials_mnist"),
)
# tf.estimator's session hooks are tf.compat.v1.train's own classes re-exported, and stay there
# (MonitoredSession's; checked on TF 2.21).
_HOOKS = frozenset((
    "SessionRunHook", "SessionRunArgs", "SessionRunContext", "SessionRunValues",
    "StopAtStepHook", "LoggingTensorHook", "FinalOpsHook", "CheckpointSaverHook",
    "CheckpointSaverListener", "StepCounterHook", "NanTensorHook", "SummarySaverHook",
    "GlobalStepWaiterHook", "FeedFnHook", "ProfilerHook", "SecondOrStepTimer"))
# The remedy by kind; estimator's split by what the name is.
_ADVICE = {
    "image_generator": (
        "build a tf.data pipeline (keras.utils.image_dataset_from_directory) with augmentation "
        "layers (RandomFlip, RandomRotation), or keep Keras 2 with tf_keras "
        "(TF_USE_LEGACY_KERAS=1)"),
    "model_to_estimator": (
        "train the Keras model with fit on the input_fn's dataset, or stay on TF <= 2.15"),
    "estimator": (
        "port the model_fn to a Keras model trained with fit on the input_fn's dataset, or "
        "stay on TF <= 2.15"),
    "mode_keys": (
        "ModeKeys are the strings 'train', 'eval' and 'infer': use them, or constants of your "
        "own"),
    "hooks": "the same hooks are tf.compat.v1.train's (tf.compat.v1.train.{attr})",
    "contrib_learn_datasets": (
        "load the arrays with keras.datasets (mnist.load_data()) or tensorflow_datasets"),
    "tutorials_mnist": (
        "load the arrays with keras.datasets (mnist.load_data(); images 0-255, labels as "
        "integers) or tensorflow_datasets"),
}


def _gone_in(fact):
    """The TF version where ``fact`` stops holding (its TF rows' earliest `gone`), or None."""
    gone = [r.gone for r in versions.rows(fact) if r.lib == "tf" and r.gone]
    return min(gone) if gone else None


class RemovedFeedingApi(Rule):
    """
    ## What it does
    Finds data-feeding APIs that a TF from the target on no longer has (every target reaches the
    newest TF: docs/target-tf.md): Keras' `ImageDataGenerator` (and its iterators) unless
    keras-target is `tf_keras`, `tf.estimator` and
    `tf.keras.estimator.model_to_estimator` on TF >= 2.16, and `tf.contrib.learn`'s dataset
    readers and the tutorials' MNIST reader (`tensorflow.examples.tutorials.mnist`) on TF 2.

    ## Why is this bad?
    The import or attribute fails before training starts ("cannot import name
    'ImageDataGenerator'", "module 'keras' has no attribute 'estimator'", "No module named
    'tensorflow.contrib'"), and no rewrite keeps what the old API did: each needs its own
    replacement, named in the help line.

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

    One finding per module and kind of API, at its first import or use: `ImageDataGenerator`
    and its iterators; `model_to_estimator`; `tf.estimator.ModeKeys` (plain strings, an easy
    replacement); tf.estimator's session hooks (`SessionRunHook`, `StopAtStepHook`..., which
    stay in `tf.compat.v1.train`); the rest of `tf.estimator`; tf.contrib.learn's datasets;
    the tutorials' MNIST reader.
    The module depends on that API until every use is replaced, and each kind has its own
    remedy (the help line), so one finding per use would repeat one message dozens of times.

    ## Fix safety
    No fix: the replacements differ in what they compute (augmentation draws, estimator
    checkpoints, dataset splits). One shape has a rewrite of its own: a `model_to_estimator`
    trained once on input_fns' datasets becomes `model.fit` (TFC414, unsafe).

    ## Versions
    `ImageDataGenerator`: Keras 1 to the tf_keras package; not in Keras 3 (tf.keras from TF
    2.16). `tf.estimator`: TF 1.3 to 2.15. `tf.contrib.learn` datasets and
    `tensorflow.examples.tutorials`: TF 1.x. Reported for
    targets where each is gone (an unknown target: the newest TF); ImageDataGenerator not when
    keras-target is `tf_keras`.
    """

    code = "TFC408"
    name = "removed-feeding-api"
    message = "`{name}` is gone from {where}"
    tokens = ("ImageDataGenerator", "NumpyArrayIterator", "DirectoryIterator", "estimator",
              "learn", "tutorials")
    # Every name it reports is under a _GONE prefix, imported or reached through an import.
    modules = (via(*(prefix for _, prefixes, _ in _GONE for prefix in prefixes)),)

    VALID = [
        # tf_keras keeps ImageDataGenerator.
        Valid("from keras.preprocessing.image import ImageDataGenerator", target_tf="2.15",
              keras_target="tf_keras"),
        # Keras 3 keeps these image helpers.
        Valid("from keras.preprocessing.image import load_img, img_to_array", target_tf="2.16"),
        # TF 2's own examples package (tensorflow_examples) is another thing.
        Valid("from tensorflow_examples.models.pix2pix import pix2pix", target_tf="2.16"),
        # Look-alikes: ModeKeys and hooks of tf.compat.v1.train and Keras, a local estimator.
        Valid(
            """
            import tensorflow as tf
            hook = tf.compat.v1.train.StopAtStepHook(last_step=10)
            mode = tf.keras.backend.learning_phase()
            estimator = make_estimator()
            estimator.ModeKeys.TRAIN
            """,
            target_tf="2.16"),
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
        # The tutorials' MNIST reader, imported from its package or as a module.
        Invalid("from tensorflow.examples.tutorials.mnist import input_data",
                at=(1, 6), target_tf="2.0"),
        Invalid("import tensorflow.examples.tutorials.mnist.input_data as input_data",
                at=(1, 8), target_tf="2.16"),
        # No target: the newest TF.
        Invalid(
            """
            import tensorflow as tf
            spec = tf.estimator.TrainSpec(input_fn=train_input, max_steps=100)
            """,
            at=(2, 8)),
        # One finding per module and kind: ModeKeys' constants, at the first use.
        Invalid(
            """
            import tensorflow as tf
            def model_fn(features, labels, mode):
                training = mode == tf.estimator.ModeKeys.TRAIN
                if mode == tf.estimator.ModeKeys.PREDICT:
                    return predictions
                return tf.compat.v1.estimator.ModeKeys.EVAL
            """,
            at=(3, 24), target_tf="2.16"),
        # Imported, then used: the import.
        Invalid(
            """
            from keras.preprocessing.image import ImageDataGenerator
            from keras.preprocessing import image
            train = ImageDataGenerator(rescale=1 / 255.0)
            test = image.ImageDataGenerator(rescale=1 / 255.0)
            """,
            at=(1, 39), target_tf="2.16"),
        # A session hook, several times.
        Invalid(
            """
            import tensorflow as tf
            class Hook(tf.estimator.SessionRunHook):
                def before_run(self, context):
                    return tf.estimator.SessionRunArgs(self.loss)
            hooks = [Hook(), tf.estimator.StopAtStepHook(last_step=10)]
            """,
            at=(2, 12), target_tf="2.16"),
        # A target reaches the newest TF (docs/target-tf.md): reported at every target.
        Invalid("from keras.preprocessing.image import ImageDataGenerator",
                at=(1, 39), target_tf="2.15"),
        Invalid("import tensorflow as tf\nspec = tf.estimator.TrainSpec(input_fn)",
                at=(2, 8), target_tf="2.15"),
        Invalid("from tensorflow.contrib.learn.python.learn.datasets import mnist",
                at=(1, 6), target_tf="1.15"),
        Invalid("from tensorflow.examples.tutorials.mnist import input_data",
                at=(1, 6), target_tf="1.15"),
    ]

    def check_names(self, uses):
        # Names only: run on Python's own syntax tree (tfcompat.lint.engine.names).
        self._kinds = set()  # the kinds this module has had its finding for
        for use in uses:
            if use.kind == "import":
                if self._kind(use.name) is not None:
                    self._check(use, use.name, use.name)
            elif use.kind == "from":
                if self._kind(use.name) is not None or use.star:
                    self._check(use, use.name, use.name)  # the module itself is gone
                    continue
                for alias in use.aliases:
                    name = "%s.%s" % (use.name, alias.name)
                    self._check(alias, name, name)
            else:  # the longest spelled-out name, judged once
                self._check(use, use.name, use.spelled)

    def _kind(self, name):
        """(kind, prefix, version fact) of the first _GONE prefix ``name`` is under, or None."""
        for kind, prefixes, fact in _GONE:
            for prefix in prefixes:
                if name == prefix or name.startswith(prefix + "."):
                    return kind, prefix, fact
        return None

    def _check(self, use, name, spelled):
        """Report ``use`` (canonical ``name``, written ``spelled``) when it is gone, once per
        module and kind: at the first import or use, named down to the API it is part of."""
        found = self._kind(name)
        if found is None or not self._gone_for_target(found[2]):
            return
        kind, prefix, fact = found
        parts = name[len(prefix) + 1:].split(".") if name != prefix else []
        api = len(parts)
        if kind == "estimator":
            # tf.estimator.X.Y is X's; ModeKeys and the hooks have remedies of their own.
            own = [i for i, p in enumerate(parts) if p == "ModeKeys" or p in _HOOKS]
            api = own[0] + 1 if own else min(api, 1)
            if own:
                kind = "mode_keys" if parts[own[0]] == "ModeKeys" else "hooks"
        if kind in self._kinds:
            return
        self._kinds.add(kind)
        drop = len(parts) - api
        if drop > 0 and spelled.count(".") >= drop:
            spelled = spelled.rsplit(".", drop)[0]
        gone = _gone_in(fact)
        where = "TF %d.%d" % gone[:2] if gone else "Keras 3"
        self.report(use, name=spelled, where=where,
                    help=_ADVICE[kind].format(attr=parts[api - 1] if api else ""))

    def _gone_for_target(self, fact):
        """Gone from some TF the code must run on: every target reaches the newest TF; Keras 3
        only where keras-target is not tf_keras (which keeps Keras 2 there)."""
        if fact == "tf_keras_is_keras3":
            return self.keras_target != "tf_keras"
        return _gone_in(fact) is not None

from tfcompat.lint.analysis import namespaces
from tfcompat.lint.rule import UNSAFE, Invalid, Rule, Run, Valid


class KerasOffTarget(Rule):
    """
    ## What it does
    Finds a module that imports standalone `keras` (and no other Keras namespace: that is
    TFC202) when `keras-target = "tf_keras"` is set in `[tool.tfcompat]`: TF 2.16+, where
    `keras` is Keras 3, is within reach of every target (docs/target-tf.md).

    ## Why is this bad?
    From TF 2.16 the `keras` package is Keras 3, whatever `TF_USE_LEGACY_KERAS` says: that
    variable only makes `tf.keras` the Keras 2 of the `tf_keras` package. Keras 2 code that
    imports `keras` keeps failing on Keras 3 ("cannot import name 'ImageDataGenerator'",
    "'Functional' object has no attribute 'fit_generator'", "Argument(s) not recognized:
    {'lr': ...}") even in a project that chose to stay on Keras 2: its models are built by
    Keras 3 and never see tf_keras.

    ## Example
    ```python
    import keras
    from keras.preprocessing.image import ImageDataGenerator
    ```

    ## Use instead
    ```python
    import tf_keras as keras
    from tf_keras.preprocessing.image import ImageDataGenerator
    ```
    and run with `TF_USE_LEGACY_KERAS=1`, so that `tf.keras` (in this module's imports or in
    libraries it calls) is the same tf_keras.

    ## Fix safety
    Unsafe: every `keras` import (star imports included) moves onto `tf_keras`, where code
    written for Keras 3 (`keras.ops`, other backends) does not run; the linter cannot tell which
    Keras the module was written for, only what keras-target says.

    ## Versions
    Keras 3 is the `keras` package from TF 2.16; tf_keras (Keras 2) 2.15+ needs
    `TF_USE_LEGACY_KERAS=1` for tf.keras to be it. Reported for every target, fixed for
    targets 2.16+ (where tf_keras exists). Rewrite run by
    tests/runtime/test_rewrites_run.py in tf115-keras231 (original) and tf221-tfkeras (fixed).
    """

    code = "TFC203"
    name = "keras-off-target"
    message = ("standalone `keras` is Keras 3 on TF {tf}, but keras-target is tf_keras: this "
               "module's models are not built by tf_keras")
    help = ("import Keras 2 from `tf_keras` (`import tf_keras as keras`) and run with "
            "TF_USE_LEGACY_KERAS=1")
    tokens = ("keras",)
    modules = (namespaces.VIA["keras"],)
    keras_targets = ("tf_keras",)
    fix_safety = UNSAFE
    fix_tf = "tf_keras_is_keras3"
    doc_keras_target = "tf_keras"

    VALID = [
        # No keras-target: Keras 3 is where the module goes.
        Valid("import keras\nmodel = keras.Sequential()", target_tf="2.16"),
        Valid("import tf_keras as keras\nmodel = keras.Sequential()", target_tf="2.16",
              keras_target="tf_keras"),
        # tf.keras is tf_keras under TF_USE_LEGACY_KERAS=1.
        Valid("import tensorflow as tf\nmodel = tf.keras.Sequential()", target_tf="2.16",
              keras_target="tf_keras"),
    ]
    INVALID = [
        # A program: Keras 2's fit_generator and lr= on standalone keras, which Keras 3 lacks.
        Invalid(
            """
            import numpy as np
            import keras
            from keras.layers import Dense
            from keras.optimizers import SGD
            x = np.ones((16, 2), "float32")
            y = np.ones((16, 1), "float32")
            def batches():
                while True:
                    yield x[:8], y[:8]
            model = keras.models.Sequential([Dense(1, input_shape=(2,))])
            model.compile(SGD(lr=0.01), "mse")
            history = model.fit_generator(batches(), steps_per_epoch=2, epochs=2, verbose=0)
            result = history.history["loss"]
            """,
            at=(2, 1), target_tf="2.16", keras_target="tf_keras",
            fixed="""
            import numpy as np
            import tf_keras as keras
            from tf_keras.layers import Dense
            from tf_keras.optimizers import SGD
            x = np.ones((16, 2), "float32")
            y = np.ones((16, 1), "float32")
            def batches():
                while True:
                    yield x[:8], y[:8]
            model = keras.models.Sequential([Dense(1, input_shape=(2,))])
            model.compile(SGD(lr=0.01), "mse")
            history = model.fit_generator(batches(), steps_per_epoch=2, epochs=2, verbose=0)
            result = history.history["loss"]
            """,
            run=Run(original=("tf115-keras231",), broken=("tf221-tfkeras",),
                    fixed=("tf221-tfkeras",), result=[2])),
        Invalid(
            """
            from keras import backend as K
            from keras.layers import *
            from keras.preprocessing.image import ImageDataGenerator
            """,
            at=(1, 1), target_tf="2.16", keras_target="tf_keras",
            fixed="""
            from tf_keras import backend as K
            from tf_keras.layers import *
            from tf_keras.preprocessing.image import ImageDataGenerator
            """),
        # Standalone Keras 2 modules tf_keras does not make public: reported only.
        Invalid(
            """
            import keras
            from keras.utils.np_utils import to_categorical
            """,
            at=(1, 1), target_tf="2.16", keras_target="tf_keras"),
        # A target reaches the newest TF (docs/target-tf.md): reported at every target.
        Invalid("import keras\nmodel = keras.Sequential()", at=(1, 1), target_tf="2.15",
                keras_target="tf_keras"),
    ]

    def visit_Module(self, node):
        if self.keras_target != "tf_keras":
            return
        uses = namespaces.uses(self)
        stars = namespaces.star_imports(self)
        found = {u.namespace for u in uses} | {namespace for namespace, _ in stars}
        if found != {"keras"}:
            return
        fix = namespaces.rewrite(self, "tf_keras")
        for _, star in stars:
            moved = namespaces.moved_star_import(star, "keras", "tf_keras")
            if fix is None or moved is None:
                fix = None
                break
            fix.append(self.replace(star, moved))
        first = min([u.statement or u.node for u in uses] + [s for _, s in stars],
                    key=lambda n: (self.context.position(n).start.line,
                                   self.context.position(n).start.column))
        self.report(first, edits=fix, tf=">= 2.16")

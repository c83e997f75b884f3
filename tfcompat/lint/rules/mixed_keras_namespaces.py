from tfcompat.lint import namespaces
from tfcompat.lint.rule import UNSAFE, Invalid, Rule, Run, Valid


class MixedKerasNamespaces(Rule):
    """
    ## What it does
    Finds a module that uses more than one of standalone `keras`, `tf.keras` and `tf_keras`
    (imports, or `tf.keras.*` attributes).

    ## Why is this bad?
    Each namespace can be a different Keras: multi-backend Keras 2.3 next to tf.keras (TF 1.x
    to 2.5), Keras 3 next to tf_keras (TF 2.16+ with `TF_USE_LEGACY_KERAS=1`). Their layers,
    models, optimizers and sessions do not mix: `ValueError: Layer ... was called with an
    input that isn't a symbolic tensor`, "Unknown layer" when loading, or a model that
    silently ignores the other library's callbacks. Only on TF 2.6-2.15, where `keras` is the
    package tf.keras is built on, are `keras` and `tf.keras` the same objects (not flagged).

    ## Example
    ```python
    import tensorflow as tf
    from keras.layers import Dense

    model = tf.keras.Sequential([Dense(1)])
    ```

    ## Use instead
    ```python
    import tensorflow as tf
    from tensorflow.keras.layers import Dense

    model = tf.keras.Sequential([Dense(1)])
    ```

    ## Fix safety
    Unsafe: it moves every use onto one namespace, `keras-target` from `[tool.tfcompat]`
    (`"tf.keras"`, `"keras"` or `"tf_keras"`; default `keras` for `target-tf` 2.16+, where
    it is Keras 3, else `tf.keras`). Imports are rewritten keeping the names they bind;
    `tf.keras.X` attributes become `keras.X` / `tf_keras.X` (adding the import). The
    libraries' defaults and internals differ, so behaviour can change. Offered where the
    target namespace exists for the target TF: tf.keras imports 1.9+, `keras` as tf.keras
    2.6+, `tf_keras` 2.16+.

    ## Versions
    tf.keras TF 1.4+ (importable by module from 1.9); `keras` package = tf.keras TF 2.6-2.15;
    Keras 3 TF 2.16+; tf_keras for Keras 2 on TF 2.16+. Rewrite run by
    tests/runtime/test_rewrites_run.py in tf115-keras231 (target 1.15) and tf221 (target 2.16).
    """

    code = "TFC202"
    name = "mixed-keras-namespaces"
    message = "this module mixes {found}, which can be different libraries"
    help = "use one ({target})"
    tokens = ("keras",)
    modules = namespaces.TWO_NAMESPACES
    fix = UNSAFE
    fix_tf = "tf_keras_import"

    VALID = [
        """
        import tensorflow as tf
        from tensorflow.keras.layers import Dense
        model = tf.keras.Sequential([Dense(1)])
        """,
        """
        import keras
        from keras import layers
        model = keras.Sequential([layers.Dense(1)])
        """,
        # TF 2.6-2.15: keras is the package tf.keras is.
        Valid(
            """
            import keras
            import tensorflow as tf
            model = tf.keras.Sequential([keras.layers.Dense(1)])
            """,
            target_tf="2.10"),
    ]
    INVALID = [
        # A program: Keras 2.3 layers in a tf.keras model fail; the fixed one trains.
        Invalid(
            """
            import numpy as np
            import tensorflow as tf
            x = np.ones((16, 2), "float32")
            y = np.ones((16, 1), "float32")
            from keras.layers import Dense
            model = tf.keras.Sequential([Dense(1, input_shape=(2,))])
            model.compile("sgd", "mse")
            result = model.fit(x, y, epochs=2, verbose=0).history["loss"]
            """,
            at=(5, 1), target_tf="1.15",
            fixed="""
            import numpy as np
            import tensorflow as tf
            x = np.ones((16, 2), "float32")
            y = np.ones((16, 1), "float32")
            from tensorflow.keras.layers import Dense
            model = tf.keras.Sequential([Dense(1, input_shape=(2,))])
            model.compile("sgd", "mse")
            result = model.fit(x, y, epochs=2, verbose=0).history["loss"]
            """,
            run=Run(broken=("tf115-keras231",), fixed=("tf115-keras231", "tf221"),
                    result=[2])),
        Invalid(
            """
            import tensorflow as tf
            from keras.layers import Dense
            model = tf.keras.Sequential([Dense(1)])
            """,
            at=(2, 1), target_tf="1.15",
            fixed="""
            import tensorflow as tf
            from tensorflow.keras.layers import Dense
            model = tf.keras.Sequential([Dense(1)])
            """),
        # A Keras 3 target: tf.keras attributes become keras ones.
        Invalid(
            """
            import keras
            import tensorflow as tf
            model = tf.keras.Sequential([keras.layers.Dense(1)])
            model.compile(tf.keras.optimizers.SGD(), "mse")
            """,
            at=(3, 9), target_tf="2.16",
            fixed="""
            import keras
            import tensorflow as tf
            model = keras.Sequential([keras.layers.Dense(1)])
            model.compile(keras.optimizers.SGD(), "mse")
            """),
        Invalid(
            """
            import tf_keras as keras
            from tensorflow.keras import backend as K
            K.clear_session()
            """,
            at=(1, 1), target_tf="2.16",
            fixed="""
            import keras
            from keras import backend as K
            K.clear_session()
            """),
        # `import keras.layers` binds `keras` to the whole package: reported only.
        Invalid(
            """
            import keras.layers
            from tensorflow.keras.models import Model
            """,
            at=(1, 1), target_tf="1.15"),
    ]

    def visit_Module(self, node):
        uses = namespaces.uses(self)
        found = sorted({u.namespace for u in uses})
        if len(found) < 2:
            return
        if found == ["keras", "tf.keras"] and self.target_at_least("keras_package_paired") \
                and not self.target_at_least("tf_keras_is_keras3"):
            return
        target = namespaces.default_target(self)
        fix = None
        if self.target_at_least(namespaces.NEEDS[target]):
            fix = namespaces.rewrite(self, target)
        first = next(u for u in uses if u.namespace != target)
        self.report(first.statement or first.node,
                    found=", ".join("`%s`" % f for f in found), target=target, fix=fix)

from tfcompat.lint.analysis import namespaces
from tfcompat.lint.rule import UNSAFE, Invalid, Rule, Run, Valid, target_has


class StandaloneKerasWithTfData(Rule):
    """
    ## What it does
    Finds standalone `keras` imported in a module that builds `tf.data` pipelines, when the
    target TF is below 2.6 (or unknown) and no other Keras namespace is in the module (that is
    TFC202).

    ## Why is this bad?
    Before TF 2.6, `import keras` may be the multi-backend Keras 2.0-2.3: a different library
    from `tf.keras`, with its own session and graph (`K.get_session()`). Its `fit` takes no
    `tf.data.Dataset` (only tf.keras from TF 1.9 does), so the data has to go through NumPy
    generators, and tensors from the pipeline are "not an element of this graph" for its
    models: the seed's whole problem. From TF 2.6 `keras` is the package tf.keras is built
    on, and from TF 2.16 it is Keras 3, which takes datasets itself: the rule is then silent.

    ## Example
    ```python
    import tensorflow as tf
    from keras.layers import Dense, Input

    ds = tf.data.Dataset.from_tensor_slices((x, y)).batch(32)
    ```

    ## Use instead
    ```python
    import tensorflow as tf
    from tensorflow.keras.layers import Dense, Input

    ds = tf.data.Dataset.from_tensor_slices((x, y)).batch(32)
    ```

    ## Fix safety
    Unsafe: it moves every `keras` import onto `keras-target` (default `tf.keras`), the same API
    but not the same code: default arguments, saved-model formats and custom layers written
    against `keras` internals can differ.

    ## Versions
    tf.keras fit(dataset) TF 1.9+; the `keras` package is tf.keras from TF 2.6 (Keras 3 from
    TF 2.16). Rewrite run by tests/runtime/test_rewrites_run.py in tf115-keras231 and tf221
    (target 1.15).
    """

    code = "TFC201"
    name = "standalone-keras-with-tf-data"
    message = ("standalone `keras` in a module that uses tf.data: before TF 2.6 it may be "
               "multi-backend Keras, not tf.keras")
    help = "use {target}"
    tokens = ("keras",)
    modules = (namespaces.VIA["keras"], ("tensorflow.*",))  # and tf.data
    fix_safety = UNSAFE
    fix_tf = "tf_keras_import"

    @classmethod
    def runs_under(cls, target_tf, keras_target):
        # From this TF on, the keras package is the one paired with it.
        return super().runs_under(target_tf, keras_target) \
            and not target_has("keras_package_paired", target_tf)

    @classmethod
    def may_fire(cls, names):
        # It needs namespaces.uses_tf_data: a name qualified under tf.data (an attribute's
        # name is a prefix of its chain's).
        return any(q.startswith(("tensorflow.data.", "tensorflow.contrib.data."))
                   for q in names.qualified)

    VALID = [
        """
        import tensorflow as tf
        from tensorflow.keras.layers import Dense
        ds = tf.data.Dataset.range(4)
        """,
        # No tf.data here.
        """
        import numpy as np
        from keras.models import Sequential
        model = Sequential()
        model.fit(np.ones((4, 1)), np.ones((4, 1)))
        """,
        # TF 2.6+: keras is what tf.keras is.
        Valid("""
            import keras
            import tensorflow as tf
            ds = tf.data.Dataset.range(4)
            """, target_tf="2.6"),
    ]
    INVALID = [
        # A program: run before and after the fix (tests/runtime/test_rewrites_run.py).
        Invalid(
            """
            import numpy as np
            import tensorflow as tf
            x = np.ones((16, 2), "float32")
            y = np.ones((16, 1), "float32")
            from keras.layers import Dense, Input
            from keras.models import Model
            ds = tf.data.Dataset.from_tensor_slices((x, y)).batch(4)
            inputs = Input(shape=(2,))
            model = Model(inputs, Dense(1)(inputs))
            model.compile("sgd", "mse")
            result = model.fit(x, y, epochs=2, verbose=0).history["loss"]
            """,
            at=(5, 1), target_tf="1.15",
            fixed="""
            import numpy as np
            import tensorflow as tf
            x = np.ones((16, 2), "float32")
            y = np.ones((16, 1), "float32")
            from tensorflow.keras.layers import Dense, Input
            from tensorflow.keras.models import Model
            ds = tf.data.Dataset.from_tensor_slices((x, y)).batch(4)
            inputs = Input(shape=(2,))
            model = Model(inputs, Dense(1)(inputs))
            model.compile("sgd", "mse")
            result = model.fit(x, y, epochs=2, verbose=0).history["loss"]
            """,
            run=Run(original=("tf115-keras231",), fixed=("tf115-keras231", "tf221"),
                    result=[2])),
        Invalid(
            """
            import keras.backend as K
            import tensorflow as tf
            from keras.layers import Dense, Input
            from keras.models import Model
            ds = tf.data.Dataset.from_tensor_slices(x)
            """,
            at=(1, 1), target_tf="1.15",
            fixed="""
            from tensorflow.keras import backend as K
            import tensorflow as tf
            from tensorflow.keras.layers import Dense, Input
            from tensorflow.keras.models import Model
            ds = tf.data.Dataset.from_tensor_slices(x)
            """),
        Invalid(
            """
            import keras, numpy as np
            from tensorflow.data import Dataset
            model = keras.Sequential([keras.layers.Dense(1)])
            """,
            at=(1, 1), target_tf="2.0",
            fixed="""
            from tensorflow import keras; import numpy as np
            from tensorflow.data import Dataset
            model = keras.Sequential([keras.layers.Dense(1)])
            """),
        # Standalone Keras 2 modules tf.keras does not have (keras.layers.convolutional,
        # keras.utils.np_utils...): reported only, never rewritten onto a missing module.
        Invalid(
            """
            import tensorflow as tf
            from keras.layers.convolutional import Conv2D
            from keras.utils.np_utils import to_categorical
            ds = tf.data.Dataset.range(3)
            """,
            at=(2, 1), target_tf="2.0"),
        # Below TF 1.9 `from tensorflow.keras... import` fails: reported only.
        Invalid(
            """
            import tensorflow as tf
            from keras import backend as K
            it = tf.contrib.data.Dataset.range(3).make_one_shot_iterator()
            """,
            at=(2, 1), target_tf="1.4"),
        # tf.data through a function's own compat.v1 import.
        Invalid(
            """
            import keras
            def make(x):
                import tensorflow.compat.v1 as tf1
                return tf1.data.Dataset.from_tensor_slices(x)
            """,
            at=(1, 1), target_tf="1.15",
            fixed="""
            from tensorflow import keras
            def make(x):
                import tensorflow.compat.v1 as tf1
                return tf1.data.Dataset.from_tensor_slices(x)
            """),
    ]

    def visit_Module(self, node):
        uses = namespaces.uses(self)
        found = {u.namespace for u in uses}
        if found != {"keras"} or not namespaces.uses_tf_data(self):
            return
        target = self.keras_target or "tf.keras"
        fix = None
        if target != "keras" and self.target_at_least(namespaces.NEEDS[target]):
            fix = namespaces.rewrite(self, target)
        first = uses[0]
        self.report(first.statement, target="`%s` (keras-target)" % target
                    if target != "keras" else "tf.keras, or TF >= 2.6", edits=fix)

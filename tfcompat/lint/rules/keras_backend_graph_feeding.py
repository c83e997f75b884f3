import libcst as cst

from tfcompat.lint.analysis import namespaces
from tfcompat.lint.rule import Invalid, Rule, Valid

# The Keras backend's graph-feeding functions, none of which Keras 3 has, and what to do
# instead of each.
_INSTEAD = {
    "placeholder": ("model inputs are `keras.Input(shape=...)`; data goes to fit / predict or "
                    "to the model called on a tensor"),
    "learning_phase": ("call the model with `training=True` / `training=False` "
                       "(`model(x, training=False)`)"),
    "set_learning_phase": ("pass `training=` when calling the model (fit trains, predict and "
                           "evaluate do not)"),
    "function": ("build `keras.Model(inputs, outputs)` and call it on the data "
                 "(`model(x, training=False)`), or `predict`"),
}
# The Keras 3 backends: standalone keras and tf.keras on TF 2.16+ (tf_keras keeps them all).
_BACKENDS = ("keras.backend.", "tensorflow.keras.backend.")


class KerasBackendGraphFeeding(Rule):
    """
    ## What it does
    When the target's Keras is Keras 3 (TF 2.16+, keras-target not `tf_keras`), finds the
    Keras backend's graph feeding: `K.placeholder(...)`, `K.learning_phase()` (in a
    `feed_dict` or anywhere), `K.set_learning_phase(...)` and `K.function(inputs, outputs)`
    (one finding for a `K.function` whose inputs hold `K.learning_phase()`).

    ## Why is this bad?
    Keras 3 has no graph to feed: `keras.backend` has none of these names ("module
    'keras.backend' has no attribute 'placeholder'"). Keras 2 code built placeholders for
    its own inputs, ran layers through `K.function([model.input, K.learning_phase()],
    [layer.output])`, and fed the learning phase in `sess.run(..., feed_dict=
    {K.learning_phase(): 0})` to switch dropout and batch normalization off.

    ## Example
    ```python
    import keras
    from keras import backend as K

    features = K.function([model.input, K.learning_phase()], [model.layers[-2].output])
    values = features([x, 0])[0]
    ```

    ## Use instead
    ```python
    import keras

    features = keras.Model(model.input, model.layers[-2].output)
    values = features(x, training=False)
    ```

    ## Fix safety
    No fix: what replaces each depends on how the tensors are used (a model's call with
    `training=`, `keras.Input`, `predict`); the help says which for each function.

    ## Versions
    Keras 2 (standalone, tf.keras to TF 2.15, tf_keras) has them all; Keras 3 (TF 2.16) none.
    Checked on Keras 3.15 (tf221).
    """

    code = "TFC418"
    name = "keras-backend-graph-feeding"
    message = "`K.{function}` does not exist in Keras 3 (TF 2.16+), which feeds no graph"
    help = "{instead}"
    tokens = (("backend",), tuple(sorted(_INSTEAD)))
    modules = (namespaces.VIA["keras"] + namespaces.VIA["tf.keras"],)

    VALID = [
        Valid(
            """
            import keras
            features = keras.Model(model.input, model.layers[-2].output)
            values = features(x, training=False)
            """, target_tf="2.16"),
        # Code that stays on Keras 2 (keras-target tf_keras): all there.
        Valid(
            """
            from keras import backend as K
            x = K.placeholder(shape=(None, 4))
            f = K.function([x, K.learning_phase()], [x * 2])
            """, target_tf="2.15", keras_target="tf_keras"),
        # tf_keras keeps them.
        Valid(
            """
            import tf_keras as keras
            f = keras.backend.function([model.input], [model.output])
            """, target_tf="2.16"),
        Valid(
            """
            import tensorflow as tf
            x = tf.keras.backend.placeholder(shape=(None, 4))
            """, target_tf="2.16", keras_target="tf_keras"),
        # Not the backend's.
        Valid(
            """
            import keras
            import tensorflow as tf
            x = tf.compat.v1.placeholder(tf.float32, (None, 4))
            """, target_tf="2.16"),
    ]
    INVALID = [
        Invalid(
            """
            from keras import backend as K
            x = K.placeholder(shape=(None, 4))
            """,
            at=(2, 5), target_tf="2.16"),
        # The learning phase fed to a session: one finding.
        Invalid(
            """
            import tensorflow as tf
            from tensorflow.keras import backend as K
            loss = sess.run(model.total_loss, feed_dict={model.input: x, K.learning_phase(): 0})
            """,
            at=(3, 62), target_tf="2.16"),
        # K.function with the learning phase: one finding, at K.function.
        Invalid(
            """
            import keras.backend as K
            features = K.function([model.input, K.learning_phase()], [model.layers[-2].output])
            values = features([x, 0])[0]
            """,
            at=(2, 12)),
        Invalid(
            """
            import keras
            keras.backend.set_learning_phase(0)
            """,
            at=(2, 1), target_tf="2.17"),
    ]

    def visit_Call(self, node):
        name = self.qualified_name(node.func) or ""
        function = next((name[len(b):] for b in _BACKENDS if name.startswith(b)), None)
        if function not in _INSTEAD or not self.targets_keras3():
            return
        if function == "learning_phase" and self._inside_backend_function():
            return
        self.report(node, function=function, instead=_INSTEAD[function])

    def _inside_backend_function(self):
        """Whether the current node is an argument of a `K.function(...)` call (reported
        there)."""
        for ancestor in reversed(self.context.ancestors[:-1]):
            if isinstance(ancestor, cst.Call):
                name = self.qualified_name(ancestor.func) or ""
                if any(name == b + "function" for b in _BACKENDS):
                    return True
            if isinstance(ancestor, (cst.FunctionDef, cst.Lambda, cst.SimpleStatementLine)):
                return False
        return False

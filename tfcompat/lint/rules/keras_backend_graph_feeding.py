from tfcompat.lint.analysis import namespaces, patterns, qualnames
from tfcompat.lint.libcst_lazy import cst
from tfcompat.lint.rule import UNSAFE, Invalid, Rule, Run, Valid

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
# Keras 2 in TF 2 (tf_keras; tf.keras before 2.16) keeps the names, but runs eagerly: the
# learning phase is the int 0, not a placeholder a session or K.function could be fed.
_KERAS2_BACKENDS = ("tf_keras.backend.",)
_EAGER_MESSAGE = ("`K.{function}` fed the learning phase: Keras 2 on TF 2 runs eagerly, where "
                  "`K.learning_phase()` is the int 0, no placeholder to feed")


class KerasBackendGraphFeeding(Rule):
    """
    ## What it does
    When the target's Keras is Keras 3 (TF 2.16+, keras-target not `tf_keras`), finds the
    Keras backend's graph feeding: `K.placeholder(...)`, `K.learning_phase()` (in a
    `feed_dict` or anywhere), `K.set_learning_phase(...)` and `K.function(inputs, outputs)`
    (one finding for a `K.function` whose inputs hold `K.learning_phase()`). When the code
    stays on Keras 2 (keras-target `tf_keras`, or `tf_keras` imported), only the learning
    phase fed as an input: a `K.function` whose inputs hold `K.learning_phase()`, and
    `K.learning_phase()` as a key of a dict (a `feed_dict`).

    ## Why is this bad?
    Keras 3 has no graph to feed: `keras.backend` has none of these names ("module
    'keras.backend' has no attribute 'placeholder'"). Keras 2 code built placeholders for
    its own inputs, ran layers through `K.function([model.input, K.learning_phase()],
    [layer.output])`, and fed the learning phase in `sess.run(..., feed_dict=
    {K.learning_phase(): 0})` to switch dropout and batch normalization off. Keras 2 on TF 2
    (tf.keras to 2.15, tf_keras) keeps the names but runs eagerly: `K.learning_phase()` is
    the int 0, so `K.function([model.input, K.learning_phase()], ...)` raises "Found
    unexpected instance while processing input tensors ... Got: 0", and a `feed_dict` keyed
    by Keras tensors raises "Tensors are unhashable". `K.placeholder` (a Keras input there)
    and `K.set_learning_phase` (deprecated) still work on that path.

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
    On Keras 3, no fix: what replaces each depends on how the tensors are used (a model's call
    with `training=`, `keras.Input`, `predict`); the help says which for each function. For
    Keras 2 in TF 2 (tf_keras), `f = K.function([x, K.learning_phase()], outputs)` whose every
    use is a call `f([a, 0])` (test mode) loses the learning phase from its inputs and from
    each call: Keras 2's function runs in test mode when none is fed. Unsafe: nothing proves
    the model's layers read the learning phase as Keras' own do (a custom layer may).

    ## Versions
    Keras 2 (standalone, tf.keras to TF 2.15, tf_keras) has them all; Keras 3 (TF 2.16) none.
    Checked on Keras 3.15 (tf221); the learning phase fed in TF 2 eager checked on TF 2.0
    (tf20), 2.15 (tf215) and tf_keras 2.21 (tf221-tfkeras). Rewrite run by
    tests/runtime/test_rewrites_run.py in tf115-keras231 (original and fixed) and
    tf221-tfkeras (broken, fixed).
    """

    code = "TFC418"
    name = "keras-backend-graph-feeding"
    message = "`K.{function}` does not exist in Keras 3 (TF 2.16+), which feeds no graph"
    help = "{instead}"
    tokens = (("backend",), tuple(sorted(_INSTEAD)))
    modules = (namespaces.VIA["keras"] + namespaces.VIA["tf.keras"] + namespaces.VIA["tf_keras"],)

    @classmethod
    def may_fire(cls, names):
        # It reports only calls qualified to one of the backends' _INSTEAD functions.
        return qualnames.names_any(names.qualified, (
            b + f for b in _BACKENDS + _KERAS2_BACKENDS for f in _INSTEAD))
    fix_safety = UNSAFE

    VALID = [
        Valid(
            """
            import keras
            features = keras.Model(model.input, model.layers[-2].output)
            values = features(x, training=False)
            """, target_tf="2.16"),
        # Code that stays on Keras 2 (keras-target tf_keras): the names are there, a
        # placeholder is a Keras input, the learning phase a value.
        Valid(
            """
            from keras import backend as K
            x = K.placeholder(shape=(None, 4))
            f = K.function([x], [x * 2])
            K.set_learning_phase(0)
            training = K.learning_phase() == 1
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
        # A dict keyed by something else than the learning phase.
        Valid(
            """
            import tf_keras as keras
            phases = {"train": keras.backend.learning_phase(), 0: "test"}
            """, target_tf="2.16"),
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
        # Keras 2 on TF 2 (tf_keras): the learning phase fed to K.function or a session. A
        # program: it runs in TF 1.15's graph mode and fails in tf_keras 2.21 (eager); fixed,
        # it runs in both.
        Invalid(
            """
            import numpy as np
            import tensorflow as tf
            from tensorflow.keras import backend as K
            inputs = tf.keras.Input(shape=(4,))
            hidden = tf.keras.layers.Dropout(0.5)(tf.keras.layers.Dense(3)(inputs))
            model = tf.keras.Model(inputs, tf.keras.layers.Dense(1)(hidden))
            features = K.function([model.input, K.learning_phase()], [model.layers[-2].output])
            result = features([np.ones((2, 4), "float32"), 0])[0]
            """,
            at=(7, 12), target_tf="2.15", keras_target="tf_keras",
            fixed="""
            import numpy as np
            import tensorflow as tf
            from tensorflow.keras import backend as K
            inputs = tf.keras.Input(shape=(4,))
            hidden = tf.keras.layers.Dropout(0.5)(tf.keras.layers.Dense(3)(inputs))
            model = tf.keras.Model(inputs, tf.keras.layers.Dense(1)(hidden))
            features = K.function([model.input], [model.layers[-2].output])
            result = features([np.ones((2, 4), "float32")])[0]
            """,
            run=Run(original=("tf115-keras231",), broken=("tf221-tfkeras",),
                    fixed=("tf115-keras231", "tf221-tfkeras"), result=[2, 3])),
        # Called in training mode, or read elsewhere: reported, not fixed.
        Invalid(
            """
            from tensorflow.keras import backend as K
            features = K.function([model.input, K.learning_phase()], [model.output])
            train_out = features([x, 1])[0]
            """,
            at=(2, 12), target_tf="2.15", keras_target="tf_keras"),
        Invalid(
            """
            import tensorflow as tf
            import tf_keras as keras
            out = sess.run(model.output, feed_dict={model.input: x, keras.backend.learning_phase(): 0})
            """,  # noqa: E501
            at=(3, 57), target_tf="2.16"),
    ]

    def visit_Call(self, node):
        name = self.qualified_name(node.func) or ""
        function = next((name[len(b):] for b in _BACKENDS + _KERAS2_BACKENDS
                         if name.startswith(b)), None)
        if function not in _INSTEAD:
            return
        if function == "learning_phase" and self._inside_backend_function():
            return
        if self.targets_keras3() and not name.startswith(_KERAS2_BACKENDS):
            self.report(node, function=function, instead=_INSTEAD[function])
        elif function == "function" and self._feeds_learning_phase(node):
            self.report(node, message=_EAGER_MESSAGE, function=function,
                        instead=_INSTEAD[function], edits=self._test_mode_fix(node))
        elif function == "learning_phase" and self._dict_key(node):
            self.report(node, message=_EAGER_MESSAGE, function=function,
                        instead=_INSTEAD[function])

    def _test_mode_fix(self, call):
        """Keras 2 in TF 2: `f = K.function([x, K.learning_phase()], outs)` whose every use is
        a call `f([a, 0])` (test mode, the learning phase last) becomes `K.function([x], outs)`
        called `f([a])`: Keras 2's function runs the model in test mode by default."""
        inputs = call.args[0].value
        elements = list(inputs.elements)
        if not self._is_backend(elements[-1].value, "learning_phase") or any(
                self._is_backend(e.value, "learning_phase") for e in elements[:-1]):
            return None
        statement = self.context.ancestors[-2] if len(self.context.ancestors) > 1 else None
        if not (isinstance(statement, cst.Assign) and statement.value is call
                and len(statement.targets) == 1
                and isinstance(statement.targets[0].target, cst.Name)):
            return None
        name = statement.targets[0].target.value
        calls = [c for c in patterns.all_nodes(self.context.module, (cst.Call,))
                 if isinstance(c.func, cst.Name) and c.func.value == name]
        uses = [n for n in patterns.all_nodes(self.context.module, (cst.Name,))
                if n.value == name]
        if not calls or len(uses) != len(calls) + 1:
            return None  # the function is read elsewhere, or rebound
        edits = [self.replace(inputs, self._without_last(inputs))]
        for c in calls:
            fed = c.args[0].value if len(c.args) == 1 and c.args[0].keyword is None else None
            if not isinstance(fed, cst.List) or len(fed.elements) != len(elements) \
                    or not patterns.is_literal(fed.elements[-1].value, 0, False):
                return None
            edits.append(self.replace(fed, self._without_last(fed)))
        return edits

    def _without_last(self, sequence):
        parts = [self.code_for(e.value) for e in sequence.elements[:-1]]
        return "[%s]" % ", ".join(parts)

    def _is_backend(self, node, function):
        name = self.qualified_name(node.func) if isinstance(node, cst.Call) else None
        return any(name == b + function for b in _BACKENDS + _KERAS2_BACKENDS)

    def _feeds_learning_phase(self, call):
        """Whether the inputs of `K.function(inputs, ...)` hold `K.learning_phase()`."""
        inputs = call.args[0].value if call.args and call.args[0].keyword is None else None
        if isinstance(inputs, (cst.List, cst.Tuple)):
            return any(self._is_backend(e.value, "learning_phase") for e in inputs.elements)
        return False

    def _dict_key(self, node):
        parent = self.context.ancestors[-2] if len(self.context.ancestors) > 1 else None
        return isinstance(parent, cst.DictElement) and parent.key is node

    def _inside_backend_function(self):
        """Whether the current node is an argument of a `K.function(...)` call (reported
        there)."""
        for ancestor in reversed(self.context.ancestors[:-1]):
            if isinstance(ancestor, cst.Call):
                name = self.qualified_name(ancestor.func) or ""
                if any(name == b + "function" for b in _BACKENDS + _KERAS2_BACKENDS):
                    return True
            if isinstance(ancestor, (cst.FunctionDef, cst.Lambda, cst.SimpleStatementLine)):
                return False
        return False

from tfcompat.lint.analysis import namespaces, patterns
from tfcompat.lint.libcst_lazy import cst
from tfcompat.lint.rule import UNSAFE, Invalid, Rule, Run, Valid

# Calls whose literal second argument spells the rank of their result.
_SHAPERS = {"reshape": "shape", "permute_dimensions": "pattern", "transpose": "perm"}


class LegacyBatchDot(Rule):
    """
    ## What it does
    Finds Keras-backend `batch_dot(x, y, axes)` calls (`keras.backend`, `tf.keras.backend`,
    `tf_keras.backend`) with an operand of rank 4 or more, as far as the code shows: an axis
    of 3 or more in `axes`, or an operand that the same function builds with a literal shape
    of 4+ axes (`K.reshape(v, (b, n, c, d))`, `K.permute_dimensions(v, (0, 2, 1, 3))`) or
    that another `batch_dot` there gives such an axis. Calls whose ranks are not shown
    (most are on rank-3 tensors, whose meaning did not change) and negative axes are left
    alone.

    ## Why is this bad?
    The meaning of `batch_dot` changed. Up to Keras 2.2.4 and in TF 1's tf.keras every axis
    but the last two was a batch axis (a batched `matmul`, `axes` saying only which operand
    is transposed); from Keras 2.2.5, in TF 2's tf.keras and in tf_keras, axis 0 alone is,
    and the other axes of both operands stay in the result. Code written for the old meaning
    gets a result of another shape: it fails further on ("Cannot do batch_dot on inputs with
    shapes (None, 10, 10, 16) and (None, 10, None, 16)"), or trains on the wrong numbers.
    Keras 3 has no `keras.backend.batch_dot`.

    ## Example
    ```python
    from keras import backend as K

    def route(weights, vectors):
        return K.batch_dot(weights, vectors, [2, 3])
    ```

    ## Use instead
    ```python
    from keras import backend as K
    import tfcompat

    def route(weights, vectors):
        return tfcompat.legacy_batch_dot(weights, vectors, [2, 3])
    ```

    ## Fix safety
    Unsafe: `tfcompat.legacy_batch_dot` computes the old meaning on every Keras (Keras 3 on
    any backend too), which is what the code meant where it was written for Keras <= 2.2.4
    or TF 1; code written for the new meaning would change. The linter cannot see ranks.
    Offered for every target: the helper runs on every TF and Keras tfcompat supports.

    ## Versions
    Old meaning: Keras 2.0-2.2.4 and tf.keras up to TF 1.15 (TensorFlow backend); new:
    Keras 2.2.5 (keras-team/keras#11458), TF 2.0 (tensorflow#32441), tf_keras; none in
    Keras 3. `tfcompat.legacy_batch_dot` is checked against Keras 2.2.0's own in
    tf19-keras220 (tests/runtime/test_legacy_batch_dot.py). Rewrite run by
    tests/runtime/test_rewrites_run.py in tf19-keras220 (original, fixed), tf221-tfkeras
    (broken, fixed); Keras' own `cifar10_cnn_capsule.py` example trains on tf_keras after
    it (bench/migration.py).
    """

    code = "TFC421"
    name = "legacy-batch-dot"
    message = ("`{call}` on a rank >= 4 operand: all but its last two axes were batch axes up "
               "to Keras 2.2.4 and TF 1, axis 0 alone is from Keras 2.2.5 and TF 2")
    help = "tfcompat.legacy_batch_dot(...) keeps the old meaning on every Keras"
    tokens = ("batch_dot",)
    modules = (namespaces.VIA["keras"] + namespaces.VIA["tf.keras"] + namespaces.VIA["tf_keras"],)
    called = True

    @classmethod
    def may_fire(cls, names):
        # It reports only calls of a Keras backend's batch_dot (a name qualified as a whole).
        return any(_backend_batch_dot(q) for q in names.qualified)
    fix_safety = UNSAFE

    VALID = [
        # Rank-3 operands as far as the code shows: the same meaning before and after.
        Valid(
            """
            from keras import backend as K
            def attend(query, keys):
                return K.batch_dot(query, keys, [2, 2])
            """, target_tf="2.16"),
        # A negative axis: Keras 2.2 counted it as "not the last" (a bug there), not reported.
        Valid(
            """
            import tensorflow as tf
            score = tf.keras.backend.batch_dot(a, b, axes=-1)
            """, target_tf="2.16"),
        # The name is rank 4 in another function only.
        Valid(
            """
            from tf_keras import backend as K
            def split(v):
                v = K.reshape(v, (-1, 4, 3, 2))
                return v
            def score(w, v):
                return K.batch_dot(w, v, (2, 2))
            """, target_tf="2.16"),
        # Not a Keras backend's batch_dot.
        Valid(
            """
            import keras
            from mylib import batch_dot
            out = batch_dot(x, y, [2, 3])
            """, target_tf="2.16"),
    ]
    INVALID = [
        # A program: a layer routing rank-3 weights over rank-4 vectors. Trains in TF 1.9
        # (tf.keras' old meaning); with tf_keras's new one the result has 32 values, not 8.
        Invalid(
            """
            import numpy as np
            import tensorflow as tf
            from tensorflow.keras import backend as K
            class Route(tf.keras.layers.Layer):
                def call(self, inputs):
                    weights, vectors = inputs
                    vectors = K.reshape(vectors, (-1, 4, 3, 2))
                    return K.batch_dot(weights, vectors, [2, 2])
                def compute_output_shape(self, input_shape):
                    return (input_shape[0][0], 4, 2)
            weights_in = tf.keras.layers.Input(shape=(4, 3))
            vectors_in = tf.keras.layers.Input(shape=(24,))
            routed = tf.keras.layers.Reshape((8,))(Route()([weights_in, vectors_in]))
            model = tf.keras.models.Model([weights_in, vectors_in], tf.keras.layers.Dense(1)(routed))
            model.compile("sgd", "mse")
            x = [np.ones((8, 4, 3), "float32"), np.ones((8, 24), "float32")]
            result = model.fit(x, np.ones((8, 1), "float32"), epochs=2, verbose=0)
            """,  # noqa: E501
            at=(8, 16), target_tf="2.16",
            fixed="""
            import numpy as np
            import tensorflow as tf
            from tensorflow.keras import backend as K
            import tfcompat
            class Route(tf.keras.layers.Layer):
                def call(self, inputs):
                    weights, vectors = inputs
                    vectors = K.reshape(vectors, (-1, 4, 3, 2))
                    return tfcompat.legacy_batch_dot(weights, vectors, [2, 2])
                def compute_output_shape(self, input_shape):
                    return (input_shape[0][0], 4, 2)
            weights_in = tf.keras.layers.Input(shape=(4, 3))
            vectors_in = tf.keras.layers.Input(shape=(24,))
            routed = tf.keras.layers.Reshape((8,))(Route()([weights_in, vectors_in]))
            model = tf.keras.models.Model([weights_in, vectors_in], tf.keras.layers.Dense(1)(routed))
            model.compile("sgd", "mse")
            x = [np.ones((8, 4, 3), "float32"), np.ones((8, 24), "float32")]
            result = model.fit(x, np.ones((8, 1), "float32"), epochs=2, verbose=0)
            """,  # noqa: E501
            run=Run(original=("tf19-keras220",), broken=("tf221-tfkeras",),
                    fixed=("tf19-keras220", "tf221-tfkeras"), result=[2])),
        # An axis of 3: y has rank 4 or more.
        Invalid(
            """
            from keras import backend as K
            def route(weights, vectors):
                return K.batch_dot(weights, vectors, [2, 3])
            """,
            at=(3, 12), target_tf="2.16",
            fixed="""
            from keras import backend as K
            import tfcompat
            def route(weights, vectors):
                return tfcompat.legacy_batch_dot(weights, vectors, [2, 3])
            """),
        # The capsule routing loop: `hat` is rank 4 by the second call's axes, so the
        # first call (axes [2, 2]) is reported too.
        Invalid(
            """
            import tfcompat
            from keras import backend as K
            def routing(c, hat):
                o = K.batch_dot(c, hat, [2, 2])
                return tfcompat.legacy_batch_dot(o, hat, [2, 3])
            """,
            at=(4, 9), target_tf="2.16",
            fixed="""
            import tfcompat
            from keras import backend as K
            def routing(c, hat):
                o = tfcompat.legacy_batch_dot(c, hat, [2, 2])
                return tfcompat.legacy_batch_dot(o, hat, [2, 3])
            """),
        # A TF 1.15 target: its range reaches TF 2, and the helper runs on TF 1 too.
        Invalid(
            """
            import tensorflow as tf
            out = tf.keras.backend.batch_dot(x, tf.keras.backend.permute_dimensions(y, (0, 2, 1, 3)), axes=(2, 3))
            """,  # noqa: E501
            at=(2, 7), target_tf="1.15",
            fixed="""
            import tensorflow as tf
            import tfcompat
            out = tfcompat.legacy_batch_dot(x, tf.keras.backend.permute_dimensions(y, (0, 2, 1, 3)), axes=(2, 3))
            """),  # noqa: E501
    ]

    def visit_Call(self, node):
        if not _backend_batch_dot(self.qualified_name(node.func) or ""):
            return
        x, y = patterns.argument(node, 0, "x"), patterns.argument(node, 1, "y")
        if x is None or y is None:
            return
        axes = _axes(patterns.argument(node, 2, "axes"))
        ranks = self._ranks()
        x_rank = max(axes[0] + 1 if axes else 0, _rank(self, x.value, ranks))
        y_rank = max(axes[1] + 1 if axes else 0, _rank(self, y.value, ranks))
        if max(x_rank, y_rank) < 4:
            return
        helper, edits = self.require("tfcompat.legacy_batch_dot", module="tfcompat",
                                     alias="tfcompat")
        self.report(node.func, call=self.code_for(node.func),
                    edits=edits + [self.replace(node.func, helper)])

    def _ranks(self):
        """{name: the largest rank the current scope shows it to have}."""
        scope = patterns.enclosing_function(self.context.ancestors) or self.context.module
        cache = self.__dict__.setdefault("_scope_ranks", {})
        if id(scope) not in cache:
            ranks = {}
            calls = patterns.scope_nodes(scope, (cst.Call, cst.Assign))
            for found in calls:
                if isinstance(found, cst.Assign):
                    rank = _rank(self, found.value, {})
                    for target in found.targets:
                        if isinstance(target.target, cst.Name) and rank:
                            _raise(ranks, target.target.value, rank)
                    continue
                name = self.qualified_name(found.func) or ""
                if not name.endswith("batch_dot"):  # K.batch_dot, or the helper
                    continue
                axes = _axes(patterns.argument(found, 2, "axes"))
                for i, keyword in enumerate(("x", "y")):
                    arg = patterns.argument(found, i, keyword)
                    if axes and arg is not None and isinstance(arg.value, cst.Name):
                        _raise(ranks, arg.value.value, axes[i] + 1)
            cache[id(scope)] = ranks
        return cache[id(scope)]


def _raise(ranks, name, rank):
    ranks[name] = max(ranks.get(name, 0), rank)


def _axes(arg):
    """(axis of x, axis of y) for literal non-negative axes, else None."""
    if arg is None:
        return None
    value = arg.value
    if isinstance(value, cst.Integer):
        return (value.evaluated_value,) * 2
    if isinstance(value, (cst.List, cst.Tuple)) and len(value.elements) == 2 \
            and all(isinstance(e.value, cst.Integer) for e in value.elements):
        return tuple(e.value.evaluated_value for e in value.elements)
    return None


def _rank(rule, expr, ranks):
    """The rank ``expr`` is shown to have: a name's in ``ranks``, or that of a reshape /
    permute_dimensions / transpose call given a literal shape; 0 when unknown."""
    if isinstance(expr, cst.Name):
        return ranks.get(expr.value, 0)
    if not isinstance(expr, cst.Call):
        return 0
    name = rule.qualified_name(expr.func) or ""
    last = name.rpartition(".")[2]
    if last not in _SHAPERS or not (name.startswith("tensorflow.")
                                    or patterns.keras_namespace(name)):
        return 0
    shape = patterns.argument(expr, 1, _SHAPERS[last])
    if shape is None or not isinstance(shape.value, (cst.List, cst.Tuple)) \
            or any(isinstance(e, cst.StarredElement) for e in shape.value.elements):
        return 0
    return len(shape.value.elements)


def _backend_batch_dot(name):
    return name.endswith(".batch_dot") and ".backend" in name \
        and bool(patterns.keras_namespace(name))

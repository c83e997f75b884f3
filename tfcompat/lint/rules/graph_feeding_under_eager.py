from tfcompat.lint.analysis import namespaces, patterns, provenance, qualnames, scopes
from tfcompat.lint.libcst_lazy import cst
from tfcompat.lint.rule import UNSAFE, Invalid, Rule, Run, Valid

# Feeding that only graph mode runs, by canonical name of the call. (Not the Keras session
# alone: real code gets it for a config, variable initialization, or a graph to enter, all
# of which eager code may guard or skip.)
_PLACEHOLDERS = frozenset(("tensorflow.placeholder", "tensorflow.placeholder_with_default"))
# Keras' input layers and the keyword that hands them a graph tensor.
_INPUTS = {"Input": "tensor", "InputLayer": "input_tensor"}
# tf_keras's (and tf.keras's, which it is under TF_USE_LEGACY_KERAS=1) optimizers with a
# graph-mode twin in `optimizers.legacy`, spelled as the code spells them.
_OPTIMIZERS = frozenset(k + ".optimizers." + o for k in ("tf_keras", "tensorflow.keras")
                        for o in ("Adadelta", "Adagrad", "Adam", "Adamax", "Ftrl", "Nadam",
                                  "RMSprop", "SGD"))


class GraphFeedingUnderEager(Rule):
    """
    ## What it does
    With `keras-target = "tf_keras"` (TF 2, eager, is within reach of every target), finds a
    module that feeds Keras in
    a way only graph mode runs: `Input(tensor=...)`, `compile(target_tensors=...)`, queue
    runners (`tf.compat.v1.train.shuffle_batch`, `start_queue_runners`...), placeholders;
    and that does not choose an execution mode itself (no `disable_eager_execution()` /
    `enable_eager_execution()`). The Keras session alone (`K.get_session()`) is no such
    proof: code gets it for a config, variable initialization or a graph to enter, which
    eager code guards or skips.

    ## Why is this bad?
    TF 2 runs eagerly, and there this code fails: tf_keras rejects eager tensors as
    `Input(tensor=...)`, `tf.compat.v1` queue runners raise ("Queue-based input pipelines
    have been replaced by tf.data"), placeholders raise ("tf.placeholder() is not compatible
    with eager execution"). tf_keras kept Keras 2's graph-mode training loop, where all of
    them still work: turning eager execution off before any model is built is how a program
    that stays on Keras 2 keeps its TF 1 feeding on TF 2.16+. That loop calls the
    optimizer's `get_updates`, which only the legacy optimizers have
    (`tf_keras.optimizers.legacy`; "'RMSprop' object has no attribute 'get_updates'").

    ## Example
    ```python
    import tensorflow as tf
    import tf_keras as keras

    inputs = keras.layers.Input(tensor=x_batch)
    model = keras.models.Model(inputs, keras.layers.Dense(10)(inputs))
    model.compile(keras.optimizers.RMSprop(lr=1e-3), "mse", target_tensors=[y_batch])
    ```

    ## Use instead
    ```python
    import tensorflow as tf
    import tf_keras as keras
    tf.compat.v1.disable_eager_execution()

    inputs = keras.layers.Input(tensor=x_batch)
    model = keras.models.Model(inputs, keras.layers.Dense(10)(inputs))
    model.compile(keras.optimizers.legacy.RMSprop(lr=1e-3), "mse", target_tensors=[y_batch])
    ```
    and run with `TF_USE_LEGACY_KERAS=1`. To leave graph mode for good, feed a
    `tf.data.Dataset` to `fit` (TFC404, TFC411 say how).

    ## Fix safety
    Unsafe: `tf.compat.v1.disable_eager_execution()` changes the execution mode of the whole
    program (every module, every library it calls: eager functions, `.numpy()` and Keras 3-only
    code stop working), which the linter cannot see past this file.

    ## Versions
    tf_keras (TF 2.16+, `TF_USE_LEGACY_KERAS=1`): the fix's target. Below 2.16 tf.keras is
    Keras 2 and the same works; keras-target tf_keras is for 2.16+, where the fix is
    offered. Legacy optimizers: TF 2.11+. Rewrite run by tests/runtime/test_rewrites_run.py
    in tf221-tfkeras.
    """

    code = "TFC413"
    name = "graph-feeding-under-eager"
    message = ("`{what}` runs in graph mode only, and TF 2 runs eagerly: nothing in this "
               "module turns eager execution off")
    help = ("call `tf.compat.v1.disable_eager_execution()` after the imports (tf_keras keeps "
            "Keras 2's graph-mode training loop; its optimizers from `optimizers.legacy`), or "
            "feed a tf.data.Dataset to fit")
    tokens = ("tensor", "input_tensor", "target_tensors", "placeholder",
              "placeholder_with_default") + tuple(sorted(
                  {n.rsplit(".", 1)[-1] for n in qualnames.QUEUE_RUNNERS}))
    keras_targets = ("tf_keras",)
    fix_safety = UNSAFE
    fix_tf = "tf_keras_is_keras3"
    doc_keras_target = "tf_keras"

    VALID = [
        # Keras 3 targets: no graph mode to feed (TFC404, TFC411, TFC405 report).
        Valid(
            """
            import tensorflow as tf
            from tensorflow import keras
            inputs = keras.layers.Input(tensor=x)
            """,
            target_tf="2.16"),
        # The module chose graph mode.
        Valid(
            """
            import tensorflow as tf
            import tf_keras as keras
            tf.compat.v1.disable_eager_execution()
            inputs = keras.layers.Input(tensor=x)
            """,
            target_tf="2.16", keras_target="tf_keras"),
        Valid(
            """
            import tensorflow.compat.v1 as tf
            import tf_keras as keras
            tf.enable_eager_execution()
            xb = tf.train.batch([x], 8)
            """,
            target_tf="2.16", keras_target="tf_keras"),
        # Standalone `keras` is Keras 3 there: TFC203 moves the module first.
        Valid(
            """
            import keras
            inputs = keras.layers.Input(tensor=x)
            """,
            target_tf="2.16", keras_target="tf_keras"),
        # The Keras session alone (here a config) proves no graph-mode feeding.
        Valid(
            """
            import tensorflow as tf
            from tf_keras import backend as K
            K.set_session(tf.compat.v1.Session(config=config))
            """,
            target_tf="2.16", keras_target="tf_keras"),
        # Eager feeding.
        Valid(
            """
            import tf_keras as keras
            inputs = keras.layers.Input(shape=(4,))
            """,
            target_tf="2.16", keras_target="tf_keras"),
    ]
    INVALID = [
        # A program: tensors fed as Input(tensor=) / target_tensors, a TF 2 optimizer.
        Invalid(
            """
            import numpy as np
            import tensorflow as tf
            import tf_keras as keras
            x = tf.constant(np.ones((8, 2), "float32"))
            y = tf.constant(np.ones((8, 1), "float32"))
            inputs = keras.layers.Input(tensor=x)
            model = keras.models.Model(inputs, keras.layers.Dense(1)(inputs))
            model.compile(keras.optimizers.SGD(lr=0.01), "mse", target_tensors=[y])
            history = model.fit(steps_per_epoch=2, epochs=2, verbose=0)
            result = history.history["loss"]
            """,
            at=(6, 10), target_tf="2.16", keras_target="tf_keras",
            fixed="""
            import numpy as np
            import tensorflow as tf
            import tf_keras as keras
            tf.compat.v1.disable_eager_execution()
            x = tf.constant(np.ones((8, 2), "float32"))
            y = tf.constant(np.ones((8, 1), "float32"))
            inputs = keras.layers.Input(tensor=x)
            model = keras.models.Model(inputs, keras.layers.Dense(1)(inputs))
            model.compile(keras.optimizers.legacy.SGD(lr=0.01), "mse", target_tensors=[y])
            history = model.fit(steps_per_epoch=2, epochs=2, verbose=0)
            result = history.history["loss"]
            """,
            run=Run(broken=("tf221-tfkeras",), fixed=("tf221-tfkeras",), result=[2])),
        # Queue runners and the Keras session, through tensorflow.compat.v1.
        Invalid(
            '''
            """Trains from queues."""
            import tensorflow.compat.v1 as tf
            from tf_keras import backend as K
            xb, yb = tf.train.shuffle_batch([x, y], 32, 2000, 1000, enqueue_many=True)
            threads = tf.train.start_queue_runners(tf.keras.backend.get_session())
            ''',
            at=(4, 10), target_tf="2.16", keras_target="tf_keras",
            fixed='''
            """Trains from queues."""
            import tensorflow.compat.v1 as tf
            from tf_keras import backend as K
            tf.disable_eager_execution()
            xb, yb = tf.train.shuffle_batch([x, y], 32, 2000, 1000, enqueue_many=True)
            threads = tf.train.start_queue_runners(tf.keras.backend.get_session())
            '''),
        # An optimizer the module's imports cannot spell in optimizers.legacy: no fix.
        Invalid(
            """
            from tf_keras.layers import Input
            from tf_keras.optimizers import Adam
            inputs = Input(tensor=x)
            model.compile(Adam(), "mse")
            """,
            at=(3, 10), target_tf="2.16", keras_target="tf_keras"),
        # No TensorFlow import: added with the call.
        Invalid(
            """
            from tf_keras.layers import InputLayer
            layer = InputLayer(input_tensor=x)
            """,
            at=(2, 9), target_tf="2.16", keras_target="tf_keras",
            fixed="""
            from tf_keras.layers import InputLayer
            import tensorflow as tf
            tf.compat.v1.disable_eager_execution()
            layer = InputLayer(input_tensor=x)
            """),
        # Unknown target (the newest TF): reported, no version-gated fix.
        Invalid(
            """
            import tensorflow as tf
            from tf_keras import layers
            images = tf.compat.v1.placeholder(tf.float32, (None, 28, 28))
            """,
            at=(3, 10), keras_target="tf_keras"),
        # A target reaches the newest TF (docs/target-tf.md): reported at every target (TF 2
        # runs eagerly).
        Invalid(
            """
            import tensorflow as tf
            from tensorflow import keras
            inputs = keras.layers.Input(tensor=x)
            """,
            at=(3, 10), target_tf="1.15", keras_target="tf_keras"),
    ]

    def visit_Module(self, node):
        if self.keras_target != "tf_keras":
            return
        found = {u.namespace for u in namespaces.uses(self)}
        found |= {namespace for namespace, _ in namespaces.star_imports(self)}
        if not found or "keras" in found or provenance.switches_eager(self):
            return
        calls = patterns.all_nodes(node, (cst.Call,))
        first = next((c for c in calls if self._graph_only(c)), None)
        if first is None:
            return
        self.report(first, what=self._what(first), edits=self._fix(calls))

    def _graph_only(self, call):
        name = self.qualified_name(call.func) or ""
        if name in qualnames.QUEUE_RUNNERS or name in _PLACEHOLDERS:
            return True
        if patterns.method_name(call) == "compile" and not name:
            arg = patterns.argument(call, None, "target_tensors")
            return arg is not None and not patterns.is_literal(arg.value, None)
        layer = name.rsplit(".", 1)[-1]
        if layer in _INPUTS and patterns.keras_namespace(name):
            arg = patterns.argument(call, None, _INPUTS[layer])
            return arg is not None and not patterns.is_literal(arg.value, None)
        return False

    def _what(self, call):
        name = self.qualified_name(call.func)
        if not name:
            return "compile(target_tensors=...)"
        layer = name.rsplit(".", 1)[-1]
        if layer in _INPUTS and patterns.keras_namespace(name):
            return "%s(%s=...)" % (layer, _INPUTS[layer])
        return self.code_for(call.func)

    def _fix(self, calls):
        """The edits adding `tf.compat.v1.disable_eager_execution()` after the module's imports
        (importing tensorflow where needed) and turning the tf_keras optimizers the module
        constructs into their `optimizers.legacy` twins, which graph mode needs (same arguments;
        `lr=` and `decay=` still accepted there); None where one cannot be spelled through the
        module's imports."""
        edits = []
        for call in calls:
            name = self.qualified_name(call.func, canonical=False)
            if name in _OPTIMIZERS:
                namespace, _, optimizer = name.rpartition(".")
                text = self.spell("%s.legacy.%s" % (namespace, optimizer))
                if text is None:
                    return None  # a half-moved program fails in graph mode
                edits.append(self.replace(call.func, text))
        call = self.spell("tensorflow.compat.v1.disable_eager_execution")
        if call is not None:
            return [self.add_line_at_top(call + "()")] + edits
        alias = "tf" if not scopes.name_used(self.context, "tf") else self.fresh_name("tf")
        line = "import tensorflow" if alias == "tensorflow" else \
            "import tensorflow as %s" % alias
        newline = self.context.module.default_newline
        return [self.add_line_at_top(
            "%s%s%s.compat.v1.disable_eager_execution()" % (line, newline, alias))] + edits

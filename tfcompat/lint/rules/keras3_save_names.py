from tfcompat.lint.analysis import namespaces, patterns
from tfcompat.lint.libcst_lazy import cst
from tfcompat.lint.rule import SAFE, UNSAFE, Invalid, Rule, Run, Valid

# What Keras 3 accepts, by method: the endings of the file names it saves to.
_ENDINGS = {"save_weights": (".weights.h5",), "save": (".keras", ".h5", ".hdf5")}
# The name each gets: Keras 2's HDF5 endings and a TF checkpoint / SavedModel prefix (no ending).
_NEW_ENDING = {"save_weights": ".weights.h5", "save": ".keras"}
_OLD_ENDINGS = (".h5", ".hdf5")
# Calls that read the file back, whose literal names change with the saved one.
_LOADS = ("load_weights", "load_model")
# The keywords of Keras' fit (1.x to 3): a `fit` with another one is another library's.
_FIT_KEYWORDS = frozenset((
    "x", "y", "batch_size", "epochs", "nb_epoch", "verbose", "callbacks", "validation_split",
    "validation_data", "shuffle", "class_weight", "sample_weight", "initial_epoch",
    "steps_per_epoch", "validation_steps", "validation_batch_size", "validation_freq",
    "max_queue_size", "workers", "use_multiprocessing", "show_accuracy"))
# Methods that make a receiver a Keras model (for `save`, a name many libraries use).
_MODEL_METHODS = frozenset(("compile", "fit", "fit_generator", "train_on_batch",
                            "save_weights", "load_weights"))
# What a Keras model is made by (a name assigned one is a model).
_MAKERS = ("Model", "Sequential", "load_model")


class Keras3SaveNames(Rule):
    """
    ## What it does
    When the target's Keras is Keras 3 (TF 2.16+, keras-target not `tf_keras`), finds
    `model.save_weights(path)` whose file name does not end in `.weights.h5`, and
    `model.save(path)` whose file name ends in neither `.keras` nor `.h5` / `.hdf5` (Keras 2's
    SavedModel directory), or that passes `save_format=`.

    ## Why is this bad?
    Keras 3 raises before writing anything: "The filename must end in `.weights.h5`",
    "Invalid filepath extension for saving. Please add either a `.keras` extension ...",
    "The `save_format` argument is deprecated in Keras 3". Keras 2 took any name: an HDF5
    file for `.h5`, a TF checkpoint or SavedModel otherwise. (`model.save("x.h5")` and
    `load_weights("x.h5")` still work in Keras 3, as its legacy HDF5 format.)

    ## Example
    ```python
    import keras

    model = keras.Sequential([keras.layers.Dense(1)])
    model.save_weights("weights.h5")
    ```

    ## Use instead
    ```python
    import keras

    model = keras.Sequential([keras.layers.Dense(1)])
    model.save_weights("weights.weights.h5")
    ```

    ## Fix safety
    Safe where the name reaches nothing but Keras' save and load calls in the module: Keras 2
    (tf_keras) writes the same HDF5 weights under the new name, and reads `.keras` models from
    TF 2.13. Unsafe where it is read elsewhere (printed, checked with `os.path.exists`, handed
    to a callback): that code now sees another file name.

    ## Versions
    `.weights.h5` / `.keras` required from Keras 3.0 (TF 2.16). Rewrite run by
    tests/runtime/test_rewrites_run.py in tf115-keras231 (original) and tf221.
    """

    code = "TFC417"
    name = "keras3-save-names"
    message = "`{method}({path})`: Keras 3 (TF 2.16+) {needs}"
    help = "name the file `{new}`"
    tokens = ("save_weights", "save")
    modules = (namespaces.VIA["keras"] + namespaces.VIA["tf.keras"] + namespaces.VIA["tf_keras"],)
    called = True
    fix_safety = SAFE
    fix_tf = "tf_keras_is_keras3"

    @classmethod
    def runs_under(cls, target_tf, keras_target):
        # Only code meeting Keras 3 (targets_keras3: keras-target not tf_keras).
        return super().runs_under(target_tf, keras_target) and keras_target != "tf_keras"

    @classmethod
    def may_fire(cls, names):
        # Both methods need a model (save_weights is one of _MODEL_METHODS): a call of one of
        # _MODEL_METHODS, or a Keras Model, Sequential or load_model called (_keras_model).
        return not names.called.isdisjoint(_MODEL_METHODS) or any(
            q.rpartition(".")[2] in _MAKERS and patterns.keras_namespace(q)
            for q in names.qualified)

    VALID = [
        Valid(
            """
            import keras
            model = keras.Sequential([keras.layers.Dense(1)])
            model.save_weights("w.weights.h5")
            model.save("m.keras")
            model.save("m.h5")
            """, target_tf="2.16"),
        # Code that stays on Keras 2 (keras-target tf_keras): any name.
        Valid(
            """
            import keras
            model = keras.Sequential([keras.layers.Dense(1)])
            model.save_weights("w.h5")
            """, target_tf="2.15", keras_target="tf_keras"),
        Valid(
            """
            import tensorflow as tf
            model = tf.keras.Sequential([tf.keras.layers.Dense(1)])
            model.save_weights("ckpt/w")
            """, target_tf="2.16", keras_target="tf_keras"),
        # Not a Keras model's save.
        Valid(
            """
            import keras
            import numpy as np
            np.save("arrays", np.ones(3))
            image.save("picture")
            """, target_tf="2.16"),
        # Another library's model in a file that also uses TensorFlow: its fit takes keywords
        # Keras' does not (tflearn's n_epoch), so its save is its own.
        Valid(
            """
            import tensorflow.compat.v1 as tf
            import tflearn
            net = tflearn.regression(tflearn.fully_connected(tflearn.input_data([None]), 1))
            dnn = tflearn.DNN(net)
            dnn.fit(x, y, n_epoch=10, show_metric=True)
            dnn.save("regression.tflearn")
            """, target_tf="2.16"),
    ]
    INVALID = [
        # A program: the name through a variable, read back by load_weights.
        Invalid(
            """
            import os
            import tempfile
            import numpy as np
            import keras
            model = keras.Sequential([keras.layers.Dense(1, input_shape=(2,))])
            model.compile("sgd", "mse")
            weight_path = os.path.join(tempfile.mkdtemp(), 'saved_wt.h5')
            history = model.fit(np.ones((8, 2)), np.ones((8, 1)), epochs=2, verbose=0)
            model.save_weights(weight_path)
            model.load_weights(weight_path)
            result = history.history["loss"]
            """,
            at=(9, 1), target_tf="2.16",
            fixed="""
            import os
            import tempfile
            import numpy as np
            import keras
            model = keras.Sequential([keras.layers.Dense(1, input_shape=(2,))])
            model.compile("sgd", "mse")
            weight_path = os.path.join(tempfile.mkdtemp(), 'saved_wt.weights.h5')
            history = model.fit(np.ones((8, 2)), np.ones((8, 1)), epochs=2, verbose=0)
            model.save_weights(weight_path)
            model.load_weights(weight_path)
            result = history.history["loss"]
            """,
            run=Run(original=("tf115-keras231",), broken=("tf221",), fixed=("tf221",),
                    result=[2])),
        # Literals, the load reading the saved file changes with it.
        Invalid(
            """
            import tensorflow as tf
            model = tf.keras.models.load_model("base")
            model.save_weights("ckpt/model")
            model.load_weights("ckpt/model")
            """,
            at=(3, 1), target_tf="2.16",
            fixed="""
            import tensorflow as tf
            model = tf.keras.models.load_model("base")
            model.save_weights("ckpt/model.weights.h5")
            model.load_weights("ckpt/model.weights.h5")
            """),
        # Keras 2's SavedModel directory.
        Invalid(
            """
            import keras
            model = keras.Sequential([keras.layers.Dense(1)])
            model.compile("sgd", "mse")
            model.save("exported")
            """,
            at=(4, 1), target_tf="2.16",
            fixed="""
            import keras
            model = keras.Sequential([keras.layers.Dense(1)])
            model.compile("sgd", "mse")
            model.save("exported.keras")
            """),
        # The name is read elsewhere: unsafe.
        Invalid(
            """
            import keras
            model = keras.Sequential([keras.layers.Dense(1)])
            path = "w.h5"
            model.save_weights(path)
            print("saved", path)
            """,
            at=(4, 1), target_tf="2.16", safety=UNSAFE,
            fixed="""
            import keras
            model = keras.Sequential([keras.layers.Dense(1)])
            path = "w.weights.h5"
            model.save_weights(path)
            print("saved", path)
            """),
        # No literal gives the name, or save_format=: reported only.
        Invalid(
            """
            import keras
            model = keras.Sequential([keras.layers.Dense(1)])
            model.compile("sgd", "mse")
            model.save(make_name(), save_format="tf")
            """,
            at=(4, 1)),
        # A model from a function's own import of Keras' load_model, saved with save_format=.
        Invalid(
            """
            def save(model_dir):
                from tensorflow import keras as K
                model = K.models.load_model(model_dir)
                model.save(model_dir, save_format="tf")
            """,
            at=(4, 5)),
    ]

    def visit_Call(self, node):
        method = patterns.method_name(node)
        if method not in _ENDINGS:
            return
        receiver = node.func.value
        if method == "save" and not self._keras_model(receiver):
            return
        arg = patterns.argument(node, 0, "filepath")
        if arg is None:
            return
        literal, holder = self._literal(arg.value)
        save_format = patterns.keyword(node, "save_format")
        if literal is not None and save_format is None \
                and literal.evaluated_value.endswith(_ENDINGS[method]):
            return
        if literal is None and save_format is None:
            return  # a name this rule cannot see: Keras 3 may well accept it
        needs = ("names weights files `*.weights.h5`" if method == "save_weights" else
                 "saves models to `*.keras` (or legacy `*.h5`), without `save_format`")
        path = self.code_for(arg.value)
        if literal is None or save_format is not None:
            self.report(node, method=method, path=path, needs=needs,
                        help="drop `save_format=` and name the file `*%s`"
                        % _NEW_ENDING[method] if save_format is not None
                        else "name the file `*%s`" % _NEW_ENDING[method])
            return
        new = _renamed(literal.evaluated_value, method)
        edits, read_elsewhere = self._rename(literal, holder, new)
        self.report(node, method=method, path=path, needs=needs, new=new, edits=edits,
                    safety=UNSAFE if read_elsewhere else None)

    def _literal(self, expr, depth=3):
        """(the string literal ending the file name, the Name it was reached through): the
        name itself, or the last part of a name's value (`os.path.join(d, "w.h5")`,
        `d + "/w.h5"`); (None, ...) where no literal gives the name (no fix then)."""
        holder = None
        if isinstance(expr, cst.Name) and depth:
            holder = expr
            expr = self.resolve(expr)
        if isinstance(expr, cst.SimpleString):
            return expr, holder
        if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.Add) \
                and isinstance(expr.right, cst.SimpleString):
            return expr.right, holder
        if isinstance(expr, cst.Call) and self.qualified_name(expr.func) == "os.path.join" \
                and expr.args and isinstance(expr.args[-1].value, cst.SimpleString) \
                and expr.args[-1].keyword is None:
            return expr.args[-1].value, holder
        return None, holder

    def _rename(self, literal, holder, new):
        """(edits renaming the file, whether the name is read by code other than Keras' save and
        load calls). The literal's ending changes (`.h5` / `.hdf5` or none -> `.weights.h5` for
        `save_weights`, none -> `.keras` for `save`), and so does the same literal handed to
        `load_weights` / `load_model` in the module; files another program reads by the old name
        are beyond what the linter sees."""
        edits = [self.replace(literal, _quoted(literal, new))]
        old = literal.evaluated_value
        read_elsewhere = False
        for call in patterns.all_nodes(self.context.module, (cst.Call,)):
            method = patterns.method_name(call) if isinstance(call.func, cst.Attribute) \
                else None
            name = self.qualified_name(call.func) or ""
            keras_call = method in _ENDINGS or method in _LOADS or name.endswith(".load_model")
            for a in call.args:
                value = a.value
                if holder is not None and isinstance(value, cst.Name) \
                        and value.value == holder.value:
                    read_elsewhere = read_elsewhere or not keras_call
                elif isinstance(value, cst.SimpleString) and value is not literal \
                        and value.evaluated_value == old:
                    if keras_call:
                        edits.append(self.replace(value, _quoted(value, new)))
                    else:
                        read_elsewhere = True
        if holder is not None:
            uses = patterns.name_nodes(self.context.module, holder.value)
            # Its assignment, and each use as an argument of a call seen above.
            argument_uses = sum(1 for call in patterns.all_nodes(self.context.module,
                                                                 (cst.Call,))
                                for a in call.args
                                if isinstance(a.value, cst.Name)
                                and a.value.value == holder.value)
            read_elsewhere = read_elsewhere or len(uses) > argument_uses + 1
        return edits, read_elsewhere

    def _keras_model(self, receiver):
        """Whether ``receiver`` is a Keras model: a Keras method is called on the same
        expression in the module, or it is assigned a Keras model."""
        text = self.code_for(receiver)
        models = getattr(self, "_models", None)
        if models is None:
            models, others = set(), set()
            for call in patterns.all_nodes(self.context.module, (cst.Call,)):
                if isinstance(call.func, cst.Attribute) and call.func.attr.value in \
                        _MODEL_METHODS:
                    models.add(self.code_for(call.func.value))
                    if call.func.attr.value == "fit" and any(
                            a.keyword is not None and a.keyword.value not in _FIT_KEYWORDS
                            for a in call.args):
                        others.add(self.code_for(call.func.value))
            models -= others  # another library's model (tflearn's fit(n_epoch=...))
            for assign in patterns.all_nodes(self.context.module, (cst.Assign,)):
                if isinstance(assign.value, cst.Call):
                    called = self.qualified_name(assign.value.func) or ""
                    if patterns.keras_namespace(called) and called.rpartition(".")[2] in _MAKERS:
                        models.update(self.code_for(t.target) for t in assign.targets)
            self._models = models
        return text in models


def _renamed(name, method):
    for ending in _OLD_ENDINGS:
        if name.endswith(ending):
            return name[:-len(ending)] + _NEW_ENDING[method]
    return name + _NEW_ENDING[method]


def _quoted(literal, value):
    """``literal``'s prefix and quotes around ``value``."""
    return "%s%s%s%s" % (literal.prefix, literal.quote, value, literal.quote)

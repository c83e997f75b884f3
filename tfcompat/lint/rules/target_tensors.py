from tfcompat.lint.analysis import patterns, provenance, qualnames, scopes
from tfcompat.lint.libcst_lazy import cst
from tfcompat.lint.rule import UNSAFE, Invalid, Rule, Run, Valid

# (layer, the keyword that feeds it a tensor)
_INPUTS = {"Input": "tensor", "InputLayer": "input_tensor"}


class TargetTensors(Rule):
    """
    ## What it does
    Finds a model fed from graph tensors: `Input(tensor=...)`, `InputLayer(input_tensor=...)`
    and `compile(target_tensors=...)`, in standalone `keras`, `tf.keras` and `tf_keras`. An
    `Input` of a Keras tensor, or of a function's parameter as it came (keras.applications'
    `input_tensor=` argument, whose callers hand a Keras tensor), is not feeding.

    ## Why is this bad?
    Wiring a `get_next()` tensor into the model was the fast way to feed tf.data into Keras
    2.0.7-2.2 in graph mode, and it works nowhere else: eager tf.keras (TF 2.0+) rejects
    `target_tensors` (TF 2.2 removed it), Keras 3 (TF 2.16+) fails on `Input(tensor=...)`
    ("input_tensor must be a KerasTensor"), and even in graph mode the model is bound to one
    iterator, so validation and prediction on other data need a second model.

    ## Example
    ```python
    from keras.layers import Dense, Input
    from keras.models import Model

    inputs = Input(tensor=x_batch)
    model = Model(inputs, Dense(1)(inputs))
    model.compile("sgd", "mse", target_tensors=[y_batch])
    ```

    ## Use instead
    ```python
    import tfcompat
    from keras.layers import Dense, Input
    from keras.models import Model

    inputs = Input(shape=(1,))
    model = Model(inputs, Dense(1)(inputs))
    model.compile("sgd", "mse")
    tfcompat.fit(model, dataset, steps_per_epoch=100)
    ```

    ## Fix safety
    Unsafe, offered on a Keras 3 target (TF >= 2.16) for one traced shape of one-shot iterators
    only: Keras then iterates the dataset afresh each epoch, and a dtype the tensor carried is
    not kept.

    ## Versions
    `Input(tensor=)` Keras 1.0.6+, `target_tensors` Keras 2.0.7+, graph mode only; removed
    in eager tf.keras (TF 2.2) and in Keras 3 (TF 2.16); kept by tf_keras in graph mode, so a
    keras-target `tf_keras` module that turns eager execution off (TFC413) is not reported.
    Rewrite run by
    tests/runtime/test_rewrites_run.py in tf221 (where the original fails).
    """

    code = "TFC404"
    name = "target-tensors"
    fix_safety = UNSAFE
    fix_tf = "tf_keras_is_keras3"
    message = ("`{what}` feeds the model graph tensors: graph-mode Keras 2 only, not TF 2 eager or "
               "Keras 3")
    help = ("build on Input(shape=...) and pass the (x, y) dataset to fit (tf.keras TF >= 1.9), or "
            "tfcompat.fit(model, dataset)")
    # compile(target_tensors=...), or an Input / InputLayer call given tensor= / input_tensor=.
    tokens = (("target_tensors", "Input", "InputLayer"),
              ("target_tensors", "tensor", "input_tensor"))

    @classmethod
    def may_fire(cls, names):
        # A compile(target_tensors=...) call, or a Keras Input / InputLayer called (its name
        # qualified as a whole) given its tensor keyword.
        if "compile" in names.called and "target_tensors" in names.words:
            return True
        return any(_INPUTS.get(q.rpartition(".")[2]) in names.words and _keras_layer(q)
                   for q in names.qualified)

    VALID = [
        """
        from keras.layers import Input
        inputs = Input(shape=(1,))
        model.compile("rmsprop", "mse")
        """,
        # tf_keras with eager execution off (TFC413's fix) runs Keras 2's graph-mode loop.
        Valid("""
              import tensorflow as tf
              import tf_keras as keras
              tf.compat.v1.disable_eager_execution()
              inputs = keras.layers.Input(tensor=x_batch)
              """, target_tf="2.16", keras_target="tf_keras"),
        """
        import tensorflow as tf
        inputs = tf.keras.Input(shape=(4,), tensor=None)
        """,
        # A class's own compile passing the argument through (Keras 2's Model itself).
        """
        class Model(Network):
            def compile(self, optimizer, loss=None, target_tensors=None):
                pass
            def fit(self, x=None, y=None):
                self.compile(optimizer=self.optimizer, loss=self.loss, target_tensors=[y])
        """,
        # keras.applications' input_tensor idiom: the caller's tensor (a Keras tensor) wrapped
        # as it came, also by a name; an Input of a Keras tensor.
        """
        from keras import backend as K
        from keras.layers import Input, Conv2D
        from keras.models import Model
        def VGG(input_tensor=None, input_shape=(224, 224, 3)):
            if input_tensor is None:
                img_input = Input(shape=input_shape)
            elif not K.is_keras_tensor(input_tensor):
                img_input = Input(tensor=input_tensor, shape=input_shape)
            else:
                img_input = input_tensor
            return Model(img_input, Conv2D(8, 3)(img_input))
        inputs = Input(shape=(4,))
        wrapped = Input(tensor=inputs)
        """,
        # Some other library's Input.
        """
        from myforms import Input
        field = Input(tensor=x, label="name")
        """,
        # TF 1's tf.contrib.keras built on a shape, and tf.contrib's other modules.
        """
        import tensorflow as tf
        from tensorflow.contrib import layers
        inputs = tf.contrib.keras.layers.Input(shape=(4,))
        field = layers.Input(tensor=features)
        """,
    ]
    INVALID = [
        Invalid(
            """
            from keras.layers import Input
            input_vals = Input(tensor=it_x.get_next())
            """,
            at=(2, 20)),
        Invalid(
            """
            model.compile("rmsprop", "mse", target_tensors=[it_y.get_next()])
            """,
            at=(1, 33)),
        Invalid(
            """
            import tensorflow as tf
            inputs = tf.keras.layers.Input(tensor=batch, name="x")
            """,
            at=(2, 32)),
        Invalid(
            """
            from tensorflow.keras import layers
            layer = layers.InputLayer(input_tensor=features)
            """,
            at=(2, 27)),
        # TF 1's tf.contrib.keras, through an alias and by its full name (gone in TF 2 with
        # contrib: reported, never rewritten).
        Invalid(
            """
            from tensorflow.contrib import keras
            inputs = keras.layers.Input(tensor=it.get_next())
            """,
            at=(2, 29), target_tf="2.16"),
        Invalid(
            """
            import tensorflow as tf
            layer = tf.contrib.keras.layers.InputLayer(input_tensor=batch)
            """,
            at=(2, 44)),
        # A program: the seed thread's accepted answer (one iterator for x, one for y).
        Invalid(
            """
            import numpy as np
            import tensorflow as tf
            from keras.layers import Dense, Input
            from keras.models import Model
            x = np.arange(4).reshape(-1, 1).astype("float32")
            ds_x = tf.data.Dataset.from_tensor_slices(x).repeat().batch(4)
            it_x = tf.compat.v1.data.make_one_shot_iterator(ds_x)
            y = np.arange(5, 9).reshape(-1, 1).astype("float32")
            ds_y = tf.data.Dataset.from_tensor_slices(y).repeat().batch(4)
            it_y = tf.compat.v1.data.make_one_shot_iterator(ds_y)
            inputs = Input(tensor=it_x.get_next())
            model = Model(inputs=inputs, outputs=Dense(1)(inputs))
            model.compile("sgd", "mse", target_tensors=[it_y.get_next()])
            result = model.fit(steps_per_epoch=2, epochs=2)
            """,
            at=(11, 16), target_tf="2.16",
            fixed="""
            import numpy as np
            import tensorflow as tf
            from keras.layers import Dense, Input
            from keras.models import Model
            x = np.arange(4).reshape(-1, 1).astype("float32")
            ds_x = tf.data.Dataset.from_tensor_slices(x).repeat().batch(4)
            y = np.arange(5, 9).reshape(-1, 1).astype("float32")
            ds_y = tf.data.Dataset.from_tensor_slices(y).repeat().batch(4)
            inputs = Input(shape=tuple(ds_x.element_spec.shape[1:]))
            model = Model(inputs=inputs, outputs=Dense(1)(inputs))
            model.compile("sgd", "mse")
            result = model.fit(tf.data.Dataset.zip((ds_x, ds_y)), steps_per_epoch=2, epochs=2)
            """,
            run=Run(broken=("tf221",), fixed=("tf221",), result=[2])),
        # One iterator of (x, y) pairs, unpacked (Keras' mnist_dataset_api.py).
        Invalid(
            """
            import tensorflow as tf
            from tensorflow import keras
            iterator = tf.compat.v1.data.make_one_shot_iterator(dataset)
            inputs, targets = iterator.get_next()
            model_input = keras.layers.Input(tensor=inputs)
            model = keras.models.Model(model_input, keras.layers.Dense(1)(model_input))
            model.compile("sgd", "mse", target_tensors=[targets])
            model.fit(epochs=2, steps_per_epoch=10)
            """,
            at=(5, 34), target_tf="2.16",
            fixed="""
            import tensorflow as tf
            from tensorflow import keras
            model_input = keras.layers.Input(shape=tuple(dataset.element_spec[0].shape[1:]))
            model = keras.models.Model(model_input, keras.layers.Dense(1)(model_input))
            model.compile("sgd", "mse")
            model.fit(dataset, epochs=2, steps_per_epoch=10)
            """),
        # tf_upgrade_v2's iterators in a file that never binds `tf`: the rewrite reads the
        # datasets, so the iterators (and the unbound `tf`) go.
        Invalid(
            """
            from keras.layers import Input
            from keras.models import Model
            from tensorflow.data import Dataset
            it_x = tf.compat.v1.data.make_one_shot_iterator(ds_x)
            it_y = tf.compat.v1.data.make_one_shot_iterator(ds_y)
            inputs = Input(tensor=it_x.get_next())
            model = Model(inputs, inputs)
            model.compile("sgd", "mse", target_tensors=[it_y.get_next()])
            model.fit(steps_per_epoch=2)
            """,
            at=(6, 16), target_tf="2.16",
            fixed="""
            from keras.layers import Input
            from keras.models import Model
            from tensorflow.data import Dataset
            inputs = Input(shape=tuple(ds_x.element_spec.shape[1:]))
            model = Model(inputs, inputs)
            model.compile("sgd", "mse")
            model.fit(Dataset.zip((ds_x, ds_y)), steps_per_epoch=2)
            """),
        # An iterator something else reads stays.
        Invalid(
            """
            import tensorflow as tf
            import keras
            iterator = tf.compat.v1.data.make_one_shot_iterator(dataset)
            inputs, targets = iterator.get_next()
            model_input = keras.Input(tensor=inputs)
            model = keras.Model(model_input, keras.layers.Dense(1)(model_input))
            model.compile("sgd", "mse", target_tensors=[targets])
            model.fit(epochs=2, steps_per_epoch=10)
            first = iterator.get_next()
            """,
            at=(5, 27), target_tf="2.16",
            fixed="""
            import tensorflow as tf
            import keras
            iterator = tf.compat.v1.data.make_one_shot_iterator(dataset)
            model_input = keras.Input(shape=tuple(dataset.element_spec[0].shape[1:]))
            model = keras.Model(model_input, keras.layers.Dense(1)(model_input))
            model.compile("sgd", "mse")
            model.fit(dataset, epochs=2, steps_per_epoch=10)
            first = iterator.get_next()
            """),
        # An Estimator's model_fn wiring its features (an input_fn's graph tensors) into a
        # Keras model; a placeholder made in a function.
        Invalid(
            """
            import tensorflow as tf
            def model_fn(features, labels, mode, params):
                users = features["user_id"]
                user_input = tf.keras.layers.Input(tensor=users)
                return build(user_input, params)
            """,
            at=(4, 40)),
        Invalid(
            """
            from keras import backend as K
            from keras.layers import Input
            def build():
                x = K.placeholder(shape=(None, 2))
                return Input(tensor=x)
            """,
            at=(5, 18)),
    ]

    def visit_Module(self, node):
        self._covered = set()  # compile calls whose finding the Input's fix covers

    def visit_Call(self, node):
        if self.keras_target == "tf_keras" and provenance.turns_eager_off(self):
            return  # tf_keras in graph mode keeps Keras 2's loop, which takes tensor inputs
        if patterns.method_name(node) == "compile" and self.qualified_name(node.func) is None:
            if not provenance.keras_method_call(self, node):
                return  # a class's own compile (Keras' Model itself), a module's function
            arg = patterns.argument(node, None, "target_tensors")
            if arg is not None and not patterns.is_literal(arg.value, None) \
                    and id(node) not in self._covered:
                self.report(arg, what="compile(target_tensors=...)")
            return
        name = self.qualified_name(node.func) or ""
        layer = name.rsplit(".", 1)[-1]
        if layer not in _INPUTS or not _keras_layer(name):
            return
        arg = patterns.argument(node, None, _INPUTS[layer])
        if arg is not None and not patterns.is_literal(arg.value, None) \
                and not self._handed_in(arg.value):
            # tf.contrib.keras is gone from every target the rewrite is for: report only.
            fix = self._fix(arg) if layer == "Input" and patterns.keras_namespace(name) else None
            self.report(arg, what="%s(%s=...)" % (layer, _INPUTS[layer]), edits=fix)

    def _handed_in(self, tensor):
        """Whether ``tensor`` is a Keras tensor, or a parameter of the enclosing function that
        reaches the `Input` as it came: keras.applications' `input_tensor` idiom, where the
        caller's tensor is a Keras tensor (`Input(shape=...)` or a layer's output; Keras 3's own
        applications still wrap it this way). A graph tensor of the module's own making (an
        iterator's `get_next()`, a placeholder, a variable, an Estimator's features) is fed."""
        if isinstance(tensor, cst.Name):
            value = self.resolve(tensor)
            if value is None:
                return tensor.value in _parameters(self.context.ancestors)
            tensor = value
        if isinstance(tensor, cst.Call):
            name = self.qualified_name(tensor.func) or ""
            return name.rsplit(".", 1)[-1] == "Input" and _keras_layer(name)
        return False

    # -- the traced shape: tensors of one-shot iterators over named datasets ---------------
    def _fix(self, tensor_arg):
        """The edits for the traced shape: one `Input(tensor=...)` and one
        `compile(target_tensors=[...])` in the file, whose tensors are `get_next()` of one-shot
        iterators made from named datasets (one iterator of `(x, y)` pairs, or one for x and one
        for y), and one `fit` on the compiled model with no data. The model is then built on
        `Input(shape=...)` (the dataset's element spec, read at run time), compiled without
        `target_tensors` (that finding is covered by this one) and fitted on the dataset (or
        `Dataset.zip((ds_x, ds_y))`); the statements binding the iterators and their tensors go
        when nothing else reads them. None for anything else, initializable iterators included
        (their initializer runs in a session, with feeds the dataset does not show)."""
        if not self.target_at_least("tf_keras_is_keras3"):
            return None
        inputs = [c for c in self._calls() if self._feeds_input(c)]
        compiles = [c for c in self._calls() if patterns.method_name(c) == "compile"
                    and patterns.argument(c, None, "target_tensors") is not None]
        if len(inputs) != 1 or len(compiles) != 1:
            return None
        compile_call = compiles[0]
        targets = patterns.keyword(compile_call, "target_tensors")
        if not isinstance(targets, (cst.List, cst.Tuple)) or len(targets.elements) != 1:
            return None
        x_source = self._source(tensor_arg.value)
        y_source = self._source(targets.elements[0].value)
        if x_source is None or y_source is None:
            return None
        receiver = self.code_for(compile_call.func.value)
        fits = [c for c in self._calls() if patterns.method_name(c) == "fit"
                and self.code_for(c.func.value) == receiver]
        if len(fits) != 1 or patterns.has_star_args(fits[0]) \
                or patterns.argument(fits[0], 0, "x", "y") is not None:
            return None
        (x_ds, x_part), (y_ds, y_part) = x_source, y_source
        edits = []
        if x_ds == y_ds and (x_part, y_part) == (0, 1):
            data, spec = x_ds, "%s.element_spec[0]" % x_ds
        elif x_ds != y_ds and x_part is None and y_part is None:
            zip_text, edits = self.require("tensorflow.data.Dataset.zip")
            data, spec = "%s((%s, %s))" % (zip_text, x_ds, y_ds), "%s.element_spec" % x_ds
        else:
            return None
        fit = fits[0]
        comma = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
        args = [cst.Arg(cst.parse_expression(data), comma=comma)] + list(fit.args)
        if len(args) == 1:
            args[0] = args[0].with_changes(comma=cst.MaybeSentinel.DEFAULT)
        kept = [a for a in compile_call.args
                if a.keyword is None or a.keyword.value != "target_tensors"]
        if kept:
            kept[-1] = kept[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
        self._covered.add(id(compile_call))
        return edits + [
            self.replace(tensor_arg.keyword, "shape"),
            self.replace(tensor_arg.value, "tuple(%s.shape[1:])" % spec),
            self.replace(compile_call, compile_call.with_changes(args=kept)),
            self.replace(fit, fit.with_changes(args=args))] \
            + [self.remove(s) for s in self._unread_iterators([tensor_arg.value, compile_call])]

    def _unread_iterators(self, rewritten):
        """The statements binding iterators and ``get_next()`` tensors (``it = ...``,
        ``x, y = it.get_next()``) that only the ``rewritten`` nodes read: the rewrite leaves
        them unread, so they go too (in eager TF an iterator nobody reads has no effect)."""
        statements = [s for s in patterns.all_nodes(self.context.module,
                                                    (cst.SimpleStatementLine,))
                      if self._binds_iterator(s)]
        gone = list(rewritten)
        removed, changed = [], True
        while changed:
            changed = False
            for statement in statements:
                if statement in removed:
                    continue
                own = statement.body[0].targets[0]
                uses = [n for name in _names(statement) for n in scopes.reads(self.context, name)]
                outside = [u for u in uses if not scopes.within(self.context, u, own)]
                if outside and all(any(scopes.within(self.context, u, g) for g in gone)
                                   for u in outside):
                    removed.append(statement)
                    gone.append(statement)
                    changed = True
        return removed

    def _binds_iterator(self, statement):
        """``name = <iterator>`` or ``a[, b] = <iterator>.get_next()``, alone on its line."""
        if len(statement.body) != 1 or not isinstance(statement.body[0], cst.Assign):
            return False
        assign = statement.body[0]
        if len(assign.targets) != 1 or not isinstance(assign.value, cst.Call) \
                or not _names(statement):
            return False
        return patterns.method_name(assign.value) == "get_next" \
            or patterns.makes_iterator(self, assign.value)

    def _calls(self):
        return patterns.all_nodes(self.context.module, (cst.Call,))

    def _feeds_input(self, call):
        name = self.qualified_name(call.func) or ""
        layer = name.rsplit(".", 1)[-1]
        return layer in _INPUTS and _keras_layer(name) \
            and patterns.argument(call, None, _INPUTS[layer]) is not None

    def _source(self, tensor):
        """(dataset name, None) for ``it.get_next()`` of a one-shot iterator over a named
        dataset; (dataset name, 0 or 1) for one half of ``a, b = it.get_next()``; else None."""
        part = None
        if isinstance(tensor, cst.Name) and self.resolve(tensor) is None:
            tensor, part = self._unpacked(tensor.value)
        found = patterns.get_next_of(self, tensor) if tensor is not None else None
        if found is None:
            return None
        dataset = patterns.iterator_dataset(self, found[1])
        if not isinstance(dataset, cst.Name):
            return None
        return dataset.value, part

    def _unpacked(self, name):
        """(value, index) of the one ``a, b = value`` in the file binding ``name``."""
        found = []
        for assign in patterns.all_nodes(self.context.module, (cst.Assign,)):
            for target in assign.targets:
                if isinstance(target.target, (cst.Tuple, cst.List)):
                    names = [e.value.value if isinstance(e.value, cst.Name) else None
                             for e in target.target.elements]
                    if name in names and len(names) == 2:
                        found.append((assign.value, names.index(name)))
        return found[0] if len(found) == 1 else (None, None)


def _names(statement):
    """The plain names an assignment statement binds (empty when it binds anything else)."""
    target = statement.body[0].targets[0].target
    elements = [e.value for e in target.elements] \
        if isinstance(target, (cst.Tuple, cst.List)) else [target]
    return [e.value for e in elements] if all(isinstance(e, cst.Name) for e in elements) else []


def _parameters(ancestors):
    """The parameter names of the innermost function among ``ancestors``."""
    for node in reversed(ancestors):
        if isinstance(node, (cst.FunctionDef, cst.Lambda)):
            return {p.name.value for p in scopes.parameters(node)}
    return set()


def _keras_layer(name):
    """Whether ``name`` is in a Keras namespace or TF 1's tf.contrib.keras."""
    return bool(patterns.keras_namespace(name)) or name.startswith(qualnames.CONTRIB_KERAS + ".")


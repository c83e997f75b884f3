from tfcompat.lint.analysis import patterns, provenance, qualnames, scopes
from tfcompat.lint.libcst_lazy import cst
from tfcompat.lint.rule import UNSAFE, Invalid, Rule, Run, Valid


class ModelToEstimatorTraining(Rule):
    """
    ## What it does
    Finds a Keras model turned into an Estimator, `est =
    tf.keras.estimator.model_to_estimator(keras_model=model)`, and trained once, by
    `tf.estimator.train_and_evaluate(est, train_spec, eval_spec)` or `est.train(input_fn,
    steps=N)`, on input_fns that return a tf.data dataset or its one-shot iterator's
    `get_next()`: TF 2.16+, which has no Estimator, is within reach of every target. Only that
    shape: every other use of `model_to_estimator` and `tf.estimator` is TFC408's, reported
    with no fix.

    ## Why is this bad?
    TF 2.16 removed `tf.estimator` and `tf.keras.estimator` ("module 'keras' has no attribute
    'estimator'"): the script stops before training. For this shape the Estimator did what
    Keras' own `fit` does on the input_fns' datasets, which trains on every Keras (tf.keras
    from TF 1.14, tf_keras, Keras 3).

    ## Example
    ```python
    import tensorflow as tf

    train_ds = tf.data.Dataset.from_tensor_slices((x, y)).shuffle(1000).repeat().batch(32)
    test_ds = tf.data.Dataset.from_tensor_slices((test_x, test_y)).batch(32)
    model.compile("adam", "binary_crossentropy")
    estimator = tf.keras.estimator.model_to_estimator(keras_model=model)
    train_spec = tf.estimator.TrainSpec(input_fn=lambda: train_ds, max_steps=1000)
    eval_spec = tf.estimator.EvalSpec(input_fn=lambda: test_ds)
    tf.estimator.train_and_evaluate(estimator, train_spec, eval_spec)
    ```

    ## Use instead
    ```python
    import tensorflow as tf

    train_ds = tf.data.Dataset.from_tensor_slices((x, y)).shuffle(1000).repeat().batch(32)
    test_ds = tf.data.Dataset.from_tensor_slices((test_x, test_y)).batch(32)
    model.compile("adam", "binary_crossentropy")
    model.fit(train_ds, steps_per_epoch=1000, epochs=1, validation_data=test_ds.take(100))
    ```

    ## Fix safety
    Unsafe: `fit` trains `model` itself where the Estimator trained a copy in its own graph,
    writes no checkpoints or summaries to a model_dir, evaluates once after the N steps (not
    after each checkpoint), and returns a History where the call returned the Estimator's eval
    dict.

    ## Versions
    `tf.estimator` and `model_to_estimator`: TF 1.4 to 2.15. The rewrite needs `fit` on finite
    datasets without steps (tf.keras TF 1.14, Keras 3); run by
    tests/runtime/test_rewrites_run.py in tf115-keras231 (original and fixed) and tf221
    (fixed; the original fails there).
    """

    code = "TFC414"
    name = "model-to-estimator-training"
    message = "`{name}` is gone from TF 2.16; this Estimator only trains the model on datasets"
    help = "train the model with {model}.fit on the input_fns' datasets"
    tokens = ("model_to_estimator",)
    fix_safety = UNSAFE
    fix_tf = "fit_dataset_without_steps"

    VALID = [
        # Before TF 2.16 the Estimator is there.
        Valid(
            """
            import tensorflow as tf
            model.compile("adam", "mse")
            est = tf.keras.estimator.model_to_estimator(keras_model=model)
            est.train(input_fn=lambda: train_ds, steps=20)
            """, target_tf="2.15"),
        # The estimator is used again (evaluate, export): TFC408's, reported with no fix.
        Valid(
            """
            import tensorflow as tf
            model.compile("adam", "mse")
            est = tf.keras.estimator.model_to_estimator(keras_model=model)
            est.train(input_fn=lambda: train_ds, steps=20)
            metrics = est.evaluate(input_fn=lambda: test_ds)
            """, target_tf="2.16"),
        # A model_dir (checkpoints to keep), an input_fn taking params.
        Valid(
            """
            import tensorflow as tf
            model.compile("adam", "mse")
            est = tf.keras.estimator.model_to_estimator(keras_model=model, model_dir="ckpt")
            est.train(input_fn=lambda: train_ds, steps=20)
            est2 = tf.keras.estimator.model_to_estimator(keras_model=model)
            def input_fn(params):
                return tf.data.Dataset.range(8).batch(params["batch_size"])
            est2.train(input_fn=input_fn, steps=20)
            """, target_tf="2.16"),
        # An input_fn over what may not be a dataset (`.batch` alone proves nothing).
        Valid(
            """
            import tensorflow as tf
            model.compile("adam", "mse")
            est = tf.keras.estimator.model_to_estimator(keras_model=model)
            def input_fn(data):
                data = data.batch(8)
                return data
            est.train(input_fn=lambda: input_fn(records), steps=5)
            """, target_tf="2.16"),
        # Hooks on the specs.
        Valid(
            """
            import tensorflow as tf
            model.compile("adam", "mse")
            est = tf.keras.estimator.model_to_estimator(keras_model=model)
            tf.estimator.train_and_evaluate(
                est, tf.estimator.TrainSpec(lambda: train_ds, max_steps=10, hooks=[hook]),
                tf.estimator.EvalSpec(lambda: test_ds))
            """, target_tf="2.16"),
    ]
    INVALID = [
        # A program: the seed's answer, trained by train_and_evaluate on input_fns.
        Invalid(
            """
            import numpy as np
            import tensorflow as tf
            x = np.random.rand(64, 4).astype("float32")
            y = (x.sum(axis=1, keepdims=True) > 2).astype("float32")
            train_set = tf.data.Dataset.from_tensor_slices((x[:48], y[:48])).repeat().batch(8)
            test_set = tf.data.Dataset.from_tensor_slices((x[48:], y[48:])).batch(8)
            model = tf.keras.Sequential([tf.keras.layers.Dense(1, input_shape=(4,))])
            model.compile("sgd", "mse")
            estimator = tf.keras.estimator.model_to_estimator(keras_model=model)
            input_name = model.input_names[0]
            def input_fn(dataset):
                dataset = dataset.map(lambda X, y: ({input_name: X}, y))
                return tf.compat.v1.data.make_one_shot_iterator(dataset).get_next()
            train_spec = tf.estimator.TrainSpec(input_fn=lambda: input_fn(train_set), max_steps=4)
            eval_spec = tf.estimator.EvalSpec(input_fn=lambda: input_fn(test_set))
            tf.estimator.train_and_evaluate(estimator, train_spec, eval_spec)
            result = model.predict(x[:4])
            """,
            at=(9, 13), target_tf="2.16",
            fixed="""
            import numpy as np
            import tensorflow as tf
            x = np.random.rand(64, 4).astype("float32")
            y = (x.sum(axis=1, keepdims=True) > 2).astype("float32")
            train_set = tf.data.Dataset.from_tensor_slices((x[:48], y[:48])).repeat().batch(8)
            test_set = tf.data.Dataset.from_tensor_slices((x[48:], y[48:])).batch(8)
            model = tf.keras.Sequential([tf.keras.layers.Dense(1, input_shape=(4,))])
            model.compile("sgd", "mse")
            def input_fn(dataset):
                dataset = dataset.map(lambda X, y: (X, y))
                return dataset
            model.fit(input_fn(train_set),
                      steps_per_epoch=4,
                      epochs=1,
                      validation_data=input_fn(test_set).take(100))
            result = model.predict(x[:4])
            """,
            run=Run(original=("tf115-keras231",), broken=("tf221",),
                    fixed=("tf115-keras231", "tf221"), result=[4, 1])),
        # Estimator.train on a parameterless input_fn returning a dataset; no evaluation.
        Invalid(
            """
            import tensorflow as tf
            def train(model, xs, ys):
                model.compile("adam", "mse")
                est = tf.keras.estimator.model_to_estimator(keras_model=model)
                def train_input():
                    return tf.data.Dataset.from_tensor_slices((xs, ys)).shuffle(64).batch(8)
                est.train(input_fn=train_input, steps=20)
            """,
            at=(4, 11), target_tf="2.16",
            fixed="""
            import tensorflow as tf
            def train(model, xs, ys):
                model.compile("adam", "mse")
                def train_input():
                    return tf.data.Dataset.from_tensor_slices((xs, ys)).shuffle(64).batch(8)
                model.fit(train_input(), steps_per_epoch=20, epochs=1)
            """),
    ]

    def visit_Call(self, node):
        if self.qualified_name(node.func) != "tensorflow.keras.estimator.model_to_estimator":
            return
        fix = self._fit_instead(node)
        if fix is not None:
            model = patterns.argument(node, 0, "keras_model").value.value
            self.report(node.func, name=self.code_for(node.func), model=model, edits=fix)

    def _fit_instead(self, node):
        """The edits turning `est = tf.keras.estimator.model_to_estimator(keras_model=model)`
        (no `model_dir`, no `config`) of a model compiled before it in the same body, used once
        more, by a statement `tf.estimator.train_and_evaluate(est, TrainSpec(input_fn,
        max_steps=N), EvalSpec(input_fn, steps=K))` (specs inline or names used only there; no
        hooks, no exporters) or `est.train(input_fn, steps=N)` (or `max_steps=N`), into
        `model.fit(<train dataset>, steps_per_epoch=N, epochs=1, validation_data=<eval
        dataset>.take(K))` (K: EvalSpec's 100 when not given), the estimator and specs removed;
        the input_fns are those `_input_fn_data` takes, used nowhere else (their return
        changes). None for any other shape (TFC408 reports it)."""
        ancestors = self.context.ancestors
        call = node
        statement = self.statement()
        if scopes.assigned_name(statement) is None or statement.body[0].value is not call:
            return None
        keras_model = patterns.argument(call, 0, "keras_model")
        if keras_model is None or len(call.args) != 1 \
                or not isinstance(keras_model.value, cst.Name):
            return None
        model = keras_model.value.value
        estimator = scopes.assigned_name(statement)
        block = _block_of(ancestors, statement)
        if block is None or not self._compiled(block, statement, model):
            return None
        uses = scopes.variable_names(self.context, estimator)
        later = block[block.index(statement) + 1:]
        for training in later:
            found = self._training(training, estimator, block)
            if found is None:
                continue
            train, evaluate, spec_statements, steps, eval_steps = found
            if len(uses) != 2:
                return None
            feeds = [self._input_fn_data(f, block, model) for f in (train, evaluate)
                     if f is not None]
            if None in feeds:
                return None
            functions = [f for _, _, f in feeds if f is not None]
            if any(len(scopes.variable_names(self.context, f)) != 1 + functions.count(f)
                   for f in functions):
                return None  # an input_fn function used elsewhere too: its return changes
            edits = [self.remove(statement)] + [self.remove(s) for s in spec_statements]
            texts = []
            for text, more, _ in feeds:
                texts.append(text)
                edits += more
            arguments = [texts[0]]
            if steps is not None:
                arguments.append("steps_per_epoch=%s" % steps)
            arguments.append("epochs=1")
            if evaluate is not None:
                taken = "%s.take(%s)" % (_wrapped(texts[1]), eval_steps) \
                    if eval_steps is not None else texts[1]
                arguments.append("validation_data=%s" % taken)
            edits.append(self.replace(training.body[0].value,
                                      self._call_text(training, model + ".fit", arguments)))
            return _unique(edits)
        return None

    def _call_text(self, statement, function, arguments):
        """``function(arguments...)`` on one line, or one argument a line where that is over
        100 columns."""
        text = "%s(%s)" % (function, ", ".join(arguments))
        column = self.context.position(statement).start.column
        if column + len(text) <= 100:
            return text
        newline = self.context.module.default_newline
        return "%s(%s)" % (function, ("," + newline + " " * (column + len(function) + 1)).join(
            arguments))

    def _compiled(self, block, statement, model):
        """Whether ``model.compile(...)`` runs before ``statement`` in ``block``."""
        for earlier in block[:block.index(statement)]:
            value = earlier.body[0].value if isinstance(earlier, cst.SimpleStatementLine) \
                and isinstance(earlier.body[0], cst.Expr) else None
            if isinstance(value, cst.Call) and patterns.method_name(value) == "compile" \
                    and isinstance(value.func.value, cst.Name) and value.func.value.value == model:
                return True
        return False

    def _training(self, statement, estimator, block):
        """(train input_fn, eval input_fn or None, spec statements to remove, train steps
        text or None, eval steps text or None) when ``statement`` is
        `train_and_evaluate(estimator, train_spec, eval_spec)` or `estimator.train(...)`, a
        statement of its own, with specs it alone uses; else None."""
        call = scopes.statement_call(statement)
        if call is None or patterns.has_star_args(call):
            return None
        if patterns.method_name(call) == "train" and isinstance(call.func.value, cst.Name) \
                and call.func.value.value == estimator:
            return self._train_call(call)
        if self.qualified_name(call.func) != "tensorflow.estimator.train_and_evaluate" \
                or len(call.args) != 3 or any(a.keyword is not None for a in call.args):
            return None
        first, train_spec, eval_spec = [a.value for a in call.args]
        if not (isinstance(first, cst.Name) and first.value == estimator):
            return None
        removed = []
        specs = []
        for spec, kind, keywords in ((train_spec, "TrainSpec", _TRAIN_SPEC),
                                     (eval_spec, "EvalSpec", _EVAL_SPEC)):
            if isinstance(spec, cst.Name):
                assigned = self._assigned_once(spec.value, block, statement)
                if assigned is None:
                    return None
                removed.append(assigned)
                spec = assigned.body[0].value
            if not (isinstance(spec, cst.Call)
                    and self.qualified_name(spec.func) == "tensorflow.estimator." + kind
                    and _only_arguments(spec, keywords)):
                return None
            specs.append(spec)
        train_fn = patterns.argument(specs[0], 0, "input_fn")
        eval_fn = patterns.argument(specs[1], 0, "input_fn")
        if train_fn is None or eval_fn is None:
            return None
        steps = _steps(patterns.argument(specs[0], 1, "max_steps"), None)
        eval_steps = _steps(patterns.argument(specs[1], 1, "steps"), "100")
        if steps is False or eval_steps is False:
            return None
        return train_fn.value, eval_fn.value, removed, steps, eval_steps

    def _train_call(self, call):
        """`estimator.train(input_fn=..., steps= or max_steps=)`: a fresh estimator's global
        step starts at 0, so either bounds the run the same."""
        if not _only_arguments(call, ("input_fn", "steps", "max_steps")) \
                or any(a.keyword is None for a in call.args[1:]):
            return None
        input_fn = patterns.argument(call, 0, "input_fn")
        steps = [patterns.keyword(call, k) for k in ("steps", "max_steps")]
        if input_fn is None or all(s is not None for s in steps):
            return None
        given = steps[0] if steps[0] is not None else steps[1]
        bound = _steps(given, None)
        return None if bound is False else (input_fn.value, None, [], bound, None)

    def _assigned_once(self, name, block, user):
        """The statement of ``block`` assigning ``name``, when it is its one assignment and
        ``user`` its one use in the module."""
        found = [s for s in block if scopes.assigned_name(s) == name]
        if len(found) != 1 or block.index(found[0]) > block.index(user) \
                or len(scopes.variable_names(self.context, name)) != 2:
            return None
        return found[0]

    def _input_fn_data(self, input_fn, block, model):
        """(source text of the dataset the input_fn feeds, edits, name of the function it
        calls or None) for `lambda: f(...)` or a parameterless def `f` (then `f()`) of
        ``block``, where f returns a dataset or the `get_next()` of a one-shot iterator over
        one (rewritten to return the dataset); `lambda: <dataset or its iterator's
        get_next()>`. None for other input_fns (Estimator params, mode, config)."""
        if isinstance(input_fn, cst.Lambda):
            if scopes.parameters(input_fn):
                return None
            body = input_fn.body
            direct = self._returned_dataset(body)
            if direct is not None:
                return self.code_for(direct), [], None
            if not (isinstance(body, cst.Call) and isinstance(body.func, cst.Name)):
                return None
            function, call_text = _def_in(block, body.func), self.code_for(body)
        elif isinstance(input_fn, cst.Name):
            function, call_text = _def_in(block, input_fn), input_fn.value + "()"
            if isinstance(function, cst.FunctionDef) and scopes.parameters(function):
                return None
        else:
            return None
        if not isinstance(function, cst.FunctionDef):
            return None
        returns = patterns.own_nodes(function, (cst.Return,))
        last = function.body.body[-1] if isinstance(function.body, cst.IndentedBlock) else None
        if len(returns) != 1 or not (isinstance(last, cst.SimpleStatementLine)
                                     and last.body[0] is returns[0]) or returns[0].value is None:
            return None
        returned = returns[0].value
        dataset = self._returned_dataset(returned, function)
        if dataset is None:
            return None
        edits = self._single_input_features(function, model)
        if dataset is not returned:
            edits.append(self.replace(returned, self.code_for(dataset)))
        return call_text, edits, function.name.value

    def _returned_dataset(self, expr, function=None):
        """The dataset whose one-shot iterator's `get_next()` ``expr`` is (the iterator proves
        it one), or ``expr`` itself when it is provably a tf.data pipeline; else None."""
        if isinstance(expr, cst.Call) and patterns.method_name(expr) == "get_next" \
                and isinstance(expr.func.value, cst.Call):
            return patterns.iterator_dataset(self, expr.func.value)
        return expr if self._is_dataset(expr, function) else None

    def _is_dataset(self, expr, function):
        """Whether ``expr`` (or, for a name, every value the function, else the module,
        assigns it) is built by a tf.data source or a Dataset-only method."""
        if isinstance(expr, cst.Name):
            statements = function.body.body if function is not None else self.context.module.body
            values = [st.body[0].value for st in statements
                      if scopes.assigned_name(st) == expr.value]
            # Not `ds = ds.map(...)`, which extends the chain it continues.
            sources = [v for v in values if not patterns.name_nodes(v, expr.value)]
            return bool(sources) and all(self._is_dataset(v, None) for v in sources)
        for call in patterns.all_nodes(expr, (cst.Call,)):
            if self.qualified_name(call.func) in qualnames.DATASET_SOURCES \
                    or patterns.method_name(call) in provenance.DATASET_ONLY_METHODS:
                return True
        return False

    def _single_input_features(self, function, model):
        """Edits turning `({model.input_names[0]: x}, y)` features in the function's `map`
        lambdas into `(x, y)` (with `name = model.input_names[0]` removed once unused): the
        features dict an Estimator of a one-input model needs is that input for fit, and
        Keras 3 models have no input_names."""
        edits, keys = [], []
        for call in patterns.own_nodes(function, (cst.Call,)):
            mapped = patterns.mapped_function(self, call) \
                if patterns.method_name(call) == "map" else None
            if not isinstance(mapped, cst.Lambda) or not isinstance(mapped.body, cst.Tuple) \
                    or not mapped.body.elements:
                continue
            features = mapped.body.elements[0].value
            if not (isinstance(features, cst.Dict) and len(features.elements) == 1
                    and isinstance(features.elements[0], cst.DictElement)):
                continue
            key = features.elements[0].key
            source = self._module_value(key) if isinstance(key, cst.Name) else key
            if not _first_input_name(source, model):
                continue
            edits.append(self.replace(features, self.code_for(features.elements[0].value)))
            if isinstance(key, cst.Name):
                keys.append(key.value)
        for name in set(keys):
            if len(scopes.variable_names(self.context, name)) == 1 + keys.count(name):
                statement = self._module_assignment(name)
                if statement is not None:
                    edits.append(self.remove(statement))
        return edits

    def _module_assignment(self, name):
        found = [s for s in self.context.module.body if scopes.assigned_name(s) == name]
        return found[0] if len(found) == 1 else None

    def _module_value(self, name):
        statement = self._module_assignment(name.value)
        return statement.body[0].value if statement is not None else None


# The arguments the recognised specs may have (anything else: hooks, exporters: no fix).
_TRAIN_SPEC = ("input_fn", "max_steps")
_EVAL_SPEC = ("input_fn", "steps", "name", "start_delay_secs", "throttle_secs")


def _def_in(block, name):
    """The one def of ``name`` among ``block``'s statements, or None."""
    found = [s for s in block if isinstance(s, cst.FunctionDef) and s.name.value == name.value]
    return found[0] if len(found) == 1 else None


def _block_of(ancestors, statement):
    """The statements of the body (module or def) that holds ``statement`` directly."""
    for node in reversed(ancestors):
        body = getattr(node, "body", None)
        if isinstance(node, cst.Module) or isinstance(node, cst.IndentedBlock):
            return list(body) if statement in body else None
    return None


def _only_arguments(call, names):
    """Whether every argument of ``call`` is one of ``names``: given by keyword, or by
    position for the first two (the specs' and `train`'s signatures agree on those only)."""
    for index, arg in enumerate(call.args):
        if arg.star or (arg.keyword is None and index >= min(2, len(names))) \
                or (arg.keyword is not None and arg.keyword.value not in names):
            return False
    return True


def _steps(arg, default):
    """The step bound's text: ``default`` when not given, None when None (no bound), False
    for what is not a literal int."""
    value = arg.value if isinstance(arg, cst.Arg) else arg
    if value is None:
        return default
    if patterns.is_literal(value, None):
        return None
    if isinstance(value, cst.Integer):
        return value.value
    return False


def _first_input_name(expr, model):
    """`<model>.input_names[0]`."""
    return isinstance(expr, cst.Subscript) and isinstance(expr.value, cst.Attribute) \
        and isinstance(expr.value.value, cst.Name) and expr.value.value.value == model \
        and expr.value.attr.value == "input_names" and len(expr.slice) == 1 \
        and isinstance(expr.slice[0].slice, cst.Index) \
        and patterns.is_literal(expr.slice[0].slice.value, 0)


def _wrapped(text):
    """``text`` as the receiver of a method call."""
    expr = cst.parse_expression(text)
    simple = isinstance(expr, (cst.Name, cst.Attribute, cst.Call, cst.Subscript))
    return text if simple else "(%s)" % text


def _unique(edits):
    """The edits, each range once (a statement removed by two paths)."""
    seen, out = set(), []
    for edit in edits:
        key = (edit.start, edit.end)
        if key not in seen:
            seen.add(key)
            out.append(edit)
    return out

import libcst as cst

from tfcompat import versions
from tfcompat.lint import patterns, provenance, qualnames
from tfcompat.lint.rule import UNSAFE, Invalid, Rule, Run, Valid

# What is gone, by kind: (kind, prefixes of its canonical names, the version fact that says
# when). The first matching prefix wins; a module gets one finding per kind (see the class).
_GONE = (
    ("image_generator",
     tuple("%s.preprocessing.image.%s" % (k, n)
           for k in ("keras", "tensorflow.keras")
           for n in ("ImageDataGenerator", "NumpyArrayIterator", "DirectoryIterator")),
     "tf_keras_is_keras3"),
    ("model_to_estimator", ("tensorflow.keras.estimator",), "estimator"),
    ("estimator", ("tensorflow.estimator", "tensorflow_estimator"), "estimator"),
    ("contrib_learn_datasets",
     ("tensorflow.contrib.learn.python.learn.datasets", "tensorflow.contrib.learn.datasets"),
     "contrib_learn_datasets"),
)
# tf.estimator's session hooks are tf.compat.v1.train's own classes re-exported, and stay there
# (MonitoredSession's; checked on TF 2.21).
_HOOKS = frozenset((
    "SessionRunHook", "SessionRunArgs", "SessionRunContext", "SessionRunValues",
    "StopAtStepHook", "LoggingTensorHook", "FinalOpsHook", "CheckpointSaverHook",
    "CheckpointSaverListener", "StepCounterHook", "NanTensorHook", "SummarySaverHook",
    "GlobalStepWaiterHook", "FeedFnHook", "ProfilerHook", "SecondOrStepTimer"))
# The remedy by kind; estimator's split by what the name is.
_ADVICE = {
    "image_generator": (
        "build a tf.data pipeline (keras.utils.image_dataset_from_directory) with augmentation "
        "layers (RandomFlip, RandomRotation), or keep Keras 2 with tf_keras "
        "(TF_USE_LEGACY_KERAS=1)"),
    "model_to_estimator": (
        "train the Keras model with fit on the input_fn's dataset, or stay on TF <= 2.15"),
    "estimator": (
        "port the model_fn to a Keras model trained with fit on the input_fn's dataset, or "
        "stay on TF <= 2.15"),
    "mode_keys": (
        "ModeKeys are the strings 'train', 'eval' and 'infer': use them, or constants of your "
        "own"),
    "hooks": "the same hooks are tf.compat.v1.train's (tf.compat.v1.train.{attr})",
    "contrib_learn_datasets": (
        "load the arrays with keras.datasets (mnist.load_data()) or tensorflow_datasets"),
}


def _gone_in(fact):
    """The TF version where ``fact`` stops holding (its TF rows' earliest `gone`), or None."""
    gone = [r.gone for r in versions.rows(fact) if r.lib == "tf" and r.gone]
    return min(gone) if gone else None


class RemovedFeedingApi(Rule):
    """
    ## What it does
    Finds data-feeding APIs that the target TF no longer has: Keras' `ImageDataGenerator` (and
    its iterators) when the target's Keras is Keras 3, `tf.estimator` and
    `tf.keras.estimator.model_to_estimator` on TF >= 2.16, and `tf.contrib.learn`'s dataset
    readers on TF 2.

    ## Why is this bad?
    The import or attribute fails before training starts ("cannot import name
    'ImageDataGenerator'", "module 'keras' has no attribute 'estimator'", "No module named
    'tensorflow.contrib'"), and no rewrite keeps what the old API did: each needs its own
    replacement, named in the help line.

    ## Example
    ```python
    from keras.preprocessing.image import ImageDataGenerator
    ```

    ## Use instead
    ```python
    import keras

    augment = keras.Sequential([keras.layers.RandomFlip("horizontal"),
                                keras.layers.RandomTranslation(0.1, 0.1)])
    ```

    One finding per module and kind of API, at its first import or use: `ImageDataGenerator`
    and its iterators; `model_to_estimator`; `tf.estimator.ModeKeys` (plain strings, an easy
    replacement); tf.estimator's session hooks (`SessionRunHook`, `StopAtStepHook`..., which
    stay in `tf.compat.v1.train`); the rest of `tf.estimator`; tf.contrib.learn's datasets.
    The module depends on that API until every use is replaced, and each kind has its own
    remedy (the help line), so one finding per use would repeat one message dozens of times.

    ## Fix safety
    No fix: the replacements differ in what they compute (augmentation draws, estimator
    checkpoints, dataset splits).

    ## Versions
    `ImageDataGenerator`: Keras 1 to the tf_keras package; not in Keras 3 (tf.keras from TF
    2.16). `tf.estimator`: TF 1.3 to 2.15. `tf.contrib.learn` datasets: TF 1.x. Reported for
    targets where each is gone (an unknown target: the newest TF); ImageDataGenerator not when
    keras-target is `tf_keras`.
    """

    code = "TFC408"
    name = "removed-feeding-api"
    message = "`{name}` is gone from {where}"
    tokens = ("ImageDataGenerator", "NumpyArrayIterator", "DirectoryIterator", "estimator",
              "learn")
    fix = UNSAFE  # model_to_estimator's one shape only (Fix safety)
    fix_tf = "fit_dataset_without_steps"

    VALID = [
        Valid("from keras.preprocessing.image import ImageDataGenerator", target_tf="2.15"),
        Valid("import tensorflow as tf\nspec = tf.estimator.TrainSpec(input_fn)",
              target_tf="2.15"),
        # Keras 3 keeps these image helpers.
        Valid("from keras.preprocessing.image import load_img, img_to_array", target_tf="2.16"),
        Valid("from tensorflow.contrib.learn.python.learn.datasets import mnist",
              target_tf="1.15"),
        # Look-alikes: ModeKeys and hooks of tf.compat.v1.train and Keras, a local estimator.
        Valid(
            """
            import tensorflow as tf
            hook = tf.compat.v1.train.StopAtStepHook(last_step=10)
            mode = tf.keras.backend.learning_phase()
            estimator = make_estimator()
            estimator.ModeKeys.TRAIN
            """,
            target_tf="2.16"),
    ]
    INVALID = [
        Invalid("from keras.preprocessing.image import ImageDataGenerator",
                at=(1, 39), target_tf="2.16"),
        Invalid(
            """
            import tensorflow as tf
            gen = tf.keras.preprocessing.image.ImageDataGenerator(rotation_range=10)
            """,
            at=(2, 7), target_tf="2.16"),
        Invalid(
            """
            import tensorflow as tf
            estimator = tf.keras.estimator.model_to_estimator(keras_model=model)
            """,
            at=(2, 13), target_tf="2.16"),
        Invalid("from tensorflow.contrib.learn.python.learn.datasets import mnist",
                at=(1, 6), target_tf="2.0"),
        # No target: the newest TF.
        Invalid(
            """
            import tensorflow as tf
            spec = tf.estimator.TrainSpec(input_fn=train_input, max_steps=100)
            """,
            at=(2, 8)),
        # One finding per module and kind: ModeKeys' constants, at the first use.
        Invalid(
            """
            import tensorflow as tf
            def model_fn(features, labels, mode):
                training = mode == tf.estimator.ModeKeys.TRAIN
                if mode == tf.estimator.ModeKeys.PREDICT:
                    return predictions
                return tf.compat.v1.estimator.ModeKeys.EVAL
            """,
            at=(3, 24), target_tf="2.16"),
        # Imported, then used: the import.
        Invalid(
            """
            from keras.preprocessing.image import ImageDataGenerator
            from keras.preprocessing import image
            train = ImageDataGenerator(rescale=1 / 255.0)
            test = image.ImageDataGenerator(rescale=1 / 255.0)
            """,
            at=(1, 39), target_tf="2.16"),
        # A session hook, several times.
        Invalid(
            """
            import tensorflow as tf
            class Hook(tf.estimator.SessionRunHook):
                def before_run(self, context):
                    return tf.estimator.SessionRunArgs(self.loss)
            hooks = [Hook(), tf.estimator.StopAtStepHook(last_step=10)]
            """,
            at=(2, 12), target_tf="2.16"),
    ]

    def visit_Module(self, node):
        self._kinds = set()  # the kinds this module has had its finding for

    def visit_ImportFrom(self, node):
        module = self.code_for(node.module) if node.module is not None else ""
        if self._kind(module) is not None or isinstance(node.names, cst.ImportStar):
            self._check(node.module, module, module)  # the module itself is gone
            return
        for alias in node.names:
            name = "%s.%s" % (module, self.code_for(alias.name))
            self._check(alias.name, name, name)

    def visit_Attribute(self, node):
        parent = self.context.ancestors[-2] if len(self.context.ancestors) > 1 else None
        if isinstance(parent, cst.Attribute) and parent.value is node:
            return  # the longest spelled-out name is judged, once
        name = self.qualified_name(node)
        if name:
            self._check(node, name, self.code_for(node))

    def _kind(self, name):
        """(kind, prefix, version fact) of the first _GONE prefix ``name`` is under, or None."""
        for kind, prefixes, fact in _GONE:
            for prefix in prefixes:
                if name == prefix or name.startswith(prefix + "."):
                    return kind, prefix, fact
        return None

    def _check(self, node, name, spelled):
        """Report ``node`` (canonical ``name``, written ``spelled``) when it is gone, once per
        module and kind: at the first import or use, named down to the API it is part of."""
        found = self._kind(name)
        if found is None or not self._gone_for_target(found[2]):
            return
        kind, prefix, fact = found
        parts = name[len(prefix) + 1:].split(".") if name != prefix else []
        api = len(parts)
        if kind == "estimator":
            # tf.estimator.X.Y is X's; ModeKeys and the hooks have remedies of their own.
            own = [i for i, p in enumerate(parts) if p == "ModeKeys" or p in _HOOKS]
            api = own[0] + 1 if own else min(api, 1)
            if own:
                kind = "mode_keys" if parts[own[0]] == "ModeKeys" else "hooks"
        if kind in self._kinds:
            return
        self._kinds.add(kind)
        drop = len(parts) - api
        if drop > 0 and spelled.count(".") >= drop:
            spelled = spelled.rsplit(".", drop)[0]
        gone = _gone_in(fact)
        where = "TF %d.%d" % gone[:2] if gone else "Keras 3"
        fix = self._fit_instead(node) if kind == "model_to_estimator" else None
        self.report(node, name=spelled, where=where, fix=fix,
                    help=_ADVICE[kind].format(attr=parts[api - 1] if api else ""))

    # -- model_to_estimator -> fit ----------------------------------------------------------
    def _fit_instead(self, node):
        """Edits turning `est = model_to_estimator(keras_model=model)` trained once by
        `train_and_evaluate(est, TrainSpec(...), EvalSpec(...))` or `est.train(...)` into
        `model.fit(...)` on the input_fns' datasets (see Fix safety), or None."""
        ancestors = self.context.ancestors
        call = ancestors[-2] if len(ancestors) > 1 else None
        statement = self.statement()
        if not (isinstance(call, cst.Call) and call.func is node and _assigns_name(statement)
                and statement.body[0].value is call):
            return None
        keras_model = patterns.argument(call, 0, "keras_model")
        if keras_model is None or len(call.args) != 1 \
                or not isinstance(keras_model.value, cst.Name):
            return None
        model = keras_model.value.value
        estimator = statement.body[0].targets[0].target.value
        block = _block_of(ancestors, statement)
        if block is None or not self._compiled(block, statement, model):
            return None
        uses = [n for n in self._names(estimator)]
        later = block[block.index(statement) + 1:]
        for training in later:
            found = self._training(training, estimator, block)
            if found is None:
                continue
            train, evaluate, spec_statements, steps, eval_steps = found
            if len(uses) != 2:
                return None
            feeds = [self._input_fn_data(f, block) for f in (train, evaluate) if f is not None]
            if None in feeds:
                return None
            functions = [f for _, _, f in feeds if f is not None]
            if any(len(self._names(f)) != 1 + functions.count(f) for f in functions):
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
                                      "%s.fit(%s)" % (model, ", ".join(arguments))))
            return _unique(edits)
        return None

    def _names(self, name):
        """The Name nodes reading or binding ``name`` in the module (not attributes' and
        keywords' names)."""
        return [n for n in self.context.cached(_variable_names, self) if n.value == name]

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
        if not (isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1
                and isinstance(statement.body[0], cst.Expr)
                and isinstance(statement.body[0].value, cst.Call)):
            return None
        call = statement.body[0].value
        if patterns.has_star_args(call):
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
        steps = _steps(patterns.keyword(specs[0], "max_steps"), None)
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
        found = [s for s in block if _assigns_name(s) and s.body[0].targets[0].target.value == name]
        if len(found) != 1 or block.index(found[0]) > block.index(user) \
                or len(self._names(name)) != 2:
            return None
        return found[0]

    def _input_fn_data(self, input_fn, block):
        """(source text of the dataset the input_fn feeds, edits, name of the function it
        calls or None) for `lambda: f(...)` or a parameterless def `f` (then `f()`) of
        ``block``, where f returns a dataset or the `get_next()` of a one-shot iterator over
        one (rewritten to return the dataset); `lambda: <dataset or its iterator's
        get_next()>`. None for other input_fns (Estimator params, mode, config)."""
        if isinstance(input_fn, cst.Lambda):
            if input_fn.params.params or input_fn.params.star_arg is not cst.MaybeSentinel.DEFAULT \
                    and input_fn.params.star_arg is not None:
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
            if isinstance(function, cst.FunctionDef) and function.params.params:
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
        edits = self._single_input_features(function)
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
                      if _assigns_name(st) and st.body[0].targets[0].target.value == expr.value]
            return bool(values) and all(self._is_dataset(v, None) for v in values
                                        if not _reads(v, expr.value))
        for call in patterns.all_nodes(expr, (cst.Call,)):
            if self.qualified_name(call.func) in qualnames.DATASET_SOURCES \
                    or patterns.method_name(call) in provenance.DATASET_ONLY_METHODS:
                return True
        return False

    def _single_input_features(self, function):
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
            if not _first_input_name(source):
                continue
            edits.append(self.replace(features, self.code_for(features.elements[0].value)))
            if isinstance(key, cst.Name):
                keys.append(key.value)
        for name in set(keys):
            if len(self._names(name)) == 1 + keys.count(name):
                statement = self._module_assignment(name)
                if statement is not None:
                    edits.append(self.remove(statement))
        return edits

    def _module_assignment(self, name):
        found = [s for s in self.context.module.body
                 if _assigns_name(s) and s.body[0].targets[0].target.value == name]
        return found[0] if len(found) == 1 else None

    def _module_value(self, name):
        statement = self._module_assignment(name.value)
        return statement.body[0].value if statement is not None else None

    def _gone_for_target(self, fact):
        if fact == "tf_keras_is_keras3":
            if self.keras_target == "tf_keras":
                return False
            return self.target_tf is None or self.target_at_least(fact)
        gone = _gone_in(fact)
        return self.target_tf is None or (gone is not None and self.target_tf >= gone)


# The arguments the recognised specs may have (anything else: hooks, exporters: no fix).
_TRAIN_SPEC = ("input_fn", "max_steps")
_EVAL_SPEC = ("input_fn", "steps", "name", "start_delay_secs", "throttle_secs")


def _assigns_name(statement):
    """Whether ``statement`` is `name = value`, one target."""
    return isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1 \
        and isinstance(statement.body[0], cst.Assign) and len(statement.body[0].targets) == 1 \
        and isinstance(statement.body[0].targets[0].target, cst.Name)


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
    """Whether every argument of ``call`` is one of ``names`` (positionally in that order)."""
    for index, arg in enumerate(call.args):
        if arg.star or (arg.keyword is None and index >= len(names)) \
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


def _variable_names(rule):
    nodes = patterns.all_nodes(rule.context.module, (cst.Name, cst.Attribute, cst.Arg))
    other = {id(n.attr) for n in nodes if isinstance(n, cst.Attribute)}
    other |= {id(n.keyword) for n in nodes if isinstance(n, cst.Arg) and n.keyword is not None}
    return [n for n in nodes if isinstance(n, cst.Name) and id(n) not in other]


def _reads(expr, name):
    """Whether ``expr`` reads ``name`` (`ds = ds.map(...)` extends the chain it continues)."""
    return any(n.value == name for n in patterns.all_nodes(expr, (cst.Name,)))


def _first_input_name(expr):
    """`model.input_names[0]`."""
    return isinstance(expr, cst.Subscript) and isinstance(expr.value, cst.Attribute) \
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

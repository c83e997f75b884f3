from tfcompat.lint.analysis import namespaces, patterns, provenance
from tfcompat.lint.libcst_lazy import cst
from tfcompat.lint.rule import SAFE, UNSAFE, Invalid, Rule, Run, Valid

_METHODS = ("fit", "evaluate", "predict")
_WORKER_ARGS = ("workers", "use_multiprocessing", "max_queue_size")


class Keras3WorkerArguments(Rule):
    """
    ## What it does
    Finds `fit`, `evaluate` and `predict` calls on a model that pass `workers`,
    `use_multiprocessing` or `max_queue_size`, unless keras-target is `tf_keras`: Keras 3
    (TF 2.16+) is within reach of every target (docs/target-tf.md). Calls through a local
    alias (`fit_fn = self.model.fit`) count. The `*_generator` methods are TFC403's.

    ## Why is this bad?
    Keras 2 (TF 2.1-2.15, tf_keras) took them in `fit` / `evaluate` / `predict`; Keras 3
    does not: `TypeError: fit() got an unexpected keyword argument 'workers'` (`evaluate`:
    "Arguments not recognized"). Its parallel loading moved to the data object:
    `keras.utils.PyDataset.__init__(workers=..., use_multiprocessing=...,
    max_queue_size=...)`, which `Sequence` subclasses reach through
    `super().__init__(**kwargs)`.

    ## Example
    ```python
    import keras
    model = keras.Sequential([keras.layers.Dense(1)])
    model.fit(batches, epochs=5, workers=4, use_multiprocessing=True)
    ```

    ## Use instead
    ```python
    import keras
    model = keras.Sequential([keras.layers.Dense(1)])
    model.fit(batches, epochs=5)
    ```
    and, to keep parallel loading, construct the `PyDataset` / `Sequence` subclass with
    `workers=4, use_multiprocessing=True` passed on to `super().__init__(**kwargs)`.

    ## Fix safety
    Dropping the arguments is safe on a model the module provably builds with Keras: they only
    tuned how batches were produced, so the batches and results are those Keras 2 gave with one
    worker; unsafe on any other receiver. Moving them into the data's constructor call keeps
    loading parallel; unsafe through a name, as every use of that object then loads in parallel.

    ## Versions
    `workers` & co. in `fit` / `evaluate` / `predict`: Keras 2.1-2.15 and tf_keras; gone in
    Keras 3 (TF 2.16); an unknown target is the newest TF (reported, not fixed). Rewrite run
    by tests/runtime/test_rewrites_run.py in tf221 (target 2.16); the original in
    tf221-tfkeras (Keras 2) and broken in tf221.
    """

    code = "TFC409"
    name = "keras3-worker-arguments"
    message = ("`{method}(... {args}=)`: Keras 3 `{method}` takes no worker arguments "
               "(TypeError on TF 2.16+)")
    help = "{remedy}"
    tokens = ("workers", "use_multiprocessing", "max_queue_size")
    fix_safety = SAFE
    fix_tf = "tf_keras_is_keras3"

    @classmethod
    def runs_under(cls, target_tf, keras_target):
        # Only code meeting Keras 3 (targets_keras3: keras-target not tf_keras).
        return super().runs_under(target_tf, keras_target) and keras_target != "tf_keras"

    @classmethod
    def may_fire(cls, names):
        # The method is one of _METHODS, an attribute's name (called, or bound to an alias).
        return not names.words.isdisjoint(_METHODS)

    VALID = [
        # Keras 2 takes them.
        Valid("model.fit(batches, epochs=5, workers=4)", target_tf="2.16",
              keras_target="tf_keras"),
        Valid("import tf_keras as keras\nmodel.fit(batches, workers=4)", target_tf="2.16"),
        # A module's function, not a model's method.
        Valid("import trainer\ntrainer.fit(model, batches, workers=4)", target_tf="2.16"),
        # TFC403's.
        Valid("model.fit_generator(batches, workers=4)", target_tf="2.16"),
    ]
    INVALID = [
        # A program: the Keras 2 call runs on tf_keras, fails on Keras 3; the fixed one trains.
        Invalid(
            """
            import numpy as np
            import tensorflow as tf
            x = np.ones((16, 2), "float32")
            y = np.ones((16, 1), "float32")
            def batches():
                while True:
                    yield x[:8], y[:8]
            model = tf.keras.Sequential([tf.keras.layers.Dense(1, input_shape=(2,))])
            model.compile("sgd", "mse")
            history = model.fit(batches(), steps_per_epoch=2, epochs=2, verbose=0,
                                workers=1, max_queue_size=4)
            result = history.history["loss"]
            """,
            at=(10, 11), target_tf="2.16",
            fixed="""
            import numpy as np
            import tensorflow as tf
            x = np.ones((16, 2), "float32")
            y = np.ones((16, 1), "float32")
            def batches():
                while True:
                    yield x[:8], y[:8]
            model = tf.keras.Sequential([tf.keras.layers.Dense(1, input_shape=(2,))])
            model.compile("sgd", "mse")
            history = model.fit(batches(), steps_per_epoch=2, epochs=2, verbose=0)
            result = history.history["loss"]
            """,
            run=Run(original=("tf221-tfkeras",), broken=("tf221",), fixed=("tf221",),
                    result=[2])),
        # Through a local alias, on a receiver the linter cannot prove: unsafe.
        Invalid(
            """
            class Trainer:
                def train(self, data):
                    fit_fn = self.model.fit
                    fit_fn(data, epochs=3, use_multiprocessing=True, workers=8)
            """,
            at=(4, 9), target_tf="2.16", safety=UNSAFE,
            fixed="""
            class Trainer:
                def train(self, data):
                    fit_fn = self.model.fit
                    fit_fn(data, epochs=3)
            """),
        # A program: the data is a Sequence of the module, built in the call; the arguments
        # move to its constructor, PyDataset's own.
        Invalid(
            """
            import numpy as np
            import tensorflow as tf
            class Batches(tf.keras.utils.Sequence):
                def __len__(self):
                    return 2
                def __getitem__(self, i):
                    x = np.full((8, 2), i, "float32")
                    return x, x[:, :1]
            model = tf.keras.Sequential([tf.keras.layers.Dense(1, input_shape=(2,))])
            model.compile("sgd", "mse")
            history = model.fit(Batches(), epochs=2, verbose=0, workers=2,
                                use_multiprocessing=False)
            result = history.history["loss"]
            """,
            at=(11, 11), target_tf="2.16",
            fixed="""
            import numpy as np
            import tensorflow as tf
            class Batches(tf.keras.utils.Sequence):
                def __len__(self):
                    return 2
                def __getitem__(self, i):
                    x = np.full((8, 2), i, "float32")
                    return x, x[:, :1]
            model = tf.keras.Sequential([tf.keras.layers.Dense(1, input_shape=(2,))])
            model.compile("sgd", "mse")
            history = model.fit(Batches(workers=2, use_multiprocessing=False), epochs=2, verbose=0)
            result = history.history["loss"]
            """,
            run=Run(original=("tf221-tfkeras",), broken=("tf221",), fixed=("tf221",),
                    result=[2])),
        # Through a name: moved to the constructor call, unsafe (every use now loads in
        # parallel).
        Invalid(
            """
            import keras
            class Batches(keras.utils.PyDataset):
                def __init__(self, n, **kwargs):
                    super().__init__(**kwargs)
                    self.n = n
            model = keras.models.load_model("m.keras")
            data = Batches(4)
            scores = model.evaluate(data, workers=2)
            """,
            at=(8, 10), target_tf="2.16", safety=UNSAFE,
            fixed="""
            import keras
            class Batches(keras.utils.PyDataset):
                def __init__(self, n, **kwargs):
                    super().__init__(**kwargs)
                    self.n = n
            model = keras.models.load_model("m.keras")
            data = Batches(4, workers=2)
            scores = model.evaluate(data)
            """),
        # Its __init__ does not pass them on and has its own ** parameter: dropped.
        Invalid(
            """
            import keras
            class Batches(keras.utils.Sequence):
                def __init__(self, **options):
                    self.options = options
            model = keras.models.load_model("m.keras")
            scores = model.evaluate(Batches(), workers=2)
            """,
            at=(6, 10), target_tf="2.16",
            fixed="""
            import keras
            class Batches(keras.utils.Sequence):
                def __init__(self, **options):
                    self.options = options
            model = keras.models.load_model("m.keras")
            scores = model.evaluate(Batches())
            """),
        # A target reaches the newest TF (docs/target-tf.md): reported at every target.
        Invalid("model.fit(batches, epochs=5, workers=4)", at=(1, 1), target_tf="2.15"),
    ]

    def visit_Call(self, node):
        given = [a for a in node.args if a.keyword is not None
                 and a.keyword.value in _WORKER_ARGS]
        if not given or patterns.has_star_args(node):
            return
        func = self._method(node)
        if func is None or func.attr.value not in _METHODS or self.qualified_name(func):
            return
        probe = node.with_changes(func=func)
        if not provenance.keras_method_call(self, probe):
            return
        if {u.namespace for u in namespaces.uses(self)} == {"tf_keras"}:
            return  # the module's Keras is tf_keras (Keras 2)
        kept = [a for a in node.args if a not in given]
        safety = None if provenance.keras_model(self, func.value) else UNSAFE
        fix = self.delete_arguments(node, kept, given) if kept else None
        remedy = "drop them (loading is no longer parallel)"
        found = self._module_dataset(node)
        if found is not None and fix:
            fix, remedy, safety = self._move(found, given, fix, safety)
        self.report(node, edits=fix, safety=safety, method=func.attr.value,
                    args="=, ".join(self.code_for(a.keyword) for a in given), remedy=remedy)

    def _move(self, found, given, drop, safety):
        """(fix, remedy, safety) moving ``given`` into the module's dataset constructor call
        (`fit(Batches(x, y), workers=4)`), when its class takes them: no `__init__` of its own,
        or one handing `**kwargs` to `super().__init__` (else no fix until TFC416 has fixed it,
        the next `--fix` pass, or the drop where its `__init__` has a `**` parameter of its
        own). Through a name bound to such a call only literal values move; otherwise, or where
        the constructor call has a star or one of them already, the drop."""
        cls, ctor, named = found
        name = cls.name.value
        init = patterns.class_init(cls)
        if init is not None and not patterns.forwards_kwargs(init):
            if init.params.star_kwarg is None:  # TFC416 makes it take them first
                return None, ("give them to `%s(...)` once its __init__ passes **kwargs to "
                              "super().__init__ (TFC416)" % name), safety
            return drop, ("drop them (loading is no longer parallel; `%s.__init__` does not "
                          "pass **kwargs to super().__init__)" % name), safety
        remedy = "move them to `%s(...)`: PyDataset's constructor takes them" % name
        taken = {a.keyword.value for a in ctor.args if a.keyword is not None}
        literal = all(isinstance(a.value, cst.Integer) or patterns.is_literal(a.value, True, False)
                      for a in given)
        kept = ("drop them (loading is no longer parallel), or give them to `%s(...)`, whose "
                "constructor takes them" % name)
        if patterns.has_star_args(ctor) or taken & {a.keyword.value for a in given} \
                or (named and not literal):
            return drop, kept, safety
        text = ", ".join("%s=%s" % (a.keyword.value, self.code_for(a.value)) for a in given)
        if ctor.args:
            where = self.context.position(ctor.args[-1].value).end
            text = ", " + text
        else:
            end = self.context.position(ctor).end
            where = cst.metadata.CodePosition(end.line, end.column - 1)
            if self.context.line_text(end.line)[end.column - 1:end.column] != ")":
                return drop, kept, safety
        return drop + [self.insert_at(where, text)], remedy, UNSAFE if named else safety

    def _method(self, node):
        """The `x.m` a call calls: its own func, or the one a local alias was bound to."""
        if isinstance(node.func, cst.Attribute):
            return node.func
        if isinstance(node.func, cst.Name):
            value = self.resolve(node.func)
            if isinstance(value, cst.Attribute):
                return value
        return None

    def _module_dataset(self, node):
        """(class, constructor call, through a name?) when the data is built from a Keras
        Sequence / PyDataset subclass of the module, else None."""
        data = patterns.keyword(node, "x")
        positional = [a for a in node.args if a.keyword is None]
        data = data if data is not None else (positional[0].value if positional else None)
        named = isinstance(data, cst.Name)
        if named:
            data = self.resolve(data)
        if not (isinstance(data, cst.Call) and isinstance(data.func, cst.Name)):
            return None
        for statement in self.context.module.body:
            if isinstance(statement, cst.ClassDef) and statement.name.value == data.func.value:
                if patterns.keras_dataset_class(self, statement):
                    return statement, data, named
                return None
        return None

from tfcompat.lint.analysis import patterns, provenance, scopes
from tfcompat.lint.engine import walk as fast_walk
from tfcompat.lint.libcst_lazy import cst
from tfcompat.lint.rule import UNSAFE, Invalid, Rule, Run

# The steps argument of each Keras method, and its position in the tf.keras signature.
_STEPS = {"fit": ("steps_per_epoch", 12), "evaluate": ("steps", 5), "predict": ("steps", 3)}


class InfiniteDatasetWithoutSteps(Rule):
    """
    ## What it does
    Finds a tf.data pipeline that repeats forever (`.repeat()` with no count, `None` or `-1`,
    not followed by `.take()`) handed to Keras `fit` without `steps_per_epoch`, or to
    `evaluate` / `predict` without `steps`.

    ## Why is this bad?
    Keras ends an epoch at the end of the data or after `steps_per_epoch` batches. With
    neither, tf.keras raises `ValueError: When passing an infinitely repeating dataset, you
    must specify the steps_per_epoch argument` (TF 1.x and 2.x), TF 1.9-1.13 require steps for
    any dataset, and Keras 3 trains the first epoch forever: callbacks, validation and
    checkpoints never run.

    ## Example
    ```python
    import tensorflow as tf

    ds = tf.data.Dataset.from_tensor_slices((x, y)).shuffle(100).repeat().batch(32)
    model.fit(ds, epochs=10)
    ```

    ## Use instead
    ```python
    import tensorflow as tf

    ds = tf.data.Dataset.from_tensor_slices((x, y)).shuffle(100).batch(32)
    model.fit(ds, epochs=10)
    ```

    ## Fix safety
    Unsafe: without the unbounded `.repeat()` an epoch is one pass over the data, also for other
    users of the same pipeline that relied on it never ending.

    ## Versions
    `fit(dataset)` TF 1.9+ (steps required until 1.13); finite datasets without steps TF 1.14+
    and Keras 3. Rewrite run by tests/runtime/test_rewrites_run.py in tf115-keras231 (target 1.15)
    and tf221 (target 2.16).
    """

    code = "TFC506"
    name = "infinite-dataset-without-steps"
    message = ("`{method}()` gets a dataset that repeats forever and no `{steps}`: an epoch never "
               "ends")
    help = "pass {steps}=, or drop the unbounded .repeat()"
    tokens = (("repeat",), tuple(_STEPS))
    called = True  # methods of a call chain
    fix_safety = UNSAFE
    fix_tf = "fit_dataset_without_steps"

    VALID = [
        """
        import tensorflow as tf
        ds = tf.data.Dataset.range(8).batch(2).repeat()
        model.fit(ds, epochs=3, steps_per_epoch=4)
        model.evaluate(ds, steps=4)
        """,
        # A bounded repeat, and a repeat cut by take().
        """
        import tensorflow as tf
        model.fit(tf.data.Dataset.range(8).batch(2).repeat(3), epochs=1)
        model.predict(tf.data.Dataset.range(8).repeat().take(10).batch(2))
        """,
        # NumPy's repeat is not a pipeline.
        """
        import numpy as np
        model.fit(np.repeat(x, 2, axis=0), np.repeat(y, 2, axis=0), epochs=2)
        """,
        # steps_per_epoch given by position (the 13th argument of fit).
        """
        model.fit(ds.repeat(), None, 32, 1, 0, None, 0.0, None, True, None, None, 0, 10)
        """,
    ]
    INVALID = [
        # A program: tf.keras 1.15 refuses the original; the fixed one trains.
        Invalid(
            """
            import numpy as np
            import tensorflow as tf
            x = np.ones((16, 2), "float32")
            y = np.ones((16, 1), "float32")
            ds = tf.data.Dataset.from_tensor_slices((x, y)).batch(4).repeat()
            model = tf.keras.Sequential([tf.keras.layers.Dense(1, input_shape=(2,))])
            model.compile("sgd", "mse")
            result = model.fit(ds, epochs=2, verbose=0).history["loss"]
            """,
            at=(8, 20), target_tf="1.15",
            fixed="""
            import numpy as np
            import tensorflow as tf
            x = np.ones((16, 2), "float32")
            y = np.ones((16, 1), "float32")
            ds = tf.data.Dataset.from_tensor_slices((x, y)).batch(4)
            model = tf.keras.Sequential([tf.keras.layers.Dense(1, input_shape=(2,))])
            model.compile("sgd", "mse")
            result = model.fit(ds, epochs=2, verbose=0).history["loss"]
            """,
            run=Run(broken=("tf115-keras231",), fixed=("tf115-keras231", "tf221"),
                    result=[2])),
        Invalid(
            """
            import tensorflow as tf
            ds = tf.data.Dataset.from_tensor_slices((x, y)).shuffle(100).repeat().batch(32)
            model.fit(ds, epochs=10)
            """,
            at=(3, 11), target_tf="2.16",
            fixed="""
            import tensorflow as tf
            ds = tf.data.Dataset.from_tensor_slices((x, y)).shuffle(100).batch(32)
            model.fit(ds, epochs=10)
            """),
        # Over reassignments: the `ds = ds.repeat()` line goes (with a comment on it, the fix
        # would delete that comment: the engine withholds it).
        Invalid(
            """
            def train(model, ds):
                ds = ds.batch(16)
                ds = ds.repeat(-1)
                ds = ds.prefetch(1)
                return model.fit(x=ds, epochs=2, validation_data=val)
            """,
            at=(5, 24), target_tf="1.15",
            fixed="""
            def train(model, ds):
                ds = ds.batch(16)
                ds = ds.prefetch(1)
                return model.fit(x=ds, epochs=2, validation_data=val)
            """),
        Invalid(
            """
            from tensorflow.data import Dataset
            loss = model.evaluate(Dataset.range(8).batch(4).repeat(None))
            """,
            at=(2, 23), target_tf="2.0",
            fixed="""
            from tensorflow.data import Dataset
            loss = model.evaluate(Dataset.range(8).batch(4))
            """),
        # Below TF 1.14 fit needs steps for any dataset: reported only.
        Invalid(
            """
            import tensorflow as tf
            model.fit(tf.data.Dataset.range(8).batch(2).repeat(), epochs=2)
            """,
            at=(2, 11), target_tf="1.13"),
    ]

    def visit_Call(self, node):
        method = patterns.method_name(node)
        if method not in _STEPS or patterns.has_star_args(node):
            return
        steps, position = _STEPS[method]
        positional = [a for a in node.args if a.keyword is None]
        if patterns.keyword(node, steps) is not None or len(positional) > position:
            return
        arg = patterns.data_argument(node)
        found = provenance.dataset_chain(self, arg.value) if arg is not None else None
        if found is None:
            return  # not provably a tf.data pipeline
        calls = found[0]
        names = patterns.methods(self, calls)
        forever = [i for i, c in enumerate(calls) if names[i] == "repeat" and self._unbounded(c)]
        if not forever or "take" in names[forever[-1]:]:
            return
        fix = self._fix([calls[i] for i in forever])
        self.report(arg.value, method=method, steps=steps, edits=fix)

    @staticmethod
    def _unbounded(call):
        count = patterns.argument(call, 0, "count")
        return count is None or patterns.is_literal(count.value, None, -1)

    def _fix(self, repeats):
        edits = []
        for call in repeats:
            statement = self._sole_value_of(call)
            if statement is not None:
                edits.append(self.remove(statement))
            else:
                edits.append(self.replace(call, self.code_for(call.func.value)))
        return edits

    def _sole_value_of(self, call):
        """The statement `ds = ds.repeat()` when ``call`` is all it does."""
        receiver = call.func.value
        for statement in self._statements_with(call):
            if isinstance(receiver, cst.Name) \
                    and scopes.assigned_name(statement) == receiver.value \
                    and statement.body[0].value is call:
                return statement
        return None

    def _statements_with(self, call):
        finder = _Holder(call)
        fast_walk.visit(self.context.module, finder)
        return finder.found


class _Holder(fast_walk.Visitor):
    """The simple statement lines whose single assignment's value is a given node."""

    def __init__(self, value):
        super().__init__()
        self.value = value
        self.found = []

    def visit_SimpleStatementLine(self, node):
        if any(isinstance(s, cst.Assign) and s.value is self.value for s in node.body):
            self.found.append(node)
        return False

from tfcompat.lint.analysis import namespaces, patterns, scopes
from tfcompat.lint.libcst_lazy import cst
from tfcompat.lint.rule import SAFE, Invalid, Rule, Run, Valid


class PyDatasetSuperInit(Rule):
    """
    ## What it does
    Finds a `keras.utils.Sequence` / `PyDataset` subclass whose `__init__` does not hand
    `**kwargs` to `super().__init__`, unless keras-target is `tf_keras`: Keras 3 (TF 2.16+) is
    within reach of every target (docs/target-tf.md).

    ## Why is this bad?
    Keras 3 moved `workers`, `use_multiprocessing` and `max_queue_size` from `fit` /
    `evaluate` / `predict` onto the data: `PyDataset.__init__` takes them, and
    `keras.utils.Sequence` is `PyDataset`. A subclass whose constructor does not pass them on
    cannot be given them, so Keras 2 code that loaded batches in parallel (TFC409) has no way
    to keep doing so, and Keras warns at every `fit` ("Your `PyDataset` class should call
    `super().__init__(**kwargs)` in its constructor").

    ## Example
    ```python
    import keras

    class Batches(keras.utils.Sequence):
        def __init__(self, x, y):
            self.x, self.y = x, y
    ```

    ## Use instead
    ```python
    import keras

    class Batches(keras.utils.Sequence):
        def __init__(self, x, y, **kwargs):
            super().__init__(**kwargs)
            self.x, self.y = x, y
    ```

    ## Fix safety
    Safe: `PyDataset.__init__` only sets the three loading settings to the defaults Keras
    otherwise supplies on first use (one worker, no multiprocessing, a queue of 10), so the
    batches and results are unchanged; the constructor now also accepts those settings.

    ## Versions
    `PyDataset.__init__(workers, use_multiprocessing, max_queue_size)`: Keras 3 (TF 2.16);
    Keras 2's `Sequence` has no constructor arguments. Rewrite run by
    tests/runtime/test_rewrites_run.py in tf221 and tf115-keras231.
    """

    code = "TFC416"
    name = "pydataset-super-init"
    message = ("`{cls}.__init__` does not pass `**kwargs` to `super().__init__`: Keras 3 "
               "cannot give this `{base}` its `workers` / `use_multiprocessing` / "
               "`max_queue_size`")
    help = "take **kwargs and call super().__init__(**kwargs)"
    tokens = (("Sequence", "PyDataset"), ("__init__",))
    fix_safety = SAFE
    fix_tf = "tf_keras_is_keras3"

    @classmethod
    def runs_under(cls, target_tf, keras_target):
        # Only code meeting Keras 3 (targets_keras3: keras-target not tf_keras).
        return super().runs_under(target_tf, keras_target) and keras_target != "tf_keras"

    @classmethod
    def may_fire(cls, names):
        # Only a class whose base (a name qualified as a whole) is a Keras dataset base.
        return any(patterns.keras_dataset_base(q) for q in names.qualified)

    VALID = [
        # Keras 2 (tf_keras): Sequence takes no constructor arguments.
        Valid("""
              import keras
              class Batches(keras.utils.Sequence):
                  def __init__(self, x):
                      self.x = x
              """, target_tf="2.15", keras_target="tf_keras"),
        Valid("""
              import keras
              class Batches(keras.utils.Sequence):
                  def __init__(self, x):
                      self.x = x
              """, target_tf="2.16", keras_target="tf_keras"),
        # Passes them on already, or inherits PyDataset's own __init__.
        Valid("""
              import keras
              class Batches(keras.utils.PyDataset):
                  def __init__(self, x, **kw):
                      super(Batches, self).__init__(**kw)
              class Rows(keras.utils.PyDataset):
                  def __len__(self):
                      return 1
              """, target_tf="2.16"),
        # Not Keras' Sequence.
        Valid("""
              from typing import Sequence
              class Rows(Sequence):
                  def __init__(self, x):
                      self.x = x
              """, target_tf="2.16"),
    ]
    INVALID = [
        # A program: it trains either way; the fixed class also takes the loading settings.
        Invalid(
            """
            import numpy as np
            import keras
            class Batches(keras.utils.Sequence):
                def __init__(self, x, y):
                    self.x, self.y = x, y
                def __len__(self):
                    return 2
                def __getitem__(self, i):
                    return self.x[i * 8:(i + 1) * 8], self.y[i * 8:(i + 1) * 8]
            x = np.ones((16, 2), "float32")
            model = keras.Sequential([keras.layers.Dense(1, input_shape=(2,))])
            model.compile("sgd", "mse")
            history = model.fit(Batches(x, x[:, :1]), epochs=2, verbose=0)
            result = history.history["loss"]
            """,
            at=(4, 9), target_tf="2.16",
            fixed="""
            import numpy as np
            import keras
            class Batches(keras.utils.Sequence):
                def __init__(self, x, y, **kwargs):
                    super().__init__(**kwargs)
                    self.x, self.y = x, y
                def __len__(self):
                    return 2
                def __getitem__(self, i):
                    return self.x[i * 8:(i + 1) * 8], self.y[i * 8:(i + 1) * 8]
            x = np.ones((16, 2), "float32")
            model = keras.Sequential([keras.layers.Dense(1, input_shape=(2,))])
            model.compile("sgd", "mse")
            history = model.fit(Batches(x, x[:, :1]), epochs=2, verbose=0)
            result = history.history["loss"]
            """,
            run=Run(original=("tf115-keras231", "tf221"), fixed=("tf115-keras231", "tf221"),
                    result=[2])),
        # A base __init__ call without them: they are added to it.
        Invalid(
            """
            from tensorflow.keras.utils import Sequence
            class Batches(Sequence):
                def __init__(self, x, shuffle=True):
                    '''Rows of x.'''
                    super(Batches, self).__init__()
                    self.x = x
            """,
            at=(3, 9), target_tf="2.16",
            fixed="""
            from tensorflow.keras.utils import Sequence
            class Batches(Sequence):
                def __init__(self, x, shuffle=True, **kwargs):
                    '''Rows of x.'''
                    super(Batches, self).__init__(**kwargs)
                    self.x = x
            """),
        # Its own ** parameter: reported, not fixed.
        Invalid(
            """
            import keras
            class Batches(keras.utils.PyDataset):
                def __init__(self, x, **options):
                    self.options = options
            """,
            at=(3, 9), target_tf="2.16"),
        # A target reaches the newest TF (docs/target-tf.md): reported at every target.
        Invalid(
            """
            import keras
            class Batches(keras.utils.Sequence):
                def __init__(self, x):
                    self.x = x
            """,
            at=(3, 9), target_tf="2.15"),
        # The base through an alias.
        Invalid(
            """
            from tensorflow.keras.utils import Sequence as Batches
            class Rows(Batches):
                def __init__(self, x):
                    self.x = x
            """,
            at=(3, 9)),
    ]

    def visit_ClassDef(self, node):
        if not patterns.keras_dataset_class(self, node):
            return
        if {u.namespace for u in namespaces.uses(self)} == {"tf_keras"}:
            return
        init = patterns.class_init(node)
        if init is None or patterns.forwards_kwargs(init):
            return
        base = self.code_for(node.bases[0].value).rsplit(".", 1)[-1]
        self.report(init.name, edits=self._fix(init), cls=node.name.value, base=base)

    def _fix(self, init):
        """The edits adding `**kwargs` to the signature and either `super().__init__(**kwargs)`
        as the first statement of `__init__` or `**kwargs` to the base `__init__` call it
        already makes; None where `__init__` already takes a `**` parameter of its own (it may
        mean something else there) or its body is one line."""
        if init.params.star_kwarg is not None or not isinstance(init.body, cst.IndentedBlock):
            return None
        kwargs = self.fresh_name("kwargs")
        star = cst.Arg(value=cst.Name(kwargs), star="**")
        given = scopes.parameters(init)  # no **kwargs: returned above
        last = max(given, key=lambda p: self.context.offset(self.context.position(p.name).start))
        if last in init.params.posonly_params:
            return None  # `**kwargs` would have to follow the `/`
        # Inserted as text after the last parameter: re-rendering the parameter list would
        # lose the indentation of one written over several lines.
        end = self.context.position(last.default or last.annotation or last.name).end
        edits = [self.insert_at(end, ", **%s" % kwargs)]
        calls = patterns.base_init_calls(init)
        if calls:
            call = calls[0]
            return edits + [self.replace(call, call.with_changes(args=list(call.args) + [star]))]
        body = [s for s in init.body.body if not _is_docstring(s)]
        if not body:
            return None
        return edits + [self.insert_before(body[0], "super().__init__(**%s)" % kwargs)]


def _is_docstring(statement):
    return (isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1
            and isinstance(statement.body[0], cst.Expr)
            and isinstance(statement.body[0].value, (cst.SimpleString, cst.ConcatenatedString)))

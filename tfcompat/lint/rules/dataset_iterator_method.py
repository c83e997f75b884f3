import ast

from tfcompat.lint.analysis import patterns, provenance
from tfcompat.lint.analysis.qualnames import ITERATOR_METHODS
from tfcompat.lint.libcst_lazy import cst
from tfcompat.lint.rule import SAFE, Invalid, Rule, Run, Valid


class DatasetIteratorMethod(Rule):
    """
    ## What it does
    Finds the `Dataset` methods `make_one_shot_iterator()` and `make_initializable_iterator()`,
    except in modules whose tf.data is `tensorflow.compat.v1`'s (`import tensorflow.compat.v1 as
    tf`, and no `tensorflow.data` named through a TF 2 import).

    ## Why is this bad?
    Both methods exist from TF 1.4 to TF 1.15 only: TF 2 removed them from `tf.data.Dataset`
    (`DatasetV2`), so the line raises `AttributeError` there, even under graph mode. Modules
    using `tensorflow.compat.v1`'s tf.data are left alone: their `tf.data.Dataset` is
    `DatasetV1`, which keeps both methods on every TF 2 (checked on 2.16). The
    functions `tf.compat.v1.data.make_one_shot_iterator(ds)` and
    `tf.compat.v1.data.make_initializable_iterator(ds)` do the same on TF 1.13 and every later
    version, TF 2 included.

    ## Example
    ```python
    import tensorflow as tf

    iterator = dataset.make_one_shot_iterator()
    ```

    ## Use instead
    ```python
    import tensorflow as tf

    iterator = tf.compat.v1.data.make_one_shot_iterator(dataset)
    ```

    ## Fix safety
    Safe: `tf.compat.v1.data.<method>(dataset)` is the function the method called (TF 1.13+),
    its other arguments (`shared_name=`...) kept.

    ## Versions
    Methods: TF 1.4 to 1.15. Functions: TF 1.13 onwards (`tf.compat.v1.data`). Rewrite run by
    tests/runtime/test_rewrites_run.py in tf115-keras231 and tf221 (where the original fails).
    """

    code = "TFC401"
    name = "dataset-iterator-method"
    message = "`.{method}()` is gone in TF 2"
    help = "call tf.compat.v1.data.{method}(dataset)"
    tokens = ITERATOR_METHODS
    fix_safety = SAFE
    fix_tf = "compat_v1_make_one_shot_iterator"

    VALID = [
        """
        import tensorflow as tf
        it = tf.compat.v1.data.make_one_shot_iterator(ds)
        """,
        """
        import tensorflow.compat.v1 as tf
        it = tf.data.make_initializable_iterator(ds, shared_name="x")
        """,
        """
        from tensorflow.compat.v1.data import make_one_shot_iterator
        it = make_one_shot_iterator(ds)
        """,
        # iter() is the TF 2 way: nothing to say.
        "it = iter(ds)",
        # Handed to Keras: TFC406 passes the dataset itself (the function form is rejected too).
        "model.fit(ds.make_one_shot_iterator(), steps_per_epoch=10)",
        # A `tensorflow.compat.v1` module: tf.data.Dataset is DatasetV1 there, which keeps
        # make_one_shot_iterator on every TF 2.
        Valid("""
            import tensorflow.compat.v1 as tf
            it = tf.data.Dataset.range(8).batch(2).make_one_shot_iterator()
            batch = it.get_next()
            """, target_tf="2.16"),
        # Also beside a TF 2 import that names no tf.data.
        Valid("""
            import tensorflow as tf_head
            import tensorflow.compat.v1 as tf
            iterator = records(params).make_initializable_iterator()
            hook = tf_head.estimator.StopAtStepHook(last_step=10)
            """, target_tf="2.16"),
    ]
    INVALID = [
        Invalid(
            """
            import tensorflow as tf
            it = ds.make_one_shot_iterator()
            """,
            at=(2, 9), target_tf="1.15",
            fixed="""
            import tensorflow as tf
            it = tf.compat.v1.data.make_one_shot_iterator(ds)
            """),
        Invalid(
            """
            import tensorflow
            it = (tensorflow.data.Dataset.range(8)
                  .batch(2)
                  .make_initializable_iterator(shared_name="it"))
            """,
            at=(4, 8), target_tf="2.4",
            fixed="""
            import tensorflow
            it = (tensorflow.compat.v1.data.make_initializable_iterator(tensorflow.data.Dataset.range(8)
                  .batch(2), shared_name="it"))
            """),  # noqa: E501
        Invalid(
            """
            import tensorflow.compat.v1 as tf
            import tensorflow as tf2
            it = tf2.data.Dataset.range(8).make_one_shot_iterator()
            """,
            at=(3, 32), target_tf="1.13",
            fixed="""
            import tensorflow.compat.v1 as tf
            import tensorflow as tf2
            it = tf2.compat.v1.data.make_one_shot_iterator(tf2.data.Dataset.range(8))
            """),
        # Below 1.13 there is no function to move to.
        Invalid(
            """
            import tensorflow as tf
            it = ds.make_one_shot_iterator()
            """,
            at=(2, 9), target_tf="1.12"),
        # No target: version-gated fixes stay off.
        Invalid(
            """
            import tensorflow as tf
            it = ds.make_one_shot_iterator()
            """,
            at=(2, 9)),
        # No module-level tensorflow import to spell the function with.
        Invalid(
            """
            from tensorflow.data import Dataset
            it = Dataset.range(3).make_one_shot_iterator()
            """,
            at=(2, 23), target_tf="1.15"),
        # A program: TF 2 cannot run the original; the fixed one runs on both.
        Invalid(
            """
            import numpy as np
            import tensorflow as tf
            tf.compat.v1.disable_eager_execution()
            ds = tf.data.Dataset.from_tensor_slices(np.ones((8, 2), "float32")).batch(2)
            it = ds.make_one_shot_iterator()
            with tf.compat.v1.Session() as sess:
                result = sess.run(it.get_next())
            """,
            at=(5, 9), target_tf="1.15",
            fixed="""
            import numpy as np
            import tensorflow as tf
            tf.compat.v1.disable_eager_execution()
            ds = tf.data.Dataset.from_tensor_slices(np.ones((8, 2), "float32")).batch(2)
            it = tf.compat.v1.data.make_one_shot_iterator(ds)
            with tf.compat.v1.Session() as sess:
                result = sess.run(it.get_next())
            """,
            run=Run(original=("tf115-keras231",), broken=("tf221",),
                    fixed=("tf115-keras231", "tf221"), result=[2, 2])),
        # Not a `tensorflow.compat.v1` module (the gate's shapes, may_fire): TF 2's tf.data
        # named only by an import statement, or compat.v1 imported in a function.
        Invalid(
            """
            import tensorflow.compat.v1 as tf
            import tensorflow.data.experimental
            it = ds.make_one_shot_iterator()
            """,
            at=(3, 9), target_tf="2.16",
            fixed="""
            import tensorflow.compat.v1 as tf
            import tensorflow.data.experimental
            it = tensorflow.compat.v1.data.make_one_shot_iterator(ds)
            """),
        Invalid(
            """
            def make(ds):
                import tensorflow.compat.v1 as tf
                return ds.shuffle(8).make_one_shot_iterator()
            """,
            at=(3, 26), target_tf="2.16"),
    ]

    @classmethod
    def may_fire(cls, names):
        # visit_Call's first test, on Python's tree: a call of the method with keyword
        # arguments only (no positional or starred ones); and its last, compat_v1_module.
        for node in ast.walk(names.tree):
            if node.__class__ is ast.Call and not node.args:
                func = node.func
                if func.__class__ is ast.Attribute and func.attr in ITERATOR_METHODS \
                        and all(k.arg is not None for k in node.keywords):
                    return not provenance.compat_v1_code(names)
        return False

    def visit_Call(self, node):
        func = node.func
        if not isinstance(func, cst.Attribute) or func.attr.value not in ITERATOR_METHODS:
            return
        if any(arg.keyword is None for arg in node.args):
            return  # the function form, make_one_shot_iterator(ds)
        if (self.qualified_name(func) or "").startswith("tensorflow."):
            return  # tf.data.make_one_shot_iterator() without a dataset: not this rule's
        if patterns.fed_to_keras(self):
            return  # fit(ds.make_one_shot_iterator()): TFC406 passes the dataset instead
        if provenance.compat_v1_module(self):
            return  # DatasetV1 keeps the method on every TF 2
        self.report(func.attr, method=func.attr.value, edits=self._fix(node))

    def _fix(self, node):
        """The call spelled through the module-level import of `tensorflow` (or its compat.v1)
        the way the file imports it (`tf.`, `tensorflow.`, `v1.`); None where there is none."""
        new = patterns.compat_v1_data_call(self, node.func.attr.value,
                                           [cst.Arg(node.func.value)] + list(node.args))
        return [self.replace(node, new)] if new is not None else None

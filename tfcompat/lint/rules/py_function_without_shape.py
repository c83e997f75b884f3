from tfcompat.lint.analysis import patterns, qualnames
from tfcompat.lint.libcst_lazy import cst
from tfcompat.lint.rule import Invalid, Rule


class PyFunctionWithoutShape(Rule):
    """
    ## What it does
    Finds `tf.py_func`, `tf.py_function` and `tf.numpy_function` called in a function given to
    `Dataset.map` (or `flat_map` / `interleave`) when nothing gives the result a shape: no
    `set_shape`, `tf.ensure_shape` or `tf.reshape` in that function or in a `map` right after.

    ## Why is this bad?
    TensorFlow cannot see inside the Python function, so its outputs have unknown rank and
    shape. Everything downstream loses its shape too: `batch` gives `(None, ...)` of unknown
    rank, Keras cannot build its first layer (`ValueError: ... input shape ... None`), and
    tf.keras `fit` fails on the dataset, or silently builds a model of the wrong shape.

    ## Example
    ```python
    import tensorflow as tf

    ds = files.map(lambda f: tf.py_function(load, [f], tf.float32))
    ```

    ## Use instead
    ```python
    import tensorflow as tf

    ds = files.map(lambda f: tf.ensure_shape(tf.py_function(load, [f], tf.float32), (28, 28)))
    ```

    ## Fix safety
    No fix: the shape is known only to the Python function.

    ## Versions
    `tf.py_func` TF 1.x (`tf.compat.v1.py_func` in TF 2), `tf.py_function` TF 1.13+,
    `tf.numpy_function` TF 1.14+, `tf.ensure_shape` TF 1.12+.
    """

    code = "TFC505"
    name = "py-function-without-shape"
    message = "`{function}` in a tf.data map returns tensors of unknown shape"
    help = "set it with tf.ensure_shape(result, shape) (TF >= 1.12) or result.set_shape(shape)"
    tokens = (("py_func", "py_function", "numpy_function"), qualnames.MAP_METHODS)

    VALID = [
        """
        import tensorflow as tf
        def load(path):
            image = tf.numpy_function(read, [path], tf.float32)
            image.set_shape((28, 28, 1))
            return image
        ds = files.map(load)
        """,
        # The seed's flat_map: tf.reshape gives the result its rank.
        """
        import tensorflow as tf
        X_dataset = X_dataset.flat_map(lambda file_name: tf.data.Dataset.from_tensor_slices(
            tf.reshape(tf.py_func(_get_input_data_for_dataset, [file_name], tf.float32), [-1, 1])))
        """,
        # Shapes set by the map right after.
        """
        import tensorflow as tf
        ds = ds.map(lambda f: tf.py_function(load, [f], tf.float32)).map(
            lambda x: tf.ensure_shape(x, (4,)))
        """,
        # Outside a map, a py_function is not this rule's business.
        """
        import tensorflow as tf
        y = tf.py_function(np.sin, [x], tf.float32)
        """,
    ]
    INVALID = [
        Invalid(
            """
            import tensorflow as tf
            ds = files.map(lambda f: tf.py_function(load, [f], tf.float32))
            """,
            at=(2, 26)),
        Invalid(
            """
            import tensorflow.compat.v1 as tf
            def parse(line):
                x, y = tf.py_func(split, [line], [tf.float32, tf.int64])
                return x, y
            def pipeline(ds):
                ds = ds.map(parse, num_parallel_calls=4)
                return ds.batch(32)
            """,
            at=(3, 12)),
        Invalid(
            """
            from tensorflow import numpy_function
            from tensorflow.data import Dataset
            ds = Dataset.list_files("*.npy").interleave(
                lambda f: Dataset.from_tensors(numpy_function(load, [f], "float32")))
            """,
            at=(4, 36)),
        # The gate's shapes (may_fire): a function's import, under another name.
        Invalid(
            """
            def pipeline(ds):
                from tensorflow.compat.v1 import py_func as wrap
                return ds.map(lambda x: wrap(load, [x], "float32"))
            """,
            at=(3, 29)),
    ]

    def __init__(self, context):
        super().__init__(context)
        self._seen = set()

    @classmethod
    def may_fire(cls, names):
        # A map method's call, and a py function named through an import.
        return not names.called.isdisjoint(qualnames.MAP_METHODS) \
            and not names.qualified.isdisjoint(qualnames.PY_FUNCTIONS)

    def visit_Call(self, node):
        if patterns.method_name(node) not in qualnames.MAP_METHODS:
            return
        function = patterns.mapped_function(self, node)
        if function is None or self._sets_shape(function) or self._next_map_sets_shape(node):
            return
        for call in patterns.own_nodes(function, (cst.Call,)):
            name = self.qualified_name(call.func)
            if name in qualnames.PY_FUNCTIONS and id(call) not in self._seen:
                self._seen.add(id(call))
                self.report(call, function=name.replace("tensorflow.", "tf.", 1))

    def _sets_shape(self, function):
        return any(patterns.method_name(c) == "set_shape"
                   or self.qualified_name(c.func) in qualnames.SHAPE_SETTERS
                   for c in patterns.own_nodes(function, (cst.Call,)))

    def _next_map_sets_shape(self, node):
        ancestors = self.context.ancestors
        if len(ancestors) < 3:
            return False
        attribute, call = ancestors[-2], ancestors[-3]
        if not (isinstance(attribute, cst.Attribute) and attribute.value is node
                and isinstance(call, cst.Call) and call.func is attribute
                and patterns.method_name(call) in qualnames.MAP_METHODS):
            return False
        following = patterns.mapped_function(self, call)
        return following is not None and self._sets_shape(following)

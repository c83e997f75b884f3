from tfcompat.lint.analysis import patterns, provenance, qualnames
from tfcompat.lint.libcst_lazy import cst
from tfcompat.lint.rule import UNSAFE, Invalid, Rule, Run, Valid

_IN_MEMORY_LIBRARIES = ("numpy.", "pandas.")
# NumPy constructors whose size their literal arguments give, and the most elements that are
# not worth a report (1 MB of float64).
_SIZED = {"numpy.zeros": "shape", "numpy.ones": "shape", "numpy.empty": "shape",
          "numpy.full": "shape", "numpy.arange": "stop", "numpy.eye": "N"}
_FILLED = ("numpy.zeros", "numpy.ones", "numpy.empty", "numpy.full")
# NumPy constructors whose positional arguments are all dimensions.
_DIMENSIONS = ("numpy.random.rand", "numpy.random.randn")
_SMALL = 1 << 17
# Elements of each keras.datasets loader's largest array, its whole x (Keras' docs and the files
# it downloads): boston_housing's 506x13 is a few KB in a graph, the others are not.
_KERAS_DATASETS = {"mnist": 70000 * 28 * 28, "fashion_mnist": 70000 * 28 * 28,
                   "cifar10": 60000 * 32 * 32 * 3, "cifar100": 60000 * 32 * 32 * 3,
                   "boston_housing": 506 * 13, "california_housing": 20640 * 8}
# TF 1's MNIST readers: a DataSets of NumPy arrays (55000x784 float32 for training).
_TF1_READERS = ("input_data.read_data_sets", "mnist.read_data_sets",
                "tensorflow.contrib.learn.datasets.load_dataset")
# TF calls that hand on the array they are given (a constant of it, reshaped, cast).
_PASS_ON = frozenset("tensorflow." + n for n in (
    "constant", "convert_to_tensor", "reshape", "cast", "compat.v1.constant",
    "compat.v1.convert_to_tensor", "compat.v1.reshape", "compat.v1.cast"))
# Estimator APIs (canonical prefixes): an input_fn of a module using them is called in a graph.
_ESTIMATOR = ("tensorflow.estimator", "tensorflow_estimator", "tensorflow.contrib.tpu",
              "tensorflow.compat.v1.estimator", "tensorflow.contrib.learn",
              "tensorflow.keras.estimator")
# Calls a pipeline may make between the source and its batch for from_arrays to replace them.
_FOLDED = ("shuffle", "repeat")


class FromTensorSlicesLargeConstant(Rule):
    """
    ## What it does
    In graph-mode code (a TF 1 target, or a module that builds sessions, placeholders or TF 1
    iterators), finds `Dataset.from_tensor_slices` / `from_tensors` given in-memory NumPy or
    pandas data: arrays made by `np.*` / `pd.*` calls, directly or through names, tuples,
    `.astype()`, `.reshape()`, `.values`, arithmetic on them (`x / 255.0`), and the arrays a
    Keras dataset's `load_data()` unpacks into. Arrays of a small literal shape
    (`np.zeros([28, 28])`, at most 131072 elements) are left alone.

    ## Why is this bad?
    In graph mode the arrays become `tf.constant`s inside the GraphDef: the data is copied
    into the graph (twice the memory), a graph over 2 GB cannot be serialised at all
    ("Cannot create a tensor proto whose content is larger than 2GB"), and a large graph makes
    sessions slow to start and checkpoints huge. Answers to the seed's question report training
    that starts but never improves once the arrays are big.

    ## Example
    ```python
    import numpy as np
    import tensorflow as tf

    x = np.load("features.npy")
    it = tf.data.Dataset.from_tensor_slices(x).shuffle(1000).batch(32).make_one_shot_iterator()
    ```

    ## Use instead
    ```python
    import numpy as np
    import tfcompat

    x = np.load("features.npy")
    dataset = tfcompat.from_arrays(x, batch_size=32, shuffle=True, repeat=False)
    ```

    ## Fix safety
    Unsafe: `tfcompat.from_arrays` gives the same batches, gathered from the arrays by index
    outside the graph, but in another order: it shuffles all samples every epoch instead of
    through a buffer of `n`.

    ## Versions
    Graph-mode TF 1.x (and `tf.compat.v1` graph code); `tfcompat.from_arrays` runs on TF 1.4+.
    Rewrite run by tests/runtime/test_rewrites_run.py in tf115-keras231 and tf221.
    """

    code = "TFC301"
    name = "from-tensor-slices-large-constant"
    message = ("`{source}` on in-memory arrays copies them into the graph as constants (2 GB "
               "limit)")
    help = "feed them through a placeholder, or use tfcompat.from_arrays(x, y, batch_size=...)"
    tokens = ("from_tensor_slices", "from_tensors")
    called = True  # it reports calls of them
    fix_safety = UNSAFE
    fix_tf = "dataset_in_core"

    @classmethod
    def may_fire(cls, names):
        # It reports only calls qualified to one of IN_MEMORY_SOURCES.
        return qualnames.names_any(names.qualified, qualnames.IN_MEMORY_SOURCES)

    VALID = [
        # Placeholders keep the data out of the graph (the seed's own answer).
        """
        import tensorflow as tf
        images = tf.placeholder(tf.float32, (None, 28, 28))
        ds = tf.data.Dataset.from_tensor_slices(images).batch(32)
        """,
        # Eager TF 2 code: a tensor, not a graph constant.
        Valid("""
            import numpy as np
            import tensorflow as tf
            x = np.random.rand(100, 4)
            ds = tf.data.Dataset.from_tensor_slices(x).batch(10)
            """, target_tf="2.4"),
        # A test's small constant of literal shape: a few KB in the graph.
        """
        import numpy as np
        import tensorflow.compat.v1 as tf
        images = np.zeros([28, 28, 1], dtype=np.uint8)
        ds = tf.data.Dataset.from_tensors({"image": images, "label": np.ones([])})
        it = tf.data.make_one_shot_iterator(ds.repeat())
        input_dim = 4
        data = np.zeros([input_dim], dtype=np.float32)
        ds = tf.data.Dataset.from_tensors((data, data)).repeat().batch(2)
        """,
        # A small built-in data set (boston_housing is 404x13): a few KB in the graph.
        """
        import tensorflow as tf
        (x_train, y_train), _ = tf.keras.datasets.boston_housing.load_data()
        ds = tf.data.Dataset.from_tensor_slices((x_train, y_train)).shuffle(404).batch(32)
        it = ds.make_one_shot_iterator()
        """,
        # An Estimator input_fn on a small random array; a TF 2 function named input_fn of a
        # module without Estimators (eager: a tensor, not a graph constant).
        Valid("""
            import numpy as np
            import tensorflow as tf
            def train_input_fn(params):
                x = np.random.rand(100, 5)
                x_tensor = tf.constant(x, dtype=tf.float32)
                return tf.data.Dataset.from_tensor_slices(x_tensor).batch(8)
            estimator = tf.estimator.Estimator(model_fn)
            estimator.train(train_input_fn, steps=10)
            """, target_tf="2.4"),
        # An Estimator input_fn's dummy data: one batch of zeros, repeated.
        Valid("""
            import numpy as np
            import tensorflow as tf
            def input_fn(params):
                bs = params["batch_size"]
                img = np.zeros((bs, 28, 28, 1), dtype=np.float32)
                return tf.data.Dataset.from_tensors(img).repeat()
            estimator = tf.estimator.Estimator(model_fn)
            estimator.train(input_fn, steps=10)
            """, target_tf="2.4"),
        Valid("""
            import numpy as np
            import tensorflow as tf
            def input_fn():
                x = np.load("x.npy")
                return tf.data.Dataset.from_tensor_slices(tf.constant(x)).batch(8)
            model.fit(input_fn(), epochs=2)
            """, target_tf="2.4"),
        # File names, a range: nothing big in memory.
        """
        import tensorflow as tf
        files = tf.data.Dataset.from_tensor_slices(["a.tfrecord", "b.tfrecord"])
        it = files.make_one_shot_iterator()
        """,
    ]
    INVALID = [
        # A program: run before and after the fix (tests/runtime/test_rewrites_run.py).
        Invalid(
            """
            import numpy as np
            import tensorflow as tf
            x = np.linspace(0, 1, 32, dtype="float32").reshape(16, 2)
            y = np.ones((16, 1), "float32")
            ds = tf.data.Dataset.from_tensor_slices((x, y)).shuffle(16).batch(4).repeat()
            model = tf.keras.Sequential([tf.keras.layers.Dense(1, input_shape=(2,))])
            model.compile("sgd", "mse")
            result = model.fit(ds, epochs=2, steps_per_epoch=2, verbose=0).history["loss"]
            """,
            at=(5, 6), target_tf="1.15",
            fixed="""
            import numpy as np
            import tensorflow as tf
            import tfcompat
            x = np.linspace(0, 1, 32, dtype="float32").reshape(16, 2)
            y = np.ones((16, 1), "float32")
            ds = tfcompat.from_arrays(x, y, batch_size=4, shuffle=True, repeat=True)
            model = tf.keras.Sequential([tf.keras.layers.Dense(1, input_shape=(2,))])
            model.compile("sgd", "mse")
            result = model.fit(ds, epochs=2, steps_per_epoch=2, verbose=0).history["loss"]
            """,
            run=Run(original=("tf115-keras231",), fixed=("tf115-keras231", "tf221"),
                    result=[2])),
        # repeat() before batch(): batches run across epochs, which from_arrays' do not (the
        # last of each epoch is short): reported, not rewritten.
        Invalid(
            """
            import numpy as np
            import tensorflow as tf
            x = np.load("x.npy").astype("float32")
            y = np.load("y.npy")
            ds = tf.data.Dataset.from_tensor_slices((x, y)).shuffle(1000).repeat().batch(32)
            """,
            at=(5, 6), target_tf="1.15"),
        # A TF 2 target, but graph-mode code (an iterator and a session).
        Invalid(
            """
            import numpy as np
            from tensorflow.data import Dataset
            import tensorflow.compat.v1 as tf
            features = np.arange(4000000).reshape(-1, 1)
            it = tf.data.make_one_shot_iterator(Dataset.from_tensor_slices(features).batch(4))
            with tf.Session() as sess:
                print(sess.run(it.get_next()))
            """,
            at=(5, 37), target_tf="2.4",
            fixed="""
            import numpy as np
            from tensorflow.data import Dataset
            import tensorflow.compat.v1 as tf
            import tfcompat
            features = np.arange(4000000).reshape(-1, 1)
            it = tf.data.make_one_shot_iterator(tfcompat.from_arrays(features, batch_size=4, shuffle=False, repeat=False))
            with tf.Session() as sess:
                print(sess.run(it.get_next()))
            """),  # noqa: E501
        # A Keras dataset's arrays, scaled: in memory too.
        Invalid(
            """
            import tensorflow.compat.v1 as tf
            (x_train, y_train), _ = tf.keras.datasets.mnist.load_data()
            ds = tf.data.Dataset.from_tensor_slices((x_train / 255.0, y_train)).map(f).batch(32)
            it = tf.data.make_one_shot_iterator(ds)
            """,
            at=(3, 6), target_tf="1.15"),
        # TF 1's MNIST reader: NumPy arrays in memory.
        Invalid(
            """
            import tensorflow as tf
            from tensorflow.examples.tutorials.mnist import input_data
            mnist = input_data.read_data_sets("/tmp/mnist", one_hot=True)
            ds = tf.data.Dataset.from_tensor_slices((mnist.train.images, mnist.train.labels))
            it = ds.batch(64).make_one_shot_iterator()
            """,
            at=(4, 6), target_tf="1.15"),
        # An Estimator input_fn making constants of a whole data set gathered example by
        # example: in the graph even on TF 2 (Estimators call input_fns in a graph).
        Invalid(
            """
            import tensorflow as tf
            def input_fn_builder(features, seq_length):
                all_ids = []
                all_labels = []
                for feature in features:
                    all_ids.append(feature.ids)
                    all_labels.append(feature.label)
                def input_fn(params):
                    n = len(features)
                    d = tf.data.Dataset.from_tensor_slices({
                        "ids": tf.constant(all_ids, shape=[n, seq_length], dtype=tf.int32),
                        "labels": tf.constant(all_labels, shape=[n], dtype=tf.int32)})
                    return d.batch(params["batch_size"])
                return input_fn
            estimator = tf.estimator.Estimator(model_fn=model_fn)
            estimator.train(input_fn=input_fn_builder(train_features, 128), max_steps=10)
            """,
            at=(10, 13), target_tf="2.4"),
        # A built-in data set turned into a constant in an input_fn: reported, not rewritten
        # (from_arrays takes the arrays, not the constant).
        Invalid(
            """
            import tensorflow as tf
            def train_input_fn(params):
                (x_train, y_train), _ = tf.keras.datasets.mnist.load_data()
                x = tf.reshape(tf.constant(x_train, dtype=tf.float32), (-1, 784))
                return tf.data.Dataset.from_tensor_slices((x, y_train)).repeat().batch(32)
            classifier = tf.estimator.Estimator(model_fn=model_fn)
            classifier.train(input_fn=train_input_fn, steps=100)
            """,
            at=(5, 12), target_tf="2.4"),
        # pandas data, and a map before the batch: reported, not rewritten.
        Invalid(
            """
            import pandas as pd
            import tensorflow as tf
            frame = pd.read_csv("train.csv")
            ds = tf.data.Dataset.from_tensor_slices(frame.values).map(scale).batch(8)
            """,
            at=(4, 6), target_tf="1.15"),
        Invalid(
            """
            import numpy as np
            import tensorflow as tf
            batch = tf.data.Dataset.from_tensors(np.zeros((100000, 64)))
            """,
            at=(3, 9), target_tf="1.13"),
    ]

    def visit_Call(self, node):
        name = self.qualified_name(node.func)
        if name not in qualnames.IN_MEMORY_SOURCES:
            return
        arg = patterns.argument(node, 0, "tensors")
        if arg is None or not self._in_memory(arg.value):
            return
        if name.endswith("from_tensors") and self._filled(arg.value):
            return  # one element of zeros / ones: a dummy batch, not a data set in memory
        if not (provenance.graph_mode_code(self) or self._in_estimator_input_fn()):
            return
        short = "Dataset." + name.rsplit(".", 1)[-1]
        fix = self._fix(node, arg.value) if name.endswith("from_tensor_slices") else None
        self.report(node, source=short, edits=fix)

    def _in_memory(self, expr, depth=4):
        if depth == 0:
            return False
        if isinstance(expr, (cst.Tuple, cst.List)):
            return any(self._in_memory(e.value, depth - 1) for e in expr.elements)
        if isinstance(expr, cst.Dict):
            return any(isinstance(e, cst.DictElement) and self._in_memory(e.value, depth - 1)
                       for e in expr.elements)
        if isinstance(expr, cst.Name):
            value = self.resolve(expr)
            if value is None:
                return self._unpacked_dataset(expr)
            if isinstance(value, cst.List) and not value.elements:
                return self._accumulated(expr.value)
            return self._in_memory(value, depth - 1)
        if isinstance(expr, cst.BinaryOperation):  # x / 255.0
            return self._in_memory(expr.left, depth - 1) or self._in_memory(expr.right, depth - 1)
        if isinstance(expr, cst.Call):
            name = self.qualified_name(expr.func)
            if name is not None:
                if _small_literal_array(name, expr, self.resolve):
                    return False  # a few KB: no graph limit or memory to worry about
                if name in _PASS_ON:
                    first = patterns.argument(expr, 0, None)
                    return first is not None and self._in_memory(first.value, depth - 1)
                return name.startswith(_IN_MEMORY_LIBRARIES) or name.endswith(_TF1_READERS)
            return isinstance(expr.func, cst.Attribute) and self._in_memory(expr.func.value, depth)
        if isinstance(expr, (cst.Attribute, cst.Subscript)):
            return self._in_memory(expr.value, depth)
        return False

    def _unpacked_dataset(self, name):
        """Whether ``name`` is unpacked from a Keras dataset's arrays:
        `(x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()`."""
        scopes = self.context.scopes
        found = scopes.lookup(name.value, scopes.chain(self.context.ancestors))
        statement = found[2] if found else None
        if not isinstance(statement, cst.SimpleStatementLine):
            return False
        for small in statement.body:
            if isinstance(small, cst.Assign) and isinstance(small.value, cst.Call):
                called = self.qualified_name(small.value.func) or ""
                if called.endswith(".load_data") and ".datasets." in called \
                        and patterns.keras_namespace(called):
                    loader = called.rsplit(".", 2)[-2]
                    return _KERAS_DATASETS.get(loader, _SMALL + 1) > _SMALL
        return False

    def _filled(self, expr):
        """Whether ``expr`` is (a name bound to) `np.zeros/ones/empty/full(shape)` of a shape
        known only at run time (`(batch_size, 28, 28)`): a literal shape is judged by size."""
        if isinstance(expr, cst.Name):
            expr = self.resolve(expr)
        if not (isinstance(expr, cst.Call) and self.qualified_name(expr.func) in _FILLED):
            return False
        shape = patterns.argument(expr, 0, "shape")
        if shape is None:
            return False
        value = shape.value
        dims = [e.value for e in value.elements] if isinstance(value, (cst.Tuple, cst.List)) \
            else [value]
        return not all(isinstance(self.resolve(d) if isinstance(d, cst.Name) else d,
                                  cst.Integer) for d in dims)

    def _accumulated(self, name):
        """Whether the list bound to ``name`` (an empty literal) is filled by `name.append(...)`
        in a loop: a whole data set gathered in memory (`all_ids = []`, then one append per
        example)."""
        for loop in patterns.all_nodes(self.context.module, (cst.For, cst.While)):
            for call in patterns.all_nodes(loop, (cst.Call,)):
                func = call.func
                if isinstance(func, cst.Attribute) and func.attr.value in ("append", "extend") \
                        and isinstance(func.value, cst.Name) and func.value.value == name:
                    return True
        return False

    def _in_estimator_input_fn(self):
        """Whether the call is inside an Estimator input_fn: a function named `*input_fn`, in a
        module that uses the Estimator API (which calls input_fns in a graph, TF 2 too)."""
        named = any(isinstance(a, cst.FunctionDef) and a.name.value.endswith("input_fn")
                    for a in self.context.ancestors)
        return named and self.context.cached(_uses_estimator, self)

    def _fix(self, node, data):
        """When `from_tensor_slices(x)` or `from_tensor_slices((x, y))` is followed, in the same
        expression, by an optional `shuffle(n)`, then `batch(n)` and an optional `repeat()`, the
        edits putting `tfcompat.from_arrays(x[, y], batch_size=n, shuffle=..., repeat=...,
        seed=...)` in their place (adding `import tfcompat`; every option spelled out). None for
        `repeat()` before `batch(n)` (its batches run across epoch ends, `from_arrays`' end each
        epoch, the last one short: a pipeline zipped with it would pair batches of different
        sizes), `from_tensors`, dicts, `repeat(count)`, `drop_remainder`, a `map` before the
        batch, or pipelines split over statements."""
        if isinstance(data, cst.Tuple) and len(data.elements) == 2:
            parts = [e.value for e in data.elements]
        elif not isinstance(data, (cst.Tuple, cst.List, cst.Dict)):
            parts = [data]
        else:
            return None
        if any(self._tensor(p) for p in parts):
            return None  # a tf.constant of the arrays: from_arrays takes the arrays themselves
        arrays = [self.code_for(p) for p in parts]
        options = {"shuffle": "False", "repeat": "False"}
        calls = list(self._following_calls(node))
        for i, call in enumerate(calls):
            method = patterns.method_name(call)
            if method == "batch":
                size = patterns.argument(call, 0, "batch_size")
                if size is None or len(call.args) != 1 or options["repeat"] == "True":
                    # drop_remainder and the like: from_arrays has no such option;
                    # repeat().batch(n): batches run across epochs, from_arrays' end each
                    # epoch with a short one (a zip with another pipeline no longer pairs).
                    return None
                last = call
                following = calls[i + 1] if i + 1 < len(calls) else None
                if following is not None and patterns.method_name(following) == "repeat" \
                        and not following.args:
                    options["repeat"], last = "True", following  # batch(n).repeat()
                return self._rewrite(last, arrays, self.code_for(size.value), options)
            if method not in _FOLDED or options[method] == "True":
                return None
            if method == "repeat" and call.args:
                return None
            if method == "shuffle":
                seed = patterns.keyword(call, "seed")
                if seed is not None:
                    options["seed"] = self.code_for(seed)
            options[method] = "True"
        return None

    def _tensor(self, expr):
        if isinstance(expr, cst.Name):
            expr = self.resolve(expr)
        return isinstance(expr, cst.Call) and self.qualified_name(expr.func) in _PASS_ON

    def _rewrite(self, last, arrays, batch_size, options):
        from_arrays, edits = self.require("tfcompat.from_arrays", module="tfcompat",
                                          alias="tfcompat")
        args = arrays + ["batch_size=%s" % batch_size] + [
            "%s=%s" % (k, options[k]) for k in ("shuffle", "repeat", "seed") if k in options]
        return edits + [self.replace(last, "%s(%s)" % (from_arrays, ", ".join(args)))]

    def _following_calls(self, node):
        """The method calls chained onto ``node`` in its expression, innermost first."""
        ancestors = self.context.ancestors
        current = node
        for i in range(len(ancestors) - 2, 0, -2):
            attribute, call = ancestors[i], ancestors[i - 1]
            if not (isinstance(attribute, cst.Attribute) and attribute.value is current
                    and isinstance(call, cst.Call) and call.func is attribute):
                return
            yield call
            current = call


def _small_literal_array(name, call, resolve):
    """Whether ``call`` makes a NumPy array whose literal shape holds at most _SMALL elements
    (`np.zeros([32, 32, 3])`, `np.arange(100)`; a name assigned an integer counts as one)."""
    if name in _DIMENSIONS and call.args and all(a.keyword is None and not a.star
                                                 for a in call.args):
        dims = [a.value for a in call.args]
    else:
        if name not in _SIZED or len(call.args) == 0:
            return False
        arg = patterns.argument(call, 0, _SIZED[name])
        if arg is None or (name == "numpy.arange" and len(call.args) > 1):
            return False
        value = arg.value
        dims = [e.value for e in value.elements] if isinstance(value, (cst.Tuple, cst.List)) \
            else [value]
    count = 1
    for dim in dims:
        if isinstance(dim, cst.Name):
            dim = resolve(dim)
        if not isinstance(dim, cst.Integer):
            return False
        count *= dim.evaluated_value
    if name == "numpy.eye":
        count *= count
    return count <= _SMALL


def _uses_estimator(rule):
    return any((rule.qualified_name(n) or "").startswith(_ESTIMATOR)
               for n in patterns.all_nodes(rule.context.module, (cst.Attribute, cst.Name)))

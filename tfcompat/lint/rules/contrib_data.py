
from tfcompat.lint.analysis import scopes
from tfcompat.lint.libcst_lazy import cst
from tfcompat.lint.rule import SAFE, Invalid, Rule, Run

_PREFIX = "tensorflow.contrib.data"
_CORE = ("Dataset", "Iterator", "TFRecordDataset", "TextLineDataset", "FixedLengthRecordDataset")
_EXPERIMENTAL = (
    "AUTOTUNE", "shuffle_and_repeat", "map_and_batch", "parallel_interleave", "unbatch",
    "ignore_errors", "sample_from_datasets", "choose_from_datasets", "Counter", "CsvDataset",
    "make_csv_dataset", "make_batched_features_dataset", "SqlDataset",
    "bucket_by_sequence_length", "group_by_window", "group_by_reducer", "Reducer",
    "get_single_element", "scan", "enumerate_dataset", "rejection_resample",
    "prefetch_to_device", "copy_to_device", "dense_to_sparse_batch", "TFRecordWriter",
    "Optional", "get_next_as_optional", "parse_example_dataset", "make_saveable_from_iterator")
# The new home of each name, and the version fact it needs there.
_HOMES = dict([(n, ("tensorflow.data", "dataset_in_core")) for n in _CORE]
              + [(n, ("tensorflow.data.experimental", "data_experimental")) for n in _EXPERIMENTAL])
_HOMES["AUTOTUNE"] = ("tensorflow.data.experimental", "experimental_autotune")
# Names with no one-to-one replacement, and what to write instead.
_ADVICE = {
    "batch_and_drop_remainder": "use `.batch(n, drop_remainder=True)` (TF 1.10+)",
    "padded_batch_and_drop_remainder": "use `.padded_batch(..., drop_remainder=True)` (TF 1.10+)",
    "sliding_window_batch": "use `.window(size, shift, 1, True).flat_map(...)` (TF 1.12+)",
    "assert_element_shape": "use `tf.ensure_shape` in a `map` (TF 1.12+)",
}
# Keyword arguments only the TF 1.2-1.6 contrib Dataset took: core classes would reject them.
_CONTRIB_ONLY_ARGS = ("num_threads", "output_buffer_size")


def _under(name):
    return name == _PREFIX or name.startswith(_PREFIX + ".")


class ContribData(Rule):
    """
    ## What it does
    Finds uses of `tf.contrib.data`: `tf.contrib.data.Dataset`, its iterators and readers,
    and its transformations (`shuffle_and_repeat`, `map_and_batch`, `AUTOTUNE`...), by
    attribute or by `from tensorflow.contrib.data import ...`.

    ## Why is this bad?
    `tf.contrib` is gone from TF 2.0 (`AttributeError` / `ModuleNotFoundError`), and its
    `data` classes were removed in TF 1.7 already. Every one of these names has had a home in
    core since: `tf.data` (TF 1.4) for the classes, `tf.data.experimental` (TF 1.12) for the
    transformations, which there are the same functions.

    ## Example
    ```python
    import tensorflow as tf

    ds = tf.contrib.data.Dataset.from_tensor_slices(x)
    ds = ds.apply(tf.contrib.data.shuffle_and_repeat(100))
    ```

    ## Use instead
    ```python
    import tensorflow as tf

    ds = tf.data.Dataset.from_tensor_slices(x)
    ds = ds.apply(tf.data.experimental.shuffle_and_repeat(100))
    ```

    ## Fix safety
    Safe: the core object that replaced the contrib one, spelled through the file's own
    TensorFlow import, where the target has it.

    ## Versions
    `tf.contrib.data` TF 1.2 to 1.15 (classes removed in 1.7); `tf.data` TF 1.4+;
    `tf.data.experimental` TF 1.12+. Rewrite run by tests/runtime/test_rewrites_run.py in
    tf115-keras231 (target 1.15) and tf221 (target 2.16).
    """

    code = "TFC402"
    name = "contrib-data"
    message = "`{old}` is gone (tf.contrib is not in TF 2)"
    help = "{advice}"
    tokens = (("contrib",), ("data",))  # every name it reports is under contrib.data
    fix_safety = SAFE
    fix_tf = "dataset_in_core"

    VALID = [
        """
        import tensorflow as tf
        ds = tf.data.Dataset.range(8).apply(tf.data.experimental.shuffle_and_repeat(8))
        """,
        """
        from tensorflow.data import Dataset
        from tensorflow.data.experimental import AUTOTUNE
        ds = Dataset.range(4).prefetch(AUTOTUNE)
        """,
        # Other contrib modules are not this rule's.
        """
        import tensorflow as tf
        layer = tf.contrib.layers.fully_connected(x, 10)
        """,
        # A project's own `contrib.data` package.
        """
        from myproject.contrib.data import Dataset
        ds = Dataset.load("x")
        """,
    ]
    INVALID = [
        # The module imported from contrib: reported, not rewritten.
        Invalid(
            """
            from tensorflow.contrib import data
            pipelines = make_pipelines(data)
            """,
            at=(1, 1), target_tf="1.15"),
        # A program: run before and after the fix (tests/runtime/test_rewrites_run.py).
        Invalid(
            """
            import numpy as np
            import tensorflow as tf
            x = np.ones((16, 2), "float32")
            y = np.ones((16, 1), "float32")
            ds = tf.data.Dataset.from_tensor_slices((x, y))
            ds = ds.apply(tf.contrib.data.shuffle_and_repeat(16)).batch(4)
            model = tf.keras.Sequential([tf.keras.layers.Dense(1, input_shape=(2,))])
            model.compile("sgd", "mse")
            result = model.fit(ds, epochs=2, steps_per_epoch=2, verbose=0).history["loss"]
            """,
            at=(6, 15), target_tf="1.15",
            fixed="""
            import numpy as np
            import tensorflow as tf
            x = np.ones((16, 2), "float32")
            y = np.ones((16, 1), "float32")
            ds = tf.data.Dataset.from_tensor_slices((x, y))
            ds = ds.apply(tf.data.experimental.shuffle_and_repeat(16)).batch(4)
            model = tf.keras.Sequential([tf.keras.layers.Dense(1, input_shape=(2,))])
            model.compile("sgd", "mse")
            result = model.fit(ds, epochs=2, steps_per_epoch=2, verbose=0).history["loss"]
            """,
            run=Run(original=("tf115-keras231",), fixed=("tf115-keras231", "tf221"),
                    result=[2])),
        Invalid(
            """
            import tensorflow as tf
            ds = tf.contrib.data.Dataset.from_tensor_slices(x).batch(4)
            """,
            at=(2, 6), target_tf="1.4",
            fixed="""
            import tensorflow as tf
            ds = tf.data.Dataset.from_tensor_slices(x).batch(4)
            """),
        Invalid(
            """
            import tensorflow as tf
            ds = ds.apply(tf.contrib.data.shuffle_and_repeat(100, count=None))
            """,
            at=(2, 15), target_tf="1.15",
            fixed="""
            import tensorflow as tf
            ds = ds.apply(tf.data.experimental.shuffle_and_repeat(100, count=None))
            """),
        # The seed's import of the contrib Dataset class.
        Invalid(
            """
            from tensorflow.contrib.data import Dataset, Iterator
            ds = Dataset.from_tensor_slices(x)
            """,
            at=(1, 1), target_tf="1.15",
            fixed="""
            from tensorflow.data import Dataset, Iterator
            ds = Dataset.from_tensor_slices(x)
            """),
        Invalid(
            """
            import tensorflow
            ds = ds.prefetch(tensorflow.contrib.data.AUTOTUNE)
            """,
            at=(2, 18), target_tf="2.0",
            fixed="""
            import tensorflow
            ds = ds.prefetch(tensorflow.data.experimental.AUTOTUNE)
            """),
        # experimental does not exist before 1.12: reported, not fixed.
        Invalid(
            """
            import tensorflow as tf
            ds = ds.apply(tf.contrib.data.map_and_batch(f, 32))
            """,
            at=(2, 15), target_tf="1.8"),
        # No one-to-one equivalent.
        Invalid(
            """
            import tensorflow as tf
            ds = ds.apply(tf.contrib.data.batch_and_drop_remainder(32))
            """,
            at=(2, 15), target_tf="1.15"),
        # The contrib-only num_threads= keeps the class where it is.
        Invalid(
            """
            import tensorflow as tf
            ds = tf.contrib.data.TextLineDataset(f).map(parse, num_threads=4)
            """,
            at=(2, 6), target_tf="1.15"),
        # The gate's shapes (may_fire): a function's import of the module, under a name an
        # earlier import binds; contrib through compat.v1 under another alias.
        Invalid(
            """
            from datasets import data
            def make(files):
                from tensorflow.contrib import data
                return data
            """,
            at=(3, 5)),
        Invalid(
            """
            import tensorflow.compat.v1 as tf1
            ds = ds.apply(tf1.contrib.data.ignore_errors())
            """,
            at=(2, 15)),
        # An import of a module under it, binding only `tensorflow`.
        Invalid(
            """
            import tensorflow.contrib.data.python.ops.batching
            """,
            at=(1, 8)),
    ]

    @classmethod
    def may_fire(cls, names):
        # Every report is at an absolute import of tensorflow.contrib.data or from it, or at a
        # name qualified under it: in code (the outermost chain holding it is too), or the dotted
        # module of an import statement (relative ones too, as libcst's Attribute nodes).
        return _PREFIX in names.modules or any(_under(q) for q in names.qualified)

    def visit_Attribute(self, node):
        name = self.qualified_name(node)
        if not name or not name.startswith(_PREFIX + "."):
            return
        symbol = name[len(_PREFIX) + 1:]
        if "." in symbol:
            return  # reported at the shorter attribute inside it
        home = self._home(symbol)
        new = self.spell(home + "." + symbol) if home else None
        fix = [self.replace(node, new)] if new else None
        self.report(node, old="tf.contrib.data." + symbol, advice=self._advice(symbol), edits=fix)

    def visit_ImportFrom(self, node):
        if node.relative or node.module is None or isinstance(node.names, cst.ImportStar):
            return
        module = scopes.dotted(node.module)
        if module == "tensorflow.contrib" and any(
                scopes.dotted(alias.name) == "data" for alias in node.names):
            # The module itself: what it is used for is out of sight here, so no fix.
            self.report(self.statement(), old="from tensorflow.contrib import data",
                        advice="use tf.data, and tf.data.experimental for what moved there")
            return
        if module != _PREFIX:
            return
        symbols = [scopes.dotted(alias.name) for alias in node.names]
        homes = {self._home(s) for s in symbols}
        fix = None
        if len(homes) == 1 and None not in homes:
            fix = [self.replace(node.module, cst.parse_expression(homes.pop()))]
        advice = "; ".join(self._advice(s) for s in symbols)
        self.report(self.statement(), old="from tensorflow.contrib.data import", advice=advice,
                    edits=fix)

    def _home(self, symbol):
        """The module that has ``symbol`` one-to-one for the target, or None: `tf.data` classes
        for `target-tf` 1.4+, `tf.data.experimental` for 1.12+, its `AUTOTUNE` for 1.13+; none
        for names with no one-to-one equivalent (`batch_and_drop_remainder` is `batch(n,
        drop_remainder=True)`, `sliding_window_batch` is `window`), nor for the classes when the
        file passes `num_threads=` / `output_buffer_size=`, which only the contrib classes took."""
        found = _HOMES.get(symbol)
        if found is None:
            return None
        home, fact = found
        if not self.target_at_least(fact):
            return None
        if home == "tensorflow.data" and self._uses_contrib_only_args():
            return None
        return home

    def _uses_contrib_only_args(self):
        return any("%s=" % arg in self.context.text for arg in _CONTRIB_ONLY_ARGS)

    @staticmethod
    def _advice(symbol):
        if symbol in _HOMES:
            return "use `tf.%s.%s`" % (_HOMES[symbol][0][len("tensorflow."):], symbol)
        return _ADVICE.get(symbol, "`%s` has no one-to-one tf.data name; see the TF 1.x "
                                   "migration notes for its replacement" % symbol)

import ast

from tfcompat.lint.analysis import patterns, provenance
from tfcompat.lint.libcst_lazy import cst
from tfcompat.lint.rule import SAFE, UNSAFE, Invalid, Rule, Run

_ATTRIBUTES = ("output_shapes", "output_types", "output_classes")


class DatasetOutputAttributes(Rule):
    """
    ## What it does
    Finds `dataset.output_shapes`, `.output_types` and `.output_classes` on a tf.data
    pipeline (gone in TF 2, within reach of every target), except in modules whose tf.data
    is `tensorflow.compat.v1`'s (`import tensorflow.compat.v1 as tf`, and no `tensorflow.data`
    named through a TF 2 import).

    ## Why is this bad?
    TF 2's `tf.data.Dataset` (`DatasetV2`) has none of the three: `AttributeError:
    '_BatchDataset' object has no attribute 'output_shapes'`, typically where TF 1 code sizes
    a model's `Input` or a placeholder from the pipeline. `tensorflow.compat.v1`'s
    `DatasetV1` keeps them. The functions `tf.compat.v1.data.get_output_shapes(ds)` (and
    `get_output_types`, `get_output_classes`) return the same structures on TF 1.15 and every
    TF 2; `ds.element_spec` is the TF 2 spelling when a `TensorSpec` will do.

    ## Example
    ```python
    import tensorflow as tf

    shapes = tf.data.TFRecordDataset(files).batch(32).output_shapes
    ```

    ## Use instead
    ```python
    import tensorflow as tf

    shapes = tf.compat.v1.data.get_output_shapes(tf.data.TFRecordDataset(files).batch(32))
    ```

    ## Fix safety
    Safe where the receiver is provably a Dataset (a chain from a tf.data constructor):
    `tf.compat.v1.data.get_<attribute>(dataset)` returns what the attribute returned. Unsafe
    where only a Dataset-only method says it is one (an iterator or another class can have
    `output_shapes` too).

    ## Versions
    Attributes: TF 1.4 to 1.15 (and `tf.compat.v1` datasets on TF 2). Functions: TF 1.15
    onwards. Reported for every target (docs/target-tf.md). Rewrite run by
    tests/runtime/test_rewrites_run.py in tf115-keras231 and tf221 (where the original fails).
    """

    code = "TFC410"
    name = "dataset-output-attributes"
    message = "`Dataset.{attribute}` is gone in TF 2"
    help = "call tf.compat.v1.data.get_{attribute}(dataset), or read dataset.element_spec"
    tokens = (_ATTRIBUTES, provenance.DATASET_CHAIN_CALLS)  # an attribute of a dataset_chain
    fix_safety = SAFE
    fix_tf = "compat_v1_get_output_shapes"

    VALID = [
        # compat.v1's DatasetV1 keeps the attribute.
        """
        import tensorflow.compat.v1 as tf
        shapes = tf.data.Dataset.range(4).batch(2).output_shapes
        """,
        # Not a pipeline.
        """
        import tensorflow as tf
        shapes = layer.output_shapes
        """,
    ]
    INVALID = [
        # A program: the model is sized from the pipeline's shapes.
        Invalid(
            """
            import numpy as np
            import tensorflow as tf
            x = np.ones((16, 2), "float32")
            y = np.ones((16, 1), "float32")
            ds = tf.data.Dataset.from_tensor_slices((x, y)).batch(4)
            features, labels = ds.output_shapes
            dense = tf.keras.layers.Dense(1, input_shape=tuple(features.as_list()[1:]))
            model = tf.keras.Sequential([dense])
            model.compile("sgd", "mse")
            result = model.fit(x, y, epochs=2, verbose=0).history["loss"]
            """,
            at=(6, 20), target_tf="2.16",
            fixed="""
            import numpy as np
            import tensorflow as tf
            x = np.ones((16, 2), "float32")
            y = np.ones((16, 1), "float32")
            ds = tf.data.Dataset.from_tensor_slices((x, y)).batch(4)
            features, labels = tf.compat.v1.data.get_output_shapes(ds)
            dense = tf.keras.layers.Dense(1, input_shape=tuple(features.as_list()[1:]))
            model = tf.keras.Sequential([dense])
            model.compile("sgd", "mse")
            result = model.fit(x, y, epochs=2, verbose=0).history["loss"]
            """,
            run=Run(original=("tf115-keras231",), broken=("tf221",),
                    fixed=("tf115-keras231", "tf221"), result=[2])),
        # Only a Dataset-only method says it is a pipeline: unsafe.
        Invalid(
            """
            import tensorflow as tf
            types = records.shuffle(100).prefetch(1).output_types
            """,
            at=(2, 9), target_tf="2.0", safety=UNSAFE,
            fixed="""
            import tensorflow as tf
            types = tf.compat.v1.data.get_output_types(records.shuffle(100).prefetch(1))
            """),
        # Below TF 1.15 there is no function to call: reported for a TF 2 target only.
        Invalid(
            """
            import tensorflow as tf
            classes = tf.data.Dataset.range(3).output_classes
            """,
            at=(2, 11)),
        # A target reaches the newest TF (docs/target-tf.md): reported at every target, with
        # tf.compat.v1.data's function (TF 1.15+).
        Invalid(
            """
            import tensorflow as tf
            shapes = tf.data.Dataset.range(4).batch(2).output_shapes
            """,
            at=(2, 10), target_tf="1.15",
            fixed="""
            import tensorflow as tf
            shapes = tf.compat.v1.data.get_output_shapes(tf.data.Dataset.range(4).batch(2))
            """),
        # The gate's shapes (may_fire): a source imported under another name, and a pipeline
        # that only `repeat()` proves.
        Invalid(
            """
            from tensorflow.data import TFRecordDataset as Records
            def shapes(files):
                return Records(files).output_shapes
            """,
            at=(3, 12)),
        Invalid(
            """
            def types(dataset):
                return dataset.repeat().output_types
            """,
            at=(2, 12)),
        # Not a `tensorflow.compat.v1` module (the gate's shapes, may_fire): TF 2's tf.data
        # named only by an import statement, or compat.v1 imported in a function.
        Invalid(
            """
            import tensorflow.compat.v1 as tf
            import tensorflow.data.experimental
            shapes = ds.shuffle(8).output_shapes
            """,
            at=(3, 10), target_tf="2.16", safety=UNSAFE,
            fixed="""
            import tensorflow.compat.v1 as tf
            import tensorflow.data.experimental
            shapes = tensorflow.compat.v1.data.get_output_shapes(ds.shuffle(8))
            """),
        Invalid(
            """
            def make(ds):
                import tensorflow.compat.v1 as tf
                return ds.shuffle(8).output_shapes
            """,
            at=(3, 12), target_tf="2.16"),
    ]

    @classmethod
    def may_fire(cls, names):
        # visit_Attribute's tests, on Python's tree: one of the attributes of a call or a name
        # (dataset_chain finds no chain in anything else), in a module that may hold a chain
        # and is not a tensorflow.compat.v1 one.
        return provenance.may_hold_dataset_chain(names) and any(
            node.__class__ is ast.Attribute and node.attr in _ATTRIBUTES
            and node.value.__class__ in (ast.Call, ast.Name) for node in ast.walk(names.tree)) \
            and not provenance.compat_v1_code(names)

    def visit_Attribute(self, node):
        attribute = node.attr.value
        if attribute not in _ATTRIBUTES:
            return
        chain = provenance.dataset_chain(self, node.value)
        if chain is None or provenance.compat_v1_module(self):
            return
        _, proven = chain
        self.report(node, attribute=attribute, edits=self._fix(node),
                    safety=None if proven else UNSAFE)

    def _fix(self, node):
        """The function spelled through the module-level import of `tensorflow` (or its
        compat.v1) the way the file imports it; None where there is none."""
        new = patterns.compat_v1_data_call(self, "get_" + node.attr.value, [cst.Arg(node.value)])
        return [self.replace(node, new)] if new is not None else None

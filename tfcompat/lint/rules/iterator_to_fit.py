from tfcompat.lint.analysis import patterns
from tfcompat.lint.libcst_lazy import cst
from tfcompat.lint.rule import UNSAFE, Invalid, Rule, Run


class IteratorToFit(Rule):
    """
    ## What it does
    Finds a one-shot iterator made from a dataset and handed to Keras' `fit`, `evaluate` or
    `predict` (as the data or as `validation_data`).

    ## Why is this bad?
    tf.keras of TF 1.9-1.14 took such iterators in graph mode. tf.keras of TF 1.15 and TF 2
    reject them ("accept tf.data Datasets as input but not iterators"), and so does Keras 3
    ("Unrecognized data type: OwnedIterator"); rewriting only the iterator's construction to
    `tf.compat.v1.data.make_one_shot_iterator(ds)` (TFC401) keeps the rejected shape. Every
    Keras that takes iterators takes the dataset itself.

    ## Example
    ```python
    model.fit(dataset.make_one_shot_iterator(), steps_per_epoch=100, epochs=5)
    ```

    ## Use instead
    ```python
    model.fit(dataset, steps_per_epoch=100, epochs=5)
    ```

    ## Fix safety
    Unsafe: Keras iterates a dataset afresh each epoch where the iterator went on from where the
    last epoch stopped: with `steps_per_epoch` over a repeated dataset the model sees the same
    data, in another order when the pipeline shuffles.

    ## Versions
    `fit(iterator)`: tf.keras of TF 1.9 to 1.14 (graph mode). `fit(dataset)`: tf.keras from TF
    1.9, tf_keras, Keras 3 on every backend. Rewrite run by tests/runtime/test_rewrites_run.py
    in tf115-keras231, tf221 (where the original fails) and tf221-tfkeras.
    """

    code = "TFC406"
    name = "iterator-to-fit"
    message = ("`{method}` gets an iterator made from a dataset, which tf.keras of TF >= 1.15 "
               "and Keras 3 reject")
    help = "pass the dataset to `{method}`, not an iterator over it"
    tokens = (("make_one_shot_iterator",), tuple(patterns.KERAS_DATA_METHODS))
    called = True
    fix_safety = UNSAFE
    fix_tf = "fit_accepts_dataset"

    VALID = [
        "model.fit(dataset, steps_per_epoch=10, epochs=2)",
        # An initializable iterator needs its initializer run: not this rule's.
        "model.fit(dataset.make_initializable_iterator(), steps_per_epoch=10)",
        # A module function called fit is not Keras'.
        """
        import tfcompat
        tfcompat.fit(model, dataset.make_one_shot_iterator())
        """,
        # The iterator's tensors (Input(tensor=)-style feeding) are TFC404's.
        "model.fit(dataset.make_one_shot_iterator().get_next(), steps_per_epoch=10)",
    ]
    INVALID = [
        Invalid("model.fit(dataset.make_one_shot_iterator(), steps_per_epoch=10, epochs=2)",
                at=(1, 11), target_tf="2.16",
                fixed="model.fit(dataset, steps_per_epoch=10, epochs=2)"),
        Invalid(
            """
            import tensorflow as tf
            model.fit(train, steps_per_epoch=10,
                      validation_data=tf.compat.v1.data.make_one_shot_iterator(test),
                      validation_steps=2)
            """,
            at=(3, 27), target_tf="1.15",
            fixed="""
            import tensorflow as tf
            model.fit(train, steps_per_epoch=10,
                      validation_data=test,
                      validation_steps=2)
            """),
        Invalid("loss = model.evaluate(ds.make_one_shot_iterator(), steps=4)",
                at=(1, 23), target_tf="2.0", fixed="loss = model.evaluate(ds, steps=4)"),
        # Before TF 1.9 fit takes neither: reported, no fix.
        Invalid("model.fit(dataset.make_one_shot_iterator(), steps_per_epoch=10)",
                at=(1, 11), target_tf="1.8"),
        # Through a name: reported only.
        Invalid(
            """
            it = dataset.make_one_shot_iterator()
            model.fit(it, steps_per_epoch=10)
            """,
            at=(2, 11), target_tf="2.16"),
        # A program: the seed thread's TF 1.9 answer; the fix trains on tf.keras 1.15 and
        # Keras 3.
        Invalid(
            """
            import numpy as np
            import tensorflow as tf
            x = np.random.rand(64, 4).astype("float32")
            y = np.random.rand(64, 1).astype("float32")
            dataset = tf.data.Dataset.from_tensor_slices((x, y)).batch(16).repeat()
            model = tf.keras.Sequential([tf.keras.layers.Dense(1, input_shape=(4,))])
            model.compile("sgd", "mse")
            history = model.fit(tf.compat.v1.data.make_one_shot_iterator(dataset),
                                steps_per_epoch=4, epochs=2, verbose=0)
            result = history.history["loss"]
            """,
            at=(8, 21), target_tf="1.15",
            fixed="""
            import numpy as np
            import tensorflow as tf
            x = np.random.rand(64, 4).astype("float32")
            y = np.random.rand(64, 1).astype("float32")
            dataset = tf.data.Dataset.from_tensor_slices((x, y)).batch(16).repeat()
            model = tf.keras.Sequential([tf.keras.layers.Dense(1, input_shape=(4,))])
            model.compile("sgd", "mse")
            history = model.fit(dataset,
                                steps_per_epoch=4, epochs=2, verbose=0)
            result = history.history["loss"]
            """,
            run=Run(broken=("tf221",), fixed=("tf115-keras231", "tf221", "tf221-tfkeras"),
                    result=[2])),
    ]

    def visit_Call(self, node):
        for arg in patterns.keras_data_arguments(self, node):
            self._check(patterns.method_name(node), arg.value)

    def _check(self, method, value):
        """Reports a one-shot iterator handed to Keras; the fix (the dataset itself, for TF >=
        1.9 targets: tf.keras `fit(dataset)`) only when the iterator is made right in the call:
        one held in a name may be used by other code."""
        maker = self.resolve(value) if isinstance(value, cst.Name) else value
        if not isinstance(maker, cst.Call):
            return
        dataset = patterns.iterator_dataset(self, maker)
        if dataset is None:
            return
        fix = [self.replace(value, dataset)] if maker is value else None
        self.report(value, method=method, edits=fix)

from tfcompat.lint import patterns
from tfcompat.lint.rule import UNSAFE, Invalid, Rule, Run

_BATCHING = ("batch", "padded_batch")


class ShuffleAfterBatch(Rule):
    """
    ## What it does
    Finds a tf.data pipeline that calls `.batch()` (or `.padded_batch()`) before
    `.shuffle()`, in one expression or over reassignments of one name.

    ## Why is this bad?
    After `batch`, the elements are whole batches: `shuffle` then reorders batches, and every
    batch holds the same neighbouring samples in every epoch. Gradient steps see correlated
    samples (sorted data gives single-class batches) and the model generalises worse.
    Shuffling samples first, then batching, gives new batches every epoch.

    ## Example
    ```python
    import tensorflow as tf

    ds = tf.data.Dataset.from_tensor_slices((x, y)).batch(32).shuffle(100)
    ```

    ## Use instead
    ```python
    import tensorflow as tf

    ds = tf.data.Dataset.from_tensor_slices((x, y)).shuffle(100).batch(32)
    ```

    ## Fix safety
    Unsafe: it swaps the two calls when they are next to each other. The shuffle buffer then
    counts samples, not batches (100 batches of 32 held 3,200 samples, the new buffer holds
    100): raise it if the data is sorted. Element order, and so seeded results, change. Not
    offered when other calls stand between them.

    ## Versions
    Every TF with tf.data (1.4+, `tf.contrib.data` 1.2-1.x). The swap is valid on every
    version. Rewrite run by tests/runtime/test_rewrites_run.py in tf115-keras231 and tf221.
    """

    code = "TFC502"
    name = "shuffle-after-batch"
    message = "`.shuffle()` after `.{batch}()` shuffles whole batches; shuffle samples, then batch"
    tokens = (("shuffle",), _BATCHING)
    called = True  # methods of a call chain
    fix = UNSAFE

    VALID = [
        """
        import tensorflow as tf
        ds = tf.data.Dataset.range(10).shuffle(10).batch(2)
        """,
        """
        def pipeline(ds):
            ds = ds.shuffle(1000)
            ds = ds.batch(32)
            return ds.prefetch(1)
        """,
        # Different branches of one `if`: never one after the other.
        """
        def windows(dataset, batch_size, shuffle):
            if batch_size is not None:
                dataset = dataset.batch(batch_size)
            elif shuffle:
                dataset = dataset.shuffle(1024)
            else:
                dataset = dataset.prefetch(1)
            return dataset
        """,
        # A Python list and NumPy: not a pipeline.
        """
        import random
        import numpy as np
        batch = make_batch(rows)
        random.shuffle(batch)
        np.random.shuffle(np.stack(batch))
        """,
    ]
    INVALID = [
        # A program: run before and after the fix (tests/runtime/test_rewrites_run.py).
        Invalid(
            """
            import numpy as np
            import tensorflow as tf
            x = np.ones((16, 2), "float32")
            y = np.ones((16, 1), "float32")
            ds = tf.data.Dataset.from_tensor_slices((x, y)).batch(4).shuffle(8).repeat()
            model = tf.keras.Sequential([tf.keras.layers.Dense(1, input_shape=(2,))])
            model.compile("sgd", "mse")
            result = model.fit(ds, epochs=2, steps_per_epoch=2, verbose=0).history["loss"]
            """,
            at=(5, 58),
            fixed="""
            import numpy as np
            import tensorflow as tf
            x = np.ones((16, 2), "float32")
            y = np.ones((16, 1), "float32")
            ds = tf.data.Dataset.from_tensor_slices((x, y)).shuffle(8).batch(4).repeat()
            model = tf.keras.Sequential([tf.keras.layers.Dense(1, input_shape=(2,))])
            model.compile("sgd", "mse")
            result = model.fit(ds, epochs=2, steps_per_epoch=2, verbose=0).history["loss"]
            """,
            run=Run(original=("tf115-keras231",), fixed=("tf115-keras231", "tf221"),
                    result=[2])),
        Invalid(
            """
            import tensorflow as tf
            ds = tf.data.Dataset.from_tensor_slices((x, y)).batch(32).shuffle(100)
            """,
            at=(2, 59),
            fixed="""
            import tensorflow as tf
            ds = tf.data.Dataset.from_tensor_slices((x, y)).shuffle(100).batch(32)
            """),
        Invalid(
            """
            def pipeline(ds, n):
                ds = ds.padded_batch(n, padded_shapes=[None])
                ds = ds.shuffle(buffer_size=8)
                return ds
            """,
            at=(3, 13),
            fixed="""
            def pipeline(ds, n):
                ds = ds.shuffle(buffer_size=8)
                ds = ds.padded_batch(n, padded_shapes=[None])
                return ds
            """),
        Invalid(
            """
            from tensorflow.contrib.data import Dataset
            ds = Dataset.from_tensor_slices(x).batch(4).repeat().shuffle(16)
            """,
            at=(2, 54)),
    ]

    def visit_Call(self, node):
        found = patterns.shuffle_after(self, node, _BATCHING)
        if found is not None:
            batch, fix = found
            self.report(node.func.attr, batch=patterns.method_name(batch), fix=fix)

from tfcompat.lint.analysis import chains, patterns
from tfcompat.lint.libcst_lazy import cst
from tfcompat.lint.rule import UNSAFE, Invalid, Rule, Run

_BATCHING = ("batch", "padded_batch")


class ShuffleAfterBatch(Rule):
    """
    ## What it does
    Finds a tf.data pipeline that calls `.batch()` (or `.padded_batch()`) before
    `.shuffle()`, in one expression or over reassignments of one name. Not when a `map` stands
    between them: it turns each batch into something else (the frames of a clip, a window's
    features), and what is shuffled may be the examples.

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
    Unsafe: swapping the two calls, with the buffer scaled to hold as many samples as before,
    changes the order of the elements (that is its point), and so seeded results.

    ## Versions
    Every TF with tf.data (1.4+, `tf.contrib.data` 1.2-1.x). The swap is valid on every
    version. Rewrite run by tests/runtime/test_rewrites_run.py in tf115-keras231 and tf221.
    """

    code = "TFC502"
    name = "shuffle-after-batch"
    message = "`.shuffle()` after `.{batch}()` shuffles whole batches"
    help = "shuffle samples, then batch"
    tokens = (("shuffle",), _BATCHING)
    called = True  # methods of a call chain
    fix_safety = UNSAFE

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
        # A map turns each batch of frames into one clip, and clips are shuffled.
        """
        def clips(frames, num_frames):
            dataset = frames.batch(num_frames, drop_remainder=True)
            dataset = dataset.map(features_from_batch)
            return dataset.shuffle(128)
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
            ds = tf.data.Dataset.from_tensor_slices((x, y)).shuffle(32).batch(4).repeat()
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
            ds = tf.data.Dataset.from_tensor_slices((x, y)).shuffle(3200).batch(32)
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
                ds = ds.shuffle(buffer_size=8 * n)
                ds = ds.padded_batch(n, padded_shapes=[None])
                return ds
            """),
        # Comments on the two statements would stay on their lines and describe the other
        # call: reported, not swapped.
        Invalid(
            """
            def pipeline(ds):
                ds = ds.batch(32)  # batch size
                ds = ds.shuffle(10)  # small buffer
                return ds
            """,
            at=(3, 13)),
        # Across an `if`: a conditional shuffle would become unconditional.
        Invalid(
            """
            def pipeline(ds, train):
                ds = ds.batch(32)
                if train:
                    ds = ds.shuffle(10)
                return ds
            """,
            at=(4, 17)),
        Invalid(
            """
            from tensorflow.contrib.data import Dataset
            ds = Dataset.from_tensor_slices(x).batch(4).repeat().shuffle(16)
            """,
            at=(2, 54)),
    ]

    def visit_Call(self, node):
        if patterns.method_name(node) != "shuffle":
            return
        found = chains.earlier_call(self, node, _BATCHING)
        if found is None:
            return
        calls, i = found
        if "map" in patterns.methods(self, calls[i + 1:-1]):
            return  # a map turns each batch into something else (a clip, a window's features)
        fix = self._fix(calls[i], node) if i == len(calls) - 2 else None
        self.report(node.func.attr, batch=patterns.method_name(calls[i]), edits=fix)

    def _fix(self, batch, shuffle):
        """The swap, with the buffer scaled by the batch size so that it holds as many
        samples as before (`batch(32).shuffle(10)`: 320 samples, so `shuffle(10 * 32)`)."""
        size = patterns.argument(batch, 0, "batch_size")
        buffer = patterns.argument(shuffle, 0, "buffer_size")
        if size is None or buffer is None:
            return None
        if not chains.swappable(self, batch, shuffle):
            return None
        product = _product(self.code_for(buffer.value), self.code_for(size.value))
        args = [a.with_changes(value=cst.parse_expression(product)) if a is buffer else a
                for a in shuffle.args]
        return chains.swap(self, batch, shuffle, second_args=args)


def _product(buffer, size):
    """``buffer * size`` as source text, worked out when both are integer literals."""
    if buffer.isdigit() and size.isdigit():
        return str(int(buffer) * int(size))
    wrap = lambda text: text if text.isidentifier() or text.isdigit() else "(%s)" % text  # noqa: E731
    return "%s * %s" % (wrap(buffer), wrap(size))

from tfcompat.lint.analysis import chains, patterns
from tfcompat.lint.rule import UNSAFE, Invalid, Rule, Run


class RepeatBeforeShuffle(Rule):
    """
    ## What it does
    Finds a tf.data pipeline that calls `.repeat()` before `.shuffle()`, in one expression or
    over reassignments of one name (`ds = ds.repeat()` then `ds = ds.shuffle(1000)`). Not
    TF's input-pipeline idiom, where the repeat acts on a file list whose files an
    `interleave` / `flat_map` turns into records: a shuffle of the file list just before that
    interleave, or of the records after it.

    ## Why is this bad?
    Shuffling a repeated dataset mixes elements of neighbouring epochs in the shuffle buffer:
    some samples are seen twice before others are seen once, and "an epoch" no longer means one
    pass over the data. Shuffling first, then repeating, gives every epoch each sample exactly
    once, in a new order each time (`reshuffle_each_iteration` defaults to True).

    ## Example
    ```python
    import tensorflow as tf

    ds = tf.data.Dataset.range(1000).repeat().shuffle(100)
    ```

    ## Use instead
    ```python
    import tensorflow as tf

    ds = tf.data.Dataset.range(1000).shuffle(100).repeat()
    ```

    ## Fix safety
    Unsafe: swapping the two calls changes the order of the elements (that is its point), and so
    the results of a seeded run.

    ## Versions
    Every TF with tf.data (1.4+, `tf.contrib.data` 1.2-1.x). The swap is valid on every
    version. Rewrite run by tests/runtime/test_rewrites_run.py in tf115-keras231 and tf221.
    """

    code = "TFC501"
    name = "repeat-before-shuffle"
    message = "`.shuffle()` after `.repeat()` mixes epochs"
    help = "shuffle first, then repeat"
    tokens = (("shuffle",), ("repeat",))
    called = True  # methods of a call chain
    fix_safety = UNSAFE

    VALID = [
        """
        import tensorflow as tf
        ds = tf.data.Dataset.range(10).shuffle(10).repeat()
        """,
        # Split over reassignments, in the right order.
        """
        def pipeline(ds):
            ds = ds.shuffle(1000)
            ds = ds.repeat()
            return ds.batch(32)
        """,
        # NumPy's repeat and shuffle are functions, not a pipeline.
        """
        import numpy as np
        x = np.repeat(a, 2)
        np.random.shuffle(x)
        rows = np.repeat(x, 3)
        rows = rows.reshape(-1)
        """,
        """
        import tensorflow as tf
        ds = ds.apply(tf.data.experimental.shuffle_and_repeat(1000)).repeat()
        """,
        # TF's input-pipeline idiom: repeat (and shuffle) the file list, interleave the
        # files' records, shuffle records. Epochs are counted in files, not samples.
        """
        import tensorflow as tf
        def records(pattern, files):
            d = tf.data.Dataset.list_files(pattern)
            d = d.repeat()
            d = d.shuffle(len(files))
            d = d.interleave(tf.data.TFRecordDataset, cycle_length=8)
            d = d.shuffle(100)
            return d.map(parse).batch(32)
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
            ds = tf.data.Dataset.from_tensor_slices((x, y))
            ds = ds.repeat()
            ds = ds.shuffle(16)
            ds = ds.batch(4)
            model = tf.keras.Sequential([tf.keras.layers.Dense(1, input_shape=(2,))])
            model.compile("sgd", "mse")
            result = model.fit(ds, epochs=2, steps_per_epoch=2, verbose=0).history["loss"]
            """,
            at=(7, 9),
            fixed="""
            import numpy as np
            import tensorflow as tf
            x = np.ones((16, 2), "float32")
            y = np.ones((16, 1), "float32")
            ds = tf.data.Dataset.from_tensor_slices((x, y))
            ds = ds.shuffle(16)
            ds = ds.repeat()
            ds = ds.batch(4)
            model = tf.keras.Sequential([tf.keras.layers.Dense(1, input_shape=(2,))])
            model.compile("sgd", "mse")
            result = model.fit(ds, epochs=2, steps_per_epoch=2, verbose=0).history["loss"]
            """,
            run=Run(original=("tf115-keras231",), fixed=("tf115-keras231", "tf221"),
                    result=[2])),
        Invalid(
            """
            import tensorflow as tf
            ds = tf.data.Dataset.range(100).repeat().shuffle(100)
            """,
            at=(2, 42),
            fixed="""
            import tensorflow as tf
            ds = tf.data.Dataset.range(100).shuffle(100).repeat()
            """),
        # One chain over reassignments of `ds`.
        Invalid(
            """
            def pipeline(ds):
                ds = ds.repeat()
                ds = ds.shuffle(1000)
                return ds
            """,
            at=(3, 13),
            fixed="""
            def pipeline(ds):
                ds = ds.shuffle(1000)
                ds = ds.repeat()
                return ds
            """),
        Invalid(
            """
            import tensorflow.compat.v1 as tf
            dataset = (tf.data.TFRecordDataset(files)
                       .repeat(count=3)
                       .shuffle(buffer_size=64, seed=1))
            """,
            at=(4, 13),
            fixed="""
            import tensorflow.compat.v1 as tf
            dataset = (tf.data.TFRecordDataset(files)
                       .shuffle(buffer_size=64, seed=1)
                       .repeat(count=3))
            """),
        # Across an `if`: a conditional repeat would become unconditional.
        Invalid(
            """
            def pipeline(ds, train):
                if train:
                    ds = ds.repeat()
                ds = ds.shuffle(5)
                return ds
            """,
            at=(4, 13)),
        # Comments would stay on their lines and describe the other call.
        Invalid(
            """
            import tensorflow as tf
            ds = (tf.data.Dataset.range(10).repeat()  # forever
                  .shuffle(10))  # small buffer
            """,
            at=(3, 8)),
        # A map in between: reported, not swapped.
        Invalid(
            """
            from tensorflow.data import Dataset
            dataset = Dataset.from_tensor_slices(x).repeat()
            dataset = dataset.map(parse).shuffle(64)
            """,
            at=(3, 30)),
    ]

    def visit_Call(self, node):
        if patterns.method_name(node) != "shuffle":
            return
        found = chains.earlier_call(self, node, ("repeat",))
        if found is None:
            return
        calls, i = found
        # Repeating a file list, then interleaving its files and shuffling records (or
        # shuffling the repeated file list before the interleave): TF's own idiom.
        if chains.expands_between(self, calls, i + 1, len(calls) - 1) \
                or chains.expanded_next(self, node):
            return
        fix = chains.swap(self, calls[i], node) if i == len(calls) - 2 else None
        self.report(node.func.attr, edits=fix)

import libcst as cst

from tfcompat.lint import patterns, provenance
from tfcompat.lint.rule import UNSAFE, Invalid, Rule, Run


class DatasetNumpyRoundtrip(Rule):
    """
    ## What it does
    Finds a generator that fetches the next element of a tf.data iterator through a session,
    `yield sess.run(iterator.get_next())` or `K.get_session().run(next_batch)`, when it feeds
    Keras: its call (directly, through a name, or from a function returning it) is the data of
    a `fit` / `evaluate` / `predict` (or `*_generator`) call in the module. Generators feeding
    something else (a TFLite converter, a TFRecord writer, metrics) are left alone.

    ## Why is this bad?
    Every batch goes tensor -> NumPy -> tensor: TensorFlow computes it, copies it out to
    Python, and Keras copies it back in, one Python call per step (on TF 1.15, many times
    slower than the same data through `fit`: see bench/results). The generator also ties the
    pipeline to one graph and session, which Keras' worker threads do not share (TFC101).

    ## Example
    ```python
    def batches(dataset, sess):
        iterator = dataset.make_one_shot_iterator()
        next_element = iterator.get_next()
        while True:
            yield sess.run(next_element)

    model.fit_generator(batches(dataset, sess), steps_per_epoch=100)
    ```

    ## Use instead
    ```python
    import tfcompat

    def batches(dataset, sess):
        yield from tfcompat.numpy_batches(dataset)

    model.fit_generator(batches(dataset, sess), steps_per_epoch=100)
    ```
    or, better where the Keras version allows it, pass the dataset itself to `fit`
    (tf.keras TF 1.9+, Keras 3) or to `tfcompat.fit(model, dataset)`.

    ## Fix safety
    Unsafe: for a one-shot iterator read by a `while True:` loop that only fetches and yields,
    the fix replaces the loop with `yield from tfcompat.numpy_batches(dataset)` (adding
    `import tfcompat`), which builds the iterator once in the dataset's graph, runs it in its
    own session (or eagerly on TF 2) and can be read from any thread. The batches are the
    same; the session that runs them is not the one named in the loop, so code relying on
    that session's state (variables the pipeline reads) must pass it on. Not offered for
    initializable or feedable iterators, whose initialisation the loop's owner controls.

    ## Versions
    Session-run generators: TF 1.x graph mode. `tfcompat.numpy_batches` runs on TF 1.4+,
    eagerly on TF 2 and Keras 3. Rewrite run by tests/runtime/test_rewrites_run.py in
    tf115-keras231 (target 1.15) and tf221 (target 2.16).
    """

    code = "TFC103"
    name = "dataset-numpy-roundtrip"
    message = "generator turns tf.data batches into NumPy through `{run}` to feed Keras"
    help = "pass the dataset to fit (tf.keras TF >= 1.9), or use tfcompat.numpy_batches(dataset)"
    tokens = ("get_next",)
    fix = UNSAFE
    fix_tf = "dataset_in_core"

    VALID = [
        # Batches for a TFLite converter, not for Keras.
        """
        def representative_dataset():
            iterator = dataset.make_initializable_iterator()
            session.run(iterator.initializer)
            next_element = iterator.get_next()
            for _ in range(100):
                yield [session.run(next_element)]
        converter.representative_dataset = representative_dataset
        """,
        # Records read back from TFRecord files.
        """
        def read_records(dataset):
            record = dataset.make_one_shot_iterator().get_next()
            with tf.Session() as sess:
                while True:
                    yield sess.run(record)
        for ex in read_records(ds):
            writer.write(ex)
        """,
        # A training loop, not a generator.
        """
        it = ds.make_one_shot_iterator()
        batch = it.get_next()
        while True:
            x = sess.run(batch)
        """,
        # A generator that runs something else than an iterator.
        """
        def losses(sess):
            for step in range(10):
                yield sess.run(loss, feed_dict={x: step})
        """,
        """
        import tfcompat
        def batches(dataset):
            yield from tfcompat.numpy_batches(dataset)
        """,
    ]
    INVALID = [
        # A program: run before and after the fix (tests/runtime/test_rewrites_run.py).
        Invalid(
            """
            import numpy as np
            import tensorflow as tf
            def batches(sess):
                ds = tf.data.Dataset.from_tensor_slices(np.ones((4, 2), "float32")).batch(2)
                iterator = tf.compat.v1.data.make_one_shot_iterator(ds)
                next_batch = iterator.get_next()
                while True:
                    yield sess.run(next_batch)
            def train(model, sess):
                return model.fit(batches(sess), steps_per_epoch=2)
            with tf.compat.v1.Session() as sess:
                result = next(batches(sess))
            """,
            at=(8, 15), target_tf="2.16",
            fixed="""
            import numpy as np
            import tensorflow as tf
            import tfcompat
            def batches(sess):
                ds = tf.data.Dataset.from_tensor_slices(np.ones((4, 2), "float32")).batch(2)
                iterator = tf.compat.v1.data.make_one_shot_iterator(ds)
                next_batch = iterator.get_next()
                yield from tfcompat.numpy_batches(ds)
            def train(model, sess):
                return model.fit(batches(sess), steps_per_epoch=2)
            with tf.compat.v1.Session() as sess:
                result = next(batches(sess))
            """,
            run=Run(original=("tf115-keras231", "tf221"), fixed=("tf115-keras231", "tf221"),
                    result=[2, 2])),
        # The seed's generator.
        Invalid(
            """
            import tensorflow as tf
            def create_data_generator(sess):
                ds = tf.data.Dataset.range(8).batch(4)
                iterator = ds.make_one_shot_iterator()
                while True:
                    next_val = iterator.get_next()
                    yield sess.run(next_val)
            model.fit_generator(create_data_generator(sess), steps_per_epoch=2)
            """,
            at=(7, 15), target_tf="1.15",
            fixed="""
            import tensorflow as tf
            import tfcompat
            def create_data_generator(sess):
                ds = tf.data.Dataset.range(8).batch(4)
                iterator = ds.make_one_shot_iterator()
                yield from tfcompat.numpy_batches(ds)
            model.fit_generator(create_data_generator(sess), steps_per_epoch=2)
            """),
        # Keras' session, the get_next hoisted, the function form of the iterator.
        Invalid(
            """
            import keras.backend as K
            import tensorflow as tf
            def tfdata_generator(dataset):
                iterator = tf.compat.v1.data.make_one_shot_iterator(dataset)
                next_batch = iterator.get_next()
                while True:
                    inputs, labels = K.get_session().run(next_batch)
                    yield inputs, labels
            train_batches = tfdata_generator(train_ds)
            model.fit(train_batches, steps_per_epoch=10)
            """,
            at=(7, 26), target_tf="2.16",
            fixed="""
            import keras.backend as K
            import tensorflow as tf
            import tfcompat
            def tfdata_generator(dataset):
                iterator = tf.compat.v1.data.make_one_shot_iterator(dataset)
                next_batch = iterator.get_next()
                yield from tfcompat.numpy_batches(dataset)
            train_batches = tfdata_generator(train_ds)
            model.fit(train_batches, steps_per_epoch=10)
            """),
        # An initializable iterator fed by placeholders: reported only.
        Invalid(
            """
            from tensorflow.keras import backend as K
            def generator(dataset, feed):
                iterator = dataset.make_initializable_iterator()
                next_val = iterator.get_next()
                with K.get_session().as_default() as sess:
                    sess.run(iterator.initializer, feed_dict=feed)
                    while True:
                        yield sess.run(next_val)
            def make_batches(dataset, feed):
                return generator(dataset, feed)
            model.predict_generator(make_batches(test_ds, feed), steps=4)
            """,
            at=(8, 19), target_tf="1.15"),
    ]

    def visit_Call(self, node):
        if patterns.method_name(node) != "run" or not patterns.runs_tensors(self, node):
            return
        function = patterns.enclosing_function(self.context.ancestors)
        if not patterns.is_generator(function) or not provenance.feeds_keras(self, function):
            return  # NumPy batches for something else (a TFLite converter, a writer, metrics)
        found = patterns.get_next_of(self, node.args[0].value)
        if found is None:
            return
        label = "%s.run" % self.code_for(node.func.value)
        self.report(node, run=label, fix=self._fix(node, *found))

    def _fix(self, run, get_next, maker):
        dataset = patterns.iterator_dataset(self, maker)
        loops = self.loops()
        if dataset is None or not loops or not self._only_fetches(loops[0].node, run, get_next):
            return None
        numpy_batches, edits = self.require("tfcompat.numpy_batches", module="tfcompat",
                                            alias="tfcompat")
        text = "yield from %s(%s)" % (numpy_batches, self.code_for(dataset))
        return edits + [self.replace(loops[0].node, text)]

    def _only_fetches(self, loop, run, get_next):
        """Whether ``loop`` is `while True:` doing nothing but fetch and yield ``run``."""
        if not (isinstance(loop, cst.While) and patterns.is_literal(loop.test, True)) \
                or loop.orelse is not None:
            return False
        statements = list(loop.body.body)
        smalls = [s.body[0] for s in statements
                  if isinstance(s, cst.SimpleStatementLine) and len(s.body) == 1]
        if len(smalls) != len(statements):
            return False
        while smalls and isinstance(smalls[0], cst.Assign) and smalls[0].value is get_next:
            smalls.pop(0)
        if len(smalls) == 1:
            return isinstance(smalls[0], cst.Expr) and isinstance(smalls[0].value, cst.Yield) \
                and smalls[0].value.value is run
        if len(smalls) == 2 and isinstance(smalls[0], cst.Assign) and smalls[0].value is run:
            yielded = smalls[1].value if isinstance(smalls[1], cst.Expr) else None
            targets = [self.code_for(t.target) for t in smalls[0].targets]
            return isinstance(yielded, cst.Yield) and yielded.value is not None \
                and _bare(self.code_for(yielded.value)) in [_bare(t) for t in targets]
        return False


def _bare(text):
    return text.replace(" ", "").strip("()")

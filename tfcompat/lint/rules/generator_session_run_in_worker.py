from tfcompat.lint.analysis import patterns, provenance
from tfcompat.lint.libcst_lazy import cst
from tfcompat.lint.rule import UNSAFE, Invalid, Rule, Run

_FEEDS = provenance.FEEDING_METHODS


class GeneratorSessionRunInWorker(Rule):
    """
    ## What it does
    Finds a generator that runs graph tensors (`sess.run(...)`, `K.get_session().run(...)`,
    `tensor.eval()`) handed to Keras `fit_generator` / `evaluate_generator` /
    `predict_generator` (or `fit` / `evaluate` / `predict`) without `workers=0`.

    ## Why is this bad?
    Keras pulls batches from a generator in background threads. TensorFlow's default graph
    and default session are thread-local, so the generator's first `sess.run` happens in a
    thread whose default graph is not the one its tensors belong to: "ValueError: Tensor
    Tensor("IteratorGetNext:0", ...) is not an element of this graph" (the seed's error), or a
    hang, or batches from a second session. Calling `next(gen)` once before `fit` hides it.

    ## Example
    ```python
    def batches():
        while True:
            yield sess.run(next_batch)

    model.fit_generator(batches(), steps_per_epoch=100)
    ```

    ## Use instead
    ```python
    def batches():
        while True:
            yield sess.run(next_batch)

    model.fit_generator(batches(), steps_per_epoch=100, workers=0)
    ```

    ## Fix safety
    Unsafe: `workers=0` runs the generator on the calling thread, where its graph and session
    are, so Keras reads no batch ahead in the background (slower input, same batches); it needs
    Keras 2.1.2 or later (older Keras waits forever), which `target-tf` does not tell for
    standalone Keras.

    ## Versions
    `workers=0` Keras 2.1.2+ (tf.keras TF 1.8+ graph mode); Keras 3 has no `workers` on `fit`.
    Rewrite run by tests/runtime/test_rewrites_run.py in tf115-keras231 (target 1.15).
    """

    code = "TFC101"
    name = "generator-session-run-in-worker"
    message = ("`{generator}` runs graph tensors in Keras' worker threads, whose default graph is "
               "not its own")
    help = "pass workers=0 (Keras >= 2.1.2), or feed the dataset itself to fit"
    # A session run or eval, in a generator function (yield), fed to Keras.
    tokens = (("run", "eval"), ("yield",), _FEEDS)
    fix_safety = UNSAFE

    VALID = [
        """
        def batches():
            while True:
                yield sess.run(next_batch)
        model.fit_generator(batches(), steps_per_epoch=10, workers=0)
        """,
        # A generator of NumPy batches runs no tensor.
        """
        import numpy as np
        def batches():
            while True:
                yield np.ones((4, 1)), np.ones((4, 1))
        model.fit_generator(batches(), steps_per_epoch=10, workers=4)
        """,
        # Not handed to Keras.
        """
        def batches():
            while True:
                yield sess.run(next_batch)
        for batch in batches():
            print(batch)
        model.fit(x, y)
        """,
    ]
    INVALID = [
        # A program: run before and after the fix (tests/runtime/test_rewrites_run.py).
        Invalid(
            """
            import numpy as np
            import tensorflow as tf
            import keras.backend as K
            from keras.layers import Dense, Input
            from keras.models import Model
            def batches():
                ones = np.ones((8, 1), "float32")
                ds = tf.data.Dataset.from_tensor_slices((ones, ones)).repeat().batch(4)
                next_batch = tf.compat.v1.data.make_one_shot_iterator(ds).get_next()
                while True:
                    yield K.get_session().run(next_batch)
            inputs = Input(shape=(1,))
            model = Model(inputs, Dense(1)(inputs))
            model.compile("sgd", "mse")
            history = model.fit_generator(batches(), steps_per_epoch=2, epochs=2, verbose=0)
            result = history.history["loss"]
            """,
            at=(15, 31), target_tf="1.15",
            fixed="""
            import numpy as np
            import tensorflow as tf
            import keras.backend as K
            from keras.layers import Dense, Input
            from keras.models import Model
            def batches():
                ones = np.ones((8, 1), "float32")
                ds = tf.data.Dataset.from_tensor_slices((ones, ones)).repeat().batch(4)
                next_batch = tf.compat.v1.data.make_one_shot_iterator(ds).get_next()
                while True:
                    yield K.get_session().run(next_batch)
            inputs = Input(shape=(1,))
            model = Model(inputs, Dense(1)(inputs))
            model.compile("sgd", "mse")
            history = model.fit_generator(batches(), steps_per_epoch=2, epochs=2, verbose=0, workers=0)
            result = history.history["loss"]
            """,  # noqa: E501
            run=Run(original=("tf115-keras231",), fixed=("tf115-keras231",), result=[2])),
        # The seed: a session opened around the generator, the generator passed by name.
        Invalid(
            """
            import tensorflow as tf
            from keras.models import Model
            with tf.Session() as sess:
                def create_data_generator():
                    iterator = ds.make_one_shot_iterator()
                    next_val = iterator.get_next()
                    while True:
                        yield sess.run(next_val)
            datagen = create_data_generator()
            model.fit_generator(datagen, steps_per_epoch=1, epochs=5,
                                verbose=2, max_queue_size=2)
            """,
            at=(10, 21), target_tf="1.15",
            fixed="""
            import tensorflow as tf
            from keras.models import Model
            with tf.Session() as sess:
                def create_data_generator():
                    iterator = ds.make_one_shot_iterator()
                    next_val = iterator.get_next()
                    while True:
                        yield sess.run(next_val)
            datagen = create_data_generator()
            model.fit_generator(datagen, steps_per_epoch=1, epochs=5,
                                verbose=2, max_queue_size=2, workers=0)
            """),
        # Keras' own session, an explicit worker count.
        Invalid(
            """
            import keras.backend as K
            def tfdata_generator(next_batch):
                while True:
                    yield K.get_session().run(next_batch)
            model.fit_generator(generator=tfdata_generator(batch), workers=4, steps_per_epoch=5)
            """,
            at=(5, 31), target_tf="1.15",
            fixed="""
            import keras.backend as K
            def tfdata_generator(next_batch):
                while True:
                    yield K.get_session().run(next_batch)
            model.fit_generator(generator=tfdata_generator(batch), workers=0, steps_per_epoch=5)
            """),
        Invalid(
            """
            from tensorflow.keras import backend as K
            def batches(images):
                while True:
                    yield images.eval(), labels.eval(session=K.get_session())
            scores = model.evaluate_generator(batches(x), steps=3)
            """,
            at=(5, 35), target_tf="1.14",
            fixed="""
            from tensorflow.keras import backend as K
            def batches(images):
                while True:
                    yield images.eval(), labels.eval(session=K.get_session())
            scores = model.evaluate_generator(batches(x), steps=3, workers=0)
            """),
        # A Keras 3 target: no workers to set; reported with what to do instead.
        Invalid(
            """
            def batches():
                while True:
                    yield session.run(next_batch)
            model.fit(batches(), steps_per_epoch=10)
            """,
            at=(4, 11), target_tf="2.16"),
        # The gate's shapes (may_fire): a session bound to another name.
        Invalid(
            """
            import tensorflow.compat.v1 as tf
            def batches(next_batch):
                with tf.Session() as s:
                    while True:
                        yield s.run(next_batch)
            model.fit(batches(next_batch), steps_per_epoch=10)
            """,
            at=(6, 11), target_tf="1.15",
            fixed="""
            import tensorflow.compat.v1 as tf
            def batches(next_batch):
                with tf.Session() as s:
                    while True:
                        yield s.run(next_batch)
            model.fit(batches(next_batch), steps_per_epoch=10, workers=0)
            """),
    ]

    @classmethod
    def may_fire(cls, names):
        return not names.called.isdisjoint(_FEEDS) and patterns.may_run_tensors(names)

    def visit_Call(self, node):
        if patterns.method_name(node) not in _FEEDS or self.qualified_name(node.func):
            return
        arg = patterns.data_argument(node)
        generator = patterns.generator_function(self, arg.value) if arg is not None else None
        if generator is None or not any(patterns.runs_tensors(self, call) for call in
                                        patterns.own_nodes(generator, (cst.Call,))):
            return
        workers = patterns.keyword(node, "workers")
        if workers is not None and patterns.is_literal(workers, 0):
            return
        label = "%s()" % generator.name.value
        if self.target_at_least("tf_keras_is_keras3"):
            self.report(arg.value, "`%s` runs graph tensors, which Keras 3 (TF 2.16+) cannot: "
                        "no sessions, no workers=0" % label,
                        help="feed the tf.data Dataset to fit itself, or "
                        "tfcompat.fit(model, dataset)")
            return
        self.report(arg.value, generator=label,
                    edits=[self.replace(node, patterns.with_keyword(node, "workers", "0"))])

from tfcompat.lint.analysis import namespaces, patterns, provenance, qualnames, scopes
from tfcompat.lint.analysis.prefilter import via
from tfcompat.lint.libcst_lazy import cst
from tfcompat.lint.rule import SAFE, UNSAFE, Invalid, Rule, Run, Valid

# Queue-runner inputs (canonical names) and the tf.data spelling of each.
_BATCH = ("`tf.data.Dataset.from_tensor_slices(tuple(tensors))` (enqueue_many=True; one "
          "example per enqueue: the reader's dataset itself)")
_MAPPING = {
    "tensorflow.train.shuffle_batch":
        _BATCH + "`.shuffle(capacity).repeat().batch(batch_size, drop_remainder=True)`",
    "tensorflow.train.maybe_shuffle_batch":
        _BATCH + "`.shuffle(capacity).repeat().filter(keep).batch(batch_size)`",
    "tensorflow.train.shuffle_batch_join":
        "`tf.data.Dataset.sample_from_datasets([...]).shuffle(capacity).repeat()"
        ".batch(batch_size, drop_remainder=True)`",
    "tensorflow.train.batch": _BATCH + "`.repeat().batch(batch_size, drop_remainder=True)`",
    "tensorflow.train.maybe_batch": _BATCH + "`.repeat().filter(keep).batch(batch_size)`",
    "tensorflow.train.batch_join":
        "`tf.data.Dataset.sample_from_datasets([...]).repeat().batch(batch_size, "
        "drop_remainder=True)`",
    "tensorflow.train.string_input_producer":
        "`tf.data.TFRecordDataset(files)` (or `TextLineDataset`), with "
        "`Dataset.from_tensor_slices(files).shuffle(len(files)).interleave(...)` for "
        "shuffle=True and `.repeat(num_epochs)`",
    "tensorflow.train.input_producer": "`tf.data.Dataset.from_tensor_slices(x).repeat(num_epochs)`",
    "tensorflow.train.range_input_producer": "`tf.data.Dataset.range(limit).repeat(num_epochs)`",
    "tensorflow.train.slice_input_producer":
        "`tf.data.Dataset.from_tensor_slices(tuple(tensors)).shuffle(capacity)"
        ".repeat(num_epochs)`",
    "tensorflow.TFRecordReader": "`tf.data.TFRecordDataset(files)`; `.map()` the parsing",
    "tensorflow.TextLineReader": "`tf.data.TextLineDataset(files)`",
    "tensorflow.FixedLengthRecordReader": "`tf.data.FixedLengthRecordDataset(files, record_bytes)`",
    "tensorflow.WholeFileReader":
        "`tf.data.Dataset.from_tensor_slices(files).map(tf.io.read_file)`",
    "tensorflow.train.start_queue_runners":
        "nothing: a tf.data pipeline runs without queue-runner threads (delete it and its "
        "Coordinator's request_stop/join)",
    "tensorflow.train.QueueRunner": "a tf.data pipeline (no threads to run)",
    "tensorflow.train.add_queue_runner": "a tf.data pipeline (no threads to run)",
}

assert set(_MAPPING) == qualnames.QUEUE_RUNNERS
# The batchers rewritten to tf.data, with their parameters in order (TF 1.15), and the ones
# the rewrite cannot carry (dynamic padding, shapes of their own, a shared queue).
_BATCHERS = {
    "tensorflow.train.shuffle_batch": (
        "tensors", "batch_size", "capacity", "min_after_dequeue", "num_threads", "seed",
        "enqueue_many", "shapes", "allow_smaller_final_batch", "shared_name", "name"),
    "tensorflow.train.batch": (
        "tensors", "batch_size", "num_threads", "capacity", "enqueue_many", "shapes",
        "dynamic_pad", "allow_smaller_final_batch", "shared_name", "name"),
}
_UNSUPPORTED = ("shapes", "dynamic_pad", "shared_name")


class QueueRunnerInput(Rule):
    """
    ## What it does
    Finds TF 1's queue-runner input pipeline: `tf.train.shuffle_batch` / `batch` (and the
    `_join` / `maybe_` forms), `string_input_producer` and the other producers, the readers
    (`tf.TFRecordReader`, `TextLineReader`, `FixedLengthRecordReader`, `WholeFileReader`),
    `start_queue_runners`, `QueueRunner`. Spelled `tf.train.*` for every target (TF 2 is within
    reach of each: docs/target-tf.md); spelled
    through `tf.compat.v1` too, unless the module's code runs in graph mode (it turns eager
    execution off, or builds placeholders, which raise under eager: its package turns eager
    off) and either its Keras stays Keras 2 (keras-target `tf_keras`)
    or the module uses no Keras that could take the tensors.

    ## Why is this bad?
    TF 2 removed them from its API (`AttributeError: module 'tensorflow._api.v2.train' has no
    attribute 'shuffle_batch'`). `tf.compat.v1` keeps them, but they only run in graph mode
    with a session and queue-runner threads (`RuntimeError: Queue-based input pipelines have
    been replaced by tf.data` under eager execution), and the graph tensors they give cannot
    feed Keras 3 at all (`Input(tensor=...)` is gone). `tf.data` does the same work: a
    dataset handed to `fit`.

    ## Example
    ```python
    import tensorflow as tf

    x_batch, y_batch = tf.train.shuffle_batch([x, y], batch_size=32, capacity=2000,
                                              min_after_dequeue=1000, enqueue_many=True)
    ```

    ## Use instead
    ```python
    import tensorflow as tf

    dataset = (tf.data.Dataset.from_tensor_slices((x, y)).shuffle(2000).repeat()
               .batch(32, drop_remainder=True))
    model.fit(dataset, steps_per_epoch=len(x) // 32, epochs=10)
    ```

    The mapping, argument by argument:
    - the tensors list: `from_tensor_slices(tuple(tensors))` with `enqueue_many=True` (each
      row is an example); with `enqueue_many=False` the tensors are one example from a
      reader, so the reader's dataset (`TFRecordDataset(files).map(parse)`) is the source.
    - repetition: the queue runner enqueues its input forever (producers: `num_epochs`
      times), so `.repeat()` (`.repeat(num_epochs)`); after the shuffle, so that epochs
      stay apart (the queue mixes rows across epoch boundaries: TFC501).
    - `capacity` / `min_after_dequeue`: a `RandomShuffleQueue` holds up to `capacity`
      examples and dequeues only above `min_after_dequeue`; tf.data's shuffle buffer is kept
      full, so `shuffle(capacity)` mixes at least as well (`min_after_dequeue` only set how
      long the queue filled before the first batch).
    - `batch_size`: `.batch(batch_size, drop_remainder=not allow_smaller_final_batch)`.
    - `num_threads`: `num_parallel_calls` of the `map` that parses, and `.prefetch()`.
    - `seed`: `shuffle(..., seed=seed)`.
    - `string_input_producer(files, num_epochs, shuffle)` + `TFRecordReader().read(queue)`
      + `parse_single_example`: `TFRecordDataset(files)` (files shuffled:
      `from_tensor_slices(files).shuffle(len(files)).interleave(tf.data.TFRecordDataset)`),
      `.map(lambda r: tf.io.parse_single_example(r, features))`, `.repeat(num_epochs)`.
    - `start_queue_runners`, `Coordinator.request_stop()` / `join()`: deleted.

    ## Fix safety
    In graph-mode code, whose tensors these are. Safe: `tf.train.X` -> `tf.compat.v1.train.X`,
    the very object it was on TF 1.13-1.15, where the target's Keras is Keras 2 or the module
    uses no Keras. Unsafe: a batching statement rewritten onto tf.data keeps the batches' size
    and rows, but not their order (tf.data reshuffles each epoch, where the queue mixed rows
    across epochs).
    On a Keras 3 target (TF >= 2.16), in any mode, where the batches feed a model
    (`Input(tensor=a)`, `compile(target_tensors=[b])`): unsafe, the whole pipeline moves onto
    the dataset `fit` takes. The batch statement becomes the dataset, each later `a = f(a)` a
    `.map` of the same ops, `a.shape` the dataset's `element_spec`; the model is built on
    `Input(shape=...)`, compiled without `target_tensors`, and each of its `fit` / `evaluate`
    calls given no data (in the module, or in a callback class it is handed to once, as
    Keras' own examples validate) gets the dataset. Keras then draws batches per epoch (each
    `evaluate` from the dataset's start), not from one endless queue. Once no queue is left,
    `start_queue_runners` and the Coordinator's `request_stop` / `join` (and the `Coordinator`
    nothing else reads) are deleted in eager code: unsafe, as under eager execution the call
    raised. Anything else reading the batches, or a model given no dataset this way: reported
    only (`K.get_session()` left unread then goes by TFC405).

    ## Versions
    Queue runners: TF 0.x to 1.15 in `tf.train`; `tf.compat.v1.train`, graph mode only, on
    TF 2; no Keras 3 model can take their tensors (TF 2.16+). Reported for TF 2 targets and
    an unknown one (the newest TF); both rewrites need TF 1.13+ (`tf.compat.v1`) and are run
    by tests/runtime/test_rewrites_run.py in tf115-keras231 (original and fixed) and
    tf221-tfkeras (fixed); the Keras 3 rewrite needs a TF 2.16+ target and runs in tf221 and
    tf221-tfkeras (Keras 3's `keras`), where the original fails.
    """

    code = "TFC411"
    name = "queue-runner-input"
    message = ("`{name}` is a queue-runner input: gone from TF 2's API, graph mode only "
               "through tf.compat.v1{keras3}")
    help = "use tf.data: {mapping}"
    # Its last name, and the first after `tensorflow` (`train`, or a reader's own): no import
    # or chain reaches `tensorflow.train.batch` without writing `train`.
    tokens = (tuple(sorted({name.rsplit(".", 1)[-1] for name in _MAPPING})),
              tuple(sorted({name.split(".")[1] for name in _MAPPING})))
    modules = (via(*_MAPPING),)  # it reports attributes qualified to one of them
    fix_safety = SAFE
    fix_tf = "compat_v1"

    @classmethod
    def may_fire(cls, names):
        # It reports only attributes qualified to one of _MAPPING (an import's too).
        return qualnames.names_any(names.qualified, _MAPPING)

    VALID = [
        # Keras 2 on TF 2.x runs compat.v1 code in graph mode.
        Valid(
            """
            import tensorflow as tf
            tf.compat.v1.disable_eager_execution()
            xb, yb = tf.compat.v1.train.batch([x, y], 32)
            """,
            target_tf="2.10"),
        Valid(
            """
            import tensorflow.compat.v1 as tf
            tf.disable_v2_behavior()
            xb, yb = tf.train.batch([x, y], 32)
            """,
            target_tf="2.16", keras_target="tf_keras"),
        # Placeholders only run in graph mode, so the queues do too (a package's __init__
        # turns eager off), and without Keras in the module Keras 3 never sees the tensors.
        Valid(
            """
            import tensorflow.compat.v1 as tf
            x = tf.placeholder(tf.float32, [None, 4])
            xb = tf.train.shuffle_batch([x], 8, capacity=64, min_after_dequeue=16)
            """,
            target_tf="2.16"),
        # Not tf.train's.
        "import tensorflow as tf\nds = tf.data.Dataset.range(8).batch(2)",
    ]
    INVALID = [
        Invalid(
            """
            import tensorflow as tf
            xb, yb = tf.train.shuffle_batch([x, y], 32, 2000, 1000, enqueue_many=True)
            """,
            at=(2, 10), target_tf="2.0"),
        # Graph-mode code for Keras 2 (tf_keras): the compat.v1 spelling runs (a program).
        Invalid(
            """
            import numpy as np
            import tensorflow as tf
            tf.compat.v1.disable_eager_execution()
            x = np.arange(8, dtype="float32").reshape(8, 1)
            xb = tf.train.batch([x], 4, enqueue_many=True)
            with tf.compat.v1.Session() as sess:
                coord = tf.train.Coordinator()
                threads = tf.compat.v1.train.start_queue_runners(sess, coord)
                result = sess.run(xb)
                coord.request_stop()
                coord.join(threads)
            """,
            at=(5, 6), target_tf="2.16", keras_target="tf_keras",
            fixed="""
            import numpy as np
            import tensorflow as tf
            tf.compat.v1.disable_eager_execution()
            x = np.arange(8, dtype="float32").reshape(8, 1)
            xb = tf.compat.v1.train.batch([x], 4, enqueue_many=True)
            with tf.compat.v1.Session() as sess:
                coord = tf.train.Coordinator()
                threads = tf.compat.v1.train.start_queue_runners(sess, coord)
                result = sess.run(xb)
                coord.request_stop()
                coord.join(threads)
            """,
            run=Run(original=("tf115-keras231",), fixed=("tf115-keras231", "tf221-tfkeras"),
                    result=[4, 1])),
        Invalid(
            """
            import tensorflow as tf
            queue = tf.train.string_input_producer(["a.tfrecord"])
            """,
            at=(2, 9), target_tf="2.16"),
        Invalid(
            """
            import tensorflow as tf
            _, record = tf.TFRecordReader().read(queue)
            """,
            at=(2, 13)),
        # In-memory rows, graph mode: the tf.data pipeline (a program).
        Invalid(
            """
            import numpy as np
            import tensorflow as tf
            tf.compat.v1.disable_eager_execution()
            x = np.arange(16, dtype="float32").reshape(8, 2)
            y = np.arange(8, dtype="int32")
            xb, yb = tf.train.shuffle_batch([x, y], batch_size=4, capacity=8,
                                            min_after_dequeue=2, enqueue_many=True)
            with tf.compat.v1.Session() as sess:
                coord = tf.train.Coordinator()
                threads = tf.compat.v1.train.start_queue_runners(sess, coord)
                result = sess.run(xb + tf.cast(yb, tf.float32)[:, None])
                coord.request_stop()
                coord.join(threads)
            """,
            at=(6, 10), target_tf="2.16", keras_target="tf_keras", safety=UNSAFE,
            fixed="""
            import numpy as np
            import tensorflow as tf
            tf.compat.v1.disable_eager_execution()
            x = np.arange(16, dtype="float32").reshape(8, 2)
            y = np.arange(8, dtype="int32")
            xb, yb = tf.compat.v1.data.make_one_shot_iterator(
                tf.data.Dataset.from_tensor_slices((x, y))
                .shuffle(8).repeat().batch(4, drop_remainder=True)).get_next()
            with tf.compat.v1.Session() as sess:
                coord = tf.train.Coordinator()
                threads = tf.compat.v1.train.start_queue_runners(sess, coord)
                result = sess.run(xb + tf.cast(yb, tf.float32)[:, None])
                coord.request_stop()
                coord.join(threads)
            """,
            run=Run(original=("tf115-keras231",), fixed=("tf115-keras231", "tf221-tfkeras"),
                    result=[4, 2])),
        # tf.train.batch, through tensorflow.compat.v1, for a Keras 3 target: reported there.
        Invalid(
            """
            import keras
            import tensorflow.compat.v1 as tf
            tf.disable_eager_execution()
            enqueue_many = True
            xb, yb = tf.train.batch(tensors=[x, y], batch_size=32, enqueue_many=enqueue_many)
            """,
            at=(5, 10), target_tf="2.16", safety=UNSAFE,
            fixed="""
            import keras
            import tensorflow.compat.v1 as tf
            tf.disable_eager_execution()
            enqueue_many = True
            xb, yb = tf.data.make_one_shot_iterator(
                tf.data.Dataset.from_tensor_slices((x, y))
                .repeat().batch(32, drop_remainder=True)).get_next()
            """),
        # Single examples (enqueue_many=False): the reader's dataset is the source; respelled.
        Invalid(
            """
            import tensorflow as tf
            tf.compat.v1.disable_eager_execution()
            xb, yb = tf.train.batch([x, y], 32)
            """,
            at=(3, 10), target_tf="2.16",
            fixed="""
            import tensorflow as tf
            tf.compat.v1.disable_eager_execution()
            xb, yb = tf.compat.v1.train.batch([x, y], 32)
            """),
        # compat.v1 spellings in eager code: the queue ops raise.
        Invalid(
            """
            import tensorflow as tf
            xb, yb = tf.compat.v1.train.batch([x, y], 32)
            """,
            at=(2, 10), target_tf="2.10"),
        # compat.v1 spellings, Keras 3 target.
        Invalid(
            """
            import tensorflow as tf
            threads = tf.compat.v1.train.start_queue_runners(sess=sess, coord=coord)
            """,
            at=(2, 11), target_tf="2.16"),
        Invalid(
            """
            import tensorflow.compat.v1 as tf
            xb = tf.train.batch([x], 8)
            """,
            at=(2, 6), target_tf="2.16"),
        # Graph-mode code, but the module's Keras 3 model may be handed the tensors.
        Invalid(
            """
            import keras
            import tensorflow.compat.v1 as tf
            x = tf.placeholder(tf.float32, [None, 4])
            xb = tf.train.batch([x], 8)
            """,
            at=(4, 6), target_tf="2.16"),
        # Keras 3 target: the batches feeding a model become the dataset its fit takes; the
        # ops on the batches a map, their static shape the element spec (a program).
        Invalid(
            """
            import numpy as np
            import tensorflow as tf
            import keras
            x = np.arange(64, dtype="float32").reshape(32, 2) / 64
            y = (np.arange(32) % 2).astype("int32")
            xb, yb = tf.train.shuffle_batch([x, y], batch_size=8, capacity=32,
                                            min_after_dequeue=8, enqueue_many=True)
            yb = tf.one_hot(yb, 2)
            batch_shape = xb.get_shape().as_list()
            inputs = keras.layers.Input(tensor=xb)
            model = keras.models.Model(inputs, keras.layers.Dense(2, activation="softmax")(inputs))
            model.compile("sgd", "categorical_crossentropy", target_tensors=[yb])
            history = model.fit(epochs=2, steps_per_epoch=batch_shape[0] // 2)
            result = history.history["loss"]
            """,
            at=(6, 10), target_tf="2.16", safety=UNSAFE,
            fixed="""
            import numpy as np
            import tensorflow as tf
            import keras
            x = np.arange(64, dtype="float32").reshape(32, 2) / 64
            y = (np.arange(32) % 2).astype("int32")
            batches_dataset = (tf.data.Dataset.from_tensor_slices((x, y))
                .shuffle(32).repeat().batch(8, drop_remainder=True))
            batches_dataset = batches_dataset.map(lambda xb, yb: (xb, tf.one_hot(yb, 2)))
            batch_shape = batches_dataset.element_spec[0].shape.as_list()
            inputs = keras.layers.Input(shape=tuple(batches_dataset.element_spec[0].shape[1:]))
            model = keras.models.Model(inputs, keras.layers.Dense(2, activation="softmax")(inputs))
            model.compile("sgd", "categorical_crossentropy")
            history = model.fit(batches_dataset, epochs=2, steps_per_epoch=batch_shape[0] // 2)
            result = history.history["loss"]
            """,
            run=Run(broken=("tf221",), fixed=("tf221", "tf221-tfkeras"), result=[2])),
        # ...and a model validated by a callback it is handed to (Keras' mnist_tfrecord
        # example): its evaluate given no data gets the dataset (a program).
        Invalid(
            """
            import numpy as np
            import tensorflow as tf
            import keras

            class Validate(keras.callbacks.Callback):
                def __init__(self, model, steps):
                    super().__init__()
                    self.val_model = model
                    self.steps = steps
                    self.losses = []

                def on_epoch_end(self, epoch, logs=None):
                    self.val_model.set_weights(self.model.get_weights())
                    self.losses.append(self.val_model.evaluate(None, None, steps=self.steps))

            def build(inputs):
                return keras.layers.Dense(2, activation="softmax")(inputs)

            x = np.arange(64, dtype="float32").reshape(32, 2) / 64
            y = (np.arange(32) % 2).astype("int32")
            x_val, y_val = tf.compat.v1.train.batch([x, y], 8, enqueue_many=True)
            y_val = tf.one_hot(y_val, 2)
            val_input = keras.layers.Input(tensor=x_val)
            val_model = keras.models.Model(val_input, build(val_input))
            val_model.compile("sgd", "categorical_crossentropy", target_tensors=[y_val])
            train_input = keras.layers.Input(shape=(2,))
            model = keras.models.Model(train_input, build(train_input))
            model.compile("sgd", "categorical_crossentropy")
            validate = Validate(val_model, 2)
            model.fit(x, np.eye(2)[y], batch_size=8, epochs=2, callbacks=[validate], verbose=0)
            result = validate.losses
            """,
            at=(21, 16), target_tf="2.16", safety=UNSAFE,
            fixed="""
            import numpy as np
            import tensorflow as tf
            import keras

            class Validate(keras.callbacks.Callback):
                def __init__(self, model, steps):
                    super().__init__()
                    self.val_model = model
                    self.steps = steps
                    self.losses = []

                def on_epoch_end(self, epoch, logs=None):
                    self.val_model.set_weights(self.model.get_weights())
                    self.losses.append(self.val_model.evaluate(val_dataset, None, steps=self.steps))

            def build(inputs):
                return keras.layers.Dense(2, activation="softmax")(inputs)

            x = np.arange(64, dtype="float32").reshape(32, 2) / 64
            y = (np.arange(32) % 2).astype("int32")
            val_dataset = (tf.data.Dataset.from_tensor_slices((x, y))
                .repeat().batch(8, drop_remainder=True))
            val_dataset = val_dataset.map(lambda x_val, y_val: (x_val, tf.one_hot(y_val, 2)))
            val_input = keras.layers.Input(shape=tuple(val_dataset.element_spec[0].shape[1:]))
            val_model = keras.models.Model(val_input, build(val_input))
            val_model.compile("sgd", "categorical_crossentropy")
            train_input = keras.layers.Input(shape=(2,))
            model = keras.models.Model(train_input, build(train_input))
            model.compile("sgd", "categorical_crossentropy")
            validate = Validate(val_model, 2)
            model.fit(x, np.eye(2)[y], batch_size=8, epochs=2, callbacks=[validate], verbose=0)
            result = validate.losses
            """,
            run=Run(broken=("tf221",), fixed=("tf221", "tf221-tfkeras"), result=[2])),
        # The batches read some other way (here printed): reported only.
        Invalid(
            """
            import tensorflow as tf
            import keras
            xb, yb = tf.train.batch([x, y], 8, enqueue_many=True)
            print(xb)
            inputs = keras.Input(tensor=xb)
            model = keras.Model(inputs, keras.layers.Dense(1)(inputs))
            model.compile("sgd", "mse", target_tensors=[yb])
            model.fit(steps_per_epoch=4)
            """,
            at=(3, 10), target_tf="2.16"),
        # An Input given a shape beside its tensor: reported only.
        Invalid(
            """
            import tensorflow as tf
            import keras
            xb, yb = tf.train.batch([x, y], 8, enqueue_many=True)
            inputs = keras.Input(tensor=xb, shape=(4,))
            model = keras.Model(inputs, keras.layers.Dense(1)(inputs))
            model.compile("sgd", "mse", target_tensors=[yb])
            model.fit(steps_per_epoch=4)
            """,
            at=(3, 10), target_tf="2.16"),
        # A model fitted on data of its own: not this dataset's; reported only.
        Invalid(
            """
            import tensorflow as tf
            import keras
            xb, yb = tf.train.batch([x, y], 8, enqueue_many=True)
            inputs = keras.Input(tensor=xb)
            model = keras.Model(inputs, keras.layers.Dense(1)(inputs))
            model.compile("sgd", "mse", target_tensors=[yb])
            model.fit(x, y, steps_per_epoch=4)
            """,
            at=(3, 10), target_tf="2.16"),
        # The queue runners left behind once the queues are tf.data, in eager Keras 3 code:
        # deleted with the Coordinator (unsafe: under eager execution the call raised).
        Invalid(
            """
            import tensorflow as tf
            import keras
            dataset = tf.data.Dataset.range(8).batch(2)
            coord = tf.train.Coordinator()
            threads = tf.train.start_queue_runners(sess, coord)
            model.fit(dataset, epochs=2)
            coord.request_stop()
            coord.join(threads)
            """,
            at=(5, 11), target_tf="2.16", safety=UNSAFE,
            fixed="""
            import tensorflow as tf
            import keras
            dataset = tf.data.Dataset.range(8).batch(2)
            model.fit(dataset, epochs=2)
            """),
        # ...kept for a TF 1 target, where the threads may run queues made elsewhere.
        Invalid(
            """
            import tensorflow as tf
            dataset = tf.data.Dataset.range(8).batch(2)
            threads = tf.train.start_queue_runners(sess)
            """,
            at=(3, 11), target_tf="1.15"),
        # ...kept where the Coordinator is read otherwise: reported only.
        Invalid(
            """
            import tensorflow as tf
            dataset = tf.data.Dataset.range(8).batch(2)
            coord = tf.train.Coordinator()
            threads = tf.train.start_queue_runners(sess, coord)
            while not coord.should_stop():
                step()
            """,
            at=(4, 11), target_tf="2.16"),
        # A target reaches the newest TF (docs/target-tf.md): reported at every target.
        Invalid("import tensorflow as tf\nxb, yb = tf.train.batch([x, y], 32)", at=(2, 10),
                target_tf="1.15"),
        # `train` written only in the import (the tokens' second group).
        Invalid("import tensorflow.train as queues\nxb, yb = queues.batch([x, y], 32)",
                at=(2, 10), target_tf="1.15"),
        # Through a function's own import of `tf.train`.
        Invalid(
            """
            def inputs(files):
                from tensorflow import train
                return train.string_input_producer(files)
            """,
            at=(3, 12)),
        # An import's dotted name is an attribute too.
        Invalid("import tensorflow.train.shuffle_batch", at=(1, 8)),
    ]

    def visit_Attribute(self, node):
        name = self.qualified_name(node)
        if name not in _MAPPING:
            return
        spelled = self.qualified_name(node, canonical=False) or ""
        keras3 = self.targets_keras3()
        graph = provenance.runs_graph_only_code(self) and not (keras3 and namespaces.uses(self))
        if "compat.v1" in spelled and graph:
            return  # graph-mode TF 2 code runs them; only a Keras 3 model cannot take them
        fix, safety = None, None
        dataset = self._keras3_fix(node, name) if keras3 else None
        if dataset is None and provenance.runs_graph_only_code(self):
            dataset = self._dataset_fix(node, name)
        if dataset is None and keras3:
            dataset = self._left_behind(node, name)
        if dataset is not None:
            fix, safety = dataset, UNSAFE
        elif graph and spelled.startswith("tensorflow."):
            # The compat.v1 spelling is the very object on TF 1.13+, and runs here.
            text = self.spell("tensorflow.compat.v1." + spelled[len("tensorflow."):])
            fix = [self.replace(node, text)] if text else None
        self.report(node, name=self.code_for(node), mapping=_MAPPING[name], edits=fix,
                    safety=safety,
                    keras3=", and Keras 3 cannot take its tensors" if keras3 else "")

    def _batch_statement(self, func, name):
        """(statement line, assign, call, bound arguments, dataset text, edits) for `a, b =
        tf.train.shuffle_batch([x, y], batch_size=B, capacity=C, ..., enqueue_many=True)` (or
        `tf.train.batch`, or the compat.v1 spellings) as a statement of its own, the text being
        `tf.data.Dataset.from_tensor_slices((x, y)).shuffle(C).repeat().batch(B,
        drop_remainder=True)` on lines indented under it: the same rows, buffer, batch size
        (static: `allow_smaller_final_batch=False`) and repetition; the queue's
        `min_after_dequeue` rows held back are not. None with `shapes`, `dynamic_pad`,
        `shared_name`, or `enqueue_many` not provably True."""
        if name not in _BATCHERS:
            return None
        ancestors = self.context.ancestors
        at = next((i for i in range(len(ancestors) - 1, -1, -1) if ancestors[i] is func), None)
        if at is None or at < 3:
            return None
        call, assign, line = ancestors[at - 1], ancestors[at - 2], ancestors[at - 3]
        if not isinstance(call, cst.Call) or call.func is not func \
                or not isinstance(assign, cst.Assign) or assign.value is not call \
                or len(assign.targets) != 1 or patterns.has_star_args(call):
            return None
        args = patterns.bind(call, _BATCHERS[name])
        if args is None or any(k in args for k in _UNSUPPORTED):
            return None
        tensors, target = args.get("tensors"), assign.targets[0].target
        if not isinstance(tensors, (cst.List, cst.Tuple)) or len(tensors.elements) < 2 \
                or any(e.value is None or isinstance(e, cst.StarredElement)
                       for e in tensors.elements) \
                or not isinstance(target, (cst.Tuple, cst.List)) \
                or len(target.elements) != len(tensors.elements) \
                or not all(isinstance(e.value, cst.Name) for e in target.elements):
            return None
        if not self._literal(args.get("enqueue_many"), True) \
                or ("allow_smaller_final_batch" in args
                    and not self._literal(args["allow_smaller_final_batch"], False)) \
                or "batch_size" not in args:
            return None
        source, edits = self.require("tensorflow.data.Dataset.from_tensor_slices",
                                     "tensorflow.compat.v1.data.Dataset.from_tensor_slices")
        rows = ", ".join(self.code_for(e.value) for e in tensors.elements)
        shuffle = ""
        if name == "tensorflow.train.shuffle_batch":
            if "capacity" not in args:
                return None
            seed = ", seed=%s" % self.code_for(args["seed"]) if "seed" in args else ""
            shuffle = ".shuffle(%s%s)" % (self.code_for(args["capacity"]), seed)
        start = self.context.position(assign).start
        indent = self.context.line_text(start.line)[:start.column] + "    "
        newline = self.context.module.default_newline
        text = "%s((%s))%s%s.repeat().batch(%s, drop_remainder=True)" % (
            source, rows, newline + indent, shuffle, self.code_for(args["batch_size"]))
        return line, assign, call, args, text, edits

    def _dataset_fix(self, func, name):
        """The batch statement (`_batch_statement`) in graph-mode code: the same names bound
        from `tf.compat.v1.data.make_one_shot_iterator(<its tf.data pipeline>).get_next()`.
        `start_queue_runners` and the Coordinator then start no thread; they stay, so
        `coord.request_stop(); coord.join(threads)` still run."""
        found = self._batch_statement(func, name)
        if found is None:
            return None
        _, assign, call, _, dataset, edits = found
        make, more = self.require("tensorflow.compat.v1.data.make_one_shot_iterator")
        if edits and more:
            return None  # one import to add, not two
        start = self.context.position(assign).start
        indent = self.context.line_text(start.line)[:start.column] + "    "
        newline = self.context.module.default_newline
        text = "%s(%s%s%s).get_next()" % (make, newline, indent, dataset)
        return edits + more + [self.replace(call, text)]

    # -- Keras 3: the batches feeding a model become the dataset fit takes -----------------
    def _keras3_fix(self, func, name):
        """The batch statement `a, b = tf.train.shuffle_batch(...)` (`_batch_statement`) whose
        `a` feeds `Input(tensor=a)` and `b` `compile(target_tensors=[b])`, on a Keras 3 target
        (TF >= 2.16): `ds = <its tf.data pipeline>`; each later `a = f(a, ...)` (or `b =`)
        before the model `ds = ds.map(lambda a, b: (f(a, ...), b))`, the very ops on the same
        batches; `a.get_shape()` / `a.shape` `ds.element_spec[0].shape`; the `Input` built on
        `shape=tuple(ds.element_spec[0].shape[1:])`, the compile without `target_tensors`, and
        each `fit` / `evaluate` of that model given no data given `ds` (in the module, or in
        a callback class instantiated once with the model: `_handed_to_class`). None for any
        other read of the batches, or a model that gets no dataset this way."""
        if not self.target_at_least("tf_keras_is_keras3"):
            return None
        found = self._batch_statement(func, name)
        if found is None:
            return None
        line, assign, _, _, dataset, edits = found
        names = [e.value.value for e in assign.targets[0].target.elements]
        block = self.context.ancestors[self.context.ancestors.index(line) - 1]
        body = list(getattr(block, "body", ()))
        if len(names) != 2 or not any(s is line for s in body) \
                or not isinstance(block, (cst.Module, cst.IndentedBlock)):
            return None
        base = _common_suffix(names).strip("_")
        ds = self.fresh_name((base if len(base) > 2 else "batches") + "_dataset")
        fixes = edits + [self.replace(assign, "%s = (%s)" % (ds, dataset))]
        inputs, compiles, later = [], [], body[[id(s) for s in body].index(id(line)) + 1:]
        for statement in later:
            reads = [n for name_ in names for n in patterns.name_nodes(statement, name_)]
            if not reads:
                continue
            small = statement.body[0] if isinstance(statement, cst.SimpleStatementLine) \
                and len(statement.body) == 1 else None
            bound = scopes.assigned_name(statement)
            if bound in names:
                if inputs or compiles or not patterns.name_nodes(small.value, bound):
                    return None  # rebound to something else, or after the model took them
                mapped = [self.code_for(small.value) if n == bound else n for n in names]
                fixes.append(self.replace(small, "%s = %s.map(lambda %s: (%s))" % (
                    ds, ds, ", ".join(names), ", ".join(mapped))))
                continue
            uses = self._batch_uses(statement, names, ds)
            if uses is None:
                return None
            inputs += [node for kind, node, _ in uses if kind == "input"]
            compiles += [node for kind, node, _ in uses if kind == "compile"]
            fixes += [edit for _, _, edits_ in uses for edit in edits_]
        if len(inputs) != 1 or len(compiles) != 1 or any(
                not any(scopes.within(self.context, n, s) for s in [line] + later)
                for name_ in names for n in patterns.name_nodes(self.context.module, name_)):
            return None  # a read before the batches are made, or in another block
        at = next(i for i, s in enumerate(later) if scopes.within(self.context, compiles[0], s))
        model = compiles[0].func.value.value
        alive = []  # the statements after the compile, up to one rebinding the model's name
        for statement in later[at + 1:]:
            if model in scopes.assigned_targets(statement, self.context.module):
                break
            alive.append(statement)
        feeds = self._data_free_calls(model, alive, ds, isinstance(block, cst.Module))
        if not feeds:
            return None
        return fixes + feeds

    def _batch_uses(self, statement, names, ds):
        """[(kind, node, edits)] for every read of the batch ``names`` in ``statement``:
        ("input", call) for `Input(tensor=names[0])`, ("compile", call) for
        `compile(..., target_tensors=[names[1]])`, ("shape", node) for `a.get_shape()` /
        `a.shape`; None when one is read any other way."""
        found, allowed = [], set()
        for call in patterns.all_nodes(statement, (cst.Call,)):
            qualified = self.qualified_name(call.func) or ""
            tensor = patterns.keyword(call, "tensor")
            if qualified.rsplit(".", 1)[-1] == "Input" and patterns.keras_namespace(qualified) \
                    and isinstance(tensor, cst.Name) and tensor.value == names[0] \
                    and patterns.argument(call, 0, "shape", "batch_shape") is None:
                arg = patterns.argument(call, None, "tensor")
                found.append(("input", call, [
                    self.replace(arg.keyword, "shape"),
                    self.replace(tensor, "tuple(%s.element_spec[0].shape[1:])" % ds)]))
                allowed.add(id(tensor))
            targets = patterns.keyword(call, "target_tensors")
            if patterns.method_name(call) == "compile" and isinstance(call.func.value, cst.Name) \
                    and isinstance(targets, (cst.List, cst.Tuple)) \
                    and len(targets.elements) == 1 \
                    and isinstance(targets.elements[0].value, cst.Name) \
                    and targets.elements[0].value.value == names[1]:
                arg = patterns.argument(call, None, "target_tensors")
                kept = [a for a in call.args if a is not arg]
                if not kept:
                    return None
                found.append(("compile", call, self.delete_arguments(call, kept, [arg])))
                allowed.add(id(targets.elements[0].value))
            if patterns.method_name(call) == "get_shape" and not call.args \
                    and isinstance(call.func.value, cst.Name) and call.func.value.value in names:
                found.append(("shape", call, [self.replace(call, "%s.element_spec[%d].shape" % (
                    ds, names.index(call.func.value.value)))]))
                allowed.add(id(call.func.value))
        for attribute in patterns.all_nodes(statement, (cst.Attribute,)):
            if attribute.attr.value == "shape" and isinstance(attribute.value, cst.Name) \
                    and attribute.value.value in names:
                found.append(("shape", attribute, [self.replace(
                    attribute, "%s.element_spec[%d].shape" % (
                        ds, names.index(attribute.value.value)))]))
                allowed.add(id(attribute.value))
        reads = [n for name in names for n in patterns.name_nodes(statement, name)]
        if any(id(n) not in allowed for n in reads):
            return None
        return found

    def _data_free_calls(self, model, statements, ds, module_level):
        """Edits giving ``ds`` to each `fit` / `evaluate` of ``model`` that gets no data
        (`model.fit(epochs=...)`, `model.evaluate(None, None, steps=...)`) in ``statements``
        (those after its compile, up to a rebinding of its name), or, where they call neither
        and ``ds`` is a global (``module_level``), those of a class they hand it to
        (`_handed_to_class`); [] when one call has data of its own."""
        calls = [c for s in statements for c in patterns.all_nodes(s, (cst.Call,))
                 if patterns.method_name(c) in ("fit", "evaluate")
                 and isinstance(c.func.value, cst.Name) and c.func.value.value == model]
        if not calls and module_level:
            calls = self._handed_to_class(model, statements)
        edits = []
        for call in calls:
            if patterns.has_star_args(call):
                return []
            data = patterns.argument(call, 0, "x")
            if data is None:
                first = call.args[0] if call.args else None
                text = ds + (", " if first is not None else "")
                edits.append(self.insert_at(self.context.position(first).start, text)
                             if first is not None
                             else self.replace(call, self.code_for(call)[:-1] + ds + ")"))
            elif patterns.is_literal(data.value, None) and data.keyword is None:
                edits.append(self.replace(data.value, ds))
            else:
                return []  # data of its own: another model's
        return edits

    def _handed_to_class(self, model, statements):
        """`self.attr.fit/evaluate(...)` calls of the one class of this module that ``model``
        is handed to, positionally, in its one instantiation, where `__init__` keeps that
        parameter as `self.attr` (Keras' own examples validate a tensor-fed model this way, in
        a callback's `on_epoch_end`); [] otherwise."""
        classes = {c.name.value: c for c in self.context.module.body if isinstance(c, cst.ClassDef)}
        made = [c for s in statements for c in patterns.all_nodes(s, (cst.Call,))
                if isinstance(c.func, cst.Name) and c.func.value in classes
                and any(isinstance(a.value, cst.Name) and a.value.value == model
                        for a in c.args)]
        if len(made) != 1:
            return []
        cls = classes[made[0].func.value]
        if len([c for c in patterns.all_nodes(self.context.module, (cst.Call,))
                if isinstance(c.func, cst.Name) and c.func.value == cls.name.value]) != 1:
            return []
        position = next((i for i, a in enumerate(made[0].args)
                         if isinstance(a.value, cst.Name) and a.value.value == model), None)
        if made[0].args[position].keyword is not None or any(
                a.keyword is not None or a.star for a in made[0].args[:position]):
            return []
        init = patterns.class_init(cls)
        params = [p.name.value for p in init.params.params] if init is not None else []
        if position + 1 >= len(params):
            return []
        param = params[position + 1]
        kept = [a for a in patterns.all_nodes(cls, (cst.Assign,))
                if len(a.targets) == 1 and isinstance(a.targets[0].target, cst.Attribute)
                and isinstance(a.targets[0].target.value, cst.Name)
                and a.targets[0].target.value.value == "self"]
        attrs = [a.targets[0].target.attr.value for a in kept
                 if isinstance(a.value, cst.Name) and a.value.value == param]
        if len(attrs) != 1 or sum(a.targets[0].target.attr.value == attrs[0] for a in kept) != 1:
            return []
        return [c for c in patterns.all_nodes(cls, (cst.Call,))
                if patterns.method_name(c) in ("fit", "evaluate")
                and isinstance(c.func.value, cst.Attribute)
                and c.func.value.attr.value == attrs[0]
                and isinstance(c.func.value.value, cst.Name) and c.func.value.value.value == "self"]

    def _left_behind(self, func, name):
        """`threads = tf.train.start_queue_runners(sess, coord)` in eager code on a Keras 3
        target whose queues are all tf.data now (it builds none, and uses tf.data): it starts
        no thread (under eager execution it raises), so it goes, with the Coordinator whose
        only other uses are `coord = tf.train.Coordinator()`, `coord.request_stop()` and
        `coord.join(threads)`. None while the module still builds queues, or while anything
        else reads the Coordinator or the threads."""
        if name != "tensorflow.train.start_queue_runners" \
                or not self.target_at_least("tf_keras_is_keras3") \
                or provenance.runs_graph_only_code(self) or not namespaces.uses_tf_data(self) \
                or any(
                self.qualified_name(a) in _MAPPING
                and self.qualified_name(a) != "tensorflow.train.start_queue_runners"
                for a in patterns.all_nodes(self.context.module, (cst.Attribute, cst.Name))):
            return None
        ancestors = self.context.ancestors
        at = next((i for i in range(len(ancestors) - 1, -1, -1) if ancestors[i] is func), None)
        if at is None or at < 3 or not isinstance(ancestors[at - 1], cst.Call):
            return None
        call, line = ancestors[at - 1], scopes.enclosing_statement(ancestors[:at])
        small = line.body[0] if isinstance(line, cst.SimpleStatementLine) \
            and len(line.body) == 1 else None
        if isinstance(small, cst.Assign) and small.value is call:
            threads = scopes.assigned_name(line)
            if threads is None:
                return None
        elif isinstance(small, cst.Expr) and small.value is call:
            threads = None
        else:
            return None
        coord = patterns.argument(call, 1, "coord")
        if coord is not None and not isinstance(coord.value, cst.Name):
            return None
        statements = [line]
        if coord is not None:
            coord = coord.value.value
            for statement in patterns.all_nodes(self.context.module, (cst.SimpleStatementLine,)):
                if statement is line or len(statement.body) != 1:
                    continue
                small = statement.body[0]
                value = getattr(small, "value", None)
                if scopes.assigned_name(statement) == coord and isinstance(value, cst.Call) \
                        and self.qualified_name(value.func) == "tensorflow.train.Coordinator":
                    statements.append(statement)
                elif isinstance(small, cst.Expr) and isinstance(value, cst.Call) \
                        and patterns.method_name(value) in ("request_stop", "join") \
                        and isinstance(value.func.value, cst.Name) \
                        and value.func.value.value == coord:
                    statements.append(statement)
        for name_ in filter(None, (coord, threads)):
            for node in patterns.name_nodes(self.context.module, name_):
                if not any(scopes.within(self.context, node, s) for s in statements):
                    return None
        return [self.remove(s) for s in statements]

    def _literal(self, expr, value):
        """Whether ``expr`` is the literal ``value``, or a name bound to it once."""
        if isinstance(expr, cst.Name) and expr.value not in ("True", "False", "None"):
            expr = self.resolve(expr)
        return expr is not None and patterns.is_literal(expr, value)


def _common_suffix(names):
    """The longest ending the names share (`x_train_batch`, `y_train_batch`: `_train_batch`)."""
    first, n = names[0], 0
    while n < len(first) and all(len(o) > n and o[-1 - n] == first[-1 - n] for o in names):
        n += 1
    return first[len(first) - n:]

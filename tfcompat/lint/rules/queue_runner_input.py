from tfcompat.lint import namespaces, provenance, qualnames
from tfcompat.lint.rule import SAFE, Invalid, Rule, Run, Valid

# Queue-runner inputs (canonical names) and the tf.data spelling of each.
_BATCH = ("`tf.data.Dataset.from_tensor_slices(tuple(tensors))` (enqueue_many=True; one "
          "example per enqueue: the reader's dataset itself)")
_MAPPING = {
    "tensorflow.train.shuffle_batch":
        _BATCH + "`.repeat().shuffle(capacity).batch(batch_size, drop_remainder=True)`",
    "tensorflow.train.maybe_shuffle_batch":
        _BATCH + "`.repeat().shuffle(capacity).filter(keep).batch(batch_size)`",
    "tensorflow.train.shuffle_batch_join":
        "`tf.data.Dataset.sample_from_datasets([...]).repeat().shuffle(capacity)"
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


class QueueRunnerInput(Rule):
    """
    ## What it does
    Finds TF 1's queue-runner input pipeline: `tf.train.shuffle_batch` / `batch` (and the
    `_join` / `maybe_` forms), `string_input_producer` and the other producers, the readers
    (`tf.TFRecordReader`, `TextLineReader`, `FixedLengthRecordReader`, `WholeFileReader`),
    `start_queue_runners`, `QueueRunner`. Spelled `tf.train.*` for TF 2 targets; spelled
    through `tf.compat.v1` too, unless the module's code runs in graph mode (it turns eager
    execution off, or builds placeholders, which raise under eager: its package turns eager
    off) and either the target's Keras is Keras 2 (TF 2.0-2.15, or keras-target `tf_keras`)
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

    dataset = (tf.data.Dataset.from_tensor_slices((x, y)).repeat().shuffle(2000)
               .batch(32, drop_remainder=True))
    model.fit(dataset, steps_per_epoch=len(x) // 32, epochs=10)
    ```

    The mapping, argument by argument:
    - the tensors list: `from_tensor_slices(tuple(tensors))` with `enqueue_many=True` (each
      row is an example); with `enqueue_many=False` the tensors are one example from a
      reader, so the reader's dataset (`TFRecordDataset(files).map(parse)`) is the source.
    - repetition: the queue runner enqueues its input forever (producers: `num_epochs`
      times), so `.repeat()` (`.repeat(num_epochs)`), before the shuffle as in the queue.
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
    Safe, and only where the module's code runs in graph mode (as above: it turns eager
    execution off, or builds placeholders) and the target's Keras is Keras 2 or the module
    uses no Keras: `tf.train.shuffle_batch` becomes `tf.compat.v1.train.shuffle_batch`, the
    very object it was on TF 1.13-1.15, which TF 2 runs there. Elsewhere no fix: the tf.data
    pipeline is not the same object (tensors become a dataset, so the code that used the
    tensors changes with it: `Input(tensor=...)` and `sess.run` become a model on
    `Input(shape=...)` fitted on the dataset), and the shuffle order differs from the
    queue's. The mapping above is what to write.

    ## Versions
    Queue runners: TF 0.x to 1.15 in `tf.train`; `tf.compat.v1.train`, graph mode only, on
    TF 2; no Keras 3 model can take their tensors (TF 2.16+). Reported for TF 2 targets and
    an unknown one (the newest TF); the compat.v1 rewrite needs TF 1.13+ and is run by
    tests/runtime/test_rewrites_run.py in tf115-keras231 (original) and tf221-tfkeras.
    """

    code = "TFC411"
    name = "queue-runner-input"
    message = ("`{name}` is a queue-runner input: gone from TF 2's API, graph mode only "
               "through tf.compat.v1{keras3}")
    help = "use tf.data: {mapping}"
    tokens = tuple(sorted({name.rsplit(".", 1)[-1] for name in _MAPPING}))
    fix = SAFE
    fix_tf = "compat_v1"

    VALID = [
        Valid("import tensorflow as tf\nxb, yb = tf.train.batch([x, y], 32)", target_tf="1.15"),
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
    ]

    def visit_Attribute(self, node):
        name = self.qualified_name(node)
        if name not in _MAPPING:
            return
        if self.target_tf is not None and self.target_at_least("queue_runner_inputs"):
            return  # TF 1: tf.train has them
        spelled = self.qualified_name(node, canonical=False) or ""
        keras3 = self.keras_target != "tf_keras" and (
            self.target_tf is None or self.target_at_least("tf_keras_is_keras3"))
        graph = provenance.runs_graph_only_code(self) and not (keras3 and namespaces.uses(self))
        if "compat.v1" in spelled and graph:
            return  # graph-mode TF 2 code runs them; only a Keras 3 model cannot take them
        fix = None
        if graph and spelled.startswith("tensorflow."):
            # The compat.v1 spelling is the very object on TF 1.13+, and runs here.
            text = self.spell("tensorflow.compat.v1." + spelled[len("tensorflow."):])
            fix = [self.replace(node, text)] if text else None
        self.report(node, name=self.code_for(node), mapping=_MAPPING[name], fix=fix,
                    keras3=", and Keras 3 cannot take its tensors" if keras3 else "")

import libcst as cst

from tfcompat.lint.analysis import namespaces, patterns, provenance, qualnames
from tfcompat.lint.analysis.prefilter import via
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
    Offered only where the module's code runs in graph mode, whose tensors these are. Safe:
    `tf.train.X` -> `tf.compat.v1.train.X`, the very object it was on TF 1.13-1.15, where the
    target's Keras is Keras 2 or the module uses no Keras. Unsafe: a batching statement
    rewritten onto tf.data keeps the batches' size and rows, but not their order (tf.data
    reshuffles each epoch, where the queue mixed rows across epochs).

    ## Versions
    Queue runners: TF 0.x to 1.15 in `tf.train`; `tf.compat.v1.train`, graph mode only, on
    TF 2; no Keras 3 model can take their tensors (TF 2.16+). Reported for TF 2 targets and
    an unknown one (the newest TF); both rewrites need TF 1.13+ (`tf.compat.v1`) and are run
    by tests/runtime/test_rewrites_run.py in tf115-keras231 (original and fixed) and
    tf221-tfkeras (fixed).
    """

    code = "TFC411"
    name = "queue-runner-input"
    message = ("`{name}` is a queue-runner input: gone from TF 2's API, graph mode only "
               "through tf.compat.v1{keras3}")
    help = "use tf.data: {mapping}"
    tokens = tuple(sorted({name.rsplit(".", 1)[-1] for name in _MAPPING}))
    modules = (via(*_MAPPING),)  # it reports attributes qualified to one of them
    fix_safety = SAFE
    fix_tf = "compat_v1"

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
        # A target reaches the newest TF (docs/target-tf.md): reported at every target.
        Invalid("import tensorflow as tf\nxb, yb = tf.train.batch([x, y], 32)", at=(2, 10),
                target_tf="1.15"),
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
        dataset = self._dataset_fix(node, name) if provenance.runs_graph_only_code(self) \
            else None
        if dataset is not None:
            fix, safety = dataset, UNSAFE
        elif graph and spelled.startswith("tensorflow."):
            # The compat.v1 spelling is the very object on TF 1.13+, and runs here.
            text = self.spell("tensorflow.compat.v1." + spelled[len("tensorflow."):])
            fix = [self.replace(node, text)] if text else None
        self.report(node, name=self.code_for(node), mapping=_MAPPING[name], edits=fix,
                    safety=safety,
                    keras3=", and Keras 3 cannot take its tensors" if keras3 else "")

    def _dataset_fix(self, func, name):
        """`a, b = tf.train.shuffle_batch([x, y], batch_size=B, capacity=C, ...,
        enqueue_many=True)` (or `tf.train.batch`, or the compat.v1 spellings) as a statement of
        its own: the same names bound from
        `tf.compat.v1.data.make_one_shot_iterator(tf.data.Dataset.from_tensor_slices((x, y))
        .shuffle(C).repeat().batch(B, drop_remainder=True)).get_next()`, the same rows, buffer,
        batch size (static: `allow_smaller_final_batch=False`) and repetition; the queue's
        `min_after_dequeue` rows held back are not. None with `shapes`, `dynamic_pad`,
        `shared_name`, or `enqueue_many` not provably True. `start_queue_runners` and the
        Coordinator then start no thread; they stay, so `coord.request_stop();
        coord.join(threads)` still run."""
        if name not in _BATCHERS:
            return None
        ancestors = self.context.ancestors
        at = next((i for i in range(len(ancestors) - 1, -1, -1) if ancestors[i] is func), None)
        if at is None or at < 3:
            return None
        call, assign = ancestors[at - 1], ancestors[at - 2]
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
        make, edits = self.require("tensorflow.compat.v1.data.make_one_shot_iterator")
        source, more = self.require("tensorflow.data.Dataset.from_tensor_slices",
                                    "tensorflow.compat.v1.data.Dataset.from_tensor_slices")
        if edits and more:
            return None  # one import to add, not two
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
        text = "%s(%s%s%s((%s))%s%s.repeat().batch(%s, drop_remainder=True)).get_next()" % (
            make, newline, indent, source, rows, newline + indent, shuffle,
            self.code_for(args["batch_size"]))
        return edits + more + [self.replace(call, text)]

    def _literal(self, expr, value):
        """Whether ``expr`` is the literal ``value``, or a name bound to it once."""
        if isinstance(expr, cst.Name) and expr.value not in ("True", "False", "None"):
            expr = self.resolve(expr)
        return expr is not None and patterns.is_literal(expr, value)

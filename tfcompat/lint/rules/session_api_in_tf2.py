import json
import os

import libcst as cst

from tfcompat.lint.analysis import patterns, qualnames
from tfcompat.lint.rule import SAFE, UNSAFE, Invalid, Rule, Run, Valid

# Every public name of `tf` in TF 1.15 that TF 2's `tf` lacks (without `tensorflow.`), with its
# tf.compat.v1 spelling ("v1"), the TF 2 name of the very same object ("v2") and tf_upgrade_v2's
# rename ("upgrade"): generated from the wheels by tools/tf1_names.py, checked against them by
# tests/runtime/test_tf1_names.py.
with open(os.path.join(os.path.dirname(os.path.dirname(__file__)), "data",
                       "tf1_names.json")) as _f:
    _TF1_NAMES = json.load(_f)["names"]
# TF 1 names other rules own, each with its own rewrite: queue runners (TFC411).
_OWNED = frozenset(n[len("tensorflow."):] for n in qualnames.QUEUE_RUNNERS)
# The session and graph names, which run only in graph mode (the help says so).
_GRAPH_ONLY = frozenset((
    "Session", "InteractiveSession", "get_default_session", "placeholder",
    "placeholder_with_default", "get_default_graph", "reset_default_graph",
    "global_variables_initializer", "local_variables_initializer", "tables_initializer",
    "variables_initializer", "train.Saver", "train.MonitoredSession",
    "train.MonitoredTrainingSession", "train.SingularMonitoredSession"))
# The Keras session functions tf.keras dropped in TF 2 (kept in tf.compat.v1.keras until
# Keras 3), and the same names in standalone Keras, whose sessions are its own.
_KERAS_SESSION = ("get_session", "set_session")
# What a Keras 3 program does instead of what the session was for, by what the code around
# it calls (canonical names), first match wins.
_KERAS3_INSTEAD = (
    (("tensorflow.train.start_queue_runners", "tensorflow.train.shuffle_batch",
      "tensorflow.train.batch", "tensorflow.train.string_input_producer"),
     "the session runs queue runners: build the tf.data pipeline TFC411 spells and pass it to "
     "fit"),
    (("tensorflow.global_variables_initializer", "tensorflow.local_variables_initializer",
      "tensorflow.initialize_all_variables", "tensorflow.variables_initializer",
      "tensorflow.tables_initializer"),
     "the session initializes variables: delete it, Keras 3 and eager TF create them "
     "initialized"),
)
_QUEUE_STARTERS = ("tensorflow.train.start_queue_runners",)
_INITIALIZERS = _KERAS3_INSTEAD[1][0]
_KERAS3_RUN = ("`sess.run(t)` of a tensor becomes the eager value `t` (`t.numpy()`); a "
               "tf.data iterator's batches: pass the dataset to fit")


class SessionApiInTf2(Rule):
    """
    ## What it does
    Finds every public name of TF 1.15's `tf` that TF 2's `tf` lacks (TF 2 is within reach of
    every target: see docs/target-tf.md): the session and graph API (`tf.Session`,
    `tf.placeholder`, `tf.global_variables_initializer`, `tf.train.Saver`...),
    `tf.parse_single_example`, `tf.FixedLenFeature`, `tf.read_file`,
    `tf.train.import_meta_graph`, `tf.logging.*`... (a table generated from the TF 1.15 and
    TF 2.21 wheels by tools/tf1_names.py, less `tf.contrib`, `tf.estimator`, `tf.keras` and the
    queue runners, which other rules own), and `K.get_session()` / `K.set_session()` of the
    Keras backend.

    ## Why is this bad?
    TF 2 removed these names from its API: the line raises `AttributeError: module
    'tensorflow' has no attribute 'Session'`. They survive as `tf.compat.v1.*` (TF 1.13+), and
    the session and placeholder ones run only in graph mode
    (`tf.compat.v1.disable_eager_execution()`). tf.keras dropped `get_session` in TF 2
    (`tf.compat.v1.keras.backend.get_session` until TF 2.15) and Keras 3 has no sessions.

    ## Example
    ```python
    import tensorflow as tf

    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
    ```

    ## Use instead
    ```python
    import tensorflow as tf

    with tf.compat.v1.Session() as sess:
        sess.run(tf.compat.v1.global_variables_initializer())
    ```

    ## Fix safety
    Safe for a TF 1 name: the new name is the very object the old one was (TF 2's own name for
    it, or its `tf.compat.v1` spelling), so nothing changes where the code ran; graph mode is
    not turned on (TFC413). Unsafe for Keras' session on a Keras 3 target (a deleted statement
    assumes the program now runs eagerly) and on tf_keras (its TF 1 API needs
    `TF_USE_LEGACY_KERAS=1`).

    ## Versions
    Removed from the API in TF 2.0; `tf.compat.v1` TF 1.13+; `tf.compat.v1.keras.backend.
    get_session` is tf_keras's from TF 2.16 under TF_USE_LEGACY_KERAS=1. Rewrites run by
    tests/runtime/test_rewrites_run.py in tf115-keras231 (original), tf221 (target 2.16) and
    tf221-tfkeras (keras-target tf_keras).
    """

    code = "TFC405"
    name = "session-api-in-tf2"
    message = "`{old}` is not in the TF 2 API"
    help = ("use `{new}` in graph mode (tf.compat.v1.disable_eager_execution()), or rewrite it "
            "eagerly")
    # Whole names: the first part after `tf.` of each dropped name (every spelling of
    # tf.train.Saver names `train`), and the Keras session functions.
    tokens = tuple(sorted({n.partition(".")[0] for n in _TF1_NAMES if n not in _OWNED})
                   ) + _KERAS_SESSION
    # What its qualified names are reached through: `tensorflow` itself (not tensorflow.python
    # nor tensorflow.compat.v1), tensorflow.train, and a Keras backend.
    modules = ("tensorflow", "tensorflow.train", "keras.*", "tensorflow.keras.*", "tf_keras.*")
    fix_safety = SAFE
    fix_tf = "compat_v1"

    VALID = [
        """
        import tensorflow as tf
        with tf.compat.v1.Session() as sess:
            sess.run(tf.compat.v1.global_variables_initializer())
        """,
        """
        import tensorflow.compat.v1 as tf
        tf.disable_eager_execution()
        x = tf.placeholder(tf.float32, (None, 4))
        """,
        # tf_keras's TF 1 API under TF_USE_LEGACY_KERAS=1.
        Valid(
            """
            import tensorflow as tf
            sess = tf.compat.v1.keras.backend.get_session()
            """,
            target_tf="2.16", keras_target="tf_keras"),
    ]
    INVALID = [
        # A program: run before and after the fix (tests/runtime/test_rewrites_run.py).
        Invalid(
            """
            import numpy as np
            import tensorflow as tf
            tf.compat.v1.disable_eager_execution()
            x = tf.compat.v1.placeholder(tf.float32, (None, 2))
            with tf.Session() as sess:
                result = sess.run(x * 2.0, feed_dict={x: np.ones((3, 2), "float32")})
            """,
            at=(5, 6), target_tf="2.16",
            fixed="""
            import numpy as np
            import tensorflow as tf
            tf.compat.v1.disable_eager_execution()
            x = tf.compat.v1.placeholder(tf.float32, (None, 2))
            with tf.compat.v1.Session() as sess:
                result = sess.run(x * 2.0, feed_dict={x: np.ones((3, 2), "float32")})
            """,
            run=Run(original=("tf115-keras231",), fixed=("tf115-keras231", "tf221"),
                    result=[3, 2])),
        Invalid(
            """
            import tensorflow as tf
            with tf.Session() as sess:
                pass
            """,
            at=(2, 6), target_tf="2.0",
            fixed="""
            import tensorflow as tf
            with tf.compat.v1.Session() as sess:
                pass
            """),
        Invalid(
            """
            import tensorflow
            saver = tensorflow.train.Saver(max_to_keep=2)
            """,
            at=(2, 9), target_tf="2.16",
            fixed="""
            import tensorflow
            saver = tensorflow.compat.v1.train.Saver(max_to_keep=2)
            """),
        # No name but the dropped one: its whole name is the prefilter's token.
        Invalid(
            """
            import tensorflow as tf
            init = tf.global_variables_initializer()
            """,
            at=(2, 8), target_tf="2.16",
            fixed="""
            import tensorflow as tf
            init = tf.compat.v1.global_variables_initializer()
            """),
        Invalid(
            """
            from tensorflow.keras import backend as K
            import tensorflow as tf
            sess = K.get_session()
            """,
            at=(3, 8), target_tf="2.4",
            fixed="""
            from tensorflow.keras import backend as K
            import tensorflow as tf
            sess = tf.compat.v1.keras.backend.get_session()
            """),
        # Standalone Keras's session is not tf.keras's: reported only.
        Invalid(
            """
            import keras.backend as K
            graph = K.get_session().graph
            """,
            at=(2, 9), target_tf="2.16"),
        # TF 2.0-2.15's compat.v1 spelling is gone with Keras 3 too.
        Invalid(
            """
            import tensorflow as tf
            graph = tf.compat.v1.keras.backend.get_session().graph
            """,
            at=(2, 9), target_tf="2.16"),
        # keras-target tf_keras: tf_keras's TF 1 API keeps the session (a program, run
        # before and after the fix).
        Invalid(
            """
            import numpy as np
            import tensorflow as tf
            from tf_keras import backend as K
            tf.compat.v1.disable_eager_execution()
            x = tf.constant(np.ones((3, 2), "float32"))
            result = K.get_session().run(x * 2.0)
            """,
            at=(6, 10), target_tf="2.16", keras_target="tf_keras", safety=UNSAFE,
            fixed="""
            import numpy as np
            import tensorflow as tf
            from tf_keras import backend as K
            tf.compat.v1.disable_eager_execution()
            x = tf.constant(np.ones((3, 2), "float32"))
            result = tf.compat.v1.keras.backend.get_session().run(x * 2.0)
            """,
            run=Run(broken=("tf221-tfkeras",), fixed=("tf221-tfkeras",), result=[3, 2])),
        # A program: Keras' session initializing variables, on a Keras 3 target: deleted.
        Invalid(
            """
            import numpy as np
            import tensorflow as tf
            import keras
            from keras import backend as K
            model = keras.Sequential([keras.layers.Dense(1, input_shape=(2,))])
            model.compile("sgd", "mse")
            K.get_session().run(tf.compat.v1.global_variables_initializer())
            x = np.ones((8, 2), "float32")
            result = model.fit(x, x[:, :1], epochs=2, verbose=0).history["loss"]
            """,
            at=(7, 1), target_tf="2.16", safety=UNSAFE,
            fixed="""
            import numpy as np
            import tensorflow as tf
            import keras
            from keras import backend as K
            model = keras.Sequential([keras.layers.Dense(1, input_shape=(2,))])
            model.compile("sgd", "mse")
            x = np.ones((8, 2), "float32")
            result = model.fit(x, x[:, :1], epochs=2, verbose=0).history["loss"]
            """,
            run=Run(original=("tf115-keras231",), broken=("tf221",), fixed=("tf221",),
                    result=[2])),
        # The session left behind once its queue runners became tf.data: deleted (unsafe).
        Invalid(
            """
            import keras.backend as K
            sess = K.get_session()
            batch_size = 100
            """,
            at=(2, 8), target_tf="2.16", safety=UNSAFE,
            fixed="""
            import keras.backend as K
            batch_size = 100
            """),
        Invalid(
            """
            import tensorflow as tf
            from keras import backend as K
            K.set_session(tf.compat.v1.Session(config=config))
            """,
            at=(3, 1), target_tf="2.16", safety=UNSAFE,
            fixed="""
            import tensorflow as tf
            from keras import backend as K
            """),
        # Still read: reported with what to do.
        Invalid(
            """
            import keras.backend as K
            sess = K.get_session()
            print(sess.run(total))
            """,
            at=(2, 8), target_tf="2.16"),
        # ...and standalone `keras` there is Keras 3: reported, to be moved first (TFC203).
        Invalid(
            """
            import keras.backend as K
            sess = K.get_session()
            """,
            at=(2, 8), target_tf="2.16", keras_target="tf_keras"),
        # Any TF 1-only name of the generated table: TF 2's name of the same object where
        # there is one...
        Invalid(
            """
            import tensorflow as tf
            features = {"image": tf.FixedLenFeature([], tf.string)}
            """,
            at=(2, 22), target_tf="2.16",
            fixed="""
            import tensorflow as tf
            features = {"image": tf.io.FixedLenFeature([], tf.string)}
            """),
        Invalid(
            """
            import tensorflow as tf
            image = tf.read_file(path)
            """,
            at=(2, 9), target_tf="2.0",
            fixed="""
            import tensorflow as tf
            image = tf.io.read_file(path)
            """),
        # ...else its tf.compat.v1 spelling (tf.io.parse_single_example is another function).
        Invalid(
            """
            import tensorflow as tf
            parsed = tf.parse_single_example(record, features)
            """,
            at=(2, 10), target_tf="2.16",
            fixed="""
            import tensorflow as tf
            parsed = tf.compat.v1.parse_single_example(record, features)
            """),
        Invalid(
            """
            import tensorflow as tf
            saver = tf.train.import_meta_graph("model.ckpt.meta")
            """,
            at=(2, 9), target_tf="2.16",
            fixed="""
            import tensorflow as tf
            saver = tf.compat.v1.train.import_meta_graph("model.ckpt.meta")
            """),
        # A dropped module's function: one finding, for the whole name.
        Invalid(
            """
            import tensorflow as tf
            tf.logging.info("step %d", step)
            """,
            at=(2, 1), target_tf="2.16",
            fixed="""
            import tensorflow as tf
            tf.compat.v1.logging.info("step %d", step)
            """),
        # No spelling left in TF 2.21 (tf.compat.v1.layers is Keras 2's): reported only.
        Invalid(
            """
            import tensorflow as tf
            hidden = tf.layers.dense(x, 64)
            """,
            at=(2, 10), target_tf="2.16"),
        # Unknown target: reported; no version-gated fix.
        Invalid(
            """
            import tensorflow as tf
            x = tf.placeholder(tf.float32, shape=(None, 28, 28))
            """,
            at=(2, 5)),
        # A target reaches the newest TF (docs/target-tf.md): reported at every target, with
        # the tf.compat.v1 spelling TF 1.13+ has.
        Invalid(
            """
            import tensorflow as tf
            x = tf.placeholder(tf.float32)
            """,
            at=(2, 5), target_tf="1.15",
            fixed="""
            import tensorflow as tf
            x = tf.compat.v1.placeholder(tf.float32)
            """),
    ]

    def visit_Attribute(self, node):
        name = self.qualified_name(node, canonical=False)
        if not name:
            return
        key = name[len("tensorflow."):] if name.startswith("tensorflow.") else None
        if key in _TF1_NAMES and key not in _OWNED:
            if not self._inside_reported(node):
                self._tf1_name(node, key)
            return
        namespace, _, function = name.rpartition(".backend.")
        if function in _KERAS_SESSION and namespace in ("keras", "tensorflow.keras", "tf_keras"):
            self._keras_session(node, namespace, function)
        elif (function in _KERAS_SESSION and namespace == "tensorflow.compat.v1.keras"
              and self.target_at_least("tf_keras_is_keras3") and self.keras_target != "tf_keras"):
            # TF 2.0-2.15's spelling (this rule's own fix there): gone with Keras 3, and
            # tf_keras's own TF 1 API under TF_USE_LEGACY_KERAS=1.
            self._keras_session(node, namespace, function)

    def _inside_reported(self, node):
        """Whether ``node`` (`tf.logging`) is the start of a longer dropped name
        (`tf.logging.info`), reported there instead."""
        parent = self.context.ancestors[-2] if len(self.context.ancestors) > 1 else None
        if not (isinstance(parent, cst.Attribute) and parent.value is node):
            return False
        name = self.qualified_name(parent, canonical=False) or ""
        return name[len("tensorflow."):] in _TF1_NAMES

    def _tf1_name(self, node, key):
        """A TF 1 name: the fix is TF 2's name of the same object where TF proves one
        (tf_export's own TF 2 names, the same object in TF 1.15 and TF 2.21:
        `tf.FixedLenFeature` -> `tf.io.FixedLenFeature`), else its tf.compat.v1 spelling (the
        same object in TF 1.13+), also where tf_upgrade_v2 maps it to a TF 2 function that is
        not the same object (the help names that one); neither in TF 2.21 (`tf.layers.*`,
        `tf.nn.rnn_cell.*`): reported."""
        entry = _TF1_NAMES[key]
        new = entry["v2"] or entry["v1"]
        old = "tf." + key
        if new is None:
            upgrade = entry["upgrade"]
            self.report(node, old=old, help=(
                "TF 2.21 has no tf.compat.v1 spelling of it%s" % (
                    " (tf_upgrade_v2 maps it to `tf.%s`)" % upgrade if upgrade else
                    ": rewrite it with TF 2's API")))
            return
        text = self.spell("tensorflow." + new)
        if key in _GRAPH_ONLY:
            help = None  # the class's: graph mode, or an eager rewrite
        elif entry["v2"]:
            help = "use `{new}`: TF 2's name of the same object"
        elif entry["upgrade"] and entry["upgrade"] != new:
            help = ("use `{new}`, the same object (TF 2's own `tf.%s` differs: check its "
                    "arguments before moving to it)" % entry["upgrade"])
        else:
            help = "use `{new}`"
        self.report(node, old=old, new="tf." + new, help=help,
                    edits=[self.replace(node, text)] if text else None)

    def _keras_session(self, node, namespace, function):
        """Keras' session: tf.keras's becomes `tf.compat.v1.keras.backend.<function>` for
        targets below 2.16; standalone Keras's, and any in a Keras 3 target (that spelling too),
        are reported with what to do instead, deleted only in `_keras3_use`'s shapes."""
        old = "K.%s" % function if namespace != "tensorflow.compat.v1.keras" \
            else "tf.compat.v1.keras.backend.%s" % function
        if self.keras_target == "tf_keras" and self.target_at_least("tf_keras_is_keras3"):
            self._tf_keras_session(node, namespace, function, old)
        elif self.target_at_least("tf_keras_is_keras3"):
            advice, fix = self._keras3_use()
            self.report(node, "`%s` does not exist in Keras 3 (TF 2.16+), which has no "
                        "sessions" % old, help=advice or self._keras3_instead(), edits=fix,
                        safety=UNSAFE if fix else None)
        elif namespace == "tensorflow.keras":
            new = "tensorflow.compat.v1.keras.backend." + function
            text, edits = self.require(new)
            self.report(node, "`%s` is gone from tf.keras in TF 2" % old,
                        help="use `%s` (graph mode)" % text,
                        edits=edits + [self.replace(node, text)])
        else:
            self.report(node, "`%s` of standalone Keras is gone from Keras 2.4+ (TF 2)" % old,
                        help="use tf.keras and tf.compat.v1.keras.backend.%s (TF 2.0-2.15, "
                        "graph mode)" % function)

    def _tf_keras_session(self, node, namespace, function, old):
        """keras-target tf_keras on TF 2.16+: tf_keras keeps its sessions only in its TF 1 API,
        which is `tf.compat.v1.keras` under TF_USE_LEGACY_KERAS=1 (`tf.keras` is then its TF 2
        API, without them): unsafe, as without it that name is Keras 3's; the session it gives
        runs tensors in graph mode only (TFC413)."""
        new = "tensorflow.compat.v1.keras.backend." + function
        if namespace == "keras":
            self.report(node, "`%s` of the `keras` package: Keras 3 has no sessions" % old,
                        help="move the module onto tf_keras (TFC203), then use "
                        "`tf.compat.v1.keras.backend.%s` in graph mode (TFC413)" % function)
            return
        text, edits = self.require(new)
        self.report(node, "`%s` is not in tf_keras's TF 2 API" % old,
                    help="use `%s` (tf_keras's TF 1 API under TF_USE_LEGACY_KERAS=1) in graph "
                    "mode (TFC413)" % text,
                    edits=edits + [self.replace(node, text)], safety=UNSAFE)

    def _keras3_use(self):
        """(advice, fix) from the one use the session is put to right here, when it is a known
        shape: `K.get_session().run(<initializer>)` as a statement is deleted (eager TF and
        Keras 3 create variables initialized); `.run(t)` of anything else is the eager value;
        handed to `start_queue_runners`, the queues become tf.data (TFC411). A deletion is
        unsafe: it assumes the program now runs eagerly."""
        ancestors = self.context.ancestors
        if len(ancestors) < 3 or not isinstance(ancestors[-2], cst.Call):
            return None, None
        left = self._left_behind(ancestors[-2], ancestors[-3], ancestors[:-3])
        if left is not None:
            return left
        parent = ancestors[-3]
        if isinstance(parent, cst.Arg) and len(ancestors) > 3 \
                and isinstance(ancestors[-4], cst.Call) \
                and self.qualified_name(ancestors[-4].func) in _QUEUE_STARTERS:
            return _KERAS3_INSTEAD[0][1], None
        if not (isinstance(parent, cst.Attribute) and parent.attr.value == "run"
                and len(ancestors) > 3 and isinstance(ancestors[-4], cst.Call)):
            return None, None
        run = ancestors[-4]
        fetched = [a.value for a in run.args if a.keyword is None]
        if len(run.args) != 1 or len(fetched) != 1:
            return _KERAS3_RUN, None
        target = fetched[0]
        if isinstance(target, cst.Call) and self.qualified_name(target.func) in _INITIALIZERS:
            statement = ancestors[-5] if len(ancestors) > 5 else None
            line = ancestors[-6] if len(ancestors) > 6 else None
            fix = None
            if isinstance(statement, cst.Expr) and statement.value is run \
                    and isinstance(line, cst.SimpleStatementLine) and len(line.body) == 1:
                fix = [self.remove(line)]
            return _KERAS3_INSTEAD[1][1], fix
        return _KERAS3_RUN, None

    def _left_behind(self, call, parent, above):
        """(advice, fix) deleting a statement that only gets or sets Keras' session: `sess =
        K.get_session()` whose name nothing reads (once the queue runners it started are
        tf.data), or `K.set_session(...)`; None for any other use."""
        line = above[-1] if above else None
        if not isinstance(line, cst.SimpleStatementLine) or len(line.body) != 1:
            return None
        function = call.func.attr.value if isinstance(call.func, cst.Attribute) else None
        if isinstance(parent, cst.Expr) and function == "set_session":
            return ("Keras 3 makes no session to set: delete it (a session config's GPU "
                    "options are tf.config.experimental.set_memory_growth)"), [
                        self.remove(line)]
        if isinstance(parent, cst.Assign) and function == "get_session" \
                and len(parent.targets) == 1 and isinstance(parent.targets[0].target, cst.Name):
            name = parent.targets[0].target.value
            uses = patterns.name_nodes(self.context.module, name)
            if len(uses) == 1:
                return "nothing reads the session: delete the line", [self.remove(line)]
        return None

    def _keras3_instead(self):
        """What to do instead of the session, from what the enclosing function (or the
        module) calls."""
        scope = patterns.enclosing_function(self.context.ancestors) or self.context.module
        called = {self.qualified_name(c.func) for c in patterns.all_nodes(scope, (cst.Call,))}
        for names, advice in _KERAS3_INSTEAD:
            if called.intersection(names):
                return advice
        return _KERAS3_RUN

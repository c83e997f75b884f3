import ast
import json
import os

from tfcompat.lint.analysis import imports, patterns, qualnames
from tfcompat.lint.libcst_lazy import cst
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
# Every name visit_Attribute reports, as the code spells it (qualified, not canonical): a TF 1
# name, and Keras' session (tf.compat.v1.keras's only for some targets).
_REPORTED = frozenset(["tensorflow." + n for n in _TF1_NAMES if n not in _OWNED] + [
    "%s.backend.%s" % (namespace, function) for namespace in (
        "keras", "tensorflow.keras", "tf_keras", "tensorflow.compat.v1.keras")
    for function in _KERAS_SESSION])
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
# Broad handlers: a fallback for a missing name around a single statement.
_PROBE_HANDLERS = frozenset(("Exception", "BaseException"))
# Functions projects write to ask which TF runs, by what a true answer means.
_TF2_CHECKS = frozenset(("is_tf2", "is_tfv2", "is_tf_2", "tf2_enabled", "enabled"))
_TF1_CHECKS = frozenset(("is_tf1", "is_tfv1", "is_tf_1"))


def _version_major(expr):
    """The major version of a version string literal ('2.0.0' -> 2), or None."""
    if isinstance(expr, cst.SimpleString):
        head = expr.evaluated_value.partition(".")[0]
        return int(head) if head.isdigit() else None
    return None


def _tf_major_test(rule, test):
    """1 when ``test`` holds on TF 1 only, 2 when on TF 2 only, None when it says nothing of
    the version: `tf.__version__.startswith("1.")`, `tf.__version__ >= "2.0"`,
    `is_tf2()`-style checks, `not` of one of these."""
    if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
        inner = _tf_major_test(rule, test.expression)
        return {1: 2, 2: 1}.get(inner)
    if isinstance(test, cst.BooleanOperation) and isinstance(test.operator, cst.And):
        return _tf_major_test(rule, test.left) or _tf_major_test(rule, test.right)
    if isinstance(test, cst.Call):
        func = test.func
        if isinstance(func, cst.Attribute) and func.attr.value == "startswith" \
                and _is_tf_version(rule, func.value) and test.args:
            major = _version_major(test.args[0].value)
            return major if major in (1, 2) else (1 if major == 0 else None)
        name = (rule.qualified_name(func) or "").rpartition(".")[2] or (
            func.value if isinstance(func, cst.Name) else
            func.attr.value if isinstance(func, cst.Attribute) else "")
        if name.lstrip("_") in _TF2_CHECKS and (name != "enabled" or "tf2" in (
                rule.qualified_name(func) or "")):
            return 2
        if name.lstrip("_") in _TF1_CHECKS:
            return 1
        return None
    if isinstance(test, cst.Comparison) and len(test.comparisons) == 1 \
            and _is_tf_version(rule, test.left):
        target = test.comparisons[0]
        major = _version_major(target.comparator)
        if major is None:
            return None
        op = type(target.operator)
        if op is cst.LessThan and major <= 2 or op is cst.LessThanEqual and major <= 1:
            return 1
        if op in (cst.GreaterThanEqual, cst.GreaterThan) and major >= 2:
            return 2
    return None


def _is_tf_version(rule, expr):
    return (rule.qualified_name(expr) or "") in ("tensorflow.__version__",
                                                   "tensorflow.VERSION")


def _starts_reported(qualified):
    """Whether one of the dotted names ``qualified`` starts with a name of _REPORTED."""
    for name in qualified:
        end = name.find(".")
        while end != -1:
            end = name.find(".", end + 1)
            if (name if end == -1 else name[:end]) in _REPORTED:
                return True
    return False


def _hasattr_of_tf(rule, test):
    """Whether ``test`` asks `hasattr(<a TensorFlow module>, ...)`, in any polarity."""
    for call in patterns.all_nodes(test, (cst.Call,)):
        if isinstance(call.func, cst.Name) and call.func.value == "hasattr" and call.args \
                and (rule.qualified_name(call.args[0].value) or "").startswith("tensorflow"):
            return True
    return False


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
        # Code that runs the TF 1 name on TF 1 only: a `try:` with an AttributeError fallback,
        # a branch of a version test, a hasattr test, a module attribute set for TF 2.
        Valid(
            """
            import tensorflow as tf
            from tensorflow.python import tf2
            def parse(record, spec):
                try:
                    return tf.parse_single_example(record, features=spec)
                except AttributeError:
                    return tf.io.parse_single_example(record, features=spec)
            if tf.__version__ >= "2.0.0":
                logits = tf.compat.v1.feature_column.linear_model(features, columns)
            else:
                logits = tf.feature_column.linear_model(features, columns)
            if tf.__version__.startswith("1."):
                optimizer = tf.train.AdamOptimizer()
            if not hasattr(tf, "layers"):
                tf.layers = tf.keras.layers
            if not hasattr(tf.io.gfile, "GFile"):
                tf.io.gfile.GFile = tf.gfile.GFile
            writer = tf.summary.create_file_writer(d) if tf2.enabled() else tf.summary.FileWriter(d)
            """, target_tf="2.16"),  # noqa: E501
        # A relative import names a module of this package, even one called `tf`.
        Valid("""
            import tensorflow as tf
            from .tf.logging import info
            """, target_tf="2.16"),
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
        # A handler that is no fallback for a missing name, and the TF 2 branch of a test.
        Invalid(
            """
            import tensorflow as tf
            try:
                loss = tf.log(y)
            except ValueError:
                loss = None
            """,
            at=(3, 12), target_tf="2.16",
            fixed="""
            import tensorflow as tf
            try:
                loss = tf.math.log(y)
            except ValueError:
                loss = None
            """),
        Invalid(
            """
            import tensorflow as tf
            if tf.__version__.startswith("1."):
                opt = tf.compat.v1.train.AdamOptimizer()
            else:
                tf.logging.info("TF 2")
            """,
            at=(5, 5), target_tf="2.16",
            fixed="""
            import tensorflow as tf
            if tf.__version__.startswith("1."):
                opt = tf.compat.v1.train.AdamOptimizer()
            else:
                tf.compat.v1.logging.info("TF 2")
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
        # The names through any import (may_fire's qualified names): a function's own import
        # of a module under an alias (no module-level import spells the fix), a dropped
        # module imported by name, a longer chain through a dropped name, and tf.keras's
        # session through tf.compat.v1.
        Invalid(
            """
            def restore(sess, path):
                from tensorflow import train as tf_train
                tf_train.Saver().restore(sess, path)
            """,
            at=(3, 5), target_tf="2.16"),
        Invalid(
            """
            from tensorflow import logging
            logging.info("step %d", 1)
            """,
            at=(2, 1), target_tf="2.16"),
        Invalid(
            """
            import tensorflow as tf
            tf.train.Saver.restore(saver, sess, path)
            """,
            at=(2, 1), target_tf="2.16",
            fixed="""
            import tensorflow as tf
            tf.compat.v1.train.Saver.restore(saver, sess, path)
            """),
        Invalid(
            """
            from tensorflow import compat
            graph = compat.v1.keras.backend.get_session().graph
            """,
            at=(2, 9), target_tf="2.16"),
        # The dotted module of an import statement: a name the rule reports too, also where
        # the code names compat.v1 (and the import binding its head comes later).
        Invalid(
            """
            import tensorflow.logging
            """,
            at=(1, 8), target_tf="2.16",
            fixed="""
            import tensorflow.compat.v1.logging
            """),
        Invalid(
            """
            def logger():
                import tensorflow.logging as tf_logging
                import tensorflow
                return tensorflow.compat.v1.logging
            """,
            at=(2, 12), target_tf="2.16"),
        # In an import statement, the module path is written out: never through an alias.
        Invalid("""
            import tensorflow.compat.v1 as tf1
            import tensorflow.gfile
            """, at=(2, 8), target_tf="2.16", fixed="""
            import tensorflow.compat.v1 as tf1
            import tensorflow.compat.v1.gfile
            """),
    ]

    @classmethod
    def may_fire(cls, names):
        """Only an Attribute whose qualified name (canonical=False) is one of _REPORTED is
        reported: in the code, a dotted chain on an imported name, whose outermost chain
        starts with it, or the dotted module of an import statement (`import
        tensorflow.logging`). Canonical names are those the code spells unless it names
        `compat` (canonical drops only `compat.v1`/`compat.v2`), so the code's qualified
        names answer then; else the chains are qualified as the code spells them."""
        if "compat" not in names.words:
            return _starts_reported(names.qualified)
        found = names.imports
        spelled = [found.qualify_dotted(imports.dotted(node), False)
                   for node in imports.statements_and_chains(names.tree, found.names)
                   if node.__class__ is ast.Attribute]
        spelled += [found.qualify_dotted(path, False) for path in imports.import_paths(names.tree)]
        return _starts_reported(name for name in spelled if name)

    def visit_Attribute(self, node):
        name = self.qualified_name(node, canonical=False)
        if not name:
            return
        statement = self._import_statement()
        if isinstance(statement, cst.ImportFrom) and statement.relative:
            return  # `from .tf.logging import x`: a module of this package, not TF's
        key = name[len("tensorflow."):] if name.startswith("tensorflow.") else None
        if key in _TF1_NAMES and key not in _OWNED:
            if not self._inside_reported(node) and not self._guarded(node):
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

    def _import_statement(self):
        """The import statement the node being visited is in (its dotted module), or None."""
        for ancestor in reversed(self.context.ancestors):
            if isinstance(ancestor, (cst.Import, cst.ImportFrom)):
                return ancestor
            if isinstance(ancestor, cst.BaseStatement):
                return None
        return None

    def _guarded(self, node):
        """Whether the code around ``node`` runs it on TF 1 only: the body of a `try:` whose
        handler catches the AttributeError (the fallback runs on TF 2), a branch of a test of
        TF's version taken on TF 1 only, a test of `hasattr(tf..., ...)`, or an assignment to
        the name (a TF 2 program setting it, not reading it)."""
        chain = list(self.context.ancestors)
        parent = chain[-2] if len(chain) > 1 else None
        if isinstance(parent, cst.AssignTarget) and parent.target is node:
            return True
        for outer, inner in zip(reversed(chain[:-1]), reversed(chain[1:])):
            if isinstance(outer, cst.Try) and inner is outer.body \
                    and any(self._fallback(h, len(outer.body.body), node)
                            for h in outer.handlers):
                return True
            if isinstance(outer, (cst.If, cst.IfExp)) and inner is not outer.test:
                if _hasattr_of_tf(self, outer.test):
                    return True
                major = _tf_major_test(self, outer.test)
                if major is not None and major == (1 if inner is outer.body else 2):
                    return True
        return False

    def _fallback(self, handler, statements, node):
        """Whether an `except` clause is a fallback for the missing TF 1 name ``node``: it
        catches AttributeError (a bare or `Exception` clause only around a single statement),
        spells the same name another way (`tf.compat.v1.train.get_global_step` for
        `tf.train.get_global_step`), and runs no TF 1 name itself."""
        types = [] if handler.type is None else [e.value for e in handler.type.elements] \
            if isinstance(handler.type, cst.Tuple) else [handler.type]
        caught = {(self.qualified_name(t) or self.code_for(t)).rpartition(".")[2]
                  for t in types}
        if "AttributeError" not in caught and not (
                statements == 1 and (not types or caught & _PROBE_HANDLERS)):
            return False
        leaf, spelled = node.attr.value, False
        for attribute in patterns.all_nodes(handler.body, (cst.Attribute,)):
            name = self.qualified_name(attribute, canonical=False) or ""
            if name.startswith("tensorflow.") and name[len("tensorflow."):] in _TF1_NAMES:
                return False
            spelled = spelled or name.startswith("tensorflow.") and attribute.attr.value == leaf
        return spelled

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
        if text and self._import_statement() is not None:
            # A module path is never spelled through an alias: `import tf1.gfile` is no module.
            text = "tensorflow." + new
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

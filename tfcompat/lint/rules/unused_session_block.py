import ast

from tfcompat.lint.analysis import patterns, qualnames
from tfcompat.lint.analysis.prefilter import via
from tfcompat.lint.libcst_lazy import cst
from tfcompat.lint.rule import UNSAFE, Invalid, Rule, Run, Valid

# What a block may use its session through without naming it: the default session.
_DEFAULT_SESSION = frozenset(["tensorflow.get_default_session"]) | qualnames.SESSION_FACTORIES
# The sessions a reported `with` calls, canonical.
_SESSIONS = frozenset(["tensorflow.Session", "tensorflow.InteractiveSession"])


class UnusedSessionBlock(Rule):
    """
    ## What it does
    Finds `with tf.Session() as sess:` (or `tf.compat.v1.Session()`) blocks whose code never
    uses the session (by name, `sess.run`, `op.run()` or `t.eval()` in its default session, nor
    after the block), unless keras-target is `tf_keras`: Keras 3 (TF 2.16+) is within reach of
    every target (docs/target-tf.md).

    ## Why is this bad?
    On TF 2 a Session block makes its graph the default one: everything built inside is graph
    code, where `tf.data` datasets cannot be iterated ("only supports Python-style iteration in
    eager mode") and Keras 3 cannot train at all. Left over from TF 1 code once the
    `sess.run(...)` calls are gone (TFC103, TFC405), the block does nothing but break the
    training inside it.

    ## Example
    ```python
    import tensorflow as tf

    with tf.compat.v1.Session() as sess:
        model.fit(dataset, epochs=5)
    ```

    ## Use instead
    ```python
    import tensorflow as tf

    model.fit(dataset, epochs=5)
    ```

    ## Fix safety
    Unsafe: the block's code runs eagerly afterwards, which is what TF 2 code means, but any
    graph it built (and relied on being one graph) is gone.

    ## Versions
    Keras 3 is tf.keras from TF 2.16. Rewrite run by tests/runtime/test_rewrites_run.py in
    tf221 (where the original fails).
    """

    code = "TFC407"
    name = "unused-session-block"
    message = ("`with {session}` around code that never uses the session: it puts the block in "
               "graph mode, where Keras 3 cannot train")
    help = "drop the `with` and run its code eagerly, as Keras 3 trains"
    tokens = ("Session", "InteractiveSession")
    # It reports `with X():` where X is qualified to one of them.
    modules = (via("tensorflow.Session", "tensorflow.InteractiveSession"),)
    called = True
    fix_safety = UNSAFE
    fix_tf = "tf_keras_is_keras3"

    VALID = [
        # tf.test.TestCase's evaluate() runs in the default session, which the block sets;
        # and a block inside `with tf.Graph().as_default():` is graph code on purpose.
        Valid(
            """
            import tensorflow as tf
            class StepTest(tf.test.TestCase):
                def test_step(self):
                    with tf.Session():
                        self.evaluate(tf.compat.v1.global_variables_initializer())
                def test_default_session(self):
                    with tf.Graph().as_default():
                        with tf.compat.v1.Session() as _:
                            self.builder.as_dataset(split="train")
            """, target_tf="2.16"),
        # The block uses its session.
        Valid(
            """
            import tensorflow as tf
            with tf.compat.v1.Session() as sess:
                print(sess.run(total))
            """, target_tf="2.16"),
        # tf_keras keeps Keras 2, which trains in the block's graph mode.
        Valid(
            """
            import tensorflow as tf
            with tf.Session() as sess:
                model.fit(x, y)
            """, target_tf="2.15", keras_target="tf_keras"),
        """
        import tensorflow as tf
        with tf.compat.v1.Session():
            print(total.eval())
        """,
        """
        import keras.backend as K
        import tensorflow as tf
        with tf.compat.v1.Session() as sess:
            K.set_session(sess)
        """,
        # An op run in the block's default session; a session read after its block.
        Valid(
            """
            import tensorflow as tf
            with tf.compat.v1.Session():
                tf.io.write_file(path, summary).run()
            def load_graph(path):
                with tf.compat.v1.Session() as sess:
                    tf.import_graph_def(read_graph_def(path), name="")
                return sess.graph
            """, target_tf="2.16"),
    ]
    INVALID = [
        Invalid(
            """
            import tensorflow as tf
            with tf.compat.v1.Session() as sess:
                model.fit(x, y)
            """,
            at=(2, 6), target_tf="2.16",
            fixed="""
            import tensorflow as tf
            model.fit(x, y)
            """),
        # The tf_keras target keeps Keras 2, which trains in graph mode: not this rule's; an
        # unknown target is reported, with no fix.
        Invalid(
            """
            import tensorflow as tf
            with tf.Session() as sess:
                model.fit(x, y)
            """,
            at=(2, 6)),
        # A program: the seed question once its generator no longer runs the session.
        Invalid(
            """
            import numpy as np
            import tensorflow as tf
            import keras
            with tf.compat.v1.Session() as sess:
                def batches():
                    ds = tf.data.Dataset.from_tensor_slices(
                        (np.ones((8, 1), "float32"), np.ones((8, 1), "float32"))).batch(4)
                    while True:
                        yield from ds.as_numpy_iterator()

                inputs = keras.layers.Input(shape=(1,))
                model = keras.models.Model(inputs, keras.layers.Dense(1)(inputs))
                model.compile("sgd", "mse")
                result = model.fit(batches(), steps_per_epoch=2, epochs=2, verbose=0)
            """,
            at=(4, 6), target_tf="2.16",
            fixed="""
            import numpy as np
            import tensorflow as tf
            import keras
            def batches():
                ds = tf.data.Dataset.from_tensor_slices(
                    (np.ones((8, 1), "float32"), np.ones((8, 1), "float32"))).batch(4)
                while True:
                    yield from ds.as_numpy_iterator()

            inputs = keras.layers.Input(shape=(1,))
            model = keras.models.Model(inputs, keras.layers.Dense(1)(inputs))
            model.compile("sgd", "mse")
            result = model.fit(batches(), steps_per_epoch=2, epochs=2, verbose=0)
            """,
            run=Run(broken=("tf221",), fixed=("tf221",), result=[2])),
        # A target reaches the newest TF (docs/target-tf.md): reported at every target
        # (the fix, from TF 2.16 only).
        Invalid(
            """
            import tensorflow as tf
            with tf.Session() as sess:
                model.fit(x, y)
            """,
            at=(2, 6), target_tf="2.15"),
        # The session through any import (may_fire's qualified names): a function's own
        # import of the name, and tf.compat.v1 under an alias.
        Invalid(
            """
            def train(model, x, y):
                from tensorflow.compat.v1 import Session
                with Session():
                    model.fit(x, y)
            """,
            at=(3, 10), target_tf="2.16",
            fixed="""
            def train(model, x, y):
                from tensorflow.compat.v1 import Session
                model.fit(x, y)
            """),
        Invalid(
            """
            import tensorflow.compat.v1 as tf1
            with tf1.InteractiveSession() as session:
                model.fit(x, y)
            """,
            at=(2, 6), target_tf="2.16",
            fixed="""
            import tensorflow.compat.v1 as tf1
            model.fit(x, y)
            """),
        # `async with`, in a handler's block.
        Invalid(
            """
            import tensorflow as tf
            async def train(model, x, y):
                try:
                    pass
                except ValueError:
                    async with tf.Session():
                        model.fit(x, y)
            """,
            at=(6, 20), target_tf="2.16",
            fixed="""
            import tensorflow as tf
            async def train(model, x, y):
                try:
                    pass
                except ValueError:
                    model.fit(x, y)
            """),
    ]

    @classmethod
    def runs_under(cls, target_tf, keras_target):
        # visit_With's first test (targets_keras3): Keras 2 trains in the block's graph mode.
        return keras_target != "tf_keras" and super().runs_under(target_tf, keras_target)

    @classmethod
    def may_fire(cls, names):
        """A report is a `with` (or `async with`) statement of one item, a call of a name
        qualified to a session class: that name (an imported one, or a dotted chain on one,
        outermost as it is called) is among the code's qualified names, and the statement is
        in its tree; and where it binds a name (``as sess``), its block does not name it as a
        Name of ``ast`` (which libcst has too, among the Names _uses_session looks at; not
        where a non-ASCII identifier could be spelled apart from ``ast``'s NFKC form)."""
        if _SESSIONS.isdisjoint(names.qualified):
            return False
        found = names.imports
        return any(_session_with(statement, found)
                   and not (names.ascii and _names_its_target(statement))
                   for statement in _withs(names.tree))

    def visit_With(self, node):
        if not self.targets_keras3():
            return  # Keras 2 trains in the block's graph mode
        if len(node.items) != 1 or not isinstance(node.items[0].item, cst.Call):
            return
        item = node.items[0]
        session = self.qualified_name(item.item.func)
        if session not in ("tensorflow.Session", "tensorflow.InteractiveSession"):
            return
        name = item.asname.name.value if item.asname is not None \
            and isinstance(item.asname.name, cst.Name) else None
        if self._uses_session(node.body, name) or self._in_explicit_graph() \
                or self._read_after(node, name):
            return
        self.report(item.item, session=self.code_for(item.item.func) + "()",
                    edits=self._fix(node))

    def _uses_session(self, body, name):
        """Whether the block names its session, runs tensors (`.run()` / `.eval()`, a test's
        `self.evaluate()`) or asks for the default session (`get_default_session`,
        `K.get_session()`)."""
        for found in patterns.all_nodes(body, (cst.Name, cst.Call)):
            if isinstance(found, cst.Name) and found.value == name:
                return True
            if isinstance(found, cst.Call) and (
                    patterns.runs_tensors(self, found) or _test_evaluate(found)
                    or _runs_in_default_session(found)
                    or self.qualified_name(found.func) in _DEFAULT_SESSION):
                return True
        return False

    def _read_after(self, node, name):
        """Whether the statements after the block read the session's name (`sess.graph`
        returned after it): the block is then not a leftover."""
        if name is None or len(self.context.ancestors) < 2:
            return False
        parent = self.context.ancestors[-2]
        body = getattr(parent, "body", ())
        if not isinstance(body, (list, tuple)):
            return False
        after = list(body)[[id(s) for s in body].index(id(node)) + 1:] \
            if any(s is node for s in body) else []
        return any(patterns.name_nodes(statement, name) for statement in after)

    def _in_explicit_graph(self):
        """Whether an enclosing `with` makes a graph the default (`tf.Graph().as_default()`):
        the code is graph-mode on purpose, with or without the session block."""
        for node in self.context.ancestors[:-1]:
            if isinstance(node, cst.With):
                for item in node.items:
                    call = item.item
                    if isinstance(call, cst.Call) and patterns.method_name(call) == "as_default" \
                            and isinstance(call.func.value, cst.Call) \
                            and self.qualified_name(call.func.value.func) == "tensorflow.Graph":
                        return True
        return False

    def _fix(self, node):
        """The block's lines, dedented to the `with`'s indentation, in place of the `with`; None
        where the `with` header spans lines or a line is less indented than the block (a
        multi-line string)."""
        where = self.context.position(node)
        header = self.context.position(node.items[0])
        if header.end.line != where.start.line:
            return None
        indent = self.context.line_text(where.start.line)[:where.start.column]
        first = self.context.position(node.body.body[0]).start
        inner = self.context.line_text(first.line)[:first.column]
        if not inner.startswith(indent) or len(inner) <= len(indent):
            return None
        lines = []
        for number in range(where.start.line + 1, where.end.line + 1):
            text = self.context.line_text(number).rstrip("\r\n")
            if number == where.end.line:
                text = text[:where.end.column]
            if not text.strip():
                lines.append("")
            elif text.startswith(inner):
                lines.append(indent + text[len(inner):])
            else:
                return None  # a line less indented than the block (a multi-line string)
        start = cst.metadata.CodePosition(where.start.line, 0)
        newline = self.context.module.default_newline
        return [self._edit(start, where.end, newline.join(lines))]


def _withs(tree):
    """The `with` and `async with` statements of an ast Module, at any depth (statements hold
    statements only in their blocks)."""
    blocks = [tree.body]
    while blocks:
        for statement in blocks.pop():
            cls = statement.__class__
            if cls is ast.With or cls is ast.AsyncWith:
                yield statement
            for field in ("body", "orelse", "handlers", "finalbody", "cases"):
                block = getattr(statement, field, None)
                if block.__class__ is list:
                    blocks.append(block)


def _names_its_target(statement):
    """Whether an ast `with` statement of one item binds a plain name its block names."""
    target = statement.items[0].optional_vars
    if target.__class__ is not ast.Name:
        return False
    return any(node.__class__ is ast.Name and node.id == target.id
               for block in statement.body for node in ast.walk(block))


def _session_with(statement, found):
    """Whether an ast `with` statement is visit_With's shape: one item, a call of a name that
    the imports ``found`` qualify to a session class."""
    if len(statement.items) != 1 or statement.items[0].context_expr.__class__ is not ast.Call:
        return False
    func = statement.items[0].context_expr.func
    parts = []
    while func.__class__ is ast.Attribute:
        parts.append(func.attr)
        func = func.value
    if func.__class__ is not ast.Name:
        return False
    parts.append(func.id)
    return found.qualify_dotted(".".join(reversed(parts))) in _SESSIONS


def _test_evaluate(call):
    """`self.evaluate(...)`: tf.test.TestCase runs it in the default session in graph mode."""
    func = call.func
    return isinstance(func, cst.Attribute) and func.attr.value == "evaluate" \
        and isinstance(func.value, cst.Name) and func.value.value == "self"


def _runs_in_default_session(call):
    """`op.run()` with no arguments on an op made in place: run in the default session, which
    the block sets."""
    return patterns.method_name(call) == "run" and not call.args \
        and isinstance(call.func, cst.Attribute) and isinstance(call.func.value, cst.Call)

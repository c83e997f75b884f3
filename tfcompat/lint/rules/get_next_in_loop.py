import ast

from tfcompat.lint.analysis import patterns, provenance, scopes
from tfcompat.lint.analysis.qualnames import ITERATOR_CALL_NAMES
from tfcompat.lint.libcst_lazy import cst
from tfcompat.lint.rule import SAFE, UNSAFE, Invalid, Rule, Run


class GetNextInLoop(Rule):
    """
    ## What it does
    Finds `get_next()` called inside a step loop on a TF 1.x graph-mode iterator (one made by
    `make_one_shot_iterator`, `make_initializable_iterator` or `Iterator.from_structure`), and
    those iterators themselves made inside a step loop. A step loop runs tensors (a session's
    `run`, `.eval()`) or yields. Not flagged: loops that build the graph (one `get_next()` per
    GPU tower), one iterator per dataset of a loop or comprehension over datasets (or a pass
    per mode building its own dataset), and modules that turn eager execution on.

    ## Why is this bad?
    In graph mode each call adds new ops to the graph; it does not fetch anything. Called on
    every step, it grows the graph without end: each step is slower than the last, memory runs
    out, and a saved graph balloons. The iterator advances each time the op is *run*, so a
    single `get_next()` op built before the loop yields exactly the same batches.

    ## Example
    ```python
    iterator = dataset.make_one_shot_iterator()
    while True:
        features, labels = sess.run(iterator.get_next())
    ```

    ## Use instead
    ```python
    iterator = dataset.make_one_shot_iterator()
    next_element = iterator.get_next()
    while True:
        features, labels = sess.run(next_element)
    ```

    ## Fix safety
    Safe where graph mode is proven (a TF 1 target, graph-only code in the module, or the
    `get_next()` handed straight to a session's `run`): building the op once before the loop
    instead of once per step changes no value. Otherwise unsafe: in eager code `get_next()`
    returns the next element, and hoisting it would repeat the first one.

    ## Versions
    TF 1.x graph mode (TF 1.4 to 1.15) and `tf.compat.v1` graph code on TF 2. The fix is valid
    on every version. Rewrite run by tests/runtime/test_rewrites_run.py in tf115-keras231 and
    tf221.
    """

    code = "TFC102"
    name = "get-next-in-loop"
    message = "`{receiver}.get_next()` in a loop adds new graph ops on every iteration"
    help = "build `get_next()` once, before the loop, and run that tensor in it"
    # Every report has a call making a TF 1 iterator, in a loop (or the iterator of one) that
    # runs tensors or yields.
    tokens = (tuple(sorted(ITERATOR_CALL_NAMES)), ("run", "eval", "yield"))
    fix_safety = SAFE

    VALID = [
        """
        iterator = dataset.make_one_shot_iterator()
        next_element = iterator.get_next()
        while True:
            batch = sess.run(next_element)
        """,
        # Eager: iter(dataset).get_next() returns the next element.
        """
        iterator = iter(dataset)
        for step in range(100):
            batch = iterator.get_next()
        """,
        # An unrelated get_next over a Python list.
        """
        def get_next(x):
            return x + 1
        for item in [1, 2, 3]:
            print(get_next(item))
        for pager in pagers:
            page = pager.get_next()
        """,
        # Evaluated once: the iterable of a for, a loop's else, a function defined in a loop.
        """
        it = ds.make_one_shot_iterator()
        for x in sess.run(it.get_next()):
            pass
        else:
            last = it.get_next()
        while True:
            def step():
                return it.get_next()
        """,
        # An iterator given as a parameter: nothing says it is a graph-mode one.
        """
        def batches(iterator):
            while True:
                yield iterator.get_next()
        """,
        # Eager code (a TFLite representative dataset): get_next() returns the next element;
        # hoisting it would yield the first batch every time.
        """
        import tensorflow as tf
        tf.enable_eager_execution()
        def representative_dataset():
            iterator = ds.make_one_shot_iterator()
            for _ in range(100):
                yield [iterator.get_next()]
        """,
        # One input per GPU tower: the loop builds the graph once, each tower its own batch.
        """
        import tensorflow.compat.v1 as tf
        iterator = tf.data.make_one_shot_iterator(dataset)
        losses = []
        for i in range(num_gpus):
            with tf.device("/gpu:%d" % i):
                features, labels = iterator.get_next()
                losses.append(tower_loss(features, labels))
        """,
        # One iterator per different dataset, in a comprehension or a loop.
        """
        iterators = [d.make_one_shot_iterator() for d in datasets]
        tensors = []
        for ds in datasets:
            it = tf.data.make_initializable_iterator(ds)
            tensors.append(it.get_next())
        """,
        # A pass per mode, each building its own dataset and iterator.
        """
        with tf.Session() as sess:
            for mode in ["train", "eval"]:
                dataset = problem.dataset(mode).batch(8)
                iterator = dataset.make_initializable_iterator()
                features = iterator.get_next()
                sess.run(iterator.initializer)
                sess.run(features)
        """,
    ]
    INVALID = [
        Invalid(
            """
            import tensorflow as tf
            iterator = tf.compat.v1.data.make_one_shot_iterator(dataset)
            with tf.Session() as sess:
                while True:
                    batch = sess.run(iterator.get_next())
            """,
            at=(5, 26),
            fixed="""
            import tensorflow as tf
            iterator = tf.compat.v1.data.make_one_shot_iterator(dataset)
            with tf.Session() as sess:
                next_element = iterator.get_next()
                while True:
                    batch = sess.run(next_element)
            """),
        # The seed's generator: hoisted out of every loop that leaves the iterator alone,
        # inside the generator; the name next_element is taken, so next_element_1.
        Invalid(
            """
            def generate(ds, sess, next_element=None):
                iterator = ds.make_initializable_iterator()
                for epoch in range(10):
                    sess.run(iterator.initializer)
                    while True:
                        yield sess.run(iterator.get_next())
            """,
            at=(6, 28),
            fixed="""
            def generate(ds, sess, next_element=None):
                iterator = ds.make_initializable_iterator()
                next_element_1 = iterator.get_next()
                for epoch in range(10):
                    sess.run(iterator.initializer)
                    while True:
                        yield sess.run(next_element_1)
            """),
        # The iterator of an enclosing function, used in a generator defined inside it.
        Invalid(
            """
            def batches(ds, sess):
                iterator = ds.make_one_shot_iterator()
                def generate():
                    while True:
                        yield sess.run(iterator.get_next())
                return generate()
            """,
            at=(5, 28),
            fixed="""
            def batches(ds, sess):
                iterator = ds.make_one_shot_iterator()
                def generate():
                    next_element = iterator.get_next()
                    while True:
                        yield sess.run(next_element)
                return generate()
            """),
        # In a lambda: reported, not fixed (a line before the statement would run when the
        # lambda is made, perhaps before the iterator exists).
        Invalid(
            """
            take = lambda n: [sess.run(it.get_next()) for _ in range(n)]
            it = ds.make_one_shot_iterator()
            """,
            at=(1, 28)),
        # A comprehension is a loop too.
        Invalid(
            """
            it = ds.make_one_shot_iterator()
            batches = [sess.run(it.get_next()) for _ in range(10)]
            """,
            at=(2, 21),
            fixed="""
            it = ds.make_one_shot_iterator()
            next_element = it.get_next()
            batches = [sess.run(next_element) for _ in range(10)]
            """),
        # Nothing proves graph mode (a TF 2 target, no session): eager code would need the
        # call in the loop, so the fix is unsafe.
        Invalid(
            """
            import tensorflow as tf
            def batches(ds):
                iterator = tf.compat.v1.data.make_one_shot_iterator(ds)
                while True:
                    yield iterator.get_next()
            """,
            at=(5, 15), target_tf="2.16", safety=UNSAFE,
            fixed="""
            import tensorflow as tf
            def batches(ds):
                iterator = tf.compat.v1.data.make_one_shot_iterator(ds)
                next_element = iterator.get_next()
                while True:
                    yield next_element
            """),
        # Reassigned in the loop: reported, not fixed.
        Invalid(
            """
            it = ds.make_one_shot_iterator()
            while True:
                x = sess.run(it.get_next())
                it = switch(it)
            """,
            at=(3, 18)),
        # An attribute: reported, not fixed.
        Invalid(
            """
            class Feeder:
                def __init__(self, ds):
                    self.it = ds.make_one_shot_iterator()
                def batches(self, sess):
                    while True:
                        yield sess.run(self.it.get_next())
            """,
            at=(6, 28)),
        # An iterator made in a loop: a new one per epoch.
        Invalid(
            """
            for epoch in range(10):
                x = sess.run(ds.make_one_shot_iterator().get_next())
            """,
            at=(2, 21)),
        # A program: run before and after the fix (tests/runtime/test_rewrites_run.py).
        Invalid(
            """
            import numpy as np
            import tensorflow as tf
            tf.compat.v1.disable_eager_execution()
            ds = tf.data.Dataset.from_tensor_slices(np.ones((8, 2), "float32")).batch(2)
            iterator = tf.compat.v1.data.make_one_shot_iterator(ds)
            with tf.compat.v1.Session() as sess:
                result = [sess.run(iterator.get_next()) for _ in range(3)]
            """,
            at=(7, 24),
            fixed="""
            import numpy as np
            import tensorflow as tf
            tf.compat.v1.disable_eager_execution()
            ds = tf.data.Dataset.from_tensor_slices(np.ones((8, 2), "float32")).batch(2)
            iterator = tf.compat.v1.data.make_one_shot_iterator(ds)
            with tf.compat.v1.Session() as sess:
                next_element = iterator.get_next()
                result = [sess.run(next_element) for _ in range(3)]
            """,
            run=Run(original=("tf115-keras231",), fixed=("tf115-keras231", "tf221"),
                    result=[[2, 2], [2, 2], [2, 2]])),
        # The gate's shapes (may_fire): an iterator function imported under another name,
        # a session named through an import.
        Invalid(
            """
            from tensorflow.compat.v1.data import make_initializable_iterator as make_iterator
            import tensorflow.compat.v1 as tf
            def run_steps(ds):
                iterator = make_iterator(ds)
                with tf.Session() as s:
                    for _ in range(10):
                        s.run(iterator.get_next())
            """,
            at=(7, 19), target_tf="1.15",
            fixed="""
            from tensorflow.compat.v1.data import make_initializable_iterator as make_iterator
            import tensorflow.compat.v1 as tf
            def run_steps(ds):
                iterator = make_iterator(ds)
                with tf.Session() as s:
                    next_element = iterator.get_next()
                    for _ in range(10):
                        s.run(next_element)
            """),
        # A loop evaluating tensors with `.eval()`.
        Invalid(
            """
            def steps(ds):
                iterator = ds.make_one_shot_iterator()
                for _ in range(10):
                    print(iterator.get_next().eval())
            """,
            at=(4, 15), target_tf="1.15",
            fixed="""
            def steps(ds):
                iterator = ds.make_one_shot_iterator()
                next_element = iterator.get_next()
                for _ in range(10):
                    print(next_element.eval())
            """),
        # A comprehension runs its element per pass too.
        Invalid("""
            import tensorflow as tf
            it = tf.data.Dataset.range(8).make_one_shot_iterator()
            with tf.Session() as sess:
                values = [sess.run(it.get_next()) for _ in range(3)]
            """, at=(4, 24), target_tf="1.15",
            fixed="""
            import tensorflow as tf
            it = tf.data.Dataset.range(8).make_one_shot_iterator()
            with tf.Session() as sess:
                next_element = it.get_next()
                values = [sess.run(next_element) for _ in range(3)]
            """),
    ]

    @classmethod
    def may_fire(cls, names):
        # Every report is at a call `x.<name>(...)` of get_next or an iterator maker (the last
        # name of a chain is its qualified name's) inside a loop.
        return patterns.may_make_iterator(names) and (
            "yield" in names.words or patterns.may_run_tensors(names)) and _called_in_a_loop(
            names.tree, _REPORTED_CALLS)

    def visit_Call(self, node):
        func = node.func
        if not isinstance(func, cst.Attribute):
            return
        if patterns.makes_iterator(self, node):
            loops = self.loops()
            if loops and self._steps(loops[0].node) \
                    and not self._per_pass(loops[0].node, self._dataset_of(node)):
                self.report(func.attr, "`%s()` in a loop builds a new iterator and new graph "
                            "ops on every iteration" % func.attr.value,
                            help="make the iterator once, before the loop")
            return
        if func.attr.value != "get_next":
            return
        loops = self.loops()
        receiver = func.value
        if not loops or not self._steps(loops[0].node):
            return  # a loop building the graph (one input per tower, per dataset), not steps
        values = patterns.assigned_values(self, receiver)
        if values is None:
            return  # a call: the iterator is made here, and reported as such
        makers = [v for v in values if isinstance(v, cst.Call) and patterns.makes_iterator(self, v)]
        if not makers or any(scopes.within(self.context, m, loops[0].node) for m in makers):
            return  # no TF 1 iterator, or a new one each pass: its own get_next belongs there
        mode = provenance.execution_mode(self)
        if mode == provenance.EAGER:
            return  # eager: get_next() returns the next element, as it should in a loop
        proven = mode == provenance.GRAPH or provenance.run_by_session(self, node)
        self.report(node, receiver=self.code_for(receiver), edits=self._hoist(node, loops),
                    safety=None if proven else UNSAFE)

    def _steps(self, loop):
        """Whether the loop runs steps: its body runs tensors (a session's run, .eval()) or
        yields (a generator feeding a consumer one element at a time)."""
        found = patterns.all_nodes(loop, (cst.Call, cst.Yield))
        return any(isinstance(n, cst.Yield) or patterns.runs_tensors(self, n) for n in found)

    @staticmethod
    def _dataset_of(maker):
        if maker.args:
            return maker.args[0].value  # the function form, make_one_shot_iterator(ds)
        return maker.func.value

    def _per_pass(self, loop, dataset):
        """Whether ``dataset`` is built anew in each pass of ``loop`` (its name is assigned
        there, the loop's own variable included): one iterator per dataset, not per step."""
        while isinstance(dataset, (cst.Call, cst.Attribute, cst.Subscript)):
            dataset = dataset.func if isinstance(dataset, cst.Call) else dataset.value
        return isinstance(dataset, cst.Name) and dataset.value in self.assigned_in(loop)

    def _hoist(self, call, loops):
        """The edits assigning the call to a new name (`next_element`) just before the outermost
        loop that does not reassign the iterator, and using the name in the loop (two calls get
        two names, so one `sess.run` of both still takes two elements); the call now runs even
        where the loop body would not, harmless for building an op. None when the iterator is
        reassigned in the loop or is an attribute (`self.it`), when `get_next` has arguments, or
        when the loop is inside a lambda."""
        receiver = call.func.value
        if not isinstance(receiver, cst.Name) or call.args:
            return None
        outermost = None
        for loop in loops:
            if loop.statement is None or receiver.value in self.assigned_in(loop.node):
                break
            outermost = loop
        if outermost is None:
            return None
        name = self.fresh_name("next_element")
        return [self.insert_before(outermost.statement, "%s = %s" % (name, self.code_for(call))),
                self.replace(call, name)]


_REPORTED_CALLS = frozenset(ITERATOR_CALL_NAMES | {"get_next"})
_LOOPS = (ast.For, ast.AsyncFor, ast.While, ast.ListComp, ast.SetComp, ast.GeneratorExp,
          ast.DictComp)


def _called_in_a_loop(tree, names):
    """Whether an ast tree calls ``x.<one of names>(...)`` anywhere under a loop or a
    comprehension (a superset of what Rule.loops() finds around a call)."""
    stack = [(tree, False)]
    while stack:
        node, in_loop = stack.pop()
        if in_loop and node.__class__ is ast.Call and node.func.__class__ is ast.Attribute \
                and node.func.attr in names:
            return True
        in_loop = in_loop or isinstance(node, _LOOPS)
        stack.extend((child, in_loop) for child in ast.iter_child_nodes(node))
    return False

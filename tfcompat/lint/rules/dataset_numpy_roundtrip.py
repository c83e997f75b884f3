from tfcompat.lint.analysis import patterns, provenance, qualnames, scopes
from tfcompat.lint.libcst_lazy import cst
from tfcompat.lint.rule import UNSAFE, Invalid, Rule, Run

_SLICES = frozenset(("tensorflow.data.Dataset.from_tensor_slices",
                     "tensorflow.contrib.data.Dataset.from_tensor_slices"))


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
    Unsafe: `yield from tfcompat.numpy_batches(dataset)` yields the same batches, but runs them
    in a session of its own (or eagerly on TF 2), not the one named in the loop, so code relying
    on that session's state (variables the pipeline reads) must pass it on; fed arrays keep
    their own dtypes where the placeholders converted them.

    ## Versions
    Session-run generators: TF 1.x graph mode. `tfcompat.numpy_batches` runs on TF 1.4+,
    eagerly on TF 2 and Keras 3. Rewrites run by tests/runtime/test_rewrites_run.py in
    tf115-keras231 and tf221 (the placeholder-fed original fails there).
    """

    code = "TFC103"
    name = "dataset-numpy-roundtrip"
    message = "generator turns tf.data batches into NumPy through `{run}` to feed Keras"
    help = "pass the dataset to fit (tf.keras TF >= 1.9), or use tfcompat.numpy_batches(dataset)"
    # Every report is a generator's session run of a TF 1 iterator's get_next(), fed to Keras.
    tokens = (("get_next",), ("run",), ("yield",), tuple(sorted(qualnames.ITERATOR_CALL_NAMES)),
              provenance.FEEDING_METHODS)
    fix_safety = UNSAFE
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
                yield from tfcompat.numpy_batches(dataset)
            train_batches = tfdata_generator(train_ds)
            model.fit(train_batches, steps_per_epoch=10)
            """),
        # A program: an initializable iterator over placeholders, fed the arrays once.
        Invalid(
            """
            import numpy as np
            import tensorflow as tf
            def batches(images, labels):
                xs = tf.compat.v1.placeholder(tf.float32, shape=(None, 2))
                ys = tf.compat.v1.placeholder(tf.float32, shape=(None, 1))
                dataset = tf.data.Dataset.from_tensor_slices((xs, ys))
                dataset = dataset.repeat().batch(2)
                iterator = tf.compat.v1.data.make_initializable_iterator(dataset)
                next_val = iterator.get_next()
                with tf.compat.v1.Session() as sess:
                    sess.run(iterator.initializer, feed_dict={xs: images, ys: labels})
                    while True:
                        x, y = sess.run(next_val)
                        yield x, y
            def train(model, images, labels):
                return model.fit(batches(images, labels), steps_per_epoch=2)
            x, y = next(batches(np.ones((4, 2), "float32"), np.zeros((4, 1), "float32")))
            result = [x, y]
            """,
            at=(13, 20), target_tf="2.16",
            fixed="""
            import numpy as np
            import tensorflow as tf
            import tfcompat
            def batches(images, labels):
                dataset = tf.data.Dataset.from_tensor_slices((images, labels))
                dataset = dataset.repeat().batch(2)
                yield from tfcompat.numpy_batches(dataset)
            def train(model, images, labels):
                return model.fit(batches(images, labels), steps_per_epoch=2)
            x, y = next(batches(np.ones((4, 2), "float32"), np.zeros((4, 1), "float32")))
            result = [x, y]
            """,
            run=Run(original=("tf115-keras231",), broken=("tf221",),
                    fixed=("tf115-keras231", "tf221"), result=[[2, 2], [2, 1]])),
        # The seed's answer: Keras' session, the initializer through a name, the method form.
        Invalid(
            """
            import tensorflow as tf
            from keras import backend as K
            class Trainer(object):
                def create_generator(self, images, onehots, batch_size):
                    images_tensor = tf.placeholder(tf.float32, shape=(None, 28, 28, 1))
                    onehots_tensor = tf.placeholder(tf.float32, shape=(None, 10))
                    dataset = tf.data.Dataset.from_tensor_slices((images_tensor, onehots_tensor))
                    dataset = dataset.shuffle(len(images)).repeat().batch(batch_size)
                    iterator = dataset.make_initializable_iterator()
                    init_op = iterator.initializer
                    next_val = iterator.get_next()
                    with K.get_session().as_default() as sess:
                        sess.run(init_op, feed_dict={images_tensor: images,
                                                     onehots_tensor: onehots})
                        while True:
                            inputs, labels = sess.run(next_val)
                            yield inputs, labels
                def train(self, model, images, onehots):
                    model.fit_generator(self.create_generator(images, onehots, 32), 16, 3)
            """,
            at=(16, 34), target_tf="2.16",
            fixed="""
            import tensorflow as tf
            from keras import backend as K
            import tfcompat
            class Trainer(object):
                def create_generator(self, images, onehots, batch_size):
                    dataset = tf.data.Dataset.from_tensor_slices((images, onehots))
                    dataset = dataset.shuffle(len(images)).repeat().batch(batch_size)
                    yield from tfcompat.numpy_batches(dataset)
                def train(self, model, images, onehots):
                    model.fit_generator(self.create_generator(images, onehots, 32), 16, 3)
            """),
        # An initializable iterator fed by a dict from elsewhere: reported only.
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
        # The gate's shapes (may_fire): an iterator function imported under another name,
        # a session named through an import.
        Invalid(
            """
            import tensorflow as tf
            from tensorflow.compat.v1.data import make_one_shot_iterator as one_shot
            s = tf.compat.v1.Session()
            def batches(ds):
                it = one_shot(ds)
                while True:
                    yield s.run(it.get_next())
            model.evaluate_generator(batches(ds), steps=2)
            """,
            at=(7, 15), target_tf="1.15",
            fixed="""
            import tensorflow as tf
            from tensorflow.compat.v1.data import make_one_shot_iterator as one_shot
            import tfcompat
            s = tf.compat.v1.Session()
            def batches(ds):
                yield from tfcompat.numpy_batches(ds)
            model.evaluate_generator(batches(ds), steps=2)
            """),
    ]

    @classmethod
    def may_fire(cls, names):
        return "get_next" in names.called and patterns.may_make_iterator(names) \
            and not names.called.isdisjoint(provenance.FEEDING_METHODS) \
            and patterns.may_run_tensors(names, ("run",))

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
        self.report(node, run=label, edits=self._fix(node, *found))

    def _fix(self, run, get_next, maker):
        """The edits replacing a `while True:` loop that only fetches and yields with `yield
        from tfcompat.numpy_batches(dataset)` (adding `import tfcompat`), which builds the
        iterator once in the dataset's graph and can be read from any thread: for a one-shot
        iterator, whose statement and `get_next()` statement go where the function assigns them
        once and reads them nowhere else; for an initializable one, the shape `_fed_pipeline`
        takes. None for any other iterator (a feedable one's initialisation is its owner's)."""
        loops = self.loops()
        if not loops or not self._only_fetches(loops[0].node, run, get_next):
            return None
        dataset = patterns.iterator_dataset(self, maker)
        replaced, edits = loops[0].node, []
        if dataset is not None:
            # The iterator and its get_next() go with the loop where nothing else reads them.
            function = patterns.enclosing_function(self.context.ancestors)
            names = self._iterator_names(run, get_next, loops[0].node)
            dead = self._dead_assignments(function, names, [loops[0].node])
            edits = [self.remove(statement) for statement in dead or ()]
        else:
            fed = self._fed_pipeline(run, get_next, maker, loops[0].node)
            if fed is None:
                return None
            dataset, replaced, edits = fed
        numpy_batches, imports = self.require("tfcompat.numpy_batches", module="tfcompat",
                                              alias="tfcompat")
        text = "yield from %s(%s)" % (numpy_batches, self.code_for(dataset))
        return imports + edits + [self.replace(replaced, text)]

    def _fed_pipeline(self, run, get_next, maker, loop):
        """(dataset, node to replace, edits) for an initializable iterator over
        `from_tensor_slices` of placeholders, initialised with a feed of those placeholders
        just before the loop (in a session block holding only the two, or not): the arrays go
        to `from_tensor_slices`; the placeholders, iterator, initializer and get_next
        statements go. None for any other shape, or where those names are used elsewhere.
        The elements keep the arrays' own dtypes where the placeholders converted them to
        theirs (Keras casts inputs to the model's dtype; a `map` in between sees the arrays'
        dtype); in TF 1 graph mode the arrays become graph constants (TFC301)."""
        dataset = _initializable_dataset(self, maker)
        function = patterns.enclosing_function(self.context.ancestors)
        receiver = get_next.func.value
        if not isinstance(dataset, cst.Name) or not isinstance(receiver, cst.Name) \
                or not isinstance(function, cst.FunctionDef):
            return None
        chain = self.method_chain(dataset)
        if not chain or self.qualified_name(chain[0].func) not in _SLICES:
            return None
        sliced = patterns.argument(chain[0], 0, "tensors")
        elements = [sliced.value] if sliced is not None else []
        if elements and isinstance(elements[0], cst.Tuple):
            elements = [None if isinstance(e, cst.StarredElement) else e.value
                        for e in elements[0].elements]
        if not elements or not all(isinstance(e, cst.Name) for e in elements):
            return None
        block, replaced = self._init_and_loop(loop)
        if block is None:
            return None
        init_run = block[0].body[0].value
        feed = self._feed(init_run, receiver, {e.value for e in elements}, function)
        if feed is None:
            return None
        gone = [e.value for e in elements]
        init = patterns.argument(init_run, 0, "fetches").value
        if isinstance(init, cst.Name):
            gone.append(init.value)
        gone += self._iterator_names(run, get_next, loop)
        if receiver.value not in gone:
            return None
        removed = self._dead_assignments(function, gone, [replaced] + list(block) + elements)
        if removed is None:
            return None
        value = {e.value: removed[i].body[0].value for i, e in enumerate(elements)}
        if not all(isinstance(v, cst.Call)
                   and self.qualified_name(v.func) == "tensorflow.placeholder"
                   for v in value.values()):
            return None
        edits = [self.remove(statement) for statement in removed]
        edits += [self.replace(e, self.code_for(feed[e.value])) for e in elements]
        if replaced is not loop:
            return dataset, replaced, edits
        return dataset, loop, edits + [self.remove(block[0])]

    def _iterator_names(self, run, get_next, loop):
        """The names of the iterator (`it = ...make_*_iterator(...)`) and of its get_next()
        (`next_val = it.get_next()`, before the loop) that ``run`` fetches."""
        names = []
        receiver = get_next.func.value
        if isinstance(receiver, cst.Name):
            names.append(receiver.value)
        if isinstance(run.args[0].value, cst.Name) \
                and not any(n is get_next for n in patterns.all_nodes(loop, (cst.Call,))):
            names.append(run.args[0].value.value)
        return names

    def _dead_assignments(self, function, names, regions):
        """The statements of ``function``'s own body assigning each of ``names``, once each,
        when nothing outside them and ``regions`` reads those names; else None."""
        if not isinstance(function, cst.FunctionDef):
            return None
        statements = {}
        for statement in function.body.body:
            name = scopes.assigned_name(statement)
            if name is not None:
                statements.setdefault(name, []).append(statement)
        removed = []
        for name in names:
            found = statements.get(name, [])
            if len(found) != 1:
                return None
            removed.append(found[0])
        inside = {id(n) for region in removed + list(regions)
                  for n in patterns.all_nodes(region, (cst.Name,))}
        if any(n.value in names and id(n) not in inside
               for n in patterns.all_nodes(function.body, (cst.Name,))):
            return None
        return removed

    def _init_and_loop(self, loop):
        """([init statement, loop], node the two are replaced through): the statement just
        before the loop runs something through a session, and both fill a session block
        (replaced whole) or sit in the function's body (the loop replaced, the init removed).
        (None, None) otherwise."""
        ancestors = self.context.ancestors
        index = next(i for i, a in enumerate(ancestors) if a is loop)
        body, owner = ancestors[index - 1], ancestors[index - 2]
        statements = list(body.body)
        at = statements.index(loop)
        init = statements[at - 1] if at else None
        call = scopes.statement_call(init)
        if call is None or not patterns.runs_tensors(self, call):
            return None, None
        if isinstance(owner, cst.With):
            if statements != [init, loop] or len(owner.items) != 1 \
                    or not patterns.is_session(self, owner.items[0].item):
                return None, None
            return (init, loop), owner
        return ((init, loop), loop) if isinstance(owner, cst.FunctionDef) else (None, None)

    def _feed(self, init_run, iterator, placeholders, function):
        """{placeholder: fed value} when ``init_run`` runs ``iterator``'s initializer with a
        dict literal feeding exactly ``placeholders``, each a name the function never assigns
        (a parameter or a global: read when fed or when sliced, the same)."""
        fetch = patterns.argument(init_run, 0, "fetches")
        init = self.resolve(fetch.value) if isinstance(fetch.value, cst.Name) else fetch.value
        if not (isinstance(init, cst.Attribute) and init.attr.value == "initializer"
                and isinstance(init.value, cst.Name) and init.value.value == iterator.value):
            return None
        given = patterns.argument(init_run, 1, "feed_dict")
        if given is None or not isinstance(given.value, cst.Dict) or len(init_run.args) != 2:
            return None
        assigned = set(self.assigned_in(function.body))
        feed = {}
        for element in given.value.elements:
            if not (isinstance(element, cst.DictElement) and isinstance(element.key, cst.Name)
                    and isinstance(element.value, cst.Name)) \
                    or element.value.value in assigned or element.value.value in placeholders:
                return None
            feed[element.key.value] = element.value
        return feed if set(feed) == placeholders else None

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


def _initializable_dataset(rule, maker):
    """The dataset an initializable iterator is made from, or None (other iterators)."""
    if patterns.method_name(maker) == "make_initializable_iterator" and not maker.args:
        return maker.func.value
    if rule.qualified_name(maker.func) == "tensorflow.data.make_initializable_iterator":
        arg = patterns.argument(maker, 0, "dataset")
        return arg.value if arg is not None else None
    return None


def _bare(text):
    return text.replace(" ", "").strip("()")

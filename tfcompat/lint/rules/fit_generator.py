from tfcompat import versions
from tfcompat.lint.analysis import patterns, provenance, qualnames
from tfcompat.lint.libcst_lazy import cst
from tfcompat.lint.rule import SAFE, UNSAFE, Invalid, Rule, Run

# Positional parameters the generator methods share across Keras 2.0-2.15 (later ones moved).
_POSITIONAL = {"fit_generator": ("x", "steps_per_epoch", "epochs", "verbose", "callbacks",
                                 "validation_data", "validation_steps"),
               "evaluate_generator": ("x", "steps"),
               "predict_generator": ("x", "steps")}
_RENAMED = {"generator": "x", "pickle_safe": "use_multiprocessing", "max_q_size": "max_queue_size"}
_WORKER_ARGS = ("workers", "use_multiprocessing", "max_queue_size")
# Keras 1 names: a call using them needs more than a rename.
_KERAS1 = ("samples_per_epoch", "nb_epoch", "nb_val_samples", "nb_worker", "val_samples")


class FitGenerator(Rule):
    """
    ## What it does
    Finds `fit_generator`, `evaluate_generator` and `predict_generator` calls on a model:
    not a module's function of that name (`training_generator.fit_generator(model, ...)`),
    nor `self.fit_generator(...)` inside a class that defines `fit_generator` itself, nor a
    call passing a keyword that no Keras version's method takes (another class's method).

    ## Why is this bad?
    TF 2.1 deprecated them: `fit`, `evaluate` and `predict` take generators and
    `keras.utils.Sequence` themselves. Keras 3 (`tf.keras` from TF 2.16) removed them
    (`AttributeError: 'Functional' object has no attribute 'fit_generator'`), and its `fit`
    no longer takes `workers`, `use_multiprocessing` or `max_queue_size` (they moved to
    `keras.utils.PyDataset`).

    ## Example
    ```python
    model.fit_generator(batches(), steps_per_epoch=100, epochs=5, workers=2)
    ```

    ## Use instead
    ```python
    model.fit(batches(), steps_per_epoch=100, epochs=5, workers=2)
    ```

    ## Fix safety
    Safe on a model the module provably builds with Keras (`Sequential(...)`,
    `keras.Model(...)`, `load_model(...)`, `keras.applications.*`): from TF 2.1 Keras' generator
    methods only call `fit` / `evaluate` / `predict`. Unsafe on any other receiver (it may be
    another class with methods of those names), and where `workers=0` is dropped for tf_keras
    (the generator then runs on tf.data's thread, not the calling one).

    ## Versions
    Deprecated TF 2.1.0; gone in Keras 3.0 (TF 2.16). `workers` & co. in `fit`: TF 2.1-2.15
    and tf_keras; `workers=0` in tf_keras' `fit`: until 2.16.
    Rewrite run by tests/runtime/test_rewrites_run.py in tf221 (target 2.16); the original in
    tf115-keras231.
    """

    code = "TFC403"
    name = "fit-generator"
    message = "`{method}` is deprecated since TF 2.1 and gone in Keras 3 (TF 2.16)"
    help = "call `{new}`, which takes generators"
    tokens = tuple(qualnames.GENERATOR_METHODS)
    fix_safety = SAFE
    fix_tf = "fit_generator_deprecated"

    VALID = [
        """
        model.fit(batches(), steps_per_epoch=100, epochs=5)
        """,
        """
        from tensorflow import keras
        model = keras.Sequential([keras.layers.Dense(1)])
        model.evaluate(batches(), steps=10)
        """,
        # A mixin's override calling its base's own method through super(): the base's
        # signature, not Keras'.
        """
        class Trainer(object):
            def fit_generator(self, generator, steps=None):
                return self._train(generator, steps)
        class OneEpochTrainer(Trainer):
            def fit_generator(self, *args, **kwargs):
                return super(OneEpochTrainer, self).fit_generator(*args, **kwargs)
        class Quick(OneEpochTrainer):
            def evaluate_generator(self, generator):
                return super().fit_generator(generator, steps=1)
        """,
        # A function of some module that happens to share the name.
        """
        from mytrainer import fit_generator
        fit_generator(model, data)
        """,
        # A module's function called through the module (Keras 2's own training loop): its
        # first argument is the model; renaming it would write `steps_per_epoch` twice.
        """
        from . import training_generator
        def fit(model, generator, s, e):
            return training_generator.fit_generator(model, generator, steps_per_epoch=s,
                                                    epochs=e)
        """,
        # A keyword no Keras takes: a base class's method of that name (defined elsewhere).
        """
        class GAN(KerasModel):
            def fit_gan(self, batches):
                return self.fit_generator([(batches, [], [])], variables=self.gen_variables)
        scores = model.evaluate_generator(model.default_generator(data), [metric],
                                          per_task_metrics=True)
        """,
        # A class's own method of that name: its signature is the class's, not Keras'.
        """
        class Task:
            def predict_generator(self, samples, batch_size=32):
                return [self.tf_model.predict(s) for s in samples]
            def predict(self, samples):
                return self.predict_generator(samples, batch_size=64)
        """,
    ]
    INVALID = [
        # A program: run before and after the fix (tests/runtime/test_rewrites_run.py).
        Invalid(
            """
            import numpy as np
            import tensorflow as tf
            def batches():
                while True:
                    yield np.ones((4, 2), "float32"), np.ones((4, 1), "float32")
            model = tf.keras.Sequential([tf.keras.layers.Dense(1, input_shape=(2,))])
            model.compile("sgd", "mse")
            history = model.fit_generator(batches(), 2, 2, 0, max_queue_size=2, workers=1)
            result = history.history["loss"]
            """,
            at=(8, 17), target_tf="2.16",
            fixed="""
            import numpy as np
            import tensorflow as tf
            def batches():
                while True:
                    yield np.ones((4, 2), "float32"), np.ones((4, 1), "float32")
            model = tf.keras.Sequential([tf.keras.layers.Dense(1, input_shape=(2,))])
            model.compile("sgd", "mse")
            history = model.fit(batches(), steps_per_epoch=2, epochs=2, verbose=0)
            result = history.history["loss"]
            """,
            run=Run(original=("tf115-keras231",), fixed=("tf115-keras231", "tf221"),
                    result=[2])),
        Invalid(
            """
            model.fit_generator(batches(), steps_per_epoch=100, epochs=5, workers=2)
            """,
            at=(1, 7), target_tf="2.1", safety=UNSAFE,
            fixed="""
            model.fit(batches(), steps_per_epoch=100, epochs=5, workers=2)
            """),
        # Keras 3 target: the worker arguments go, positions become keywords.
        Invalid(
            """
            from tensorflow.keras.models import Model
            model = Model(inputs, outputs)
            model.fit_generator(datagen, 1, 5,
                                verbose=2, max_queue_size=2, use_multiprocessing=False)
            """,
            at=(3, 7), target_tf="2.16",
            fixed="""
            from tensorflow.keras.models import Model
            model = Model(inputs, outputs)
            model.fit(datagen, steps_per_epoch=1, epochs=5,
                                verbose=2)
            """),
        Invalid(
            """
            import tensorflow as tf
            score = model.evaluate_generator(generator=batches(), steps=4, workers=0)
            """,
            at=(2, 15), target_tf="2.4", safety=UNSAFE,
            fixed="""
            import tensorflow as tf
            score = model.evaluate(x=batches(), steps=4, workers=0, verbose=0)
            """),
        # Edits on the call's own text: the file's 2-space indentation and the comments of
        # kept arguments stay. (A dropped argument's own comment would go with it: the engine
        # withholds such a fix.)
        Invalid(
            """
            from tensorflow import keras
            def train(inputs, outputs, gen):
              model = keras.Model(inputs, outputs)
              history = model.fit_generator(
                  gen,
                  steps_per_epoch=10,  # batches per epoch
                  workers=4,
                  epochs=5)  # one pass each
            """,
            at=(4, 19), target_tf="2.16",
            fixed="""
            from tensorflow import keras
            def train(inputs, outputs, gen):
              model = keras.Model(inputs, outputs)
              history = model.fit(
                  gen,
                  steps_per_epoch=10,  # batches per epoch
                  epochs=5)  # one pass each
            """),
        # keras-target tf_keras: its fit rejects workers=0 from 2.17 (the calling thread).
        Invalid(
            """
            import tf_keras as keras
            model = keras.Sequential([keras.layers.Dense(1)])
            model.fit_generator(batches(), steps_per_epoch=100, workers=0)
            """,
            at=(3, 7), target_tf="2.16", keras_target="tf_keras", safety=UNSAFE,
            fixed="""
            import tf_keras as keras
            model = keras.Sequential([keras.layers.Dense(1)])
            model.fit(batches(), steps_per_epoch=100)
            """),
        # keras-target tf_keras: its fit takes workers=.
        Invalid(
            """
            import tf_keras as keras
            model = keras.Sequential()
            model.fit_generator(batches(), steps_per_epoch=100, epochs=5, workers=2)
            """,
            at=(3, 7), target_tf="2.16", keras_target="tf_keras",
            fixed="""
            import tf_keras as keras
            model = keras.Sequential()
            model.fit(batches(), steps_per_epoch=100, epochs=5, workers=2)
            """),
        Invalid(
            """
            def score(model, gen):
              return model.evaluate_generator(gen,
                                              steps=3)  # eval steps
            """,
            at=(2, 16), target_tf="2.16", safety=UNSAFE,
            fixed="""
            def score(model, gen):
              return model.evaluate(gen,
                                              steps=3, verbose=0)  # eval steps
            """),
        # Standalone keras on TF 2.2: its fit takes no generator.
        Invalid(
            """
            import keras
            preds = model.predict_generator(batches(), 4)
            """,
            at=(2, 15), target_tf="2.2"),
        # Standalone keras is Keras 3 from TF 2.16: fixed, old argument names renamed away.
        Invalid(
            """
            import keras.backend as K
            preds = model.predict_generator(batches(), 4, max_q_size=1, pickle_safe=True)
            """,
            at=(2, 15), target_tf="2.16", safety=UNSAFE,
            fixed="""
            import keras.backend as K
            preds = model.predict(batches(), steps=4, verbose=0)
            """),
        # The last kept argument in parentheses keeps them when the ones after it go.
        Invalid(
            """
            import keras
            model.fit_generator(batches(), validation_data=(x_val, y_val), workers=4)
            """,
            at=(2, 7), target_tf="2.16", safety=UNSAFE,
            fixed="""
            import keras
            model.fit(batches(), validation_data=(x_val, y_val))
            """),
        # Below TF 2.1 there is nothing to move to.
        Invalid(
            """
            model.fit_generator(batches(), steps_per_epoch=10)
            """,
            at=(1, 7), target_tf="1.15"),
    ]

    def visit_Call(self, node):
        method = patterns.method_name(node)
        if method not in qualnames.GENERATOR_METHODS or self.qualified_name(node.func):
            return
        if not provenance.keras_method_call(self, node) or self._base_method(node, method):
            return  # a module's function or a class's own method: not Keras' signature
        if any(a.keyword is not None and a.keyword.value not in qualnames.GENERATOR_KEYWORDS[method]
               for a in node.args):
            return  # a keyword no Keras takes: another class's method of that name
        new = qualnames.GENERATOR_METHODS[method]
        fix, safety = self._fix(node, method, new)
        self.report(node.func.attr, method=method, new=new, edits=fix, safety=safety)

    def _base_method(self, call, method):
        """Whether ``call`` is `super().m(...)` (or `super(C, self).m`) in a class whose bases,
        defined in this module, define ``m`` themselves."""
        receiver = call.func.value
        if not (isinstance(receiver, cst.Call) and isinstance(receiver.func, cst.Name)
                and receiver.func.value == "super"):
            return False
        cls = next((a for a in reversed(self.context.ancestors) if isinstance(a, cst.ClassDef)),
                   None)
        classes = {c.name.value: c
                   for c in patterns.all_nodes(self.context.module, (cst.ClassDef,))}
        seen, todo = set(), [cls] if cls is not None else []
        while todo:
            for base in todo.pop().bases:
                name = base.value.value if isinstance(base.value, cst.Name) else None
                if name in classes and name not in seen:
                    seen.add(name)
                    if any(isinstance(s, cst.FunctionDef) and s.name.value == method
                           for s in classes[name].body.body):
                        return True
                    todo.append(classes[name])
        return False

    def _fix(self, node, method, new):
        """(edits, safety): text edits on the call's own ranges, so the rest of the call
        (layout, indentation, comments) stays as written; a dropped argument's own comment makes
        the fix one the engine withholds. The method is renamed, `generator=` becomes `x=`,
        positional arguments after the first become keywords (their positions differ), and
        `verbose=0`, the default of `evaluate_generator` / `predict_generator`, is kept where it
        was implicit. For a Keras 3 target `workers`, `use_multiprocessing` and `max_queue_size`
        go (Keras 3 `fit` rejects them; they only tuned throughput); with `keras-target =
        "tf_keras"` only `workers=0`, which tf_keras 2.17+ rejects. (None, None) below TF 2.1,
        for standalone `keras` below TF 2.6 (multi-backend Keras 2.3 `fit` takes no generator),
        for Keras 1 arguments (`samples_per_epoch`...), `*args`, more positional arguments than
        the methods share, or a keyword given twice."""
        if patterns.has_star_args(node) or not self.target_at_least("fit_generator_deprecated"):
            return None, None
        if self._standalone_keras() and not self.target_at_least("keras_package_paired"):
            return None, None
        positional = [a for a in node.args if a.keyword is None]
        names = _POSITIONAL[method]
        if len(positional) > len(names):
            return None, None
        # tf_keras (Keras 2) fit still takes them, but workers=0 only before 2.17.
        keras3 = self.target_at_least("tf_keras_is_keras3") and self.keras_target != "tf_keras"
        drop = _WORKER_ARGS if keras3 else ()
        main_thread = [a for a in node.args if a.keyword is not None
                       and a.keyword.value == "workers" and patterns.is_literal(a.value, 0)]
        if not keras3 and self.keras_target == "tf_keras" and main_thread \
                and self._tf_keras_rejects_workers_zero():
            drop = ("workers",)
        edits = [self.replace(node.func.attr, new)]
        given = {a.keyword.value for a in node.args if a.keyword is not None}
        kept, dropped = [], []
        for index, arg in enumerate(positional):
            if index and names[index] in given:
                return None, None  # a keyword given twice: not Keras' signature
            if index:
                edits.append(self.insert_at(self.context.position(arg).start,
                                            names[index] + "="))
        for arg in node.args:
            if arg.keyword is None:
                kept.append(arg)
                continue
            keyword = arg.keyword.value
            if keyword in _KERAS1:
                return None, None
            renamed = _RENAMED.get(keyword, keyword)
            if renamed in drop:
                dropped.append(arg)
                continue
            if renamed != keyword:
                if renamed in given:
                    return None, None
                edits.append(self.replace(arg.keyword, renamed))
            kept.append(arg)
        verbose = ""
        if method != "fit_generator" and patterns.keyword(node, "verbose") is None:
            verbose = ", verbose=0"
        edits += self.delete_arguments(node, kept, dropped, verbose)
        if drop == ("workers",) and dropped:
            return edits, UNSAFE  # the generator no longer runs on the calling thread
        # The rename is safe only on what is provably a Keras model.
        return edits, None if provenance.keras_model(self, node.func.value) else UNSAFE

    def _tf_keras_rejects_workers_zero(self):
        """Whether some tf_keras release rejects workers=0: code for a target runs on the
        releases after it too, so the argument cannot stay for any target."""
        return any(r.gone for r in versions.rows("generator_workers_zero")
                   if r.flavors == (versions.TF_KERAS_PKG,))

    def _standalone_keras(self):
        return any(q == "keras" or q.startswith("keras.")
                   for q in self.context.imports.toplevel.values())



import libcst as cst

from tfcompat.lint import patterns, qualnames
from tfcompat.lint.rule import SAFE, Invalid, Rule, Run

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
    Finds `fit_generator`, `evaluate_generator` and `predict_generator` calls.

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
    Safe: from TF 2.1 the generator methods only call `fit` / `evaluate` / `predict`. The fix
    renames the method, turns `generator=` into `x=` and positional arguments after the first
    into keywords (their positions differ), and keeps `verbose=0`, the default of
    `evaluate_generator` / `predict_generator`, where it was implicit. For `target-tf` 2.16 or
    later (Keras 3) it drops `workers`, `use_multiprocessing` and `max_queue_size`, which
    Keras 3 `fit` rejects and which only tuned throughput: the batches and results stay the
    same (a generator is read on one thread). Offered for `target-tf` 2.1 or later; not when
    the module imports standalone `keras` and the target is below TF 2.6 (multi-backend
    Keras 2.3 `fit` takes no generator), nor for Keras 1 arguments (`samples_per_epoch`...),
    `*args`, or more positional arguments than the methods share.

    ## Versions
    Deprecated TF 2.1.0; gone in Keras 3.0 (TF 2.16). `workers` & co. in `fit`: TF 2.1-2.15.
    Rewrite run by tests/runtime/test_rewrites_run.py in tf221 (target 2.16); the original in
    tf115-keras231.
    """

    code = "TFC403"
    name = "fit-generator"
    message = ("`{method}` is deprecated since TF 2.1 and gone in Keras 3 (TF 2.16); "
               "`{new}` takes generators")
    tokens = tuple(qualnames.GENERATOR_METHODS)
    fix = SAFE
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
        # A function of some module that happens to share the name.
        """
        from mytrainer import fit_generator
        fit_generator(model, data)
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
            at=(1, 7), target_tf="2.1",
            fixed="""
            model.fit(batches(), steps_per_epoch=100, epochs=5, workers=2)
            """),
        # Keras 3 target: the worker arguments go, positions become keywords.
        Invalid(
            """
            from tensorflow.keras.models import Model
            model.fit_generator(datagen, 1, 5,
                                verbose=2, max_queue_size=2, use_multiprocessing=False)
            """,
            at=(2, 7), target_tf="2.16",
            fixed="""
            from tensorflow.keras.models import Model
            model.fit(datagen, steps_per_epoch=1, epochs=5,
                                verbose=2)
            """),
        Invalid(
            """
            import tensorflow as tf
            score = model.evaluate_generator(generator=batches(), steps=4, workers=0)
            """,
            at=(2, 15), target_tf="2.4",
            fixed="""
            import tensorflow as tf
            score = model.evaluate(x=batches(), steps=4, workers=0, verbose=0)
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
            at=(2, 15), target_tf="2.16",
            fixed="""
            import keras.backend as K
            preds = model.predict(batches(), steps=4, verbose=0)
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
        new = qualnames.GENERATOR_METHODS[method]
        self.report(node.func.attr, method=method, new=new, fix=self._fix(node, method, new))

    def _fix(self, node, method, new):
        if patterns.has_star_args(node) or not self.target_at_least("fit_generator_deprecated"):
            return None
        if self._standalone_keras() and not self.target_at_least("keras_package_paired"):
            return None
        positional = [a for a in node.args if a.keyword is None]
        names = _POSITIONAL[method]
        if len(positional) > len(names):
            return None
        drop = _WORKER_ARGS if self.target_at_least("tf_keras_is_keras3") else ()
        args, index = [], 0
        for arg in node.args:
            if arg.keyword is None:
                if index:
                    arg = arg.with_changes(keyword=cst.Name(names[index]), equal=_EQUAL)
                index += 1
            else:
                keyword = arg.keyword.value
                if keyword in _KERAS1:
                    return None
                keyword = _RENAMED.get(keyword, keyword)
                if keyword in drop:
                    continue
                arg = arg.with_changes(keyword=cst.Name(keyword))
            args.append(arg)
        if args:
            # A dropped last argument leaves its comma (or its absence) to the new last one.
            args[-1] = args[-1].with_changes(comma=node.args[-1].comma)
        call = node.with_changes(func=node.func.with_changes(attr=cst.Name(new)), args=args)
        if method != "fit_generator" and patterns.keyword(node, "verbose") is None:
            call = patterns.with_keyword(call, "verbose", "0")
        return [self.replace(node, call)]

    def _standalone_keras(self):
        return any(q == "keras" or q.startswith("keras.")
                   for q in self.context.imports.toplevel.values())


_EQUAL = cst.AssignEqual(cst.SimpleWhitespace(""), cst.SimpleWhitespace(""))


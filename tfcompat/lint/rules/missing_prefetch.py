from tfcompat import versions
from tfcompat.lint.analysis import patterns, provenance, qualnames
from tfcompat.lint.libcst_lazy import cst
from tfcompat.lint.rule import SAFE, UNSAFE, Invalid, Rule, Run, Valid, target_has

# The AUTOTUNE constant each target can spell, newest first, as (fact, names to try).
_AUTOTUNE = (
    ("data_autotune", ("tensorflow.data.AUTOTUNE",
                       "tensorflow.compat.v1.data.experimental.AUTOTUNE")),
    ("experimental_autotune", ("tensorflow.data.experimental.AUTOTUNE",
                               "tensorflow.compat.v1.data.experimental.AUTOTUNE")),
)


# From this TF on, tf.data ends a pipeline whose last step is synchronous with a prefetch of
# its own (OptimizationOptions.inject_prefetch on by default): nothing to report.
_INJECTED = "dataset_injects_prefetch"
_INJECTED_FROM = versions.format_version(min(r.first for r in versions.rows(_INJECTED)))

# Calls after which a chain holds an iterator or tensors, no longer a Dataset.
_NOT_A_DATASET = frozenset(qualnames.ITERATOR_METHODS + ("get_next",))
# Where a model's maker may come from and it still be a Keras model, whatever else it is.
_KERAS_HOMES = ("tensorflow", "keras", "tf_keras", "tfcompat")


class MissingPrefetch(Rule):
    """
    ## What it does
    Finds a tf.data pipeline handed to Keras (`fit`, `evaluate`, `predict`, as data or as
    `validation_data`) that never calls `.prefetch()`. Not on a model that another library
    provably made and nothing compiles (an AutoML search's `fit`, a preprocessor's): it
    adapts the data before Keras sees it.

    ## Why is this bad?
    Without a prefetch, the pipeline produces the next batch only when Keras asks for it: the
    input work (decoding, `map` functions, shuffling) and the training step take turns instead
    of overlapping, and the accelerator idles while the CPU prepares data. A final
    `.prefetch(AUTOTUNE)` lets tf.data prepare batches in the background, sized at run time.
    Reported for targets before the TF whose tf.data injects that prefetch itself
    (`tf.data.Options().experimental_optimization.inject_prefetch`, on by default; the
    version is in Versions); from there on (and for an unknown target, the newest TF) the
    pipeline overlaps already and nothing is reported.

    ## Example
    ```python
    import tensorflow as tf

    ds = tf.data.Dataset.from_tensor_slices((x, y)).batch(32)
    model.fit(ds, epochs=5)
    ```

    ## Use instead
    ```python
    import tensorflow as tf

    ds = tf.data.Dataset.from_tensor_slices((x, y)).batch(32).prefetch(tf.data.AUTOTUNE)
    model.fit(ds, epochs=5)
    ```

    ## Fix safety
    Safe on a pipeline built from a tf.data constructor: prefetching changes when elements are
    produced, never which or in what order. Unsafe on one proven tf.data only by a Dataset-only
    method (`shuffle`, `cache`...), whose source is out of sight.

    ## Versions
    `Dataset.prefetch` exists from TF 1.4; `tf.data.experimental.AUTOTUNE` from TF 1.13,
    `tf.data.AUTOTUNE` from TF 2.4. Rewrite run by tests/runtime/test_rewrites_run.py in
    tf115-keras231 (target 1.15) and tf221 (target 2.4 and 2.16).
    """

    code = "TFC504"
    name = "missing-prefetch"
    message = ("tf.data pipeline handed to Keras without `.prefetch()`: input and training do not "
               "overlap on TF < {first} (from {first}, tf.data injects the prefetch itself)")
    help = ("end the pipeline with .prefetch(tf.data.AUTOTUNE) "
            "(tf.data.experimental.AUTOTUNE before TF 2.4)")
    tokens = (qualnames.KERAS_DATA_METHODS, patterns.DATASET_CHAIN_NAMES)
    called = True  # methods of a call chain
    fix_safety = SAFE
    fix_tf = "experimental_autotune"
    doc_target_tf = "2.10"  # the last TF whose tf.data does not prefetch by itself

    VALID = [
        Valid("""
            import tensorflow as tf
            ds = tf.data.Dataset.from_tensor_slices((x, y)).batch(32).prefetch(1)
            model.fit(ds, epochs=2)
            """, target_tf="2.4"),
        # Prefetch, then more calls: still prefetched.
        Valid("""
            import tensorflow as tf
            ds = tf.data.Dataset.range(8).batch(2).prefetch(tf.data.AUTOTUNE).repeat()
            model.fit(ds, steps_per_epoch=4)
            """, target_tf="2.4"),
        # NumPy arrays, and tfcompat.from_arrays (which prefetches).
        Valid("""
            import tfcompat
            model.fit(x_train, y_train, batch_size=32)
            model.fit(tfcompat.from_arrays(x_train, y_train), steps_per_epoch=10)
            model.evaluate(x_test.reshape(-1, 4), y_test)
            """, target_tf="2.4"),
        # Not Keras: a scikit-learn style fit of a list.
        Valid("""
            scaler.fit([[1, 2], [3, 4]])
            """, target_tf="2.4"),
        # Another library's model (an AutoML search whose fit adapts the data before Keras
        # sees it): made by that library, directly or through a function here, never compiled.
        Valid("""
            import automl
            import tensorflow as tf
            def make_search(path):
                return automl.AutoModel(automl.ImageInput(), automl.ClassificationHead(),
                                        directory=path)
            ds = tf.data.Dataset.from_tensor_slices((x, y)).batch(32)
            search = automl.AutoModel(automl.ImageInput(), automl.RegressionHead())
            search.fit(ds, epochs=2)
            other = make_search("runs")
            other.fit(ds, epochs=2, validation_data=ds)
            scaler = automl.preprocessors.Normalizer()
            scaler.fit(tf.data.Dataset.from_tensor_slices(x).batch(8))
            """, target_tf="2.4"),
        # NumPy's concatenate and repeat, not Dataset methods.
        Valid("""
            import numpy as np
            x = np.concatenate((x_test, generated))
            t = np.repeat(np.reshape(y, (-1, 1, 3)), 5, axis=1)
            model.evaluate(x, [y, aux_y])
            model.fit(t, t, batch_size=8)
            """, target_tf="2.4"),
        # Another library's data class whose take() makes batches: nothing says tf.data.
        Valid("""
            train_set = BatchDataSet(samples, batch_size=64)
            model.fit(train_set.take(), steps_per_epoch=len(train_set))
            """, target_tf="2.4"),
        # Attributes: NumPy arrays; a pipeline in one method and a loader's result in another;
        # another class's attribute of the same name; another object's; prefetched.
        Valid("""
            import numpy as np
            import tensorflow as tf
            class Arrays:
                def __init__(self, x, y):
                    self.x = np.concatenate((x, x))
                    self.y = np.repeat(y, 2, axis=0)
                def train(self, model):
                    model.fit(self.x, self.y, batch_size=8)
            class Loaded:
                def build(self):
                    self.ds = tf.data.Dataset.range(8).batch(2)
                def reload(self):
                    self.ds = load_cached_split("train")
                def train(self, model):
                    model.fit(self.ds, epochs=1)
            class Other:
                def train(self, model, config):
                    model.fit(self.ds, epochs=1)
                    model.fit(config.ds, epochs=1)
            class Prefetched:
                def __init__(self):
                    self.ds = tf.data.Dataset.range(8).batch(2).prefetch(1)
                def train(self, model):
                    model.fit(self.ds, epochs=1)
            """, target_tf="2.4"),
        # From the TF whose tf.data injects a prefetch itself, and for an unknown target (the
        # newest TF): nothing to report.
        Valid("""
                import tensorflow as tf
                ds = tf.data.Dataset.from_tensor_slices((x, y)).map(parse).batch(32)
                model.fit(ds, epochs=5)
                """, target_tf=_INJECTED_FROM),
        Valid("""
                import tensorflow as tf
                model.fit(tf.data.Dataset.range(8).batch(2), steps_per_epoch=4)
                """, target_tf="2.21"),
            """
            import tensorflow as tf
            model.fit(tf.data.Dataset.from_tensor_slices((x, y)).batch(32), epochs=5)
            """,
        ]
    INVALID = [
        # A program: run before and after the fix (tests/runtime/test_rewrites_run.py).
        Invalid(
            """
            import numpy as np
            import tensorflow as tf
            x = np.ones((16, 2), "float32")
            y = np.ones((16, 1), "float32")
            ds = tf.data.Dataset.from_tensor_slices((x, y)).repeat().batch(4)
            model = tf.keras.Sequential([tf.keras.layers.Dense(1, input_shape=(2,))])
            model.compile("sgd", "mse")
            result = model.fit(ds, epochs=2, steps_per_epoch=2, verbose=0).history["loss"]
            """,
            at=(8, 20), target_tf="1.15",
            fixed="""
            import numpy as np
            import tensorflow as tf
            x = np.ones((16, 2), "float32")
            y = np.ones((16, 1), "float32")
            ds = tf.data.Dataset.from_tensor_slices((x, y)).repeat().batch(4).prefetch(tf.data.experimental.AUTOTUNE)
            model = tf.keras.Sequential([tf.keras.layers.Dense(1, input_shape=(2,))])
            model.compile("sgd", "mse")
            result = model.fit(ds, epochs=2, steps_per_epoch=2, verbose=0).history["loss"]
            """,  # noqa: E501
            run=Run(original=("tf115-keras231",), fixed=("tf115-keras231", "tf221"),
                    result=[2])),
        Invalid(
            """
            import tensorflow as tf
            ds = tf.data.Dataset.from_tensor_slices((x, y)).batch(32)
            model.fit(ds, epochs=5)
            """,
            at=(3, 11), target_tf="2.4",
            fixed="""
            import tensorflow as tf
            ds = tf.data.Dataset.from_tensor_slices((x, y)).batch(32).prefetch(tf.data.AUTOTUNE)
            model.fit(ds, epochs=5)
            """),
        # Over reassignments; TF 1.15 spells AUTOTUNE under experimental.
        Invalid(
            """
            import tensorflow as tf
            def train(model, x, y):
                ds = tf.data.Dataset.from_tensor_slices((x, y))
                ds = ds.shuffle(100)
                ds = ds.batch(16)
                model.fit(x=ds, epochs=1)
            """,
            at=(6, 17), target_tf="1.15",
            fixed="""
            import tensorflow as tf
            def train(model, x, y):
                ds = tf.data.Dataset.from_tensor_slices((x, y))
                ds = ds.shuffle(100)
                ds = ds.batch(16).prefetch(tf.data.experimental.AUTOTUNE)
                model.fit(x=ds, epochs=1)
            """),
        # No TensorFlow module import to spell AUTOTUNE with: one is added.
        Invalid(
            """
            from tensorflow.data import Dataset
            model.evaluate(Dataset.range(8).map(f).batch(4))
            """,
            at=(2, 16), target_tf="2.4",
            fixed="""
            from tensorflow.data import Dataset
            import tensorflow as tf
            model.evaluate(Dataset.range(8).map(f).batch(4).prefetch(tf.data.AUTOTUNE))
            """),
        Invalid(
            """
            import tensorflow.compat.v1 as tf
            model.predict(tf.data.TFRecordDataset(files).map(parse).batch(8))
            """,
            at=(2, 15), target_tf="2.0",
            fixed="""
            import tensorflow.compat.v1 as tf
            model.predict(tf.data.TFRecordDataset(files).map(parse).batch(8).prefetch(tf.data.experimental.AUTOTUNE))
            """),
        # A pipeline handed in: Dataset-only methods say it is one, nothing proves where it
        # comes from, so the fix is unsafe.
        Invalid(
            """
            import tensorflow as tf
            def train(model, ds):
                model.fit(ds.shuffle(100).batch(16), epochs=1)
            """,
            at=(3, 15), target_tf="2.4", safety=UNSAFE,
            fixed="""
            import tensorflow as tf
            def train(model, ds):
                model.fit(ds.shuffle(100).batch(16).prefetch(tf.data.AUTOTUNE), epochs=1)
            """),
        # The validation pipeline too.
        Invalid(
            """
            import tensorflow as tf
            train = tf.data.Dataset.range(8).batch(2).prefetch(1)
            test = tf.data.Dataset.range(4).batch(2)
            model.fit(train, validation_data=test)
            """,
            at=(4, 34), target_tf="2.4",
            fixed="""
            import tensorflow as tf
            train = tf.data.Dataset.range(8).batch(2).prefetch(1)
            test = tf.data.Dataset.range(4).batch(2).prefetch(tf.data.AUTOTUNE)
            model.fit(train, validation_data=test)
            """),
        # A pipeline held in an attribute: the class assigns it a tf.data pipeline (None
        # first), through a local name. Run before and after the fix.
        Invalid(
            """
            import numpy as np
            import tensorflow as tf
            class Trainer:
                def __init__(self):
                    self.train_ds = None
                def build(self, x, y):
                    ds = tf.data.Dataset.from_tensor_slices((x, y))
                    ds = ds.repeat().batch(4)
                    self.train_ds = ds
                def train(self, model):
                    return model.fit(self.train_ds, epochs=2, steps_per_epoch=2, verbose=0)
            trainer = Trainer()
            trainer.build(np.ones((16, 2), "float32"), np.ones((16, 1), "float32"))
            model = tf.keras.Sequential([tf.keras.layers.Dense(1, input_shape=(2,))])
            model.compile("sgd", "mse")
            result = trainer.train(model).history["loss"]
            """,
            at=(11, 26), target_tf="1.15",
            fixed="""
            import numpy as np
            import tensorflow as tf
            class Trainer:
                def __init__(self):
                    self.train_ds = None
                def build(self, x, y):
                    ds = tf.data.Dataset.from_tensor_slices((x, y))
                    ds = ds.repeat().batch(4).prefetch(tf.data.experimental.AUTOTUNE)
                    self.train_ds = ds
                def train(self, model):
                    return model.fit(self.train_ds, epochs=2, steps_per_epoch=2, verbose=0)
            trainer = Trainer()
            trainer.build(np.ones((16, 2), "float32"), np.ones((16, 1), "float32"))
            model = tf.keras.Sequential([tf.keras.layers.Dense(1, input_shape=(2,))])
            model.compile("sgd", "mse")
            result = trainer.train(model).history["loss"]
            """,
            run=Run(original=("tf115-keras231",), fixed=("tf115-keras231", "tf221"),
                    result=[2])),
        # Held in an attribute, as validation data, built from a pipeline handed in: unsafe.
        Invalid(
            """
            import tensorflow as tf
            class Trainer:
                def __init__(self, ds):
                    self.val_ds = ds.shuffle(100).batch(16)
                def train(self, model, train):
                    model.fit(train, validation_data=self.val_ds)
            """,
            at=(6, 42), target_tf="2.4", safety=UNSAFE,
            fixed="""
            import tensorflow as tf
            class Trainer:
                def __init__(self, ds):
                    self.val_ds = ds.shuffle(100).batch(16).prefetch(tf.data.AUTOTUNE)
                def train(self, model, train):
                    model.fit(train, validation_data=self.val_ds)
            """),
        # The last TF before tf.data injects the prefetch itself.
        Invalid(
            """
            import tensorflow as tf
            model.fit(tf.data.Dataset.range(8).batch(2), steps_per_epoch=4)
            """,
            at=(2, 11), target_tf="2.10",
            fixed="""
            import tensorflow as tf
            model.fit(tf.data.Dataset.range(8).batch(2).prefetch(tf.data.AUTOTUNE), steps_per_epoch=4)
            """),  # noqa: E501
        # Another library's maker of a Keras model: compiled here, so a Keras model.
        Invalid(
            """
            import segmenter
            import tensorflow as tf
            model = segmenter.Unet("resnet34", classes=3)
            model.compile("adam", "sparse_categorical_crossentropy")
            model.fit(tf.data.Dataset.from_tensor_slices((x, y)).batch(8), epochs=2)
            """,
            at=(5, 11), target_tf="2.10",
            fixed="""
            import segmenter
            import tensorflow as tf
            model = segmenter.Unet("resnet34", classes=3)
            model.compile("adam", "sparse_categorical_crossentropy")
            model.fit(tf.data.Dataset.from_tensor_slices((x, y)).batch(8).prefetch(tf.data.AUTOTUNE), epochs=2)
            """),  # noqa: E501
        # Below TF 1.13 there is no AUTOTUNE outside contrib: reported, not fixed.
        Invalid(
            """
            import tensorflow as tf
            model.fit(tf.data.Dataset.range(4).batch(2), steps_per_epoch=2)
            """,
            at=(2, 11), target_tf="1.12"),
    ]

    @classmethod
    def runs_under(cls, target_tf, keras_target):
        # Unknown or new enough, tf.data prefetches such a pipeline itself.
        return target_tf is not None and not target_has(_INJECTED, target_tf)

    def visit_Call(self, node):
        if patterns.method_name(node) not in qualnames.KERAS_DATA_METHODS \
                or self._other_library(node.func.value):
            return
        validation = patterns.argument(node, None, "validation_data")
        for arg in (patterns.data_argument(node), validation):
            if arg is not None:
                self._check(arg.value)

    def _check(self, data):
        """Reports ``data`` when it is provably a tf.data pipeline (built from a tf.data
        constructor, or holding a method only a Dataset has; NumPy's `concatenate` / `repeat`
        and other libraries' `take()` / `batch()` are not), or a `self.<name>` every value of
        which its class assigns (`None` aside) is one, and a value does not prefetch (pipelines
        from `tfcompat.from_arrays` do)."""
        found = provenance.dataset_chain(self, data)
        # A pipeline held in `self.<name>`: each value the class assigns it.
        chains = [found] if found is not None else provenance.attribute_pipelines(self, data)
        if chains is None:
            return  # not provably a tf.data pipeline: NumPy, pandas, another library's class
        if any(patterns.method_name(c) in _NOT_A_DATASET for calls, _ in chains for c in calls):
            return  # an iterator or its tensors handed to Keras, not a pipeline: TFC406's
        missing = [(calls, proven) for calls, proven in chains if not self._prefetched(calls)]
        if not missing:
            return
        lasts = list({id(calls[-1]): calls[-1] for calls, _ in missing}.values())
        # A pipeline whose source is out of sight is a Dataset by its methods only: unsafe.
        proven = all(p for _, p in missing)
        self.report(data, edits=self._fix(lasts), safety=None if proven else UNSAFE,
                    first=_INJECTED_FROM)

    def _other_library(self, receiver):
        """Whether ``receiver`` is provably another library's model, not a Keras one: a name
        whose value here is a call of something imported from outside TensorFlow and Keras
        (directly, or as every return of a function of this module), and on which nothing in
        the module calls `compile` (a Keras model is compiled before it is fit; another
        library's maker of a Keras model is compiled like one)."""
        if not isinstance(receiver, cst.Name):
            return False
        value = self.resolve(receiver)
        if not isinstance(value, cst.Call):
            return False
        values = [value]
        definition = self.definition(value.func) if isinstance(value.func, cst.Name) else None
        if isinstance(definition, cst.FunctionDef):
            values = [r.value for r in patterns.own_nodes(definition, (cst.Return,))]
        if not values or not all(self._foreign_call(v) for v in values):
            return False
        return receiver.value not in self._compiled()

    def _foreign_call(self, value):
        if not isinstance(value, cst.Call):
            return False
        name = self.qualified_name(value.func)
        return bool(name) and name.partition(".")[0] not in _KERAS_HOMES

    def _compiled(self):
        """Names on which the module calls `compile(...)`."""
        return self.context.cached(_compiled_names, self.context.module)

    def _prefetched(self, calls):
        return "prefetch" in patterns.methods(self, calls) \
            or self.qualified_name(calls[0].func) in qualnames.PREFETCHED_SOURCES

    def _fix(self, lasts):
        """The edits appending `.prefetch(...)` to the last call building each pipeline (also in
        an earlier `ds = ...` statement) with the target's AUTOTUNE: `tf.data.AUTOTUNE` for
        `target-tf` 2.4+, `tf.data.experimental.AUTOTUNE` for 1.13-2.3 (spelled through the
        file's own TensorFlow import, `import tensorflow as tf` added when there is none); None
        below 1.13 (only `tf.contrib.data.AUTOTUNE`, 1.8-1.12)."""
        for fact, names in _AUTOTUNE:
            if self.target_at_least(fact):
                autotune, edits = self.require(*names)
                return edits + [self.replace(last, "%s.prefetch(%s)" % (
                    self.code_for(last), autotune)) for last in lasts]
        return None


def _compiled_names(module):
    return frozenset(
        call.func.value.value for call in patterns.all_nodes(module, (cst.Call,))
        if isinstance(call.func, cst.Attribute) and call.func.attr.value == "compile"
        and isinstance(call.func.value, cst.Name))

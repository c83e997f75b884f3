from tfcompat.lint.analysis import namespaces, patterns
from tfcompat.lint.libcst_lazy import cst
from tfcompat.lint.rule import UNSAFE, Invalid, Rule, Run, Valid

# The callbacks that read a logged metric by its `monitor` name.
_CALLBACKS = ("ModelCheckpoint", "EarlyStopping", "ReduceLROnPlateau")
# Keras 2.2's names of metrics=["accuracy"] -> the names Keras 2.3+, TF 2's tf.keras, tf_keras
# and Keras 3 log it under.
_RENAMED = {"acc": "accuracy", "val_acc": "val_accuracy"}
# A callback's own hooks: code calling them feeds it logs by hand (a callback's unit test).
_BY_HAND = ("on_epoch_end", "on_train_begin", "on_batch_end", "on_train_batch_end")


class KerasAccuracyMonitor(Rule):
    """
    ## What it does
    Finds a Keras `ModelCheckpoint`, `EarlyStopping` or `ReduceLROnPlateau` that monitors
    `"acc"` / `"val_acc"` in a module whose models compile with `metrics=["accuracy"]` (and
    never with `"acc"`), and that does not feed callbacks their logs by hand (calling their
    `on_epoch_end`...).

    ## Why is this bad?
    Keras 2.2 and TF 1's tf.keras logged `metrics=["accuracy"]` as `acc` / `val_acc`; Keras
    2.3+, tf.keras in TF 2, tf_keras and Keras 3 log it as `accuracy` / `val_accuracy`. A
    callback that monitors the old name never sees it: Keras 2 warns ("Can save best model
    only with val_acc available, skipping") and the checkpoint, early stop or learning-rate
    cut never happens; Keras 3 raises at `fit` ("ModelCheckpoint callback received
    monitor=val_acc, but Keras isn't able to automatically determine whether that metric
    should be maximized or minimized").

    ## Example
    ```python
    from keras.callbacks import ModelCheckpoint

    model.compile("adam", "categorical_crossentropy", metrics=["accuracy"])
    checkpoint = ModelCheckpoint("best.keras", monitor="val_acc", save_best_only=True)
    ```

    ## Use instead
    ```python
    from keras.callbacks import ModelCheckpoint

    model.compile("adam", "categorical_crossentropy", metrics=["accuracy"])
    checkpoint = ModelCheckpoint("best.keras", monitor="val_accuracy", save_best_only=True)
    ```

    ## Fix safety
    Unsafe: the fix renames the literal (`val_acc` -> `val_accuracy`, `acc` -> `accuracy`),
    which makes the callback act where under Keras 2 it only warned: checkpoints get written,
    training may stop early. That is what the code did where it was written. Offered for
    targets from TF 2.16, where every Keras a TF ships logs the new name (before, TF 1's
    tf.keras and Keras 2.2 log the old one).

    ## Versions
    `acc` in Keras <= 2.2.5 and TF 1's tf.keras; `accuracy` from Keras 2.3.0 and tf.keras
    in TF 2.0. Keras 3 raises; checked on Keras 3.15 (tf221), where Keras' own
    `cifar10_resnet.py` example then trains (bench/migration.py). Rewrite run by
    tests/runtime/test_rewrites_run.py in tf115-keras231 (original), tf221 (broken, fixed) and
    tf221-tfkeras (fixed).
    """

    code = "TFC420"
    name = "keras-accuracy-monitor"
    message = ("`monitor=\"{old}\"`: metrics=[\"accuracy\"] is logged as `{new}` from Keras 2.3 "
               "and in TF 2 (Keras 3 raises, Keras 2 never acts)")
    help = "monitor \"{new}\""
    tokens = _CALLBACKS
    modules = (namespaces.VIA["keras"] + namespaces.VIA["tf.keras"] + namespaces.VIA["tf_keras"],)
    called = True

    @classmethod
    def may_fire(cls, names):
        # A Keras callback of _CALLBACKS called (its name qualified as a whole), and a
        # compile(metrics=...) call saying what the metric is logged as (_logged_as).
        return "compile" in names.called and "metrics" in names.words and any(
            q.rpartition(".")[2] in _CALLBACKS and patterns.keras_namespace(q)
            for q in names.qualified)
    fix_safety = UNSAFE
    fix_tf = "tf_keras_is_keras3"

    VALID = [
        Valid(
            """
            from keras.callbacks import ModelCheckpoint
            model.compile("adam", "mse", metrics=["accuracy"])
            checkpoint = ModelCheckpoint("best.keras", monitor="val_accuracy")
            """, target_tf="2.16"),
        # metrics=["acc"] is logged as `acc` by every Keras.
        Valid(
            """
            import tensorflow as tf
            model.compile("adam", "mse", metrics=["acc"])
            stop = tf.keras.callbacks.EarlyStopping(monitor="val_acc")
            """, target_tf="2.16"),
        # Nothing says which name the metric has.
        Valid(
            """
            from keras.callbacks import EarlyStopping
            stop = EarlyStopping(monitor="val_acc")
            """, target_tf="2.16"),
        # A callback fed its logs by hand, under the names given there.
        Valid(
            """
            from keras import callbacks
            model.compile("adam", "mse", metrics=["accuracy"])
            stop = callbacks.EarlyStopping(monitor="val_acc", patience=2)
            stop.on_epoch_end(0, logs={"val_acc": 0.5})
            """, target_tf="2.16"),
        # Not Keras' callback.
        Valid(
            """
            import keras
            from trainer.callbacks import EarlyStopping
            model.compile("adam", "mse", metrics=["accuracy"])
            stop = EarlyStopping(monitor="val_acc")
            """, target_tf="2.16"),
    ]
    INVALID = [
        # A program: runs in TF 1.15 (tf.keras logs `val_acc` there), raises in Keras 3; fixed,
        # runs in Keras 3 and tf_keras.
        Invalid(
            """
            import numpy as np
            import tensorflow as tf
            x = np.ones((16, 2), "float32")
            y = np.ones((16, 1), "float32")
            model = tf.keras.Sequential([tf.keras.layers.Dense(1, activation="sigmoid", input_shape=(2,))])
            model.compile("sgd", "binary_crossentropy", metrics=["accuracy"])
            best = tf.keras.callbacks.ModelCheckpoint("best.keras", monitor="val_acc", save_best_only=True)
            result = model.fit(x, y, validation_data=(x, y), epochs=2, verbose=0, callbacks=[best])
            """,  # noqa: E501
            at=(7, 65), target_tf="2.16",
            fixed="""
            import numpy as np
            import tensorflow as tf
            x = np.ones((16, 2), "float32")
            y = np.ones((16, 1), "float32")
            model = tf.keras.Sequential([tf.keras.layers.Dense(1, activation="sigmoid", input_shape=(2,))])
            model.compile("sgd", "binary_crossentropy", metrics=["accuracy"])
            best = tf.keras.callbacks.ModelCheckpoint("best.keras", monitor="val_accuracy", save_best_only=True)
            result = model.fit(x, y, validation_data=(x, y), epochs=2, verbose=0, callbacks=[best])
            """,  # noqa: E501
            run=Run(original=("tf115-keras231",), broken=("tf221",),
                    fixed=("tf221", "tf221-tfkeras"), result=[2])),
        Invalid(
            """
            from keras.callbacks import ModelCheckpoint
            model.compile("adam", "mse", metrics=["accuracy"])
            checkpoint = ModelCheckpoint(filepath="best.keras", monitor='val_acc', save_best_only=True)
            """,  # noqa: E501
            at=(3, 61), target_tf="2.16",
            fixed="""
            from keras.callbacks import ModelCheckpoint
            model.compile("adam", "mse", metrics=["accuracy"])
            checkpoint = ModelCheckpoint(filepath="best.keras", monitor='val_accuracy', save_best_only=True)
            """),  # noqa: E501
        # Below TF 2.16 TF 1's tf.keras may still log `acc`: reported, not fixed.
        Invalid(
            """
            import tensorflow as tf
            model.compile(optimizer="sgd", loss="mse", metrics=["mae", "accuracy"])
            cut = tf.keras.callbacks.ReduceLROnPlateau("acc", factor=0.5)
            """,
            at=(3, 44), target_tf="1.15"),
        # A function's own import of the callbacks, under an alias.
        Invalid(
            """
            def callbacks(model):
                from tensorflow.keras import callbacks as cb
                model.compile("adam", "mse", metrics=["accuracy"])
                return [cb.EarlyStopping(monitor="val_acc")]
            """,
            at=(4, 38), target_tf="2.10"),
    ]

    def visit_Call(self, node):
        name = self.qualified_name(node.func) or ""
        callback = name.rpartition(".")[2]
        if callback not in _CALLBACKS or not patterns.keras_namespace(name):
            return
        # ModelCheckpoint(filepath, monitor, ...); the others take monitor first.
        arg = patterns.argument(node, 1 if callback == "ModelCheckpoint" else 0, "monitor")
        value = arg.value if arg is not None else None
        if not isinstance(value, cst.SimpleString) or value.evaluated_value not in _RENAMED:
            return
        if self._logged_as() != "accuracy":
            return  # metrics=["acc"], or nothing says what the metric is logged as
        old = value.evaluated_value
        new = _RENAMED[old]
        quote = value.value[:-len(old) - 1]
        self.report(value, old=old, new=new,
                    edits=[self.replace(value, quote + new + value.value[-1])])

    def _logged_as(self):
        """"accuracy" when the module's compile calls ask for metrics=["accuracy"] and never
        "acc", else None."""
        found = getattr(self, "_found", None)
        if found is None:
            names = set()
            for call in patterns.all_nodes(self.context.module, (cst.Call,)):
                if patterns.method_name(call) in _BY_HAND:
                    names.add("acc")  # callbacks fed logs by hand, under the names given there
                    break
                if patterns.method_name(call) != "compile":
                    continue
                metrics = patterns.keyword(call, "metrics")
                if isinstance(metrics, (cst.List, cst.Tuple)):
                    names.update(e.value.evaluated_value for e in metrics.elements
                                 if isinstance(e.value, cst.SimpleString))
            found = self._found = ("accuracy" if "accuracy" in names and "acc" not in names
                                   else "")
        return found or None

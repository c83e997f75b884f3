import re

from tfcompat.lint.analysis import patterns
from tfcompat.lint.analysis.prefilter import via
from tfcompat.lint.libcst_lazy import cst
from tfcompat.lint.rule import SAFE, UNSAFE, Invalid, Rule, Run, Valid

# Keras' optimizer classes, and standalone Keras 2's lowercase aliases of them.
_CLASSES = ("SGD", "RMSprop", "Adagrad", "Adadelta", "Adam", "Adamax", "Nadam", "Ftrl")
_ALIASES = {c.lower(): c for c in _CLASSES if c != "Ftrl"}
# Callbacks that set the learning rate, which a schedule's cannot be.
_SETS_RATE = re.compile(r"\b(LearningRateScheduler|ReduceLROnPlateau)\b")
# The module path each Keras namespace's optimizers live at, and the import that spells it.
_OPTIMIZERS = {"keras.optimizers": ("keras", "keras"),
               "tensorflow.keras.optimizers": ("tensorflow", "tf"),
               # TF 2's alias of tf.keras.optimizers (Keras 3's optimizers from TF 2.16).
               "tensorflow.optimizers": ("tensorflow", "tf"),
               "tf_keras.optimizers": ("tf_keras", "tf_keras")}
# The calls visit_Call reports: an optimizer class, given `lr=` or `decay=`, and an alias.
_CALLED = frozenset("%s.%s" % (m, c) for m in _OPTIMIZERS for c in _CLASSES)
_CALLED_ALIASES = frozenset("%s.%s" % (m, a) for m in _OPTIMIZERS for a in _ALIASES)


class Keras2OptimizerArguments(Rule):
    """
    ## What it does
    Finds Keras optimizers built with Keras 2's arguments, `lr=` and `decay=`, or through
    standalone Keras 2's lowercase aliases (`keras.optimizers.rmsprop(...)`): the new
    optimizers (TF 2.11+: tf.keras, tf_keras, Keras 3) are within reach of every target
    (docs/target-tf.md); the fix is offered for targets 2.11+. Only calls
    whose name resolves through the module's imports to `keras.optimizers`,
    `tf.keras.optimizers` (or its alias `tf.optimizers`) or `tf_keras.optimizers` count.

    ## Why is this bad?
    The new optimizers drop both arguments, and not loudly: TF 2.11-2.15 and tf_keras take
    `lr=` and ignore it (a logged warning; the default learning rate trains instead) and raise
    on `decay=`; Keras 3 raises on `lr=` ("Argument(s) not recognized") and ignores `decay=`
    (a warning). The lowercase aliases went with standalone Keras 2.3 (AttributeError).

    ## Example
    ```python
    import keras
    opt = keras.optimizers.rmsprop(lr=0.0001, decay=1e-6)
    ```

    ## Use instead
    ```python
    import keras
    opt = keras.optimizers.RMSprop(
        learning_rate=keras.optimizers.schedules.InverseTimeDecay(
            0.0001, decay_steps=1, decay_rate=1e-6))
    ```

    ## Fix safety
    `lr=` -> `learning_rate=`, an alias -> its class and a dropped `decay=0` are safe: the same
    optimizer with the same learning rate. Any other `decay=d` becomes an `InverseTimeDecay`
    schedule giving every step Keras 2's learning rate, unsafe: a schedule's learning rate
    cannot be set (`ReduceLROnPlateau`, `LearningRateScheduler`, code assigning `optimizer.lr`).

    ## Versions
    `learning_rate=`: standalone Keras 2.3.0, tf.keras TF 1.15 and later, tf_keras, Keras 3.
    New optimizers: TF 2.11 (tf.keras; tf_keras), Keras 3.0 (TF 2.16). Lowercase aliases:
    standalone Keras 2.0-2.3. Rewrites run by tests/runtime/test_rewrites_run.py: Keras 2.3
    code (it trains in tf115-keras231) in tf221 (Keras 3, where it fails), and tf_keras code in
    tf221-tfkeras (where it fails).
    """

    code = "TFC412"
    name = "keras2-optimizer-arguments"
    message = "`{call}`: {problems}"
    help = "{remedy}"
    tokens = (("optimizers", "RMSprop", "SGD", "Adam", "Adagrad", "Adadelta", "Adamax", "Nadam",
               "Ftrl", "rmsprop", "sgd", "adam", "adagrad", "adadelta", "adamax", "nadam"),)
    modules = (via(*_OPTIMIZERS),)  # it reports calls qualified to one of their classes
    fix_safety = SAFE
    fix_tf = "keras_new_optimizers"

    VALID = [
        # The new arguments.
        Valid("import tensorflow as tf\nopt = tf.keras.optimizers.Adam(learning_rate=1e-3)",
              target_tf="2.16"),
        # The legacy optimizers keep Keras 2's arguments.
        Valid("import tf_keras\nopt = tf_keras.optimizers.legacy.SGD(lr=0.1, decay=0.01)",
              target_tf="2.16"),
        # Not a Keras optimizer.
        Valid("from torch import optim\nopt = optim.SGD(params, lr=0.1)", target_tf="2.16"),
        Valid("opt = RMSprop(lr=0.1, decay=0.9)", target_tf="2.16"),
        # TF 1's own optimizers (tf.train) are not Keras'.
        Valid("import tensorflow as tf\nopt = tf.train.AdamOptimizer(1e-3)", target_tf="2.16"),
    ]
    INVALID = [
        # A program: lr= and decay= (Keras' mnist_dataset_api.py) train on Keras 2.3; on
        # Keras 3 lr= is rejected and on tf_keras decay= is; the fixed call trains on both.
        Invalid(
            """
            import numpy as np
            import keras
            x = np.ones((16, 2), "float32")
            y = np.ones((16, 1), "float32")
            model = keras.models.Sequential([keras.layers.Dense(1, input_shape=(2,))])
            model.compile(optimizer=keras.optimizers.RMSprop(lr=2e-3, decay=1e-5), loss="mse")
            history = model.fit(x, y, batch_size=8, epochs=2, verbose=0)
            result = history.history["loss"]
            """,
            at=(6, 25), target_tf="2.16", safety=UNSAFE,
            fixed="""
            import numpy as np
            import keras
            x = np.ones((16, 2), "float32")
            y = np.ones((16, 1), "float32")
            model = keras.models.Sequential([keras.layers.Dense(1, input_shape=(2,))])
            model.compile(optimizer=keras.optimizers.RMSprop(learning_rate=keras.optimizers.schedules.InverseTimeDecay(2e-3, decay_steps=1, decay_rate=1e-5)), loss="mse")
            history = model.fit(x, y, batch_size=8, epochs=2, verbose=0)
            result = history.history["loss"]
            """,  # noqa: E501
            run=Run(original=("tf115-keras231",), broken=("tf221",), fixed=("tf221",),
                    result=[2])),
        # A program: the lowercase alias of standalone Keras 2 (Keras' cifar10_cnn.py), on
        # tf_keras, where the alias is gone and decay= is rejected.
        Invalid(
            """
            import numpy as np
            import tf_keras as keras
            x = np.ones((16, 2), "float32")
            y = np.ones((16, 1), "float32")
            model = keras.models.Sequential([keras.layers.Dense(1, input_shape=(2,))])
            opt = keras.optimizers.rmsprop(lr=0.0001, decay=1e-6)
            model.compile(loss="mse", optimizer=opt)
            history = model.fit(x, y, batch_size=8, epochs=2, verbose=0)
            result = history.history["loss"]
            """,
            at=(6, 7), target_tf="2.16", safety=UNSAFE,
            fixed="""
            import numpy as np
            import tf_keras as keras
            x = np.ones((16, 2), "float32")
            y = np.ones((16, 1), "float32")
            model = keras.models.Sequential([keras.layers.Dense(1, input_shape=(2,))])
            opt = keras.optimizers.RMSprop(learning_rate=keras.optimizers.schedules.InverseTimeDecay(0.0001, decay_steps=1, decay_rate=1e-6))
            model.compile(loss="mse", optimizer=opt)
            history = model.fit(x, y, batch_size=8, epochs=2, verbose=0)
            result = history.history["loss"]
            """,  # noqa: E501
            run=Run(broken=("tf221-tfkeras",), fixed=("tf221-tfkeras",), result=[2])),
        # The alias alone: safe.
        Invalid(
            """
            import keras
            opt = keras.optimizers.adam(lr=0.0001)
            """,
            at=(2, 7), target_tf="2.16",
            fixed="""
            import keras
            opt = keras.optimizers.Adam(learning_rate=0.0001)
            """),
        # Imported by name; decay=0 is no decay.
        Invalid(
            """
            from tensorflow.keras.optimizers import SGD
            opt = SGD(lr=0.01, momentum=0.9, decay=0.0)
            """,
            at=(2, 7), target_tf="2.16",
            fixed="""
            from tensorflow.keras.optimizers import SGD
            opt = SGD(learning_rate=0.01, momentum=0.9)
            """),
        # decay= with the learning rate given by position: the schedule, spelled through an
        # import of the same Keras.
        Invalid(
            """
            from keras.optimizers import Adam
            opt = Adam(0.001, decay=1e-4)
            """,
            at=(2, 7), target_tf="2.16", safety=UNSAFE,
            fixed="""
            from keras.optimizers import Adam
            import keras
            opt = Adam(keras.optimizers.schedules.InverseTimeDecay(0.001, decay_steps=1, decay_rate=1e-4))
            """),  # noqa: E501
        # A callback of the file sets the learning rate: no schedule.
        Invalid(
            """
            import tensorflow as tf
            opt = tf.keras.optimizers.Adam(lr=0.01, decay=1e-4)
            callbacks = [tf.keras.callbacks.LearningRateScheduler(schedule)]
            """,
            at=(2, 7), target_tf="2.16"),
        # TF 2's alias tf.optimizers is tf.keras.optimizers.
        Invalid(
            """
            import tensorflow as tf
            opt = tf.optimizers.Adam(lr=1e-3)
            """,
            at=(2, 7), target_tf="2.16",
            fixed="""
            import tensorflow as tf
            opt = tf.optimizers.Adam(learning_rate=1e-3)
            """),
        # No learning rate in the call: reported, not fixed.
        Invalid(
            """
            from keras import optimizers
            opt = optimizers.Adagrad(decay=1e-4)
            """,
            at=(2, 7), target_tf="2.16"),
        # A target reaches the newest TF (docs/target-tf.md): reported at every target; fixed
        # only from TF 2.11, where the rewrite's arguments are the optimizers' own.
        Invalid("import keras\nopt = keras.optimizers.RMSprop(lr=0.001, decay=1e-6)",
                at=(2, 7), target_tf="2.10"),
        Invalid("import keras\nopt = keras.optimizers.rmsprop(lr=0.001)", at=(2, 7),
                target_tf="1.15"),
        # The optimizers through any import (may_fire's qualified names): a function's own
        # import of the module under an alias, and an alias imported by name, alone.
        Invalid(
            """
            def build():
                from tensorflow.keras import optimizers as opts
                return opts.Adam(lr=1e-3)
            """,
            at=(3, 12), target_tf="2.16",
            fixed="""
            def build():
                from tensorflow.keras import optimizers as opts
                return opts.Adam(learning_rate=1e-3)
            """),
        Invalid(
            """
            from keras.optimizers import rmsprop
            opt = rmsprop(0.001)
            """,
            at=(2, 7), target_tf="2.16"),
    ]

    @classmethod
    def may_fire(cls, names):
        """A report is a call of a name qualified to one of _CALLED with an `lr=` or `decay=`
        keyword (among the code's words), or of one of _CALLED_ALIASES: that name (an imported
        one, or a dotted chain on one, outermost as it is called) is among the code's qualified
        names, which canonical leaves as they are."""
        qualified = names.qualified
        return not _CALLED_ALIASES.isdisjoint(qualified) or (
            ("lr" in names.words or "decay" in names.words)
            and not _CALLED.isdisjoint(qualified))

    def visit_Call(self, node):
        name = self.qualified_name(node.func, canonical=False) or ""
        module, _, attr = name.rpartition(".")
        if module not in _OPTIMIZERS or (attr not in _CLASSES and attr not in _ALIASES):
            return
        lr = patterns.argument(node, None, "lr")
        decay = patterns.argument(node, None, "decay")
        alias = attr in _ALIASES
        if not (lr or decay or alias):
            return
        problems, remedies = [], []
        if alias:
            problems.append("`optimizers.%s` went with standalone Keras 2.3" % attr)
            remedies.append("call `%s`" % _ALIASES[attr])
        if lr:
            problems.append("`lr=` is ignored (TF 2.11+, tf_keras) or rejected (Keras 3)")
            remedies.append("pass `learning_rate=`")
        if decay:
            problems.append("`decay=` is rejected (TF 2.11+, tf_keras) or ignored (Keras 3)")
            remedies.append("pass `learning_rate=InverseTimeDecay(lr, decay_steps=1, "
                            "decay_rate=decay)`")
        fix, safety = self._fix(node, module, attr, lr, decay)
        self.report(node, edits=fix, safety=safety, call=self.code_for(node.func) + "(...)",
                    problems="; ".join(problems), remedy="; ".join(remedies))

    def _fix(self, node, module, attr, lr, decay):
        """(edits, safety) of the rewrite, or (None, None) where it cannot be proven. `decay=d`
        becomes `learning_rate=<optimizers>.schedules.InverseTimeDecay(lr, decay_steps=1,
        decay_rate=d)`: Keras 2's learning rate at step `t` is `lr / (1 + d * t)`, `t` its
        `iterations` before the update (tf.keras TF 2.0-2.10 and the `legacy` optimizers
        exactly), and `InverseTimeDecay` computes `lr / (1 + d * t / 1)` from the same count
        (tests/runtime/test_optimizer_decay.py checks both against the formula in every cell;
        standalone Keras 2 reads `iterations` unordered with its increment, so a step there may
        take `t + 1`). tf_keras's `optimizers.legacy` would keep Keras 2's optimizer whole, but
        Keras 3 has none, so the schedule is written for both. None where the file names
        `LearningRateScheduler` or `ReduceLROnPlateau`, where the learning rate is not in the
        call (the default learning rates changed in Keras 3), where more than one argument is
        positional (their order changed), with `**kwargs`, or for an alias imported by name."""
        given_rate = patterns.argument(node, None, "learning_rate")
        positional = [a for a in node.args if a.keyword is None]
        if patterns.has_star_args(node) or len(positional) > 1 or (lr and given_rate):
            return None, None
        edits, safety = [], None
        if attr in _ALIASES:
            if not isinstance(node.func, cst.Attribute):
                return None, None  # `from keras.optimizers import rmsprop`: the import too
            edits.append(self.replace(node.func.attr, _ALIASES[attr]))
        rate = lr or given_rate or (positional[0] if positional else None)
        if lr:
            edits.append(self.replace(lr.keyword, "learning_rate"))
        if decay and _is_zero(decay.value):
            kept = [a for a in node.args if a is not decay]
            if not kept:
                return None, None
            edits += self.delete_arguments(node, kept, [decay])
        elif decay:
            if rate is None:
                return None, None  # Keras 2's default learning rates are not Keras 3's
            if _SETS_RATE.search(self.context.text):
                return None, None  # a callback of the file sets the learning rate
            schedule, imports = self._schedule(node, module)
            edits += imports
            edits.append(self.replace(rate.value, "%s(%s, decay_steps=1, decay_rate=%s)" % (
                schedule, self.code_for(rate.value), self.code_for(decay.value))))
            edits += self.delete_arguments(node, [a for a in node.args if a is not decay],
                                           [decay])
            safety = UNSAFE  # a schedule's learning rate cannot be set by callbacks
        return edits, safety

    def _schedule(self, node, module):
        """(text naming InverseTimeDecay in the optimizer's own Keras, edits it needs)."""
        if isinstance(node.func, cst.Attribute):
            return self.code_for(node.func.value) + ".schedules.InverseTimeDecay", []
        top, alias = _OPTIMIZERS[module]
        return self.require(module + ".schedules.InverseTimeDecay", module=top, alias=alias)


def _is_zero(expr):
    if isinstance(expr, (cst.Integer, cst.Float)):
        return expr.evaluated_value == 0
    return False

from tfcompat.lint.analysis import namespaces, patterns, scopes
from tfcompat.lint.libcst_lazy import cst
from tfcompat.lint.rule import UNSAFE, Invalid, Rule, Run, Valid

# Keras helpers that take and return plain Python / NumPy values (a file path, arrays, a
# progress bar): one Keras's mixes harmlessly with another's models. Names below a namespace's
# root; a module (`datasets`, `preprocessing.text`) covers what is in it.
_UTILITIES = (
    "utils.get_file", "utils.data_utils.get_file", "utils.to_categorical",
    "utils.np_utils.to_categorical", "utils.normalize", "utils.np_utils.normalize",
    "utils.Progbar", "utils.generic_utils.Progbar", "utils.pad_sequences", "utils.load_img",
    "utils.img_to_array", "utils.array_to_img", "utils.save_img", "datasets",
    "preprocessing.sequence.pad_sequences", "preprocessing.text",
    "preprocessing.image.load_img", "preprocessing.image.img_to_array",
    "preprocessing.image.array_to_img", "preprocessing.image.save_img")
# The helpers of keras.applications' modules that work on NumPy arrays.
_APPLICATION_UTILITIES = ("preprocess_input", "decode_predictions")
_ROOTS = ("tensorflow.compat.v1.keras", "tensorflow.python.keras", "tensorflow.keras",
          "tf_keras", "keras")


class MixedKerasNamespaces(Rule):
    """
    ## What it does
    Finds a module that uses more than one of standalone `keras`, `tf.keras` and `tf_keras`
    (imports, or `tf.keras.*` attributes).

    ## Why is this bad?
    Each namespace can be a different Keras: multi-backend Keras 2.3 next to tf.keras (TF 1.x
    to 2.5), Keras 3 next to tf_keras (TF 2.16+ with `TF_USE_LEGACY_KERAS=1`). Their layers,
    models, optimizers and sessions do not mix: `ValueError: Layer ... was called with an
    input that isn't a symbolic tensor`, "Unknown layer" when loading, or a model that
    silently ignores the other library's callbacks. Only on TF 2.6-2.15, where `keras` is the
    package tf.keras is built on, are `keras` and `tf.keras` the same objects (not flagged).

    ## Example
    ```python
    import tensorflow as tf
    from keras.layers import Dense

    model = tf.keras.Sequential([Dense(1)])
    ```

    ## Use instead
    ```python
    import tensorflow as tf
    from tensorflow.keras.layers import Dense

    model = tf.keras.Sequential([Dense(1)])
    ```

    ## Fix safety
    Unsafe: it moves every use onto one namespace, `keras-target` (default `keras` for
    `target-tf` 2.16+, where it is Keras 3, else `tf.keras`), where the target TF has it; the
    libraries' defaults and internals differ, so behaviour can change.

    ## Versions
    tf.keras TF 1.4+ (importable by module from 1.9); `keras` package = tf.keras TF 2.6-2.15;
    Keras 3 TF 2.16+; tf_keras for Keras 2 on TF 2.16+. Rewrite run by
    tests/runtime/test_rewrites_run.py in tf115-keras231 (target 1.15) and tf221 (target 2.16).
    """

    code = "TFC202"
    name = "mixed-keras-namespaces"
    message = "this module mixes {found}, which can be different libraries"
    help = "use one ({target})"
    tokens = ("keras",)
    modules = namespaces.TWO_NAMESPACES
    fix_safety = UNSAFE
    fix_tf = "tf_keras_import"

    @classmethod
    def may_fire(cls, names):
        # It reports a module using two namespaces at least.
        return len(namespaces.named_namespaces(names)) > 1

    VALID = [
        """
        import tensorflow as tf
        from tensorflow.keras.layers import Dense
        model = tf.keras.Sequential([Dense(1)])
        """,
        """
        import keras
        from keras import layers
        model = keras.Sequential([layers.Dense(1)])
        """,
        # One namespace used only for helpers of plain values: a file download, one-hot
        # labels, a built-in data set's arrays (keras.applications' get_file idiom).
        """
        import tensorflow as tf
        from keras.models import Model
        from keras.layers import Dense, Input
        weights = tf.keras.utils.get_file("w.h5", WEIGHTS_URL, cache_subdir="models")
        inputs = Input(shape=(4,))
        model = Model(inputs, Dense(1)(inputs))
        model.load_weights(weights)
        """,
        """
        import keras
        from tensorflow.keras.utils import to_categorical
        from tensorflow.keras.datasets import mnist
        (x, y), _ = mnist.load_data()
        model = keras.Sequential([keras.layers.Dense(10)])
        model.fit(x.reshape(-1, 784), to_categorical(y), epochs=1)
        """,
        # Alternatives: one import or the other runs.
        """
        try:
            from tensorflow import keras
        except ImportError:
            import keras
        model = keras.Sequential([keras.layers.Dense(1)])
        """,
        """
        def set_framework(name):
            if name == "keras":
                import keras
            elif name == "tf.keras":
                from tensorflow import keras
            return keras.layers
        """,
        # One function per framework, each importing its own Keras: they never meet.
        """
        def keras_modules():
            import keras
            return keras.layers
        def tfkeras_modules():
            import tensorflow.keras as tfkeras
            return tfkeras.layers
        """,
        # TF 2.6-2.15: keras is the package tf.keras is.
        Valid(
            """
            import keras
            import tensorflow as tf
            model = tf.keras.Sequential([keras.layers.Dense(1)])
            """,
            target_tf="2.10"),
    ]
    INVALID = [
        # A program: Keras 2.3 layers in a tf.keras model fail; the fixed one trains.
        Invalid(
            """
            import numpy as np
            import tensorflow as tf
            x = np.ones((16, 2), "float32")
            y = np.ones((16, 1), "float32")
            from keras.layers import Dense
            model = tf.keras.Sequential([Dense(1, input_shape=(2,))])
            model.compile("sgd", "mse")
            result = model.fit(x, y, epochs=2, verbose=0).history["loss"]
            """,
            at=(5, 1), target_tf="1.15",
            fixed="""
            import numpy as np
            import tensorflow as tf
            x = np.ones((16, 2), "float32")
            y = np.ones((16, 1), "float32")
            from tensorflow.keras.layers import Dense
            model = tf.keras.Sequential([Dense(1, input_shape=(2,))])
            model.compile("sgd", "mse")
            result = model.fit(x, y, epochs=2, verbose=0).history["loss"]
            """,
            run=Run(broken=("tf115-keras231",), fixed=("tf115-keras231", "tf221"),
                    result=[2])),
        Invalid(
            """
            import tensorflow as tf
            from keras.layers import Dense
            model = tf.keras.Sequential([Dense(1)])
            """,
            at=(2, 1), target_tf="1.15",
            fixed="""
            import tensorflow as tf
            from tensorflow.keras.layers import Dense
            model = tf.keras.Sequential([Dense(1)])
            """),
        # A Keras 3 target: tf.keras attributes become keras ones.
        Invalid(
            """
            import keras
            import tensorflow as tf
            model = tf.keras.Sequential([keras.layers.Dense(1)])
            model.compile(tf.keras.optimizers.SGD(), "mse")
            """,
            at=(3, 9), target_tf="2.16",
            fixed="""
            import keras
            import tensorflow as tf
            model = keras.Sequential([keras.layers.Dense(1)])
            model.compile(keras.optimizers.SGD(), "mse")
            """),
        Invalid(
            """
            import tf_keras as keras
            from tensorflow.keras import backend as K
            K.clear_session()
            """,
            at=(1, 1), target_tf="2.16",
            fixed="""
            import keras
            from keras import backend as K
            K.clear_session()
            """),
        # A helper beside a model of the other Keras still mixes: the model counts.
        Invalid(
            """
            import keras
            import tensorflow as tf
            path = keras.utils.get_file("w.h5", URL)
            model = tf.keras.Sequential([keras.layers.Dense(1)])
            """,
            at=(1, 1), target_tf="1.15",
            fixed="""
            from tensorflow import keras
            import tensorflow as tf
            path = keras.utils.get_file("w.h5", URL)
            model = tf.keras.Sequential([keras.layers.Dense(1)])
            """),
        # A module-level import meets every function's.
        Invalid(
            """
            import keras
            def tf_model():
                from tensorflow.keras.layers import Dense
                return keras.Sequential([Dense(1)])
            """,
            at=(1, 1), target_tf="1.15",
            fixed="""
            from tensorflow import keras
            def tf_model():
                from tensorflow.keras.layers import Dense
                return keras.Sequential([Dense(1)])
            """),
        # `import keras.layers` binds `keras` to the whole package: reported only.
        Invalid(
            """
            import keras.layers
            from tensorflow.keras.models import Model
            """,
            at=(1, 1), target_tf="1.15"),
        # tf.keras through tensorflow.compat.v1.
        Invalid(
            """
            import keras
            import tensorflow.compat.v1 as tf
            model = tf.keras.Sequential([keras.layers.Dense(1)])
            """,
            at=(1, 1), target_tf="1.15",
            fixed="""
            from tensorflow import keras
            import tensorflow.compat.v1 as tf
            model = tf.keras.Sequential([keras.layers.Dense(1)])
            """),
    ]

    def visit_Module(self, node):
        uses = namespaces.uses(self)
        helpers = _Helpers(self)
        alternatives = _alternatives(self, uses)
        # A namespace used for plain-value helpers alone mixes with nothing, nor do imports
        # that are alternatives of each other (one branch or the other runs).
        uses = [u for u in uses
                if id(u.node) not in alternatives and not helpers.only_helpers(u)]
        found = sorted({u.namespace for u in uses})
        if len(found) < 2 or not _meet(self, uses):
            return
        if found == ["keras", "tf.keras"] and self.target_at_least("keras_package_paired") \
                and not self.target_at_least("tf_keras_is_keras3"):
            return
        target = namespaces.default_target(self)
        fix = None
        if self.target_at_least(namespaces.NEEDS[target]):
            fix = namespaces.rewrite(self, target)
        first = next(u for u in uses if u.namespace != target)
        self.report(first.statement or first.node,
                    found=", ".join("`%s`" % f for f in found), target=target, edits=fix)


def _meet(rule, uses):
    """Whether two namespaces meet in one scope: one function's body, or the module's top
    level (seen from every function). Keras imported inside functions, one per function (a
    framework switch offering both), never meets."""
    owner = {}
    for function in patterns.all_nodes(rule.context.module, (cst.FunctionDef,)):
        # Pre-order: an inner function overrides its outer one.
        for node in patterns.all_nodes(function, (cst.Import, cst.ImportFrom, cst.Attribute)):
            owner[id(node)] = id(function)
    by_scope = {}
    for use in uses:
        by_scope.setdefault(owner.get(id(use.node)), set()).add(use.namespace)
    top = by_scope.pop(None, set())
    return len(top) > 1 or any(len(top | spaces) > 1 for spaces in by_scope.values())


def _alternatives(rule, uses):
    """ids of the Keras imports that sit in one branch of an `if` / `try` statement whose other
    branch imports another namespace under the same name."""
    namespace_of = {id(u.node): u.namespace for u in uses
                    if isinstance(u.node, (cst.Import, cst.ImportFrom))}
    if len(set(namespace_of.values())) < 2:
        return set()
    found = set()
    for statement in patterns.all_nodes(rule.context.module, (cst.If, cst.Try)):
        branches = _branches(statement)
        imports = [[(n, namespace_of[id(n)], _bound(n)) for n in patterns.all_nodes(
            branch, (cst.Import, cst.ImportFrom)) if id(n) in namespace_of]
            for branch in branches]
        for i, branch in enumerate(imports):
            others = [o for j, b in enumerate(imports) if j != i for o in b]
            for node, namespace, names in branch:
                if any(ns != namespace and names & bound for _, ns, bound in others):
                    found.add(id(node))
    return found


def _branches(statement):
    """The bodies of an `if` / `elif` / `else` chain, or of a `try`'s body, handlers and
    `else`."""
    if isinstance(statement, cst.Try):
        return [statement.body] + [h.body for h in statement.handlers] + (
            [statement.orelse.body] if statement.orelse else [])
    branches = [statement.body]
    rest = statement.orelse
    while rest is not None:
        if isinstance(rest, cst.If):
            branches.append(rest.body)
            rest = rest.orelse
        else:
            branches.append(rest.body)
            rest = None
    return branches


def _bound(node):
    """The names an import statement binds."""
    if isinstance(node.names, cst.ImportStar):
        return set()
    return {a.asname.name.value if a.asname else scopes.dotted(a.name).split(".")[0]
            if isinstance(node, cst.Import) else scopes.dotted(a.name) for a in node.names}


class _Helpers:
    """Which uses of a Keras namespace reach only _UTILITIES."""

    def __init__(self, rule):
        self.rule = rule
        self._outer = None

    def only_helpers(self, use):
        node = use.node
        if isinstance(node, cst.Attribute):
            return _helper(self._name(self._outermost(node)))
        if isinstance(node, cst.Import):
            return all(self._bound_helpers(
                a.asname.name.value if a.asname else scopes.dotted(a.name).split(".")[0],
                scopes.dotted(a.name) if a.asname else scopes.dotted(a.name).split(".")[0])
                for a in node.names)
        if isinstance(node, cst.ImportFrom):
            module = scopes.dotted(node.module)
            return all(self._bound_helpers(
                (a.asname.name.value if a.asname else scopes.dotted(a.name)),
                "%s.%s" % (module, scopes.dotted(a.name))) for a in node.names)
        return False

    def _bound_helpers(self, bound, qualified):
        """Whether the name an import binds is a helper, or every use of it reaches one."""
        if _helper(qualified):
            return True
        chains = [self._outermost(n) for n in self._names(bound)]
        return bool(chains) and all(_helper(self._name(c)) for c in chains)

    def _name(self, node):
        return self.rule.qualified_name(node, canonical=False) or ""

    def _names(self, bound):
        """The reads of ``bound``: its Name nodes, less attributes' `.attr` and imports."""
        self._outermost(None)
        return [n for n in patterns.all_nodes(self.rule.context.module, (cst.Name,))
                if n.value == bound and id(n) not in self._not_reads]

    def _outermost(self, node):
        if self._outer is None:
            self._outer, self._not_reads = {}, set()
            module = self.rule.context.module
            for attribute in patterns.all_nodes(module, (cst.Attribute,)):
                self._outer[id(attribute.value)] = attribute
                self._not_reads.add(id(attribute.attr))
            for statement in patterns.all_nodes(module, (cst.Import, cst.ImportFrom)):
                self._not_reads.update(id(n) for n in patterns.all_nodes(statement, (cst.Name,)))
        while node is not None and id(node) in self._outer:
            node = self._outer[id(node)]
        return node


def _strip(qualified):
    """``qualified`` below its Keras namespace's root ("utils.get_file"), or ""."""
    for root in _ROOTS:
        if qualified.startswith(root + "."):
            return qualified[len(root) + 1:]
    return ""


def _helper(qualified):
    rest = _strip(qualified)
    if not rest:
        return False
    parts = rest.split(".")
    if parts[0] == "applications" and parts[-1] in _APPLICATION_UTILITIES:
        return True
    return any(rest == u or rest.startswith(u + ".") for u in _UTILITIES)

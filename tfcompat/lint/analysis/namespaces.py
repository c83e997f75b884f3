"""The Keras namespaces a module uses (`keras`, `tf.keras`, `tf_keras`) and the edits that move
it onto one of them: shared by TFC201 and TFC202.

A namespace is where the code imports Keras from, as the keras-target setting names it: the
`keras` namespace is whatever the `keras` package is (Keras 3 from TF 2.16, the Keras 2 that
tf.keras is from TF 2.6, multi-backend Keras before), not versions.KERAS, the flavor
"standalone multi-backend Keras 2".

A namespace is used by an import (`import keras.backend as K`, `from tensorflow.keras.layers
import Dense`, `from tensorflow import keras`) or by an attribute (`tf.keras.layers.Dense`).
Imports are rewritten in place, keeping the names they bind, so the code below them is left
as it is; `tf.keras` attributes are respelled through an import of the target namespace.
"""
import collections

from tfcompat.lint.analysis import patterns, qualnames, scopes
from tfcompat.lint.engine import walk as fast_walk
from tfcompat.lint.libcst_lazy import cst

# The module each namespace imports from, and the version fact a rewrite onto it needs.
MODULES = {"keras": "keras", "tf.keras": "tensorflow.keras", "tf_keras": "tf_keras"}
NEEDS = {"tf.keras": "tf_keras_import", "keras": "keras_package_paired",
         "tf_keras": "tf_keras_is_keras3"}

Use = collections.namedtuple("Use", "namespace node statement")


def _via(namespace):
    """The imports a use of ``namespace`` goes through (the prefilter's view of ``uses``):
    its modules, and for tf.keras also `tensorflow` (`tf.keras.X`) and its compat.v1."""
    trees = tuple(prefix + ".*" for prefix, ns in qualnames.KERAS_NAMESPACES.items()
                  if ns == namespace)
    if namespace == "tf.keras":
        trees += ("tensorflow", "tensorflow.compat", "tensorflow.compat.v1")
    return trees


VIA = {namespace: _via(namespace) for namespace in MODULES}
# Imports of two namespaces at least: (keras or tf.keras) and (keras or tf_keras) and
# (tf.keras or tf_keras), as Rule.modules groups.
TWO_NAMESPACES = (VIA["keras"] + VIA["tf.keras"], VIA["keras"] + VIA["tf_keras"],
                  VIA["tf.keras"] + VIA["tf_keras"])


def default_target(rule):
    """keras-target from the config, else Keras 3's `keras` for TF 2.16+ targets and
    `tf.keras` below."""
    if rule.keras_target:
        return rule.keras_target
    return "keras" if rule.target_at_least("tf_keras_is_keras3") else "tf.keras"


def _namespace_of(module):
    return patterns.keras_namespace(module) if module else None


class _Uses(fast_walk.Visitor):
    def __init__(self, rule):
        super().__init__()
        self.rule = rule
        self.found = []
        self.statement = None

    def visit_SimpleStatementLine(self, node):
        self.statement = node

    def visit_Import(self, node):
        for alias in node.names:
            namespace = _namespace_of(scopes.dotted(alias.name))
            if namespace:
                self.found.append(Use(namespace, node, self.statement))

    def visit_ImportFrom(self, node):
        if node.relative or node.module is None or isinstance(node.names, cst.ImportStar):
            return
        module = scopes.dotted(node.module)
        namespace = _namespace_of(module)
        if namespace is None and module == "tensorflow" and any(
                scopes.dotted(a.name) == "keras" for a in node.names):
            namespace = "tf.keras"
        if namespace:
            self.found.append(Use(namespace, node, self.statement))

    def visit_Attribute(self, node):
        name = self.rule.qualified_name(node, canonical=False)
        if name == "tensorflow.compat.v1.keras" and self.rule.keras_target == "tf_keras" \
                and self.rule.target_at_least("tf_keras_is_keras3"):
            # tf_keras's own TF 1 API under TF_USE_LEGACY_KERAS=1 (where its sessions are).
            self.found.append(Use("tf_keras", node, None))
        elif name in ("tensorflow.keras", "tensorflow.compat.v1.keras"):
            self.found.append(Use("tf.keras", node, None))


def uses(rule):
    """Every use of a Keras namespace in the module, in source order (cached per file)."""
    return rule.context.cached(_find_uses, rule)


def _find_uses(rule):
    visitor = _Uses(rule)
    fast_walk.visit(rule.context.module, visitor, tokens=False)
    return visitor.found


def named_namespaces(names):
    """The namespaces that ``uses`` can find in code whose prefilter CodeNames are ``names``
    (a superset): those of its absolute imports' modules, and of the qualified names its
    attributes can have (CodeNames.qualified: an attribute's is a prefix of its chain's,
    or of its import's); tf_keras too for a tf.keras one where the code names `compat`
    (``tf.compat.v1.keras`` under keras-target tf_keras)."""
    found = {patterns.keras_namespace(m) for m in names.modules}
    if any(patterns.keras_namespace(q) == "tf.keras" for q in names.qualified):
        found.add("tf.keras")
        if "compat" in names.words:
            found.add("tf_keras")
    found.discard(None)
    return found


def star_imports(rule):
    """``from <keras namespace>.x import *`` statements of the module, as (namespace, node)
    pairs: they bind names ``uses`` cannot follow, so each rule decides what to do with them."""
    return rule.context.cached(_find_stars, rule)


def _find_stars(rule):
    found = []
    for node in patterns.all_nodes(rule.context.module, (cst.ImportFrom,)):
        if isinstance(node.names, cst.ImportStar) and not node.relative and node.module:
            namespace = _namespace_of(scopes.dotted(node.module))
            if namespace:
                found.append((namespace, node))
    return found


def moved_star_import(node, source, target):
    """``from <source>.x import *`` moved onto ``target``, or None when the target has no such
    module (qualnames.KERAS_MODULES)."""
    module = scopes.dotted(node.module)
    old, new = MODULES[source], MODULES[target]
    if not _exists(new, module[len(old):]):
        return None
    return "from %s import *" % (new + module[len(old):])


def uses_tf_data(rule):
    """Whether the module names anything of tf.data (or tf.contrib.data); cached per file."""
    return rule.context.cached(_names_tf_data, rule)


def _names_tf_data(rule):
    return any((rule.qualified_name(a) or "").startswith(("tensorflow.data.",
                                                         "tensorflow.contrib.data."))
               for a in patterns.all_nodes(rule.context.module, (cst.Attribute, cst.Name)))


def rewrite(rule, target):
    """Edits moving every use of another namespace onto ``target``: imports keep the names
    they bind (`import keras.backend as K` -> `from tensorflow.keras import backend as K`,
    `import keras` -> `import tf_keras as keras`), `tf.keras.X` attributes become `keras.X` /
    `tf_keras.X` (adding the import). None when one of them cannot be moved: `import
    keras.layers` without an alias (it binds `keras` to the whole package), a module the
    target does not have (`keras.layers.convolutional`, `keras.utils.np_utils`...: only those
    of qualnames.KERAS_MODULES, each imported in the TF cells, are written), a star import,
    an import sharing its line."""
    edits, respelled = [], None
    for use in uses(rule):
        if use.namespace == target:
            continue
        if isinstance(use.node, cst.Attribute):
            if respelled is None:
                respelled = rule.require(MODULES[target], module=MODULES[target],
                                         alias=MODULES[target].rsplit(".", 1)[-1])
                edits.extend(respelled[1])
            edits.append(rule.replace(use.node, respelled[0]))
            continue
        if use.statement is None or len(use.statement.body) != 1:
            return None
        text = _moved_import(use.node, use.namespace, target)
        if text is None:
            return None
        edits.append(rule.replace(use.node, text))
    return edits


def _moved_import(node, source, target):
    """The import moved onto ``target``, or None when it cannot be: a module the target does
    not have (qualnames.KERAS_MODULES), `import keras.layers` binding `keras`, and the like."""
    old, new = MODULES[source], MODULES[target]
    if isinstance(node, cst.ImportFrom):
        module = scopes.dotted(node.module)
        names = [(scopes.dotted(a.name), a.asname.name.value if a.asname else None)
                 for a in node.names]
        if module == "tensorflow":  # from tensorflow import keras [as k], maybe with others
            if len(names) != 1:
                return None
            return _import_module(new, names[0][1] or "keras")
        if not _exists(new, module[len(old):]):
            return None
        return "from %s import %s" % (new + module[len(old):], _aliases(names))
    lines = []
    for alias in node.names:
        module = scopes.dotted(alias.name)
        if _namespace_of(module) != source:  # `import keras, numpy`: numpy stays
            lines.append("import %s"
                         % _aliases([(module, alias.asname and alias.asname.name.value)]))
            continue
        if alias.asname is None and "." in module:
            return None  # `import keras.layers` binds `keras` to the whole package
        if not _exists(new, module[len(old):]):
            return None
        bound = alias.asname.name.value if alias.asname else module
        lines.append(_import_module(new + module[len(old):], bound))
    return "; ".join(lines)


def _exists(namespace, rest):
    """Whether ``namespace + rest`` (rest: '' or '.sub.module') is a module the namespace has."""
    return rest.lstrip(".") in qualnames.KERAS_MODULES.get(namespace, ())


def _import_module(module, bound):
    """An import binding ``bound`` to ``module``."""
    parent, _, last = module.rpartition(".")
    if parent:
        return "from %s import %s" % (parent, last if last == bound else "%s as %s" % (last, bound))
    return "import %s" % (module if module == bound else "%s as %s" % (module, bound))


def _aliases(names):
    return ", ".join(n if a is None else "%s as %s" % (n, a) for n, a in names)

"""What a rule must prove before it reports, or before its fix is safe: where a value comes from
(a tf.data pipeline, NumPy, an imported module), whether the module runs in graph or eager mode,
whether `tf` is `tensorflow.compat.v1` here, and whose method a call is.

Each answer is "proven yes", "proven no", or unknown (None); a rule reports on a proof and
offers its safe fix only on a proof. Module-wide answers are computed once per file.
"""
import ast

from tfcompat.lint import libcst_lazy
from tfcompat.lint.analysis import imports, patterns, qualnames
from tfcompat.lint.analysis.ancestors import Ancestors
from tfcompat.lint.engine import walk as fast_walk
from tfcompat.lint.libcst_lazy import cst

GRAPH, EAGER = "graph", "eager"

# Dataset methods no NumPy array, pandas object or Python sequence has: a chain holding one
# is a tf.data pipeline even when its source is out of sight (a parameter, another module).
# `map`, `filter`, `take`, `skip`, `repeat`, `concatenate`, `apply`, `window` and `batch` are
# not proof on their own (NumPy's repeat/concatenate, pandas' apply/filter/take, other data
# libraries' batch/take).
DATASET_ONLY_METHODS = frozenset((
    "padded_batch", "flat_map", "interleave", "shuffle", "prefetch", "cache", "unbatch",
    "rebatch", "with_options", "shard", "map_with_legacy_function", "ragged_batch",
    "bucket_by_sequence_length", "make_one_shot_iterator", "make_initializable_iterator"))

_EAGER_ON = frozenset(("tensorflow.enable_eager_execution", "tensorflow.enable_v2_behavior"))
_EAGER_OFF = frozenset(("tensorflow.disable_eager_execution", "tensorflow.disable_v2_behavior"))
# Calls that only make sense in graph mode: building a Session or a placeholder.
_PLACEHOLDERS = frozenset("tensorflow." + n for n in ("placeholder", "placeholder_with_default"))
_GRAPH_ONLY = _PLACEHOLDERS | frozenset(qualnames.SESSION_FACTORIES)
_NOT_DATA_LIBRARIES = ("numpy.", "pandas.")


def _cached(rule, compute):
    return rule.context.cached(compute, rule)


# ------------------------------------------------------------------------------ graph or eager
def execution_mode(rule):
    """GRAPH when the module provably runs graph mode, EAGER when provably eager, else None.

    Graph: a TF 1 target; or the module turns eager execution off (and never on); or it builds
    Sessions or placeholders and never turns eager execution on. Eager: the module turns eager
    execution on (`tf.enable_eager_execution()`, `enable_v2_behavior()`) and never off, and
    builds no Session. A `tensorflow.compat.v1` import alone proves nothing: on TF 2 that code
    runs eagerly unless something turns eager execution off."""
    if rule.target_tf is not None and rule.target_tf < (2, 0):
        return GRAPH
    on, off, graph_only = _cached(rule, _mode_evidence)
    if off and not on:
        return GRAPH
    if on and not off:
        return EAGER if not graph_only else None
    return GRAPH if graph_only and not on else None


def graph_mode_code(rule):
    """Whether the module is written for graph mode: ``execution_mode`` says GRAPH, or it uses
    graph-mode constructs at all (TF 1 iterators, sessions, placeholders), even beside code
    that turns eager on. Enough to report a graph-mode problem; a fix's safety asks
    ``execution_mode``."""
    return execution_mode(rule) == GRAPH or _cached(rule, _builds_graph)


def _builds_graph(rule):
    return any(patterns.method_name(c) in qualnames.ITERATOR_METHODS
               or rule.qualified_name(c.func) in qualnames.GRAPH_MODE_MARKERS
               for c in patterns.all_nodes(rule.context.module, (cst.Call,)))


def turns_eager_off(rule):
    """Whether the module turns eager execution off (`disable_eager_execution()`,
    `disable_v2_behavior()`) and never on: the only proof that TF 2 runs its graph-only APIs
    (a Session alone does not make `tf.compat.v1.train.shuffle_batch` run)."""
    on, off, _ = _cached(rule, _mode_evidence)
    return off and not on


def switches_eager(rule):
    """Whether the module turns eager execution on or off itself (either way, its execution
    mode is its own choice)."""
    on, off, _ = _cached(rule, _mode_evidence)
    return on or off


def runs_graph_only_code(rule):
    """Whether the module's own code only runs in graph mode: it turns eager execution off, or
    it builds placeholders (which raise under eager execution, so its program turns eager off
    elsewhere, as a package's `__init__` does, or the module fails there anyway), and never
    turns eager execution on. A Session alone is no such proof: one runs under eager too."""
    on, off, _ = _cached(rule, _mode_evidence)
    return not on and (off or _cached(rule, _placeholders))


def _placeholders(rule):
    return any(rule.qualified_name(call.func) in _PLACEHOLDERS
               for call in patterns.all_nodes(rule.context.module, (cst.Call,)))


def _mode_evidence(rule):
    on = off = graph_only = False
    for call in patterns.all_nodes(rule.context.module, (cst.Call,)):
        name = rule.qualified_name(call.func)
        if name in _EAGER_ON:
            on = True
        elif name in _EAGER_OFF:
            off = True
        elif name in _GRAPH_ONLY:
            graph_only = True
    return on, off, graph_only


_FETCH_CONTAINERS = libcst_lazy.types("List", "Tuple", "Element", "Dict", "DictElement")


def run_by_session(rule, call):
    """Whether the value of ``call`` is handed straight to a session's ``run``, alone or in a
    list, tuple or dict of fetches: proof that it is a graph tensor."""
    ancestors = rule.context.ancestors
    for i in range(len(ancestors) - 1, 0, -1):
        if ancestors[i] is call:
            break
    else:
        return False
    i -= 1
    while i > 0 and isinstance(ancestors[i], _FETCH_CONTAINERS()):
        i -= 1
    if isinstance(ancestors[i], cst.Arg) and i > 0 and isinstance(ancestors[i - 1], cst.Call):
        return patterns.runs_tensors(rule, ancestors[i - 1])
    return False


# ------------------------------------------------------------------------------ compat.v1 modules
def compat_v1_module(rule):
    """Whether the module's tf.data is `tensorflow.compat.v1`'s: it imports
    `tensorflow.compat.v1` (as `tf` or another name) and never names `tensorflow.data` through
    a TF 2 import. There `tf.data.Dataset` is `DatasetV1`, whose TF 1 methods
    (`make_one_shot_iterator`, `output_shapes`...) exist on every TF 2."""
    return _cached(rule, _compat_v1)


def _compat_v1(rule):
    found = rule.context.imports
    if "tensorflow.compat.v1" not in found.toplevel.values():
        return False
    for node in patterns.all_nodes(rule.context.module, (cst.Attribute,)):
        if isinstance(node.value, cst.Name) and _tf2_data(found.qualify(node, False)):
            return False
    return True


def _tf2_data(name):
    return name is not None and (name + ".").startswith(("tensorflow.data.",
                                                          "tensorflow.compat.v2.data."))


def compat_v1_code(names):
    """compat_v1_module's answer from Python's tree (``names``: the file's
    tfcompat.lint.analysis.codenames.CodeNames), for rules' may_fire: True only where
    compat_v1_module is. The Attribute nodes on a Name that libcst has are ``ast``'s, and the
    first two names of each dotted module an import statement names (relative ones too)."""
    found = names.imports
    if "tensorflow.compat.v1" not in found.toplevel.values():
        return False
    for node in ast.walk(names.tree):
        if node.__class__ is ast.Attribute and node.value.__class__ is ast.Name \
                and _tf2_data(found.qualify_dotted(node.value.id + "." + node.attr, False)):
            return False
    return not any(_tf2_data(found.qualify_dotted(".".join(path.split(".")[:2]), False))
                   for path in imports.import_paths(names.tree))


# ------------------------------------------------------------------------------ tf.data
# A chain dataset_chain accepts calls one of these: its source (by its last name, which an
# import of the source names too), a Dataset-only method, or `repeat`.
DATASET_CHAIN_CALLS = tuple(sorted(
    {s.rpartition(".")[2] for s in qualnames.DATASET_SOURCES | qualnames.PREFETCHED_SOURCES}
    | DATASET_ONLY_METHODS | {"repeat"}))


def may_hold_dataset_chain(names):
    """Whether code whose names are ``names`` (tfcompat.lint.analysis.codenames.CodeNames) may
    hold a chain dataset_chain accepts: one of DATASET_CHAIN_CALLS is a called name."""
    return not names.called.isdisjoint(DATASET_CHAIN_CALLS)


def dataset_chain(rule, expr, ancestors=None):
    """(calls building ``expr``, proven) when ``expr`` is a tf.data pipeline.

    ``proven`` is True when the chain starts at a tf.data source (a call of a tf.data
    constructor, followed through reassignments): the value is a Dataset for certain. It is
    False when only a Dataset-only method (DATASET_ONLY_METHODS) in the chain says so: a
    pipeline whose source is out of sight. None (not a pipeline) when neither holds, or when
    the chain starts at a NumPy or pandas call. ``ancestors``: those of ``expr`` when it is
    not under the node being visited."""
    calls = rule.context.scopes.method_chain(expr, ancestors or rule.context.ancestors)
    if not calls:
        return None
    first = rule.qualified_name(calls[0].func)
    if first in qualnames.DATASET_SOURCES or first in qualnames.PREFETCHED_SOURCES:
        return calls, True
    if first is not None and first.startswith(_NOT_DATA_LIBRARIES):
        return None
    names = patterns.methods(rule, calls)
    if any(n in DATASET_ONLY_METHODS for n in names):
        return calls, False
    # `repeat()` with no count: NumPy's and pandas' repeat require one.
    if any(n == "repeat" and not c.args for n, c in zip(names, calls)):
        return calls, False
    return None


def attribute_pipelines(rule, expr):
    """[(calls, proven)] for each value the enclosing class assigns to ``self.<name>`` when
    ``expr`` is that attribute and every such value is a tf.data pipeline (`None` placeholders
    aside), as ``dataset_chain`` proves it where the value is assigned; else None. Any other
    kind of binding of the attribute in the class (a tuple target, `+=`) makes it unknown.
    Assignments out of sight (a subclass elsewhere, a caller) are not seen: a rule offers a
    safe fix only where its change is harmless to those."""
    if not (isinstance(expr, cst.Attribute) and isinstance(expr.value, cst.Name)
            and expr.value.value == "self"):
        return None
    cls = next((a for a in reversed(rule.context.ancestors) if isinstance(a, cst.ClassDef)),
               None)
    bindings = _cached(rule, _self_attributes).get((id(cls), expr.attr.value))
    if cls is None or not bindings:
        return None
    found = []
    for value, ancestors in bindings:
        if value is None:
            return None
        if isinstance(value, cst.Name) and value.value == "None":
            continue
        chain = dataset_chain(rule, value, ancestors)
        if chain is None:
            return None
        found.append(chain)
    return found or None


def _self_attributes(rule):
    """{(id of the innermost class, attribute): [(value or None when unknown, ancestors of
    the binding statement)]} for each binding of ``self.<attribute>`` in a class."""
    found = {}
    stack = Ancestors()

    def bind(target, value):
        if isinstance(target, cst.Attribute) and isinstance(target.value, cst.Name) \
                and target.value.value == "self":
            cls = next((a for a in reversed(stack) if isinstance(a, cst.ClassDef)), None)
            if cls is not None:
                copy = Ancestors()
                for node in stack:
                    copy.append(node)
                found.setdefault((id(cls), target.attr.value), []).append((value, copy))
        elif isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                bind(element.value, None)
        elif isinstance(target, cst.StarredElement):
            bind(target.value, None)

    class Bindings(fast_walk.Visitor):
        def on_visit(self, node):
            stack.append(node)
            if isinstance(node, cst.Assign):
                for target in node.targets:
                    bind(target.target, node.value)
            elif isinstance(node, cst.AnnAssign) and node.value is not None:
                bind(node.target, node.value)
            elif isinstance(node, (cst.AugAssign, cst.For)):
                bind(node.target, None)
            elif isinstance(node, cst.WithItem) and node.asname is not None:
                bind(node.asname.name, None)
            # No statement lives in an expression (a lambda's body is one).
            return not isinstance(node, (cst.BaseExpression, cst.BaseSmallStatement))

        def on_leave(self, node):
            stack.pop()

    fast_walk.visit(rule.context.module, Bindings(), tokens=False)
    return found


# ------------------------------------------------------------------------------ whose method
def module_receiver(rule, call):
    """Whether ``call`` is ``mod.f(...)`` where ``mod`` is a name bound by an import (relative
    imports included): a module's function, not an object's method."""
    receiver = call.func.value if isinstance(call.func, cst.Attribute) else None
    while isinstance(receiver, cst.Attribute):
        receiver = receiver.value
    if not isinstance(receiver, cst.Name):
        return False
    found = rule.context.scopes.lookup(receiver.value,
                                       rule.context.scopes.chain(rule.context.ancestors))
    if found is not None:
        statement = found[2]
        return isinstance(statement, cst.SimpleStatementLine) and any(
            isinstance(s, (cst.Import, cst.ImportFrom)) for s in statement.body)
    # Relative imports bind no qualified name the scopes know: look for the name itself.
    return receiver.value in _cached(rule, _imported_names)


def _imported_names(rule):
    names = set()
    for node in patterns.all_nodes(rule.context.module, (cst.Import, cst.ImportFrom)):
        if isinstance(node.names, cst.ImportStar):
            continue
        for alias in node.names:
            bound = alias.asname.name if alias.asname else alias.name
            while isinstance(bound, cst.Attribute):
                bound = bound.value
            if isinstance(bound, cst.Name):
                names.add(bound.value)
    return frozenset(names)


def own_method(rule, call):
    """Whether ``call`` is ``self.m(...)`` (or ``cls.m``) inside a class that defines ``m``
    itself: the class's own method, whose signature is the class's, not Keras'."""
    func = call.func
    if not (isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name)):
        return False
    ancestors = rule.context.ancestors
    function = next((a for a in reversed(ancestors) if isinstance(a, cst.FunctionDef)), None)
    cls = next((a for a in reversed(ancestors) if isinstance(a, cst.ClassDef)), None)
    if function is None or cls is None:
        return False
    params = list(function.params.posonly_params) + list(function.params.params)
    if not params or params[0].name.value != func.value.value:
        return False
    method = func.attr.value
    return any(isinstance(s, cst.FunctionDef) and s.name.value == method
               for s in cls.body.body)


def keras_model(rule, expr):
    """Whether ``expr`` is provably a Keras object: a name (or `self.x`) every value of which
    is a call of something in a Keras namespace (`Sequential(...)`, `keras.Model(...)`,
    `load_model(...)`, `keras.applications.ResNet50(...)`)."""
    values = patterns.assigned_values(rule, expr)
    if values is None:
        values = [expr]
    return bool(values) and all(
        isinstance(v, cst.Call)
        and patterns.keras_namespace(rule.qualified_name(v.func) or "") is not None
        for v in values)


def keras_method_call(rule, call):
    """Whether ``call`` may be a Keras model's method: neither a module's function nor a
    class's own method of that name."""
    return not (module_receiver(rule, call) or own_method(rule, call))


# ------------------------------------------------------------------------------ Keras consumers
_KERAS_DATA_KEYWORDS = ("x", "generator", "validation_data")


# The Keras methods whose data feeds_keras looks at (their names are called names).
FEEDING_METHODS = tuple(qualnames.KERAS_DATA_METHODS) + tuple(qualnames.GENERATOR_METHODS)


def feeds_keras(rule, function):
    """Whether the generator ``function`` (a def) reaches a Keras data method of this module:
    its call (or a name bound to it, or a function returning it) is the data or
    ``validation_data`` of a ``fit`` / ``evaluate`` / ``predict`` (or ``*_generator``) call."""
    return function.name.value in _cached(rule, _keras_fed)


def _keras_fed(rule):
    methods = set(FEEDING_METHODS)
    fed = set()
    for call in patterns.all_nodes(rule.context.module, (cst.Call,)):
        if patterns.method_name(call) not in methods:
            continue
        for arg in call.args:
            if arg.keyword is None and arg is not call.args[0]:
                continue
            if arg.keyword is not None and arg.keyword.value not in _KERAS_DATA_KEYWORDS:
                continue
            fed.update(_called_names(rule, arg.value))
    # One level of factories: `def make(): return gen()` fed to Keras feeds `gen`.
    for function in patterns.all_nodes(rule.context.module, (cst.FunctionDef,)):
        if function.name.value in fed:
            for ret in patterns.own_nodes(function, (cst.Return,)):
                if ret.value is not None:
                    fed.update(_called_names(rule, ret.value))
    return frozenset(fed)


def _called_names(rule, expr):
    """Names of the functions whose call makes ``expr``: `gen(...)`, `self.gen(...)`, or a
    module-level name assigned one of those."""
    if isinstance(expr, cst.Name):
        for value in _module_values(rule, expr.value):
            yield from _called_names(rule, value)
        yield expr.value
    elif isinstance(expr, cst.Call):
        func = expr.func
        if isinstance(func, cst.Name):
            yield func.value
        elif isinstance(func, cst.Attribute):
            yield func.attr.value


def _module_values(rule, name):
    """Every value assigned to ``name`` anywhere in the module (any scope): a cheap,
    flow-insensitive view, enough to say that a generator reaches Keras."""
    values = _cached(rule, _assigned_values)
    return values.get(name, ())


def _assigned_values(rule):
    found = {}
    for node in patterns.all_nodes(rule.context.module, (cst.Assign,)):
        for target in node.targets:
            if isinstance(target.target, cst.Name):
                found.setdefault(target.target.value, []).append(node.value)
    return found

"""Questions several rules ask about TF/Keras code: Keras calls and their arguments, tf.data
pipelines, generator functions, sessions, and the edits more than one rule makes.

Every function takes the asking rule first (for its view of imports and scopes) and works on
the libcst tree only: nothing here imports or runs the code being linted.
"""
from tfcompat.lint import libcst_lazy
from tfcompat.lint.analysis import imports, qualnames, scopes
from tfcompat.lint.engine import walk as fast_walk
from tfcompat.lint.libcst_lazy import cst

_NESTED_SCOPES = libcst_lazy.types("FunctionDef", "Lambda", "ClassDef")
_RANDOM_PREFIXES = ("tensorflow.random.", "tensorflow.random_", "tensorflow.image.random_",
                    "tensorflow.keras.layers.Random", "keras.layers.Random", "numpy.random.",
                    "random.")
# Names code conventionally gives a Session it was handed (a parameter, a global).
_SESSION_NAMES = ("sess", "session")


# ------------------------------------------------------------------------------ call arguments
def argument(call, position, *keywords):
    """The argument at ``position`` (None: keyword only) or given by one of ``keywords``."""
    positional = [a for a in call.args if a.keyword is None and not a.star]
    if position is not None and position < len(positional):
        return positional[position]
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value in keywords:
            return arg
    return None


def bind(call, parameters):
    """{parameter: value} of a call to a function with these parameters, in order (each can
    be given by position or keyword); None where an argument is a star or matches none."""
    bound = {}
    for i, arg in enumerate(call.args):
        if arg.star:
            return None
        if arg.keyword is None:
            if i >= len(parameters):
                return None
            bound[parameters[i]] = arg.value
        elif arg.keyword.value in parameters:
            bound[arg.keyword.value] = arg.value
        else:
            return None
    return bound


def data_argument(call):
    """The data a Keras ``fit`` / ``evaluate`` / ``predict`` (or ``*_generator``) call gets."""
    return argument(call, 0, "x", "generator")


# Keras methods taking data, and the keywords beside the first positional that hold data too.
KERAS_DATA_METHODS = {"fit": ("validation_data",), "evaluate": (), "predict": ()}


def keras_data_arguments(rule, call):
    """The arguments holding the data of a Keras ``fit`` / ``evaluate`` / ``predict`` call
    (a method call, not a module function such as ``tfcompat.fit``); [] for other calls."""
    method = method_name(call)
    if method not in KERAS_DATA_METHODS or rule.qualified_name(call.func):
        return []
    found = [data_argument(call)]
    found += [argument(call, None, k) for k in KERAS_DATA_METHODS[method]]
    return [a for a in found if a is not None]


def fed_to_keras(rule):
    """Whether the node being visited is itself the data handed to Keras' fit/evaluate/predict."""
    ancestors = rule.context.ancestors
    if len(ancestors) < 3 or not isinstance(ancestors[-3], cst.Call):
        return False
    return any(arg is ancestors[-2] for arg in keras_data_arguments(rule, ancestors[-3]))


def keyword(call, name):
    """The value of keyword argument ``name``, or None."""
    arg = argument(call, None, name)
    return arg.value if arg is not None else None


def has_star_args(call):
    return any(a.star for a in call.args)


def method_name(call):
    """``m`` for a call ``x.m(...)``, else None."""
    return call.func.attr.value if isinstance(call.func, cst.Attribute) else None


def is_literal(expr, *values):
    """Whether ``expr`` is one of the literal ``values`` (ints, None, True, False)."""
    if isinstance(expr, cst.Integer):
        return expr.evaluated_value in values
    if isinstance(expr, cst.UnaryOperation) and isinstance(expr.operator, cst.Minus) \
            and isinstance(expr.expression, cst.Integer):
        return -expr.expression.evaluated_value in values
    if isinstance(expr, cst.Name) and expr.value in ("None", "True", "False"):
        return {"None": None, "True": True, "False": False}[expr.value] in values
    return False


def with_keyword(call, name, value):
    """``call`` with keyword ``name`` set to ``value`` (source text), replacing or appending."""
    new_value = cst.parse_expression(value)
    args = list(call.args)
    for i, arg in enumerate(args):
        if arg.keyword is not None and arg.keyword.value == name:
            args[i] = arg.with_changes(value=new_value)
            return call.with_changes(args=args)
    new = cst.Arg(value=new_value, keyword=cst.Name(name),
                  equal=cst.AssignEqual(cst.SimpleWhitespace(""), cst.SimpleWhitespace("")))
    if args:
        last = args[-1]
        if last.comma is cst.MaybeSentinel.DEFAULT:
            args[-1] = last.with_changes(
                comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
        else:
            # A trailing comma (often before a newline): the new argument goes after it.
            new = new.with_changes(comma=last.comma)
            args[-1] = last.with_changes(
                comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
    return call.with_changes(args=args + [new])


def compat_v1_data_call(rule, function, args):
    """The call `tf.compat.v1.data.<function>(args)` (a libcst node) spelled through the
    module's import of `tensorflow`, `tensorflow.compat.v1` or `tensorflow.compat.v1.data`
    (`tf.compat.v1.data.f`, `v1.data.f`...), or None where it imports none of them."""
    for module, path in qualnames.COMPAT_V1_DATA_HOMES:
        alias = rule.import_alias(module)
        if alias:
            name = ".".join(p for p in (alias, path, function) if p)
            return cst.Call(func=cst.parse_expression(name), args=args)
    return None


def keras_namespace(qualified):
    """"keras", "tf.keras" or "tf_keras" for a qualified name in one of them, else None."""
    for prefix, namespace in qualnames.KERAS_NAMESPACES.items():
        if qualified == prefix or qualified.startswith(prefix + "."):
            return namespace
    return None


# ------------------------------------------------------------------------------ scopes' own nodes
class _Own(fast_walk.Visitor):
    """Nodes of some types inside a body, not entering nested defs, lambdas and classes."""

    def __init__(self, types):
        super().__init__()
        self.types = types
        self.found = []

    def on_visit(self, node):
        if isinstance(node, self.types):
            self.found.append(node)
        return not isinstance(node, _NESTED_SCOPES())


def own_nodes(function, types):
    """Nodes of ``types`` that run in ``function``'s own frame (a def or lambda body)."""
    visitor = _Own(types)
    body = function.body
    fast_walk.visit(body, visitor, tokens=fast_walk.wants_tokens(types))
    return visitor.found


def scope_nodes(scope, types):
    """Nodes of ``types`` that run in the frame of ``scope``: a def or lambda body, or a
    module outside its defs, lambdas and classes."""
    if not isinstance(scope, cst.Module):
        return own_nodes(scope, types)
    visitor = _Own(types)
    fast_walk.visit(scope, visitor, tokens=fast_walk.wants_tokens(types))
    return visitor.found


def is_generator(function):
    return isinstance(function, cst.FunctionDef) and bool(own_nodes(function, (cst.Yield,)))


def enclosing_function(ancestors):
    """The innermost def or lambda holding the last ancestor, or None."""
    for node in reversed(ancestors[:-1]):
        if isinstance(node, (cst.FunctionDef, cst.Lambda)):
            return node
        if isinstance(node, cst.ClassDef):
            return None
    return None


def called_function(rule, expr):
    """The def (or lambda) ``expr`` names: a lambda, or a name bound by ``def``."""
    if isinstance(expr, cst.Lambda):
        return expr
    if isinstance(expr, cst.Name):
        found = rule.definition(expr)
        return found if isinstance(found, cst.FunctionDef) else None
    return None


def assigned_values(rule, expr):
    """What a name or attribute holds: [the value last assigned to a name] (None in it when
    unknown), every value assigned to an attribute (`self.x`); None for other expressions."""
    if isinstance(expr, cst.Name):
        return [rule.resolve(expr)]
    if isinstance(expr, cst.Attribute):
        return rule.context.scopes.attribute_values(expr)
    return None


def generator_function(rule, expr):
    """The generator function whose call made ``expr`` (``gen()`` or a name assigned it)."""
    if isinstance(expr, cst.Name):
        expr = rule.resolve(expr)
    if isinstance(expr, cst.Call) and isinstance(expr.func, cst.Name):
        found = rule.definition(expr.func)
        if is_generator(found):
            return found
    return None


# ------------------------------------------------------------------------------ tf.data pipelines
# A name every tf.data chain (dataset_chain) holds: its source's or a Dataset-only method's.
DATASET_CHAIN_NAMES = tuple(sorted(
    {s.rpartition(".")[2] for s in qualnames.DATASET_SOURCES | qualnames.PREFETCHED_SOURCES}
    | qualnames.DATASET_METHODS))


def methods(rule, calls):
    """The method name of each call of a chain (None for a function such as ``np.repeat``)."""
    return [method_name(c) if rule.qualified_name(c.func) is None else None for c in calls]


def earlier_method(rule, call, names):
    """(the chain of ``call``, index of the last call before it whose method is in ``names``),
    or (chain, None). ``call`` must be a method call of a chain."""
    calls = rule.method_chain(call)
    found = None
    for i, name in enumerate(methods(rule, calls)[:-1]):
        if name in names:
            found = i
    return calls, found


def mapped_function(rule, call):
    """The function a ``.map()`` / ``.flat_map()`` call applies (lambda or def), or None."""
    arg = argument(call, 0, "map_func")
    return called_function(rule, arg.value) if arg is not None else None


# ------------------------------------------------------------------------------ randomness
def draws_random(rule, function, depth=2):
    """Whether calling ``function`` draws random numbers (directly, or through module
    functions it calls, ``depth`` levels down). Stateless ops with a fixed seed do not."""
    for call in own_nodes(function, (cst.Call,)):
        name = rule.qualified_name(call.func) or ""
        if name.startswith(_RANDOM_PREFIXES) and "stateless" not in name:
            return True
        if depth and isinstance(call.func, cst.Name):
            callee = rule.definition(call.func)
            if isinstance(callee, cst.FunctionDef) and draws_random(rule, callee, depth - 1):
                return True
    return False


# ------------------------------------------------------------------------------ sessions
def _session_names(rule):
    return rule.context.cached(_find_session_names, rule)


def _find_session_names(rule):
    names = set(_SESSION_NAMES)
    for node in all_nodes(rule.context.module, (cst.WithItem, cst.Assign)):
        if isinstance(node, cst.WithItem):
            if node.asname is not None and isinstance(node.asname.name, cst.Name) \
                    and is_session(rule, node.item, ()):
                names.add(node.asname.name.value)
        elif len(node.targets) == 1 and isinstance(node.targets[0].target, cst.Name) \
                and is_session(rule, node.value, ()):
            names.add(node.targets[0].target.value)
    return names


class _Every(_Own):
    def on_visit(self, node):
        if isinstance(node, self.types):
            self.found.append(node)
        return True


def all_nodes(module, types):
    """Every node of ``types`` in ``module`` (any node; a whole module is indexed once per
    file: tfcompat.lint.engine.walk.module_nodes)."""
    if isinstance(module, cst.Module):
        return fast_walk.module_nodes(module, types)
    visitor = _Every(types)
    fast_walk.visit(module, visitor, tokens=fast_walk.wants_tokens(types))
    return visitor.found


def name_nodes(node, name):
    """Every Name node spelled ``name`` in ``node`` (a module: from its index), attribute and
    keyword names included: a count of a name's uses that errs on the side of more."""
    return [n for n in all_nodes(node, (cst.Name,)) if n.value == name]


def is_session(rule, expr, names=None):
    """Whether ``expr`` is a Session: a Session/get_session() call (or its ``as_default()``),
    or a name bound to one anywhere in the module (or named ``sess`` / ``session``)."""
    if isinstance(expr, cst.Call):
        if method_name(expr) == "as_default":
            return is_session(rule, expr.func.value, names)
        return rule.qualified_name(expr.func) in qualnames.SESSION_FACTORIES
    if isinstance(expr, cst.Name):
        return expr.value in (_session_names(rule) if names is None else names)
    return False


def runs_tensors(rule, call):
    """Whether ``call`` evaluates graph tensors: ``<session>.run(...)`` or ``t.eval()``."""
    name = method_name(call)
    if name == "run":
        return is_session(rule, call.func.value) and bool(call.args)
    if name == "eval":
        # Tensor.eval(feed_dict=None, session=None): never a positional string (pandas).
        return all(a.keyword is not None and a.keyword.value in ("feed_dict", "session")
                   for a in call.args)
    return False


def may_run_tensors(names, methods=("run", "eval")):
    """Whether code whose names are ``names`` (tfcompat.lint.analysis.codenames.CodeNames) may
    hold a call ``runs_tensors`` accepts, of one of ``methods``: ``x.eval(...)``, or
    ``<session>.run(...)``, whose session is named ``sess`` / ``session`` or made by a
    session factory (named through an import, so among the qualified names)."""
    if "eval" in methods and "eval" in names.called:
        return True
    return "run" in methods and "run" in names.called and (
        not names.words.isdisjoint(_SESSION_NAMES)
        or not names.qualified.isdisjoint(qualnames.SESSION_FACTORIES))


# ------------------------------------------------------------------------------ iterators
def iterator_function(rule, func):
    """The canonical qualified name of a called TF function: through the module's imports, or
    tf_upgrade_v2's spelling ``tf.compat.v1.<...>`` in a file where nothing binds ``tf``
    (tf_upgrade_v2 writes it whether or not the file imports ``tensorflow as tf``)."""
    name = rule.qualified_name(func)
    if name is not None:
        return name
    text = scopes.dotted(func)
    if text and text.startswith("tf.compat.v1.") \
            and "tf" not in rule.context.cached(_bound_names, rule.context.module):
        return imports.canonical("tensorflow" + text[len("tf"):])
    return None


def _bound_names(module):
    return scopes.assigned_targets(module, module)


def iterator_dataset(rule, maker):
    """The dataset expression a one-shot iterator is made from, or None (other iterators)."""
    if method_name(maker) == "make_one_shot_iterator" and not maker.args:
        return maker.func.value
    if iterator_function(rule, maker.func) == "tensorflow.data.make_one_shot_iterator":
        arg = argument(maker, 0, "dataset")
        return arg.value if arg is not None else None
    return None


def makes_iterator(rule, call):
    return (method_name(call) in qualnames.ITERATOR_METHODS
            or iterator_function(rule, call.func) in qualnames.ITERATOR_FUNCTIONS)


def may_make_iterator(names):
    """Whether code whose names are ``names`` (CodeNames) may hold a call ``makes_iterator``
    accepts: one of its names is called (qualnames.ITERATOR_CALL_NAMES)."""
    return not names.called.isdisjoint(qualnames.ITERATOR_CALL_NAMES)


def get_next_of(rule, expr):
    """(get_next call, iterator-making call) when ``expr`` is, or names, ``it.get_next()`` of a
    TF iterator; None otherwise."""
    if isinstance(expr, cst.Name):
        expr = rule.resolve(expr)
    if not (isinstance(expr, cst.Call) and method_name(expr) == "get_next"):
        return None
    receiver = expr.func.value
    maker = rule.resolve(receiver) if isinstance(receiver, cst.Name) else receiver
    if isinstance(maker, cst.Call) and makes_iterator(rule, maker):
        return expr, maker
    return None


# -------------------------------------------------------------------- Sequence / PyDataset classes
_DATASET_BASES = ("Sequence", "PyDataset")


def keras_dataset_class(rule, node):
    """Whether a class derives from one Keras `Sequence` / `PyDataset` base and nothing else
    (tf_keras' is Keras 2's, which has no constructor arguments)."""
    if len(node.bases) != 1 or node.keywords:
        return False
    return keras_dataset_base(rule.qualified_name(node.bases[0].value) or "")


def keras_dataset_base(qualified):
    """Whether a qualified name is such a base."""
    return keras_namespace(qualified) in ("keras", "tf.keras") \
        and qualified.rsplit(".", 1)[-1] in _DATASET_BASES


def class_init(node):
    """A class's own `__init__` def, or None."""
    for statement in node.body.body:
        if isinstance(statement, cst.FunctionDef) and statement.name.value == "__init__":
            return statement
    return None


def base_init_calls(init):
    """Calls of `super().__init__` / `super(C, self).__init__` / `Base.__init__` in `__init__`."""
    found = []
    for call in own_nodes(init, (cst.Call,)):
        func = call.func
        if not (isinstance(func, cst.Attribute) and func.attr.value == "__init__"):
            continue
        owner = func.value
        is_super = isinstance(owner, cst.Call) and isinstance(owner.func, cst.Name) \
            and owner.func.value == "super"
        explicit = isinstance(owner, (cst.Name, cst.Attribute)) and call.args \
            and isinstance(call.args[0].value, cst.Name) and call.args[0].value.value == "self"
        if is_super or explicit:
            found.append(call)
    return found


def forwards_kwargs(init):
    """Whether `__init__` takes `**kwargs` and hands them to its base's `__init__`."""
    star = init.params.star_kwarg
    if star is None:
        return False
    for call in base_init_calls(init):
        for arg in call.args:
            if arg.star == "**" and isinstance(arg.value, cst.Name) \
                    and arg.value.value == star.name.value:
                return True
    return False

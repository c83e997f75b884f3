"""A read-only walk over a libcst tree, in the order libcst's own visitors see it.

``CSTNode.visit`` builds a new copy of every node it passes (children are visited by rebuilding
their parent, validation included), which costs about as much as parsing. A linter only reads
the tree, so this walk reads each node's fields instead. The order of the fields is the one
each node type's ``_visit_and_replace_children`` visits them in, read once per type from
libcst's source; where that source cannot be read, ``node.children`` (libcst's order, the slow
way) is used for that type.
"""
import ast
import inspect
import operator
import textwrap

from tfcompat.lint import libcst_lazy
from tfcompat.lint.engine.work import count
from tfcompat.lint.libcst_lazy import cst

_ORDERS = {}  # node type -> attrgetter of its fields in visiting order, or None (slow way)

# Node types whose subtrees hold nothing but whitespace, comments and punctuation: about two
# thirds of a tree's nodes. A walk for anything else need not enter them (``tokens=False``).
token_bases = libcst_lazy.types(
    "BaseParenthesizableWhitespace", "TrailingWhitespace", "EmptyLine", "Newline", "Comment",
    "Comma", "Dot", "Colon", "Semicolon", "AssignEqual", "LeftParen", "RightParen",
    "LeftSquareBracket", "RightSquareBracket", "LeftCurlyBrace", "RightCurlyBrace",
    "ImportStar", "Asynchronous", "BaseBinaryOp", "BaseBooleanOp", "BaseCompOp", "BaseUnaryOp",
    "BaseAugOp")
_TOKENS = {}  # node type -> whether it is a token type


def is_token(node_type):
    """Whether nodes of ``node_type`` hold only whitespace, comments and punctuation."""
    found = _TOKENS.get(node_type)
    if found is None:
        found = _TOKENS[node_type] = issubclass(node_type, token_bases())
    return found


def wants_tokens(types):
    """Whether a search for nodes of ``types`` (classes) can find one inside a token subtree."""
    return any(issubclass(t, b) or issubclass(b, t) for t in types for b in token_bases())


class Visitor:
    """A read-only visitor for ``visit``: ``visit_<NodeType>(node)`` (returning False skips
    the children) and ``leave_<NodeType>(node)``, dispatched as libcst's CSTVisitor does,
    without needing libcst loaded to define one."""

    def on_visit(self, node):
        method = getattr(self, "visit_" + type(node).__name__, None)
        return True if method is None else method(node) is not False

    def on_leave(self, node):
        method = getattr(self, "leave_" + type(node).__name__, None)
        if method is not None:
            method(node)


def field_order(node_type):
    """Names of the fields libcst visits, in its order; None when its source is not readable."""
    method = getattr(node_type, "_visit_and_replace_children", None)
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(method)))
    except (OSError, TypeError, SyntaxError):
        return None
    names = []

    class Calls(ast.NodeVisitor):
        def visit_Call(self, call):
            # visit_required(self, "field", self.field, visitor), visit_sequence(...), ...
            func = call.func
            if (isinstance(func, ast.Name) and func.id.startswith("visit_")
                    and len(call.args) >= 2 and isinstance(call.args[1], ast.Constant)
                    and call.args[1].value not in names):
                names.append(call.args[1].value)
            self.generic_visit(call)

    Calls().visit(tree)
    return names


def _getter(node_type):
    names = field_order(node_type)
    if names is None:
        getter = None
    elif not names:
        getter = lambda node: ()  # noqa: E731  a leaf
    elif len(names) == 1:
        single = operator.attrgetter(names[0])
        getter = lambda node: (single(node),)  # noqa: E731
    else:
        getter = operator.attrgetter(*names)
    _ORDERS[node_type] = getter
    return getter


def _getter_for(node_type):
    getter = _ORDERS.get(node_type, False)
    return _getter(node_type) if getter is False else getter


def children(node):
    """``node.children``: the child nodes in libcst's order, without rebuilding ``node``."""
    getter = _getter_for(type(node))
    if getter is None:
        return node.children
    out = []
    for value in getter(node):
        if isinstance(value, cst.CSTNode):
            out.append(value)
        elif isinstance(value, (tuple, list)):
            out.extend(child for child in value if isinstance(child, cst.CSTNode))
    return out


def visit(root, visitor, tokens=True):
    """``root.visit(visitor)`` for a libcst CSTVisitor, which only reads the tree: its
    visit_X (returning False skips the children) and leave_X, without rebuilding nodes.
    ``tokens=False``: never enters token subtrees (``is_token``), for a visitor that looks at
    none of their nodes."""
    if isinstance(root, cst.Module):
        count("whole-module walks")

    def go(node):
        if visitor.on_visit(node):
            for child in children(node):
                if tokens or not is_token(type(child)):
                    go(child)
        visitor.on_leave(node)

    go(root)


class _Index:
    """The nodes of one module outside token subtrees, in walk order, by exact type, and the
    parent of each."""

    def __init__(self, module):
        self.module = module
        self.order = []
        self.by_type = {}
        self.parents = {}  # id(node) -> its parent
        self._matching = {}
        order, by_type, parents = self.order, self.by_type, self.parents

        def go(node):
            order.append(node)
            node_type = type(node)
            found = by_type.get(node_type)
            if found is None:
                by_type[node_type] = [node]
            else:
                found.append(node)
            for child in children(node):
                if not is_token(type(child)):
                    parents[id(child)] = node
                    go(child)

        go(module)

    def nodes(self, types):
        matching = self._matching.get(types)
        if matching is None:
            matching = self._matching[types] = frozenset(
                t for t in self.by_type if issubclass(t, types))
        if len(matching) == 1:
            return list(self.by_type[next(iter(matching))])
        return [n for n in self.order if type(n) in matching]


_LAST_INDEX = [None]  # the index of the module searched last: the file being linted


def _index(module):
    index = _LAST_INDEX[0]
    if index is None or index.module is not module:
        count("whole-module walks")  # the index
        index = _LAST_INDEX[0] = _Index(module)
    return index


def module_nodes(module, types):
    """Every node of ``types`` (a tuple of classes) in ``module``, in walk order. The module is
    indexed once (per module, the last one asked about): every whole-module search of a file's
    analyses after the first costs a lookup, not a walk."""
    if wants_tokens(types):
        count("whole-module walks")
        found = []
        walk(module, lambda n: isinstance(n, types) and found.append(n), lambda n: None)
        return found
    return _index(module).nodes(types)


def enclosing(module, node, types):
    """The innermost ancestor of ``node`` of ``types`` in ``module`` (from the module's
    index), None when there is none; False when ``node`` is not in the index (the module
    itself, or a node of a token subtree)."""
    parents = _index(module).parents
    parent = parents.get(id(node))
    if parent is None:
        return False
    while parent is not None:
        if isinstance(parent, types):
            return parent
        parent = parents.get(id(parent))
    return None


def traverse(root, plan, ancestors):
    """The engine's walk: ``plan(node_type)`` gives (visit functions, leave functions) for the
    nodes of a type, or None to skip their subtrees; each visited node is on ``ancestors``
    while its subtree is walked. Plans are asked once per type. Returns (nodes entered, hook
    calls)."""
    plans = {}
    done = [0, 0]
    orders = _ORDERS
    is_node = _IS_NODE
    push, pop = ancestors.append, ancestors.pop

    def go(node):
        node_type = type(node)
        found = plans.get(node_type, False)
        if found is False:
            found = plans[node_type] = plan(node_type)
        if found is None:
            return
        visits, leaves = found
        done[0] += 1
        done[1] += len(visits) + len(leaves)
        push(node)
        for fn in visits:
            fn(node)
        getter = orders.get(node_type, False)
        if getter is False:
            getter = _getter(node_type)
        if getter is None:
            for child in node.children:
                go(child)
        else:
            for value in getter(node):
                value_type = value.__class__
                if value_type is tuple or value_type is list:
                    for child in value:
                        known = is_node.get(child.__class__)
                        if known or (known is None and _is_node(child.__class__)):
                            go(child)
                else:
                    known = is_node.get(value_type)
                    if known or (known is None and _is_node(value_type)):
                        go(value)
        for fn in leaves:
            fn(node)
        pop()

    go(root)
    return done


_IS_NODE = {}  # class -> whether it is a libcst node type (isinstance on libcst's ABCs is slow)


def _is_node(cls):
    found = _IS_NODE[cls] = issubclass(cls, cst.CSTNode)
    return found


def walk(root, visit, leave):
    """Call ``visit(node)`` before and ``leave(node)`` after each node's children, depth first,
    in libcst's visiting order."""
    orders = _ORDERS
    node_class = cst.CSTNode

    def go(node):
        visit(node)
        node_type = type(node)
        getter = orders.get(node_type, False)
        if getter is False:
            getter = _getter(node_type)
        if getter is None:
            for child in node.children:
                go(child)
        else:
            for value in getter(node):
                if isinstance(value, node_class):
                    go(value)
                elif isinstance(value, (tuple, list)):
                    for child in value:
                        if isinstance(child, node_class):
                            go(child)
        leave(node)

    go(root)

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

import libcst as cst

_ORDERS = {}  # node type -> attrgetter of its fields in visiting order, or None (slow way)


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


def visit(root, visitor):
    """``root.visit(visitor)`` for a libcst CSTVisitor, which only reads the tree: its
    visit_X (returning False skips the children) and leave_X, without rebuilding nodes."""
    def go(node):
        if visitor.on_visit(node):
            for child in children(node):
                go(child)
        visitor.on_leave(node)

    go(root)


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

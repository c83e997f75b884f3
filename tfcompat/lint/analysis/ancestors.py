"""The stack of ancestors of the node being visited, with the places where it can matter.

Questions about a node's surroundings (its statement, its scopes, the loops around it) look
only at statements, scopes and loops among its ancestors. Deep in a long expression (a chain of
thousands of ``.map(f)`` calls, a sum of thousands of terms) the stack holds thousands of
expression nodes between them; walking all of them for every node made such a file quadratic.
The stack therefore remembers the indexes of the nodes that can answer, as they are pushed.
"""
from tfcompat.lint import libcst_lazy

# Every node type that a walk up the ancestors stops at or decides on (the analysis modules).
MARKED = libcst_lazy.types("Module", "BaseStatement", "FunctionDef", "ClassDef", "Lambda", "For",
                           "While", "ListComp", "SetComp", "GeneratorExp", "DictComp", "CompFor")

_MARKED_TYPES = {}


class Ancestors(list):
    """Root first, the node being visited last; ``marks``: indexes of the MARKED nodes."""

    def __init__(self):
        super().__init__()
        self.marks = []

    def append(self, node):
        node_type = type(node)
        marked = _MARKED_TYPES.get(node_type)
        if marked is None:  # isinstance on libcst's abstract classes is slow: once per type
            marked = _MARKED_TYPES[node_type] = issubclass(node_type, MARKED())
        if marked:
            self.marks.append(len(self))
        list.append(self, node)

    def pop(self):
        node = list.pop(self)
        marks = self.marks
        if marks and marks[-1] == len(self):
            marks.pop()
        return node


def indexes_up(ancestors, start=None):
    """The indexes at or below ``start`` (default: the last) where ``ancestors`` may hold a
    MARKED node, innermost first: only those when the stack keeps marks, else every one."""
    if start is None:
        start = len(ancestors) - 1
    marks = getattr(ancestors, "marks", None)
    if marks is None:
        return range(start, -1, -1)
    return [i for i in reversed(marks) if i <= start]

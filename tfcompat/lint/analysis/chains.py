"""The order of calls in a tf.data pipeline, for the rules about it (TFC501, TFC502): which
earlier call a `shuffle` follows on the code's path, and whether two calls can be swapped
without changing anything but their order.
"""
from tfcompat.lint.analysis import patterns, provenance
from tfcompat.lint.engine import walk as fast_walk
from tfcompat.lint.libcst_lazy import cst

# Calls that turn each element (a file name) into a dataset of records: a repeat before one
# repeats the file list, and a shuffle after one shuffles records, TF's input-pipeline idiom.
EXPANDERS = ("interleave", "flat_map", "parallel_interleave")


def earlier_call(rule, shuffle, names):
    """(chain, index) of the last call in ``names`` before the ``shuffle`` call of a proven
    tf.data pipeline, or None."""
    if provenance.dataset_chain(rule, shuffle) is None:
        return None
    calls, i = patterns.earlier_method(rule, shuffle, names)
    if i is None or calls[-1] is not shuffle:
        return None
    return calls, i


def expands_between(rule, calls, start, end):
    """Whether a call of ``calls[start:end]`` turns elements into datasets (interleave,
    flat_map, `apply(parallel_interleave(...))`)."""
    for call in calls[start:end]:
        name = patterns.method_name(call)
        if name in EXPANDERS:
            return True
        if name == "apply" and call.args and isinstance(call.args[0].value, cst.Call):
            inner = rule.qualified_name(call.args[0].value.func) or ""
            if inner.rsplit(".", 1)[-1] in EXPANDERS:
                return True
    return False


def expanded_next(rule, call):
    """Whether the first call applied to the value of ``call`` turns its elements into datasets:
    in the same expression (`.shuffle(n).interleave(...)`), or in the next statement rebinding
    the name ``call`` is assigned to (`ds = ds.shuffle(n)` then `ds = ds.interleave(...)`)."""
    ancestors = rule.context.ancestors
    index = next((i for i in range(len(ancestors) - 1, -1, -1) if ancestors[i] is call), None)
    if index is None:
        return False
    parent = ancestors[index - 1] if index > 0 else None
    if isinstance(parent, cst.Attribute) and index > 1 and isinstance(ancestors[index - 2],
                                                                     cst.Call):
        return expands_between(rule, [ancestors[index - 2]], 0, 1)
    statement = _assignment(ancestors, call)
    if statement is None:
        return False
    name, statement = statement
    scope, _ = rule.context.scopes.chain(ancestors)[0]
    scope_index = rule.context.scopes.index(scope)
    here = scope_index.order.get(id(statement))
    later = [b for b in scope_index.bindings.get(name, ()) if here is not None and b[0] > here]
    if not later or later[0][1] is None:
        return False
    first = _first_call_on(later[0][1], name)
    return first is not None and expands_between(rule, [first], 0, 1)


def _assignment(ancestors, value):
    """(name, statement) when ``value`` is the whole value of `name = value`, else None."""
    for i in range(len(ancestors) - 1, 0, -1):
        node = ancestors[i]
        if isinstance(node, cst.Assign):
            if node.value is value and len(node.targets) == 1 \
                    and isinstance(node.targets[0].target, cst.Name):
                return node.targets[0].target.value, ancestors[i - 1]
            return None
    return None


def _first_call_on(expr, name):
    """The innermost method call of ``expr`` whose receiver is the name ``name``."""
    while isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute):
        receiver = expr.func.value
        if isinstance(receiver, cst.Name):
            return expr if receiver.value == name else None
        expr = receiver
    return None


def swappable(rule, first, second):
    """Whether swapping two adjacent calls of a chain changes only their order: both in one
    statement, or in two statements of the same block on the same branch of every `if` (never
    across an `if`: a conditional call would become unconditional), with no comment in the
    swapped statements (a comment stays where it is and would describe the other call)."""
    ancestors = rule.context.ancestors
    scope, _ = rule.context.scopes.chain(ancestors)[0]
    statements = [_statement_of(rule.context.module, c) for c in (first, second)]
    if None in statements:
        return False
    if statements[0] is not statements[1]:
        index = rule.context.scopes.index(scope)
        if index.branches.get(id(statements[0])) != index.branches.get(id(statements[1])):
            return False
        if not _same_block(scope, *statements):
            return False
    return not any(patterns.all_nodes(s, (cst.Comment,)) for s in set(statements))


def _statement_of(module, node):
    """The simple statement line holding ``node``."""
    found = fast_walk.enclosing(module, node, cst.SimpleStatementLine)
    if found is not False:
        return found
    finder = _Holding(node)
    fast_walk.visit(module, finder)
    return finder.found


class _Holding(fast_walk.Visitor):
    def __init__(self, node):
        super().__init__()
        self.node, self.line, self.found = node, None, None

    def on_visit(self, node):
        if self.found is not None:
            return False
        if node is self.node:
            self.found = self.line
            return False
        if isinstance(node, cst.SimpleStatementLine):
            self.line = node
        return True

    def on_leave(self, node):
        if node is self.line:
            self.line = None


def _same_block(scope, first, second):
    for block in patterns.all_nodes(scope, (cst.IndentedBlock, cst.Module)):
        body = block.body
        if any(s is first for s in body):
            return any(s is second for s in body)
    return False


def swap(rule, first, second, second_args=None):
    """Edits swapping two adjacent calls of a chain, ``x.a(1).b(2)`` -> ``x.b(2).a(1)``, in one
    expression or across ``ds = ds.a(1)`` / ``ds = ds.b(2)`` (``second_args``: the arguments
    ``second`` takes in its new place); None where swappable() says the swap would change more
    than the order."""
    if not swappable(rule, first, second):
        return None
    args = second.args if second_args is None else second_args

    def renamed(call, attr, new_args):
        return call.with_changes(func=call.func.with_changes(attr=attr), args=new_args)

    if second.func.value is first:
        inner = renamed(first, second.func.attr, args)
        return [rule.replace(second, renamed(second, first.func.attr, first.args).with_changes(
            func=second.func.with_changes(value=inner, attr=first.func.attr)))]
    return [rule.replace(first, renamed(first, second.func.attr, args)),
            rule.replace(second, renamed(second, first.func.attr, first.args))]

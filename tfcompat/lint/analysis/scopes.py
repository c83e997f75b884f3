"""What a name means where it is used: the module's imports (read by
tfcompat.lint.analysis.imports from the ``ast`` tree), its scopes and the bindings in
them, the loops around a node, the targets a statement assigns.

All of it works on the libcst tree with no metadata pass: the engine keeps the stack of
ancestors of the node being visited (tfcompat.lint.engine.context), and scopes are indexed statement
by statement, never expression by expression.
"""
import collections

from tfcompat.lint import libcst_lazy
from tfcompat.lint.analysis import imports
from tfcompat.lint.analysis.ancestors import indexes_up
from tfcompat.lint.engine import walk as fast_walk
from tfcompat.lint.libcst_lazy import cst

Loop = collections.namedtuple("Loop", "node statement")

COMPREHENSIONS = libcst_lazy.types("ListComp", "SetComp", "GeneratorExp", "DictComp")
_SCOPES = libcst_lazy.types("FunctionDef", "ClassDef", "Lambda")


def name_used(context, name):
    """Whether ``name`` is bound or read as a plain name anywhere in the file (attribute
    names and the module paths of imports do not count)."""
    return name in context.cached(_plain_names, context.module)


def _plain_names(module):
    visitor = _PlainNames()
    fast_walk.visit(module, visitor, tokens=False)
    return visitor.found


class _PlainNames(fast_walk.Visitor):
    def __init__(self):
        super().__init__()
        self.found = set()

    def visit_Name(self, node):
        self.found.add(node.value)

    def visit_Attribute(self, node):
        fast_walk.visit(node.value, self, tokens=False)
        return False

    def visit_Import(self, node):
        for alias in node.names:
            bound = alias.asname.name if alias.asname else None
            self.found.add(bound.value if isinstance(bound, cst.Name)
                           else dotted(alias.name).split(".")[0])
        return False

    def visit_ImportFrom(self, node):
        if not isinstance(node.names, cst.ImportStar):
            for alias in node.names:
                bound = alias.asname.name if alias.asname else alias.name
                if isinstance(bound, cst.Name):
                    self.found.add(bound.value)
        return False


def variable_names(context, name):
    """The Name nodes reading or binding ``name`` as a variable anywhere in the file (not
    attribute names, nor the keywords of calls)."""
    return context.cached(_variable_names, context.module).get(name, [])


def _variable_names(module):
    nodes = fast_walk.module_nodes(module, (cst.Name, cst.Attribute, cst.Arg))
    other = {id(n.attr) for n in nodes if isinstance(n, cst.Attribute)}
    other |= {id(n.keyword) for n in nodes if isinstance(n, cst.Arg) and n.keyword is not None}
    found = collections.defaultdict(list)
    for node in nodes:
        if isinstance(node, cst.Name) and id(node) not in other:
            found[node.value].append(node)
    return found


def reads(context, name):
    """``variable_names`` of ``name`` outside the defs and lambdas whose parameters shadow it
    (the whole def: its decorators and defaults too)."""
    found = variable_names(context, name)
    shadowing = [f for f in fast_walk.module_nodes(context.module, (cst.FunctionDef, cst.Lambda))
                 if any(p.name.value == name for p in parameters(f))]
    if not shadowing:
        return found
    inside = _NodeIds()
    for function in shadowing:
        fast_walk.visit(function, inside, tokens=False)
    return [n for n in found if id(n) not in inside.found]


class _NodeIds(fast_walk.Visitor):
    def __init__(self):
        super().__init__()
        self.found = set()

    def on_visit(self, node):
        self.found.add(id(node))
        return True


def leading_statements(module):
    """(the module's leading docstring / ``__future__`` statements, its leading imports)."""
    header, imports = [], []
    for statement in module.body:
        small = statement.body[0] if (isinstance(statement, cst.SimpleStatementLine)
                                      and len(statement.body) == 1) else None
        if not imports and isinstance(small, cst.Expr) \
                and isinstance(small.value, cst.SimpleString):
            header.append(statement)
        elif isinstance(small, cst.ImportFrom) and small.module is not None \
                and dotted(small.module) == "__future__":
            header.append(statement)
        elif isinstance(small, (cst.Import, cst.ImportFrom)):
            imports.append(statement)
        else:
            break
    return header, imports


def dotted(expr):
    """'a.b.c' for a Name/Attribute chain, None for anything else."""
    if isinstance(expr, cst.Name):
        return expr.value
    if isinstance(expr, cst.Attribute):
        head = dotted(expr.value)
        return head and head + "." + expr.attr.value
    return None


class Imports(imports.Imports):
    """tfcompat.lint.analysis.imports.Imports (built from the file's ``ast`` tree, the one place
    imports are read), asked about libcst expressions."""

    def qualify(self, expr, canonical_=True):
        name = dotted(expr)
        return self.qualify_dotted(name, canonical_) if name else None


def _bindings(small):
    """(local name, qualified name) a libcst import binds: the names scopes see bound (the
    module's Imports are tfcompat.lint.analysis.imports')."""
    if isinstance(small, cst.Import):
        for alias in small.names:
            full = dotted(alias.name)
            if alias.asname is not None:
                yield alias.asname.name.value, full
            else:
                # `import a.b.c` binds `a`, and `a.b.c.x` then resolves through it.
                head = full.split(".")[0]
                yield head, head
    elif isinstance(small, cst.ImportFrom) and not small.relative and small.module is not None:
        if isinstance(small.names, cst.ImportStar):
            return
        base = dotted(small.module)
        for alias in small.names:
            local = alias.asname.name.value if alias.asname is not None else dotted(alias.name)
            yield local, base + "." + dotted(alias.name)


def _block_statements(node):
    body = node.body
    return body.body if isinstance(body, (cst.IndentedBlock, cst.SimpleStatementSuite)) else body


def _statements(statements, depth, into_scopes=True):
    """Statements in source order, nested blocks included; depth counts enclosing defs."""
    for statement in statements:
        yield statement, depth
        if isinstance(statement, (cst.FunctionDef, cst.ClassDef)):
            if into_scopes:
                yield from _statements(_block_statements(statement), depth + 1, into_scopes)
            continue
        for child in fast_walk.children(statement):
            yield from _child_statements(child, depth, into_scopes)


def _child_statements(node, depth, into_scopes):
    if isinstance(node, cst.BaseStatement):
        yield from _statements([node], depth, into_scopes)
    elif isinstance(node, (cst.BaseSuite, cst.Else, cst.ExceptHandler, cst.ExceptStarHandler,
                           cst.Finally, cst.MatchCase)):
        for child in fast_walk.children(node):
            yield from _child_statements(child, depth, into_scopes)


# ---------------------------------------------------------------------------- loops, statements
def enclosing_statement(ancestors):
    for i in indexes_up(ancestors):
        if isinstance(ancestors[i], cst.BaseStatement):
            return ancestors[i]
    return None


def assigned_name(statement):
    """The name ``statement`` assigns when it is `name = value` alone on its line, else None."""
    small = statement.body[0] if isinstance(statement, cst.SimpleStatementLine) \
        and len(statement.body) == 1 else None
    if isinstance(small, cst.Assign) and len(small.targets) == 1 \
            and isinstance(small.targets[0].target, cst.Name):
        return small.targets[0].target.value
    return None


def statement_call(statement):
    """The call ``statement`` is when it is `f(...)` alone on its line, else None."""
    small = statement.body[0] if isinstance(statement, cst.SimpleStatementLine) \
        and len(statement.body) == 1 else None
    if isinstance(small, cst.Expr) and isinstance(small.value, cst.Call):
        return small.value
    return None


def within(context, inner, outer):
    """Whether node ``inner`` lies in node ``outer``'s source range (asked while a fix is
    built: the first position asked for works out the whole file's)."""
    inner, outer = context.position(inner), context.position(outer)
    return (outer.start.line, outer.start.column) <= (inner.start.line, inner.start.column) \
        and (inner.end.line, inner.end.column) <= (outer.end.line, outer.end.column)


def _opens_scope(parent, child):
    return isinstance(parent, _SCOPES()) and child is parent.body


def enclosing_loops(ancestors):
    """Loops whose every iteration runs the last ancestor, innermost first, each with the
    statement a line hoisted out of it goes before (None: nowhere, inside a lambda)."""
    loops = []
    for i in indexes_up(ancestors, len(ancestors) - 2):
        parent, child = ancestors[i], ancestors[i + 1]
        if _opens_scope(parent, child):
            break
        loop = None
        if isinstance(parent, cst.For) and child is parent.body:
            loop = parent
        elif isinstance(parent, cst.While) and (child is parent.body or child is parent.test):
            loop = parent
        elif isinstance(parent, COMPREHENSIONS()) and child is not parent.for_in:
            loop = parent
        elif isinstance(parent, cst.CompFor) and (
                child is parent.inner_for_in or any(child is c for c in parent.ifs)):
            loop = next(a for a in reversed(ancestors[:i]) if isinstance(a, COMPREHENSIONS()))
        if loop is not None and not any(loop is seen.node for seen in loops):
            index = next(j for j in range(i, -1, -1) if ancestors[j] is loop)
            loops.append(Loop(loop, _statement_in_scope(ancestors[:index + 1])))
    return loops


def _statement_in_scope(ancestors):
    """The statement holding the last ancestor, or None when a lambda lies in between (a
    line put before that statement would run when the lambda is made, not when it runs)."""
    for node in reversed(ancestors):
        if isinstance(node, cst.BaseStatement):
            return node
        if isinstance(node, cst.Lambda):
            return None
    return None


class _Targets(fast_walk.Visitor):
    def __init__(self, module):
        super().__init__()
        self.module = module
        self.found = set()

    def add(self, target):
        if isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                self.add(element.value)
        elif isinstance(target, cst.StarredElement):
            self.add(target.value)
        elif isinstance(target, cst.Name):
            self.found.add(target.value)
        elif target is not None:
            self.found.add(self.module.code_for_node(target))

    def visit_AssignTarget(self, node):
        self.add(node.target)

    def visit_AnnAssign(self, node):
        self.add(node.target)

    def visit_AugAssign(self, node):
        self.add(node.target)

    def visit_For(self, node):
        self.add(node.target)

    def visit_CompFor(self, node):
        self.add(node.target)

    def visit_NamedExpr(self, node):
        self.add(node.target)

    def visit_AsName(self, node):
        self.add(node.name)

    def visit_ImportAlias(self, node):
        if node.asname is None:
            self.found.add(dotted(node.name).split(".")[0])

    def visit_FunctionDef(self, node):
        self.found.add(node.name.value)

    def visit_ClassDef(self, node):
        self.found.add(node.name.value)

    def visit_Del(self, node):
        self.add(node.target)

    def visit_Global(self, node):
        self.found.update(n.name.value for n in node.names)

    def visit_Nonlocal(self, node):
        self.found.update(n.name.value for n in node.names)


def assigned_targets(node, module):
    """Source text of every target assigned or bound anywhere inside ``node``."""
    visitor = _Targets(module)
    fast_walk.visit(node, visitor, tokens=False)
    return visitor.found


def parameters(function):
    """Every parameter a def or lambda binds: positional-only, plain, ``*args``, keyword-only
    and ``**kwargs`` (a bare ``*`` binds none)."""
    params = function.params
    star = [params.star_arg] if isinstance(params.star_arg, cst.Param) else []
    kwargs = [params.star_kwarg] if params.star_kwarg is not None else []
    return list(params.posonly_params) + list(params.params) + star \
        + list(params.kwonly_params) + kwargs


# ---------------------------------------------------------------------------- scopes
class _ScopeIndex:
    """One scope's statements in source order and the names they bind."""

    def __init__(self, scope):
        self.order = {}
        self.bindings = collections.defaultdict(list)  # name -> [(order, value or None, stmt)]
        self.params = set()
        if isinstance(scope, (cst.FunctionDef, cst.Lambda)):
            self.params = {p.name.value for p in parameters(scope)}
        if isinstance(scope, cst.Lambda):
            return
        body = scope.body if isinstance(scope, cst.Module) else _block_statements(scope)
        for n, (statement, _) in enumerate(_statements(body, 0, into_scopes=False)):
            self.order[id(statement)] = n
            for name, value in _statement_bindings(statement):
                self.bindings[name].append((n, value, statement))
        self.branches = {}  # id(statement) -> {id(if statement): "if" or "else"} around it
        _record_branches(body, {}, self.branches)

    def exclusive(self, first, second):
        """Whether two statements sit in different branches of one `if`: never both run."""
        a, b = self.branches.get(id(first), {}), self.branches.get(id(second), {})
        return any(key in b and b[key] != side for key, side in a.items())


def _record_branches(statements, sides, out):
    """out[id(statement)] = ``sides``, {id(if statement): "if" or "else"} of the branches
    around it."""
    for statement in statements:
        out[id(statement)] = sides
        if isinstance(statement, (cst.FunctionDef, cst.ClassDef)):
            continue
        if isinstance(statement, cst.If):
            _record_branches(_block_statements(statement),
                             dict(sides, **{str(id(statement)): "if"}), out)
            orelse = statement.orelse
            if orelse is not None:
                inner = [orelse] if isinstance(orelse, cst.If) else _block_statements(orelse)
                _record_branches(inner, dict(sides, **{str(id(statement)): "else"}), out)
            continue
        for child in fast_walk.children(statement):
            _record_child_branches(child, sides, out)


def _record_child_branches(node, sides, out):
    if isinstance(node, cst.BaseStatement):
        _record_branches([node], sides, out)
    elif isinstance(node, (cst.BaseSuite, cst.Else, cst.ExceptHandler, cst.ExceptStarHandler,
                           cst.Finally, cst.MatchCase)):
        for child in fast_walk.children(node):
            _record_child_branches(child, sides, out)


def _statement_bindings(statement):
    """(name, assigned value or None when unknown) for what ``statement`` binds."""
    if isinstance(statement, cst.SimpleStatementLine):
        for small in statement.body:
            if isinstance(small, cst.Assign):
                for target in small.targets:
                    if isinstance(target.target, cst.Name):
                        yield target.target.value, small.value
                    else:  # unpacking: bound, to a value not worth following
                        for name in _names(target.target):
                            yield name, None
            elif isinstance(small, cst.AnnAssign) and isinstance(small.target, cst.Name):
                if small.value is not None:
                    yield small.target.value, small.value
            elif isinstance(small, cst.AugAssign) and isinstance(small.target, cst.Name):
                yield small.target.value, None
            else:
                for local, _ in _bindings(small):
                    yield local, None
    elif isinstance(statement, (cst.FunctionDef, cst.ClassDef)):
        yield statement.name.value, None
    elif isinstance(statement, cst.For):
        for name in _names(statement.target):
            yield name, None
    elif isinstance(statement, cst.With):
        for item in statement.items:
            if item.asname is not None:
                for name in _names(item.asname.name):
                    yield name, None


def _names(target):
    if isinstance(target, cst.Name):
        yield target.value
    elif isinstance(target, (cst.Tuple, cst.List)):
        for element in target.elements:
            yield from _names(element.value)
    elif isinstance(target, cst.StarredElement):
        yield from _names(target.value)


class Scopes:
    def __init__(self, context):
        self.context = context
        self._index = {}
        self._attributes = None

    def index(self, scope):
        key = id(scope)
        if key not in self._index:
            self._index[key] = _ScopeIndex(scope)
        return self._index[key]

    def chain(self, ancestors):
        """[(scope, statement of that scope holding the node)], innermost scope first.

        A class body is skipped when seen from a function inside it (its names are not visible
        there), as Python does."""
        chain, statement, from_function = [], None, False
        for i in indexes_up(ancestors):
            node = ancestors[i]
            child = ancestors[i + 1] if i + 1 < len(ancestors) else None
            if isinstance(node, cst.Module) or (child is not None and _opens_scope(node, child)):
                if not (isinstance(node, cst.ClassDef) and from_function):
                    chain.append((node, statement))
                from_function = isinstance(node, (cst.FunctionDef, cst.Lambda))
                # In the enclosing scope, the def statement itself holds the node.
                statement = node if isinstance(node, cst.BaseStatement) else None
            elif isinstance(node, cst.BaseStatement) and statement is None:
                statement = node
        return chain

    def lookup(self, name, chain, start=0, before=None):
        """(value or None, level, binding statement) of ``name``, or None when unknown."""
        for level in range(start, len(chain)):
            scope, statement = chain[level]
            index = self.index(scope)
            bindings = index.bindings.get(name, ())
            limit = before if (before is not None and level == start) else statement
            position = index.order.get(id(limit), len(index.order))
            earlier = [b for b in bindings if b[0] < position
                       and not (limit is not None and index.exclusive(b[2], limit))]
            if earlier:
                return earlier[-1][1], level, earlier[-1][2]
            if name in index.params:
                return None  # a parameter: its value is the caller's
            if not bindings:
                continue
            if level == start:
                return None  # local to this scope, bound only after the use
            # An enclosing scope's name, bound after the def: a closure sees it at call time.
            return bindings[0][1], level, bindings[0][2]
        return None

    def attribute_values(self, target):
        """Values assigned anywhere in the module to an attribute target such as `self.it`."""
        if self._attributes is None:
            self._attributes = collections.defaultdict(list)
            module = self.context.module
            for statement, _ in _statements(module.body, 0):
                if isinstance(statement, cst.SimpleStatementLine):
                    for small in statement.body:
                        if isinstance(small, cst.Assign):
                            for t in small.targets:
                                if isinstance(t.target, cst.Attribute):
                                    key = module.code_for_node(t.target)
                                    self._attributes[key].append(small.value)
        return self._attributes.get(self.context.module.code_for_node(target), [])

    def resolve(self, name, ancestors):
        found = self.lookup(name.value if isinstance(name, cst.Name) else name,
                            self.chain(ancestors))
        return found[0] if found else None

    def definition(self, name, ancestors):
        """The def or class statement a name refers to here, or None."""
        found = self.lookup(name.value if isinstance(name, cst.Name) else name,
                            self.chain(ancestors))
        if found and isinstance(found[2], (cst.FunctionDef, cst.ClassDef)):
            return found[2]
        return None

    def method_chain(self, expr, ancestors):
        chain = self.chain(ancestors)
        calls, level, before = [], 0, None
        for _ in range(10000):
            if isinstance(expr, cst.Call):
                calls.append(expr)
                if not isinstance(expr.func, cst.Attribute):
                    break
                expr = expr.func.value
            elif isinstance(expr, cst.Name):
                found = self.lookup(expr.value, chain, level, before)
                if not found or found[0] is None:
                    break
                expr, level, before = found
            else:
                break
        return calls[::-1]


"""The names a module's imports bind, read from Python's own syntax tree (``ast``): the one
place this is worked out, for the rules that walk libcst's tree (tfcompat.lint.analysis.scopes
asks it for theirs) and for those that only read names (tfcompat.lint.engine.names), so the two
cannot disagree. No libcst here: a file only names-only rules could fire on never loads it.

A name is qualified through the first import in source order that binds its head, at any
depth: imports inside functions and classes count, scope-less (``Imports.names``);
``Imports.toplevel`` keeps those outside every def and class, which fixes may spell names
through.
"""
import ast

# Prefixes that name the same API: tf.compat.v1.data.X is tf.data.X.
_CANONICAL = (("tensorflow.compat.v1.", "tensorflow."), ("tensorflow.compat.v2.", "tensorflow."))
# The statement fields that hold blocks of statements (a class's _fields are in source order).
_BLOCKS = frozenset(("body", "orelse", "handlers", "finalbody", "cases"))
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


def canonical(name):
    for prefix, replacement in _CANONICAL:
        if name.startswith(prefix):
            return replacement + name[len(prefix):]
    return name


def import_statements(tree):
    """(Import or ImportFrom node, depth: the defs and classes around it) of every import in
    ``tree`` (an ast.Module), in source order."""
    stack = [(iter(tree.body), 0)]
    while stack:
        statements, depth = stack[-1]
        statement = next(statements, None)
        if statement is None:
            stack.pop()
            continue
        cls = statement.__class__
        if cls is ast.Import or cls is ast.ImportFrom:
            yield statement, depth
            continue
        if cls is ast.Expr or cls is ast.Assign:  # the commonest statements hold no block
            continue
        inner = depth + 1 if isinstance(statement, _SCOPES) else depth
        blocks = [getattr(statement, f) for f in cls._fields if f in _BLOCKS]
        for block in reversed(blocks):  # a handler or a match case holds a body of its own
            stack.append((iter(_flatten(block)), inner))


def _flatten(block):
    """The statements of a block; an except handler's or a match case's body in its place."""
    for item in block:
        if isinstance(item, ast.stmt):
            yield item
        else:  # ExceptHandler, match_case: their bodies, in the same scope
            yield from _flatten(item.body)


def bindings(statement):
    """(local name, qualified name) that an import statement binds, in order. ``import a.b.c``
    binds ``a`` (``a.b.c.x`` resolves through it); relative and star imports bind nothing
    known."""
    if statement.__class__ is ast.Import:
        for alias in statement.names:
            if alias.asname is not None:
                yield alias.asname, alias.name
            else:
                head = alias.name.split(".")[0]
                yield head, head
    elif not statement.level and statement.module is not None:
        for alias in statement.names:
            if alias.name == "*":
                return
            yield alias.asname or alias.name, statement.module + "." + alias.name


class Imports:
    """Local names bound by the module's imports (every scope: imports inside functions count)."""

    def __init__(self, tree):
        self.names = {}     # local name -> qualified name
        self.toplevel = {}  # the same, for imports that run at module level
        for statement, depth in import_statements(tree):
            for local, qualified in bindings(statement):
                self.names.setdefault(local, qualified)
                if depth == 0:
                    self.toplevel.setdefault(local, qualified)

    def qualify_dotted(self, name, canonical_=True):
        """The qualified name of a dotted name ``a.b.c`` as the code spells it, or None when
        its head is no imported name."""
        head, _, rest = name.partition(".")
        qualified = self.names.get(head)
        if qualified is None:
            return None
        if rest:
            qualified += "." + rest
        return canonical(qualified) if canonical_ else qualified

    def alias_for(self, module):
        for local, qualified in self.toplevel.items():
            if qualified == module:
                return local
        return None

    def spell(self, candidates):
        """Source text naming the first of ``candidates`` (exact qualified names) that a
        module-level import can spell, through the longest imported prefix; None when none.

        With ``import tensorflow.compat.v1 as tf``, ``tensorflow.compat.v1.Session`` is
        ``tf.Session`` but ``tensorflow.data.AUTOTUNE`` cannot be spelled."""
        for wanted in candidates:
            best = None
            for local, qualified in self.toplevel.items():
                if wanted == qualified or wanted.startswith(qualified + "."):
                    if best is None or len(qualified) > len(best[1]):
                        best = (local, qualified)
            if best is not None:
                return best[0] + wanted[len(best[1]):]
        return None


def dotted(node):
    """The text of a dotted name (an Attribute chain on a Name), as ``a.b.c``."""
    parts = []
    while node.__class__ is ast.Attribute:
        parts.append(node.attr)
        node = node.value
    parts.append(node.id)
    return ".".join(reversed(parts))


_SKIP = (ast.expr_context, ast.Constant)


def statements_and_chains(tree, names):
    """The module's import statements and its outermost Attribute chains whose head is one of
    ``names``, in no particular order (the caller sorts them)."""
    stack = [tree]
    pop, push = stack.pop, stack.append
    attribute_cls, name_cls, ast_cls = ast.Attribute, ast.Name, ast.AST
    fields = {}
    while stack:
        node = pop()
        cls = node.__class__
        if cls is attribute_cls:
            base = node.value
            while base.__class__ is attribute_cls:
                base = base.value
            if base.__class__ is name_cls:
                if base.id in names:
                    yield node
            else:
                push(base)
            continue
        if cls is ast.Import or cls is ast.ImportFrom:
            yield node
            continue
        if cls is name_cls:
            continue
        own = fields.get(cls)
        if own is None:
            own = fields[cls] = () if issubclass(cls, _SKIP) else cls._fields
        for field in own:
            value = getattr(node, field, None)
            if value.__class__ is list:
                for item in value:
                    if isinstance(item, ast_cls):
                        push(item)
            elif isinstance(value, ast_cls):
                push(value)


def import_paths(tree):
    """The dotted module paths the import statements write (``import a.b``, ``from a.b import
    c``, relative ones too: ``from .a.b import c``): libcst's tree holds each as Attribute
    nodes, which a rule visiting attributes sees as well."""
    for statement, _ in import_statements(tree):
        if statement.__class__ is ast.Import:
            yield from (alias.name for alias in statement.names if "." in alias.name)
        elif statement.module and "." in statement.module:
            yield statement.module


def qualified_names(tree, imports=None):
    """The canonical qualified names the module names through its imports: each name an
    import binds, each outermost dotted chain whose head one binds (with ``import
    tensorflow.compat.v1 as tf``, ``tf.Session`` gives ``tensorflow.Session``), and each
    import statement's dotted path whose head one binds (``import_paths``)."""
    imports = imports if imports is not None else Imports(tree)
    found = {canonical(q) for q in imports.names.values()}
    for node in statements_and_chains(tree, imports.names):
        if node.__class__ is ast.Attribute:
            found.add(imports.qualify_dotted(dotted(node)))
    found.update(imports.qualify_dotted(path) for path in import_paths(tree))
    found.discard(None)
    return found

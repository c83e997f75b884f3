"""The second prefilter stage, in the worker: the names a file's *code* uses, from the standard
library's parser (C speed: with the walk below, far cheaper than a libcst parse), so that
rule tokens found only in docstrings, comments and strings do not cost a libcst parse.

``words``: every identifier of the syntax tree (names, attributes, keyword arguments,
parameters, definitions, imported modules split at dots, match captures) and ``yield``
where the module has a yield: a superset of the names the rules see in libcst's tree, which
has the same identifiers. ``modules``: what the absolute imports name, whole: ``import a.b``
gives ``a.b`` and ``a`` (which it binds), ``from a.b import c`` gives ``a.b`` and ``a.b.c``;
qualified names (tfcompat.lint.analysis.scopes.Imports) start with one of them. ``called``: the
names called (``f(...)``, ``x.f(...)``), and every imported name (an alias may be called).
``tree``: the syntax tree itself, which the engine reads the imports from and runs the
names-only rules on (tfcompat.lint.engine.names): the file is parsed by Python once.
(Compiled code objects would be cheaper but lose names: the compiler drops dead code and
never compiles local annotations.)
"""
import ast
import sys
import warnings

from tfcompat.lint.analysis import imports


class CodeNames:
    """What the second stage knows of a file's code (the module docstring says what each
    field holds); ``imports`` and ``qualified``, computed on first use, are what rules'
    ``may_fire`` read."""
    __slots__ = ("words", "modules", "called", "tree", "ascii", "_imports", "_qualified")

    def __init__(self, words, modules, called, tree, ascii=True):
        self.words, self.modules, self.called, self.tree = words, modules, called, tree
        # Whether the file is ASCII: then every identifier is written as ``ast`` has it
        # (Python reads non-ASCII ones in NFKC, libcst as written).
        self.ascii = ascii
        self._imports = self._qualified = None

    @property
    def imports(self):
        """The names the module's imports bind (tfcompat.lint.analysis.imports.Imports)."""
        if self._imports is None:
            self._imports = imports.Imports(self.tree)
        return self._imports

    @property
    def qualified(self):
        """The canonical qualified names the code names through its imports
        (tfcompat.lint.analysis.imports.qualified_names)."""
        if self._qualified is None:
            self._qualified = imports.qualified_names(self.tree, self.imports)
        return self._qualified

# The fields holding identifiers (a str, or a list of str: Global.names, MatchClass.kwd_attrs;
# Import.names holds alias nodes).
_NAME_FIELDS = frozenset(["id", "attr", "arg", "name", "asname", "module", "rest", "names",
                          "kwd_attrs"])
_YIELDS = (ast.Yield, ast.YieldFrom)
_LEAVES = (ast.Constant, ast.expr_context)  # nothing below them to read
_PLANS = {}  # node class -> (its name fields, its other fields)


def _plan(cls):
    fields = () if issubclass(cls, _LEAVES) else tuple(f for f in cls._fields if f != "ctx")
    plan = _PLANS[cls] = (tuple(f for f in fields if f in _NAME_FIELDS),
                          tuple(f for f in fields if f not in _NAME_FIELDS))
    return plan


PYTHON_RECURSION_LIMIT = 1000


class TooDeep(Exception):
    """The code nests deeper than this Python's parser goes."""


def code_names(data):
    """The CodeNames of ``data`` (bytes of a module), or None when this Python cannot parse it
    (then every candidate rule runs, and libcst says what is wrong)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # SyntaxWarning on odd escapes: not ours to show
            limit = sys.getrecursionlimit()
            # At Python's default limit, as the code's own interpreter would compile it (the
            # workers raise the limit for libcst).
            sys.setrecursionlimit(min(limit, PYTHON_RECURSION_LIMIT))
            try:
                tree = ast.parse(data)
            finally:
                sys.setrecursionlimit(limit)
    except RecursionError:
        # Python itself cannot compile it, and libcst takes minutes on such nesting.
        raise TooDeep()
    except (SyntaxError, ValueError, OverflowError, MemoryError):
        return None
    names, modules, called = set(), set(), set()
    has_yield = False
    stack = [tree]
    pop, push = stack.pop, stack.append
    node_type = ast.AST
    add_name = names.add
    name_cls, attribute_cls = ast.Name, ast.Attribute
    while stack:  # iterative: no recursion limit, and cheaper than ast.walk
        node = pop()
        cls = node.__class__
        # The commonest nodes first, without the general plan: a Name is its identifier,
        # an Attribute its identifier and its value.
        if cls is name_cls:
            add_name(node.id)
            continue
        if cls is attribute_cls:
            add_name(node.attr)
            push(node.value)
            continue
        name_fields, child_fields = _PLANS.get(cls) or _plan(cls)
        if cls is ast.Call:
            func = node.func
            if func.__class__ is ast.Attribute:
                called.add(func.attr)
            elif func.__class__ is ast.Name:
                called.add(func.id)
        elif cls in _YIELDS:
            has_yield = True
        elif cls is ast.Import:
            for alias in node.names:
                modules.add(alias.name)
                called.update(alias.name.split("."))
                if alias.asname is None:
                    modules.add(alias.name.partition(".")[0])
        elif cls is ast.ImportFrom and not node.level and node.module:
            modules.add(node.module)
            modules.update(node.module + "." + alias.name for alias in node.names)
        if cls is ast.ImportFrom:
            called.update(alias.name for alias in node.names)
        for field in name_fields:
            value = getattr(node, field, None)
            if value.__class__ is str:
                names.add(value)
            elif value.__class__ is list:
                for item in value:
                    if item.__class__ is str:
                        names.add(item)
                    else:
                        push(item)
        for field in child_fields:
            value = getattr(node, field, None)
            if value.__class__ is list:
                for item in value:
                    if isinstance(item, node_type):
                        push(item)
            elif isinstance(value, node_type):
                push(value)
    words = set()
    for name in names:
        words.update(name.split("."))
    if has_yield:
        words.add("yield")
    return CodeNames(words, modules, called, tree, data.isascii())

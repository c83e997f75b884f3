"""No import cycle in the tfcompat package, late imports (inside functions) included.

Every module's source is read with ast, never imported. An edge A -> B means A's code imports
B: ``import B``, and ``from B import name``: B.name where that is a module, else B (whose
``__init__`` defines the name); relative imports resolved. A parent package is not an edge:
Python imports it before its submodule, but a submodule importing from its own package's
siblings is the normal layout.
"""
import ast
import io
import os
import tokenize

import tfcompat

ROOT = os.path.dirname(os.path.abspath(tfcompat.__file__))


def modules():
    """{dotted module name: file path} for every .py file of the package."""
    found = {}
    top = os.path.dirname(ROOT)
    for folder, dirs, files in os.walk(ROOT):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in files:
            if not name.endswith(".py"):
                continue
            path = os.path.join(folder, name)
            parts = os.path.relpath(path, top)[:-3].split(os.sep)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


def _import_nodes(source):
    """Every Import/ImportFrom node of the source, at any depth. A file this Python cannot
    parse (newer syntax than the interpreter's) gives up its import statements one by one."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        tree = ast.Module(body=_statements_by_tokens(source))
    return [n for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom))]


def _statements_by_tokens(source):
    """Import statements parsed alone, found as logical lines starting with import/from."""
    nodes, line = [], []
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type in (tokenize.NEWLINE, tokenize.ENDMARKER):
            words = [t.string for t in line if t.type not in (tokenize.COMMENT, tokenize.NL)]
            if words and words[0] in ("import", "from"):
                try:
                    nodes.extend(ast.parse(" ".join(words)).body)
                except SyntaxError:
                    pass
            line = []
        elif tok.type not in (tokenize.INDENT, tokenize.DEDENT):
            line.append(tok)
    return nodes


def imports_of(name, path, known):
    """The package modules that module ``name`` imports, anywhere in its code."""
    with io.open(path, encoding="utf-8") as handle:
        source = handle.read()
    package = name if path.endswith("__init__.py") else name.rpartition(".")[0]
    targets = set()
    for node in _import_nodes(source):
        if isinstance(node, ast.Import):
            targets.update(alias.name for alias in node.names)
            continue
        base = node.module or ""
        if node.level:
            anchor = package.split(".")
            anchor = anchor[:len(anchor) - node.level + 1]
            base = ".".join(anchor + ([base] if base else []))
        for alias in node.names:
            submodule = "%s.%s" % (base, alias.name)
            targets.add(submodule if submodule in known else base)
    return sorted(t for t in targets if t in known and t != name)


def graph():
    known = modules()
    return dict((name, imports_of(name, path, known)) for name, path in known.items())


def find_cycle(edges):
    """One cycle as [a, b, ..., a], or None (depth-first search, three colours)."""
    state, stack = {}, []

    def visit(node):
        state[node] = "open"
        stack.append(node)
        for nxt in edges.get(node, ()):
            if state.get(nxt) == "open":
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        stack.pop()
        state[node] = "done"
        return None

    for node in sorted(edges):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def test_the_walk_sees_the_package_and_its_late_imports():
    edges = graph()
    assert "tfcompat.compat.runtime" in edges and "tfcompat.lint.engine.linter" in edges
    # tfcompat/__init__.py imports the feeding API only inside its functions.
    assert "tfcompat.compat.feeding" in edges["tfcompat"]
    # `from tfcompat.compat import paths` is an edge to the paths package.
    assert "tfcompat.compat.paths" in edges["tfcompat.compat.runtime"]


def test_the_cycle_finder_finds_a_late_cycle():
    assert find_cycle({"a": ["b"], "b": ["c"], "c": ["a"], "d": ["a"]}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": ["b"], "b": [], "c": ["a", "b"]}) is None


def test_statements_are_found_in_source_this_python_cannot_parse():
    source = ("import os\nif (n := 1):\n    from tfcompat.compat import (\n        paths)\n"
              "x = 'import sys'\n")
    names = [getattr(n, "module", None) or n.names[0].name
             for n in _statements_by_tokens(source)]
    assert names == ["os", "tfcompat.compat"]


def test_no_import_cycle_in_the_package():
    cycle = find_cycle(graph())
    assert cycle is None, "import cycle: %s" % " -> ".join(cycle)

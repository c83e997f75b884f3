"""The prefilter: which enabled rules could fire on a file, from a scan of its bytes (no parse).

A rule declares the tokens it cannot fire without (``Rule.tokens``): a tuple of names, any of
which must be in the file, or a tuple of such tuples, each of which must have one in the file
(``(("run", "eval"), ("fit", "fit_generator"))``: a call that runs tensors *and* a Keras
call). A rule without tokens sees every file. A token counts only as a whole name: ``fit``
is not found in ``profit`` or ``fit_generator``. That can only let more files through than
a parse would find names in (strings and comments count too), never fewer.

In the worker, a file the byte scan lets through meets a second stage
(``rules_in_code``): the same tokens, looked up in the names its code uses
(tfcompat.lint.analysis.codenames), so that a token found only in docstrings, comments and strings
costs no libcst parse (a rule declaring ``called`` needs its tokens called, ``x.batch(...)``,
not only named); and a rule declaring ``modules`` (the imports its qualified names go
through; grouped like tokens) needs the code to import one of them (of each group). Rules
whose tokens live in comments (TFC001's ``noqa``) pass it.

The byte scan also reads the imports from the bytes (``byte_imports``) for the rules declaring
``modules``: a superset of what the second stage finds (imports in strings count, and ``from
x import ...`` stands for any name under ``x``), so it can only let more files through; most of
a large package's files import only its own modules and so skip Python's parse as well.
"""
import re
import unicodedata

_NAME_BYTES = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_")
# Every byte that is not a name character becomes a space: the file's words are then its split.
_TO_SPACE = bytes(c if c in _NAME_BYTES else 32 for c in range(256))

# Imports, as Python's grammar allows them on one logical line: the keywords and names may be
# apart by spaces, tabs, form feeds and backslash continuations, and names hold any non-ASCII
# byte (an identifier's UTF-8).
_ID = rb"[A-Za-z0-9_\x80-\xff]"
_GAP = rb"(?:[ \t\f]|\\(?:\r\n|\r|\n))"
_DOTTED = rb"%s+(?:%s*\.%s*%s+)*" % (_ID, _GAP, _GAP, _ID)
_AS = rb"(?:%s+as%s+%s+)?" % (_GAP, _GAP, _ID)
# (No look-behind for the keyword's start: a pattern that begins with its literal is searched
# ten times faster; byte_imports checks the byte before it.)
_FROM = re.compile(rb"from%s+(%s)%s+import(?!%s)" % (_GAP, _DOTTED, _GAP, _ID))
_IMPORT = re.compile(rb"import%s+(%s%s(?:%s*,%s*%s%s)*)" % (
    _GAP, _DOTTED, _AS, _GAP, _GAP, _DOTTED, _AS))
_ID_BYTES = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_"
                      + bytes(range(0x80, 0x100)))
_GAPS = re.compile(_GAP)


def groups(tokens):
    """A rule's tokens as a tuple of any-of groups (all must match); () when it sees every
    file."""
    if not tokens:
        return ()
    if all(isinstance(t, str) for t in tokens):
        return (tuple(tokens),)
    return tuple(tuple(g) for g in tokens)


def via(*names):
    """The ``Rule.modules`` group of the imports through which a qualified name (as
    tfcompat.lint.scopes.Imports spells it) can be at or under one of ``names``: each name's
    modules above it, exactly (``import tensorflow as tf`` for ``tf.estimator.X``), the name
    itself and anything under it (``from tensorflow.estimator import X``), and for names under
    ``tensorflow``, its ``compat`` tree (``import tensorflow.compat.v1 as tf``: canonical names
    drop the compat part). A rule that reports only such names can declare
    ``modules = (via(...),)``: a file importing none of them has nothing to report."""
    exact, trees = set(), set()
    for name in names:
        parts = name.split(".")
        exact.update(".".join(parts[:i]) for i in range(1, len(parts)))
        trees.add(name + ".*")
        if parts[0] == "tensorflow" and len(parts) > 1:
            trees.add("tensorflow.compat.*")
    return tuple(sorted(exact)) + tuple(sorted(trees))


def _texts(data):
    """``data``, and where it holds non-ASCII UTF-8, its NFKC form too: Python reads
    identifiers so (``ｆｉｔ`` is ``fit``)."""
    if data.isascii():
        return (data,)
    folded = unicodedata.normalize("NFKC", data.decode("utf-8", "surrogateescape")).encode(
        "utf-8", "surrogateescape")
    return (data,) if folded == data else (data, folded)


def _words(data):
    words = set()
    for text in _texts(data):
        words.update(text.translate(_TO_SPACE).split())
    return words


def has_name(data, token):
    """Whether ``token`` (bytes) is in ``data`` with no name character either side."""
    return token in _words(data)


def byte_imports(data):
    """(modules, parents) read from ``data``'s bytes: every ``import a.b`` gives ``a.b`` and
    ``a`` in modules (``import a.b as c``: ``a.b`` only), every absolute ``from a.b import
    ...`` gives ``a.b`` in modules and in parents (``a.b.<any name>`` may be imported). A
    superset of the second stage's modules."""
    modules, parents = set(), set()
    for text in _texts(data):
        if b"import" in text:
            _read_imports(text, modules, parents)
    return modules, parents


def _read_imports(data, modules, parents):
    for match in _FROM.finditer(data):
        if match.start() and data[match.start() - 1] in _ID_BYTES:
            continue  # a name ending in "from"
        name = _GAPS.sub(b"", match.group(1)).decode("utf-8", "surrogateescape")
        modules.add(name)
        parents.add(name)
    for match in _IMPORT.finditer(data):
        if match.start() and data[match.start() - 1] in _ID_BYTES:
            continue
        for item in _GAPS.sub(b" ", match.group(1)).split(b","):
            name, alias, _ = item.partition(b" as ")
            name = name.replace(b" ", b"").decode("utf-8", "surrogateescape")
            modules.add(name)
            if not alias:  # `import a.b` binds `a`; `import a.b as c` does not
                modules.add(name.partition(".")[0])


def _may_import(group, found):
    """Whether code whose imports ``byte_imports`` read as ``found`` may import one of
    ``group`` (as ``_imports`` asks of the second stage's modules)."""
    modules, parents = found
    exact, trees = group
    return bool(exact & modules) or any(m.rpartition(".")[0] in parents for m in exact) or any(
        m == tree or m.startswith(tree + ".") for m in modules for tree in trees) or any(
        tree.rpartition(".")[0] in parents for tree in trees)


def spec(rule):
    """What the prefilter needs of a rule class: (tokens, modules, called), plain data that
    the cache can keep (so that a run it answers never loads the rules)."""
    return rule.tokens, rule.modules, rule.called


class Prefilter:
    """Built once per run from {code: tokens}; ``rules_for(data, codes)`` is the subset of
    ``codes`` that could fire on ``data``."""

    def __init__(self, tokens_by_code, comment_codes=(), modules_by_code=None, called_codes=()):
        self._names = {code: groups(tokens) for code, tokens in tokens_by_code.items()}
        self._groups = {code: tuple(tuple(t.encode("ascii") for t in g) for g in names)
                        for code, names in self._names.items()}
        self._comment_codes = frozenset(comment_codes)
        self._called_codes = frozenset(called_codes)  # their tokens must be called names
        # code -> groups of (exact module paths, trees: "x" for "x.*")
        self._modules = {code: tuple((frozenset(m for m in g if not m.endswith(".*")),
                                      tuple(m[:-2] for m in g if m.endswith(".*")))
                                     for g in groups(modules))
                         for code, modules in (modules_by_code or {}).items() if modules}
        self._tokens = frozenset(t for g in self._groups.values() for group in g for t in group)
        self._may_fire = {}  # code -> the rule's may_fire (of_rules)

    @classmethod
    def of_rules(cls, rules):
        """The prefilter of these rule classes, with the second stage's last word: each rule's
        own ``may_fire``, where it has one."""
        prefilter = cls.of_specs({r.code: spec(r) for r in rules})
        prefilter._may_fire = {r.code: r.may_fire for r in rules if r.has_may_fire()}
        return prefilter

    @classmethod
    def of_specs(cls, specs):
        """The prefilter of {code: ``spec(rule)``}; the unused-noqa rule's tokens are
        comments."""
        from tfcompat.lint.engine.noqa import UNUSED_NOQA

        return cls({code: s[0] for code, s in specs.items()}, comment_codes=(UNUSED_NOQA,),
                   modules_by_code={code: s[1] for code, s in specs.items()},
                   called_codes=[code for code, s in specs.items() if s[2]])

    def rules_for(self, data, codes):
        words = self._tokens.intersection(
            data.translate(_TO_SPACE).split() if data.isascii() else _words(data))
        found = None  # byte_imports(data), read once when a candidate needs it
        out = []
        for code in codes:
            if not all(any(t in words for t in group) for group in self._groups[code]):
                continue
            modules = self._modules.get(code)
            if modules:
                if found is None:
                    found = byte_imports(data)
                if not all(_may_import(group, found) for group in modules):
                    continue
            out.append(code)
        return tuple(out)

    def rules_in_code(self, names, codes):
        """The subset of ``codes`` that could fire on a file whose code uses ``names``
        (tfcompat.lint.analysis.codenames.CodeNames): their tokens are among its words and, for a
        rule declaring ``modules``, it imports one of each group; rules whose tokens are comments
        pass."""
        return tuple(code for code in codes if code in self._comment_codes or (
            all(any(t in (names.called if code in self._called_codes else names.words)
                    for t in group) for group in self._names[code])
            and all(_imports(group, names.modules) for group in self._modules.get(code, ()))
            and (code not in self._may_fire or self._may_fire[code](names))))


def _imports(group, modules):
    exact, trees = group
    return bool(exact & modules) or any(
        m == tree or m.startswith(tree + ".") for m in modules for tree in trees)

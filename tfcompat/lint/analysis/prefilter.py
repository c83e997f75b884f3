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
"""
_NAME_BYTES = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_")


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


def has_name(data, token):
    """Whether ``token`` (bytes) is in ``data`` with no name character either side."""
    start, n = 0, len(token)
    while True:
        i = data.find(token, start)
        if i < 0:
            return False
        j = i + n
        if (i == 0 or data[i - 1] not in _NAME_BYTES) and (
                j == len(data) or data[j] not in _NAME_BYTES):
            return True
        start = i + 1


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

    @classmethod
    def of_rules(cls, rules):
        """The prefilter of these rule classes: their tokens, modules and called flags; the
        unused-noqa rule's tokens are comments."""
        from tfcompat.lint.engine.noqa import UNUSED_NOQA

        return cls({r.code: r.tokens for r in rules}, comment_codes=(UNUSED_NOQA,),
                   modules_by_code={r.code: r.modules for r in rules},
                   called_codes=[r.code for r in rules if r.called])

    def rules_for(self, data, codes):
        found = {}  # token -> present, each token scanned for at most once per file

        def present(token):
            hit = found.get(token)
            if hit is None:
                hit = found[token] = has_name(data, token)
            return hit

        return tuple(code for code in codes
                     if all(any(present(t) for t in group) for group in self._groups[code]))

    def rules_in_code(self, names, codes):
        """The subset of ``codes`` that could fire on a file whose code uses ``names``
        (tfcompat.lint.analysis.codenames.CodeNames): their tokens are among its words and, for a
        rule declaring ``modules``, it imports one of each group; rules whose tokens are comments
        pass."""
        return tuple(code for code in codes if code in self._comment_codes or (
            all(any(t in (names.called if code in self._called_codes else names.words)
                    for t in group) for group in self._names[code])
            and all(_imports(group, names.modules) for group in self._modules.get(code, ()))))


def _imports(group, modules):
    exact, trees = group
    return bool(exact & modules) or any(
        m == tree or m.startswith(tree + ".") for m in modules for tree in trees)

"""The prefilter: which enabled rules could fire on a file, from a scan of its bytes (no parse).

A rule declares the tokens it cannot fire without (``Rule.tokens``): a tuple of names, any of
which must be in the file, or a tuple of such tuples, each of which must have one in the file
(``(("run", "eval"), ("fit", "fit_generator"))``: a call that runs tensors *and* a Keras
call). A rule without tokens sees every file. A token counts only as a whole name: ``fit``
is not found in ``profit`` or ``fit_generator``. That can only let more files through than
a parse would find names in (strings and comments count too), never fewer.
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

    def __init__(self, tokens_by_code):
        self._groups = {code: tuple(tuple(t.encode("ascii") for t in g) for g in groups(tokens))
                        for code, tokens in tokens_by_code.items()}

    def rules_for(self, data, codes):
        found = {}  # token -> present, each token scanned for at most once per file

        def present(token):
            hit = found.get(token)
            if hit is None:
                hit = found[token] = has_name(data, token)
            return hit

        return tuple(code for code in codes
                     if all(any(present(t) for t in group) for group in self._groups[code]))

"""libcst, imported on first use: ``from tfcompat.lint.libcst_lazy import cst`` stands for
``import libcst as cst``. Loading libcst is most of a one-file run's start-up, and a run whose
files no rule needs a libcst parse for (the cache, the prefilter or the names-only rules answer
them) never uses it. Code run at import time must not touch ``cst``: that would load it."""
import importlib


class _Libcst:
    def __getattr__(self, name):
        module = importlib.import_module("libcst")
        # From now on every name is found in this object's own dict, at a module's speed.
        self.__dict__.update(vars(module))
        return getattr(module, name)


cst = _Libcst()


def load():
    """Load libcst now (before forking workers that will all need it)."""
    return cst.Module


def types(*names):
    """A function giving the tuple of libcst classes ``names``, built on its first call: the
    module-level ``isinstance`` tuples of code that must import without loading libcst."""
    found = []

    def get():
        if not found:
            found.append(tuple(getattr(cst, name) for name in names))
        return found[0]
    return get

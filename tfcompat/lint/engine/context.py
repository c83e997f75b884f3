"""The file being linted, as every rule of one traversal sees it: its tree and text, the
settings its fixes depend on, the ancestors of the node being visited, the reports so far, and
what is worked out about the file once and shared by every rule (positions, imports, scopes,
and the per-file answers of ``cached``).
"""
import dataclasses
import re
from typing import Any, Optional, Tuple

from tfcompat.lint.analysis.ancestors import Ancestors
from tfcompat.lint.analysis.scopes import Imports, Scopes
from tfcompat.lint.engine import names

_NEWLINES = re.compile(r"\r\n|\r|\n")


@dataclasses.dataclass(frozen=True)
class Report:
    """What a rule reports during the traversal; the engine makes it a Finding once positions
    are known. ``edits``: the fix's edits (None: no fix); ``safety``: UNSAFE where this one fix
    is unsafe in a rule whose fixes are safe."""
    rule: Any  # the Rule instance
    node: Any  # the libcst node reported
    message: str
    edits: Optional[Tuple[Any, ...]]
    safety: Optional[str]
    help: str


class Context:
    """One file, shared by every rule instance of one traversal."""

    def __init__(self, module, text, target_tf=None, keras_target=None, tree=None):
        self.module = module
        self.text = text
        self.target_tf = target_tf
        # The keras-target setting, a Keras namespace: "tf.keras", "keras" (the Keras 3
        # package, not versions.KERAS's standalone Keras 2), "tf_keras", or None (unset).
        self.keras_target = keras_target
        self.ancestors = Ancestors()  # root first, the node visited last; kept by the engine
        self.reports = []    # Report, as rules report them
        self._positions = None
        self._line_starts = None
        self._imports = None
        self._tree = tree  # the text's ast tree, which the imports are read from
        self._scopes = None
        self._answers = {}   # compute function -> its answer for this file (``cached``)

    def cached(self, compute, *args):
        """``compute(*args)``, worked out once per file: a question about the whole file that
        several rules ask (the session names, whether it is graph-mode code...). The function
        is the key, so each question is asked in one place, by the module that owns it."""
        try:
            return self._answers[compute]
        except KeyError:
            answer = self._answers[compute] = compute(*args)
            return answer

    def position(self, node):
        if self._positions is None:
            # Asked during the walk: a fix is being built, and it needs the positions of
            # every comment too (a fix never deletes one): the whole module at once.
            self._positions = _positions(self.module)
        return self._positions[node]

    def locate(self, nodes):
        """Work out the positions of ``nodes`` together (after the walk, before asking
        ``position`` of each): code generation then stops after the last of them."""
        if self._positions is None and nodes:
            self._positions = _positions(self.module, nodes)

    def line_starts(self):
        if self._line_starts is None:
            self._line_starts = [0] + [m.end() for m in _NEWLINES.finditer(self.text)]
        return self._line_starts

    def offset(self, pos):
        """Character offset of a libcst CodePosition (1-based line, 0-based column)."""
        return self.line_starts()[pos.line - 1] + pos.column

    def line_text(self, line):
        starts = self.line_starts()
        end = starts[line] if line < len(starts) else len(self.text)
        return self.text[starts[line - 1]:end]

    def fresh_name(self, base):
        name, n = base, 0
        while re.search(r"\b%s\b" % re.escape(name), self.text):
            n += 1
            name = "%s_%d" % (base, n)
        return name

    @property
    def tree(self):
        """The text's ast tree: the prefilter's, or parsed now (libcst's parse checked that
        Python's parser accepts the text)."""
        if self._tree is None:
            self._tree = names.parse(self.text, strict=True)
        return self._tree

    @property
    def imports(self):
        if self._imports is None:
            self._imports = Imports(self.tree)
        return self._imports

    @property
    def scopes(self):
        if self._scopes is None:
            self._scopes = Scopes(self)
        return self._scopes


def _positions(module, nodes=()):
    # Imported here: positions' code generation is built on libcst's, which a run without a
    # libcst parse never loads (tfcompat.lint.libcst_lazy).
    from tfcompat.lint.engine.positions import Positions

    return Positions(module, nodes)

"""The names-only path: rules that judge nothing but what the module's imports and dotted names
mean (``Rule.check_names``) run on Python's own syntax tree (``ast``, the tree the prefilter's
second stage built: tfcompat.lint.analysis.codenames), never on libcst's. A file whose only
candidate rules are such rules is never parsed by libcst (tfcompat.lint.engine.linter: a check,
and a fix, which has nothing to fix; not a file with lone CRs or form feeds, where libcst's
columns and notes differ); in a file that is, they run here too, beside the traversal, so each
rule has one implementation.

What such a rule sees (``uses``), in source order, is what libcst's tree would show it:

- ``Use("import")``: one alias of ``import a.b as c`` (``name``: ``a.b`` as written);
- ``Use("from")``: one ``from m import ...`` statement (``name``: ``m`` as written, "" for
  ``from . import x``; ``star``; ``aliases``: a ``Use("alias")`` per imported name);
- ``Use("attribute")``: an outermost dotted chain (``a.b.c``, not its ``a.b``) whose head an
  import binds, with ``name`` its qualified name (tfcompat.lint.analysis.imports, canonical)
  and ``spelled`` its text; the dotted names of import statements are such chains too, after
  their statement's own ``Use``.

Positions are libcst's: lines as it counts them, columns in characters (``ast`` counts UTF-8
bytes), a dotted name without its own parentheses (``spelled`` keeps them, as libcst's code
for the node does). ``noqa`` comments are read with the tokenizer, and only when the text
holds "noqa".
"""
import ast
import bisect
import io
import keyword
import re
import tokenize
import warnings

from tfcompat.lint.analysis import imports as imports_module
from tfcompat.lint.engine import noqa
from tfcompat.lint.engine.work import count

_NEWLINES = re.compile(r"\r\n|\r|\n")  # what Python's parser and libcst count as a line end
_SPACE = re.compile(r"[\s\\]*")  # between the tokens of an import statement
_NAME = r"[^\W\d]\w*"
_DOTTED = re.compile(r"%s(?:[\s\\]*\.[\s\\]*%s)*" % (_NAME, _NAME))
_FROM = re.compile(r"from[\s\\]*[.\s\\]*")  # up to a from-import's module, past its dots
_AS = re.compile(r"[\s\\]*as\b[\s\\]*%s" % _NAME)
_COMMENT = re.compile(r"#[^\r\n]*")  # in an import statement only after an open parenthesis
_IMPORT = re.compile(r"[\s\\]*import\b")
_CLOSERS = frozenset(")]}'\"")


class Use:
    """One import or dotted name, as a names-only rule sees it (the module docstring)."""
    __slots__ = ("kind", "name", "star", "aliases", "_file", "_node", "_span")

    def __init__(self, kind, name, file, span=None, node=None, star=False, aliases=()):
        self.kind, self.name, self.star, self.aliases = kind, name, star, aliases
        self._file, self._span, self._node = file, span, node

    @property
    def span(self):
        """(start, end) character offsets of what is reported: the name as written."""
        if self._span is None:
            self._span = self._file.span(self._node)
        return self._span

    @property
    def spelled(self):
        """The source text of the name, with the parentheses of its own it has."""
        start, end = self.span
        if self._node is not None:
            start, end = _own_parentheses(self._file.text, start, end)
        return self._file.text[start:end]


class File:
    """One file's text and syntax tree, as the names-only rules of one run share it; ``reports``
    as Rule.report leaves them (tfcompat.lint.engine.context.Report, at a ``Use``)."""

    def __init__(self, text, tree, imports, target_tf=None, keras_target=None, shown=None):
        """``shown``: the text as libcst's code generation writes it back, when that differs
        (it drops the indentation of a module-level line holding a form feed): libcst's
        columns count in it."""
        self.text, self.tree, self.imports = text, tree, imports
        self.target_tf, self.keras_target = target_tf, keras_target
        self.reports = []
        self.starts = [0] + [m.end() for m in _NEWLINES.finditer(text)]
        self._dropped = {}  # line -> characters libcst's code lacks at its start
        if shown is not None and shown != text:
            for number, (mine, its) in enumerate(zip(_lines(text), _lines(shown)), 1):
                if mine != its and mine.endswith(its):
                    self._dropped[number] = len(mine) - len(its)

    def offset(self, line, col_bytes):
        """The character offset of an ``ast`` position (1-based line, UTF-8 byte column)."""
        start = self.starts[line - 1]
        if col_bytes == 0:
            return start
        end = self.starts[line] if line < len(self.starts) else len(self.text)
        head = self.text[start:min(end, start + col_bytes)]
        if not head.isascii():
            head = self.text[start:end].encode("utf-8")[:col_bytes].decode("utf-8", "replace")
        return start + len(head)

    def span(self, node):
        return (self.offset(node.lineno, node.col_offset),
                self.offset(node.end_lineno, node.end_col_offset))

    def position(self, offset):
        """(1-based line, 0-based column) of a character offset."""
        line = bisect.bisect_right(self.starts, offset)
        return line, max(offset - self.starts[line - 1] - self._dropped.get(line, 0), 0)

    def uses(self):
        """Every Use of the module, in source order (libcst's visiting order)."""
        found = []  # (sort key, n, Use)
        for statement in imports_module.statements_and_chains(self.tree, self.imports.names):
            key = (statement.lineno, statement.col_offset, -statement.end_lineno,
                   -statement.end_col_offset)
            if statement.__class__ is ast.Attribute:
                name = self.imports.qualify_dotted(imports_module.dotted(statement))
                found.append((key, len(found), Use("attribute", name, self, node=statement)))
                continue
            for use in self._statement_uses(statement):
                found.append((key, len(found), use))
        found.sort(key=lambda item: item[:2])
        return [use for _, _, use in found]

    def _statement_uses(self, statement):
        """The Uses of an import statement: its own, then those of its dotted names."""
        start, end = self.span(statement)
        text = _COMMENT.sub(lambda m: " " * len(m.group()), self.text[start:end])
        uses, dotted = [], []
        if statement.__class__ is ast.ImportFrom:
            at = _FROM.match(text).end()
            module = _DOTTED.match(text, at) if statement.module is not None else None
            module_span = (start + module.start(), start + module.end()) if module else None
            at = module.end() if module else at
            aliases = [Use("alias", text[a - start:b - start], self, span=(a, b))
                       for a, b in _alias_spans(text, _IMPORT.match(text, at).end(), start)]
            written = self.text[module_span[0]:module_span[1]] if module else ""
            uses.append(Use("from", written, self, span=module_span,
                            star=statement.names[0].name == "*", aliases=aliases))
            if "." in written:
                dotted.append((written, module_span))
        else:
            for a, b in _alias_spans(text, len("import"), start):
                written = self.text[a:b]
                uses.append(Use("import", written, self, span=(a, b)))
                if "." in written:
                    dotted.append((written, (a, b)))
        for written, span in dotted:
            name = self.imports.qualify_dotted(re.sub(r"[\s\\]", "", written))
            if name is not None:
                uses.append(Use("attribute", name, self, span=span))
        return uses


def _lines(text):
    return _NEWLINES.split(text)


def _alias_spans(text, at, base):
    """(start, end) offsets (``base`` + offsets in ``text``, an import statement's text with
    its comments blanked) of the names an import statement imports, from ``at``."""
    spans = []
    while True:
        at = re.compile(r"[\s\\(,]*").match(text, at).end()
        name = _DOTTED.match(text, at)
        if name is None:
            if text.startswith("*", at):
                spans.append((base + at, base + at + 1))
            return spans
        spans.append((base + name.start(), base + name.end()))
        alias = _AS.match(text, name.end())
        at = alias.end() if alias else name.end()


def _own_parentheses(text, start, end):
    """(start, end) widened to the parentheses around text[start:end] that are the
    expression's own, not a call's or a definition's (libcst keeps them on the node)."""
    while True:
        before = _back(text, start)
        after = _forward(text, end)
        if before < 0 or text[before] != "(" or after >= len(text) or text[after] != ")":
            return start, end
        prev = _back(text, before)
        if prev >= 0 and text[prev] in _CLOSERS:
            return start, end  # f(...)[...](x), "%s"(x): a call's
        if prev >= 0 and (text[prev].isalnum() or text[prev] == "_"):
            word = re.search(r"\w+\Z", text[max(0, prev - 40):prev + 1]).group()
            if not keyword.iskeyword(word):
                return start, end  # f(x), class A(x): a call's or a base list
        start, end = before, after + 1


def _back(text, i):
    i -= 1
    while i >= 0 and text[i] in " \t\f\r\n\\":
        i -= 1
    return i


def _forward(text, i):
    while i < len(text) and text[i] in " \t\f\r\n\\":
        i += 1
    return i


def parse(text, strict=False):
    """The ast tree of ``text``, or None when Python's parser refuses it (``strict``: raise)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # SyntaxWarning on odd escapes: not ours to show
            return ast.parse(text)
    except (SyntaxError, ValueError, OverflowError, MemoryError, RecursionError):
        if strict:
            raise
        return None


def run(rules, file):
    """Each names-only rule class in ``rules`` on ``file``; their reports, in order."""
    uses = file.uses()
    for cls in rules:
        count("names-only rule runs")
        cls(file).check_names(uses)
    return file.reports


def noqa_lines(text):
    """{line: ALL or codes} of the `# noqa` comments in ``text`` (noqa.line_suppressions), or
    None when the tokenizer cannot read it."""
    if "noqa" not in text.lower():
        return {}
    comments = []
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text, newline="").readline):
            if tok.type == tokenize.COMMENT and "noqa" in tok.string.lower():
                comments.append((tok.start[0], tok.string))
    except (tokenize.TokenError, SyntaxError):
        return None
    return noqa.line_suppressions(comments)

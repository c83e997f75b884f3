"""Jupyter notebooks (``*.ipynb``, nbformat 4): the code cells read as one module, as ruff
reads them, and fixed text put back into the cells it came from.

The module is every code cell in order, each ending in a line ending. IPython syntax is masked,
not parsed: a line magic (``%time x``), a shell line (``!pip ...``, ``files = !ls``) or a help
request (``obj?``) at the start of a logical line, with its backslash continuations, reads as
``pass`` at its indentation; a cell opened by a cell magic that runs Python (``%%time``,
``%%capture``...) has that line masked, and one opened by any other (``%%bash``,
``%%writefile``) is not Python and is left out. Positions are reported as the notebook's cell
(1-based, counting every cell) and the line in it.

Writing back: each changed cell's ``source`` is replaced in the file's own JSON text, in the
form it had (a string, or a list of lines at the file's indentation); everything else (outputs,
metadata, cell ids, the nbformat version, key order, indentation, escapes) keeps its bytes. A
fix that would change a masked line or cross from one cell into another is withheld, and the
written text must read back as exactly the fixed module.
"""
import codecs
import dataclasses
import difflib
import json
import re
from typing import Optional, Tuple

SUFFIX = ".ipynb"
# Cell magics whose body is Python (IPython runs it, timed, captured or profiled).
PYTHON_CELL_MAGICS = frozenset(("time", "timeit", "capture", "prun", "debug", "python",
                                "python3", "pypy"))
_NEWLINE = re.compile(r"\r\n|\r|\n")
_LINES = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")
_HELP = re.compile(r"\s*[\w.]*\?{1,2}\s*$|\s*\?{1,2}[\w.]*\s*$")
_ASSIGNED_ESCAPE = re.compile(r"\s*[\w.]+(?:\s*,\s*[\w.]+)*\s*=\s*[%!]")
_WS = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder()


class NotebookError(Exception):
    """Not a notebook tfcompat can read (TFC906), at ``line``, ``col`` of the file."""

    def __init__(self, message, line=1, col=1):
        super().__init__(message)
        self.line, self.col = line, col


class Withheld(Exception):
    """The fixed module cannot be put back into the cells without changing what no fix
    should touch."""


def is_notebook(name):
    return bool(name) and name.lower().endswith(SUFFIX)


@dataclasses.dataclass(frozen=True)
class Cell:
    number: int        # 1-based, among all the notebook's cells
    source: str        # as the notebook holds it, joined
    start: int         # offset of its first character in the module
    first_line: int    # its first line in the module (1-based)
    lines: int         # how many lines it has in the module
    added: str         # the line ending added after it ("" when it ended in one)
    masked: Tuple[Tuple[int, int, str], ...]  # (start, end, original text) in the module
    cell_magic: str = ""  # the `%%` line that opens it, which must stay its first line


def _logical_starts(lines):
    """For each line (with its ending), whether it begins a logical line, and whether it is an
    IPython escape there: brackets, strings and backslash continuations followed by hand (a
    magic cannot be tokenized)."""
    depth, quote, continued = 0, None, False
    out = []
    for line in lines:
        start = depth == 0 and quote is None and not continued
        magic = start and _is_escape(line)
        out.append((start, magic))
        body = line.rstrip("\r\n")
        if magic:
            continued = body.endswith("\\")
            continue
        continued = False
        i = 0
        while i < len(body):
            c = body[i]
            if quote is not None:
                if c == "\\":
                    i += 2
                    continue
                if body.startswith(quote, i):
                    i += len(quote)
                    quote = None
                    continue
                i += 1
                continue
            if c == "#":
                break
            if c in "'\"":
                quote = c * 3 if body.startswith(c * 3, i) else c
                i += len(quote)
                continue
            if c in "([{":
                depth += 1
            elif c in ")]}":
                depth = max(0, depth - 1)
            i += 1
        if quote is not None and len(quote) == 1 and not body.endswith("\\"):
            quote = None  # a one-quote string ends at the line's end (a syntax error)
        continued = quote is None and body.endswith("\\") and not body.lstrip().startswith("#")
    return out


def _is_escape(line):
    stripped = line.strip()
    if not stripped:
        return False
    return (stripped[0] in "%!?" or bool(_HELP.fullmatch(line.rstrip("\r\n")))
            or bool(_ASSIGNED_ESCAPE.match(line)))


def _mask(source):
    """(text the parser reads, [(start, end, original) of masked lines in it]), or None when
    the cell is not Python (a cell magic that runs something else)."""
    lines = _LINES.findall(source)
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    masked_lines = set()
    if first is not None and lines[first].lstrip().startswith("%%"):
        magic = lines[first].strip()[2:].split(None, 1)
        if not magic or magic[0] not in PYTHON_CELL_MAGICS:
            return None
        masked_lines.add(first)
        lines_after = lines[first + 1:]
        offset = first + 1
    else:
        lines_after, offset = lines, 0
    continuation = set()  # masked lines that continue the one above (a trailing backslash)
    for i, (_, magic) in enumerate(_logical_starts(lines_after), offset):
        if magic or i - 1 in masked_lines and lines[i - 1].rstrip("\r\n").endswith("\\"):
            if not magic:
                continuation.add(i)
            masked_lines.add(i)
    out, spans, at, indent = [], [], 0, ""
    for i, line in enumerate(lines):
        body = line.rstrip("\r\n")
        if i in masked_lines:
            if i not in continuation:
                indent = body[:len(body) - len(body.lstrip())]
            placeholder = indent + "pass"
            spans.append((at, at + len(placeholder), body))
            line = placeholder + line[len(body):]
        out.append(line)
        at += len(line)
    return "".join(out), spans


class Notebook:
    """A notebook's bytes, read: ``text`` is the module its code cells make."""

    def __init__(self, data):
        self.data = data
        bom = data.startswith(codecs.BOM_UTF8)
        try:
            raw = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise NotebookError("not a notebook: not UTF-8 at byte %d" % exc.start,
                                data.count(b"\n", 0, exc.start) + 1)
        try:
            self.json = json.loads(raw)
        except ValueError as exc:
            raise NotebookError("not a notebook: not valid JSON (%s)" % exc.msg,
                                getattr(exc, "lineno", 1), getattr(exc, "colno", 1))
        except RecursionError:
            raise NotebookError("not a notebook: JSON nested too deep")
        _check(self.json)
        self.raw, self.bom = raw, bom
        self.cells = []
        pieces, at, line = [], 0, 1
        info = self.json.get("metadata")
        info = info.get("language_info") if isinstance(info, dict) else None
        language = info.get("name") if isinstance(info, dict) else None
        python = not isinstance(language, str) or language.lower() == "python"
        for number, cell in enumerate(self.json["cells"], 1):
            source = _joined(cell["source"])
            if cell["cell_type"] != "code" or not python or not source:
                continue
            masked = _mask(source)
            if masked is None:
                continue
            text, spans = masked
            ending = _NEWLINE.search(text)
            added = "" if text.endswith(("\n", "\r")) else ending.group() if ending else "\n"
            text += added
            count = len(_LINES.findall(text))
            opening = source.lstrip().split("\n", 1)[0].rstrip("\r")
            self.cells.append(Cell(number, source, at, line, count, added,
                                   tuple((at + s, at + e, orig) for s, e, orig in spans),
                                   opening if opening.startswith("%%") else ""))
            pieces.append(text)
            at += len(text)
            line += count
        self.text = "".join(pieces)
        try:
            self.text.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise NotebookError("not a notebook: a code cell holds %r, which is not text"
                                % exc.object[exc.start:exc.end])

    # -- positions -------------------------------------------------------------------------
    def _cell_at(self, line):
        found = None
        for cell in self.cells:
            if cell.first_line <= line:
                found = cell
        return found

    def place(self, line, col):
        """(cell number, line in it, col) of a 1-based module position."""
        cell = self._cell_at(line)
        if cell is None:
            return None, line, col
        return cell.number, line - cell.first_line + 1, col

    def locate(self, finding):
        """The finding, placed in its cell (its end kept in that cell)."""
        cell = self._cell_at(finding.line)
        if cell is None:
            return finding
        number, line, col = self.place(finding.line, finding.col)
        end_line, end_col = finding.end_line, finding.end_col
        if end_line >= cell.first_line + cell.lines:  # it runs into a later cell
            last = _LINES.findall(self.text[cell.start:])[cell.lines - 1]
            end_line, end_col = cell.first_line + cell.lines - 1, len(last.rstrip("\r\n")) + 1
        fix = finding.fix
        if fix is not None:
            fix = dataclasses.replace(fix, edits=tuple(dataclasses.replace(
                e, location=self.place(*e.location)[1:],
                end_location=self.place(*e.end_location)[1:]) for e in fix.edits))
        return dataclasses.replace(finding, cell=number, line=line, col=col,
                                   end_line=end_line - cell.first_line + 1, end_col=end_col,
                                   fix=fix)

    # -- writing back ----------------------------------------------------------------------
    def sources(self, new_text, untouched=None):
        """{cell number: new source} of the cells ``new_text`` (this module, fixed) changes.
        ``untouched``: the fix loop's writeback.Untouched; None when no line was added or
        removed (--add-noqa). Raises Withheld where a fix crosses a cell boundary or changes a
        masked line."""
        if untouched is None:
            move = _by_lines(self.text, new_text)
        else:
            move = _by_spans(untouched.spans)
        starts = [0] + [move(cell.start) for cell in self.cells[1:]]
        if any(s is None for s in starts) or starts != sorted(starts):
            raise Withheld("a fix would move code from one notebook cell into another")
        out = {}
        for k, cell in enumerate(self.cells):
            end = starts[k + 1] if k + 1 < len(starts) else len(new_text)
            piece, base = new_text[starts[k]:end], starts[k]
            for start, stop, original in reversed(cell.masked):
                new = move(start, stop)
                if new is None or not base <= new[0] <= new[1] <= end:
                    raise Withheld("a fix would change an IPython magic or shell line")
                piece = piece[:new[0] - base] + original + piece[new[1] - base:]
            if cell.added and piece.endswith(cell.added):
                piece = piece[:-len(cell.added)]
            if cell.cell_magic and not piece.lstrip().startswith(cell.cell_magic):
                raise Withheld("a fix would put code above the cell magic `%s`"
                               % cell.cell_magic.split()[0])
            if piece != cell.source:
                out[cell.number] = piece
        return out

    def rebuild(self, new_text, untouched=None):
        """The notebook's bytes with the cells ``new_text`` changes rewritten; raises Withheld
        when that cannot be done exactly."""
        changed = self.sources(new_text, untouched)
        if not changed:
            return self.data
        spans = _source_spans(self.raw)
        unit = _indent_unit(self.raw)
        newline = "\r\n" if "\r\n" in self.raw else "\n"
        ascii_only = self.raw.isascii() and "\\u" in self.raw
        pieces, at = [], 0
        for number in sorted(changed):
            start, end, key_indent = spans[number - 1]
            old = json.loads(self.raw[start:end])
            pieces += [self.raw[at:start], _source_json(
                changed[number], isinstance(old, list), key_indent, unit,
                "\n" in self.raw[start:end], ascii_only, newline)]
            at = end
        pieces.append(self.raw[at:])
        new_raw = "".join(pieces)
        data = (codecs.BOM_UTF8 if self.bom else b"") + new_raw.encode("utf-8")
        expected = json.loads(self.raw)
        for number, source in changed.items():
            cell = expected["cells"][number - 1]
            cell["source"] = _lines(source) if isinstance(cell["source"], list) else source
        try:
            back = Notebook(data)
        except NotebookError as exc:
            raise Withheld("the fixed notebook would not read back: %s" % exc)
        if back.json != expected or back.text != new_text:
            raise Withheld("the fixed notebook would not read back as the fix wrote it")
        return data

    def diff(self, new_text, untouched, display):
        """A unified diff per changed cell, ``display:cell N`` in its header."""
        out = []
        for number, source in sorted(self.sources(new_text, untouched).items()):
            old = self.json["cells"][number - 1]["source"]
            name = "%s:cell %d" % (display, number)
            out.extend(difflib.unified_diff(_ended(_joined(old)), _ended(source), name, name))
        return "".join(out)


def _ended(text):
    lines = _LINES.findall(text)
    return [line if line.endswith(("\n", "\r")) else line + "\n" for line in lines]


def _check(nb):
    if not isinstance(nb, dict):
        raise NotebookError("not a notebook: the JSON is not an object")
    version = nb.get("nbformat")
    if version != 4:
        raise NotebookError("not an nbformat 4 notebook (nbformat: %s); convert it with "
                            "`jupyter nbconvert --to notebook`" % json.dumps(version))
    cells = nb.get("cells")
    if not isinstance(cells, list):
        raise NotebookError("not a notebook: no list of cells")
    for number, cell in enumerate(cells, 1):
        source = cell.get("source") if isinstance(cell, dict) else None
        if not isinstance(cell, dict) or not isinstance(cell.get("cell_type"), str) or not (
                isinstance(source, str)
                or isinstance(source, list) and all(isinstance(s, str) for s in source)):
            raise NotebookError("not a notebook: cell %d has no cell_type or no source "
                                "(a string or a list of strings)" % number)


def _joined(source):
    return source if isinstance(source, str) else "".join(source)


def _lines(text):
    """A source as nbformat stores it: lines, each keeping its line ending."""
    return _LINES.findall(text)


def _source_json(source, as_list, key_indent, unit, multiline, ascii_only, newline):
    def dump(value):
        return json.dumps(value, ensure_ascii=ascii_only)

    if not as_list:
        return dump(source)
    lines = _lines(source)
    if not lines:
        return "[]"
    if not multiline or unit is None:
        return "[" + ", ".join(dump(line) for line in lines) + "]"
    inner = newline + key_indent + unit
    return "[" + inner + ("," + inner).join(dump(line) for line in lines) + newline + key_indent \
        + "]"


def _indent_unit(raw):
    """The indentation of one level in this file (nbformat writes one space), or None when
    it is written on one line."""
    match = re.match(r"\s*\{\r?\n([ \t]*)\"", raw)
    return match.group(1) if match else None


def _skip(s, i):
    return _WS.match(s, i).end()


def _object(s, i):
    """(key, value start, value end) of each member of the JSON object at s[i]."""
    i = _skip(s, i + 1)
    if s[i] == "}":
        return
    while True:
        key, i = json.decoder.scanstring(s, i + 1)
        i = _skip(s, _skip(s, i) + 1)  # past the colon
        _, end = _DECODER.raw_decode(s, i)
        yield key, i, end
        i = _skip(s, end)
        if s[i] == "}":
            return
        i = _skip(s, i + 1)


def _array(s, i):
    i = _skip(s, i + 1)
    if s[i] == "]":
        return
    while True:
        _, end = _DECODER.raw_decode(s, i)
        yield i, end
        i = _skip(s, end)
        if s[i] == "]":
            return
        i = _skip(s, i + 1)


def _source_spans(raw):
    """[(start, end, indentation of its key line)] of each cell's "source" value in ``raw``."""
    start = [v for k, v, _ in _object(raw, _skip(raw, 0)) if k == "cells"][-1]
    out = []
    for cell_start, _ in _array(raw, start):
        span = None
        for key, value_start, value_end in _object(raw, cell_start):
            if key == "source":
                key_at = raw.rfind('"source"', cell_start, value_start)
                line_start = raw.rfind("\n", 0, key_at) + 1
                indent = raw[line_start:key_at]
                span = (value_start, value_end, indent if not indent.strip() else "")
        out.append(span)
    return out


def _by_spans(spans):
    """move(offset) -> where an original line start is now, or move(start, end) -> the new
    (start, end) of an original span no edit touched; None where an edit crossed it."""
    def move(start, end=None):
        if end is None:
            for s, e, at in spans:
                if s <= start < e:
                    return at + start - s
            for s, e, at in spans:
                if e == start:
                    return at + e - s
            return None
        for s, e, at in spans:
            if s <= start and end <= e:
                return at + start - s, at + end - s
        return None
    return move


def _by_lines(old, new):
    """move() for a text whose lines are the old ones, some longer at their ends."""
    old_lines, new_lines = _LINES.findall(old), _LINES.findall(new)
    if len(old_lines) != len(new_lines):
        raise Withheld("the number of lines changed")
    old_starts, new_starts, a, b = {}, [], 0, 0
    for k, (o, n) in enumerate(zip(old_lines, new_lines)):
        old_starts[a] = k
        new_starts.append(b)
        a, b = a + len(o), b + len(n)

    def move(start, end=None):
        k = old_starts.get(start)
        if k is None:
            return None
        if end is None:
            return new_starts[k]
        width = end - start
        if old[start:end] != new[new_starts[k]:new_starts[k] + width]:
            return None
        return new_starts[k], new_starts[k] + width
    return move


def placed(findings, notebook: Optional[Notebook]):
    """Findings in cell positions (engine errors without a module position stay)."""
    if notebook is None:
        return findings
    return [notebook.locate(f) for f in findings]

"""One file's way through the linter, the same in every process that lints:

    read (TFC901) -> decode (TFC903; a notebook: its code cells, TFC906) -> file-level noqa
    -> prefilter -> size limit (TFC905) -> parse (TFC902) -> every rule in one traversal
    -> line noqa -> fix loop -> write

The prefilter's second stage parses the file with Python's own parser; rules that read only
imports and dotted names run on that tree (tfcompat.lint.engine.names), and when they are the
only candidates libcst's parse and traversal are skipped.

The steps up to the parse need no libcst. The main process runs them (``read``, ``prepare``
with the byte scan) so that a file the cache or the prefilter answers starts no worker; a
worker process, or the flake8 plugin, runs the whole way (``process``), with the prefilter's
second stage (the names the code uses). Which rules run is decided here only
(``rules_to_run``).
"""
import dataclasses
import difflib
import hashlib

from tfcompat.lint.analysis import codenames
from tfcompat.lint.driver import files, notebook
from tfcompat.lint.engine import noqa, writeback
from tfcompat.lint.engine.results import (
    MAX_PARSE_BYTES,
    FileResult,
    NotApplied,
    ParseFailure,
    error,
)


class Answered(Exception):
    """The file's findings are known without a parse (an error, or no rule could fire)."""

    def __init__(self, findings, cacheable=True):
        super().__init__(findings)
        self.findings = findings
        self.cacheable = cacheable  # False: reading may succeed next time


def read(task):
    """(bytes, os.stat_result or None) of the task's file: the bytes it carries (stdin, or
    read by the main process) or read now. Raises Answered (TFC901) when it cannot be read."""
    if task.error:
        raise Answered([error("TFC901", "cannot read: " + task.error)], cacheable=False)
    if task.data is not None:
        return task.data, task.stat
    try:
        return files.read(task.path)
    except files.ReadError as exc:
        raise Answered([error("TFC901", "cannot read: %s" % exc)], cacheable=False)


def rules_to_run(could_fire, mode):
    """The codes of the rules to run, from those that could fire on the file: () when none
    could (no parse), None for every enabled rule. A fix can bring in what another rule looks
    for, so the fix loop lints each fixed text with every enabled rule (Linter.fix); adding
    noqa comments, and judging them (TFC001), need every rule's findings."""
    if not could_fire:
        return ()
    if mode == "add-noqa" or noqa.UNUSED_NOQA in could_fire:
        return None
    return tuple(could_fire)


def could_fire(data, enabled, prefilter, code_names=False):
    """The codes of the ``enabled`` rules that could fire on ``data``: ``prefilter`` scans the
    bytes for their tokens; with ``code_names``, the names the code uses are checked too."""
    return _candidates(data, enabled, prefilter, code_names)[0]


def _candidates(data, enabled, prefilter, code_names):
    """(could_fire's codes, the ast tree when Python's own parser read the file: the engine
    need not ask it again, and runs the names-only rules on it)."""
    codes = prefilter.rules_for(data, enabled)
    if codes and code_names:
        names = codenames.code_names(data)
        if names is not None:
            return prefilter.rules_in_code(names, codes), names.tree
    return codes, None


def is_notebook(task):
    return notebook.is_notebook(task.path or task.display)


def cache_bytes(task, data):
    """What the cache keys a file's findings by: its bytes, marked when they are read as a
    notebook (the same bytes read as Python have other findings)."""
    return b"ipynb\0" + data if is_notebook(task) else data


def prepare(data, mode, enabled, prefilter, code_names=False, is_notebook=False):
    """(decoded Source, or the read notebook.Notebook, codes for rules_to_run's answer, the ast
    tree when Python's parser read it) of a file to lint; raises Answered when the file needs no
    parse or cannot have one (``could_fire`` tells the arguments)."""
    if is_notebook:
        try:
            source = notebook.Notebook(data)
        except notebook.NotebookError as exc:
            raise Answered([error("TFC906", "cannot read: %s" % exc, exc.line, exc.col)])
        data = source.text.encode("utf-8")  # what the prefilter and the size limit look at
    else:
        try:
            source = files.decode(data)
        except files.DecodeError as exc:
            raise Answered([error("TFC903", "cannot decode: %s" % exc, exc.line)])
    if noqa.file_suppression(source.text) is noqa.ALL:
        raise Answered([])
    try:
        candidates, tree = _candidates(data, enabled, prefilter, code_names)
    except codenames.TooDeep:
        raise Answered([error("TFC904", "not parsed: nesting too deep for Python's own parser")])
    codes = rules_to_run(candidates, mode)
    if codes == ():
        raise Answered([])
    if len(data) > MAX_PARSE_BYTES:
        raise Answered([error("TFC905", "not parsed: %.1f MiB is over the %d MiB limit"
                              % (len(data) / 2 ** 20, MAX_PARSE_BYTES // 2 ** 20))])
    return source, codes, tree


def process(task, linter, mode):
    """Lint (mode "check"), fix in place ("fix"), diff ("diff") or add noqa comments in place
    ("add-noqa") to one file with ``linter`` (a tfcompat.lint.engine.linter.Linter); never raises.

    The cache is the main process's business (tfcompat.lint.driver.workers), not this."""
    try:
        data, stat = read(task)
    except Answered as answer:
        return FileResult(task.display, answer.findings)
    echo = data if (task.path is None and mode == "fix") else None
    source = None
    try:
        source, codes, tree = prepare(data, mode, linter.enabled, linter.prefilter,
                                      code_names=True, is_notebook=is_notebook(task))
        result = _run(linter.narrowed(codes), source.text, mode, tree)
    except Answered as answer:
        return FileResult(task.display, _placed(answer.findings, source), output=echo)
    if mode == "check":
        return FileResult(task.display, _placed(result, source), output=echo)
    return _finish_fix(task, data, stat, source, result, mode)


def _placed(findings, source):
    """Findings as reported: a notebook's in its cells."""
    if isinstance(source, notebook.Notebook):
        return [source.locate(f) for f in findings]
    return findings


def _run(linter, text, mode, tree=None):
    """Findings, or the FixResult of fixing or adding noqa comments; the engine's errors are
    answers."""
    try:
        if mode == "check":
            return linter.check(text, tree=tree)
        if mode == "add-noqa":
            return linter.add_noqa(text)
        return linter.fix(text, tree=tree)
    except ParseFailure as exc:
        raise Answered([error("TFC902", str(exc), exc.line, exc.col)])
    except RecursionError:
        raise Answered([error("TFC904", "crashed: nesting too deep to parse")])
    except Exception as exc:  # a bug in a rule or the parser must not end the run
        raise Answered([error("TFC904", "crashed: internal error %s: %s"
                              % (type(exc).__name__, exc))])


def _finish_fix(task, data, stat, source, result, mode):
    changed = result.text != source.text
    nb = source if isinstance(source, notebook.Notebook) else None
    try:
        if not changed:
            new_data = data
        elif nb is not None:
            new_data = nb.rebuild(result.text, result.untouched)
        elif result.untouched is None:
            new_data = source.encode(result.text)
        else:
            new_data = writeback.encode(data, source, result.text, result.untouched)
    except (writeback.Withheld, notebook.Withheld) as exc:
        before = result.before if result.before is not None else result.findings
        findings = [dataclasses.replace(f, fixable=False, not_applied=NotApplied.WITHHELD,
                                        reason=str(exc))
                    if f.fixable else f for f in _placed(before, source)]
        return FileResult(task.display, findings, 0, notes=result.notes + (
            "not fixed: %s; the file is left as it was" % exc,),
            output=data if task.path is None else None,
            digest=hashlib.sha256(cache_bytes(task, data)).hexdigest())
    out = FileResult(task.display, _placed(result.findings, notebook.Notebook(new_data)
                                           if nb is not None and changed else source),
                     result.fixed, notes=result.notes)
    if mode == "diff":
        if changed and nb is not None:
            out.diff = nb.diff(result.text, result.untouched, task.display)
        elif changed:
            out.diff = "".join(difflib.unified_diff(
                source.text.splitlines(True), result.text.splitlines(True),
                task.display, task.display))
        return out
    if task.path is None:
        out.output = new_data
    elif changed:
        try:
            files.write_atomic(task.path, new_data, stat)
        except files.ReadError as exc:
            return FileResult(task.display, [error("TFC901", "not fixed: %s" % exc)])
    # What the file holds now, for the cache.
    out.digest = hashlib.sha256(cache_bytes(task, new_data)).hexdigest()
    return out

"""The engine: read -> prefilter -> parse -> all rules in one traversal -> suppress -> fix loop.

``Linter`` works on text and is what the rule examples are tested with; ``process`` is the
whole pipeline for one file, as a worker process runs it (tfcompat.lint.workers).
"""
import dataclasses
import difflib
import hashlib
import re
from typing import Tuple

import libcst as cst

from tfcompat.lint import codenames, files, noqa, suppress
from tfcompat.lint.analysis import Context
from tfcompat.lint.results import (  # noqa: F401  (re-exported)
    ERRORS, MAX_PARSE_BYTES, SAFE, FileResult, Finding, Fix, Task, error)
from tfcompat.lint.prefilter import Prefilter
from tfcompat.lint.walk import walk

MAX_FIX_PASSES = 100
_ERROR_AT = re.compile(r"error at (\d+):(\d+)")


class ParseFailure(Exception):
    def __init__(self, message, line=1, col=1):
        super().__init__(message)
        self.line, self.col = line, col


def parse(text):
    try:
        return cst.parse_module(text)
    except cst.ParserSyntaxError as exc:
        first = str(exc.message).splitlines()[0] if exc.message else "syntax error"
        where = _ERROR_AT.search(first)
        line, col = (int(where.group(1)), int(where.group(2))) if where else (
            exc.raw_line, exc.raw_column + 1)
        first = re.sub(r"^parser error: error at \d+:\d+: ", "", first)
        if first.startswith("expected one of"):
            first = "invalid syntax"  # the parser's list of tokens helps no one
        text_line = text.splitlines()[line - 1] if 0 < line <= len(text.splitlines()) else ""
        if re.match(r"\s*(print|exec)\s+[^\s(=]", text_line):
            first += " (Python 2 code?)"
        raise ParseFailure("cannot parse: " + first, line, max(col, 1))


class _Dispatch:
    """Calls every rule's visit_X/leave_X for a node, keeping the ancestor stack."""

    def __init__(self, visits, leaves, context, comments):
        self.visits, self.leaves = visits, leaves
        self.ancestors = context.ancestors
        self.comments = comments
        self._cache = {}

    def _methods(self, kind, node_type):
        key = (kind, node_type)
        found = self._cache.get(key)
        if found is None:
            table = self.visits if kind == "visit" else self.leaves
            found = [fn for base in node_type.__mro__ for fn in table.get(base, ())]
            self._cache[key] = found
        return found

    def on_visit(self, node):
        self.ancestors.append(node)
        if type(node) is cst.Comment:
            self.comments.append(node)
        for fn in self._methods("visit", type(node)):
            fn(node)

    def on_leave(self, node):
        for fn in self._methods("leave", type(node)):
            fn(node)
        self.ancestors.pop()


@dataclasses.dataclass
class FixResult:
    text: str
    findings: list
    fixed: int = 0
    notes: Tuple[str, ...] = ()


class Linter:
    """A set of enabled rules with the settings their fixes depend on; reused for many files."""

    def __init__(self, rules, target_tf=None, unsafe_fixes=False, keras_target=None):
        self.rules = tuple(sorted(rules, key=lambda r: r.code))
        self.codes = frozenset(r.code for r in self.rules)
        self.target_tf = target_tf
        self.keras_target = keras_target
        self.unsafe_fixes = unsafe_fixes
        self._prefilter = Prefilter.of_rules(self.rules)
        self._codes = tuple(r.code for r in self.rules)
        self._hooks = [(cls, cls.hooks()) for cls in self.rules]
        self._narrow = {}  # codes -> Linter of those rules only

    def needs_parse(self, data):
        """Whether some rule could fire on these bytes: the byte scan, then the names of
        the code (see tfcompat.lint.prefilter)."""
        return self.for_bytes(data) is not None

    def for_bytes(self, data):
        """The linter to run on these bytes: None when no rule could fire, else this one or,
        where it can tell, one of only the rules that could (see tfcompat.lint.prefilter).
        Judging noqa comments (TFC001) needs every rule: then it is always this one."""
        codes = self._prefilter.rules_for(data, self._codes)
        if not codes:
            return None
        names = codenames.code_names(data)
        if names is not None:
            codes = self._prefilter.rules_in_code(names, codes)
            if not codes:
                return None
        if len(codes) == len(self._codes) or noqa.UNUSED_NOQA in self.codes:
            return self
        narrow = self._narrow.get(codes)
        if narrow is None:
            narrow = self._narrow[codes] = Linter(
                [r for r in self.rules if r.code in codes], self.target_tf, self.unsafe_fixes,
                self.keras_target)
        return narrow

    def lint(self, module, text):
        """Findings of every rule on a parsed module, suppressions applied, sorted."""
        context = Context(module, text, self.target_tf, self.keras_target)
        visits, leaves, noqa_checks = {}, {}, []
        for cls, hooks in self._hooks:
            rule = cls(context)
            if hasattr(rule, "check_noqa"):
                noqa_checks.append(rule.check_noqa)
            for kind, node_type, attr in hooks:
                table = visits if kind == "visit" else leaves
                table.setdefault(node_type, []).append(getattr(rule, attr))
        comments = []
        dispatch = _Dispatch(visits, leaves, context, comments)
        walk(module, dispatch.on_visit, dispatch.on_leave)
        findings = [self._finding(context, *report) for report in context.reports]
        noqa = [c for c in comments if "noqa" in c.value.lower()]
        if noqa and noqa_checks:
            # Rules judging the noqa comments themselves (TFC001) see every finding unsuppressed.
            reported = len(context.reports)
            for check in noqa_checks:
                check(noqa, tuple(findings), self.codes)
            findings += [self._finding(context, *r) for r in context.reports[reported:]]
        file_codes = suppress.file_suppression(text)
        lines = suppress.line_suppressions(
            (context.position(c).start.line, c.value) for c in noqa) if findings else {}
        findings = [f for f in findings if not suppress.suppressed(f, lines, file_codes)]
        return sorted(findings, key=lambda f: (f.line, f.col, f.code))

    def _finding(self, context, rule, node, message, edits, safety=None):
        rng = context.position(node)
        fix, fixable, hidden = None, False, ""
        if edits:
            if rule.fix is None:
                raise TypeError("%s reported a fix but declares fix = None" % rule.code)
            if not rule.fix_allowed(self.target_tf):
                hidden = "target-tf: the fix needs %s" % rule.fix_requirement()
            else:
                applicability = safety or rule.fix  # a report may only make it unsafe
                fix = Fix(applicability, tuple(sorted(edits, key=lambda e: (e.start, e.end))))
                fixable = applicability == SAFE or self.unsafe_fixes
                hidden = "" if fixable else "unsafe"
        return Finding(rule.code, rule.name, message, rng.start.line, rng.start.column + 1,
                       rng.end.line, rng.end.column + 1, fix, fixable, hidden)

    def check(self, text):
        return self.lint(parse(text), text)

    def add_noqa(self, text):
        """A `# noqa: CODE` for every finding (tfcompat.lint.noqa); the result must parse."""
        module = parse(text)
        findings = self.lint(module, text)
        if module.code != text:
            return FixResult(text, findings, 0, (
                "no noqa added: the parser cannot reproduce this file byte for byte",))
        new, added, notes = noqa.add(text, findings)
        new_module = _parses(new) if new != text else None
        if new_module is None:
            if new != text:
                notes += ("no noqa added: the result would not parse",)
            return FixResult(text, findings, 0, notes)
        return FixResult(new, self.lint(new_module, new), added, notes)

    def fix(self, text):
        """Apply fixes until none is left (at most MAX_FIX_PASSES passes), re-parsing each time.

        Fixes that overlap wait for the next pass; a pass whose result does not parse is redone
        fix by fix, and a fix that breaks the parse is dropped and noted, never applied."""
        original = text
        module = parse(text)
        if module.code != text:
            # libcst would not write this file back byte for byte (lone CR line ends, form feeds
            # between lines): report, never rewrite.
            return FixResult(text, self.lint(module, text), 0, (
                "not fixed: the parser cannot reproduce this file byte for byte "
                "(lone CR line endings or form feeds?)",))
        fixed, notes, broken = 0, [], set()
        for _ in range(MAX_FIX_PASSES):
            findings = self.lint(module, text)
            todo = [f for f in findings if f.fixable and _fix_key(text, f) not in broken]
            if not todo:
                return FixResult(text, findings, fixed, tuple(notes))
            chosen = _non_overlapping(todo)
            candidate = _apply(text, chosen)
            new_module = _parses(candidate)
            if new_module is None:
                kept = []
                for finding in chosen:
                    if _parses(_apply(text, kept + [finding])) is None:
                        broken.add(_fix_key(text, finding))
                        notes.append("%s fix at %d:%d dropped: its result does not parse"
                                     % (finding.code, finding.line, finding.col))
                    else:
                        kept.append(finding)
                if not kept:
                    continue
                chosen, candidate = kept, _apply(text, kept)
                new_module = parse(candidate)
            text, module, fixed = candidate, new_module, fixed + len(chosen)
        notes.append("not fixed: fixes did not settle after %d passes" % MAX_FIX_PASSES)
        return FixResult(original, self.lint(parse(original), original), 0, tuple(notes))


def _fix_key(text, finding):
    return finding.code, tuple((text[e.start:e.end], e.content) for e in finding.fix.edits)


def _non_overlapping(findings):
    """Fixes whose edits touch no other chosen fix's edits (end points included)."""
    chosen, taken = [], []
    for finding in sorted(findings, key=lambda f: (f.fix.edits[0].start, f.code)):
        spans = [(e.start, e.end) for e in finding.fix.edits]
        if any(s <= te and ts <= e for s, e in spans for ts, te in taken):
            continue
        chosen.append(finding)
        taken.extend(spans)
    return chosen


def _apply(text, findings):
    edits = sorted((e for f in findings for e in f.fix.edits), key=lambda e: e.start,
                   reverse=True)
    for edit in edits:
        text = text[:edit.start] + edit.content + text[edit.end:]
    return text


def _parses(text):
    try:
        return parse(text)
    except ParseFailure:
        return None


# ------------------------------------------------------------------------------ one file
def process(task, linter, mode):
    """Lint (mode "check"), fix in place ("fix"), diff ("diff") or add noqa comments in place
    ("add-noqa") to one file; never raises.

    The main process has read the file (``task.data``, ``task.stat``), looked it up in the
    cache and prefiltered it (tfcompat.lint.workers); the cache is its business, not this."""
    if task.error:
        return FileResult(task.display, [error("TFC901", "cannot read: " + task.error)])
    data, stat = task.data, task.stat
    if data is None:
        try:
            data, stat = files.read(task.path)
        except files.ReadError as exc:
            return FileResult(task.display, [error("TFC901", "cannot read: %s" % exc)])
    findings = _check(data, linter, mode)
    if isinstance(findings, tuple):
        return _finish_fix(task, data, stat, *findings, mode)
    echo = data if (task.path is None and mode == "fix") else None
    return FileResult(task.display, findings, output=echo)


def _check(data, linter, mode):
    """Findings of the file's bytes, or (Source, FixResult) when fixing; errors are findings."""
    try:
        source = files.decode(data)
    except files.DecodeError as exc:
        return [error("TFC903", "cannot decode: %s" % exc, exc.line)]
    if suppress.file_suppression(source.text) is suppress.ALL:
        return []
    narrow = linter.for_bytes(data)
    if narrow is None:
        return []
    if mode == "check":  # a fix can bring in what another rule looks for: fixing runs all
        linter = narrow
    if len(data) > MAX_PARSE_BYTES:
        return [error("TFC905", "not parsed: %.1f MiB is over the %d MiB limit"
                      % (len(data) / 2 ** 20, MAX_PARSE_BYTES // 2 ** 20))]
    try:
        if mode == "check":
            return linter.check(source.text)
        return source, (linter.add_noqa if mode == "add-noqa" else linter.fix)(source.text)
    except ParseFailure as exc:
        return [error("TFC902", str(exc), exc.line, exc.col)]
    except RecursionError:
        return [error("TFC904", "crashed: nesting too deep to parse")]
    except Exception as exc:  # a bug in a rule or the parser must not end the run
        return [error("TFC904", "crashed: internal error %s: %s" % (type(exc).__name__, exc))]


def _finish_fix(task, data, stat, source, result, mode):
    changed = result.text != source.text
    new_data = source.encode(result.text) if changed else data
    out = FileResult(task.display, result.findings, result.fixed, notes=result.notes)
    if mode == "diff":
        if changed:
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
    out.digest = hashlib.sha256(new_data).hexdigest()  # what the file holds now, for the cache
    return out

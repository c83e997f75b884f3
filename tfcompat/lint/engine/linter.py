"""The engine: parse -> all rules in one traversal -> noqa -> fix loop, on one file's text.

The fix loop (``Linter.fix``) applies the fixable findings' edits, parses the result and lints
it again, until nothing fixable is left.

``Linter`` is what the rule examples are tested with; the steps around it (read, decode,
prefilter, write) are tfcompat.lint.engine.pipeline's.
"""
import dataclasses
import re
from typing import Optional, Tuple

from tfcompat.lint.analysis.imports import Imports
from tfcompat.lint.analysis.prefilter import Prefilter
from tfcompat.lint.engine import names, noqa, walk, writeback
from tfcompat.lint.engine.context import Context
from tfcompat.lint.engine.results import SAFE, Finding, Fix, NotApplied, ParseFailure
from tfcompat.lint.engine.work import count
from tfcompat.lint.libcst_lazy import cst

MAX_FIX_PASSES = 100
_ERROR_AT = re.compile(r"error at (\d+):(\d+)")
# What Python 3 says of Python 2 code that libcst's grammar accepts.
_PYTHON2 = ("multiple exception types must be parenthesized", "Missing parentheses in call to")
# The same, where the parser only says "invalid syntax" (Python 3.9): a print or exec
# statement, or `except E, e:`.
_PYTHON2_LINE = re.compile(r"\s*((print|exec)\s+[^\s(=]|except\s+[^:(]+,\s*\w+\s*:)")


def parse(text, compiles=False, syntax_checked=False):
    """The libcst module of ``text``; ParseFailure unless libcst parses it and the running
    Python's parser accepts it (libcst accepts code that Python rejects: `except E, e:`), and
    with ``compiles`` its compiler too (a repeated keyword argument). Linting asks only the
    parser: code for another interpreter's ``__future__`` features is still read.
    ``syntax_checked``: the prefilter's parse (tfcompat.lint.analysis.codenames) already read it."""
    count("libcst parses")
    try:
        module = _parse_module(text)
    except cst.ParserSyntaxError as exc:
        # Python 2 code is named the same whichever libcst grammar refused it (older libcst
        # refuses `except E, e:` itself, newer ones leave it to Python's parser).
        _raise_if_python2(writeback.compile_error(text, syntax_only=True))
        first = str(exc.message).splitlines()[0] if exc.message else "syntax error"
        where = _ERROR_AT.search(first)
        line, col = (int(where.group(1)), int(where.group(2))) if where else (
            exc.raw_line, exc.raw_column + 1)
        first = re.sub(r"^parser error: error at \d+:\d+: ", "", first)
        if first.startswith("expected one of"):
            first = "invalid syntax"  # the parser's list of tokens helps no one
        text_line = text.splitlines()[line - 1] if 0 < line <= len(text.splitlines()) else ""
        if _PYTHON2_LINE.match(text_line):
            first += " (Python 2 code?)"
        raise ParseFailure("cannot parse: " + first, line, max(col, 1))
    error = None if syntax_checked and not compiles else writeback.compile_error(
        text, syntax_only=not compiles)
    if error is not None:
        _raise_if_python2(error)
        _raise_compile_error(error, "cannot compile: %s" % getattr(error, "msg", error))
    return module


# libcst checks every node it builds (CSTNode.__post_init__ calls _validate): a tenth of a
# parse, for nodes its own parser built valid. The parse goes without; nodes built anywhere
# else (a rule's fix) are still checked. Restored to the class's own, never to another
# thread's no-op (read on the first parse, before any no-op is put in its place).
_POST_INIT = []


def _unchecked(node):
    pass


def _parse_module(text):
    if not _POST_INIT:
        _POST_INIT.append(cst.CSTNode.__dict__.get("__post_init__"))
    own = _POST_INIT[0]
    if own is None:
        return cst.parse_module(text)
    cst.CSTNode.__post_init__ = _unchecked
    try:
        return cst.parse_module(text)
    finally:
        cst.CSTNode.__post_init__ = own


def _raise_if_python2(error):
    message = "cannot compile: %s" % getattr(error, "msg", error)
    if error is not None and any(marker in message for marker in _PYTHON2):
        _raise_compile_error(error, message + " (Python 2 code?)")


def _raise_compile_error(error, message):
    raise ParseFailure(message, getattr(error, "lineno", None) or 1,
                       max(getattr(error, "offset", None) or 1, 1))


class _Plan:
    """What the walk does at nodes of each type: every rule's visit_X/leave_X for it, or, for
    token subtrees (whitespace, comments, punctuation) no rule looks at, nothing: they are
    skipped (tfcompat.lint.engine.walk.traverse)."""

    def __init__(self, visits, leaves, tokens):
        self.visits, self.leaves, self.tokens = visits, leaves, tokens

    def __call__(self, node_type):
        if not self.tokens and walk.is_token(node_type):
            return None
        return ([fn for base in node_type.__mro__ for fn in self.visits.get(base, ())],
                [fn for base in node_type.__mro__ for fn in self.leaves.get(base, ())])


def _comments(module):
    """Every Comment node of ``module``, in walk order."""
    return walk.module_nodes(module, (cst.Comment,))


@dataclasses.dataclass
class FixResult:
    text: str
    findings: list
    fixed: int = 0
    notes: Tuple[str, ...] = ()
    untouched: Optional[writeback.Untouched] = None  # the original's spans no edit touched
    before: Optional[list] = None  # the original text's findings, when it was fixed


class Linter:
    """A set of enabled rules with the settings their fixes depend on; reused for many files."""

    def __init__(self, rules, target_tf=None, unsafe_fixes=False, keras_target=None):
        rules = sorted(rules, key=lambda r: r.code)
        self.codes = frozenset(r.code for r in rules)  # enabled, as noqa comments see it
        # The rules run: those that can fire under these settings.
        self.rules = tuple(r for r in rules if r.runs_under(target_tf, keras_target))
        self.target_tf = target_tf
        self.keras_target = keras_target
        self.unsafe_fixes = unsafe_fixes
        self.enabled = tuple(r.code for r in self.rules)  # the codes run, in order
        self._run = frozenset(self.enabled)
        self.prefilter = Prefilter.of_rules(self.rules)
        # Names-only rules run on the ast tree (tfcompat.lint.engine.names), the rest in the walk.
        self._name_rules = tuple(r for r in self.rules if hasattr(r, "check_names"))
        self._walked = tuple(cls for cls in self.rules if cls not in self._name_rules)
        self._hook_plan = None  # (their hooks, whether they look at tokens), on the first walk
        # Whether a rule looks at whitespace, comments or punctuation (else the walk skips them).
        self._narrow = {}  # codes -> Linter of those rules only
        self._all = self  # the linter of every enabled rule, which a fixed text is linted with

    def narrowed(self, codes):
        """The linter of only the rules ``codes`` (None: this one), built once."""
        if codes is not None:
            codes = tuple(c for c in codes if c in self._run)
        if codes is None or len(codes) == len(self.enabled):
            return self
        narrow = self._narrow.get(codes)
        if narrow is None:
            narrow = self._narrow[codes] = Linter(
                [r for r in self.rules if r.code in codes], self.target_tf, self.unsafe_fixes,
                self.keras_target)
            narrow._all = self._all
        return narrow

    def lint(self, module, text, tree=None):
        """Findings of every rule on a parsed module, suppressions applied, sorted. ``tree``:
        the text's ast tree, when the prefilter built it (else parsed when needed)."""
        context = Context(module, text, self.target_tf, self.keras_target, tree)
        visits, leaves, noqa_checks = {}, {}, []
        if self._hook_plan is None:  # resolving the node types loads libcst
            hooks = [(cls, cls.hooks()) for cls in self._walked]
            self._hook_plan = hooks, walk.wants_tokens(
                [node_type for _, found in hooks for _, node_type, _ in found])
        all_hooks, wants_tokens = self._hook_plan
        for cls, hooks in all_hooks:
            rule = cls(context)
            if hasattr(rule, "check_noqa"):
                noqa_checks.append(rule.check_noqa)
            for kind, node_type, attr in hooks:
                table = visits if kind == "visit" else leaves
                table.setdefault(node_type, []).append(getattr(rule, attr))
        nodes, calls = walk.traverse(module, _Plan(visits, leaves, wants_tokens),
                                     context.ancestors)
        count("nodes walked", nodes)
        count("rule hook calls", calls)
        # Comments matter only to a fix (which must keep them) and to noqa directives: they
        # are looked for then, in a walk of their own.
        has_noqa = "noqa" in text.lower()
        has_edits = any(r.edits for r in context.reports)
        comments = _comments(module) if has_noqa or ("#" in text and has_edits) else []
        noqa_comments = [c for c in comments if "noqa" in c.value.lower()] if has_noqa else []
        context.locate([r.node for r in context.reports]
                       + (comments if has_edits else noqa_comments))
        findings = [self._located(context, report) for report in context.reports]
        if comments and any(f.fix is not None for f in findings):
            findings = _keep_comments(findings, context, comments)
        if self._name_rules:
            # libcst's columns count in the code it writes back, which lacks a form feed
            # that indents a module-level line: only such files can differ.
            shown = module.code if "\f" in text else None
            findings += self._names_only(text, context.tree, context.imports, shown)
        if noqa_comments and noqa_checks:
            # Rules judging the noqa comments themselves (TFC001) see every finding unsuppressed.
            reported = len(context.reports)
            for check in noqa_checks:
                check(noqa_comments, tuple(findings), self.codes)
            findings += [self._located(context, r) for r in context.reports[reported:]]
        file_codes = noqa.file_suppression(text)
        lines = noqa.line_suppressions(
            (context.position(c).start.line, c.value) for c in noqa_comments) if findings else {}
        findings = [f for f in findings if not noqa.suppressed(f, lines, file_codes)]
        return sorted(findings, key=lambda f: (f.line, f.col, f.code))

    def _names_only(self, text, tree, imports, shown=None):
        """Findings of the names-only rules, unsuppressed (tfcompat.lint.engine.names)."""
        file = names.File(text, tree, imports, self.target_tf, self.keras_target, shown)
        out = []
        for report in names.run(self._name_rules, file):
            (line, col), (end_line, end_col) = (file.position(o) for o in report.node.span)
            out.append(self._finding(report, line, col, end_line, end_col))
        return out

    def _finding(self, report, line, col, end_line, end_col):
        """The Finding of a Report at (1-based line, 0-based column) to (end line, column)."""
        rule = report.rule
        fix, fixable, not_applied, reason = None, False, None, ""
        if report.edits:  # rule.fix_safety: the rule's FixSafety
            if rule.fix_safety is None:
                raise TypeError("%s reported a fix but declares fix = None" % rule.code)
            if not rule.fix_allowed(self.target_tf):
                not_applied = NotApplied.TARGET_TF
                reason = "the fix needs %s" % rule.fix_requirement()
            else:
                applicability = report.safety or rule.fix_safety  # a report may only make it unsafe
                fix = Fix(applicability,
                          tuple(sorted(report.edits, key=lambda e: (e.start, e.end))))
                fixable = applicability == SAFE or self.unsafe_fixes
                not_applied = None if fixable else NotApplied.UNSAFE
        return Finding(rule.code, rule.name, report.message, line, col + 1, end_line,
                       end_col + 1, fix, fixable, not_applied, reason, report.help)

    def _located(self, context, report):
        rng = context.position(report.node)
        return self._finding(report, rng.start.line, rng.start.column, rng.end.line,
                             rng.end.column)

    def check(self, text, syntax_checked=False, tree=None):
        """Findings on ``text``; ``tree``: its ast tree, when the prefilter built it (Python's
        parser accepted the text: no syntax check again). When every rule is names-only, no
        libcst parse: Python's parser alone reads the file."""
        # A form feed can move libcst's columns (names.File): such a file takes libcst's way.
        names_only = not self._walked and "\f" not in text
        if tree is None and names_only:
            tree = names.parse(text)
        if tree is not None and names_only:
            found = self._names_only(text, tree, Imports(tree))
            lines = names.noqa_lines(text) if found else {}
            if lines is not None:
                file_codes = noqa.file_suppression(text)
                return sorted((f for f in found if not noqa.suppressed(f, lines, file_codes)),
                              key=lambda f: (f.line, f.col, f.code))
        return self.lint(parse(text, syntax_checked=syntax_checked or tree is not None), text,
                         tree)

    def add_noqa(self, text):
        """A `# noqa: CODE` for every finding (tfcompat.lint.engine.noqa); the result must parse."""
        module = parse(text)
        findings = self.lint(module, text)
        if module.code != text:
            return FixResult(text, findings, 0, (
                "no noqa added: the parser cannot reproduce this file byte for byte",))
        new, added, notes = noqa.add(text, findings)
        new_module = _parses(new)[0] if new != text else None
        if new_module is None:
            if new != text:
                notes += ("no noqa added: the result would not parse",)
            return FixResult(text, findings, 0, notes)
        return FixResult(new, self.lint(new_module, new), added, notes)

    def fix(self, text, syntax_checked=False, tree=None):
        """The fix loop: apply fixes until none is left (at most MAX_FIX_PASSES passes),
        re-parsing each time.

        Fixes that overlap wait for the next pass; a pass whose result does not parse is redone
        fix by fix, and a fix that breaks the parse is dropped and noted, never applied.
        ``syntax_checked``: as for parse(); ``tree``: as for check()."""
        if not self._walked and tree is not None and "\r" not in text and "\f" not in text:
            # Only names-only rules, which never fix: the loop would end after linting the
            # original once. (libcst writes back every text without lone CRs or form feeds as
            # it was, so it would not have noted that either.)
            findings = self.check(text, tree=tree)
            return FixResult(text, findings, 0, (), writeback.Untouched(len(text)), findings)
        original = text
        module = parse(text, syntax_checked=syntax_checked or tree is not None)
        if module.code != text:
            # libcst would not write this file back byte for byte (lone CR line ends, form feeds
            # between lines): report, never rewrite.
            return FixResult(text, self.lint(module, text, tree), 0, (
                "not fixed: the parser cannot reproduce this file byte for byte "
                "(lone CR line endings or form feeds?)",))
        # A file the running Python compiles must still compile after every pass; of one it
        # does not (another interpreter's __future__ feature), the parser's word is asked.
        # Asked of the original at its first fix: most files have none.
        compiles = None
        fixed, notes, broken = 0, [], set()
        untouched, before = writeback.Untouched(len(text)), None
        for _ in range(MAX_FIX_PASSES):
            # The original, with this linter's rules (those that could fire on it); a fixed
            # text may hold what another rule looks for: every enabled rule.
            findings = (self if before is None else self._all).lint(
                module, text, tree if before is None else None)
            before = findings if before is None else before
            todo = [f for f in findings if f.fixable and _edits_key(text, f) not in broken]
            if not todo:
                return FixResult(text, findings, fixed, tuple(notes), untouched, before)
            if compiles is None:  # still the original text: nothing was applied yet
                compiles = writeback.compile_error(text) is None
            chosen = _non_overlapping(todo)
            candidate = _apply(text, chosen)
            new_module, _ = _parses(candidate, compiles)
            if new_module is None:
                kept = []
                for finding in chosen:
                    _, failure = _parses(_apply(text, kept + [finding]), compiles)
                    if failure is not None:
                        broken.add(_edits_key(text, finding))
                        notes.append("%s fix at %d:%d dropped: its result %s"
                                     % (finding.code, finding.line, finding.col, failure))
                    else:
                        kept.append(finding)
                if not kept:
                    continue
                chosen, candidate = kept, _apply(text, kept)
                new_module = parse(candidate, compiles)
            untouched.apply(e for f in chosen for e in f.fix.edits)
            text, module, fixed = candidate, new_module, fixed + len(chosen)
        notes.append("not fixed: fixes did not settle after %d passes" % MAX_FIX_PASSES)
        return FixResult(original, self.lint(parse(original), original), 0, tuple(notes))


def _edits_key(text, finding):
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


def _parses(text, compiles=False):
    """(module, None), or (None, what is wrong with ``text``)."""
    try:
        return parse(text, compiles), None
    except ParseFailure as exc:
        if str(exc).startswith("cannot compile: "):
            return None, "does not compile (%s)" % str(exc)[len("cannot compile: "):]
        return None, "does not parse"


def _keep_comments(findings, context, comments):
    """The findings, those whose fix would delete a comment made unfixable: a fix that
    deletes a comment is never safe, and no setting applies it (tfcompat.lint.engine.writeback)."""
    spans = sorted((context.offset(r.start), context.offset(r.end))
                   for r in (context.position(c) for c in comments))
    out = []
    for finding in findings:
        lost = writeback.lost_comments(context.text, finding.fix.edits, spans) if (
            finding.fix is not None) else ()
        if lost:
            finding = dataclasses.replace(finding, fixable=False,
                                          not_applied=NotApplied.WITHHELD,
                                          reason="the fix would delete a comment")
        out.append(finding)
    return out

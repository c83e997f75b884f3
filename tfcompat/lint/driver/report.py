"""Output formats: text, json, sarif (2.1.0), github (workflow annotations), and statistics."""
import collections
import hashlib
import json
import os
import pathlib
import re
import urllib.parse

import tfcompat
from tfcompat.lint.driver import files
from tfcompat.lint.engine.results import ERRORS, NotApplied

FORMATS = ("text", "concise", "json", "sarif", "github")
# GitHub code scanning rejects a run of more results than this (and shows the first 5,000 by
# severity): past it, the SARIF run keeps this many, errors first, and says how many it left out.
SARIF_MAX_RESULTS = 25000
SARIF_CATEGORY = "tfcompat/"  # runAutomationDetails.id: upload-sarif's `category` overrides it
FINGERPRINT = "tfcompatFinding/v1"  # our partialFingerprints key (GitHub computes its own too)
_LINE_ENDS = re.compile(r"\r\n|\r|\n")


def _all(results):
    return [(r.display, f) for r in results for f in r.findings]


def where(display, f):
    """`path:line:col`, or `notebook.ipynb:cell N:line:col` (as ruff writes them)."""
    cell = "cell %d:" % f.cell if f.cell is not None else ""
    return "%s:%s%d:%d" % (display, cell, f.line, f.col)


def line(display, f):
    """`path:line:col: CODE [*] message`, [*] when --fix would fix it."""
    return "%s: %s %s%s" % (where(display, f), f.code, "[*] " if f.fixable else "", f.message)


def with_help(f):
    """The message and the remedy in one sentence, for the formats that show one text (SARIF,
    GitHub annotations); the text format shows the remedy on a line of its own, JSON both
    apart."""
    return "%s; %s" % (f.message, f.help) if f.help else f.message


def text(results, fix_mode=False, with_summary=True, concise=False):
    """Each finding's line and, under it, its remedy (``help:``, as ruff shows it); ``concise``:
    the finding's line only."""
    lines = []
    for display, f in _all(results):
        lines.append(line(display, f))
        if f.help and not concise:
            lines.append("  help: " + f.help)
    if with_summary:
        lines.extend(summary(results, fix_mode))
    return "".join(text_ + "\n" for text_ in lines)


def summary(results, fix_mode=False):
    found = [f for _, f in _all(results)]
    errors = sum(f.is_error for f in found)
    remaining = len(found) - errors
    fixed = sum(r.fixed for r in results)
    if not remaining and not errors:
        return ["All checks passed!" if not fixed
                else "Found %d finding%s (%d fixed, 0 remaining)." % (fixed, _s(fixed), fixed)]
    out = []
    if remaining or fixed:
        out.append("Found %d finding%s%s." % (
            remaining + fixed, _s(remaining + fixed),
            " (%d fixed, %d remaining)" % (fixed, remaining) if fix_mode else ""))
    fixable = sum(f.fixable for f in found)
    if fixable:
        out.append("[*] %d fixable with `tfcompat lint --fix`." % fixable)
    unsafe = sum(f.not_applied is NotApplied.UNSAFE for f in found)
    if unsafe:
        out.append("%d more fix%s with --unsafe-fixes." % (unsafe, "es" if unsafe > 1 else ""))
    gated = collections.Counter(f.reason for f in found
                                if f.not_applied is NotApplied.TARGET_TF)
    for why, count in sorted(gated.items()):
        out.append("%d more fix%s with --target-tf (%s)." % (
            count, "es" if count > 1 else "", why))
    withheld = collections.Counter(f.reason for f in found
                                   if f.not_applied is NotApplied.WITHHELD)
    for why, count in sorted(withheld.items()):
        out.append("%d fix%s withheld: %s." % (count, "es" if count > 1 else "", why))
    if errors:
        out.append("%d file%s could not be linted." % (errors, _s(errors)))
    return out


def _s(n):
    return "" if n == 1 else "s"


def statistics(results):
    counts = collections.Counter()
    fixable = collections.defaultdict(bool)
    names = {}
    for _, f in _all(results):
        counts[f.code] += 1
        fixable[f.code] |= f.fixable
        names[f.code] = f.name
    rows = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return "".join("%5d  %s  %s %s\n" % (n, code, "[*]" if fixable[code] else "   ", names[code])
                   for code, n in rows)


def _location(line, col):
    return {"row": line, "column": col}


def as_json(results):
    out = []
    for display, f in _all(results):
        fix = None
        if f.fix is not None:
            fix = {"applicability": f.fix.applicability, "message": f.help or None,
                   "edits": [{"content": e.content, "location": _location(*e.location),
                              "end_location": _location(*e.end_location)}
                             for e in f.fix.edits]}
        out.append({"code": f.code, "name": f.name, "message": f.message, "help": f.help or None,
                    "filename": display, "cell": f.cell,
                    "location": _location(f.line, f.col),
                    "end_location": _location(f.end_line, f.end_col), "fix": fix})
    return json.dumps(out, indent=2) + "\n"


def _uri(display):
    path = pathlib.PurePath(display)
    if os.path.isabs(display):
        return pathlib.Path(display).as_uri()
    return urllib.parse.quote(path.as_posix())


def _region(line, col, end_line, end_col):
    return {"startLine": line, "startColumn": col, "endLine": end_line, "endColumn": end_col}


def descriptors():
    """(code, name, summary, help text, is_error) of every rule and engine diagnostic."""
    from tfcompat.lint import rules  # the rule docs: only SARIF output needs them

    out = [(cls.code, cls.name, cls.summary(), cls.doc(), False) for cls in rules.all_rules()]
    out += [(code, name, summary[0].upper() + summary[1:] + ".", text_, True)
            for code, (name, summary, text_) in sorted(ERRORS.items())]
    return out


def _source_lines(display):
    """{cell: its lines} of the file ``display`` names as it is now (cell None: a Python file),
    or None (standard input, gone, or no longer a notebook)."""
    from tfcompat.lint.driver import notebook

    try:
        data = files.read(display)[0]
        if notebook.is_notebook(display):
            return {cell.number: _LINE_ENDS.split(cell.source)
                    for cell in notebook.Notebook(data).cells}
        return {None: _LINE_ENDS.split(files.decode(data).text)}
    except (files.ReadError, files.DecodeError, notebook.NotebookError, OSError):
        return None


def fingerprints(results):
    """{id(finding): fingerprint}: a hash of the rule, the file and the text of the finding's
    line (its message where the file cannot be read), numbered among the findings sharing it.
    Lines moving above or below a finding leave its fingerprint as it was."""
    out = {}
    for result in results:
        lines = _source_lines(result.display) if result.findings else None
        seen = collections.Counter()
        for f in result.findings:
            # A notebook finding's line is its cell's: the text of that line, wherever the
            # cell moves.
            own = lines.get(f.cell) if lines is not None else None
            where = (own[f.line - 1].strip() if own is not None and 0 < f.line <= len(own)
                     else f.message)
            digest = hashlib.sha256("\0".join(
                (f.code, pathlib.PurePath(result.display).as_posix(), where)).encode(
                    "utf-8", "surrogatepass")).hexdigest()[:32]
            seen[digest] += 1
            out[id(f)] = "%s:%d" % (digest, seen[digest])
    return out


def documentation_url():
    """The `Documentation` URL of the installed tfcompat's metadata ([project.urls]), or None."""
    try:
        from importlib import metadata

        urls = metadata.metadata("tfcompat").get_all("Project-URL") or ()
    except Exception:  # not installed (a checkout on sys.path): no URL to give
        return None
    for entry in urls:
        label, _, url = entry.partition(",")
        if label.strip().lower() == "documentation" and url.strip():
            return url.strip()
    return None


def sarif_overflow(results):
    """How many findings a SARIF run leaves out (over SARIF_MAX_RESULTS)."""
    return max(0, sum(len(r.findings) for r in results) - SARIF_MAX_RESULTS)


def sarif(results):
    described = descriptors()
    index = {code: i for i, (code, *_rest) in enumerate(described)}
    docs = documentation_url()
    driver_rules = [dict({
        "id": code, "name": name,
        "shortDescription": {"text": short},
        "fullDescription": {"text": full},
        "help": {"text": full, "markdown": full},
        "defaultConfiguration": {"level": "error" if is_error else "warning"},
    }, **({"helpUri": "%s#%s" % (docs, code.lower())} if docs else {}))
        for code, name, short, full, is_error in described]
    printed = fingerprints(results)
    found = _all(results)
    left_out = sarif_overflow(results)
    if left_out:  # errors first, then the report's order
        order = sorted(range(len(found)), key=lambda i: (not found[i][1].is_error, i))
        found = [found[i] for i in sorted(order[:SARIF_MAX_RESULTS])]
    out = []
    for display, f in found:
        uri = _uri(display)
        result = {
            "ruleId": f.code, "ruleIndex": index[f.code],
            "level": "error" if f.is_error else "warning",
            "message": {"text": with_help(f)},
            "locations": [{"physicalLocation": {
                "artifactLocation": {"uri": uri},
                "region": _region(f.line, f.col, f.end_line, f.end_col)}}],
            "partialFingerprints": {FINGERPRINT: printed[id(f)]},
        }
        if f.cell is not None:  # a notebook: the region's lines are the cell's
            result["locations"][0]["properties"] = {"cell": f.cell}
        if f.fix is not None:
            result["fixes"] = [{
                "description": {"text": "%s fix for %s" % (f.fix.applicability, f.code)},
                "artifactChanges": [{
                    "artifactLocation": {"uri": uri},
                    "replacements": [{"deletedRegion": _region(*e.location, *e.end_location),
                                      "insertedContent": {"text": e.content}}
                                     for e in f.fix.edits]}]}]
        out.append(result)
    log = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "tfcompat", "version": tfcompat.__version__,
                                "rules": driver_rules}},
            "automationDetails": {"id": SARIF_CATEGORY},
            "columnKind": "unicodeCodePoints",
            "results": out,
        }],
    }
    if left_out:
        log["runs"][0]["invocations"] = [{
            "executionSuccessful": True,
            "toolExecutionNotifications": [{"level": "warning", "message": {"text": (
                "%d of %d results left out: GitHub code scanning takes at most %d per run"
                % (left_out, left_out + SARIF_MAX_RESULTS, SARIF_MAX_RESULTS))}}]}]
    return json.dumps(log, indent=2) + "\n"


def _escape(value, prop=False):
    value = value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return value.replace(":", "%3A").replace(",", "%2C") if prop else value


def github(results):
    lines = []
    for display, f in _all(results):
        props = "title=%s,file=%s,line=%d,col=%d,endLine=%d,endColumn=%d" % (
            _escape("tfcompat (%s)" % f.code, True), _escape(display, True), f.line, f.col,
            f.end_line, f.end_col)
        cell = "cell %d, line %d: " % (f.cell, f.line) if f.cell is not None else ""
        lines.append("::%s %s::%s" % ("error" if f.is_error else "warning", props,
                                       _escape("%s %s%s" % (f.code, cell, with_help(f)))))
    return "".join(line + "\n" for line in lines)


def render(results, fmt, fix_mode=False, with_summary=True):
    """The report in format ``fmt``; ``with_summary=False`` (--quiet): the text format's findings
    without the lines that sum them up."""
    if fmt == "json":
        return as_json(results)
    if fmt == "sarif":
        return sarif(results)
    if fmt == "github":
        return github(results)
    return text(results, fix_mode, with_summary, concise=fmt == "concise")

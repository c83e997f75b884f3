"""`# noqa` comments: the suppressions they make, and adding them.

Suppressions: `# noqa`, `# noqa: TFC102, TFC401` on the reported line, and `# tfcompat: noqa`
(optionally with codes) among the comments that open a file. Codes tfcompat does not know are
ignored, so one comment can serve several linters.

`tfcompat lint --add-noqa`: a `# noqa: CODE` at the end of every line with a finding.

For adopting tfcompat on a large codebase: today's findings are silenced where they are, new
ones are not, and TFC001 (unused-noqa) reports each directive once it is no longer needed. A
line that already has a `# noqa: ...` gets the new codes added to it. A line whose end lies
inside a string, or that continues with a backslash, cannot carry a comment: it is left as it
is and named in a note.
"""
import io
import re
import tokenize

_CODES = r"(?P<codes>[A-Za-z]+[0-9]+(?:[\s,]+[A-Za-z]+[0-9]+)*)"
NOQA = re.compile(r"#\s*noqa\b(?::\s*%s)?" % _CODES, re.I)
FILE_NOQA = re.compile(r"#\s*tfcompat:\s*noqa\b(?::\s*%s)?" % _CODES, re.I)

ALL = None  # a suppression without codes


def _codes(match):
    codes = match.group("codes")
    return ALL if codes is None else frozenset(c.upper() for c in re.split(r"[\s,]+", codes))


def file_suppression(text):
    """What `# tfcompat: noqa` in the header suppresses: ALL, a set of codes, or an empty set."""
    codes = set()
    for line in text.splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            break
        match = FILE_NOQA.search(stripped)
        if match:
            found = _codes(match)
            if found is ALL:
                return ALL
            codes |= found
    return frozenset(codes)


def line_suppressions(comments):
    """{line: ALL or codes} from (line, comment text) pairs."""
    lines = {}
    for line, text in comments:
        match = NOQA.search(text)
        if match:
            found = _codes(match)
            previous = lines.get(line, frozenset())
            lines[line] = ALL if found is ALL or previous is ALL else previous | found
    return lines


def suppressed(finding, lines, file_codes):
    if file_codes is ALL or finding.code in file_codes:
        return True
    if finding.line not in lines:
        return False
    codes = lines[finding.line]
    return codes is ALL or finding.code in codes


# -- --add-noqa ----------------------------------------------------------------------
UNUSED_NOQA = "TFC001"  # never silenced by a noqa of its own: the fix is to remove the comment
_LINES = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")
_SPANS_LINES = (tokenize.NEWLINE, tokenize.NL, tokenize.INDENT, tokenize.DEDENT,
                tokenize.ENDMARKER)


def targets(findings):
    """{line: sorted codes} that --add-noqa would silence."""
    by_line = {}
    for f in findings:
        if not f.is_error and f.code != UNUSED_NOQA:
            by_line.setdefault(f.line, set()).add(f.code)
    return {line: sorted(codes) for line, codes in by_line.items()}


def _scan(text):
    """({line: (column, comment)}, {line: why no comment can go at its end})."""
    comments, blocked = {}, {}
    lines = _LINES.findall(text)
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text, newline="").readline):
            if tok.type == tokenize.COMMENT:
                comments[tok.start[0]] = (tok.start[1], tok.string)
            elif tok.type not in _SPANS_LINES and tok.end[0] > tok.start[0]:
                for line in range(tok.start[0], tok.end[0]):
                    blocked[line] = "it ends inside a string"
    except (tokenize.TokenError, SyntaxError) as exc:
        return None, str(exc)
    for number, line in enumerate(lines, 1):
        if line.rstrip("\r\n").endswith("\\") and number not in comments:
            blocked.setdefault(number, "it ends with a backslash continuation")
    return comments, blocked


def add(text, findings):
    """(new text, number of lines given or extended a noqa, notes)."""
    wanted = targets(findings)
    if not wanted:
        return text, 0, ()
    comments, blocked = _scan(text)
    if comments is None:
        return text, 0, ("no noqa added: the tokenizer failed (%s)" % blocked,)
    lines = _LINES.findall(text)
    notes, added = [], 0
    for number, codes in sorted(wanted.items()):
        if number in blocked:
            notes.append("no noqa added for %s on line %d: %s"
                         % (", ".join(codes), number, blocked[number]))
            continue
        line = lines[number - 1]
        body = line.rstrip("\r\n")
        ending = line[len(body):]
        match = None
        if number in comments:
            column, comment = comments[number]
            match = NOQA.search(comment)
        if match is not None and match.group("codes") is not None:
            present = {c.upper() for c in re.split(r"[\s,]+", match.group("codes"))}
            new = [c for c in codes if c not in present]
            if not new:
                continue
            at = column + match.end("codes")
            body = body[:at] + ", " + ", ".join(new) + body[at:]
        elif match is not None:
            continue  # a bare `# noqa` silences everything already
        else:
            body = body.rstrip() + "  # noqa: " + ", ".join(codes)
        lines[number - 1] = body + ending
        added += 1
    return "".join(lines), added, tuple(notes)

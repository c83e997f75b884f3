"""`tfcompat lint --add-noqa`: a `# noqa: CODE` at the end of every line with a finding.

For adopting tfcompat on a large codebase: today's findings are silenced where they are, new
ones are not, and TFC001 (unused-noqa) reports each directive once it is no longer needed. A
line that already has a `# noqa: ...` gets the new codes added to it. A line whose end lies
inside a string, or that continues with a backslash, cannot carry a comment: it is left as it
is and named in a note.
"""
import io
import re
import tokenize

from tfcompat.lint.engine import suppress

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
            match = suppress.NOQA.search(comment)
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

"""Suppressions: `# noqa`, `# noqa: TFC102, TFC401` on the reported line, and `# tfcompat: noqa`
(optionally with codes) among the comments that open a file. Codes tfcompat does not know are
ignored, so one comment can serve several linters."""
import re

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

"""What ``--fix`` may write: guards between the fixed text and the file's bytes.

The fix loop edits decoded text. Three things can still go wrong between that text and disk,
and each is checked here rather than trusted:

- a codec that does not give back the bytes it decoded (``unicode_escape``, ``utf-7``, cp932's
  IBM extensions, a BOM, line endings): the file is rebuilt from its own bytes wherever no edit
  touched it (``Untouched`` follows those spans through every pass; ``encode`` splices), only
  the edited text is encoded, and the result must decode to exactly the fixed text;
- code that libcst parses and Python does not compile (a repeated keyword, ``except E, e:``):
  ``compile_error`` asks the running interpreter;
- comments inside the text an edit replaces that the replacement does not carry:
  ``lost_comments`` names them, and the engine withholds that fix (a fix that deletes a comment
  is never safe).
"""
import ast
import bisect
import codecs
import warnings

from tfcompat.lint.driver import files


class Withheld(Exception):
    """The fixed text cannot be written without changing bytes no edit touched."""


class Untouched:
    """The spans of the original text that no applied edit has touched, and where each one
    lies in the text now: ``spans`` is [(start, end) in the original, start now], in order."""

    def __init__(self, length):
        self.spans = [(0, length, 0)] if length else []

    def apply(self, edits):
        """Follow one pass of edits (``Edit``s in the coordinates of the text before the pass,
        none overlapping or touching another)."""
        edits = sorted((e.start, e.end, len(e.content) - (e.end - e.start)) for e in edits)
        ends = [end for _, end, _ in edits]
        shift = [0]
        for _, _, delta in edits:
            shift.append(shift[-1] + delta)
        spans = []
        for start, end, now in self.spans:
            a, b = now, now + (end - start)
            k = bisect.bisect_right(ends, a)  # edits ending at or before a: they shift it
            p = a
            while k < len(edits) and edits[k][0] < b:
                s, e, _ = edits[k]
                if s > p:
                    spans.append((start + p - a, start + s - a, p + shift[k]))
                p = max(p, e)
                k += 1
            if p < b:
                spans.append((start + p - a, end, p + shift[k]))
        self.spans = spans


def _byte_offsets(data, source, positions):
    """{character offset: byte offset in ``data``} for the sorted ``positions`` of
    ``source.text``: the byte where the character at that offset begins (after a BOM)."""
    text, encoding = source.text, source.encoding
    found = {}
    if encoding in ("utf-8", "utf-8-sig"):  # UTF-8 decodes and encodes one to one
        offset = 3 if encoding == "utf-8-sig" else 0
        previous = 0
        for p in positions:
            offset += len(text[previous:p].encode("utf-8"))
            found[p], previous = offset, p
        return found
    # Any other codec: feed the bytes one by one; a character begins where the decoder has
    # nothing pending and has given every character before it.
    wanted = sorted(set(positions))
    decoder = codecs.getincrementaldecoder(encoding)()
    emitted, w = 0, 0
    for i in range(len(data) + 1):
        if decoder.getstate()[0] == b"":
            while w < len(wanted) and wanted[w] < emitted:
                w += 1
            if w < len(wanted) and wanted[w] == emitted:
                found[emitted] = i  # the last such place wins: a BOM belongs before
        if i < len(data):
            emitted += len(decoder.decode(data[i:i + 1]))
    emitted += len(decoder.decode(b"", final=True))
    missing = [p for p in wanted if p not in found]
    if missing or emitted != len(text):
        raise Withheld("the %s codec does not map character %d of the file to a byte of it"
                       % (encoding, missing[0] if missing else emitted))
    return found


def _encode_piece(text, encoding):
    if text.isascii():
        # Written as plain ASCII wherever the codec reads it so: ``unicode_escape`` would
        # otherwise write a new line as the two characters backslash and n.
        raw = text.encode("ascii")
        try:
            if codecs.decode(raw, encoding) == text:
                return raw
        except (UnicodeError, LookupError, ValueError, TypeError):
            pass
    encoder = codecs.getincrementalencoder(encoding)()
    encoder.encode("")  # a BOM, where the codec writes one, is the file's business: not here
    return encoder.encode(text, final=True)


def encode(data, source, new_text, untouched):
    """The bytes of ``new_text``: ``data``'s own bytes for every untouched span, the edited
    text encoded in the file's codec; raises Withheld where the result would not decode to
    ``new_text`` in that codec (a codec whose state runs across an edit)."""
    spans = untouched.spans
    positions = sorted({p for start, end, _ in spans for p in (start, end)}
                       | {0, len(source.text)})
    try:
        offsets = _byte_offsets(data, source, positions)
    except (UnicodeError, LookupError, ValueError, TypeError) as exc:
        raise Withheld("the %s codec cannot say where its characters are: %s"
                       % (source.encoding, exc))
    pieces = [data[:offsets[0]]]  # a BOM before the first character
    now = 0
    try:
        for start, end, at in spans:
            if at > now:
                pieces.append(_encode_piece(new_text[now:at], source.encoding))
            pieces.append(data[offsets[start]:offsets[end]])
            now = at + (end - start)
        if now < len(new_text):
            pieces.append(_encode_piece(new_text[now:], source.encoding))
    except UnicodeError as exc:
        raise Withheld("the fix writes text that %s cannot encode: %s" % (source.encoding, exc))
    pieces.append(data[offsets[len(source.text)]:])
    new_data = b"".join(pieces)
    try:
        back = files.decode(new_data)
    except files.DecodeError as exc:
        raise Withheld("the fixed file would not decode as %s: %s" % (source.encoding, exc))
    if back.text != new_text or back.encoding != source.encoding:
        raise Withheld("the %s codec would not read the fixed file back as the fix wrote it"
                       % source.encoding)
    return new_data


def compile_error(text, path="<fixed>", syntax_only=False):
    """Why the running Python would not compile ``text`` (SyntaxError or ValueError), or None.
    Top-level ``await`` (notebooks exported as scripts) counts as compiling. ``syntax_only``:
    the parser's checks, not the compiler's (an unknown ``__future__`` feature, a repeated
    keyword argument)."""
    flags = ast.PyCF_ALLOW_TOP_LEVEL_AWAIT | (ast.PyCF_ONLY_AST if syntax_only else 0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # invalid escapes and the like: not ours to say
            compile(text, path, "exec", flags, dont_inherit=True)
    except SyntaxError as exc:
        return exc
    except ValueError as exc:  # NUL bytes: decode refuses those first
        return exc
    return None


def lost_comments(text, edits, comments):
    """The comments (``comments``: sorted (start, end) offsets in ``text``) inside the ranges
    that ``edits`` replace and found in none of their replacements."""
    starts = [s for s, _ in comments]
    removed = []
    for edit in edits:
        i = bisect.bisect_left(starts, edit.start)
        while i < len(comments) and comments[i][0] < edit.end:
            if comments[i][1] <= edit.end:
                removed.append(text[comments[i][0]:comments[i][1]])
            i += 1
    if not removed:
        return []
    replacement = "\n".join(e.content for e in edits)
    lost = []
    for comment in sorted(set(removed)):
        if replacement.count(comment) < removed.count(comment):
            lost.append(comment)
    return lost

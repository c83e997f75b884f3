"""What crosses process boundaries and the cache: findings, tasks, results, engine errors.

Nothing here imports libcst, so the main process can answer from the cache, read files and
prefilter them without loading the parser.
"""
import dataclasses
import enum
import os
from typing import Optional, Tuple


class FixSafety:
    """How far a fix can be trusted: the value of ``Rule.fix_safety`` and of ``Fix.applicability``
    (ruff's word, kept in the output). SAFE fixes are applied by --fix, UNSAFE ones only with
    --unsafe-fixes."""
    SAFE = "safe"
    UNSAFE = "unsafe"


SAFE, UNSAFE = FixSafety.SAFE, FixSafety.UNSAFE


@dataclasses.dataclass(frozen=True)
class Edit:
    """Replace text[start:end] (character offsets) with ``content``; positions are 1-based."""
    content: str
    start: int
    end: int
    location: Tuple[int, int]
    end_location: Tuple[int, int]

    def as_dict(self):
        return {"content": self.content, "start": self.start, "end": self.end,
                "location": list(self.location), "end_location": list(self.end_location)}

    @classmethod
    def from_dict(cls, d):
        return cls(d["content"], d["start"], d["end"], tuple(d["location"]),
                   tuple(d["end_location"]))


@dataclasses.dataclass(frozen=True)
class Fix:
    """A fix a finding offers: its FixSafety and the edits applied together."""
    applicability: str
    edits: Tuple[Edit, ...]


class NotApplied(enum.Enum):
    """Why a fix the rule has is not applied with these settings (``Finding.reason`` says
    more where the kind alone does not)."""
    UNSAFE = "unsafe"        # needs --unsafe-fixes
    TARGET_TF = "target-tf"  # needs a newer --target-tf; the reason names the TF
    WITHHELD = "withheld"    # the engine would not write it; the reason says why


@dataclasses.dataclass(frozen=True)
class Finding:
    """One reported problem: ``message`` says what is wrong, ``help`` what to do instead.
    ``fix`` is the fix offered for the target TF (None: none);
    ``fixable``: ``--fix`` would apply it with these settings; ``not_applied`` and ``reason``:
    why a fix the rule has is not applied (None: it is, or there is none)."""
    code: str
    name: str
    message: str
    line: int
    col: int
    end_line: int
    end_col: int
    fix: Optional[Fix] = None
    fixable: bool = False
    not_applied: Optional[NotApplied] = None
    reason: str = ""
    help: str = ""  # the remedy, apart from the message (ruff's fix title / help line)
    cell: Optional[int] = None  # a notebook's cell (1-based); line and columns are in it

    @property
    def is_error(self):
        return self.code.startswith("TFC9")

    def as_dict(self):
        d = dataclasses.asdict(self)
        if self.not_applied is not None:
            d["not_applied"] = self.not_applied.value
        if self.fix is not None:
            d["fix"] = {"applicability": self.fix.applicability,
                        "edits": [e.as_dict() for e in self.fix.edits]}
        return d

    @classmethod
    def from_dict(cls, d):
        d = dict(d)
        if d.get("not_applied") is not None:
            d["not_applied"] = NotApplied(d["not_applied"])
        if d.get("fix") is not None:
            d["fix"] = Fix(d["fix"]["applicability"],
                           tuple(Edit.from_dict(e) for e in d["fix"]["edits"]))
        return cls(**d)


# Diagnostics of the engine itself: the file could not be linted (exit code 2).
ERRORS = {
    "TFC901": ("io-error", "the file cannot be read",
               "It does not exist, is not a regular file (a directory, FIFO or device), is a "
               "symlink loop, has no read permission, or was deleted or changed during the run."),
    "TFC902": ("syntax-error", "the file does not parse",
               "It is not Python 3 as libcst's grammar reads it: a syntax error, or Python 2 "
               "code such as `print \"x\"`."),
    "TFC903": ("decode-error", "the file is not text in its encoding",
               "Binary data, NUL bytes, bytes that are not UTF-8 in a file without a PEP 263 "
               "coding cookie, or an unknown codec in the cookie."),
    "TFC904": ("parser-crash", "parsing the file crashed or ran out of time",
               "The process parsing it died (nesting far deeper than code people write "
               "overflows the parser's stack), hit the recursion limit, or ran past the time "
               "limit ($TFCOMPAT_FILE_TIMEOUT, 300 s); it was replaced and the run went on."),
    "TFC905": ("file-too-large", "the file is too large to parse",
               "It holds a token some rule looks for but is over 2 MiB, the most tfcompat "
               "parses: libcst takes about 1 GB of memory per MB of source."),
    "TFC906": ("notebook-error", "the notebook cannot be read",
               "A *.ipynb file that is not UTF-8 JSON, or not an nbformat 4 notebook (every "
               "cell a cell_type and a source); it is never written."),
}
MAX_PARSE_BYTES = 2 * 1024 * 1024  # libcst: ~1 GB of memory per MB parsed


def error(code, message, line=1, col=1):
    return Finding(code, ERRORS[code][0], message, line, col, line, col)


class ParseFailure(Exception):
    """The parser refused the text (TFC902), at ``line``, ``col`` (1-based)."""

    def __init__(self, message, line=1, col=1):
        super().__init__(message)
        self.line, self.col = line, col


@dataclasses.dataclass(frozen=True)
class Task:
    index: int
    path: Optional[str]          # None: ``data`` came from stdin
    display: str
    settings: int                # index into the run's settings table
    data: Optional[bytes] = None
    error: str = ""              # discovery already knows it cannot be read
    stat: Optional[os.stat_result] = None  # when ``data`` was read from ``path``
    codes: Optional[Tuple[str, ...]] = None  # the rules to run, when not all of the settings'


@dataclasses.dataclass
class FileResult:
    display: str
    findings: list
    fixed: int = 0
    diff: str = ""
    output: Optional[bytes] = None  # stdin with --fix: the source to print
    notes: Tuple[str, ...] = ()
    digest: Optional[str] = None    # --fix: SHA-256 of the file as written, for the cache



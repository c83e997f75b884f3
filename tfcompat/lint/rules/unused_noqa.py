import itertools
import re

from tfcompat.lint.engine import noqa
from tfcompat.lint.libcst_lazy import cst
from tfcompat.lint.rule import SAFE, Invalid, Rule, Run

_OURS = re.compile(r"TFC\d+")


class UnusedNoqa(Rule):
    """
    ## What it does
    Finds `# noqa: TFCnnn` comments naming a tfcompat code that suppresses nothing on its line.

    ## Why is this bad?
    A `noqa` outlives the code it was written for: once the line is fixed or rewritten, the
    comment stays and would silence a new finding of that rule on the line without anyone
    deciding so. Stale codes also make `tfcompat lint --add-noqa` baselines harder to pay off,
    since nobody can tell which entries still matter.

    Judged: codes of tfcompat's form (`TFC` and digits) in a `# noqa: ...` comment. A code is
    unused when its rule is enabled for the file and reports nothing starting on the comment's
    line, or when no rule has that code (a typo, a rule renamed). A code whose rule is not
    enabled for the file (`--select`, `ignore`, `per-file-ignores`) is not judged: that rule did
    not run, so `tfcompat lint --select TFC001 --fix` never strips the project's noqa comments.
    Codes of other tools (`E501`), a bare `# noqa`, `# noqa: TFC001` and the file-level
    `# tfcompat: noqa` are left alone.

    ## Example
    ```python
    iterator = tf.compat.v1.data.make_one_shot_iterator(dataset)  # noqa: TFC999
    ```

    ## Use instead
    ```python
    iterator = tf.compat.v1.data.make_one_shot_iterator(dataset)
    ```

    ## Fix safety
    Safe: it removes only the unused codes, keeping the others (`# noqa: E501, TFC102` becomes
    `# noqa: E501`), and the whole `noqa` directive when it held nothing else; any other
    comment text on the line stays.

    ## Versions
    Any: it reads comments only. Its rewrite is run, original and fixed, in the oldest and the
    newest cells (`tf13-keras206`, `tf221`).
    """

    code = "TFC001"
    name = "unused-noqa"
    message = "`noqa` suppresses nothing: {detail}"
    help = "remove the unused code from the `noqa` comment"
    # The prefilter matches whole names, case and all: `# noqa: TFC102` holds the name "noqa"
    # in one of its 16 spellings (any case is a noqa directive); a bare `# noqa` is not judged.
    tokens = tuple("".join(c) for c in itertools.product(*zip("noqa", "NOQA")))
    fix_safety = SAFE

    # The examples run TFC001 alone, so only unknown codes can be unused in them; codes of
    # real rules are tested with every rule enabled in tests/lint/test_unused_noqa.py.
    VALID = [
        "x = 1  # noqa: E501",
        "x = 1  # noqa: TFC102",  # TFC102 is not enabled here: not judged
        "x = 1  # noqa",
        "x = 1  # noqa: TFC001",
        "x = 1  # a comment about TFC102",
        # Inside a string it is not a comment.
        'x = "# noqa: TFC102"',
    ]
    INVALID = [
        Invalid("result = [1.0, 2.0]  # noqa: TFC999\n", at=(1, 22),
                fixed="result = [1.0, 2.0]\n",
                run=Run(original=("tf13-keras206", "tf221"), fixed=("tf13-keras206", "tf221"),
                        result=[2])),
        Invalid("x = 1  # noqa: E501, TFC999\n", at=(1, 8), fixed="x = 1  # noqa: E501\n"),
        Invalid("x = 1  # noqa:tfc999,E501\n", at=(1, 8), fixed="x = 1  # noqa:E501\n"),
        Invalid("x = 1  # NoQA: E501, TFC999\n", at=(1, 8), fixed="x = 1  # NoQA: E501\n"),
        Invalid("x = 1  # type: ignore  # noqa: TFC999\n", at=(1, 8),
                fixed="x = 1  # type: ignore\n"),
        Invalid("x = 1  # noqa: TFC999 -- old loop\n", at=(1, 8), fixed="x = 1  # old loop\n"),
        Invalid(
            """
            def f():
                # noqa: TFC999
                return 1
            """,
            at=(2, 5),
            fixed="""
            def f():
                return 1
            """),
    ]

    def check_noqa(self, comments, findings, enabled):
        from tfcompat.lint import rules  # the registry imports this module

        known = {cls.code for cls in rules.all_rules()}
        found = {(f.line, f.code) for f in findings}
        for comment in comments:
            match = noqa.NOQA.search(comment.value)
            if not match or match.group("codes") is None:
                continue
            line = self.context.position(comment).start.line
            keep, unused, unknown = [], [], []
            for code in re.split(r"[\s,]+", match.group("codes")):
                upper = code.upper()
                if upper in enabled and upper != self.code and (line, upper) not in found:
                    unused.append(upper)
                elif _OURS.fullmatch(upper) and upper not in known:
                    unknown.append(upper)
                else:
                    keep.append(code)
            if not (unused or unknown):
                continue
            detail = "; ".join(text % ", ".join(codes) for text, codes in (
                ("no %s finding on this line", unused), ("%s is no tfcompat rule", unknown))
                if codes)
            self.report(comment, detail=detail, edits=[self._without(comment, match, keep)])

    def _without(self, comment, match, keep):
        """The edit taking the unused codes out of ``comment``."""
        value = comment.value
        if keep:
            start, end = match.span("codes")
            return self.replace(comment, value[:start] + ", ".join(keep) + value[end:])
        before = value[:match.start()].rstrip()
        after = value[match.end():].strip().lstrip("-:;,").strip()
        if before or after:
            return self.replace(comment, before + ("  # " if before and after else
                                                   "# " if after else "") + after)
        # Nothing left: remove the comment and the blanks before it (the line, if that is all).
        rng = self.context.position(comment)
        line_text = self.context.line_text(rng.start.line)
        if not line_text[:rng.start.column].strip():
            starts = self.context.line_starts()
            next_line = rng.start.line + 1
            position = cst.metadata.CodePosition
            if next_line <= len(starts):
                return self._edit(position(rng.start.line, 0), position(next_line, 0), "")
            return self._edit(position(rng.start.line, 0), rng.end, "")
        blanks = len(line_text[:rng.start.column]) - len(line_text[:rng.start.column].rstrip())
        return self._edit(cst.metadata.CodePosition(rng.start.line, rng.start.column - blanks),
                          rng.end, "")

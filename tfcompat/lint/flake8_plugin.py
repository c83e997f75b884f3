"""flake8 plugin: `flake8 --select TFC` reports what `tfcompat lint` reports, without fixes.

Registered as the `flake8.extension` entry point `TFC`. The rules, per-file-ignores and
target-tf come from `[tool.tfcompat]` exactly as for `tfcompat lint`; flake8 chooses the files
and applies its own `# noqa` on top. The file is linted in flake8's process (flake8 has already
parsed it with `ast`, which refuses the nesting depths that could crash libcst).

Importable on every Python the package supports: below 3.9 (no libcst) it reports nothing.
"""
import io
import os
import sys
import tokenize

import tfcompat


def _source_bytes(lines):
    """The file's bytes again from flake8's decoded lines, in the encoding its cookie names."""
    text = "".join(lines)
    raw = text.encode("utf-8", "surrogateescape")
    try:
        encoding = tokenize.detect_encoding(io.BytesIO(raw).readline)[0]
        return text.encode(encoding)
    except (SyntaxError, LookupError, UnicodeError):
        return raw


class Plugin:
    name = "tfcompat"
    version = tfcompat.__version__

    # One per flake8 process: pyproject.toml files are read once, linters built once.
    _resolver = None
    _linters = {}

    def __init__(self, tree, filename, lines):
        # ``tree`` (flake8's ast) is unused: asking for it makes this a tree plugin.
        self.filename = filename
        self.lines = lines

    def run(self):
        if sys.version_info < (3, 9):
            return
        for finding in self._findings():
            yield (finding.line, finding.col - 1, "%s %s" % (finding.code, finding.message),
                   type(self))

    def _findings(self):
        import dataclasses  # not on Python 3.6

        from tfcompat.lint import rules
        from tfcompat.lint.driver import config
        from tfcompat.lint.engine import pipeline
        from tfcompat.lint.engine.linter import Linter
        from tfcompat.lint.engine.results import Task

        cls = type(self)
        if pipeline.is_notebook(Task(0, None, self.filename, 0)):
            return []  # flake8 hands over a notebook's JSON lines: `tfcompat lint` reads those
        if cls._resolver is None:
            cls._resolver = config.Resolver()
        codes = [rule.code for rule in rules.all_rules()]
        path = self.filename if self.filename not in ("-", "stdin") else "stdin.py"
        project = cls._resolver.project_for(os.path.dirname(os.path.abspath(path)))
        settings = project.settings(path, config.Options(), codes)
        linter = cls._linters.get(settings)
        if linter is None:
            by_code = {rule.code: rule for rule in rules.all_rules()}
            # The file's settings, less the rule codes, are the Linter's keyword arguments.
            options = dataclasses.asdict(settings)
            codes = options.pop("codes")
            linter = cls._linters[settings] = Linter([by_code[c] for c in codes],
                                                            **options)
        task = Task(0, None, self.filename, 0, _source_bytes(self.lines))
        return pipeline.process(task, linter, "check").findings

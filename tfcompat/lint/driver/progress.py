"""A progress bar on stderr for runs long enough to want one, only where a person watches.

Shown when stderr is a terminal and the run is not ``--quiet``: always when files are
rewritten (``--fix``, ``--add-noqa``), else from MIN_FILES files on. Drawn by tqdm; without
tqdm installed, runs go on without a bar.
"""
import contextlib
import sys

MIN_FILES = 300  # fewer files are linted before a bar would tell anything
WRITING_MODES = ("fix", "add-noqa")


def wanted(total, mode, quiet, stream=None):
    stream = sys.stderr if stream is None else stream
    if quiet or not _isatty(stream):
        return False
    return mode in WRITING_MODES or total >= MIN_FILES


def _isatty(stream):
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # replaced or closed stream
        return False


@contextlib.contextmanager
def bar(total, mode, quiet):
    """Yields a callable advancing the bar by one finished file, or None when none is shown."""
    if not wanted(total, mode, quiet):
        yield None
        return
    try:
        from tqdm import tqdm
    except ImportError:
        yield None
        return
    label = "tfcompat lint --fix" if mode == "fix" else "tfcompat lint"
    # leave=False: the bar is erased at the end, so the report below it reads as without one.
    with tqdm(total=total, desc=label, unit="file", file=sys.stderr, leave=False,
              dynamic_ncols=True) as shown:
        yield lambda result: shown.update(1)

"""The bundled example project, and the README showing what linting it prints."""
import os
import re
import shutil

from lint_helpers import run_tfcompat

from tfcompat.lint import rules
from tfcompat.lint.engine.results import ERRORS

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def _readme():
    with open(os.path.join(ROOT, "README.md")) as handle:
        return handle.read()


def test_readme_shows_the_real_output_of_linting_the_examples(tmp_path):
    run = run_tfcompat("lint", "examples/", cwd=ROOT,
                       env={"TFCOMPAT_CACHE_DIR": str(tmp_path / "cache")})
    assert run.returncode == 1, run
    shown = re.search(r"\$ tfcompat lint examples/\n(.*?)```", _readme(), re.S).group(1)
    assert run.stdout == shown
    codes = {line.split()[1] for line in run.stdout.splitlines() if ": TFC" in line}
    # The seed's patterns, each reported (examples/pyproject.toml targets TF 1.15).
    # TF 2's removals count at that target too: it is the oldest TF the code must run on.
    assert codes == {"TFC101", "TFC102", "TFC103", "TFC201", "TFC301", "TFC401", "TFC402",
                     "TFC403", "TFC404", "TFC405", "TFC501", "TFC505"}


def test_fixing_a_copy_of_the_examples_leaves_nothing_to_fix(tmp_path):
    shutil.copytree(os.path.join(ROOT, "examples"), tmp_path / "examples")
    fixable = ("--select", "TFC102,TFC401")
    run = run_tfcompat("lint", "examples", "--fix", *fixable, cwd=tmp_path)
    assert run.returncode == 0, run
    assert "(7 fixed, 0 remaining)" in run.stdout
    run = run_tfcompat("lint", "examples", "--no-cache", *fixable, cwd=tmp_path)
    assert run.returncode == 0, run


def test_readme_lists_every_rule_and_engine_diagnostic():
    readme = _readme()
    for cls in rules.all_rules():
        assert "| %s | %s |" % (cls.code, cls.name) in readme
    for code, (name, _, _) in ERRORS.items():
        assert "| %s | %s |" % (code, name) in readme

"""The linter's work, counted (tfcompat.lint.engine.work), on a fixed corpus: the examples and the
real-shaped modules of tests/lint/work_sample. Counts are the same on every machine and run,
so they are held to the committed values of work_counts.json exactly: a change that makes
files take the expensive path (a libcst parse, a whole-module walk, a full position pass,
more hook calls) fails here, where a timing would only be noise.

When rules or analyses change the counts on purpose, rerun bench/lint.py (README, Lint speed)
and rewrite the expected values:

    TFCOMPAT_UPDATE_WORK_COUNTS=1 pytest tests/lint/test_work.py
"""
import json
import os

import pytest

from tfcompat.lint import rules
from tfcompat.lint.driver.target import parse_target
from tfcompat.lint.engine import pipeline, work
from tfcompat.lint.engine.linter import Linter
from tfcompat.lint.engine.results import Task

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
EXPECTED = os.path.join(HERE, "work_counts.json")
UPDATE = os.environ.get("TFCOMPAT_UPDATE_WORK_COUNTS") == "1"
# (settings name, target-tf, mode): a plain check, the examples' own target, and --diff.
SETTINGS = [("check", None, "check"), ("check, target-tf 1.15", "1.15", "check"),
            ("diff, target-tf 1.15", "1.15", "diff")]


def corpus():
    paths = [os.path.join("examples", n) for n in os.listdir(os.path.join(ROOT, "examples"))]
    paths += [os.path.join("tests", "lint", "work_sample", n) for n in os.listdir(
        os.path.join(HERE, "work_sample"))]
    return sorted(p.replace(os.sep, "/") for p in paths if p.endswith(".py"))


def measure():
    """{settings name: {file: {step: count}}}, each file linted alone in this process."""
    out = {}
    for name, target, mode in SETTINGS:
        linter = Linter(rules.all_rules(), parse_target(target) if target else None)
        per_file = out[name] = {}
        for i, path in enumerate(corpus()):
            with open(os.path.join(ROOT, path), "rb") as handle:
                data = handle.read()
            before = dict(work.COUNTS)
            result = pipeline.process(Task(i, None, path, 0, data=data), linter, mode)
            assert not [f for f in result.findings if f.code.startswith("TFC9")], result
            per_file[path] = {step: n - before.get(step, 0) for step, n in work.COUNTS.items()
                              if n != before.get(step, 0)}
    return out


def test_work_counts_match_the_committed_values():
    measured = measure()
    if UPDATE:
        with open(EXPECTED, "w") as handle:
            json.dump(measured, handle, indent=1, sort_keys=True)
            handle.write("\n")
    with open(EXPECTED) as handle:
        expected = json.load(handle)
    for name in expected:
        for path in expected[name]:
            assert measured[name].get(path) == expected[name][path], (
                "%s, %s: work counted differently (see this test's docstring)" % (name, path))
    assert measured == expected


@pytest.mark.parametrize("path", ["tests/lint/work_sample/text_utils.py",
                                  "tests/lint/work_sample/notes.py",
                                  "tests/lint/work_sample/framework_internals.py"])
def test_files_no_rule_can_fire_on_are_never_parsed(path):
    # text_utils.py holds no rule's token; notes.py holds them in its docstring, comments and
    # strings only (the prefilter's second stage); framework_internals.py names them in its
    # code but imports nothing their qualified names go through (Rule.modules, prefilter.via).
    counts = measure()["check"][path]
    assert counts == {}, counts


def test_a_file_whose_findings_are_near_its_top_needs_no_whole_position_pass():
    counts = measure()["check"]["tests/lint/work_sample/decode_input.py"]
    assert counts["libcst parses"] == 1
    assert counts.get("position passes, stopped early") == 1
    assert "position passes" not in counts


@pytest.mark.parametrize("path", ["tests/lint/work_sample/mnist_reader.py",
                                  "tests/lint/work_sample/compat_v1_trainer.py"])
def test_a_file_only_names_only_rules_could_fire_on_is_never_parsed_by_libcst(path):
    # mnist_reader.py's one candidate rule is TFC408, which reads names only (and never
    # fixes): Python's own parser (the prefilter's tree) serves it, in --diff too.
    # compat_v1_trainer.py names sessions, iterators and TF 1 names in a compat.v1 module:
    # their rules' own conditions (Rule.may_fire) leave only TFC408 to it.
    measured = measure()
    for name in ("check", "check, target-tf 1.15", "diff, target-tf 1.15"):
        assert measured[name][path] == {"names-only rule runs": 1}, name


def test_libcst_parses_only_the_files_a_libcst_rule_could_fire_on():
    # Of the corpus, those the names-only path cannot serve; if every file that passes the
    # prefilter went through libcst again, mnist_reader.py would be among them.
    parsed = sorted(path for path, counts in measure()["check"].items()
                    if counts.get("libcst parses"))
    assert parsed == [
        "examples/pipeline.py", "examples/session_generator.py", "examples/tensor_input.py",
        "tests/lint/work_sample/decode_input.py", "tests/lint/work_sample/estimator_model.py",
        "tests/lint/work_sample/keras_train.py", "tests/lint/work_sample/session_loop.py"]


_LOADS_LIBCST = """
import sys
from tfcompat.lint import rules
from tfcompat.lint.analysis import codenames
from tfcompat.lint.driver.target import parse_target
from tfcompat.lint.engine import pipeline
from tfcompat.lint.engine.linter import Linter

linter = Linter(rules.all_rules(), parse_target("2.21"))
data = sys.stdin.buffer.read()
codes, tree = pipeline._candidates(data, linter.enabled, linter.prefilter, True)
found = linter.narrowed(codes).check(data.decode(), tree=tree) if codes else []
print(sorted(set(f.code for f in found)), "libcst" in sys.modules)
"""


@pytest.mark.parametrize("source,expected", [
    # Only a names-only rule can fire (TFC408): no libcst, from the registry to the findings.
    ("from tensorflow import estimator\nest = estimator.LinearClassifier(cols)\n",
     "['TFC408'] False"),
    # A rule that walks libcst's tree can fire: it is loaded then.
    ("import tensorflow as tf\nit = ds.make_one_shot_iterator()\n", "['TFC401'] True"),
])
def test_libcst_is_loaded_only_for_a_file_that_needs_its_parse(source, expected):
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-c", _LOADS_LIBCST], input=source.encode(),
                         capture_output=True, check=True, timeout=120)
    assert out.stdout.decode().strip() == expected, out.stderr.decode()

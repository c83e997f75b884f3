"""The runnable INVALID examples (``Invalid(..., run=Run(...))``), exported for the TF cells.

The TF 1 cells run Python 3.6/3.7, where libcst (and so the rules) cannot be imported: they read
the programs, original and fixed, from tests/runtime/rewrite_programs.json. This test keeps that
file equal to the rules' examples, whose ``fixed`` text test_rule_examples.py checks to be
exactly what `tfcompat lint --fix` writes. Regenerate it with
``TFCOMPAT_WRITE_PROGRAMS=1 pytest tests/lint/test_rewrite_programs.py``.
"""
import configparser
import json
import os

from tfcompat.lint import rules

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
PROGRAMS = os.path.join(ROOT, "tests", "runtime", "rewrite_programs.json")


def programs():
    found = []
    for cls in rules.all_rules():
        for i, example in enumerate(cls.INVALID):
            if example.run is None:
                continue
            program = {
                "id": "%s-%d" % (cls.code, i), "rule": cls.code, "target_tf": example.target_tf,
                "source": example.source, "fixed": example.fixed,
                "original_cells": list(example.run.original),
                "broken_cells": list(example.run.broken),
                "fixed_cells": list(example.run.fixed), "result": example.run.result}
            if example.keras_target:
                program["keras_target"] = example.keras_target
            found.append(program)
    return found


def _cells():
    parser = configparser.ConfigParser()
    parser.read(os.path.join(ROOT, "tox.ini"))
    return {c.strip() for c in parser["tox"]["envlist"].split(",")}


def test_exported_programs_are_current():
    current = json.dumps(programs(), indent=1, sort_keys=True) + "\n"
    if os.environ.get("TFCOMPAT_WRITE_PROGRAMS"):
        with open(PROGRAMS, "w") as handle:
            handle.write(current)
    with open(PROGRAMS) as handle:
        assert handle.read() == current, __doc__


def test_every_fixable_rule_runs_a_rewrite_and_names_its_cells():
    cells = _cells()
    for cls in rules.all_rules():
        runs = [e for e in cls.INVALID if e.run is not None]
        if cls.fix_safety is None:
            assert not runs, cls.code
            continue
        assert runs, "%s has a fix but no runnable example" % cls.code
        versions = cls.doc_section("Versions")
        for example in runs:
            assert example.fixed is not None, cls.code
            assert example.run.fixed, cls.code
            named = example.run.fixed + example.run.original + example.run.broken
            for cell in named:
                assert cell in cells, (cls.code, cell)
                assert cell in versions, "%s: its Versions section must name %s" % (cls.code, cell)

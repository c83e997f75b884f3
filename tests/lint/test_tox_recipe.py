"""docs/tox-matrix.md: the cells users copy are the cells tfcompat's own matrix runs."""
import configparser
import os
import re

from lint_helpers import ROOT

PINNED = re.compile(r"^(tensorflow(-cpu)?|keras|tf-keras|jax)\b")


def _ini(text):
    parser = configparser.ConfigParser(interpolation=None)
    parser.read_string(text)
    return parser


def _cell(parser, name):
    section = parser["testenv:" + name]
    lines = section.get("deps", "") + "\n" + section.get("commands_pre", "")
    pins = sorted(word for line in lines.splitlines() for word in line.split()
                  if PINNED.match(word))
    setenv = sorted(line.strip() for line in section.get("setenv", "").splitlines()
                    if line.strip() and not line.strip().startswith("{"))
    return section["base_python"], pins, setenv


def test_the_recipe_cells_match_the_project_matrix():
    with open(os.path.join(ROOT, "docs", "tox-matrix.md")) as handle:
        doc = handle.read()
    [recipe] = [b for b in re.findall(r"```ini\n(.*?)```", doc, re.S) if "[tox]" in b]
    ours, theirs = configparser.ConfigParser(interpolation=None), _ini(recipe)
    ours.read(os.path.join(ROOT, "tox.ini"))
    cells = [c.strip() for c in ours["tox"]["envlist"].split(",")
             if not c.strip().startswith("lint")]  # the linter's own cells
    assert [c.strip() for c in theirs["tox"]["envlist"].split(",")] == cells
    for cell in cells:
        assert _cell(theirs, cell) == _cell(ours, cell), cell
    # Each cell says which feeding path this runtime takes before the user's tests run.
    assert theirs["testenv"]["commands"].strip().splitlines()[0] == "tfcompat doctor"

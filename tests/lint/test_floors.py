"""The dependency floors pyproject.toml declares are the versions the lint-floor cell installs."""
import configparser
import os
import re

from lint_helpers import ROOT

from tfcompat.lint.driver.pyproject import tomllib


def _floors():
    with open(os.path.join(ROOT, "pyproject.toml"), "rb") as handle:
        deps = tomllib.load(handle)["project"]["dependencies"]
    floors = {}
    for dep in deps:
        match = re.match(r"([A-Za-z0-9_.-]+)\s*(>=\s*([0-9.]+))?", dep)
        floors[match.group(1).lower()] = match.group(3)
    return floors


def test_every_runtime_dependency_has_a_floor_the_floor_cell_installs():
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(os.path.join(ROOT, "tox.ini"))
    cell = parser["testenv:lint-floor"]
    pins = dict(line.strip().split("==") for line in cell["deps"].splitlines()
                if "==" in line)
    floors = _floors()
    assert floors and all(floors.values()), floors  # no dependency without a floor
    for name, floor in floors.items():
        assert tuple(map(int, pins[name].split("."))) == _padded(floor, pins[name]), name
    # The oldest Python the linter supports.
    assert cell["base_python"] == "python3.9"


def _padded(floor, pin):
    parts = [int(p) for p in floor.split(".")]
    return tuple(parts + [0] * (len(pin.split(".")) - len(parts)))

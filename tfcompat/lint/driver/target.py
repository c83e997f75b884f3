"""The target TF when none is set: the lowest TensorFlow the project's own dependencies allow.

The project is the nearest directory, walking up from a linted file, that holds a
``pyproject.toml`` or a ``requirements*.txt``. Its ``[project] dependencies`` and every
``requirements*.txt`` there are read for the TensorFlow distributions (``tensorflow``,
``tensorflow-cpu``...). Each requirement allows versions from its lower bound (``>=``, ``==``,
``~=``, ``>``); the target is the lowest of those over all of them, because the code must run
on each. A requirement with only an upper bound (``tensorflow<2``) allows the oldest TF; one
with no version at all, or no TensorFlow requirement anywhere, gives the newest TF known.
"""
import functools
import os
import re

from tfcompat import versions
from tfcompat.lint.driver import pyproject

# The newest TF in the test matrix (tox cell tf221) and the oldest any TF version fact names.
NEWEST_KNOWN_TF = (2, 21)
OLDEST_TF = (1, 0)

_TF_DISTRIBUTIONS = frozenset((
    "tensorflow", "tensorflow-cpu", "tensorflow-gpu", "tensorflow-macos", "tensorflow-intel",
    "tensorflow-aarch64", "intel-tensorflow", "tf-nightly", "tf-nightly-cpu"))
_REQUIREMENT = re.compile(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*(.*)")
_SPECIFIER = re.compile(r"(===|~=|==|!=|<=|>=|<|>)\s*([0-9][0-9A-Za-z.*+!-]*)")
_LOWER = ("===", "~=", "==", ">=", ">")
_UPPER = ("<", "<=")


def _normalize(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def lowest_allowed(requirement):
    """The lowest TF ``requirement`` (a PEP 508 string) allows, as (major, minor); None when it
    is not a TensorFlow requirement; NEWEST_KNOWN_TF when it names no version."""
    requirement = requirement.split(";", 1)[0].split("#", 1)[0].strip()
    match = _REQUIREMENT.fullmatch(requirement)
    if not match or _normalize(match.group(1)) not in _TF_DISTRIBUTIONS:
        return None
    rest = match.group(3).strip()
    if rest.startswith("@"):
        return NEWEST_KNOWN_TF  # a URL: nothing says which version
    lower, upper = [], False
    for op, text in _SPECIFIER.findall(rest):
        version = versions.parse_version(text)
        if version is None:
            continue
        version = version[:2]
        if op in _LOWER:
            lower.append(version)
        elif op in _UPPER:
            upper = True
    if lower:
        return max(lower)  # specifiers of one requirement all apply
    return OLDEST_TF if upper else NEWEST_KNOWN_TF


def _requirement_lines(path):
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            lines = handle.read().splitlines()
    except OSError:
        return []
    # Options (-r, -c, -e, --index-url...) name no TensorFlow version of their own.
    return [line for line in lines if line.strip() and not line.lstrip().startswith(("#", "-"))]


def _pyproject_dependencies(path):
    try:
        data = pyproject.load(path)
    except pyproject.Unreadable:
        return None
    project = data.get("project")
    if not isinstance(project, dict):
        return None
    deps = project.get("dependencies", [])
    return [d for d in deps if isinstance(d, str)] if isinstance(deps, list) else []


@functools.lru_cache(maxsize=None)
def _project_requirements(directory):
    """The dependency strings of the project in ``directory``; None when it is no project."""
    try:  # one listing per directory: this runs for every directory linted
        names = os.listdir(directory)
    except OSError:
        return None
    requirement_files = sorted(os.path.join(directory, n) for n in names
                               if n.startswith("requirements") and n.endswith(".txt"))
    pyproject = os.path.join(directory, "pyproject.toml")
    found = None
    if "pyproject.toml" in names and os.path.isfile(pyproject):
        found = _pyproject_dependencies(pyproject)
    if requirement_files:
        found = (found or []) + [line for path in requirement_files
                                 for line in _requirement_lines(path)]
    return found


@functools.lru_cache(maxsize=None)
def infer(directory):
    """(target TF, where it was read) for files in ``directory``."""
    directory = os.path.abspath(directory)
    while True:
        requirements = _project_requirements(directory)
        if requirements is not None:
            bounds = [b for b in map(lowest_allowed, requirements) if b is not None]
            if bounds:
                return min(bounds), directory
            break
        parent = os.path.dirname(directory)
        if parent == directory:
            break
        directory = parent
    return NEWEST_KNOWN_TF, None


def parse_target(text):
    """'1.15' -> (1, 15); raises ValueError on anything but X.Y or X.Y.Z."""
    if text is None:
        return None
    if not re.fullmatch(r"\d+\.\d+(\.\d+)?", str(text)):
        raise ValueError("target TF must look like 1.15 or 2.4.0, not %r" % (text,))
    version = versions.parse_version(text)
    # Outside the releases the version facts cover, no fix could be gated right.
    if version[:2] > NEWEST_KNOWN_TF:
        raise ValueError("TF %s is newer than the newest TF tfcompat knows (%s); its facts "
                         "are not known: target %s" % (text, _dotted(NEWEST_KNOWN_TF),
                                                       _dotted(NEWEST_KNOWN_TF)))
    if version[:2] < OLDEST_TF:
        raise ValueError("TF %s is older than TF %s, the oldest tfcompat knows"
                         % (text, _dotted(OLDEST_TF)))
    return version


def _dotted(version):
    return ".".join(map(str, version))

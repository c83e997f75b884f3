"""Settings: `[tool.tfcompat]` in the nearest pyproject.toml, then the command line on top.

Each directory's project is looked up once (walking up to the first pyproject.toml that has a
`[tool.tfcompat]` table) and each pyproject.toml is parsed once per run.
"""
import dataclasses
import functools
import os
import re
from typing import Optional, Tuple

from tfcompat.lint.driver import pyproject
from tfcompat.lint.driver import target as target_inference
from tfcompat.lint.driver.target import parse_target
from tfcompat.lint.engine.results import ERRORS

# The files a directory walk lints (a file named on the command line always is).
DEFAULT_INCLUDE = ("*.py", "*.ipynb")
DEFAULT_EXCLUDE = (".git", ".tox", ".venv", "build", "dist", "__pycache__", ".tfcompat_cache")
_SELECTOR = re.compile(r"ALL|TFC\d{0,3}")


class ConfigError(Exception):
    """A setting that cannot be used (exit code 2)."""


@dataclasses.dataclass(frozen=True)
class Options:
    """One layer of settings: a `[tool.tfcompat]` table or the command line."""
    select: Optional[Tuple[str, ...]] = None
    extend_select: Tuple[str, ...] = ()
    ignore: Tuple[str, ...] = ()
    per_file_ignores: Tuple[Tuple[str, Tuple[str, ...]], ...] = ()
    target_tf: Optional[Tuple[int, ...]] = None
    exclude: Optional[Tuple[str, ...]] = None
    extend_exclude: Tuple[str, ...] = ()
    unsafe_fixes: Optional[bool] = None
    keras_target: Optional[str] = None
    include: Optional[Tuple[str, ...]] = None
    extend_include: Tuple[str, ...] = ()


KEYS = ("select", "extend-select", "ignore", "per-file-ignores", "target-tf", "exclude",
        "extend-exclude", "unsafe-fixes", "keras-target", "include", "extend-include")
# keras-target names a Keras namespace, where code imports Keras from
# (tfcompat.lint.analysis.namespaces): "keras" is the `keras` package (Keras 3 from TF 2.16), not
# versions.KERAS, the standalone Keras 2 flavor.
KERAS_TARGETS = ("tf.keras", "keras", "tf_keras")


def selectors(values, where):
    """Validated rule selectors: codes (TFC102), prefixes (TFC1, TFC) or ALL."""
    values = tuple(values)
    for value in values:
        if not isinstance(value, str) or not _SELECTOR.fullmatch(value):
            raise ConfigError("%s: %r is not a rule code or prefix (like TFC102, TFC1 or ALL)"
                              % (where, value))
    return values


def check_known(options, codes, where):
    """ConfigError naming the first selector of ``options`` that selects none of ``codes``
    (the rules and engine diagnostics), as ruff refuses an unknown rule selector."""
    for selector in _known_check(options, tuple(codes)):
        raise ConfigError("%s: Unknown rule selector: `%s` (see `tfcompat rules`)"
                          % (where, selector))


@functools.lru_cache(maxsize=None)  # once per layer of settings, not per file
def _known_check(options, codes):
    known = set(codes) | set(ERRORS)
    used = (options.select or ()) + options.extend_select + options.ignore + tuple(
        s for _, selectors_ in options.per_file_ignores for s in selectors_)
    return [s for s in used if s != "ALL" and not any(code.startswith(s) for code in known)]


def target(value, where):
    if not isinstance(value, str):
        raise ConfigError('%s: target-tf must be a string such as "1.15", not %r'
                          % (where, value))
    try:
        return parse_target(value)
    except ValueError as exc:
        raise ConfigError("%s: %s" % (where, exc))


def options_from_table(table, where):
    unknown = sorted(set(table) - set(KEYS))
    if unknown:
        raise ConfigError("%s: unknown key%s %s in [tool.tfcompat] (known: %s)"
                          % (where, "s" if len(unknown) > 1 else "", ", ".join(unknown),
                             ", ".join(KEYS)))

    def strings(key):
        value = table.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError("%s: %s must be a list of strings" % (where, key))
        return tuple(value)

    per_file = table.get("per-file-ignores", {})
    if not isinstance(per_file, dict):
        raise ConfigError("%s: per-file-ignores must be a table of glob = [codes]" % where)
    pairs = []
    for glob, codes in per_file.items():
        if not isinstance(codes, list):
            raise ConfigError("%s: per-file-ignores.%s must be a list of codes" % (where, glob))
        pairs.append((glob, selectors(codes, "%s: per-file-ignores" % where)))
    unsafe = table.get("unsafe-fixes")
    if unsafe is not None and not isinstance(unsafe, bool):
        raise ConfigError("%s: unsafe-fixes must be true or false" % where)
    keras_target = table.get("keras-target")
    if keras_target is not None and keras_target not in KERAS_TARGETS:
        raise ConfigError("%s: keras-target must be one of %s, not %r"
                          % (where, ", ".join('"%s"' % k for k in KERAS_TARGETS), keras_target))
    return Options(
        select=selectors(strings("select"), where) if "select" in table else None,
        extend_select=selectors(strings("extend-select"), where),
        ignore=selectors(strings("ignore"), where),
        per_file_ignores=tuple(pairs),
        target_tf=target(table["target-tf"], where) if "target-tf" in table else None,
        exclude=strings("exclude") if "exclude" in table else None,
        extend_exclude=strings("extend-exclude"),
        unsafe_fixes=unsafe,
        keras_target=keras_target,
        include=strings("include") if "include" in table else None,
        extend_include=strings("extend-include"))


# ------------------------------------------------------------------------------ matching
@functools.lru_cache(maxsize=None)  # asked for every file found, for every exclude pattern
def _glob_regex(pattern):
    out, i = [], 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return re.compile("".join(out))


def glob_matches(pattern, rel_parts, any_part):
    """Whether a glob names a path (its parts below the project root or walk top).

    A pattern without "/" matches a single name: any part when ``any_part`` (excludes), else the
    file name. A pattern with "/" matches the path from the start, or a directory above it."""
    regex = _glob_regex(pattern.lstrip("/").removeprefix("./"))
    if "/" not in pattern:
        names = rel_parts if any_part else rel_parts[-1:]
        if "*" not in pattern and "?" not in pattern:
            return pattern in names  # a plain name, such as the default excludes
        return any(regex.fullmatch(name) for name in names)
    return any(regex.fullmatch("/".join(rel_parts[:k])) for k in range(1, len(rel_parts) + 1))


def _parts(path, base):
    path, base = os.path.abspath(path), os.path.abspath(base)
    if path.startswith(base) and path[len(base):len(base) + 1] == os.sep:
        rel = path[len(base) + 1:]  # the usual case, without relpath's cost (asked per file)
    else:
        rel = os.path.relpath(path, base)
    parts = [p for p in rel.replace(os.sep, "/").split("/") if p not in ("", ".")]
    return None if parts[:1] == [".."] else parts


@functools.lru_cache(maxsize=None)
def _selected_once(codes, layers):
    return selected(codes, layers)  # the same for every file of a project


def selected(codes, layers):
    """The codes left on after each layer's select / extend-select / ignore, in order.

    Within a layer the most specific selector wins (TFC102 beats TFC1), ignore beating select
    on a tie; a layer that sets `select` starts from nothing."""
    enabled = set(codes)
    for layer in layers:
        chosen = set()
        for code in codes:
            best = None
            for selector in (layer.select or ()) + layer.extend_select:
                if selector == "ALL" or code.startswith(selector):
                    best = max(best or (-1, 0), (0 if selector == "ALL" else len(selector), 0))
            for selector in layer.ignore:
                if selector == "ALL" or code.startswith(selector):
                    best = max(best or (-1, 0), (0 if selector == "ALL" else len(selector), 1))
            if best is not None:
                on = best[1] == 0
            else:
                on = code in enabled and layer.select is None
            if on:
                chosen.add(code)
        enabled = chosen
    return tuple(sorted(enabled))


# ------------------------------------------------------------------------------ projects
@dataclasses.dataclass(frozen=True)
class FileSettings:
    """Everything a worker needs to lint one file (hashable: files share them)."""
    codes: Tuple[str, ...]
    target_tf: Optional[Tuple[int, ...]]
    unsafe_fixes: bool
    keras_target: Optional[str] = None


class Project:
    def __init__(self, root, path, options):
        self.root = root          # patterns with "/" are relative to it
        self.path = path          # its pyproject.toml, or None for the defaults
        self.options = options
        self.exclude = (options.exclude if options.exclude is not None
                        else DEFAULT_EXCLUDE) + options.extend_exclude
        # Plain names (the defaults) are one set lookup per path; the rest are globs.
        self._names = frozenset(p for p in self.exclude if not any(c in p for c in "/*?"))
        self._globs = tuple(p for p in self.exclude if p not in self._names)
        self.include = (options.include if options.include is not None
                        else DEFAULT_INCLUDE) + options.extend_include

    def included(self, path, top, below_top=None):
        """Whether an include pattern names ``path`` (found by walking ``top``): a pattern
        without "/" matches the file name, one with "/" the path below this project's root."""
        name = os.path.basename(path)
        for pattern in self.include:
            if "/" not in pattern:
                if glob_matches(pattern, [name], False):
                    return True
            else:
                below_root = _parts(path, self.root)
                if below_root and glob_matches(pattern, below_root, False):
                    return True
        return False

    def excluded(self, path, top, below_top=None):
        """Whether an exclude pattern names ``path``, found by walking ``top`` (``below_top``:
        its parts below ``top``, when the caller knows them)."""
        if below_top is None:
            below_top = _parts(path, top) or []
        if not self._names.isdisjoint(below_top):
            return True
        below_root = None  # worked out only for a pattern that needs it: this runs per file
        for pattern in self._globs:
            if "/" in pattern:
                if below_root is None:
                    below_root = _parts(path, self.root) or []
                if below_root and glob_matches(pattern, below_root, True):
                    return True
            elif glob_matches(pattern, below_top, True):
                return True
        return False

    def settings(self, path, cli, codes):
        check_known(self.options, codes, self.path)
        layers = (self.options, cli)
        enabled = _selected_once(tuple(codes), layers)
        parts = _parts(path, self.root) if self.options.per_file_ignores else None
        if parts:
            for glob, ignored in self.options.per_file_ignores:
                if glob_matches(glob, parts, False):
                    enabled = selected(enabled, [Options(ignore=ignored)])
        target_tf = cli.target_tf if cli.target_tf is not None else self.options.target_tf
        if target_tf is None:
            target_tf = target_inference.infer(os.path.dirname(os.path.abspath(path)))[0]
        unsafe = cli.unsafe_fixes if cli.unsafe_fixes is not None else self.options.unsafe_fixes
        return FileSettings(enabled, target_tf, bool(unsafe), self.options.keras_target)


class Resolver:
    """Finds each directory's project, once per directory, parsing each pyproject.toml once."""

    def __init__(self, default_root=None):
        self.default = Project(os.path.abspath(default_root or os.getcwd()), None, Options())
        self._by_dir = {}
        self.parsed = []  # pyproject.toml files read, in order (for tests and --verbose-ish use)

    def project_for(self, directory):
        directory = os.path.abspath(directory)
        pending = []
        project = None
        while project is None:
            if directory in self._by_dir:
                project = self._by_dir[directory]
                break
            pending.append(directory)
            project = self._load(directory)
            parent = os.path.dirname(directory)
            if project is None and parent == directory:
                project = self.default
            directory = parent
        for d in pending:
            self._by_dir[d] = project
        return project

    def _load(self, directory):
        path = os.path.join(directory, "pyproject.toml")
        if not os.path.isfile(path):
            return None
        self.parsed.append(path)
        try:
            data = pyproject.load(path)
        except pyproject.Unreadable as exc:
            raise ConfigError("%s: cannot read: %s" % (path, exc))
        table = data.get("tool", {}).get("tfcompat")
        if table is None:
            return None
        if not isinstance(table, dict):
            raise ConfigError("%s: [tool.tfcompat] must be a table" % path)
        return Project(directory, path, options_from_table(table, path))

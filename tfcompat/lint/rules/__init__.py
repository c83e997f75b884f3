"""The rule registry: every module in this folder defines exactly one Rule subclass.

Nothing lists the rules by hand: adding a module adds a rule (and, through its examples, its
tests). Rules are checked against the API's conventions when they are loaded.
"""
import importlib
import pkgutil
import re

from tfcompat import versions
from tfcompat.lint.driver import config
from tfcompat.lint.rule import DOC_SECTIONS, SAFE, UNSAFE, Invalid, Rule, Valid, parse_target

_RULES = None


def all_rules():
    """Every rule class, sorted by code."""
    global _RULES
    if _RULES is None:
        found = []
        for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
            module = importlib.import_module("%s.%s" % (__name__, info.name))
            classes = [v for v in vars(module).values()
                       if isinstance(v, type) and issubclass(v, Rule) and v is not Rule
                       and v.__module__ == module.__name__]
            if len(classes) != 1:
                raise RuntimeError("%s must define exactly one Rule subclass, not %d"
                                   % (module.__name__, len(classes)))
            found.append(classes[0])
        # Hook types are checked where the rules run (Rule.hooks) and in the tests: checking
        # them here would load libcst in a run that may not need it.
        errors = [e for cls in found for e in problems(cls, hook_types=False)]
        for attr in ("code", "name"):
            values = [getattr(cls, attr) for cls in found]
            errors += ["%s %s is used twice" % (attr, v) for v in set(values)
                       if values.count(v) > 1]
        if errors:
            raise RuntimeError("invalid rules:\n  " + "\n  ".join(errors))
        _RULES = tuple(sorted(found, key=lambda cls: cls.code))
    return _RULES


def get(code_or_name):
    """The rule with this code or name, or None."""
    for cls in all_rules():
        if code_or_name.upper() == cls.code or code_or_name == cls.name:
            return cls
    return None


def problems(cls, hook_types=True):
    """What is wrong with a rule class, as readable lines (empty when nothing is);
    ``hook_types``: also whether each visit_X / leave_X names a libcst node type."""
    where = cls.__name__
    out = []
    # TFC0xx: rules about tfcompat's own comments (TFC001 unused-noqa); TFC9xx: the engine's.
    if not re.fullmatch(r"TFC(0\d[1-9]|0[1-9]\d|[1-8]\d\d)", cls.code or ""):
        out.append("%s: code %r must be TFC001-TFC899 (TFC9xx are the engine's)"
                   % (where, cls.code))
    if not re.fullmatch(r"[a-z][a-z0-9]*(-[a-z0-9]+)+", cls.name or ""):
        out.append("%s: name %r must be kebab-case" % (where, cls.name))
    if not cls.message:
        out.append("%s: message is empty" % where)
    if cls.fix_safety not in (None, SAFE, UNSAFE):
        out.append("%s: fix must be SAFE, UNSAFE or None" % where)
    if cls.fix_safety is not None and not cls.help:
        out.append("%s: help is empty: a rule with a fix says what it does (the help line)"
                   % where)
    if cls.fix_tf is not None and cls.fix_tf not in versions.FACTS:
        out.append("%s: fix_tf %r is not a fact in tfcompat/versions.py" % (where, cls.fix_tf))
    if not _valid_tokens(cls.tokens):
        out.append("%s: tokens must be a tuple of ASCII strings (names), or a tuple of such "
                   "tuples that must all match" % where)
    if not _valid_tokens(cls.modules, r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)*(\.\*)?"):
        out.append("%s: modules must be a tuple of dotted module paths (\"keras.*\": or a "
                   "submodule), or a tuple of such tuples that must all match" % where)
    if not (isinstance(cls.keras_targets, tuple)
            and all(k in config.KERAS_TARGETS for k in cls.keras_targets)):
        out.append("%s: keras_targets must be a tuple of keras-target settings (%s)"
                   % (where, ", ".join(config.KERAS_TARGETS)))
    if cls.called not in (True, False):
        out.append("%s: called must be True or False" % where)
    if not cls.VALID or not cls.INVALID:
        out.append("%s: needs VALID and INVALID examples" % where)
    for example in cls.INVALID:
        if not isinstance(example, Invalid):
            out.append("%s: INVALID holds %r, not Invalid(...)" % (where, example))
        elif example.fixed is not None and cls.fix_safety is None:
            out.append("%s: an INVALID example has `fixed` but the rule has no fix" % where)
    for example in list(cls.VALID) + list(cls.INVALID):
        try:
            parse_target(getattr(example, "target_tf", None))
        except ValueError as exc:
            out.append("%s: %s" % (where, exc))
        if not isinstance(example, (str, Valid, Invalid)):
            out.append("%s: VALID holds %r, not a string or Valid(...)" % (where, example))
    doc = cls.doc()
    positions = [doc.find("## " + title + "\n") for title in DOC_SECTIONS]
    if -1 in positions or positions != sorted(positions):
        out.append("%s: docstring needs the sections %s, in that order"
                   % (where, ", ".join("## " + t for t in DOC_SECTIONS)))
    try:
        hooks = cls.hooks() if hook_types else cls.hook_names()
    except ValueError as exc:
        out.append("%s: %s" % (where, exc))
    else:
        if hasattr(cls, "check_names") and (hooks or cls.fix_safety is not None):
            out.append("%s: a names-only rule (check_names) has no visit/leave method and no "
                       "fix" % where)
    return out


def _valid_tokens(tokens, pattern=r"[A-Za-z_]\w*"):
    def names(group):
        return (isinstance(group, tuple) and group
                and all(isinstance(t, str) and t.isascii() and re.fullmatch(pattern, t)
                        for t in group))

    if isinstance(tokens, str) or not isinstance(tokens, (tuple, list)):
        return False
    return not tokens or names(tuple(tokens)) or all(names(g) for g in tokens)

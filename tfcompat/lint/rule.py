"""The rule API. A rule is one class in a module of its own under ``tfcompat/lint/rules/``.

The registry (``tfcompat.lint.rules``) imports every module in that folder and takes the one
``Rule`` subclass each defines: adding a rule is adding a file. Its ``VALID`` and ``INVALID``
examples become tests on their own (``tests/lint/test_rule_examples.py``), and so do the
``## Example`` / ``## Use instead`` blocks of its docstring.

A rule in full (TFC401 as it is, shortened; tests/lint/test_registry.py holds the two to it)::

    from tfcompat.lint.rule import SAFE, Invalid, Rule

    class DatasetIteratorMethod(Rule):
        '''## What it does ... ## Why is this bad? ... ## Example ... ## Use instead ...
        ## Fix safety ... ## Versions ...'''    # printed by `tfcompat rule TFC401`

        code = "TFC401"                        # public: docs, `# noqa`, config
        name = "dataset-iterator-method"       # kebab-case, unique
        # The problem, and apart from it the remedy (plain TF/Keras first), both
        # str.format()ed with report()'s keyword arguments:
        message = "`.{method}()` is gone in TF 2"
        help = "call tf.compat.v1.data.{method}(dataset)"
        # The prefilter: a file holding none of these names is never parsed (a tuple of
        # tuples: each group must have one in the file).
        tokens = ("make_one_shot_iterator", "make_initializable_iterator")
        modules = ()                           # optional: the file's code must import one of
                                               # these dotted paths ("keras.*": or a submodule)
        called = False                         # True: the tokens must be called, x.tok(...)
        keras_targets = ()                     # optional: the keras-target settings it can
                                               # fire under ("tf_keras",); not run under others
        fix_safety = SAFE                      # SAFE, UNSAFE, or None when the rule never fixes
        fix_tf = "compat_v1_make_one_shot_iterator"  # versions.py fact the fix needs (None: any TF)

        VALID = [
            '''
            import tensorflow as tf
            it = tf.compat.v1.data.make_one_shot_iterator(ds)
            ''',
        ]
        INVALID = [
            Invalid(
                '''
                import tensorflow as tf
                it = ds.make_one_shot_iterator()
                ''',
                at=(2, 9), target_tf="1.15",
                fixed='''
                import tensorflow as tf
                it = tf.compat.v1.data.make_one_shot_iterator(ds)
                '''),
        ]

        def visit_Call(self, node):            # any libcst node type: visit_X / leave_X
            func = node.func
            ...
            self.report(func.attr, method=func.attr.value, edits=self._fix(node))

Traversal: the engine parses a file once and walks it once for all enabled rules, calling
``visit_<Type>(node)`` before a node's children and ``leave_<Type>(node)`` after them, for libcst
node types (``Call``, ``For``, ``Module``...). A rule instance lives for one file: state kept
on ``self`` is per file, and ``leave_Module`` is the place to report what needs the whole file.

Reporting: ``self.report(node, message=None, edits=None, safety=None, help=None, **kwargs)``
reports the range of ``node`` (1-based line and column), with ``message`` and ``help`` or the
class's, formatted with ``kwargs``; ``safety=UNSAFE`` makes this one fix unsafe. ``edits`` is
the fix: edits applied together, built with ``self.replace(node, new)`` (a libcst node or
source text in place of ``node``) and ``self.insert_before(statement, line)`` (a line of code
before a statement, at its indentation). The engine decides whether a fix is offered: never
when ``fix_tf`` does not hold for the ``target-tf`` (or none is set), and UNSAFE fixes only with
``--unsafe-fixes``. It also applies ``# noqa``, so rules never look at comments.

Names-only rules: a rule that judges nothing but what the module's imports and dotted names
mean defines ``check_names(self, uses)`` and no visit/leave method. It is called once per file
with every import and outermost dotted name, in source order (tfcompat.lint.engine.names says
what each ``Use`` holds), and reports at a ``Use``; it never fixes. The engine runs it on
Python's own syntax tree, so a file where only such rules could fire is never parsed by
libcst (TFC408 is one).

The other exception judges the ``noqa`` comments themselves (TFC001): a rule defining
``check_noqa(self, comments, findings, enabled)`` is called after the traversal with the libcst
``Comment`` nodes holding "noqa", every finding of the file before suppression, and the codes of
the rules enabled for it; what it reports is suppressed like any other finding.

What a rule can ask (all cheap unless said; everything is computed on first use per file):
  ``self.qualified_name(expr)``  dotted name through the module's imports, or None:
      with ``import tensorflow as tf``, ``tf.compat.v1.data.Iterator`` ->
      ``tensorflow.data.Iterator``
      (``compat.v1``/``compat.v2`` dropped; ``canonical=False`` keeps them); with
      ``from tensorflow.keras import backend as K``, ``K.get_session`` ->
      ``tensorflow.keras.backend.get_session``.
  ``self.import_alias(module)``  the name a module-level import binds to ``module`` (e.g. "tf").
  ``self.loops()``               loops around the current node whose body runs per iteration
                                 (for/while bodies, while tests, comprehension elements), innermost
                                 first, stopping at a def/lambda/class: ``Loop(node, statement)``.
  ``self.statement()``           the statement holding the current node.
  ``self.resolve(name)``         the value last assigned to a local name before the current
                                 statement (closures included), or None when unknown.
  ``self.method_chain(expr)``    the method calls building ``expr``, first call first, followed
                                 through reassignments of one name in one scope
                                 (``ds = ds.repeat()`` then ``ds = ds.shuffle(8)``).
  ``self.assigned_in(node)``     source text of every target assigned anywhere inside ``node``.
  ``self.fresh_name(base)``      ``base`` or ``base_1``... not used anywhere in the file.
  ``self.code_for(node)``        the node's source text.
  ``self.definition(name)``      the def/class statement a name refers to here, or None.
  ``self.spell(*qualified)``     source text naming a qualified name through the module's own
                                 imports (``tensorflow.data.AUTOTUNE`` -> ``tf.data.AUTOTUNE``).
  ``self.require(*qualified, module=, alias=)``  (text, edits): as spell, adding the import
                                 when none can spell it (``self.add_line_at_top(line)``).
  ``self.remove(statement)``     an edit deleting a statement's lines.
  ``self.target_tf``, ``self.target_at_least(fact)``  the target TF, and whether a versions.py
                                 fact's TF rows hold for it; ``self.keras_target``: the config;
                                 ``self.targets_keras3()``: linted for Keras 3 (or unknown TF).
Shared questions about pipelines, Keras calls, generators and sessions are in
``tfcompat/lint/analysis/patterns.py``; Keras namespaces in
``tfcompat/lint/analysis/namespaces.py``.
  ``self.context``               the rest (module, text, target_tf, ancestors: the nodes from the
                                 module down to the one being visited, valid during a visit).
Names of TF APIs that several rules look for live in ``tfcompat/lint/analysis/qualnames.py``;
version facts in ``tfcompat/versions.py``, by name.

Examples (the tests): each ``VALID`` source (a string, or ``Valid(source, target_tf=...)``) must
give no finding of the rule; each ``Invalid`` exactly one, at ``at``; with ``fixed``, ``--fix``
(all passes) must turn the source into ``fixed``, which must then give no finding of the rule
and stay as it is when fixed again; without it, no fix may be offered. Sources are dedented.
"""
import dataclasses
import re
import textwrap
from typing import Optional, Sequence, Tuple

from tfcompat import versions
from tfcompat.lint.analysis import scopes
from tfcompat.lint.driver.target import parse_target
from tfcompat.lint.engine.context import Report
from tfcompat.lint.engine.results import SAFE, UNSAFE, Edit, FixSafety
from tfcompat.lint.libcst_lazy import cst

# The rule API, as rule modules and tests import it (parse_target: an example's target_tf).
__all__ = ["DOC_SECTIONS", "SAFE", "UNSAFE", "FixSafety", "Invalid", "Rule", "Run", "Valid",
           "parse_target", "target_has"]

DOC_SECTIONS = ("What it does", "Why is this bad?", "Example", "Use instead", "Fix safety",
                "Versions")


@dataclasses.dataclass(frozen=True)
class Run:
    """Says that an INVALID example is a whole program, run on real TensorFlow by
    tests/runtime/test_rewrites_run.py: its source runs in the tox cells ``original`` (and
    raises in ``broken``), its ``fixed`` source runs in ``fixed``, and both leave a ``result``
    of the shape ``result`` (a list of losses for a training program, which must be finite)."""
    fixed: Tuple[str, ...]
    result: object
    original: Tuple[str, ...] = ()
    broken: Tuple[str, ...] = ()


@dataclasses.dataclass(frozen=True)
class Invalid:
    """An example the rule must flag exactly once, at ``at`` = (line, column), both 1-based.

    ``fixed`` is the source after ``--fix`` (with ``--unsafe-fixes`` for an UNSAFE rule), or None
    when no fix is offered for it. ``target_tf`` is the ``--target-tf`` it is linted with.
    ``run`` (a ``Run``) marks a whole program whose rewrite is run on real TensorFlow.
    ``safety``: UNSAFE where this example's fix is unsafe in a rule whose fixes are safe when
    it can prove their preconditions (``report(..., safety=UNSAFE)``).
    ``keras_target``: the keras-target setting it is linted with.
    Sources are dedented, so they can be indented triple-quoted strings.
    """
    source: str
    at: Tuple[int, int]
    fixed: Optional[str] = None
    target_tf: Optional[str] = None
    run: Optional[Run] = None
    safety: Optional[str] = None
    keras_target: Optional[str] = None

    def __post_init__(self):
        object.__setattr__(self, "source", _dedent(self.source))
        if self.fixed is not None:
            object.__setattr__(self, "fixed", _dedent(self.fixed))


@dataclasses.dataclass(frozen=True)
class Valid:
    """An example the rule must not flag (a plain string in VALID: the same, no target-tf)."""
    source: str
    target_tf: Optional[str] = None
    keras_target: Optional[str] = None

    def __post_init__(self):
        object.__setattr__(self, "source", _dedent(self.source))


def _dedent(source):
    return textwrap.dedent(source).lstrip("\n")


class Rule:
    """Base class of every rule; see the module docstring for the whole API."""
    code = ""
    name = ""
    message = ""
    help = ""  # the remedy: plain TF/Keras first, tfcompat as an option
    tokens: Sequence[str] = ()
    modules: Sequence[str] = ()
    called: bool = False
    # The keras-target settings the rule can fire under at all (empty: any); under another
    # the engine does not run it (its noqa codes still count as enabled for TFC001).
    keras_targets: Sequence[str] = ()
    fix_safety: Optional[str] = None  # the FixSafety of its fixes; None: it never fixes
    fix_tf: Optional[str] = None
    doc_keras_target: Optional[str] = None  # the keras-target its docstring examples need
    doc_target_tf: Optional[str] = None  # the target-tf its docstring examples need
    VALID: Sequence = ()
    INVALID: Sequence[Invalid] = ()

    def __init__(self, context):
        self.context = context

    # -- reporting -------------------------------------------------------------------------
    def report(self, node, message=None, edits=None, safety=None, help=None, **kwargs):
        """Report ``node`` with ``message`` (the problem) and ``help`` (the remedy), the
        class's own when not given, both formatted with ``kwargs``; ``edits``: the edits of
        the fix offered (the engine gives them this rule's FixSafety, ``self.fix_safety``).
        ``safety=UNSAFE`` makes this one fix unsafe in a rule whose fixes are safe where it can
        prove their preconditions (never the other way)."""
        text = message or self.message
        remedy = self.help if help is None else help
        if kwargs:
            text = text.format(**kwargs)
            remedy = remedy.format(**kwargs)
        if safety not in (None, UNSAFE):
            raise ValueError("a report can only make its fix unsafe")
        self.context.reports.append(Report(self, node, text, tuple(edits) if edits else None,
                                           safety, remedy))

    def replace(self, node, new):
        """An edit putting ``new`` (a libcst node or source text) where ``node`` is."""
        if isinstance(new, cst.CSTNode):
            # Positions exclude a node's own parentheses, which stay in the source: drop the
            # copies that ``node.with_changes(...)`` carried over.
            if getattr(node, "lpar", None) and getattr(new, "lpar", None):
                new = new.with_changes(lpar=[], rpar=[])
            new = self.context.module.code_for_node(new)
        rng = self.context.position(node)
        return self._edit(rng.start, rng.end, new)

    def insert_at(self, position, text):
        """An edit inserting ``text`` at a libcst CodePosition (e.g. a node's range start)."""
        return self._edit(position, position, text)

    def insert_before(self, statement, line):
        """An edit inserting one line of code before ``statement``, at its indentation."""
        start = self.context.position(statement).start
        indent = self.context.line_text(start.line)[:start.column]
        return self._edit(start, start, line + self.context.module.default_newline + indent)

    def _edit(self, start, end, content):
        return Edit(content, self.context.offset(start), self.context.offset(end),
                    (start.line, start.column + 1), (end.line, end.column + 1))

    # -- questions about the code ----------------------------------------------------------
    def qualified_name(self, expr, canonical=True):
        return self.context.imports.qualify(expr, canonical)

    def import_alias(self, module):
        return self.context.imports.alias_for(module)

    def loops(self):
        return scopes.enclosing_loops(self.context.ancestors)

    def statement(self):
        return scopes.enclosing_statement(self.context.ancestors)

    def resolve(self, name):
        return self.context.scopes.resolve(name, self.context.ancestors)

    def method_chain(self, expr):
        return self.context.scopes.method_chain(expr, self.context.ancestors)

    def assigned_in(self, node):
        return scopes.assigned_targets(node, self.context.module)

    def fresh_name(self, base):
        return self.context.fresh_name(base)

    def definition(self, name):
        return self.context.scopes.definition(name, self.context.ancestors)

    def spell(self, *qualified):
        return self.context.imports.spell(qualified)

    def require(self, *qualified, module="tensorflow", alias="tf"):
        """(source text naming the first spellable of ``qualified``, edits making it so).

        When no module-level import can spell any of them, the edits add
        ``import <module> as <alias>`` (a fresh alias if that one is taken) above the first
        statement that is not a docstring or ``__future__`` import, and the text spells the
        first name through it."""
        text = self.spell(*qualified)
        if text is not None:
            return text, []
        name = alias if not scopes.name_used(self.context, alias) else self.fresh_name(alias)
        line = "import %s" % module if name == module else "import %s as %s" % (module, name)
        text = name + qualified[0][len(module):]
        return text, [self.add_line_at_top(line)]

    def add_line_at_top(self, line):
        """An edit adding a line after the module's leading imports (after its docstring and
        ``__future__`` imports when it has no other import)."""
        module = self.context.module
        header, imports = scopes.leading_statements(module)
        after = imports or header
        if not after:  # a module with findings has a statement
            return self.insert_before(module.body[0], line)
        end_line = self.context.position(after[-1]).end.line
        if end_line < len(self.context.line_starts()):
            start = cst.metadata.CodePosition(end_line + 1, 0)
            return self._edit(start, start, line + module.default_newline)
        end = cst.metadata.CodePosition(end_line, len(self.context.line_text(end_line)))
        return self._edit(end, end, module.default_newline + line)

    def delete_arguments(self, node, kept, dropped, append=""):
        """Edits deleting ``dropped`` arguments (a run followed by a kept argument: up to that
        argument's start; a run at the end: from the last kept argument's end) and putting
        ``append`` after the last kept argument."""
        # The arguments' own ranges: a value's excludes its parentheses, `(x, y)`'s `)`.
        end_of_kept = self.context.position(kept[-1]).end
        if not dropped:
            return [self.insert_at(end_of_kept, append)] if append else []
        args = list(node.args)
        drop = {id(a) for a in dropped}
        edits, i = [], 0
        while i < len(args):
            if id(args[i]) not in drop:
                i += 1
                continue
            j = i
            while j < len(args) and id(args[j]) in drop:
                j += 1
            if j < len(args):
                start = self.context.position(args[i]).start
                end = self.context.position(args[j]).start
                edits.append(self._edit(start, end, self._kept_comment(args[j - 1], end)))
            else:
                edits.append(self._edit(end_of_kept, self.context.position(args[j - 1]).end,
                                        append))
                append = ""
            i = j
        if append:
            edits.append(self.insert_at(end_of_kept, append))
        return edits

    def _kept_comment(self, arg, next_start):
        """The comment ending the line of a deleted argument, `workers=0,  # why`, on a line
        of its own before the next argument (''): the engine never deletes a comment."""
        after = arg.comma.whitespace_after if isinstance(arg.comma, cst.Comma) else None
        if not isinstance(after, cst.ParenthesizedWhitespace) or after.first_line.comment is None:
            return ""
        indent = self.context.line_text(next_start.line)[:next_start.column]
        return after.first_line.comment.value + self.context.module.default_newline + indent

    def remove(self, statement):
        """An edit deleting a statement that fills its lines, trailing comment included."""
        rng = self.context.position(statement)
        starts = self.context.line_starts()
        start = cst.metadata.CodePosition(rng.start.line, 0)
        if rng.end.line < len(starts):
            end = cst.metadata.CodePosition(rng.end.line + 1, 0)
        else:
            end = cst.metadata.CodePosition(rng.end.line, len(self.context.line_text(rng.end.line)))
        return self._edit(start, end, "")

    @property
    def target_tf(self):
        """The --target-tf this file is linted for, or None when unknown."""
        return self.context.target_tf

    @property
    def keras_target(self):
        """``keras-target`` from [tool.tfcompat]: "tf.keras", "keras", "tf_keras" or None."""
        return self.context.keras_target

    def target_at_least(self, fact):
        """Whether the target TF is known and has ``fact`` (a versions.py fact with a TF row)."""
        return target_has(fact, self.target_tf)

    def targets_keras3(self):
        """Whether the code meets Keras 3: keras-target not ``tf_keras``. Every target reaches
        the newest TF, whose Keras is Keras 3 unless the code moves to tf_keras (see
        docs/target-tf.md)."""
        return self.keras_target != "tf_keras"

    def code_for(self, node):
        return self.context.module.code_for_node(node)

    # -- class-level facts -----------------------------------------------------------------
    @classmethod
    def runs_under(cls, target_tf, keras_target):
        """Whether the rule can report anything under these settings; a rule that cannot is
        not run (nor parsed for). Override only with the condition the rule's own visits
        return on before they look at any node."""
        return not cls.keras_targets or keras_target in cls.keras_targets

    @classmethod
    def may_fire(cls, names):
        """Whether the rule can report on a file whose code uses ``names``
        (tfcompat.lint.analysis.codenames.CodeNames: words, imported modules, called names,
        ``qualified`` names), after its tokens and modules matched; the prefilter's last word
        before a libcst parse. Override with a condition every report of the rule implies:
        tests/lint/test_prefilter.py checks it on every example."""
        return True

    @classmethod
    def has_may_fire(cls):
        return cls.may_fire.__func__ is not Rule.may_fire.__func__

    @classmethod
    def fix_allowed(cls, target_tf):
        """Whether this rule's fix is valid for code that must run on ``target_tf`` and later."""
        if cls.fix_tf is None:
            return True
        if target_tf is None:
            return False
        rows = versions.rows(cls.fix_tf)
        return all(r.gone is None for r in rows) and _tf_rows_hold(cls.fix_tf, target_tf)

    @classmethod
    def fix_requirement(cls):
        """'TF >= 1.13' for a version-gated fix, '' when it holds on every TF."""
        if cls.fix_tf is None:
            return ""
        firsts = [r.first for r in versions.rows(cls.fix_tf) if r.first and r.lib == "tf"]
        return "TF >= %s" % versions.format_version(min(firsts)) if firsts else ""

    @classmethod
    def hook_names(cls):
        """The names of the visit_X / leave_X methods this rule defines (libcst not loaded)."""
        return [attr for attr in dir(cls)
                if attr.partition("_")[0] in ("visit", "leave") and attr.partition("_")[2]]

    @classmethod
    def hooks(cls):
        """[("visit" or "leave", libcst node class, method name)] this rule defines."""
        found = []
        for attr in cls.hook_names():
            kind, _, type_name = attr.partition("_")
            node_type = getattr(cst, type_name, None)
            if not (isinstance(node_type, type) and issubclass(node_type, cst.CSTNode)):
                raise ValueError("%s: %s is not a libcst node type" % (attr, type_name))
            found.append((kind, node_type, attr))
        return found

    @classmethod
    def doc(cls):
        return textwrap.dedent(cls.__doc__ or "").strip()

    @classmethod
    def summary(cls):
        """The first sentence of the docstring's "What it does", on one line."""
        text = " ".join(cls.doc_section("What it does").split())
        return re.split(r"(?<=[.!?])\s", text, maxsplit=1)[0]

    @classmethod
    def doc_section(cls, title):
        """The text under ``## title`` in the docstring ('' when absent)."""
        match = re.search(r"^## %s\s*\n(.*?)(?=^## |\Z)" % re.escape(title), cls.doc(),
                          re.S | re.M)
        return match.group(1).strip() if match else ""


def target_has(fact, target_tf):
    """Whether ``target_tf`` is known and has ``fact`` (a versions.py fact with a TF row): what
    Rule.target_at_least asks, for class-level questions such as Rule.runs_under."""
    return target_tf is not None and _tf_rows_hold(fact, target_tf)


def _tf_rows_hold(fact, target_tf):
    """Whether a TF row of ``fact`` holds at ``target_tf``. A target names a TF release, so a
    row is read for the Keras that release bundles: its flavor and graph-mode conditions are
    left to the rule (tf.keras and Keras 3 rows are both TF rows here)."""
    return any(r.lib == "tf" and (r.first is None or target_tf >= r.first)
               and (r.gone is None or target_tf < r.gone) for r in versions.rows(fact))

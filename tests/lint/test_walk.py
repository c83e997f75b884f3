"""The engine's own tree walk and positions are libcst's: same visiting order, same ranges."""
import re
import sys
import textwrap

import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper, PositionProvider

from tfcompat.lint import rules
from tfcompat.lint.engine.positions import Positions
from tfcompat.lint.engine.walk import walk
from tfcompat.lint.rule import Valid

# Every kind of statement and expression whose fields libcst visits out of declaration order.
SOURCE = textwrap.dedent('''\
    # leading comment
    import a.b as c, d  # trailing
    from .x import (y as z,
                    w)
    from m import *
    @decorator(arg, *args, key=value, **kwargs)
    @other
    async def f(p: int = 1, /, q=2, *r, s: "t" = 3, **u) -> None:
        """doc"""
        global g
        nonlocal_value = [i async for i in aiter() if i]
        x: list[int] = [1, 2, *rest]
        del x[0], y.z
        assert x, "message"
        raise E from cause
        return (yield value)
    class K(Base, metaclass=M):
        attr = lambda a, *, b=1: a if b else -a
        def g(self):
            with open(p) as h, other() as (i, j):
                pass
            try:
                pass
            except (A, B) as e:
                continue_ = not e
            else:
                pass
            finally:
                pass
            for i, j in zip(k, l):
                break
            else:
                print(f"{i!r:>{width}} {j=}")
            while i < j <= k is not None:
                i += 1
            match command:
                case Point(x=0, y=y) | [1, 2, *others] | {"k": v, **kw}:
                    pass
                case str() as s if s:
                    pass
            return {k: v for k, v in d.items()}, {s for s in t}, (g for g in h), d[1:2:3]
    x = await_ = b"bytes" b"concatenated" + ~y @ z ** 2
    if (n := len(a)) > 10: print(n); del n
    ''')


def _sources():
    out = [SOURCE, SOURCE.replace("\n", "\r\n"), "x = 1\r\ny = 2\ri = 3\n", "\f\nx = 1\n", ""]
    for cls in rules.all_rules():
        out += [Valid(e).source if isinstance(e, str) else e.source
                for e in list(cls.VALID) + list(cls.INVALID)]
        out += re.findall(r"```python\n(.*?)```", cls.doc(), re.S)
    return out


SOURCES = [pytest.param(s, id=str(i)) for i, s in enumerate(_sources())]


class _Recorder(cst.CSTVisitor):
    def __init__(self):
        super().__init__()
        self.events = []

    def on_visit(self, node):
        self.events.append(("visit", id(node)))
        return True

    def on_leave(self, original_node):
        self.events.append(("leave", id(original_node)))


@pytest.mark.parametrize("source", SOURCES)
def test_walk_visits_in_libcsts_order(source):
    module = cst.parse_module(source)
    expected = _Recorder()
    module.visit(expected)
    events = []
    walk(module, lambda n: events.append(("visit", id(n))),
         lambda n: events.append(("leave", id(n))))
    assert events == expected.events


@pytest.mark.parametrize("source", SOURCES)
def test_positions_are_libcsts(source):
    module = cst.parse_module(source)
    expected = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    mine = Positions(module)
    assert {node: mine[node] for node in expected} == dict(expected)


def test_the_engines_parse_is_libcsts_and_leaves_node_checks_on():
    from tfcompat.lint.engine import linter as engine
    from tfcompat.lint.engine.results import ParseFailure

    # The engine's parse also compiles the code: `match` only from Python 3.10.
    source = SOURCE if sys.version_info >= (3, 10) else re.sub(
        r"\n +match command:\n(?: {12}.*\n)+", "\n", SOURCE)
    module = engine.parse(source)
    assert module.deep_equals(cst.parse_module(source)) and module.code == source
    with pytest.raises(ParseFailure):
        engine.parse("def f(:\n")
    # Nodes built after a parse (a rule's fix), or after a failed one, are checked again.
    with pytest.raises(cst.CSTValidationError):
        cst.Name("1 not a name")

"""Node positions, as libcst's PositionProvider gives them, at a fraction of its cost.

PositionProvider splits every token on newlines and builds two position objects per node.
Here one code generation pass keeps only character offsets (an int per node); lines and
columns are worked out for the nodes asked about. The ranges are the same: the syntactic
ones, without the node's own whitespace or parentheses where libcst leaves them out.

Most files with findings need the positions of a few nodes only, often near the top: code
generation stops once the nodes asked for are placed, and runs again in full only when a node
after them is asked about.
"""
import bisect
import re

from libcst._nodes.internal import CodegenState
from libcst._position import CodePosition, CodeRange

from tfcompat.lint.engine.work import count

_NEWLINES = re.compile(r"\r\n?|\n")  # what libcst counts as a line end


class _Syntactic:
    """``with state.record_syntactic_position(node, ...)``, without a generator per use."""
    __slots__ = ("state", "node", "start_node", "end_node", "start")

    def __init__(self, state, node, start_node, end_node):
        self.state, self.node = state, node
        self.start_node, self.end_node = start_node, end_node

    def __enter__(self):
        self.start = self.state.length

    def __exit__(self, *exc):
        if exc[0] is not None:
            return False  # code generation stopped inside the node: its range is unknown
        ranges = self.state.ranges
        start = ranges[id(self.start_node)][0] if self.start_node is not None else self.start
        end = ranges[id(self.end_node)][1] if self.end_node is not None else self.state.length
        ranges[id(self.node)] = (start, end)
        return False


class _Placed(Exception):
    """Every node asked for has its range: code generation stops."""


class _OffsetState(CodegenState):
    def __init__(self, module, wanted=None):
        super().__init__(module.default_indent, module.default_newline)
        self.length = 0
        self.stack = []
        self.ranges = {}  # id(node) -> (start, end) offsets in the generated code
        self.wanted = wanted  # ids of the nodes whose ranges end the generation, or None

    def add_indent_tokens(self):
        self.tokens.extend(self.indent_tokens)
        for token in self.indent_tokens:
            self.length += len(token)

    def add_token(self, value):
        self.tokens.append(value)
        self.length += len(value)

    def pop_trailing_newline(self):
        pass  # libcst's positions count the newline a file without one ends in: so do these

    def before_codegen(self, node):
        self.stack.append(self.length)

    def after_codegen(self, node):
        start = self.stack.pop()
        key = id(node)
        if key not in self.ranges:  # a syntactic range recorded inside wins
            self.ranges[key] = (start, self.length)
        wanted = self.wanted
        if wanted is not None and key in wanted:
            wanted.discard(key)
            if not wanted:
                raise _Placed()

    def record_syntactic_position(self, node, *, start_node=None, end_node=None):
        return _Syntactic(self, node, start_node, end_node)


class Positions:
    """``positions[node]`` -> CodeRange (1-based lines, 0-based columns), like libcst's."""

    def __init__(self, module, wanted=()):
        """``wanted``: the nodes asked about first; generation stops once they are placed."""
        self.module = module  # keeps the nodes, whose ids are the keys, alive
        self._generate({id(node) for node in wanted} or None)

    def _generate(self, wanted):
        state = _OffsetState(self.module, wanted)
        try:
            self.module._codegen(state)
            self.complete = True
        except _Placed:
            self.complete = False
        self._ranges = state.ranges
        code = "".join(state.tokens)
        self._starts = [0] + [m.end() for m in _NEWLINES.finditer(code)]
        count("position passes" if self.complete else "position passes, stopped early")

    def _position(self, offset):
        line = bisect.bisect_right(self._starts, offset)
        return CodePosition(line, offset - self._starts[line - 1])

    def __getitem__(self, node):
        found = self._ranges.get(id(node))
        if found is None:
            if self.complete:
                raise KeyError(node)
            self._generate(None)  # a node after those placed: the whole module this time
            found = self._ranges[id(node)]
        start, end = found
        return CodeRange(self._position(start), self._position(end))

"""Where lint time goes, per step of the per-file pipeline, in one process (no workers).

A profile, not a timed benchmark: each step is timed with the process CPU clock around it, so
the table shows shares, and the timing itself costs a little. Steps: the byte scan (the
prefilter's first stage), the names the code uses (its second stage, Python's own parser), the
names-only path (imports and dotted names from that parser's tree, noqa comments), the libcst
parse, Python's syntax check of what libcst parsed, positions (libcst code generation),
each rule's own visit/leave code, each module-wide analysis (``Context.cached`` and whole-module
node searches, timed apart from the rule that asked), and the traversal around them. It also
counts, per file, how many files each rule lets through each stage, and how often a
module-wide question was answered by walking the whole tree.

    python bench/lint_profile.py [DIR] [--target-tf 2.16]   # default DIR: the bench corpus'
                                                           # tensor2tensor (bench/lint.py)

Writes nothing; bench/results/lint.md quotes its output.
"""
import argparse
import collections
import functools
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

import packages  # noqa: E402

clock = time.process_time


class Timer:
    """Exclusive CPU time per label: time spent in a nested label is not counted twice."""

    def __init__(self):
        self.total = collections.Counter()
        self.calls = collections.Counter()
        self.stack = []

    def run(self, label, fn, *args, **kwargs):
        now = clock()
        if self.stack:
            outer, started = self.stack[-1]
            self.total[outer] += now - started
        self.stack.append([label, now])
        try:
            return fn(*args, **kwargs)
        finally:
            end = clock()
            label_, started = self.stack.pop()
            self.total[label_] += end - started
            self.calls[label_] += 1
            if self.stack:
                self.stack[-1][1] = end

    def wrap(self, label, fn):
        @functools.wraps(fn)
        def timed(*args, **kwargs):
            return self.run(label, fn, *args, **kwargs)
        return timed


def instrument(timer, counts):
    """Patch the linter's steps to report to ``timer``; returns what it needs at the end."""
    import libcst as cst

    from tfcompat.lint import rules
    from tfcompat.lint.analysis import codenames, patterns
    from tfcompat.lint.engine import context, names, positions, writeback
    from tfcompat.lint.engine import linter as engine

    for cls in rules.all_rules():
        for _, _, attr in cls.hooks():
            setattr(cls, attr, timer.wrap("rule " + cls.code, getattr(cls, attr)))
        for attr in ("check_noqa", "check_names"):
            if hasattr(cls, attr):
                setattr(cls, attr, timer.wrap("rule " + cls.code, getattr(cls, attr)))

    cached = context.Context.cached

    def timed_cached(self, compute, *args):
        if compute in self._answers:
            counts["module-wide answers reused"] += 1
            return self._answers[compute]
        counts["module-wide analyses computed"] += 1
        name = getattr(compute, "__qualname__", repr(compute))
        return timer.run("analysis " + name, cached, self, compute, *args)

    context.Context.cached = timed_cached
    all_nodes = patterns.all_nodes

    def timed_all_nodes(module, types):
        if isinstance(module, cst.Module):
            counts["whole-module node searches"] += 1
        return timer.run("analysis: node search (patterns.all_nodes)", all_nodes, module, types)

    patterns.all_nodes = timed_all_nodes
    positions.Positions.__init__ = timer.wrap("positions (code generation)",
                                              positions.Positions.__init__)
    engine.cst.parse_module = timer.wrap("libcst parse", cst.parse_module)
    writeback.compile_error = timer.wrap("syntax check of the parsed text",
                                         writeback.compile_error)
    codenames.code_names = timer.wrap("prefilter stage 2: names in the code (ast)",
                                      codenames.code_names)
    names.File.uses = timer.wrap("names-only path: imports and dotted names (ast)",
                                 names.File.uses)
    names.noqa_lines = timer.wrap("names-only path: noqa comments (tokenizer)",
                                  names.noqa_lines)
    return engine, rules


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", nargs="?",
                        default=os.path.join(packages.HOME, "corpus", "tensor2tensor"))
    parser.add_argument("--target-tf")
    args = parser.parse_args()
    timer, counts = Timer(), collections.Counter()
    engine, rules = instrument(timer, counts)
    from tfcompat.lint.analysis import codenames
    from tfcompat.lint.driver.target import parse_target
    from tfcompat.lint.engine import pipeline, work

    linter = engine.Linter(rules.all_rules(),
                           parse_target(args.target_tf) if args.target_tf else None)
    paths = sorted(os.path.join(d, n) for d, _, names in os.walk(args.root)
                   for n in names if n.endswith(".py"))
    stage1, stage2, found = collections.Counter(), collections.Counter(), collections.Counter()
    parsed = checked = with_findings = 0
    start = clock()
    for path in paths:
        with open(path, "rb") as handle:
            data = handle.read()
        codes1 = timer.run("prefilter stage 1: byte scan", linter.prefilter.rules_for, data,
                           linter.enabled)
        stage1.update(codes1)
        if not codes1:
            continue
        try:
            names = codenames.code_names(data)
        except codenames.TooDeep:
            continue
        codes = linter.prefilter.rules_in_code(names, codes1) if names is not None else codes1
        stage2.update(codes)
        if not codes:
            continue
        narrow = linter.narrowed(pipeline.rules_to_run(codes, "check"))
        before = work.COUNTS["libcst parses"]
        try:
            findings = timer.run("traversal and dispatch", narrow.check,
                                 pipeline.files.decode(data).text,
                                 tree=names.tree if names is not None else None)
        except Exception:  # a file libcst cannot parse: counted as parsed, no findings
            findings = []
        checked += 1
        parsed += work.COUNTS["libcst parses"] > before
        with_findings += bool(findings)
        found.update(f.code for f in findings)
    total = clock() - start
    print("%s: %d files; %d linted (%d parsed by libcst, the rest names-only), %d with "
          "findings; %.2f s CPU in all (profiled)"
          % (args.root, len(paths), checked, parsed, with_findings, total))
    print("\n| step | CPU s | share | calls |\n|---|---:|---:|---:|")
    for label, seconds in timer.total.most_common():
        print("| %s | %.2f | %.0f%% | %d |" % (label, seconds, 100 * seconds / total,
                                              timer.calls[label]))
    print("\n| count | per parsed file | in all |\n|---|---:|---:|")
    for label, n in sorted(counts.items()):
        print("| %s | %.1f | %d |" % (label, n / max(parsed, 1), n))
    print("\n| rule | stage 1 (bytes) | stage 2 (code names) | findings |\n|---|---:|---:|---:|")
    for code in sorted(set(stage1) | set(stage2)):
        print("| %s | %d | %d | %d |" % (code, stage1[code], stage2[code], found[code]))


if __name__ == "__main__":
    main()

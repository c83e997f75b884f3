"""Counts of the linter's expensive steps: libcst parses, position passes, nodes walked, rule
hook calls, whole-module searches. Unlike time, they are the same on every machine and every
run, so a test (tests/lint/test_work.py) can hold them to committed values, and a change that
sends every file down the expensive path fails it. bench/lint_profile.py reports them too.
"""
import collections

COUNTS = collections.Counter()  # this process's counts since it started


def count(step, n=1):
    COUNTS[step] += n

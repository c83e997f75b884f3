"""Worker processes that a file cannot take down, and the main process's share of a run.

libcst's native parser overflows its stack (SIGSEGV) on nesting a few thousand levels deep, and
can take minutes on some inputs: every parse therefore happens in a worker process, even with
``--jobs 1``. A worker that dies or runs past the time limit is replaced, the file it held is
reported as TFC904, and the run goes on. Rules and settings are built once per worker.

The main process reads each file, looks it up in the cache and runs the prefilter; only the
files that are left start workers. A run that the cache or the prefilter answers whole starts
none and never loads libcst.
"""
import collections
import dataclasses
import os
import signal
import sys
import threading
import time

from tfcompat.lint.analysis.prefilter import Prefilter
from tfcompat.lint.driver import lifeline
from tfcompat.lint.engine import noqa, pipeline
from tfcompat.lint.engine.results import FileResult, error

TIMEOUT_ENV = "TFCOMPAT_FILE_TIMEOUT"
DEFAULT_TIMEOUT = 300.0  # seconds for one file


def _context():
    import multiprocessing  # here: a run with nothing to parse does without it

    # fork starts a worker in milliseconds with everything imported; spawn where there is none.
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else "spawn")


def rule_specs(cache=None):
    """{code: the prefilter's spec} of every rule (tfcompat.lint.analysis.prefilter.spec):
    from the cache when it knows this tool, else from the registry."""
    found = cache.rules() if cache is not None else None
    if found is None:
        from tfcompat.lint import rules
        from tfcompat.lint.analysis.prefilter import spec

        found = {cls.code: spec(cls) for cls in rules.all_rules()}
        if cache is not None:
            cache.put_rules(found)
    return found


def _worker(conn, table, mode, parent=None):
    lifeline.in_worker(parent if parent is not None else os.getppid())
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # a parser crash leaves no core file
    except (ImportError, ValueError, OSError):
        pass
    sys.setrecursionlimit(10000)
    from tfcompat.lint import rules
    from tfcompat.lint.engine.linter import Linter

    by_code = {cls.code: cls for cls in rules.all_rules()}
    linters = {}
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):
            return
        if task is None:
            return
        settings = table[task.settings]
        linter = linters.get(task.settings)
        if linter is None:
            linter = linters[task.settings] = Linter(
                [by_code[c] for c in settings.codes], settings.target_tf,
                settings.unsafe_fixes, settings.keras_target)
        # Only the rules that could fire; a fix loop lints its results with all of them.
        conn.send(pipeline.process(task, linter.narrowed(task.codes), mode))


def _triage(task, settings, mode, cache, prefilter):
    """(FileResult, None, None) when the main process can answer for the file (the cache, or
    tfcompat.lint.engine.pipeline's steps before the parse), else (None, the task to parse, carrying
    the bytes read and the rules that could fire, its cache key)."""
    key = echo = None
    try:
        data, stat = pipeline.read(task)
        echo = data if (task.path is None and mode == "fix") else None
        key = cache.key(pipeline.cache_bytes(task, data), settings) if (
            cache is not None) else None
        cached = cache.get(key) if key is not None else None
        if cached is not None and (mode == "check" or not (
                noqa.targets(cached) if mode == "add-noqa"
                else any(f.fixable for f in cached))):
            return FileResult(task.display, cached, output=echo), None, None
        codes = pipeline.prepare(data, mode, settings.codes, prefilter,
                                 is_notebook=pipeline.is_notebook(task))[1]
    except pipeline.Answered as answer:
        if key is not None and answer.cacheable:
            cache.put(key, answer.findings)
        return FileResult(task.display, answer.findings, output=echo), None, None
    work = dataclasses.replace(task, data=data, stat=stat, codes=codes)
    return None, work, key


class _Slot:
    def __init__(self, ctx, args):
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_worker, args=(child,) + args, daemon=True)
        self.proc.start()
        child.close()
        self.task = None
        self.started = 0.0

    def stop(self, kill=False):
        """Ask an idle worker to end; end a busy one (``kill``) without cutting a write short."""
        if not kill:
            try:
                self.conn.send(None)
            except OSError:
                pass
            self.proc.join(timeout=5)
        lifeline.stop(self.proc)
        self.conn.close()


def run(tasks, table, mode, jobs, cache=None, timeout=None, progress=None):
    """FileResults of ``tasks``, in task order; the files that need a parse are linted by up
    to ``jobs`` worker processes, started only when there is such a file. ``progress(result)``
    is called as each file is done, in the order they finish."""
    if timeout is None:
        timeout = float(os.environ.get(TIMEOUT_ENV) or DEFAULT_TIMEOUT)
    prefilter = Prefilter.of_specs(rule_specs(cache))
    results = [None] * len(tasks)
    keys = {}

    def pending():
        for task in tasks:
            result, work, key = _triage(task, table[task.settings], mode, cache, prefilter)
            if result is not None:
                results[task.index] = result
                if progress is not None:
                    progress(result)
            else:
                keys[task.index] = key
                yield work

    queue = collections.deque()
    source = pending()
    for work in source:
        queue.append(work)
        break
    if queue:
        _pool(queue, source, results, table, mode, jobs, timeout, progress,
              preload=len(tasks) > 1)
    if cache is not None:
        for index, key in keys.items():
            _remember(cache, key, results[index], mode, table[tasks[index].settings])
        cache.write()
    return results


def _remember(cache, key, result, mode, settings):
    if key is None or any(f.code == "TFC904" for f in result.findings):
        return  # a crash or a timeout may not happen next time
    if mode == "check":
        cache.put(key, result.findings)
    elif mode == "fix" and result.digest:
        cache.put((key[0], result.digest), result.findings)


def _pool(queue, source, results, table, mode, jobs, timeout, progress, preload=True):
    """Lint the queued files and those ``source`` yields in workers, one more worker (up to
    ``jobs``) each time a file waits and none is free. ``preload``: load libcst before the
    workers start (for one file, a worker loads it only if the file needs a libcst parse)."""
    from multiprocessing import connection

    # Workers forked after the rules are loaded start with them (and libcst) in memory.
    from tfcompat.lint import libcst_lazy, rules

    rules.all_rules()
    if preload or threading.active_count() > 1:
        # With other threads (the language server), also so that no import of libcst is
        # under way in one of them when a worker is forked: the worker would wait forever.
        libcst_lazy.load()
    ctx = _context()
    args = (table, mode, os.getpid())
    slots = []

    def refill():
        if not queue:
            work = next(source, None)
            if work is not None:
                queue.append(work)

    def hand_out(i):
        """Give the next file to idle slot ``i``; False when there is none."""
        refill()
        if not queue:
            return False
        slot = slots[i]
        try:
            slot.conn.send(queue[0])
        except OSError:  # died while idle: replace it, the task waits
            slot.stop(kill=True)
            slots[i] = _Slot(ctx, args)
            return True
        slot.task, slot.started = queue.popleft(), time.monotonic()
        return True

    try:
        while True:
            for i in range(len(slots)):
                if slots[i].task is None and not hand_out(i):
                    break
            # Every worker busy and files waiting: one more worker, up to ``jobs``.
            while len(slots) < jobs and all(s.task is not None for s in slots):
                refill()
                if not queue:
                    break
                slots.append(_Slot(ctx, args))
                hand_out(len(slots) - 1)
            busy = [s for s in slots if s.task is not None]
            if not busy:
                if not queue:
                    return
                continue
            waits = [s.conn for s in busy] + [s.proc.sentinel for s in busy]
            deadline = min(s.started for s in busy) + timeout
            connection.wait(waits, timeout=max(0.0, deadline - time.monotonic()))
            for i, slot in enumerate(slots):
                if slot.task is None:
                    continue
                result = _receive(slot)
                if result is not None:
                    results[slot.task.index], slot.task = result, None
                elif not slot.proc.is_alive() or time.monotonic() - slot.started > timeout:
                    result = results[slot.task.index] = _lost(slot, timeout)
                    slot.stop(kill=True)
                    slots[i] = _Slot(ctx, args)
                if result is not None and progress is not None:
                    progress(result)
    finally:
        with lifeline.uninterrupted():
            for slot in slots:
                slot.stop(kill=slot.task is not None)


def _receive(slot):
    try:
        if slot.conn.poll():
            return slot.conn.recv()
    except (EOFError, OSError):
        pass
    return None


def _lost(slot, timeout):
    code = slot.proc.exitcode
    if code is None:
        why = "gave up after %g s (%s)" % (timeout, TIMEOUT_ENV)
    elif code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = "signal %d" % -code
        why = "the parser process died (%s); nesting too deep to parse?" % name
    else:
        why = "the parser process exited with status %d" % code
    return FileResult(slot.task.display, [error("TFC904", "crashed: " + why)])

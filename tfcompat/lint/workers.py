"""Worker processes that a file cannot take down.

libcst's native parser overflows its stack (SIGSEGV) on nesting a few thousand levels deep, and
can take minutes on some inputs: every file is therefore linted in a worker process, even with
``--jobs 1``. A worker that dies or runs past the time limit is replaced, the file it held is
reported as TFC904, and the run goes on. Rules and settings are built once per worker.
"""
import collections
import multiprocessing
import os
import signal
import sys
import time
from multiprocessing.connection import wait

from tfcompat.lint import engine, rules
from tfcompat.lint.cache import Cache

TIMEOUT_ENV = "TFCOMPAT_FILE_TIMEOUT"
DEFAULT_TIMEOUT = 300.0  # seconds for one file


def _context():
    # fork starts a worker in milliseconds with everything imported; spawn where there is none.
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else "spawn")


def _worker(conn, table, mode, cache_dir, salt):
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # a parser crash leaves no core file
    except (ImportError, ValueError, OSError):
        pass
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    sys.setrecursionlimit(10000)
    by_code = {cls.code: cls for cls in rules.all_rules()}
    cache = Cache(cache_dir, salt) if cache_dir else None
    linters = {}
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):
            return
        if task is None:
            return
        linter = linters.get(task.settings)
        if linter is None:
            settings = table[task.settings]
            linter = linters[task.settings] = engine.Linter(
                [by_code[c] for c in settings.codes], settings.target_tf, settings.unsafe_fixes,
                settings.keras_target)
        conn.send(engine.process(task, linter, mode, cache, table[task.settings]))


class _Slot:
    def __init__(self, ctx, args):
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_worker, args=(child,) + args, daemon=True)
        self.proc.start()
        child.close()
        self.task = None
        self.started = 0.0

    def stop(self, kill=False):
        if kill:
            self.proc.kill()
        else:
            try:
                self.conn.send(None)
            except OSError:
                pass
        self.proc.join(timeout=5)
        if self.proc.is_alive():
            self.proc.kill()
            self.proc.join()
        self.conn.close()


def run(tasks, table, mode, jobs, cache_dir=None, salt="", timeout=None, progress=None):
    """FileResults of ``tasks``, in task order, linted by up to ``jobs`` worker processes.

    ``progress(result)`` is called as each file is done, in the order they finish."""
    if timeout is None:
        timeout = float(os.environ.get(TIMEOUT_ENV) or DEFAULT_TIMEOUT)
    results = [None] * len(tasks)
    queue = collections.deque(tasks)
    ctx = _context()
    args = (table, mode, cache_dir, salt)
    slots = [_Slot(ctx, args) for _ in range(max(1, min(jobs, len(tasks))))]
    try:
        while queue or any(s.task for s in slots):
            for i, slot in enumerate(slots):
                if slot.task is None and queue:
                    try:
                        slot.conn.send(queue[0])
                    except OSError:  # died while idle: replace it, the task waits
                        slot.stop(kill=True)
                        slots[i] = _Slot(ctx, args)
                        continue
                    slot.task, slot.started = queue.popleft(), time.monotonic()
            busy = [s for s in slots if s.task is not None]
            if not busy:
                continue
            waits = [s.conn for s in busy] + [s.proc.sentinel for s in busy]
            deadline = min(s.started for s in busy) + timeout
            wait(waits, timeout=max(0.0, deadline - time.monotonic()))
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
        for slot in slots:
            slot.stop(kill=slot.task is not None)
    return results


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
    return engine.FileResult(slot.task.display, [engine.error("TFC904", "crashed: " + why)])

"""Ending a run: workers die with the main process, and a signal leaves no file half-done.

A worker writes the files it fixes (a temporary file, then a rename: tfcompat.lint.driver.files). It
must therefore end on SIGTERM by unwinding (the temporary file is removed on the way out), not
by a SIGKILL in the middle of a write, and it must not outlive the main process: forked workers
inherit the main process's ends of every pipe, so a killed main process leaves them no EOF to
notice. Each worker watches its parent's pid instead and ends itself once it changes.

The main process turns SIGTERM into an exception, as Python does SIGINT, so that the run
stops its workers and exits 143 (130 for Ctrl-C); signals after the first are ignored.
"""
import contextlib
import os
import signal
import sys
import threading
import time

POLL = 0.2    # seconds between two looks at the parent
GRACE = 2.0   # seconds a worker has to unwind after SIGTERM before it is killed


class Terminated(BaseException):
    """SIGTERM reached the main process (a BaseException, as KeyboardInterrupt is)."""


def _unwind(signum, frame):
    sys.exit(128 + signum)  # SystemExit: ``finally`` and ``except BaseException`` blocks run


def in_worker(parent):
    """Called first thing in a worker process whose parent's pid is ``parent``."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    signal.signal(signal.SIGTERM, _unwind)
    thread = threading.Thread(target=_watch, args=(parent,), name="tfcompat-lifeline",
                              daemon=True)
    thread.start()


def _watch(parent):
    while os.getppid() == parent:
        time.sleep(POLL)
    # Orphaned: unwind (the main thread runs the handler between two bytecodes)...
    os.kill(os.getpid(), signal.SIGTERM)
    # ...unless it is inside the parser, which may not return for minutes.
    time.sleep(GRACE)
    os._exit(1)


def stop(proc):
    """End a worker process: SIGTERM, GRACE seconds to unwind, then SIGKILL; reaped."""
    if proc.is_alive():
        proc.terminate()
        proc.join(timeout=GRACE)
    if proc.is_alive():
        proc.kill()
    proc.join()


@contextlib.contextmanager
def signals():
    """For the duration, the first SIGINT or SIGTERM raises KeyboardInterrupt or Terminated in
    the main thread, and every later one is ignored: the run is ending already, and a burst of
    Ctrl-C must not cut its cleanup short. Elsewhere than in the main thread: nothing."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    ended = []

    def ending(signum, frame):
        for each in (signal.SIGINT, signal.SIGTERM):
            signal.signal(each, signal.SIG_IGN)
        ended.append(signum)
        raise KeyboardInterrupt() if signum == signal.SIGINT else Terminated()

    previous = {s: signal.signal(s, ending) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        if not ended:
            for signum, handler in previous.items():
                signal.signal(signum, handler)


@contextlib.contextmanager
def uninterrupted():
    """Ctrl-C and SIGTERM wait while the block runs (stopping the workers after a first one: a
    burst of Ctrl-C must not cut that short); the main thread only."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    pending = []

    def remember(signum, frame):
        pending.append(signum)

    previous = {s: signal.signal(s, remember) for s in (signal.SIGINT, signal.SIGTERM)}

    def restore():
        for signum, handler in previous.items():
            signal.signal(signum, handler)

    try:
        yield
    except BaseException:
        restore()
        raise  # already ending: what came meanwhile says the same
    restore()
    if pending:
        raise KeyboardInterrupt() if pending[0] == signal.SIGINT else Terminated()

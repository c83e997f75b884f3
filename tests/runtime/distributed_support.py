"""Start distributed_run.py: one process (MirroredStrategy, Keras 3 DataParallel) or two
worker processes on 127.0.0.1 with TF_CONFIG and ports picked now, bounded in time; every
process started is killed and reaped before returning, whatever happens."""
import json
import os
import socket
import subprocess
import sys
import tempfile
import time

SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "distributed_run.py")
TIMEOUT = 240  # seconds for a whole run: TF starts in about 10 s per process here


def free_ports(count):
    """Ports free on 127.0.0.1 now (held together so that they differ)."""
    sockets = []
    try:
        for _ in range(count):
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.bind(("127.0.0.1", 0))
            sockets.append(sock)
        return [s.getsockname()[1] for s in sockets]
    finally:
        for sock in sockets:
            sock.close()


def _report(output):
    for line in reversed(output.splitlines()):
        if line.startswith("REPORT "):
            return json.loads(line[len("REPORT "):])
    return {"ok": False, "error": "no report", "message": output[-3000:]}


def _start(args, env):
    # Output to a file, not a pipe: a full pipe would block a worker the other one waits on.
    log = tempfile.TemporaryFile()
    process = subprocess.Popen([sys.executable, SCRIPT] + [str(a) for a in args], env=env,
                               stdout=log, stderr=subprocess.STDOUT)
    return process, log


def run_processes(args, envs, timeout=TIMEOUT):
    """One distributed_run.py per environment in ``envs``, at once; their reports, or one
    timeout report when they are not all done ``timeout`` seconds after the start."""
    started = []
    deadline = time.time() + timeout
    try:
        for env in envs:
            started.append(_start(args, env))
        reports = []
        for process, log in started:
            try:
                process.wait(timeout=max(1, deadline - time.time()))
            except subprocess.TimeoutExpired:
                log.seek(0)
                tail = log.read().decode("utf-8", "replace")[-3000:]
                return [{"ok": False, "error": "timeout",
                         "message": "no report in %d s: %s" % (timeout, tail)}]
            log.seek(0)
            reports.append(_report(log.read().decode("utf-8", "replace")))
        return reports
    finally:
        for process, log in started:
            if process.poll() is None:
                process.kill()
            process.wait()
            log.close()


def environment(**extra):
    env = dict(os.environ)
    env.pop("TF_CONFIG", None)
    env.update(extra)
    return env


def run_one(flavor, kind, feeding="tfcompat", epochs=2, **env):
    """A MirroredStrategy or DataParallel run in one process: its report."""
    return run_processes([flavor, kind, feeding, epochs], [environment(**env)])[0]


def run_workers(flavor, feeding="tfcompat", epochs=1, workers=2):
    """MultiWorkerMirroredStrategy over ``workers`` processes on 127.0.0.1: their reports."""
    cluster = ["127.0.0.1:%d" % port for port in free_ports(workers)]
    envs = [environment(TF_CONFIG=json.dumps({"cluster": {"worker": cluster},
                                              "task": {"type": "worker", "index": index}}))
            for index in range(workers)]
    return run_processes([flavor, "multiworker", feeding, epochs], envs)

"""`tfcompat server` on large files: how long diagnostics take, and how fast requests are
answered meanwhile.

A benchmark, not a test. It starts the real server (this checkout, with the interpreter running
this script, which needs pygls: `pip install -e '.[server]'`), speaks JSON-RPC to it over pipes
as an editor does, and for each kind of generated file of ``--lines`` lines measures:

- open -> diagnostics: seconds from didOpen to the publishDiagnostics of that version;
- change -> diagnostics: the same after a didChange (the 0.3 s debounce included);
- request latency while linting: a codeAction request every 0.2 s while the lint runs; the
  slowest answer (the server waits ANSWER_WITHIN at most for the lint, then answers with what
  it has).

Medians of ``--runs`` runs, beside `tfcompat lint -` on the same text. Writes
bench/results/server.md (rows of kinds not measured in this run are kept).

    python bench/server.py                      # 10,000 lines, 3 runs
    python bench/server.py --lines 2000 --runs 1
"""
import argparse
import json
import os
import platform
import select
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
RESULTS = os.path.join(HERE, "results")

# One function of each kind; the file repeats it (renamed) up to the number of lines.
KINDS = {
    # No rule's token: the prefilter answers without a parse.
    "no rule tokens": '''
def step_{n}(values, scale=2.0):
    total = 0.0
    for i, value in enumerate(values):
        if i % 3 == 0:
            total += value * scale
        else:
            total -= value / scale
    return {{"total": total, "count": len(values)}}
''',
    # tf.data code as the rules want it: a parse and every rule, no finding.
    "tf.data code without findings": '''
def pipeline_{n}(x, y, model):
    ds = tf.data.Dataset.from_tensor_slices((x, y))
    ds = ds.shuffle(64).batch(8).prefetch(tf.data.AUTOTUNE)
    history = model.fit(ds, epochs=1, verbose=0)
    return history.history["loss"]
''',
    # The bundled examples' kind of code: a finding every few lines.
    "TF 1 feeding code with findings": '''
def feed_{n}(sess, ds, model):
    it = ds.make_one_shot_iterator()
    while True:
        x = sess.run(it.get_next())
    model.fit_generator(iter([x]), steps_per_epoch=1)
''',
}
HEADER = "import tensorflow as tf\n"


def source(kind, lines):
    parts, n = [HEADER], 0
    count = 1
    while count < lines:
        block = KINDS[kind].format(n=n)
        parts.append(block)
        count += block.count("\n")
        n += 1
    return "".join(parts)


class Server:
    """The server process and a JSON-RPC conversation with it."""

    def __init__(self, root):
        env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
        env.pop("TFCOMPAT_CACHE_DIR", None)
        self.proc = subprocess.Popen([sys.executable, "-m", "tfcompat", "server"],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, env=env, cwd=root)
        self.buffer, self.next_id = b"", 0
        self.request("initialize", {"processId": os.getpid(), "rootUri": "file://" + root,
                                    "capabilities": {}})
        self.notify("initialized", {})

    def send(self, message):
        body = json.dumps(dict(message, jsonrpc="2.0")).encode()
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.proc.stdin.flush()

    def notify(self, method, params):
        self.send({"method": method, "params": params})

    def ask(self, method, params):
        self.next_id += 1
        self.send({"id": self.next_id, "method": method, "params": params})
        return self.next_id

    def receive(self, timeout):
        """The next message, or None after ``timeout`` seconds."""
        end = time.monotonic() + timeout
        while True:
            head, sep, rest = self.buffer.partition(b"\r\n\r\n")
            if sep:
                length = int([line.split(b":")[1] for line in head.split(b"\r\n")
                              if line.lower().startswith(b"content-length")][0])
                if len(rest) >= length:
                    self.buffer = rest[length:]
                    return json.loads(rest[:length])
            left = end - time.monotonic()
            if left <= 0 or not select.select([self.proc.stdout], [], [], left)[0]:
                return None
            chunk = os.read(self.proc.stdout.fileno(), 1 << 20)
            if not chunk:
                raise RuntimeError("the server exited")
            self.buffer += chunk

    def request(self, method, params, timeout=120):
        wanted = self.ask(method, params)
        while True:
            message = self.receive(timeout)
            if message is None:
                raise RuntimeError("no answer to %s in %s s" % (method, timeout))
            if message.get("id") == wanted:
                return message

    def diagnostics(self, uri, version, limit):
        """(seconds to the diagnostics of ``version``, their number, slowest codeAction answer
        meanwhile); seconds is None past ``limit``."""
        start = time.monotonic()
        asked, slowest, pending = None, 0.0, None
        while time.monotonic() - start < limit:
            if pending is None:
                pending = self.ask("textDocument/codeAction", {
                    "textDocument": {"uri": uri},
                    "range": {"start": {"line": 0, "character": 0},
                              "end": {"line": 0, "character": 0}},
                    "context": {"diagnostics": []}})
                asked = time.monotonic()
            message = self.receive(0.2)
            if message is None:
                continue
            if message.get("id") == pending:
                slowest, pending = max(slowest, time.monotonic() - asked), None
            elif (message.get("method") == "textDocument/publishDiagnostics"
                  and message["params"]["uri"] == uri
                  and message["params"].get("version") == version):
                took = time.monotonic() - start
                return took, len(message["params"]["diagnostics"]), slowest
        return None, None, slowest

    def close(self):
        try:
            self.request("shutdown", None, timeout=30)
            self.notify("exit", None)
            self.proc.wait(timeout=30)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()


def cli_seconds(text, root, limit):
    """Seconds `tfcompat lint --stdin-filename big.py -` takes on ``text`` (None past limit)."""
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    env.pop("TFCOMPAT_CACHE_DIR", None)
    start = time.monotonic()
    try:
        subprocess.run([sys.executable, "-m", "tfcompat", "lint", "--no-cache", "--quiet",
                        "--stdin-filename", "big.py", "-"], input=text.encode(), cwd=root,
                       env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       timeout=limit)
    except subprocess.TimeoutExpired:
        return None
    return time.monotonic() - start


def measure(kind, lines, limit):
    with tempfile.TemporaryDirectory() as root:
        with open(os.path.join(root, "pyproject.toml"), "w") as handle:
            handle.write('[tool.tfcompat]\ntarget-tf = "2.16"\n')
        text = source(kind, lines)
        uri = "file://" + os.path.join(root, "big.py")
        server = Server(root)
        try:
            server.notify("textDocument/didOpen", {"textDocument": {
                "uri": uri, "languageId": "python", "version": 1, "text": text}})
            opened = server.diagnostics(uri, 1, limit)
            server.notify("textDocument/didChange", {
                "textDocument": {"uri": uri, "version": 2},
                "contentChanges": [{"text": text + "\nprint('changed')\n"}]})
            changed = server.diagnostics(uri, 2, limit) if opened[0] is not None else (
                None, None, 0.0)
        finally:
            server.close()
        cli = cli_seconds(text, root, limit) if opened[0] is not None else None
    return text.count("\n"), opened, changed, cli


def _median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def _s(value, limit):
    return "> %d s" % limit if value is None else "%.2f s" % value


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=10000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--limit", type=float, default=300.0,
                        help="seconds to wait for one file's diagnostics")
    parser.add_argument("--only", help="comma-separated kinds (default: all)")
    args = parser.parse_args()
    kinds = args.only.split(",") if args.only else list(KINDS)
    rows = []
    for kind in kinds:
        runs = [measure(kind, args.lines, args.limit) for _ in range(args.runs)]
        lines = runs[0][0]
        row = "| %s | %d | %s | %s | %s | %.2f s | %s |" % (
            kind, lines, "-" if runs[0][1][1] is None else runs[0][1][1],
            _s(_median([r[1][0] for r in runs]), args.limit),
            _s(_median([r[2][0] for r in runs]), args.limit),
            max(max(r[1][2], r[2][2]) for r in runs),
            _s(_median([r[3] for r in runs]), args.limit))
        print(row, flush=True)
        rows.append(row)
    os.makedirs(RESULTS, exist_ok=True)
    path = os.path.join(RESULTS, "server.md")
    kept = []  # rows of kinds not measured this time stay as they were
    if os.path.exists(path):
        with open(path) as handle:
            kept = [line.rstrip("\n") for line in handle if line.startswith("| ")
                    and line.split("|")[1].strip() not in kinds + ["file", "---"]]
    with open(path, "w") as handle:
        handle.write("# tfcompat server on large files\n\n`python bench/server.py --lines %d "
                     "--runs %d --limit %g` (last run: %s) on %s, Python %s, %d CPUs, load "
                     "average %.1f at the end. Medians of the runs; the last column is "
                     "`tfcompat lint -` on the same text, for comparison.\n\n"
                     % (args.lines, args.runs, args.limit, ", ".join(kinds),
                        platform.machine(), platform.python_version(), os.cpu_count(),
                        os.getloadavg()[0]))
        handle.write("| file | lines | findings | open -> diagnostics | change -> diagnostics "
                     "| slowest request meanwhile | tfcompat lint (CLI) |\n"
                     "|---|---|---|---|---|---|---|\n")
        for row in kept + rows:
            handle.write(row + "\n")


if __name__ == "__main__":
    main()

"""Lint speed: tfcompat lint against ruff, Fixit and tf_upgrade_v2 on a real TensorFlow corpus.

A benchmark, not a test. Everything it downloads lives in $TFCOMPAT_BENCH_HOME (default
~/.cache/tfcompat-bench), never in git:

- the corpus: `pip download --no-deps` of tensor2tensor, keras (sdist), tensorpack, tf-slim and
  the tensorflow 1.15.5 wheel, of which only the `.py` files are unpacked;
- a virtual environment with the other tools (ruff, Fixit 2.2.1, tf_upgrade_v2 from
  tensorflow-cpu 2.15.1), tfcompat's own dependencies and matplotlib for the chart.

tfcompat (this checkout, on PYTHONPATH) and the ast.parse floor run with that environment's
Python: a bare interpreter, as a user's tool environment is (a site hook of the interpreter
running this script may cost more than a warm run). Each command is run once as a warm-up
(its whole process tree's memory is sampled then), then timed ``--runs`` times; the table shows
the median wall and CPU time, the peak RSS of the largest process (from wait4), the peak PSS of
the whole process tree, and ratios taken within this one run. Fixit needs minutes for one
package, so it and tf_upgrade_v2 run on one package (``--slow-corpus``), beside tfcompat and ruff
on the same files. Writes bench/results/lint.md and lint.png.

    python bench/lint.py                     # everything, 5 timed runs each
    python bench/lint.py --runs 1 --only tfcompat,ruff
"""
import argparse
import io
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

import packages
from packages import log

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
RESULTS = os.path.join(HERE, "results")
HOME = packages.HOME

# (directory in the corpus, requirement, extra `pip download` arguments)
PACKAGES = [
    ("tensor2tensor", "tensor2tensor==1.15.7", []),
    ("keras", "keras==2.3.1", ["--no-binary", ":all:"]),
    ("tensorpack", "tensorpack==0.11", []),
    ("tf_slim", "tf-slim==1.1.0", []),
    ("tensorflow", "tensorflow==1.15.5", ["--only-binary", ":all:", "--python-version", "3.7",
                                          "--platform", "manylinux2010_x86_64"]),
]
TOOLS = ["ruff", "fixit==2.2.1", "tensorflow-cpu==2.15.1", "matplotlib",
         "libcst>=1.1", "tqdm>=4.62"]  # the last two: what tfcompat needs

AST_FLOOR = r"""
import ast, os, sys, warnings
warnings.simplefilter("ignore")
for d, _, names in os.walk(sys.argv[1]):
    for n in names:
        if n.endswith(".py"):
            with open(os.path.join(d, n), "rb") as f:
                data = f.read()
            try:
                ast.parse(data)
            except (SyntaxError, ValueError):
                pass  # Python 2 files
"""


# ------------------------------------------------------------------------------ setup
def tools_venv():
    venv = os.path.join(HOME, "venv")
    marker = os.path.join(venv, "tfcompat-bench-tools.json")
    try:
        with open(marker) as handle:
            if json.load(handle) == TOOLS:
                return venv
    except (OSError, ValueError):
        pass
    log("setting up %s: %s" % (venv, ", ".join(TOOLS)))
    if not os.path.isfile(os.path.join(venv, "bin", "python")):
        subprocess.run([sys.executable, "-m", "venv", venv], check=True)
    subprocess.run([os.path.join(venv, "bin", "python"), "-m", "pip", "install", "-q"] + TOOLS,
                   check=True)
    with open(marker, "w") as handle:
        json.dump(TOOLS, handle)
    return venv


def corpus():
    """The corpus directory, built on first use: only the .py files of each package."""
    return packages.unpack(PACKAGES, os.path.join(HOME, "corpus"))


def count(root):
    """(files, lines, bytes) of the .py files under root, per package and in all."""
    rows = {}
    for dirname, _, _ in PACKAGES:
        n = lines = size = 0
        for d, _, names in os.walk(os.path.join(root, dirname)):
            for name in names:
                if name.endswith(".py"):
                    with open(os.path.join(d, name), "rb") as handle:
                        data = handle.read()
                    n += 1
                    size += len(data)
                    lines += data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0)
        rows[dirname] = (n, lines, size)
    rows["all"] = tuple(sum(r[i] for r in rows.values()) for i in range(3))
    return rows


# ------------------------------------------------------------------------------ measuring
def _tree_pss(pid):
    """Summed PSS (bytes) of pid and its descendants now; shared pages are split, not doubled."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            with open("/proc/%d/smaps_rollup" % p) as handle:
                for line in handle:
                    if line.startswith("Pss:"):
                        total += int(line.split()[1]) * 1024
                        break
            for task in os.listdir("/proc/%d/task" % p):
                with open("/proc/%d/task/%s/children" % (p, task)) as handle:
                    todo.extend(int(c) for c in handle.read().split())
        except (OSError, ValueError):
            pass
    return total


def measure(cmd, env=None, sample=False, cwd=ROOT):
    """(wall s, CPU s of the whole tree, largest process's peak RSS in bytes, peak tree PSS in
    bytes or None, exit code). ``cwd``: `python -m` puts it first on sys.path, so it picks the
    tfcompat checkout that runs."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    peak, done = [0], threading.Event()

    def sampler():
        while not done.wait(0.02):
            peak[0] = max(peak[0], _tree_pss(proc.pid))

    thread = threading.Thread(target=sampler, daemon=True) if sample else None
    if thread:
        thread.start()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    done.set()
    if thread:
        thread.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    cpu = usage.ru_utime + usage.ru_stime  # includes the children it waited for
    return (wall, cpu, usage.ru_maxrss * 1024, (peak[0] or None) if sample else None,
            proc.returncode)


class Bench:
    def __init__(self, name, cmd, corpus, ok=(0,), before=None, env=None, runs=None,
                 warmup=True, prepare=None, cwd=ROOT):
        self.name, self.cmd, self.corpus, self.ok = name, cmd, corpus, ok
        self.before = before    # called before every run, untimed (e.g. change a file)
        self.prepare = prepare  # called once before the warm-up, untimed
        self.env, self.runs, self.warmup, self.cwd = env, runs, warmup, cwd
        self.walls, self.cpu, self.rss, self.pss = [], [], [], None

    def run(self, runs):
        for i in self.indexes(runs):
            self.run_once(i)
        return self

    def indexes(self, runs):
        """The run numbers: 0 for the warm-up, then 1..runs."""
        return range(0 if self.warmup else 1, (self.runs or runs) + 1)

    def run_once(self, i):
        first = 0 if self.warmup else 1
        if i == first and self.prepare:
            self.prepare()
        if self.before:
            self.before(i)
        wall, cpu, rss, pss, code = measure(self.cmd, self.env, sample=i == first,
                                            cwd=self.cwd)
        if code not in self.ok:
            raise SystemExit("%s exited %d: %s" % (self.name, code, " ".join(self.cmd)))
        if i == first:
            self.pss = pss  # the whole tree's memory is sampled in the first run only
        if i:
            self.walls.append(wall)
            self.cpu.append(cpu)
            self.rss.append(rss)
        log("  %-44s %s %.2f s  cpu %.2f s  rss %d MB  (%s)" % (
            self.name, "run %d  " % i if i else "warm-up", wall, cpu, rss >> 20, self.corpus))

    @property
    def median(self):
        return statistics.median(self.walls)


# ------------------------------------------------------------------------------ the runs
def benches(root, venv, args):
    bin_ = os.path.join(venv, "bin")
    small = os.path.join(root, args.slow_corpus)
    scratch = tempfile.mkdtemp(prefix="tfcompat-bench-")
    cache_dir = os.path.join(scratch, "cache")
    python = os.path.join(bin_, "python")
    env = dict(os.environ, TFCOMPAT_CACHE_DIR=cache_dir, TF_CPP_MIN_LOG_LEVEL="3",
               PYTHONPATH=ROOT)
    tfcompat = [python, "-m", "tfcompat", "lint"]
    lint_ok = (0, 1, 2)  # findings, and the corpus' Python 2 files (TFC902), are expected

    # The file "changed" is one the prefilter lets through, so the change means a parse.
    changed = os.path.join(root, "tensor2tensor", "tensor2tensor", "utils", "trainer_lib.py")
    with open(changed, "rb") as handle:
        original = handle.read()

    def change(i):
        with open(changed, "wb") as handle:
            handle.write(original + b"\n# bench run %d %f\n" % (i, time.time()))

    def fill_cache():
        shutil.rmtree(cache_dir, ignore_errors=True)
        measure(tfcompat + [root], env)

    outtree = os.path.join(scratch, "upgraded")

    def clear_outtree(_):
        shutil.rmtree(outtree, ignore_errors=True)

    full, sub = "all", args.slow_corpus
    one = os.path.relpath(changed, root)  # one file a pre-commit hook would hand over
    out = [
        Bench("tfcompat lint (cold, --no-cache)", tfcompat + ["--no-cache", root], full,
              lint_ok, env=env, runs=args.slow_runs),
        Bench("tfcompat lint (warm cache)", tfcompat + [root], full, lint_ok, env=env,
              prepare=fill_cache),
        Bench("tfcompat lint (one file changed)", tfcompat + [root], full, lint_ok, env=env,
              before=change),
        Bench("ruff check --select ALL", [
            os.path.join(bin_, "ruff"), "check", "--isolated", "--select", "ALL", "--no-cache",
            "--exit-zero", root], full, env=env),
        Bench("ast.parse floor (1 process)", [python, "-c", AST_FLOOR, root], full,
              env=env),
        Bench("tfcompat lint (cold, --no-cache)", tfcompat + ["--no-cache", small], sub,
              lint_ok, env=env),
        Bench("ruff check --select ALL", [
            os.path.join(bin_, "ruff"), "check", "--isolated", "--select", "ALL", "--no-cache",
            "--exit-zero", small], sub, env=env),
        Bench("tfcompat lint --diff (fixes)", tfcompat + [
            "--diff", "--no-cache", "--target-tf", "1.15", small], sub, lint_ok, env=env),
        Bench("tfcompat lint (cold, --no-cache)", tfcompat + ["--no-cache", changed], one,
              lint_ok, env=env),
        Bench("ruff check --select ALL", [
            os.path.join(bin_, "ruff"), "check", "--isolated", "--select", "ALL", "--no-cache",
            "--exit-zero", changed], one, env=env),
        Bench("tf_upgrade_v2", [
            os.path.join(bin_, "tf_upgrade_v2"), "--intree", small, "--outtree", outtree,
            "--reportfile", os.path.join(scratch, "report.txt")], sub, env=env,
            before=clear_outtree, runs=args.slow_runs),
        Bench("fixit lint", [os.path.join(bin_, "fixit"), "lint", small], sub, (0, 1, 2),
              env=env, runs=args.fixit_runs, warmup=False),
    ]

    if args.baseline:
        # The same tfcompat commands run from another checkout, alternating with these.
        base = os.path.abspath(args.baseline)
        base_env = dict(env, PYTHONPATH=base)
        out += [Bench(b.name + " [baseline]", b.cmd, b.corpus, b.ok, b.before, base_env,
                      b.runs, b.warmup, b.prepare, cwd=base)
                for b in out if b.name.startswith("tfcompat") and "warm" not in b.name
                and "changed" not in b.name and (args.baseline_diff or "--diff" not in b.name)]

    def restore():
        with open(changed, "wb") as handle:
            handle.write(original)
        shutil.rmtree(scratch, ignore_errors=True)

    return out, restore


def _key(name):
    return name.split()[0].split(".")[0].lower()


def report(results, counts, args, versions):
    cold = {b.corpus: b for b in results if b.name == "tfcompat lint (cold, --no-cache)"}
    cold.update({(b.corpus, "baseline"): b for b in results
                 if b.name == "tfcompat lint (cold, --no-cache) [baseline]"})
    find = {(b.corpus, b.name): b for b in results}
    n, lines, size = counts["all"]
    out = io.StringIO()
    w = out.write
    w("Corpus: the `.py` files of %s, from the package registry: **%d files, %d lines** "
      "(%.1f MB).\n\n" % (", ".join("`%s`" % r for _, r, _ in PACKAGES), n, lines, size / 1e6))
    w("| package | files | lines |\n|---|---:|---:|\n")
    for dirname, _, _ in PACKAGES:
        w("| %s | %d | %d |\n" % (dirname, counts[dirname][0], counts[dirname][1]))
    w("\n%s, %d cores shared with other work, Python %s; %s. Wall time: median of the timed "
      "runs (after one untimed warm-up, except Fixit); CPU: user+sys of the whole process "
      "tree; ratios within this one run of `bench/lint.py`. Fixit and tf_upgrade_v2 run on "
      "%s only (%d files, %d lines), next to tfcompat and ruff on the same files.\n\n" % (
          platform.machine(), os.cpu_count(), platform.python_version(), versions,
          args.slow_corpus, counts[args.slow_corpus][0], counts[args.slow_corpus][1]))
    if args.loads:
        w("Load (1-minute average, as each round of alternating runs started): %.1f-%.1f on "
          "%d cores.\n\n" % (min(args.loads), max(args.loads), os.cpu_count()))
    w("| command | corpus | runs | median wall (s) | min-max (s) | CPU (s) | "
      "peak RSS, largest process (MB) | peak PSS, all processes (MB) | wall / tfcompat cold |\n")
    w("|---|---|---:|---:|---:|---:|---:|---:|---:|\n")
    for b in results:
        base = cold.get((b.corpus, "baseline") if b.name.endswith("[baseline]") else b.corpus)
        ratio = "%.3gx" % (b.median / base.median) if base else "-"
        w("| %s | %s | %d | %.2f | %.2f-%.2f | %.2f | %d | %s | %s |\n" % (
            b.name, b.corpus, len(b.walls), b.median, min(b.walls), max(b.walls),
            statistics.median(b.cpu), max(b.rss) >> 20, "%d" % (b.pss >> 20) if b.pss else "-",
            ratio))
    targets = []
    warm = find.get(("all", "tfcompat lint (warm cache)"))
    fixit = find.get((args.slow_corpus, "fixit lint"))
    upgrade = find.get((args.slow_corpus, "tf_upgrade_v2"))
    for corpus, limit in ((args.slow_corpus, 2), ("all", 1.4)):
        ruff = find.get((corpus, "ruff check --select ALL"))
        for suffix in ("", " [baseline]"):
            c = find.get((corpus, "tfcompat lint (cold, --no-cache)" + suffix))
            if c and ruff:
                targets.append(("cold on %s <= %gx ruff's wall%s" % (corpus, limit, suffix),
                                "%.2fx ruff (%.2f s vs %.2f s)" % (
                                    c.median / ruff.median, c.median, ruff.median),
                                c.median <= limit * ruff.median))
    for suffix in ("", " [baseline]"):
        ones = [b for b in results if b.name == "tfcompat lint (cold, --no-cache)" + suffix
                and b.corpus.endswith(".py")]
        if ones:
            targets.append(("one file <= 0.3 s%s" % suffix, "%.2f s (%s)" % (
                ones[0].median, ones[0].corpus), ones[0].median <= 0.3))
        diff = find.get((args.slow_corpus, "tfcompat lint --diff (fixes)" + suffix))
        plain = find.get((args.slow_corpus, "tfcompat lint (cold, --no-cache)" + suffix))
        if diff and plain:
            targets.append(("--diff <= 1.5x plain lint%s" % suffix, "%.2fx (%.2f s vs %.2f s)"
                            % (diff.median / plain.median, diff.median, plain.median),
                            diff.median <= 1.5 * plain.median))
    small = cold.get(args.slow_corpus)
    if small and fixit:
        targets.append((">= 40x faster than Fixit", "%.0fx (on %s)" % (
            fixit.median / small.median, args.slow_corpus), fixit.median >= 40 * small.median))
    if small and upgrade:
        targets.append((">= 10x faster than tf_upgrade_v2", "%.1fx (on %s)" % (
            upgrade.median / small.median, args.slow_corpus),
            upgrade.median >= 10 * small.median))
    if warm:
        targets.append(("warm <= 0.3 s", "%.2f s" % warm.median, warm.median <= 0.3))
    mine = [b for b in results if b.name.startswith("tfcompat")]
    if mine:
        rss = max(max(b.rss) for b in mine)
        targets.append(("peak RSS <= 200 MB", "%d MB (largest tfcompat process)" % (rss >> 20),
                        rss <= 200 << 20))
    if targets:
        w("\n| target | measured | met |\n|---|---|---|\n")
        for name, value, met in targets:
            w("| %s | %s | %s |\n" % (name, value, "yes" if met else "**no**"))
    return out.getvalue()


def chart(results, path, venv):
    data = json.dumps([("%s [%s]" % (b.name, b.corpus), b.median) for b in results])
    script = r"""
import json, sys
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
rows = json.loads(sys.argv[1])[::-1]
fig, ax = plt.subplots(figsize=(9, 0.45 * len(rows) + 1.2))
colors = ["#1f77b4" if n.startswith("tfcompat") else "#999999" for n, _ in rows]
ax.barh([n for n, _ in rows], [v for _, v in rows], color=colors)
ax.set_xscale("log")
ax.set_xlim(min(v for _, v in rows) / 2, max(v for _, v in rows) * 4)  # room for the labels
ax.set_xlabel("median wall time, seconds (log scale; lower is better)")
for i, (_, v) in enumerate(rows):
    ax.text(v * 1.05, i, "%.2f s" % v, va="center", fontsize=8)
ax.set_title("Linting the TensorFlow corpus, 2 cores")
fig.tight_layout()
fig.savefig(sys.argv[2], dpi=110)
"""
    subprocess.run([os.path.join(venv, "bin", "python"), "-c", script, data, path], check=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="timed runs after the warm-up")
    parser.add_argument("--slow-runs", type=int, default=None,
                        help="timed runs for the rows that take minutes: tfcompat cold on the "
                             "whole corpus, tf_upgrade_v2 (default: --runs)")
    parser.add_argument("--fixit-runs", type=int, default=1,
                        help="timed runs for Fixit, which takes minutes (default: 1, no warm-up)")
    parser.add_argument("--slow-corpus", default="tensor2tensor",
                        choices=[d for d, _, _ in PACKAGES],
                        help="the package Fixit and tf_upgrade_v2 run on (default: %(default)s)")
    parser.add_argument("--only", help="comma-separated: tfcompat,ruff,fixit,tf_upgrade_v2,ast")
    parser.add_argument("--no-write", action="store_true",
                        help="print the table; leave bench/results alone")
    parser.add_argument("--corpus", choices=["all", "slow", "one"], action="append",
                        help="only the rows on the whole corpus, on --slow-corpus, or on one "
                             "file (repeatable; default: all of them)")
    parser.add_argument("--baseline", metavar="DIR",
                        help="another tfcompat checkout (e.g. `git archive <commit>` unpacked) "
                             "whose tfcompat rows run alternating with this one's")
    parser.add_argument("--baseline-diff", action="store_true",
                        help="measure the baseline's --diff too")
    args = parser.parse_args()
    args.loads = []  # the 1-minute load average as each round of runs starts
    venv = tools_venv()
    root = corpus()
    counts = count(root)
    log("corpus %s: %d files, %d lines" % ((root,) + counts["all"][:2]))
    versions = "; ".join(subprocess.run(c, capture_output=True, text=True).stdout.strip()
                         for c in ([os.path.join(venv, "bin", "ruff"), "--version"],
                                   [os.path.join(venv, "bin", "fixit"), "--version"],
                                   [sys.executable, "-m", "tfcompat", "--version"]))
    todo, restore = benches(root, venv, args)
    if args.only:
        keep = set(args.only.split(","))
        todo = [b for b in todo if _key(b.name) in keep]
    if args.corpus:
        kinds = {"all": "all", args.slow_corpus: "slow"}
        todo = [b for b in todo if kinds.get(b.corpus, "one") in args.corpus]
    done = []

    def write():
        text = report(done, counts, args, versions)
        if not args.no_write:
            os.makedirs(RESULTS, exist_ok=True)
            with open(os.path.join(RESULTS, "lint.md"), "w") as handle:
                handle.write("# Lint speed\n\n" + text)
        return text

    try:
        # Alternating: run i of every command, then run i+1 of every command, so that a
        # change in the machine's load falls on all of them alike.
        slow = [b for b in todo if b.name.startswith(("fixit", "tf_upgrade"))]
        fast = [b for b in todo if b not in slow]
        for i in range(0, max(max(b.indexes(args.runs)) for b in fast) + 1) if fast else ():
            args.loads.append(os.getloadavg()[0])
            log("run %d (load %.1f)" % (i, args.loads[-1]))
            for b in fast:
                if i in b.indexes(args.runs):
                    b.run_once(i)
        done.extend(fast)
        write()  # what is measured so far survives an interrupted run
        for b in slow:
            log(b.name)
            done.append(b.run(args.runs))
            write()
    finally:
        restore()
    print(write())
    if not args.no_write:
        chart(done, os.path.join(RESULTS, "lint.png"), venv)


if __name__ == "__main__":
    main()

"""The `tfcompat` command: doctor here; lint, rules and rule come from tfcompat.lint (Python 3.9+).

Exit codes follow ruff: 0 fine, 1 findings, 2 usage or configuration error.
"""
import argparse
import json
import os
import sys

import tfcompat
from tfcompat import versions

LINT_COMMANDS = ("lint", "rules", "rule", "server")
LABEL_WIDTH = 18  # doctor's labels column: its values start in column 20 at least


def _doctor_table(report, tf_error=None, distribution_rows=()):
    """The doctor's table of ``report`` (Runtime.as_dict()); ``tf_error``: why tensorflow
    failed to import, when it is installed but broken; then ``distribution_rows``."""
    tf_version = report["tf_version"]
    if tf_error is not None:
        tensorflow = "cannot be imported: %s" % tf_error
    else:
        tensorflow = tf_version or "not installed"
    if report["keras_flavor"] is None and tf_version is None:
        eager = "- (neither TensorFlow nor Keras)"
    else:
        eager = "yes" if report["eager"] else "no (graph mode)"
    rows = [
        ("python", report["python"]),
        ("tensorflow", tensorflow),
        ("keras flavor", report["keras_flavor"] or "none"),
        ("keras version", report["keras_version"] or "-"),
        ("keras backend", report["keras_backend"] or "-"),
        ("eager", eager),
        ("flavors installed", ", ".join(report["flavors_installed"]) or "none"),
    ] + [tuple(row) for row in distribution_rows]
    width = max([LABEL_WIDTH] + [len(k) for k, _ in rows])
    lines = ["%s  %s" % (k.ljust(width), v) for k, v in rows]
    lines.append("")
    lines.append("feeding paths (tried in this order):")
    name_width = max(len(p["name"]) for p in report["paths"])
    for p in report["paths"]:
        reason = p["reason"]
        if tf_error is not None:
            reason = reason.replace("which is not installed", "which cannot be imported here")
        lines.append("  %s %s  %s" % ("ok " if p["available"] else "no ",
                                       p["name"].ljust(name_width), reason))
        if p["limits"]:
            lines.append("     %s  cannot carry: %s" % (" " * name_width, "; ".join(p["limits"])))
    if tf_version is None:
        lines.append("")
        lines.append("without TensorFlow: %s" % without_tf_note(report["keras_flavor"]))
    return "\n".join(lines)


def _distribution_rows(runtime):
    """Strategy, replicas and split: the model's, else the current scope's (none from the
    command line, which builds no model), and the cluster TF_CONFIG names."""
    from tfcompat.compat import distribute

    dist = runtime.distribution
    rows = [("distribution", dist.describe() if dist else
             "none (no tf.distribute strategy scope, no keras.distribution set)")]
    if dist:
        rows.append(("data split", dist.split()))
    if dist is None and runtime.keras_backend == "jax":
        count = distribute.jax_device_count()
        rows.append(("jax devices", "%d: DataParallel over them splits each batch %d ways"
                     % (count, count)))
    cluster = distribute.cluster_from_environment()
    if cluster:
        rows.append(("TF_CONFIG", "%s %d of %d workers" % (cluster[2], cluster[0],
                                                          cluster[1])))
    if runtime.keras_flavor:
        rows.append(("distributed fit", "yes (Keras' own fit)"
                     if runtime.has("keras_fit_distributes") else "no: needs " +
                     versions.requirement("keras_fit_distributes", runtime.keras_flavor)))
        rows.append(("multi-worker fit", "yes" if distribute.trains_across_workers(runtime)
                     else "no: " + distribute.multi_worker_refusal(runtime)))
    return rows


def without_tf_note(keras_flavor):
    """What tfcompat's fit/evaluate/predict do here without TensorFlow (README: No TensorFlow)."""
    if keras_flavor == versions.KERAS3:
        return ("fit/evaluate/predict hand arrays, generators, PyDataset and torch DataLoader "
                "to Keras 3's own methods; tf.data and from_arrays need TensorFlow")
    return "fit/evaluate/predict and from_arrays need TensorFlow (or Keras 3 for data it takes)"


# The child process that imports TensorFlow and Keras for the doctor (see _detect_in_child):
# it says which import it starts before each, so that a crash can be placed.
_CHILD = """
import json, sys
def say(**kw):
    sys.stdout.write(json.dumps(kw) + "\\n")
    sys.stdout.flush()
say(step="importing tensorflow")
tf_error = None
try:
    import tensorflow
except ImportError as exc:
    if getattr(exc, "name", None) != "tensorflow":
        tf_error = "%s: %s" % (type(exc).__name__, exc)
except BaseException as exc:
    tf_error = "%s: %s" % (type(exc).__name__, exc)
say(step="detecting Keras")
import tfcompat
try:
    runtime = tfcompat.detect(flavor=sys.argv[1] or None)
except ValueError as exc:
    say(usage_error=str(exc))
    sys.exit(0)
from tfcompat.cli import _distribution_rows
say(runtime=runtime.as_dict(), distribution_rows=_distribution_rows(runtime),
    tf_error=tf_error)
"""


def _detect_in_child(flavor):
    """(Runtime.as_dict() or None, error or None, usage error or None) from a child process
    that imports TensorFlow and Keras: their import may kill a process (an illegal
    instruction on a CPU the wheel was not built for), and their logs stay in the child."""
    import os
    import signal
    import subprocess

    root = os.path.dirname(os.path.dirname(os.path.abspath(tfcompat.__file__)))
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([root] + [p for p in [env.get("PYTHONPATH")] if p])
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    proc = subprocess.run([sys.executable, "-c", _CHILD, flavor or ""], env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True)
    said = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    last = said[-1] if said else {}
    if "usage_error" in last:
        return None, None, last["usage_error"]
    if "runtime" in last:
        return (dict(last["runtime"], distribution_rows=last.get("distribution_rows", [])),
                last["tf_error"], None)
    step = next((s["step"] for s in reversed(said) if "step" in s), "starting Python")
    if proc.returncode < 0:
        number = -proc.returncode
        try:
            name = signal.Signals(number).name
        except ValueError:
            name = "signal %d" % number
        how = "was killed by %s (%s)" % (name, _SIGNALS.get(name, "a signal"))
    else:
        how = "exited with status %d" % proc.returncode
    tail = [line for line in proc.stderr.strip().splitlines() if line.strip()][-3:]
    return None, "the process %s while %s%s" % (how, step, (": " + " | ".join(tail))
                                                 if tail else ""), None


_SIGNALS = {
    "SIGILL": "illegal instruction: a TensorFlow wheel built for CPU features this CPU lacks, "
              "e.g. AVX",
    "SIGABRT": "aborted",
    "SIGSEGV": "segmentation fault",
    "SIGBUS": "bus error",
    "SIGKILL": "killed, e.g. out of memory",
}


def doctor(args):
    report, error, usage = _detect_in_child(args.flavor)
    if usage is not None:
        print("tfcompat doctor: %s" % usage, file=sys.stderr)
        return 2
    if report is not None:
        rows = report.pop("distribution_rows", ())
        if args.json:
            print(json.dumps(dict(report, **({"tf_error": error} if error else {})),
                             indent=2, sort_keys=True))
        else:
            print(_doctor_table(report, error, rows))
    if error is not None:
        print("tfcompat doctor: TensorFlow is installed but cannot be imported: %s" % error,
              file=sys.stderr)
        return 2
    return 0


def server(args):
    try:
        from tfcompat.lint import server as lsp
    except ImportError as exc:  # the optional dependency
        print("tfcompat server needs pygls 2 (pip install 'tfcompat[server]'): %s" % exc,
              file=sys.stderr)
        return 2
    return lsp.main()


def _parser():
    parser = argparse.ArgumentParser(
        prog="tfcompat",
        description="Feed TensorFlow data into Keras on every version; lint what breaks it.")
    parser.add_argument("--version", action="version", version="tfcompat %s" % tfcompat.__version__)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    doc = sub.add_parser("doctor", help="show the TF/Keras runtime and its feeding paths")
    doc.add_argument("--json", action="store_true", help="print the report as JSON")
    doc.add_argument("--flavor", choices=("keras", "tf.keras", "keras3", "tf_keras"),
                     help="describe this installed Keras flavor instead of the default one")
    doc.set_defaults(func=doctor)
    if sys.version_info >= (3, 9):
        from tfcompat.lint.driver import cli as lint_cli

        lint_cli.register(sub)
        serve = sub.add_parser(
            "server", help="run the linter as a language server (LSP over stdio) for editors",
            description="A Language Server Protocol server on stdin/stdout: diagnostics, quick "
                        "fixes and source.fixAll.tfcompat (needs pygls: tfcompat[server]).")
        serve.set_defaults(func=server)
    return parser


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in LINT_COMMANDS and sys.version_info < (3, 9):
        print("tfcompat %s needs Python 3.9+ (libcst); this is Python %d.%d"
              % ((argv[0],) + tuple(sys.version_info[:2])), file=sys.stderr)
        return 2
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        code = args.func(args)
        sys.stdout.flush()
        return code
    except BrokenPipeError:
        # `tfcompat rule TFC102 | head`: the reader has all it wants. Nothing more reaches it,
        # not even the flush at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


if __name__ == "__main__":
    sys.exit(main())

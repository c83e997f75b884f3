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


def _doctor_table(runtime):
    rows = [
        ("python", ".".join(map(str, runtime.python))),
        ("tensorflow", ".".join(map(str, runtime.tf_version)) if runtime.tf_version
         else "not installed"),
        ("keras flavour", runtime.keras_flavor or "none"),
        ("keras version", ".".join(map(str, runtime.keras_version)) if runtime.keras_version
         else "-"),
        ("keras backend", runtime.keras_backend or "-"),
        ("eager", "yes" if runtime.eager else "no (graph mode)"),
        ("flavours installed", ", ".join(runtime.flavors_installed) or "none"),
    ] + _distribution_rows(runtime)
    width = max(len(k) for k, _ in rows)
    lines = ["%s  %s" % (k.ljust(width), v) for k, v in rows]
    lines.append("")
    lines.append("feeding paths (tried in this order):")
    name_width = max(len(p.name) for p in runtime.paths)
    for p in runtime.paths:
        lines.append("  %s %s  %s" % ("ok " if p.available else "no ", p.name.ljust(name_width),
                                       p.reason))
        if p.limits:
            lines.append("     %s  cannot carry: %s" % (" " * name_width, "; ".join(p.limits)))
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


def doctor(args):
    try:
        runtime = tfcompat.detect(flavor=args.flavor)
    except ValueError as exc:
        print("tfcompat doctor: %s" % exc, file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(runtime.as_dict(), indent=2, sort_keys=True))
    else:
        print(_doctor_table(runtime))
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
                     help="describe this installed Keras flavour instead of the default one")
    doc.set_defaults(func=doctor)
    if sys.version_info >= (3, 9):
        from tfcompat.lint import cli as lint_cli

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

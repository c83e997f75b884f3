"""`tfcompat lint`, `tfcompat rules`, `tfcompat rule CODE`.

Exit codes as ruff: 0 nothing left to report (or all of it fixed), 1 findings remain (with
--diff: a file would change), 2 a usage or configuration error, or a file that could not be
read or parsed (TFC9xx).
"""
import json
import os
import sys
import time

# The parser and the rules load only where they are needed: a run that the cache answers, or
# whose files no rule looks at, never loads them.
from tfcompat.lint.driver import cache, config, files, lifeline, progress, report, workers
from tfcompat.lint.engine.results import ERRORS, Task


def register(subparsers):
    """Add the lint subcommands to the `tfcompat` parser."""
    lint = subparsers.add_parser(
        "lint", help="find (and fix) the TF/Keras data-feeding patterns that break",
        description="Lint Python files for TF/Keras data-feeding patterns that break across "
                    "versions. Exit 0: clean; 1: findings remain; 2: error.")
    lint.add_argument("paths", nargs="*", default=["."], metavar="PATH",
                      help="files or directories (default: .); - reads standard input")
    lint.add_argument("--select", action="append", metavar="CODES",
                      help="comma-separated codes or prefixes to check, instead of the "
                           "configured ones (e.g. TFC102,TFC4)")
    lint.add_argument("--extend-select", action="append", metavar="CODES",
                      help="codes or prefixes to check on top of the selected ones")
    lint.add_argument("--ignore", action="append", metavar="CODES",
                      help="codes or prefixes not to check")
    lint.add_argument("--target-tf", metavar="X.Y",
                      help="oldest TensorFlow the code must still run on; fixes that need a "
                           "newer one are not offered (default: target-tf in [tool.tfcompat], "
                           "else the lowest tensorflow the project's dependencies allow, else "
                           "the newest TF known)")
    lint.add_argument("--fix", action="store_true", help="apply the fixes, in place")
    lint.add_argument("--unsafe-fixes", action="store_true", default=None,
                      help="also apply fixes marked unsafe")
    lint.add_argument("--diff", action="store_true",
                      help="print the fixes as a unified diff and write nothing")
    lint.add_argument("--add-noqa", action="store_true",
                      help="add `# noqa: CODE` to every line with a finding, in place (to adopt "
                           "tfcompat on existing code; TFC001 reports them once unused)")
    lint.add_argument("--output-format", choices=report.FORMATS, default="text")
    lint.add_argument("--exit-zero", action="store_true",
                      help="exit 0 even when findings remain (errors still exit 2)")
    lint.add_argument("--statistics", action="store_true",
                      help="print how many findings each rule has instead of each finding")
    lint.add_argument("--no-cache", action="store_true", help="neither read nor write the cache "
                      "(default: .tfcompat_cache, or $%s)" % cache.ENV)
    lint.add_argument("--jobs", type=int, default=os.cpu_count() or 1, metavar="N",
                      help="worker processes (default: one per CPU)")
    talk = lint.add_mutually_exclusive_group()
    talk.add_argument("-q", "--quiet", action="store_true",
                      help="print the findings and nothing else: no summary, no warnings, "
                           "no progress bar")
    talk.add_argument("-v", "--verbose", action="store_true",
                      help="also say on stderr which configuration, files and workers are used")
    lint.add_argument("--force-exclude", action="store_true",
                      help="apply the excludes to files named on the command line too (for "
                           "pre-commit and editors, which pass each file by name)")
    lint.add_argument("--stdin-filename", metavar="PATH",
                      help="the path standard input stands for (config, per-file-ignores, "
                           "reports)")
    lint.set_defaults(func=lint_command)

    listing = subparsers.add_parser("rules", help="list the lint rules")
    listing.add_argument("--output-format", choices=("text", "json"), default="text")
    listing.set_defaults(func=rules_command)

    one = subparsers.add_parser("rule", help="explain one lint rule")
    one.add_argument("code", help="a code (TFC102) or name (get-next-in-loop)")
    one.set_defaults(func=rule_command)


def _codes(values, where):
    return config.selectors(
        [c.strip() for v in values or () for c in v.split(",") if c.strip()], where)


def _cli_options(args, codes):
    options = config.Options(
        select=_codes(args.select, "--select") if args.select else None,
        extend_select=_codes(args.extend_select, "--extend-select"),
        ignore=_codes(args.ignore, "--ignore"),
        target_tf=(config.target(args.target_tf, "--target-tf")
                   if args.target_tf is not None else None),
        unsafe_fixes=args.unsafe_fixes)
    config.check_known(options, codes, "the command line")
    return options


def _fail(message):
    print("tfcompat lint: error: %s" % message, file=sys.stderr)
    return 2


def lint_command(args):
    if args.jobs < 1:
        return _fail("--jobs must be at least 1")
    if args.fix + args.diff + args.add_noqa > 1:
        return _fail("--fix, --diff and --add-noqa exclude each other")
    stdin = args.paths == ["-"]
    if "-" in args.paths and not stdin:
        return _fail("- (standard input) cannot be mixed with paths")
    if stdin and args.add_noqa:
        return _fail("--add-noqa rewrites files: it cannot read standard input")
    mode = ("diff" if args.diff else "fix" if args.fix else "add-noqa" if args.add_noqa
            else "check")
    store = None if args.no_cache or stdin else cache.Cache(cache.default_dir(), cache.salt())
    codes = sorted(workers.rule_specs(store))
    try:
        cli = _cli_options(args, codes)
        if stdin:
            data = sys.stdin.buffer.read()
            if args.force_exclude and args.stdin_filename and files.excluded_by_name(
                    args.stdin_filename, config.Resolver().project_for):
                if mode == "fix":
                    sys.stdout.buffer.write(data)  # an editor replaces its buffer with this
                return 0
            tasks, settings = plan([args.stdin_filename or "stdin.py"], cli, stdin=data,
                                   display=args.stdin_filename or "-", codes=codes)
        else:
            tasks, settings = plan(args.paths, cli, codes=codes,
                                   force_exclude=args.force_exclude, log=_logger(args.verbose))
    except config.ConfigError as exc:
        return _fail(str(exc))
    if not tasks:
        if not args.quiet:
            print("warning: no Python files found under %s" % " ".join(args.paths),
                  file=sys.stderr)
        return 0
    log = _logger(args.verbose)
    log("%d file%s, at most %d worker process%s, cache: %s" % (
        len(tasks), "" if len(tasks) == 1 else "s", min(args.jobs, len(tasks)),
        "" if min(args.jobs, len(tasks)) == 1 else "es",
        cache.default_dir() if store is not None else "off"))
    started = time.monotonic()
    try:
        with lifeline.signals(), progress.bar(len(tasks), mode, args.quiet or stdin) as advance:
            results = workers.run(tasks, settings, mode, args.jobs, store, progress=advance)
        for result in results:
            log("%s: %d finding%s%s" % (result.display, len(result.findings),
                                         "" if len(result.findings) == 1 else "s",
                                         ", %d fixed" % result.fixed if result.fixed else ""))
        log("done in %.2f s" % (time.monotonic() - started))
        if stdin and mode == "fix" and results[0].output is None:
            results[0].output = data  # not linted (crashed): echo it, so a pipe loses nothing
        return _output(results, args, mode, stdin)
    except KeyboardInterrupt:
        print("tfcompat lint: interrupted", file=sys.stderr)
        return 130
    except lifeline.Terminated:
        print("tfcompat lint: terminated", file=sys.stderr)
        return 143
    except BrokenPipeError:  # `tfcompat lint | head`: the reader has all it wants
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


def _logger(verbose):
    def log(message):
        if verbose:
            print("[tfcompat] %s" % message, file=sys.stderr)
    return log


def plan(paths, cli, stdin=None, display=None, codes=None, force_exclude=False, log=None):
    """(tasks, settings table) for linting ``paths`` (or ``stdin`` bytes standing for
    ``paths[0]``) with command-line options ``cli``, choosing among the rules ``codes``
    (default: every rule); raises ConfigError. ``log(message)`` hears which pyproject.toml
    files were read."""
    if codes is None:
        codes = sorted(workers.rule_specs())
    resolver = config.Resolver()
    table, tasks = {}, []

    by_dir = {}  # directory -> settings index, where no per-file-ignores can tell files apart

    def add(path, shown, data=None, error=""):
        directory = os.path.dirname(os.path.abspath(path))
        index = by_dir.get(directory)
        if index is None:
            project = resolver.project_for(directory)
            index = table.setdefault(project.settings(path, cli, codes), len(table))
            if not project.options.per_file_ignores:
                by_dir[directory] = index
        tasks.append(Task(len(tasks), None if data is not None else path, shown, index, data,
                          error))

    if stdin is not None:
        add(paths[0], display, data=stdin)
    else:
        for found in files.discover(paths, resolver.project_for, force_exclude):
            add(found.path, found.display, error=found.error)
    for path in resolver.parsed if log else ():
        log("read %s" % path)
    return tasks, sorted(table, key=table.get)


def _output(results, args, mode, stdin):
    for result in results if not args.quiet else ():
        for note in result.notes:
            print("warning: %s: %s" % (result.display, note), file=sys.stderr)
    # Findings go to stdout, except where stdout carries source: the fixed stdin, or a diff.
    out = sys.stderr if (stdin and mode == "fix") or mode == "diff" else sys.stdout
    if mode == "diff":
        for result in results:
            sys.stdout.write(result.diff)
        sys.stdout.flush()
        would = sum(r.fixed for r in results if r.diff)
        errors = [(r.display, f) for r in results for f in r.findings if f.is_error]
        for display, f in errors:
            print(report.line(display, f), file=out)
        if not args.quiet:
            print("Would fix %d finding%s." % (would, "" if would == 1 else "s"), file=out)
        if errors:
            return 2
        return 1 if any(r.diff for r in results) else 0
    if mode == "add-noqa":
        return _added_noqa(results, args)
    if stdin and mode == "fix":
        sys.stdout.buffer.write(results[0].output)
        sys.stdout.flush()
    if args.statistics:
        out.write(report.statistics(results))
    else:
        out.write(report.render(results, args.output_format, fix_mode=mode == "fix",
                                with_summary=not args.quiet))
        left_out = report.sarif_overflow(results) if args.output_format == "sarif" else 0
        if left_out and not args.quiet:
            print("warning: %d findings left out of the SARIF log: GitHub code scanning takes "
                  "at most %d per run (errors are kept first)"
                  % (left_out, report.SARIF_MAX_RESULTS), file=sys.stderr)
    out.flush()
    found = [f for r in results for f in r.findings]
    if any(f.is_error for f in found):
        return 2
    if found and not args.exit_zero:
        return 1
    return 0


def _added_noqa(results, args):
    """Like ruff: files that could not be linted, then a count; exit 0 unless an error."""
    errors = [(r.display, f) for r in results for f in r.findings if f.is_error]
    for display, f in errors:
        print(report.line(display, f), file=sys.stderr)
    added = sum(r.fixed for r in results)
    if not args.quiet:
        print("Added %d noqa directive%s." % (added, "" if added == 1 else "s"),
              file=sys.stderr)
    return 2 if errors else 0


def rules_command(args):
    from tfcompat.lint import rules

    rows = []
    for cls in rules.all_rules():
        rows.append({"code": cls.code, "name": cls.name, "fix": cls.fix_safety or "none",
                     "fix_needs": cls.fix_requirement(),
                     "summary": cls.summary()})
    errors = [{"code": code, "name": name, "fix": "none", "fix_needs": "", "summary": summary}
              for code, (name, summary, _) in sorted(ERRORS.items())]
    if args.output_format == "json":
        print(json.dumps({"rules": rows, "errors": errors}, indent=2))
        return 0
    width = max(len(r["name"]) for r in rows + errors)
    for row in rows:
        fix = row["fix"] + (" (%s)" % row["fix_needs"] if row["fix_needs"] else "")
        print("%s  %s  fix: %s" % (row["code"], row["name"].ljust(width), fix))
    print("\nEngine diagnostics (a file that could not be linted; exit code 2):")
    for row in errors:
        print("%s  %s  %s" % (row["code"], row["name"].ljust(width), row["summary"]))
    return 0


def rule_command(args):
    from tfcompat.lint import rules

    cls = rules.get(args.code)
    if cls is not None:
        fix = cls.fix_safety or "none"
        if cls.fix_requirement():
            fix += ", with --target-tf %s or later" % cls.fix_requirement().split()[-1]
        print("# %s (%s)\n\nFix: %s\n\n%s" % (cls.name, cls.code, fix, cls.doc()))
        return 0
    code = args.code.upper()
    for error_code, (name, summary, text) in ERRORS.items():
        if args.code == name or code == error_code:
            print("# %s (%s)\n\nEngine diagnostic (exit code 2): %s.\n\n%s"
                  % (name, error_code, summary, text))
            return 0
    print("tfcompat rule: error: no rule %r (see `tfcompat rules`)" % args.code, file=sys.stderr)
    return 2

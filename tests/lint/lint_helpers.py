"""Shared by the linter's tests: real `tfcompat` runs in a subprocess, and small sources."""
import json
import os
import re
import shutil
import subprocess
import sys
import textwrap

# A file with one TFC102 finding that has a safe fix, and what --fix makes of it.
GET_NEXT = textwrap.dedent("""\
    import tensorflow as tf
    it = tf.compat.v1.data.make_one_shot_iterator(ds)
    while True:
        x = sess.run(it.get_next())
    """)
GET_NEXT_LINE = "    x = sess.run(it.get_next())"  # the line TFC102 reports in GET_NEXT
GET_NEXT_FIXED = textwrap.dedent("""\
    import tensorflow as tf
    it = tf.compat.v1.data.make_one_shot_iterator(ds)
    next_element = it.get_next()
    while True:
        x = sess.run(next_element)
    """)


def with_comment(comment):
    """GET_NEXT with ``comment`` at the end of the line TFC102 reports."""
    return GET_NEXT.replace(GET_NEXT_LINE, GET_NEXT_LINE + "  " + comment)


class Run:
    """A finished `tfcompat` process: returncode, stdout/stderr as text, raw_stdout as bytes."""

    def __init__(self, proc):
        self.returncode = proc.returncode
        self.raw_stdout = proc.stdout
        self.stdout = proc.stdout.decode("utf-8", "replace")
        self.stderr = proc.stderr.decode("utf-8", "replace")

    def json(self):
        return json.loads(self.stdout)

    def __repr__(self):
        return "rc=%s\nstdout:\n%s\nstderr:\n%s" % (self.returncode, self.stdout, self.stderr)


def run_tfcompat(*args, cwd=None, input=None, env=None, timeout=120):
    full_env = dict(os.environ, PYTHONWARNINGS="ignore")
    full_env.pop("TFCOMPAT_CACHE_DIR", None)
    full_env.update(env or {})
    if isinstance(input, str):
        input = input.encode()
    return Run(subprocess.run([sys.executable, "-m", "tfcompat"] + [str(a) for a in args],
                              cwd=cwd, input=input, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, env=full_env, timeout=timeout))


ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# The OASIS SARIF 2.1.0 schema (errata 01), kept in the repository so that every checkout
# validates the sarif output against it.
SARIF_SCHEMA = os.path.join(ROOT, "tests", "lint", "data", "sarif-schema-2.1.0.json")


def readme_blocks(lang, section="## Use it with"):
    """The ```lang code blocks of one README section, in order (its snippets that tests run)."""
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as handle:
        text = handle.read()
    start = text.index("\n" + section + "\n")
    end = text.find("\n## ", start + 1)
    body = text[start:end if end != -1 else len(text)]
    return re.findall(r"^```%s\n(.*?)^```" % re.escape(lang), body, re.S | re.M)


GIT_ENV = {"GIT_AUTHOR_NAME": "test", "GIT_AUTHOR_EMAIL": "test@example.invalid",
           "GIT_COMMITTER_NAME": "test", "GIT_COMMITTER_EMAIL": "test@example.invalid",
           "GIT_CONFIG_NOSYSTEM": "1"}
SKIP_COPY = {".git", ".tox", ".venv", "__pycache__", "build", "dist", ".tfcompat_cache",
             ".pytest_cache"}


def git(*args, cwd):
    env = dict(os.environ, **GIT_ENV)
    subprocess.run(["git", "-c", "commit.gpgsign=false", "-c", "init.defaultBranch=main"]
                   + list(args), cwd=cwd, env=env, check=True, stdout=subprocess.DEVNULL)


def project_files():
    """This repository's files as git sees them (tracked or new, not ignored)."""
    try:
        out = subprocess.run(["git", "ls-files", "-z", "--cached", "--others",
                              "--exclude-standard"], cwd=ROOT, stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL, check=True).stdout
        return sorted({p for p in os.fsdecode(out).split("\0") if p})
    except (OSError, subprocess.CalledProcessError):
        found = []
        for dirpath, dirnames, filenames in os.walk(ROOT):
            dirnames[:] = [d for d in dirnames if d not in SKIP_COPY and
                           not d.endswith(".egg-info")]
            found += [os.path.relpath(os.path.join(dirpath, f), ROOT) for f in filenames]
        return sorted(found)


def snapshot_repo(repo):
    """Copy the working tree into a new git repository at ``repo``; its commit."""
    for rel in project_files():
        source = os.path.join(ROOT, rel)
        if os.path.isfile(source):
            target = os.path.join(str(repo), rel)
            os.makedirs(os.path.dirname(target), exist_ok=True)
            shutil.copy2(source, target)
    git("init", "-q", cwd=repo)
    git("add", "-A", cwd=repo)
    git("commit", "-q", "-m", "snapshot", cwd=repo)
    return subprocess.run(["git", "rev-parse", "HEAD"], cwd=repo, stdout=subprocess.PIPE,
                          check=True).stdout.decode().strip()


def for_bytes(linter, data, mode="check"):
    """The linter a worker runs on these bytes after both prefilter stages (the byte scan, then
    the names of the code): None when no rule could fire, else ``linter`` narrowed to the rules
    that could."""
    from tfcompat.lint.engine import pipeline

    try:
        codes = pipeline.rules_to_run(
            pipeline.could_fire(data, linter.enabled, linter.prefilter, code_names=True), mode)
    except pipeline.codenames.TooDeep:
        return linter  # the parse says what is wrong
    return None if codes == () else linter.narrowed(codes)


def needs_parse(linter, data):
    """Whether some rule of ``linter`` could fire on these bytes."""
    return for_bytes(linter, data) is not None

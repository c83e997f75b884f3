"""Shared by the linter's tests: real `tfcompat` runs in a subprocess, and small sources."""
import json
import os
import re
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


def readme_blocks(lang, section="## Use it with"):
    """The ```lang code blocks of one README section, in order (its snippets that tests run)."""
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as handle:
        text = handle.read()
    start = text.index("\n" + section + "\n")
    end = text.find("\n## ", start + 1)
    body = text[start:end if end != -1 else len(text)]
    return re.findall(r"^```%s\n(.*?)^```" % re.escape(lang), body, re.S | re.M)

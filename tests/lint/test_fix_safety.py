"""--fix never damages a file, on a corpus built to make it try.

Every rule's fixable INVALID example with comments put around and inside it, every codec of
Python's ``encodings`` package named in a coding cookie (the non-text ones too), CRLF, CR and
mixed line endings, a BOM, tabs, two-space indentation, a module function named like a Keras
method and Python 2 code, fixed with --unsafe-fixes at two targets. Whatever each file holds:
no traceback, a written file compiles, the bytes of every line the fix did not edit are the
same, no comment is lost, and a second run changes nothing.
"""
import codecs
import collections
import difflib
import encodings
import io
import os
import pkgutil
import re
import shutil
import signal
import subprocess
import sys
import time
import tokenize

import pytest
from lint_helpers import GET_NEXT, GET_NEXT_FIXED, run_tfcompat

from tfcompat.lint import rules
from tfcompat.lint.driver import files
from tfcompat.lint.driver.target import parse_target
from tfcompat.lint.engine.linter import Linter
from tfcompat.lint.engine.results import NotApplied

TARGETS = ("1.15", "2.16")
FSTRING = {getattr(tokenize, "FSTRING_START", -1), getattr(tokenize, "FSTRING_MIDDLE", -1),
           getattr(tokenize, "FSTRING_END", -1)}
NON_ASCII = ("caf\u00e9", "\u65e5\u672c", "\u0416\u0438", "\u03b1\u03b2", "\u00a7")


def _tokens(source):
    return list(tokenize.generate_tokens(io.StringIO(source).readline))


def _insert(source, insertions):
    """``source`` with text inserted at (line, col) positions (1-based lines)."""
    lines = source.splitlines(True)
    for (line, col), text in sorted(insertions, reverse=True):
        lines[line - 1] = lines[line - 1][:col] + text + lines[line - 1][col:]
    return "".join(lines)


def with_comments(source, where):
    """``source`` with a numbered comment at the end of every line ("end"), on a line of its
    own above every statement ("above"), or after every opening bracket and comma inside
    brackets, which breaks the line there ("inside")."""
    out, depth, n, at_line_start, in_fstring = [], 0, 0, True, 0
    tokens = _tokens(source)
    for i, tok in enumerate(tokens):
        kind, text, (row, col) = tok.type, tok.string, tok.start
        if kind == getattr(tokenize, "FSTRING_START", -1):
            in_fstring += 1
        elif kind == getattr(tokenize, "FSTRING_END", -1):
            in_fstring -= 1
        if in_fstring or kind in FSTRING:
            continue
        if where == "end" and kind in (tokenize.NEWLINE, tokenize.NL) and text:
            previous = tokens[i - 1]
            if previous.type != tokenize.COMMENT and previous.start[0] == row:
                n += 1
                out.append(((row, col), "  # end %d" % n))
        elif where == "above" and at_line_start and kind not in (
                tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT,
                tokenize.COMMENT, tokenize.ENDMARKER) and depth == 0:
            n += 1
            out.append(((row, 0), " " * col + "# above %d\n" % n))
        elif where == "inside" and kind == tokenize.OP and (
                text in "([{" or (text == "," and depth > 0)):
            following = tokens[i + 1]
            if following.start[0] == row and following.type not in (
                    tokenize.NL, tokenize.COMMENT) and following.string not in ")]}":
                n += 1
                out.append(((row, col + 1), "  # inside %d\n" % n))
        if kind == tokenize.OP and text in "([{":
            depth += 1
        elif kind == tokenize.OP and text in ")]}":
            depth -= 1
        if kind in (tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT):
            at_line_start = True
        elif kind not in (tokenize.NL, tokenize.COMMENT):
            at_line_start = False
    return _insert(source, out) if out else None


def _examples():
    for cls in rules.all_rules():
        for number, example in enumerate(cls.INVALID):
            if example.fixed is not None:
                yield "%s_%d" % (cls.code, number), example.source


def _codec_names():
    return sorted(m.name for m in pkgutil.iter_modules(encodings.__path__)
                  if not m.name.startswith("_") and m.name != "aliases")


def _in_codec(name, body):
    """``body`` under a coding cookie naming ``name``, with a comment holding a character the
    codec has (when it has one), encoded in it; ASCII bytes where it is not a text codec."""
    for word in NON_ASCII:
        text = "# -*- coding: %s -*-\n# %s ~ +x\n" % (name, word) + body
        try:
            data = text.encode(name)
            if data.decode(name) == text:
                return data
        except (UnicodeError, LookupError, TypeError, ValueError):
            continue
    return ("# -*- coding: %s -*-\n" % name + body).encode("ascii")


KERAS_NAMED = """\
import tensorflow as tf
from mylib import training_generator
training_generator.fit_generator(model, generator, steps_per_epoch=s, epochs=e)
"""
PYTHON2 = "import tensorflow as tf\ntry:\n    x = 1\nexcept ValueError, e:\n    pass\n" + GET_NEXT
CHAIN = """\
import tensorflow as tf
ds = (tf.data.Dataset.from_tensor_slices(x)  # source
      .repeat()  # forever
      .shuffle(10)  # small buffer
      .batch(32))  # batch size
model.fit_generator(gen, steps_per_epoch=10,  # old API
                    workers=4)  # parallel loaders
"""


def build(root):
    """The corpus under ``root``: {relative name: bytes}."""
    corpus = {}
    for name, source in _examples():
        for where in ("end", "above", "inside"):
            commented = with_comments(source, where)
            if commented is not None:
                corpus["examples/%s_%s.py" % (name, where)] = commented.encode()
        corpus["examples/%s_2sp.py" % name] = source.replace("    ", "  ").encode()
    for name in _codec_names():
        corpus["codecs/%s.py" % name] = _in_codec(name, GET_NEXT)
    for name, source in (("get_next", GET_NEXT), ("chain", CHAIN)):
        corpus["endings/%s_crlf.py" % name] = source.replace("\n", "\r\n").encode()
        corpus["endings/%s_cr.py" % name] = source.replace("\n", "\r").encode()
        lines = source.splitlines(True)
        corpus["endings/%s_mixed.py" % name] = "".join(
            line.replace("\n", ("\r\n", "\n", "\r\n")[i % 3]) for i, line in enumerate(lines)
        ).encode()
        corpus["endings/%s_bom.py" % name] = codecs.BOM_UTF8 + ("# \u00fcber\n" + source).encode()
        corpus["endings/%s_tabs.py" % name] = source.replace("    ", "\t").encode()
    corpus["misc/keras_named.py"] = KERAS_NAMED.encode()
    corpus["misc/python2.py"] = PYTHON2.encode()
    for rel, data in corpus.items():
        path = os.path.join(root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as handle:
            handle.write(data)
    return corpus


def _comments(text):
    """The words of the comments of ``text``, without `# noqa` directives: TFC001 removes the
    unused ones, that is its fix (ruff's RUF100 does the same)."""
    try:
        found = [t.string for t in _tokens(text) if t.type == tokenize.COMMENT]
    except (tokenize.TokenError, SyntaxError):
        return None
    found = [re.sub(r"#\s*noqa(:\s*[A-Z]+[0-9]+(\s*,\s*[A-Z]+[0-9]+)*)?", "", c, flags=re.I)
             for c in found]
    return collections.Counter(w for c in found for w in re.findall(r"\w+", c))


def _check_written(rel, before, after):
    """A fixed file: compiles, keeps its comments and the bytes of every line not edited."""
    compile(after, rel, "exec", dont_inherit=True)  # bytes: Python reads the cookie itself
    old, new = files.decode(before), files.decode(after)
    assert new.encoding == old.encoding, rel
    if old.text.isascii() or old.encoding in ("utf-8", "utf-8-sig"):
        lost = (_comments(old.text) or collections.Counter()) - (
            _comments(new.text) or collections.Counter())
        assert not lost, (rel, lost)
    old_lines, new_lines = old.text.split("\n"), new.text.split("\n")
    old_bytes, new_bytes = before.split(b"\n"), after.split(b"\n")
    if (len(old_lines), len(new_lines)) != (len(old_bytes), len(new_bytes)):
        return  # a codec whose newline is not the byte 0A: the decoded text was compared
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            assert old_bytes[i1:i2] == new_bytes[j1:j2], (rel, i1, i2)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile_fix")
    return root, build(str(root / "pristine"))


@pytest.mark.parametrize("target", TARGETS)
def test_fixing_the_hostile_corpus_damages_nothing(corpus, target):
    root, original = corpus
    work = root / ("fix-" + target)
    shutil.copytree(root / "pristine", work)
    args = ("lint", ".", "--fix", "--unsafe-fixes", "--target-tf", target, "--no-cache",
            "--jobs", "2")
    run = run_tfcompat(*args, cwd=work, timeout=300)
    assert "Traceback" not in run.stderr, run.stderr[-3000:]
    assert run.returncode == 2, run  # the undecodable codecs and the Python 2 file
    written = {}
    for rel, before in original.items():
        after = (work / rel).read_bytes()
        if after != before:
            written[rel] = after
            _check_written(rel, before, after)
    # The corpus gets fixed where it can be: most examples, and files in a codec that keeps
    # its bytes (cp932, utf-7 and unicode_escape among them).
    assert sum(rel.startswith("examples/") for rel in written) > 40, sorted(written)
    for codec in ("cp932", "utf_7", "unicode_escape", "latin_1", "utf_8", "iso2022_jp"):
        assert "codecs/%s.py" % codec in written, codec
    assert not any(p.endswith(".tfcompat-tmp") for _, _, names in os.walk(work) for p in names)
    # Diagnosed, never fixed: non-text codecs, Python 2 (libcst parses `except E, e:`), a
    # module function that a TFC403 rewrite gave a repeated keyword.
    for rel in ("codecs/rot_13.py", "codecs/base64_codec.py", "codecs/zlib_codec.py",
                "codecs/hex_codec.py", "codecs/bz2_codec.py", "codecs/quopri_codec.py",
                "codecs/uu_codec.py", "codecs/punycode.py", "codecs/undefined.py",
                "misc/python2.py"):
        assert rel not in written, rel
    lines = run.stdout.splitlines()
    assert any(line.startswith(os.path.join("codecs", "rot_13.py") + ":1:1: TFC903 ")
               for line in lines), run.stdout[-3000:]
    assert any(line.startswith(os.path.join("misc", "python2.py") + ":4:") and " TFC902 "
               in line and "(Python 2 code?)" in line for line in lines)
    again = run_tfcompat(*args, cwd=work, timeout=300)
    assert "Traceback" not in again.stderr
    changed = [rel for rel in original if (work / rel).read_bytes()
               != written.get(rel, original[rel])]
    assert changed == [], changed


def test_a_fix_that_would_delete_a_comment_is_withheld():
    source = GET_NEXT.replace("it.get_next()", "it.get_next(  # the next batch\n)")
    linter = Linter(rules.all_rules(), parse_target("2.16"), unsafe_fixes=True)
    result = linter.fix(source)
    # TFC102 hoists `it.get_next(...)` whole, so the comment travels with it: fixed.
    assert "# the next batch" in result.text and result.fixed == 1
    source = "import tensorflow as tf\nit = ds.make_one_shot_iterator(  # once\n)\n"
    result = linter.fix(source)
    [finding] = result.findings
    assert (finding.code, finding.fixable) == ("TFC401", False)
    assert (finding.not_applied, finding.reason) == (NotApplied.WITHHELD,
                                                     "the fix would delete a comment")
    assert result.text == source


def test_a_dropped_argument_leaves_its_comment_on_a_line_of_its_own():
    source = ("model.fit_generator(batches(),\n"
              "                    workers=0,  # on the main thread\n"
              "                    steps_per_epoch=4)\n")
    linter = Linter(rules.all_rules(), parse_target("2.16"), unsafe_fixes=True)
    result = linter.fix(source)
    assert result.text == ("model.fit(batches(),\n"
                           "                    # on the main thread\n"
                           "                    steps_per_epoch=4)\n"), result.text


def test_bytes_outside_the_edits_are_the_files_own(write, tfcompat, tmp_path):
    ibm = b"# \xfa\x5c is an IBM extension that cp932 reads back as NEC's \xed\x40\n"
    cases = {
        "cp932.py": (b"# -*- coding: cp932 -*-\n" + ibm + GET_NEXT.encode(),
                     b"# -*- coding: cp932 -*-\n" + ibm + GET_NEXT_FIXED.encode()),
        "utf7.py": (b"# -*- coding: utf-7 -*-\n# ~/data\n" + GET_NEXT.encode(),
                    b"# -*- coding: utf-7 -*-\n# ~/data\n" + GET_NEXT_FIXED.encode()),
        "escape.py": (b"# -*- coding: unicode_escape -*-\n" + GET_NEXT.encode(),
                      b"# -*- coding: unicode_escape -*-\n" + GET_NEXT_FIXED.encode()),
        # Mixed endings: each line keeps its own; the added one takes the file's first.
        "mixed.py": (GET_NEXT.replace("\n", "\r\n", 1).encode(),
                     GET_NEXT_FIXED.replace("\n", "\r\n", 1).replace(
                         "next_element = it.get_next()\n",
                         "next_element = it.get_next()\r\n").encode()),
    }
    for name, (before, _) in cases.items():
        write(name, before)
    run = tfcompat("lint", ".", "--fix", "--no-cache")
    assert run.returncode == 0, run
    for name, (before, after) in cases.items():
        assert (tmp_path / name).read_bytes() == after, name


def test_a_fix_whose_result_python_does_not_compile_is_dropped(write, tfcompat):
    path = write("a.py", KERAS_NAMED)
    run = tfcompat("lint", "a.py", "--fix", "--target-tf", "2.16", "--no-cache")
    assert path.read_text() == KERAS_NAMED
    assert "Traceback" not in run.stderr
    if "TFC403" in run.stdout:  # until TFC403 tells Keras methods from module functions
        assert "dropped: its result does not compile (keyword argument repeated" in run.stderr


# ------------------------------------------------------------------------------ signals
def _session(sid):
    """The live processes of session ``sid`` (zombies, already dead, not counted)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry) as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] != "Z" and int(fields[3]) == sid:
            found.append(int(entry))
    return found


def _start_fixing(tmp_path, count, body):
    originals = {}
    for i in range(count):
        name = "m%03d.py" % i
        source = body + GET_NEXT.replace("ds", "ds%d" % i)
        originals[name] = (source, body + GET_NEXT_FIXED.replace("ds", "ds%d" % i))
        (tmp_path / name).write_text(source)
    proc = subprocess.Popen([sys.executable, "-m", "tfcompat", "lint", "--fix", "--no-cache",
                             "--jobs", "2", "."], cwd=tmp_path, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while proc.poll() is None and time.monotonic() < deadline:
        if any((tmp_path / n).read_text() == after for n, (_, after) in originals.items()):
            break
        time.sleep(0.005)
    return proc, originals


def _left_as_original_or_fixed(tmp_path, originals):
    states = {n: (tmp_path / n).read_text() for n in originals}
    assert all(states[n] in pair for n, pair in originals.items())
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(originals)  # no temp file
    return sum(states[n] == after for n, (_, after) in originals.items())


@pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="reads the process table in /proc")
@pytest.mark.parametrize("signum, returncode", [
    (signal.SIGKILL, -signal.SIGKILL), (signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_signal_to_the_main_process_leaves_no_worker_and_no_half_fixed_file(
        tmp_path, signum, returncode):
    # Files slow to parse (a long chain): the workers are busy when the signal comes.
    proc, originals = _start_fixing(tmp_path, 40, "y = a" + ".map(f)" * 250 + "\n")
    try:
        assert proc.poll() is None, "the run ended before it could be signalled"
        os.kill(proc.pid, signum)  # the main process only, as a CI runner or `kill` does
        _, stderr = proc.communicate(timeout=60)
        assert proc.returncode == returncode, stderr
        assert b"Traceback" not in stderr
        deadline, left = time.monotonic() + 5, _session(proc.pid)
        while left and time.monotonic() < deadline:
            time.sleep(0.05)
            left = _session(proc.pid)
        assert left == [], "worker processes outlived the main process by 5 s"
    finally:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except OSError:
            pass
        proc.wait()
    done = _left_as_original_or_fixed(tmp_path, originals)
    assert done < len(originals)


def test_a_burst_of_ctrl_c_leaves_no_temporary_file(tmp_path):
    for trial in range(2):
        folder = tmp_path / str(trial)
        folder.mkdir()
        # Files slow to parse: the run is still fixing when the burst comes.
        proc, originals = _start_fixing(folder, 40, "y = a" + ".map(f)" * 250 + "\n")
        try:
            assert proc.poll() is None, "the run ended before it could be signalled"
            sent = 0
            for _ in range(6):
                if proc.poll() is not None:
                    break
                os.kill(proc.pid, signal.SIGINT)
                sent += 1
                time.sleep(0.01)
            _, stderr = proc.communicate(timeout=60)
            assert sent >= 1
            assert b"Traceback" not in stderr
            assert proc.returncode == 130, stderr
        finally:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except OSError:
                pass
            proc.wait()
        _left_as_original_or_fixed(folder, originals)


# ------------------------------------------------------------------------------ permissions
def test_read_only_and_hard_linked_files_are_not_rewritten(write, tfcompat, tmp_path):
    read_only = write("ro.py", GET_NEXT)
    read_only.chmod(0o444)
    linked = write("linked.py", GET_NEXT)
    os.link(linked, tmp_path / "twin.txt")
    run = tfcompat("lint", "ro.py", "linked.py", "--fix", "--no-cache")
    assert run.returncode == 2, run
    assert "ro.py:1:1: TFC901 not fixed: the file is read-only" in run.stdout
    assert ("linked.py:1:1: TFC901 not fixed: the file has 2 hard links, which replacing it "
            "would split") in run.stdout
    assert read_only.read_text() == linked.read_text() == GET_NEXT
    assert (tmp_path / "twin.txt").read_text() == GET_NEXT
    assert read_only.stat().st_mode & 0o777 == 0o444


@pytest.mark.skipif(os.geteuid() != 0, reason="only root can make a file someone else's")
def test_a_fixed_file_keeps_its_owner(write, tfcompat):
    path = write("theirs.py", GET_NEXT)
    os.chown(path, 12345, 23456)
    run = tfcompat("lint", "theirs.py", "--fix", "--no-cache")
    assert run.returncode == 0, run
    assert path.read_text() == GET_NEXT_FIXED
    assert (path.stat().st_uid, path.stat().st_gid) == (12345, 23456)


# ------------------------------------------------------------------------------ cache
def _corruptions():
    """name -> how to spoil a cache file in place."""
    def replace_with(data):
        def spoil(path):
            os.unlink(path)
            with open(path, "wb") as handle:
                handle.write(data)
        return spoil

    def truncate(path):
        with open(path, "rb") as handle:
            data = handle.read()
        replace_with(data[:len(data) // 2])(path)

    def edit(path):  # the JSON stays valid, the checksum no longer matches
        with open(path, "rb") as handle:
            data = handle.read()
        replace_with(data.replace(b'"fixable":true', b'"fixable":false')
                     .replace(b'"rules":{', b'"rules":{"TFC999":[],'))(path)

    def fifo(path):
        os.unlink(path)
        os.mkfifo(path)

    def directory(path):
        os.unlink(path)
        os.mkdir(path)

    def unreadable(path):
        os.chmod(path, 0)

    return {
        "empty": replace_with(b""), "truncated": truncate, "garbage": replace_with(
            bytes(range(256)) * 4), "not-utf8": replace_with(b"\xff\xfe{\n}"),
        "wrong-type": replace_with(b"[1, 2, 3]"), "edited": edit, "fifo": fifo,
        "directory": directory, "unreadable": unreadable,
        "nested": replace_with(b"[" * 100000 + b"]" * 100000),
    }


@pytest.mark.parametrize("which", ["index", "rules"])
def test_a_cache_that_cannot_be_read_is_ignored_and_rebuilt(tmp_path, which):
    from tfcompat.lint.driver import cache, cli, config, workers

    directory = str(tmp_path / "cache")
    for kind, spoil in _corruptions().items():
        folder = tmp_path / kind
        folder.mkdir()
        (folder / "a.py").write_text(GET_NEXT)
        (folder / "clean.py").write_text("x = 1\n")
        tasks, table = cli.plan([str(folder)], config.Options())
        store = cache.Cache(directory, cache.salt())
        workers.rule_specs(store)
        workers.run(tasks, table, "check", 1, store)  # warm: the index and the rules
        names = [n for n in os.listdir(directory) if n.endswith(".json")
                 and n.startswith("rules-") == (which == "rules")]
        assert names, os.listdir(directory)
        for name in names:
            spoil(os.path.join(directory, name))
        store = cache.Cache(directory, cache.salt())
        assert sorted(workers.rule_specs(store)) == sorted(
            cls.code for cls in rules.all_rules()), kind
        results = workers.run(tasks, table, "fix", 1, store, timeout=60)
        assert [(os.path.basename(r.display), [f.code for f in r.findings], r.fixed)
                for r in results] == [("a.py", [], 1), ("clean.py", [], 0)], kind
        assert (folder / "a.py").read_text() == GET_NEXT_FIXED, kind
        for name in names:  # rebuilt where it could be
            path = os.path.join(directory, name)
            if os.path.isdir(path):
                os.rmdir(path)
            elif os.path.exists(path):
                os.unlink(path)

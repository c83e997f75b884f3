"""The results cache: keyed by tool, settings and content; corrupt or foreign files are misses."""
import hashlib
import json
import os
import subprocess
import sys

from lint_helpers import GET_NEXT, GET_NEXT_FIXED

import tfcompat
from tfcompat.lint.driver import cache as cache_mod
from tfcompat.lint.engine.results import Finding


def _load(path):
    """A cache file's JSON: its first line is the SHA-256 of the rest."""
    digest, body = path.read_bytes().split(b"\n", 1)
    assert digest == hashlib.sha256(body).hexdigest().encode()
    return json.loads(body)


def _store(path, obj):
    body = json.dumps(obj).encode()
    path.write_bytes(hashlib.sha256(body).hexdigest().encode() + b"\n" + body)


def _indexes(root):
    return sorted(p for p in root.glob("*.json") if not p.name.startswith("rules-"))


def test_a_run_fills_the_cache_and_the_next_run_reads_it(write, tfcompat, tmp_path):
    write("a.py", GET_NEXT)
    first = tfcompat("lint", "a.py")
    cache = tmp_path / ".tfcompat_cache"
    assert (cache / "CACHEDIR.TAG").is_file() and (cache / ".gitignore").read_text() == "*\n"
    [index] = _indexes(cache)
    # Tamper with the entry: a run that shows the tampered message read the cache.
    data = _load(index)
    [findings] = data["files"].values()
    findings[0]["message"] = "from the cache"
    _store(index, data)
    assert "TFC102 [*] from the cache" in tfcompat("lint", "a.py").stdout
    assert tfcompat("lint", "a.py", "--no-cache").stdout == first.stdout
    assert _indexes(cache) == [index]


def test_corrupt_and_foreign_files_are_ignored_and_rebuilt(write, tfcompat, tmp_path):
    write("a.py", GET_NEXT)
    first = tfcompat("lint", "a.py")
    cache = tmp_path / ".tfcompat_cache"
    [index] = _indexes(cache)
    [rules] = cache.glob("rules-*.json")
    good = _load(index)
    foreign = dict(good, key="0" * 64)  # another tool version's or settings' index
    wrong_shapes = [dict(good, files=3), dict(good, files={k: 7 for k in good["files"]}),
                    dict(good, files={k: [{"code": 1}] for k in good["files"]})]
    for garbage in [b"", b"{not json", b"[]", b"\xff\x00", json.dumps(foreign).encode()] + [
            json.dumps(w).encode() for w in wrong_shapes]:
        for path in (index, rules):
            # With a good checksum: what a buggy or foreign writer could leave (bare garbage:
            # test_fix_safety).
            path.write_bytes(hashlib.sha256(garbage).hexdigest().encode() + b"\n" + garbage)
        run = tfcompat("lint", "a.py")
        assert (run.returncode, run.stdout, run.stderr) == (
            first.returncode, first.stdout, first.stderr), garbage
        assert _load(index) == good, garbage  # rebuilt
        assert _load(rules)["rules"]


def test_settings_and_content_are_part_of_the_key(write, tfcompat):
    path = write("a.py", GET_NEXT)
    assert tfcompat("lint", "a.py").returncode == 1
    assert tfcompat("lint", "a.py", "--select", "TFC401").returncode == 0
    assert tfcompat("lint", "a.py").returncode == 1
    path.write_text(GET_NEXT_FIXED)
    assert tfcompat("lint", "a.py").returncode == 0


def test_the_key_holds_the_tool_version_settings_and_content_hash(tmp_path, monkeypatch):
    one = cache_mod.Cache(str(tmp_path), cache_mod.salt())
    index, digest = one.key(b"x = 1\n", ("settings", 1))
    assert (index, digest) == one.key(b"x = 1\n", ("settings", 1))
    assert one.key(b"x = 2\n", ("settings", 1))[0] == index  # same index, other entry
    assert one.key(b"x = 2\n", ("settings", 1))[1] != digest
    assert one.key(b"x = 1\n", ("settings", 2))[0] != index
    monkeypatch.setattr(tfcompat, "__version__", tfcompat.__version__ + ".post1")
    other = cache_mod.Cache(str(tmp_path), cache_mod.salt())
    assert other.key(b"x = 1\n", ("settings", 1))[0] != index
    finding = Finding("TFC102", "get-next-in-loop", "m", 1, 2, 1, 5)
    one.put(one.key(b"x = 1\n", ("settings", 1)), [finding])
    one.write()
    assert cache_mod.Cache(str(tmp_path), one.salt).get(
        one.key(b"x = 1\n", ("settings", 1))) == [finding]
    assert other.get(other.key(b"x = 1\n", ("settings", 1))) is None


def test_writes_are_atomic_renames_and_keep_other_runs_entries(tmp_path):
    salt = cache_mod.salt()
    first, second = cache_mod.Cache(str(tmp_path), salt), cache_mod.Cache(str(tmp_path), salt)
    finding = Finding("TFC102", "get-next-in-loop", "m", 1, 2, 1, 5)
    a, b = first.key(b"a", "s"), second.key(b"b", "s")
    first.get(a), second.get(b)  # both runs read the index before either writes it
    first.put(a, [finding])
    first.write()
    [index] = _indexes(tmp_path)
    inode = index.stat().st_ino
    second.put(b, [])
    second.write()
    assert index.stat().st_ino != inode  # replaced by a rename, never rewritten in place
    assert not list(tmp_path.glob("*.tmp"))
    fresh = cache_mod.Cache(str(tmp_path), salt)
    assert fresh.get(a) == [finding] and fresh.get(b) == []


def test_a_cache_that_cannot_be_written_is_only_slower(write, tfcompat, tmp_path):
    write("a.py", GET_NEXT)
    (tmp_path / "blocked").write_text("a file where the cache directory should be")
    run = tfcompat("lint", "a.py", env={"TFCOMPAT_CACHE_DIR": str(tmp_path / "blocked")})
    assert run.returncode == 1 and "TFC102" in run.stdout and "Traceback" not in run.stderr


def test_a_cached_fixable_finding_is_still_fixed(write, tfcompat):
    path = write("a.py", GET_NEXT)
    tfcompat("lint", "a.py")
    assert tfcompat("lint", "a.py", "--fix").returncode == 0
    assert path.read_text() == GET_NEXT_FIXED
    assert tfcompat("lint", "a.py").returncode == 0  # the fixed content was cached as clean


def test_cache_dir_from_the_environment(write, tfcompat, tmp_path):
    write("a.py", GET_NEXT)
    tfcompat("lint", "a.py", env={"TFCOMPAT_CACHE_DIR": str(tmp_path / "elsewhere")})
    assert _indexes(tmp_path / "elsewhere") and not (tmp_path / ".tfcompat_cache").exists()


def test_a_run_answered_by_the_cache_never_loads_the_parser(write, tmp_path):
    write("a.py", GET_NEXT)
    write("b.py", "x = 1\n")
    probe = ("import sys, runpy; sys.argv = ['tfcompat', 'lint', 'a.py', 'b.py']\n"
             "try:\n    runpy.run_module('tfcompat', run_name='__main__')\n"
             "except SystemExit:\n    pass\n"
             "print('LIBCST' if 'libcst' in sys.modules else 'NO-LIBCST', file=sys.stderr)\n")
    env = dict(os.environ)
    env.pop("TFCOMPAT_CACHE_DIR", None)

    def loads_libcst():
        proc = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, env=env,
                              capture_output=True, text=True, timeout=120)
        assert "TFC102" in proc.stdout, proc.stderr
        return proc.stderr.strip().splitlines()[-1] == "LIBCST"

    assert loads_libcst()        # the first run parses a.py
    assert not loads_libcst()    # the second is answered whole by the cache


def test_an_edited_version_fact_is_never_answered_from_the_cache(tmp_path):
    # Whether a fix is offered depends on tfcompat/versions.py, outside the linter's modules:
    # a copy of the package whose fact moves must not reuse the original's cached findings.
    import shutil
    root = tmp_path / "copy"
    shutil.copytree(os.path.dirname(tfcompat.__file__), root / "tfcompat",
                    ignore=shutil.ignore_patterns("__pycache__"))
    (tmp_path / "a.py").write_text("import tensorflow as tf\nit = ds.make_one_shot_iterator()\n")
    env = dict(os.environ, PYTHONPATH=str(root), TFCOMPAT_CACHE_DIR=str(tmp_path / "cache"))

    def lint():
        proc = subprocess.run([sys.executable, "-m", "tfcompat", "lint", "--target-tf", "1.15",
                               "a.py"], cwd=tmp_path, env=env, capture_output=True, text=True,
                              timeout=120)
        assert "TFC401" in proc.stdout, proc.stdout + proc.stderr
        return "TFC401 [*]" in proc.stdout

    assert lint() and lint()  # fixable at 1.15, the second time from the cache
    facts = root / "tfcompat" / "versions.py"
    text = facts.read_text()
    edited = text.replace('_row("compat_v1_make_one_shot_iterator", "tf", (1, 13),',
                          '_row("compat_v1_make_one_shot_iterator", "tf", (1, 99),')
    assert edited != text
    facts.write_text(edited)
    assert not lint()  # the fix now needs TF 1.99: not offered at 1.15

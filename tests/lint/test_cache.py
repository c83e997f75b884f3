"""The results cache: keyed by tool, settings and content; corrupt entries are misses."""
import json

from lint_helpers import GET_NEXT, GET_NEXT_FIXED


def _entries(root):
    return sorted(p for p in root.rglob("*.json"))


def test_a_run_fills_the_cache_and_the_next_run_reads_it(write, tfcompat, tmp_path):
    write("a.py", GET_NEXT)
    first = tfcompat("lint", "a.py")
    cache = tmp_path / ".tfcompat_cache"
    assert (cache / "CACHEDIR.TAG").is_file() and (cache / ".gitignore").read_text() == "*\n"
    [entry] = _entries(cache)
    # Tamper with the entry: a run that shows the tampered message read the cache.
    data = json.loads(entry.read_text())
    data["findings"][0]["message"] = "from the cache"
    entry.write_text(json.dumps(data))
    assert "TFC102 [*] from the cache" in tfcompat("lint", "a.py").stdout
    assert tfcompat("lint", "a.py", "--no-cache").stdout == first.stdout
    assert _entries(cache) == [entry]


def test_corrupt_entries_are_ignored_and_replaced(write, tfcompat, tmp_path):
    write("a.py", GET_NEXT)
    first = tfcompat("lint", "a.py")
    for garbage in (b"", b"{not json", b'{"key": 1, "findings": 3}', b"[]", b"\xff\x00"):
        for entry in _entries(tmp_path / ".tfcompat_cache"):
            entry.write_bytes(garbage)
        run = tfcompat("lint", "a.py")
        assert (run.returncode, run.stdout) == (first.returncode, first.stdout), garbage
    assert json.loads(_entries(tmp_path / ".tfcompat_cache")[0].read_text())["findings"]


def test_settings_and_content_are_part_of_the_key(write, tfcompat):
    path = write("a.py", GET_NEXT)
    assert tfcompat("lint", "a.py").returncode == 1
    assert tfcompat("lint", "a.py", "--select", "TFC401").returncode == 0
    assert tfcompat("lint", "a.py").returncode == 1
    path.write_text(GET_NEXT_FIXED)
    assert tfcompat("lint", "a.py").returncode == 0


def test_a_cached_fixable_finding_is_still_fixed(write, tfcompat):
    path = write("a.py", GET_NEXT)
    tfcompat("lint", "a.py")
    assert tfcompat("lint", "a.py", "--fix").returncode == 0
    assert path.read_text() == GET_NEXT_FIXED


def test_cache_dir_from_the_environment(write, tfcompat, tmp_path):
    write("a.py", GET_NEXT)
    tfcompat("lint", "a.py", env={"TFCOMPAT_CACHE_DIR": str(tmp_path / "elsewhere")})
    assert _entries(tmp_path / "elsewhere") and not (tmp_path / ".tfcompat_cache").exists()

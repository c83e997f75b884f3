"""Output formats (text, json, sarif, github, statistics) and exit codes."""
import json
import subprocess
import sys

import pytest
from lint_helpers import GET_NEXT, SARIF_SCHEMA

BOTH = """\
    import tensorflow as tf
    it = ds.make_one_shot_iterator()
    while True:
        x = sess.run(it.get_next())
    """


@pytest.fixture
def corpus(write):
    write("pkg/both.py", BOTH)
    write("pkg/fixable.py", GET_NEXT)
    write("pkg/clean.py", "import tensorflow as tf\nprint(tf.__version__)\n")
    write("pkg/broken.py", "it = ds.make_one_shot_iterator(\n")


def test_text_lines_and_summary(corpus, tfcompat):
    run = tfcompat("lint", "pkg", "--target-tf", "1.12", "--output-format", "concise")
    assert run.returncode == 2, run  # broken.py cannot be parsed
    lines = run.stdout.splitlines()
    assert lines[2] == "pkg/broken.py:2:1: TFC902 cannot parse: invalid syntax"
    assert lines[:2] + lines[3:] == [
        "pkg/both.py:2:9: TFC401 `.make_one_shot_iterator()` is gone in TF 2",
        "pkg/both.py:4:18: TFC102 [*] `it.get_next()` in a loop adds new graph ops on every "
        "iteration",
        "pkg/fixable.py:4:18: TFC102 [*] `it.get_next()` in a loop adds new graph ops on every "
        "iteration",
        "Found 3 findings.",
        "[*] 2 fixable with `tfcompat lint --fix`.",
        "1 more fix with --target-tf (the fix needs TF >= 1.13).",
        "1 file could not be linted.",
    ]


def test_clean_run_says_so_and_exits_0(write, tfcompat):
    write("ok.py", "x = 1\n")
    run = tfcompat("lint", ".")
    assert (run.returncode, run.stdout) == (0, "All checks passed!\n")


def test_no_python_files_is_a_warning_and_exit_0(write, tfcompat):
    write("notes.txt", "get_next\n")
    run = tfcompat("lint", ".")
    assert (run.returncode, run.stdout) == (0, "")
    assert "warning: no Python files found under ." in run.stderr


def test_exit_codes(corpus, tfcompat):
    assert tfcompat("lint", "pkg/clean.py").returncode == 0
    assert tfcompat("lint", "pkg/both.py").returncode == 1
    assert tfcompat("lint", "pkg/both.py", "--exit-zero").returncode == 0
    assert tfcompat("lint", "pkg/broken.py", "--exit-zero").returncode == 2
    assert tfcompat("lint", "pkg/nowhere.py").returncode == 2


def test_json(corpus, tfcompat):
    run = tfcompat("lint", "pkg", "--output-format", "json", "--target-tf", "1.15")
    assert run.returncode == 2, run
    data = run.json()
    assert [(d["filename"], d["code"]) for d in data] == [
        ("pkg/both.py", "TFC401"), ("pkg/both.py", "TFC102"), ("pkg/broken.py", "TFC902"),
        ("pkg/fixable.py", "TFC102")]
    first = data[0]
    assert set(first) == {"code", "name", "message", "help", "filename", "cell", "location",
                          "end_location", "fix"}
    # The problem and, apart from it, the remedy (ruff's fix title).
    assert first["message"] == "`.make_one_shot_iterator()` is gone in TF 2"
    assert first["help"] == "call tf.compat.v1.data.make_one_shot_iterator(dataset)"
    assert first["name"] == "dataset-iterator-method"
    assert first["location"] == {"row": 2, "column": 9}
    assert first["end_location"] == {"row": 2, "column": 31}
    assert first["fix"] == {"applicability": "safe", "message": first["help"], "edits": [{
        "content": "tf.compat.v1.data.make_one_shot_iterator(ds)",
        "location": {"row": 2, "column": 6}, "end_location": {"row": 2, "column": 33}}]}
    hoist = data[1]["fix"]["edits"]
    assert [e["content"] for e in hoist] == ["next_element = it.get_next()\n", "next_element"]
    assert data[2]["fix"] is None and data[2]["name"] == "syntax-error"


def test_json_edits_applied_give_the_fixed_file(write, tfcompat, tmp_path):
    write("a.py", BOTH)
    edits = [e for d in tfcompat("lint", "a.py", "--output-format", "json",
                                 "--target-tf", "2.0").json() for e in d["fix"]["edits"]]
    text = (tmp_path / "a.py").read_text()
    lines = text.splitlines(True)

    def offset(loc):
        return sum(len(line) for line in lines[:loc["row"] - 1]) + loc["column"] - 1

    for e in sorted(edits, key=lambda e: offset(e["location"]), reverse=True):
        text = text[:offset(e["location"])] + e["content"] + text[offset(e["end_location"]):]
    tfcompat("lint", "a.py", "--fix", "--target-tf", "2.0")
    assert text == (tmp_path / "a.py").read_text()


def test_sarif_validates_against_the_official_schema(write, tfcompat):
    import jsonschema
    write("dir with space/both.py", BOTH)
    write("dir with space/broken.py", "it = ds.make_one_shot_iterator(\n")
    run = tfcompat("lint", ".", "--output-format", "sarif", "--target-tf", "1.15")
    assert run.returncode == 2, run
    log = run.json()
    with open(SARIF_SCHEMA) as handle:
        schema = json.load(handle)
    jsonschema.Draft7Validator.check_schema(schema)
    jsonschema.validate(log, schema, cls=jsonschema.Draft7Validator)
    results = log["runs"][0]["results"]
    assert [r["ruleId"] for r in results] == ["TFC401", "TFC102", "TFC902"]
    assert results[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == \
        "dir%20with%20space/both.py"
    assert results[0]["fixes"][0]["artifactChanges"][0]["replacements"][0][
        "insertedContent"]["text"] == "tf.compat.v1.data.make_one_shot_iterator(ds)"
    assert results[2]["level"] == "error"
    rules = log["runs"][0]["tool"]["driver"]["rules"]
    assert [rules[r["ruleIndex"]]["id"] for r in results] == ["TFC401", "TFC102", "TFC902"]


def test_github_annotations(write, tfcompat):
    write("a,b.py", BOTH)
    run = tfcompat("lint", "a,b.py", "--output-format", "github")
    assert run.returncode == 1, run
    assert run.stdout.splitlines() == [
        "::warning title=tfcompat (TFC401),file=a%2Cb.py,line=2,col=9,endLine=2,endColumn=31::"
        "TFC401 `.make_one_shot_iterator()` is gone in TF 2; call "
        "tf.compat.v1.data.make_one_shot_iterator(dataset)",
        "::warning title=tfcompat (TFC102),file=a%2Cb.py,line=4,col=18,endLine=4,endColumn=31::"
        "TFC102 `it.get_next()` in a loop adds new graph ops on every iteration; build "
        "`get_next()` once, before the loop, and run that tensor in it",
    ]


def test_statistics(corpus, tfcompat):
    run = tfcompat("lint", "pkg", "--statistics", "--target-tf", "1.12")
    assert run.returncode == 2
    assert run.stdout.splitlines() == [
        "    2  TFC102  [*] get-next-in-loop",
        "    1  TFC401      dataset-iterator-method",
        "    1  TFC902      syntax-error",
    ]


def test_output_order_does_not_depend_on_jobs(write, tfcompat):
    for i in range(30):
        write("m%02d/f.py" % (29 - i), BOTH if i % 3 else GET_NEXT)
    one = tfcompat("lint", ".", "--jobs", "1", "--no-cache")
    two = tfcompat("lint", ".", "--jobs", "2", "--no-cache")
    assert one.returncode == two.returncode == 1
    assert one.stdout == two.stdout
    names = [line.split(":")[0] for line in one.stdout.splitlines() if ": TFC" in line]
    assert names == sorted(names)


def test_a_reader_that_stops_early_gets_no_traceback(write, tmp_path):
    for i in range(8):  # about 100 kB of findings: more than a pipe holds
        write("m%02d.py" % i, BOTH * 60)
    proc = subprocess.Popen([sys.executable, "-m", "tfcompat", "lint", ".", "--no-cache"],
                            cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout.read(10)
    proc.stdout.close()  # as `tfcompat lint | head -1` does
    assert proc.wait(timeout=120) == 1
    assert b"Traceback" not in proc.stderr.read()

"""SARIF for GitHub code scanning: fingerprints that survive moved lines, the run's category,
rule documentation, and GitHub's limit of results per run."""
import json

import pytest
from lint_helpers import SARIF_SCHEMA

from tfcompat.lint.driver import report
from tfcompat.lint.engine.results import FileResult, Finding, error

FILE = """\
import tensorflow as tf
it = ds.make_one_shot_iterator()
while True:
    x = sess.run(it.get_next())
other = ds.make_one_shot_iterator()
"""
# The same code with unrelated lines added above, between and below the findings.
MOVED = """\
# a new header comment
import os
import tensorflow as tf


def unrelated():
    return os.getcwd()


it = ds.make_one_shot_iterator()
print("between")
while True:
    x = sess.run(it.get_next())
other = ds.make_one_shot_iterator()
print("after")
"""


def _schema():
    """The SARIF 2.1.0 schema, kept in the repository's tests."""
    with open(SARIF_SCHEMA) as handle:
        return json.load(handle)


def _validate(log):
    jsonschema = pytest.importorskip("jsonschema")
    jsonschema.validate(log, _schema(), cls=jsonschema.Draft7Validator)


def _results(tfcompat, *paths):
    run = tfcompat("lint", *paths, "--output-format", "sarif", "--target-tf", "1.15",
                   "--no-cache")
    assert run.returncode == 1, run
    log = run.json()
    _validate(log)
    return log, [(r["ruleId"], r["locations"][0]["physicalLocation"]["region"]["startLine"],
                  r["partialFingerprints"][report.FINGERPRINT])
                 for r in log["runs"][0]["results"]]


def test_fingerprints_stay_when_unrelated_lines_move(write, tfcompat):
    path = write("pkg/model.py", FILE)
    _, before = _results(tfcompat, "pkg")
    path.write_text(MOVED)
    _, after = _results(tfcompat, "pkg")
    assert [(code, line) for code, line, _ in before] == [
        ("TFC401", 2), ("TFC102", 4), ("TFC401", 5)]
    assert [(code, line) for code, line, _ in after] == [
        ("TFC401", 10), ("TFC102", 13), ("TFC401", 14)]
    assert [p for _, _, p in before] == [p for _, _, p in after]
    assert len({p for _, _, p in before}) == 3


def test_fingerprints_tell_findings_apart(write, tfcompat):
    # The same line twice in one file, and the same file under another name.
    write("a.py", FILE + "it = ds.make_one_shot_iterator()\n")
    write("b.py", FILE)
    _, found = _results(tfcompat, "a.py", "b.py")
    prints = [p for _, _, p in found]
    assert len(set(prints)) == len(prints) == 7
    twice = [p for code, line, p in found[:4] if line in (2, 6)]
    assert twice[0].split(":")[0] == twice[1].split(":")[0]  # same line text: numbered
    assert [t.split(":")[1] for t in twice] == ["1", "2"]


def test_a_finding_edited_in_place_gets_a_new_fingerprint(write, tfcompat):
    path = write("m.py", FILE)
    _, before = _results(tfcompat, "m.py")
    path.write_text(FILE.replace("other = ds.", "renamed = ds."))
    _, after = _results(tfcompat, "m.py")
    assert [p for _, _, p in before][:2] == [p for _, _, p in after][:2]
    assert before[2][2] != after[2][2]


def test_run_category_and_rule_documentation(write, tfcompat):
    write("m.py", FILE)
    log, _ = _results(tfcompat, "m.py")
    run = log["runs"][0]
    assert run["automationDetails"] == {"id": "tfcompat/"}
    rules = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
    tfc401 = rules["TFC401"]
    assert tfc401["shortDescription"]["text"]
    assert "## Why is this bad?" in tfc401["fullDescription"]["text"]
    assert tfc401["help"]["markdown"] == tfc401["fullDescription"]["text"]
    docs = report.documentation_url()
    if docs is None:
        assert "helpUri" not in tfc401
    else:
        assert tfc401["helpUri"] == docs + "#tfc401"


def _finding(i):
    return Finding("TFC401", "dataset-iterator-method", "m", i + 1, 1, i + 1, 5)


def test_past_githubs_limit_the_run_keeps_errors_first_and_says_what_it_left_out():
    limit = report.SARIF_MAX_RESULTS
    results = [FileResult("big.py", [_finding(i) for i in range(limit + 10)]),
               FileResult("broken.py", [error("TFC902", "cannot parse: invalid syntax")])]
    assert report.sarif_overflow(results) == 11
    log = json.loads(report.sarif(results))
    _validate(log)
    run = log["runs"][0]
    kept = run["results"]
    assert len(kept) == limit
    assert kept[-1]["ruleId"] == "TFC902"  # the error is kept, in the report's order
    assert [r["locations"][0]["physicalLocation"]["region"]["startLine"]
            for r in kept[:-1]] == list(range(1, limit))
    [note] = run["invocations"][0]["toolExecutionNotifications"]
    assert note["message"]["text"] == (
        "11 of 25011 results left out: GitHub code scanning takes at most 25000 per run")


def test_under_the_limit_nothing_is_left_out():
    results = [FileResult("m.py", [_finding(i) for i in range(3)])]
    assert report.sarif_overflow(results) == 0
    run = json.loads(report.sarif(results))["runs"][0]
    assert len(run["results"]) == 3 and "invocations" not in run


def test_the_readme_workflow_uploads_with_the_runs_category():
    from lint_helpers import readme_blocks

    yaml = pytest.importorskip("yaml")
    [snippet] = [b for b in readme_blocks("yaml") if "upload-sarif" in b]
    [upload] = [s for s in yaml.safe_load(snippet)["jobs"]["lint"]["steps"]
                if "upload-sarif" in s.get("uses", "")]
    assert upload["with"]["category"] + "/" == report.SARIF_CATEGORY

"""Notebooks (*.ipynb): found, linted as one module of their code cells, fixed in their cells.

The notebooks are built with nbformat, and what --fix writes is validated with it.
"""
import codecs
import json
import os

import pytest
from lint_helpers import SARIF_SCHEMA

nbformat = pytest.importorskip("nbformat")
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output  # noqa: E402

ITERATOR = "ds = tf.data.Dataset.range(3)\nit = ds.make_one_shot_iterator()"
FIXED_ITERATOR = "ds = tf.data.Dataset.range(3)\nit = tf.compat.v1.data.make_one_shot_iterator(ds)"


def _notebook(*cells):
    nb = new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nb.cells = [new_markdown_cell(c[3:]) if c.startswith("md:") else new_code_cell(c)
                for c in cells]
    return nb


def _write(path, nb):
    nbformat.write(nb, str(path))
    return path


def _read(path):
    return nbformat.read(str(path), as_version=nbformat.NO_CONVERT)


def _concise(run):
    return [line for line in run.stdout.splitlines() if ": TFC" in line]


def test_a_directory_walk_lints_notebooks_and_places_findings_in_cells(tmp_path, tfcompat):
    _write(tmp_path / "nb.ipynb", _notebook(
        "md:# it = ds.make_one_shot_iterator() in markdown is not code",
        "import tensorflow as tf",
        "",
        ITERATOR))
    run = tfcompat("lint", ".", "--target-tf", "1.15", "--no-cache")
    assert run.returncode == 1, run
    # Cells count from 1 over every cell, markdown and empty ones included (as ruff counts).
    assert _concise(run) == [
        "nb.ipynb:cell 4:2:9: TFC401 [*] `.make_one_shot_iterator()` is gone in TF 2"]


def test_a_notebook_in_another_language_has_no_python_to_lint(tmp_path, tfcompat):
    nb = _notebook("it = ds.make_one_shot_iterator()")
    nb.metadata["language_info"] = {"name": "R"}
    _write(tmp_path / "nb.ipynb", nb)
    run = tfcompat("lint", "nb.ipynb", "--target-tf", "1.15", "--no-cache")
    assert (run.returncode, run.stdout) == (0, "All checks passed!\n"), run


def test_ipython_lines_are_masked_not_parsed(tmp_path, tfcompat):
    _write(tmp_path / "nb.ipynb", _notebook(
        "%matplotlib inline\nimport tensorflow as tf\n!pip install \\\n    keras\n"
        "files = !ls\ntf.data?\n",
        "%%time\n" + ITERATOR,
        "%%bash\nit = ds.make_one_shot_iterator()",  # not Python: never linted
        "for i in range(2):\n    %time x = i\n    y = (10\n% 3)",
        "%%writefile x.py\nthis is not python(",
    ))
    run = tfcompat("lint", "nb.ipynb", "--target-tf", "1.15", "--no-cache",
                   "--output-format", "concise")
    # The `%` that continues a bracket is Python's operator, not a magic.
    assert _concise(run) == [
        "nb.ipynb:cell 2:3:9: TFC401 [*] `.make_one_shot_iterator()` is gone in TF 2"], run
    assert run.returncode == 1


def test_a_syntax_error_is_placed_in_its_cell(tmp_path, tfcompat):
    _write(tmp_path / "nb.ipynb", _notebook("import tensorflow as tf", ITERATOR + "\nprint x"))
    run = tfcompat("lint", "nb.ipynb", "--no-cache")
    assert run.returncode == 2, run
    [line] = _concise(run)
    # Python's own words, which differ between its versions.
    assert line.startswith("nb.ipynb:cell 2:3:"), line
    assert " TFC902 " in line and line.endswith(" (Python 2 code?)"), line


def test_a_cell_that_parses_only_after_the_one_before(tmp_path, tfcompat):
    path = _write(tmp_path / "nb.ipynb", _notebook(
        "import tensorflow as tf\ndef make(ds):",
        "    return ds.make_one_shot_iterator()"))
    run = tfcompat("lint", "nb.ipynb", "--target-tf", "1.15", "--no-cache")
    assert _concise(run) == [
        "nb.ipynb:cell 2:1:15: TFC401 [*] `.make_one_shot_iterator()` is gone in TF 2"], run
    run = tfcompat("lint", "nb.ipynb", "--target-tf", "1.15", "--no-cache", "--fix")
    assert run.returncode == 0, run
    cells = _read(path).cells
    assert cells[0].source == "import tensorflow as tf\ndef make(ds):"
    assert cells[1].source == "    return tf.compat.v1.data.make_one_shot_iterator(ds)"


def test_fix_rewrites_only_the_sources_it_changes(tmp_path, tfcompat):
    nb = _notebook("md:Some *text*.", "%matplotlib inline\nimport tensorflow as tf",
                   ITERATOR + "\nwhile True:\n    x = sess.run(it.get_next())", "",
                   "print('done')")
    nb.cells[1].outputs = [new_output("stream", name="stdout", text="hello\n")]
    nb.cells[1].execution_count = 7
    nb.cells[2].metadata["tags"] = ["keep-me"]
    path = _write(tmp_path / "nb.ipynb", nb)
    before = path.read_bytes()
    run = tfcompat("lint", "nb.ipynb", "--target-tf", "1.15", "--no-cache", "--fix")
    assert run.returncode == 0, run
    assert "Found 2 findings (2 fixed, 0 remaining)." in run.stdout
    after = path.read_bytes()
    fixed = _read(path)
    nbformat.validate(fixed)
    assert fixed.cells[2].source == (
        FIXED_ITERATOR + "\nnext_element = it.get_next()\nwhile True:\n"
        "    x = sess.run(next_element)")
    # Everything else as it was: outputs, metadata, ids, version, indentation, other cells.
    old, new = json.loads(before), json.loads(after)
    new["cells"][2]["source"] = old["cells"][2]["source"]
    assert new == old
    start = before.index(b'"source": [\n    "ds')
    assert after[:start] == before[:start]
    end_old = before.index(b"]", before.index(b"get_next()", start))
    end_new = after.index(b"]", after.index(b"next_element)", start))
    assert after[end_new:] == before[end_old:]
    assert after[start:end_new].count(b"\n    \"") == 5  # one line per list item, nbformat's


@pytest.mark.parametrize("indent", [2, None])
def test_fix_keeps_the_files_own_json_layout(tmp_path, tfcompat, indent):
    nb = _notebook("import tensorflow as tf", ITERATOR)
    raw = nbformat.writes(nb)
    data = json.loads(raw)
    data["cells"][1]["source"] = "".join(data["cells"][1]["source"])  # a string, not lines
    path = tmp_path / "nb.ipynb"
    path.write_text(json.dumps(data, indent=indent, ensure_ascii=True) + "\n")
    run = tfcompat("lint", "nb.ipynb", "--target-tf", "1.15", "--no-cache", "--fix")
    assert run.returncode == 0, run
    text = path.read_text()
    expected = json.loads(json.dumps(data))
    expected["cells"][1]["source"] = FIXED_ITERATOR
    assert text == json.dumps(expected, indent=indent, ensure_ascii=True) + "\n"
    nbformat.validate(_read(path))


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_fix_writes_what_nbformat_writes_for_the_fixed_notebook(tmp_path, tfcompat, newline):
    nb = _notebook("import tensorflow as tf", ITERATOR + "\nprint('é')")
    path = tmp_path / "nb.ipynb"
    path.write_bytes(nbformat.writes(nb).replace("\n", newline).encode() + b"\n")
    run = tfcompat("lint", "nb.ipynb", "--target-tf", "1.15", "--no-cache", "--fix")
    assert run.returncode == 0, run
    nb.cells[1].source = FIXED_ITERATOR + "\nprint('é')"
    assert path.read_bytes() == nbformat.writes(nb).replace("\n", newline).encode() + b"\n"


def test_crlf_sources_and_a_bom(tmp_path, tfcompat):
    nb = _notebook("import tensorflow as tf\r\n", ITERATOR.replace("\n", "\r\n") + "\r\n")
    path = tmp_path / "nb.ipynb"
    path.write_bytes(codecs.BOM_UTF8 + nbformat.writes(nb).encode())
    run = tfcompat("lint", "nb.ipynb", "--target-tf", "1.15", "--no-cache")
    assert _concise(run) == [
        "nb.ipynb:cell 2:2:9: TFC401 [*] `.make_one_shot_iterator()` is gone in TF 2"], run
    run = tfcompat("lint", "nb.ipynb", "--target-tf", "1.15", "--no-cache", "--fix")
    assert run.returncode == 0, run
    data = path.read_bytes()
    assert data.startswith(codecs.BOM_UTF8)
    cells = json.loads(data[3:])["cells"]
    assert "".join(cells[1]["source"]) == FIXED_ITERATOR.replace("\n", "\r\n") + "\r\n"


def test_diff_shows_each_changed_cell_and_writes_nothing(tmp_path, tfcompat):
    path = _write(tmp_path / "nb.ipynb", _notebook("import tensorflow as tf", ITERATOR))
    before = path.read_bytes()
    run = tfcompat("lint", "nb.ipynb", "--target-tf", "1.15", "--no-cache", "--diff")
    assert run.returncode == 1, run
    assert run.stdout == (
        "--- nb.ipynb:cell 2\n+++ nb.ipynb:cell 2\n@@ -1,2 +1,2 @@\n"
        " ds = tf.data.Dataset.range(3)\n-it = ds.make_one_shot_iterator()\n"
        "+it = tf.compat.v1.data.make_one_shot_iterator(ds)\n")
    assert path.read_bytes() == before


def test_add_noqa_lands_on_the_cell_lines(tmp_path, tfcompat):
    path = _write(tmp_path / "nb.ipynb", _notebook(
        "%load_ext autoreload\nimport tensorflow as tf", "!nvidia-smi\n" + ITERATOR))
    run = tfcompat("lint", "nb.ipynb", "--target-tf", "1.15", "--no-cache", "--add-noqa")
    assert run.returncode == 0, run
    assert "Added 1 noqa directive." in run.stderr
    cells = _read(path).cells
    assert cells[0].source == "%load_ext autoreload\nimport tensorflow as tf"
    assert cells[1].source == ("!nvidia-smi\nds = tf.data.Dataset.range(3)\n"
                               "it = ds.make_one_shot_iterator()  # noqa: TFC401")
    run = tfcompat("lint", "nb.ipynb", "--target-tf", "1.15", "--no-cache")
    assert run.returncode == 0, run


@pytest.mark.parametrize("cells,why", [
    # TFC407 dedents the block: the masked `%time` line would move too.
    (["import tensorflow as tf\nwith tf.compat.v1.Session() as sess:\n"
      "    %time model.fit(x, y)\n    model.fit(x, y)"],
     "a fix would change an IPython magic or shell line"),
    # The block begins in one cell and goes on in the next: one edit would span both.
    (["import tensorflow as tf\nwith tf.compat.v1.Session() as sess:", "    model.fit(x, y)"],
     "a fix would move code from one notebook cell into another"),
    # TFC103 adds `import tfcompat` at the top: above the `%%time` that must open the cell.
    (["%%time\nimport numpy as np\nimport tensorflow as tf\ndef batches(sess):\n"
      "    ds = tf.data.Dataset.from_tensor_slices(np.ones((4, 2))).batch(2)\n"
      "    iterator = tf.compat.v1.data.make_one_shot_iterator(ds)\n"
      "    next_batch = iterator.get_next()\n    while True:\n"
      "        yield sess.run(next_batch)",
      "def train(model, sess):\n    return model.fit(batches(sess), steps_per_epoch=2)"],
     "a fix would put code above the cell magic `%%time`"),
])
def test_a_fix_that_cannot_be_put_back_into_its_cells_is_withheld(tmp_path, tfcompat, cells,
                                                                   why):
    path = _write(tmp_path / "nb.ipynb", _notebook(*cells))
    before = path.read_bytes()
    run = tfcompat("lint", "nb.ipynb", "--target-tf", "2.16", "--no-cache", "--fix",
                   "--unsafe-fixes", "--select", "TFC407,TFC103")
    assert run.returncode == 1, run
    assert "warning: nb.ipynb: not fixed: %s" % why in run.stderr
    assert "1 fix withheld: %s." % why in run.stdout
    assert path.read_bytes() == before


@pytest.mark.parametrize("content,why", [
    (b'{"cells": [', "not valid JSON"),
    (b"\xff\xfe{}", "not UTF-8"),
    (json.dumps({"nbformat": 3, "nbformat_minor": 0, "worksheets": [], "metadata": {}}).encode(),
     "not an nbformat 4 notebook"),
    (json.dumps({"nbformat": 4, "cells": [{"cell_type": "code"}]}).encode(), "cell 1 has no"),
    (json.dumps({"nbformat": 4, "metadata": [], "cells": [
        {"cell_type": "code", "source": "it = ds.make_one_shot_iterator()\n\ud800"}]}).encode(),
     "which is not text"),
])
def test_a_file_that_is_not_a_notebook_is_reported_and_never_written(
        tmp_path, tfcompat, content, why):
    path = tmp_path / "bad.ipynb"
    path.write_bytes(content)
    for extra in ([], ["--fix"], ["--add-noqa"], ["--diff"]):
        run = tfcompat("lint", "bad.ipynb", "--no-cache", *extra)
        assert run.returncode == 2, run
        assert "bad.ipynb:" in run.stdout + run.stderr and "TFC906" in run.stdout + run.stderr
        assert why in run.stdout + run.stderr
        assert path.read_bytes() == content


def test_include_and_exclude_apply_to_notebooks(tmp_path, tfcompat, write):
    _write(tmp_path / "nb.ipynb", _notebook("import tensorflow as tf", ITERATOR))
    write("script.pyt", "import tensorflow as tf\nit = ds.make_one_shot_iterator()\n")
    write("pyproject.toml", '[tool.tfcompat]\ntarget-tf = "1.15"\n'
          'extend-exclude = ["*.ipynb"]\nextend-include = ["*.pyt"]\n')
    run = tfcompat("lint", ".", "--no-cache", "--output-format", "concise")
    assert _concise(run) == [
        "script.pyt:2:9: TFC401 [*] `.make_one_shot_iterator()` is gone in TF 2"], run
    write("pyproject.toml", '[tool.tfcompat]\ntarget-tf = "1.15"\ninclude = ["*.py"]\n')
    run = tfcompat("lint", ".", "--no-cache")
    assert run.returncode == 0 and not _concise(run), run
    # Named on the command line, a notebook is linted whatever the include says.
    run = tfcompat("lint", "nb.ipynb", "--no-cache")
    assert [line.split(": ")[0] for line in _concise(run)] == ["nb.ipynb:cell 2:2:9"], run


def test_machine_formats_carry_the_cell(tmp_path, tfcompat):
    _write(tmp_path / "nb.ipynb", _notebook("import tensorflow as tf", "", ITERATOR))
    args = ("lint", "nb.ipynb", "--target-tf", "1.15", "--no-cache", "--output-format")
    [finding] = tfcompat(*args, "json").json()
    assert (finding["cell"], finding["location"], finding["end_location"]) == (
        3, {"row": 2, "column": 9}, {"row": 2, "column": 31})
    assert finding["fix"]["edits"][0]["location"] == {"row": 2, "column": 6}
    github = tfcompat(*args, "github").stdout
    assert "file=nb.ipynb,line=2,col=9" in github and "TFC401 cell 3, line 2: " in github
    log = tfcompat(*args, "sarif").json()
    [result] = log["runs"][0]["results"]
    assert result["locations"][0]["properties"] == {"cell": 3}
    assert result["locations"][0]["physicalLocation"]["region"]["startLine"] == 2
    import jsonschema

    with open(SARIF_SCHEMA) as handle:
        jsonschema.validate(log, json.load(handle))


def test_stdin_notebook_fixed_to_stdout(tmp_path, tfcompat):
    nb = nbformat.writes(_notebook("import tensorflow as tf", ITERATOR))
    run = tfcompat("lint", "-", "--stdin-filename", "nb.ipynb", "--target-tf", "1.15",
                   "--fix", input=nb)
    assert run.returncode == 0, run
    fixed = nbformat.reads(run.stdout, as_version=nbformat.NO_CONVERT)
    nbformat.validate(fixed)
    assert fixed.cells[1].source == FIXED_ITERATOR


def test_the_cache_answers_a_notebook_as_a_notebook(tmp_path, tfcompat):
    path = _write(tmp_path / "nb.ipynb", _notebook("import tensorflow as tf", ITERATOR))
    (tmp_path / "same.py").write_bytes(path.read_bytes())  # the same bytes, read as Python
    for _ in range(2):  # the second run is answered by the cache
        run = tfcompat("lint", "nb.ipynb", "same.py", "--target-tf", "1.15")
        assert [line.split(": ")[0] for line in _concise(run)] == ["nb.ipynb:cell 2:2:9"], run


def test_flake8_reads_no_notebooks(tmp_path):
    import subprocess
    import sys

    _write(tmp_path / "nb.ipynb", _notebook("import tensorflow as tf", ITERATOR))
    (tmp_path / "a.py").write_text("import tensorflow as tf\nit = ds.make_one_shot_iterator()\n")
    proc = subprocess.run([sys.executable, "-m", "flake8", "--select", "TFC", "."],
                          cwd=str(tmp_path), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          env=dict(os.environ, PYTHONWARNINGS="ignore"), timeout=120)
    lines = proc.stdout.decode().splitlines()
    assert lines and all(line.startswith("./a.py:") for line in lines), proc
    # Named by a filename pattern, a notebook's JSON is still not read as Python.
    proc = subprocess.run([sys.executable, "-m", "flake8", "--select", "TFC", "--filename",
                           "*.ipynb", "nb.ipynb"], cwd=str(tmp_path), stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, env=dict(os.environ, PYTHONWARNINGS="ignore"),
                          timeout=120)
    assert proc.stdout.decode() == "", proc


def test_a_notebook_that_cannot_be_replaced_is_left_whole(tmp_path, tfcompat):
    path = _write(tmp_path / "nb.ipynb", _notebook("import tensorflow as tf", ITERATOR))
    before = path.read_bytes()
    path.chmod(0o444)
    run = tfcompat("lint", "nb.ipynb", "--target-tf", "1.15", "--no-cache", "--fix")
    assert run.returncode == 2, run
    assert "nb.ipynb:1:1: TFC901 not fixed: the file is read-only" in run.stdout
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["nb.ipynb"]  # no temporary file left beside it


def test_sarif_fingerprints_follow_the_cells_text_not_the_file_lines(tmp_path, tfcompat):
    def prints(*cells):
        _write(tmp_path / "nb.ipynb", _notebook(*cells))
        run = tfcompat("lint", "nb.ipynb", "--no-cache", "--output-format", "sarif")
        [result] = json.loads(run.stdout)["runs"][0]["results"]
        return result["partialFingerprints"]

    before = prints("import tensorflow as tf", ITERATOR)
    # A cell above moves every line of the file, not the finding's own text.
    assert prints("x = 1\ny = 2", "import tensorflow as tf", ITERATOR) == before
    assert prints("import tensorflow as tf", ITERATOR.replace("it =", "itr =")) != before

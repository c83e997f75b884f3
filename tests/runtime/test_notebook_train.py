"""The bundled seed example as a notebook, fixed for TF 2.16, trains on TF 2.21 (tox cell tf221).

examples/session_generator.py is split into code cells (one per top-level block), with a
markdown cell, an IPython magic and a shell line among them; `tfcompat lint --fix --unsafe-fixes
--target-tf 2.16` fixes the notebook in place, keeping its outputs and metadata; then its code
cells run, in order, on the installed TensorFlow (the masked IPython lines as `pass`, which is
what they are without IPython) and must train.
"""
import json
import os
import re
import subprocess
import sys

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
CELL = os.environ.get("TFCOMPAT_CELL")


def _notebook():
    with open(os.path.join(ROOT, "examples", "session_generator.py")) as handle:
        blocks = handle.read().split("\n\n\n")
    cells = [{"cell_type": "markdown", "id": "intro", "metadata": {},
              "source": ["# The seed question, as a notebook\n", "Trains once fixed."]}]
    blocks[0] = "%env TF_CPP_MIN_LOG_LEVEL=3\n!echo feeding keras\n" + blocks[0]
    for i, block in enumerate(blocks):
        cells.append({"cell_type": "code", "execution_count": i + 1, "id": "c%d" % i,
                      "metadata": {"tags": ["seed"]},
                      "outputs": [{"name": "stdout", "output_type": "stream",
                                   "text": ["cell %d ran\n" % i]}],
                      "source": block.strip("\n").splitlines(True)})
    return {"cells": cells, "nbformat": 4, "nbformat_minor": 5,
            "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python",
                                        "name": "python3"},
                         "language_info": {"name": "python"}}}


@pytest.mark.skipif(CELL != "tf221", reason="the notebook is fixed for TF 2.16; tf221 runs it")
def test_fixed_notebook_trains(tmp_path):
    from tfcompat.lint.driver.notebook import Notebook

    original = _notebook()
    path = tmp_path / "seed.ipynb"
    path.write_text(json.dumps(original, indent=1) + "\n")
    before = subprocess.run(
        [sys.executable, "-m", "tfcompat", "lint", "--target-tf", "2.16", "--no-cache",
         "--output-format", "concise", "seed.ipynb"],
        cwd=str(tmp_path), stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=300)
    assert before.returncode == 1, before.stderr.decode()
    assert "seed.ipynb:cell 2:" in before.stdout.decode()
    lint = subprocess.run(
        [sys.executable, "-m", "tfcompat", "lint", "--fix", "--unsafe-fixes", "--target-tf",
         "2.16", "--no-cache", "--output-format", "json", "seed.ipynb"],
        cwd=str(tmp_path), stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=300)
    assert lint.returncode == 0, lint.stdout.decode() + lint.stderr.decode()
    assert json.loads(lint.stdout.decode()) == []
    data = path.read_bytes()
    fixed = json.loads(data.decode())
    # Only code changed: outputs, ids, metadata, markdown and the IPython lines are kept.
    assert len(fixed["cells"]) == len(original["cells"])
    for old, new in zip(original["cells"], fixed["cells"]):
        assert {k: v for k, v in old.items() if k != "source"} == \
            {k: v for k, v in new.items() if k != "source"}
    assert fixed["cells"][0] == original["cells"][0]
    assert "%env TF_CPP_MIN_LOG_LEVEL=3\n!echo feeding keras\n" in "".join(
        fixed["cells"][1]["source"])
    code = "".join("".join(c["source"]) for c in fixed["cells"][1:])
    assert "fit_generator" not in code and "tf.Session" not in code

    script = tmp_path / "cells.py"
    script.write_text(Notebook(data).text)
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", PYTHONWARNINGS="ignore")
    train = subprocess.run([sys.executable, str(script)], cwd=str(tmp_path), env=env,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=300)
    output = train.stdout.decode("utf-8", "replace")
    assert train.returncode == 0, output
    losses = [float(v) for v in re.findall(r"loss: ([0-9.e+-]+)", output)]
    assert len(losses) == 5, output  # one per epoch

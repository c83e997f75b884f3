"""Every ``python`` block of the README is a whole program that runs as written: read from the
README here, so that it cannot drift from the code."""
import os
import re
import subprocess
import sys

import pytest

README = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(__file__))), "README.md")
# Where the README says its examples run; other cells' Keras (before tf.data, before
# Keras 2.3's metric names) is not what the examples are written for.
CELLS = ("tf221", "tf115-keras231")


def python_blocks():
    with open(README) as handle:
        text = handle.read()
    return re.findall(r"^```python\n(.*?)^```", text, re.M | re.S)


def test_the_readme_has_runtime_examples():
    blocks = python_blocks()
    assert len(blocks) >= 2
    for block in blocks:  # whole programs: they import what they use
        assert "import tfcompat" in block


@pytest.mark.parametrize("number", range(len(python_blocks())))
def test_readme_example_runs(number, cell):
    if cell is not None and cell not in CELLS:
        pytest.skip("the README's examples are written for %s" % " and ".join(CELLS))
    block = python_blocks()[number]
    run = subprocess.run([sys.executable, "-c", block], stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, universal_newlines=True, timeout=300,
                         env=dict(os.environ, PYTHONWARNINGS="ignore"))
    assert run.returncode == 0, run.stdout[-3000:]
    assert run.stdout.strip(), "the example prints what it shows"

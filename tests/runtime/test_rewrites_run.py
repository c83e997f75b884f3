"""Each fixable rule's runnable examples, original and fixed, on the TensorFlow of this cell.

The programs come from tests/runtime/rewrite_programs.json (see tests/lint/
test_rewrite_programs.py for why and how it is kept current). Each runs in a fresh
interpreter: where its ``original_cells`` name this cell the original must run and leave a
result of the expected shape, where ``broken_cells`` do it must fail, and where
``fixed_cells`` do the fixed program must run and leave the same shape (finite losses, for a
training program).
"""
import json
import os
import re
import subprocess
import sys

import pytest

import tfcompat

HERE = os.path.dirname(os.path.abspath(__file__))
CELL = os.environ.get("TFCOMPAT_CELL")
with open(os.path.join(HERE, "rewrite_programs.json")) as _handle:
    PROGRAMS = json.load(_handle)

_KINDS = (("original", "source", "original_cells"), ("broken", "source", "broken_cells"),
          ("fixed", "fixed", "fixed_cells"))


def _cases():
    for program in PROGRAMS:
        for kind, text, cells in _KINDS:
            if program[cells]:
                yield pytest.param(program, kind, program[text],
                                   id="%s-%s" % (program["id"], kind),
                                   marks=pytest.mark.skipif(
                                       CELL not in program[cells],
                                       reason="runs in %s" % ", ".join(program[cells])))


def _run(text, tmp_path):
    path = tmp_path / "program.py"
    path.write_text(text)
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", PYTHONWARNINGS="ignore")
    return subprocess.run([sys.executable, os.path.join(HERE, "run_program.py"), str(path)],
                          cwd=str(tmp_path), env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, timeout=300)


@pytest.mark.parametrize("program,kind,text", list(_cases()))
def test_program_runs_as_declared(program, kind, text, tmp_path):
    missing = [name for name in re.findall(r"\btfcompat\.(\w+)", text)
               if not hasattr(tfcompat, name)]
    if missing:
        pytest.skip("needs tfcompat.%s, not in this build" % missing[0])
    proc = _run(text, tmp_path)
    output = proc.stdout.decode("utf-8", "replace")
    if kind == "broken":
        assert proc.returncode != 0, output
        return
    assert proc.returncode == 0, output
    result = json.loads(output.strip().splitlines()[-1][len("RESULT "):])
    assert result == program["result"], output


@pytest.mark.skipif(sys.version_info < (3, 9), reason="the linter needs Python 3.9+ (libcst)")
def test_fixed_programs_are_what_the_linter_writes():
    from tfcompat.lint import rules
    from tfcompat.lint.engine.linter import Linter
    from tfcompat.lint.rule import parse_target

    for program in PROGRAMS:
        linter = Linter([rules.get(program["rule"])], parse_target(program["target_tf"]),
                        unsafe_fixes=True, keras_target=program.get("keras_target"))
        assert linter.fix(program["source"]).text == program["fixed"], program["id"]

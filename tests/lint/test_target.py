"""The target TF when none is set: read from the project's own dependencies."""
import pytest

from tfcompat.lint.driver import target

# A file whose TFC401 fix needs TF 1.13: whether it is fixed tells the target used.
ITERATOR = "import tensorflow as tf\nit = ds.make_one_shot_iterator()\n"
FIXED = "import tensorflow as tf\nit = tf.compat.v1.data.make_one_shot_iterator(ds)\n"


@pytest.mark.parametrize("requirement,lowest", [
    ("tensorflow>=1.15", (1, 15)),
    ("tensorflow==2.4.1", (2, 4)),
    ("tensorflow ~= 2.12.0", (2, 12)),
    ("tensorflow-cpu>=2.4,<2.16", (2, 4)),
    ("tensorflow_gpu==1.13.*", (1, 13)),
    ("TensorFlow[and-cuda]>=2.15 ; python_version >= '3.9'", (2, 15)),
    ("tensorflow>1.12,!=1.13.0", (1, 12)),
    ("tensorflow<2", target.OLDEST_TF),
    ("tensorflow", target.NEWEST_KNOWN_TF),
    ("tensorflow @ https://example.org/tensorflow-2.4.0.whl", target.NEWEST_KNOWN_TF),
    ("tensorflow-datasets>=4", None),
    ("keras==2.3.1", None),
    ("tf-keras>=2.16", None),
])
def test_lowest_allowed(requirement, lowest):
    assert target.lowest_allowed(requirement) == lowest


def _infer(path):
    target.infer.cache_clear()
    return target.infer(str(path))


def test_pyproject_dependencies_give_the_lowest_version(write, tmp_path):
    write("proj/pyproject.toml", """\
        [project]
        name = "p"
        dependencies = ["numpy", "tensorflow>=1.15; python_version < '3.8'",
                        "tensorflow>=2.4; python_version >= '3.8'"]
        """)
    write("proj/pkg/sub/m.py", ITERATOR)
    assert _infer(tmp_path / "proj" / "pkg" / "sub") == ((1, 15), str(tmp_path / "proj"))


def test_requirements_files_count_too(write, tmp_path):
    write("proj/pyproject.toml", '[project]\nname = "p"\ndependencies = ["tensorflow>=2.4"]\n')
    write("proj/requirements-dev.txt", "-r requirements.txt\n# pinned for CI\ntensorflow==2.1.0\n")
    assert _infer(tmp_path / "proj") == ((2, 1), str(tmp_path / "proj"))
    write("other/requirements.txt", "--index-url https://x\ntensorflow-gpu>=1.13,<2\n")
    assert _infer(tmp_path / "other") == ((1, 13), str(tmp_path / "other"))


def test_no_tensorflow_requirement_means_the_newest_known(write, tmp_path):
    write("proj/pyproject.toml", '[project]\nname = "p"\ndependencies = ["numpy"]\n')
    assert _infer(tmp_path / "proj") == (target.NEWEST_KNOWN_TF, None)
    # A pyproject.toml without [project] is not the project: the walk goes on up.
    write("a/pyproject.toml", "[tool.tfcompat]\nselect = ['TFC4']\n")
    write("a/b/pyproject.toml", "[tool.black]\nline-length = 99\n")
    write("a/requirements.txt", "tensorflow==1.14\n")
    assert _infer(tmp_path / "a" / "b") == ((1, 14), str(tmp_path / "a"))


def test_the_cli_fixes_for_the_inferred_target(write, tfcompat, tmp_path):
    old = write("old/m.py", ITERATOR)
    write("old/requirements.txt", "tensorflow>=1.12,<2\n")
    new = write("new/m.py", ITERATOR)
    write("new/pyproject.toml", '[project]\nname = "n"\ndependencies = ["tensorflow>=1.15"]\n')
    bare = write("bare/m.py", ITERATOR)
    run = tfcompat("lint", "old", "new", "bare", "--fix", "--no-cache")
    assert run.returncode == 1, run
    assert old.read_text() == ITERATOR  # TF 1.12 has no tf.compat.v1: not fixed
    assert new.read_text() == FIXED
    assert bare.read_text() == FIXED    # no requirement: the newest TF known
    findings = tfcompat("lint", "old", "--no-cache", "--output-format", "json").json()
    assert [(f["code"], f["fix"]) for f in findings] == [("TFC401", None)]


def test_configured_and_command_line_targets_win(write, tfcompat):
    project = write("p/requirements.txt", "tensorflow>=1.15\n").parent
    write("p/pyproject.toml", '[tool.tfcompat]\ntarget-tf = "1.12"\n')
    path = write("p/m.py", ITERATOR)
    assert tfcompat("lint", project, "--fix", "--no-cache").returncode == 1
    assert path.read_text() == ITERATOR
    assert tfcompat("lint", project, "--fix", "--no-cache", "--target-tf", "1.13").returncode == 0
    assert path.read_text() == FIXED

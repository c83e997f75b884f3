"""`[tool.tfcompat]` in the nearest pyproject.toml, the command line on top of it."""
import pytest

from tfcompat.lint.driver import config

BOTH = """\
    import tensorflow as tf
    it = ds.make_one_shot_iterator()
    while True:
        x = sess.run(it.get_next())
    """


def found(run):
    """{(file, code)} reported by a text run."""
    return {(line.split(":")[0], line.split()[1]) for line in run.stdout.splitlines()
            if line.count(":") >= 3 and " TFC" in line}


def project(write, table, files=("a.py",)):
    write("pyproject.toml", "[tool.tfcompat]\n" + table)
    for name in files:
        write(name, BOTH)


def test_without_config_every_rule_runs(write, tfcompat):
    write("a.py", BOTH)
    run = tfcompat("lint", "a.py")
    assert run.returncode == 1, run
    assert found(run) == {("a.py", "TFC102"), ("a.py", "TFC401")}


@pytest.mark.parametrize("table,cli,expected", [
    ('select = ["TFC4"]\n', [], {"TFC401"}),
    ('ignore = ["TFC102"]\n', [], {"TFC401"}),
    ('select = ["TFC4"]\n', ["--select", "TFC102"], {"TFC102"}),         # CLI select wins
    ('select = ["TFC4"]\n', ["--extend-select", "TFC1"], {"TFC102", "TFC401"}),
    ('', ["--ignore", "TFC1,TFC4"], set()),
    ('select = ["TFC1"]\nignore = ["TFC102"]\n', [], set()),
    ('ignore = ["TFC1"]\nextend-select = ["TFC102"]\n', [], {"TFC102", "TFC401"}),  # specific wins
    ('ignore = ["ALL"]\n', ["--extend-select", "TFC401"], {"TFC401"}),
    ('select = ["TFC102"]\n', ["--ignore", "TFC102"], set()),
])
def test_selection(write, tfcompat, table, cli, expected):
    project(write, table)
    run = tfcompat("lint", "a.py", *cli)
    assert {code for _, code in found(run)} == expected, run
    assert run.returncode == (1 if expected else 0)


def test_per_file_ignores(write, tfcompat):
    project(write, 'per-file-ignores = { "tests/*.py" = ["TFC102"], "**/gen_*.py" = ["TFC4"] }\n',
            files=("a.py", "tests/test_a.py", "pkg/sub/gen_b.py"))
    run = tfcompat("lint", ".")
    assert found(run) == {("a.py", "TFC102"), ("a.py", "TFC401"), ("tests/test_a.py", "TFC401"),
                          ("pkg/sub/gen_b.py", "TFC102")}, run


def test_target_tf_from_file_and_cli(write, tfcompat):
    project(write, 'target-tf = "1.15"\n')
    assert "TFC401 [*]" in tfcompat("lint", "a.py").stdout
    run = tfcompat("lint", "a.py", "--target-tf", "1.12")
    assert "TFC401 `" in run.stdout and "--target-tf (the fix needs TF >= 1.13)" in run.stdout


def test_nearest_pyproject_with_a_tfcompat_table_wins(write, tfcompat):
    project(write, 'select = ["TFC1"]\n')
    write("sub/pyproject.toml", '[tool.tfcompat]\nselect = ["TFC4"]\n')
    write("sub/b.py", BOTH)
    write("other/pyproject.toml", '[project]\nname = "other"\n')  # no table: skipped
    write("other/c.py", BOTH)
    run = tfcompat("lint", ".")
    assert found(run) == {("a.py", "TFC102"), ("sub/b.py", "TFC401"),
                          ("other/c.py", "TFC102")}, run


def test_each_pyproject_is_parsed_once_and_each_directory_looked_up_once(write, tmp_path):
    project(write, 'select = ["TFC1"]\n')
    write("sub/pyproject.toml", '[tool.tfcompat]\nselect = ["TFC4"]\n')
    resolver = config.Resolver()
    for d in ["a/b/c", "a/b", "a", "sub/x/y", "sub/x", "sub", "a/b/c"] * 20:
        (tmp_path / d).mkdir(parents=True, exist_ok=True)
        resolver.project_for(str(tmp_path / d))
    assert sorted(resolver.parsed) == [str(tmp_path / "pyproject.toml"),
                                       str(tmp_path / "sub" / "pyproject.toml")]
    assert resolver.project_for(str(tmp_path / "a/b/c")).path == str(tmp_path / "pyproject.toml")
    assert resolver.project_for(str(tmp_path / "sub/x")).root == str(tmp_path / "sub")


@pytest.mark.parametrize("table,message", [
    ('selekt = ["TFC1"]\n', "unknown key selekt in [tool.tfcompat]"),
    ('select = "TFC1"\n', "select must be a list of strings"),
    ('select = ["F401"]\n', "'F401' is not a rule code or prefix"),
    ('target-tf = 1.15\n', "target-tf must be a string"),
    ('target-tf = "two"\n', "target TF must look like 1.15"),
    ('unsafe-fixes = "yes"\n', "unsafe-fixes must be true or false"),
    ('per-file-ignores = ["x"]\n', "per-file-ignores must be a table"),
    ('select = [\n', "cannot read"),
])
def test_bad_config_is_a_clear_error_with_exit_2(write, tfcompat, table, message):
    project(write, table)
    run = tfcompat("lint", "a.py")
    assert run.returncode == 2, run
    assert message in run.stderr and "pyproject.toml" in run.stderr
    assert "Traceback" not in run.stderr and run.stdout == ""


@pytest.mark.parametrize("args,message", [
    (["--select", "TFC1,nope"], "'nope' is not a rule code"),
    (["--target-tf", "1.x"], "target TF must look like"),
    (["--jobs", "0"], "--jobs must be at least 1"),
    (["--fix", "--diff"], "exclude each other"),
])
def test_bad_command_line_is_exit_2(write, tfcompat, args, message):
    write("a.py", BOTH)
    run = tfcompat("lint", "a.py", *args)
    assert run.returncode == 2 and message in run.stderr, run


def test_unsafe_fixes_key_is_read(write, tfcompat):
    project(write, 'unsafe-fixes = true\ntarget-tf = "2.0"\n')
    run = tfcompat("lint", "a.py", "--fix")
    assert run.returncode == 0, run


def test_excludes(write, tfcompat):
    project(write, 'extend-exclude = ["generated", "legacy/old_*.py"]\n',
            files=["a.py", "generated/g.py", "legacy/old_x.py", "legacy/new_x.py",
                   ".venv/lib/v.py", "build/b.py", "pkg/dist/d.py", "pkg/__pycache__/c.py"])
    run = tfcompat("lint", ".", "--select", "TFC401")
    assert {f for f, _ in found(run)} == {"a.py", "legacy/new_x.py"}, run
    # A path named on the command line is linted even where a walk would skip it (as ruff).
    run = tfcompat("lint", "build/b.py", "generated", "--select", "TFC401")
    assert {f for f, _ in found(run)} == {"build/b.py", "generated/g.py"}, run


def test_exclude_replaces_the_defaults(write, tfcompat):
    project(write, 'exclude = ["other"]\n', files=["build/b.py", "other/o.py"])
    run = tfcompat("lint", ".", "--select", "TFC401")
    assert {f for f, _ in found(run)} == {"build/b.py"}, run


def test_glob_matching():
    assert config.glob_matches("tests/*.py", ["tests", "a.py"], False)
    assert not config.glob_matches("tests/*.py", ["tests", "sub", "a.py"], False)
    assert config.glob_matches("tests/**/*.py", ["tests", "sub", "a.py"], False)
    assert config.glob_matches("tests/**/*.py", ["tests", "a.py"], False)
    assert config.glob_matches("gen_*.py", ["pkg", "gen_a.py"], False)
    assert not config.glob_matches("pkg", ["pkg", "a.py"], False)
    assert config.glob_matches("pkg", ["pkg", "a.py"], True)
    assert config.glob_matches("./legacy", ["legacy", "x.py"], True)

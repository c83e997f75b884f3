"""The flake8 entry point loads on every Python the package installs on (flake8 imports it)."""
import sys

from tfcompat.lint import flake8_plugin


def test_plugin_loads_and_reports_only_where_the_linter_runs():
    source = ["import tensorflow as tf\n",
              "it = tf.compat.v1.data.make_one_shot_iterator(ds)\n",
              "while True:\n",
              "    x = sess.run(it.get_next())\n"]
    found = list(flake8_plugin.Plugin(None, "a.py", source).run())
    if sys.version_info < (3, 9):
        assert found == []  # no libcst here: nothing, rather than an import error in flake8
    else:
        assert [(row, code.split()[0]) for row, _, code, _ in found] == [(4, "TFC102")]

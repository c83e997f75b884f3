"""Rules that can report nothing under some settings are not run there (Rule.runs_under): not
parsed for, nor visited; run under the others."""
import pytest

from tfcompat.lint import rules
from tfcompat.lint.engine.linter import Linter
from tfcompat.lint.rule import parse_target

ALL = rules.all_rules()


@pytest.mark.parametrize("code,left_out,run", [
    # Only code meeting Keras 3.
    ("TFC409", ("2.16", "tf_keras"), ("2.16", None)),
    ("TFC416", ("2.10", "tf_keras"), ("2.10", "keras")),
    ("TFC417", (None, "tf_keras"), (None, "tf.keras")),
    # From TF 2.6 the keras package is the one paired with TF.
    ("TFC201", ("2.10", None), ("2.4", None)),
    ("TFC201", ("2.21", "keras"), (None, "keras")),
])
def test_a_rule_that_cannot_report_is_not_run(code, left_out, run):
    def enabled(settings):
        target, keras_target = settings
        return Linter(ALL, parse_target(target), keras_target=keras_target).enabled

    assert code not in enabled(left_out)
    assert code in enabled(run)

"""`keras-target` in [tool.tfcompat]: the one Keras namespace TFC201/TFC202 rewrite onto."""
from tfcompat.lint import rules
from tfcompat.lint.engine.linter import Linter

MIXED = ("import tensorflow as tf\n"
         "from keras.layers import Dense\n"
         "model = tf.keras.Sequential([Dense(1)])\n")


def _fix(source, target_tf, keras_target):
    linter = Linter([rules.get("TFC202"), rules.get("TFC201")],
                           target_tf=target_tf, unsafe_fixes=True, keras_target=keras_target)
    return linter.fix(source).text


def test_each_target_namespace():
    assert _fix(MIXED, (1, 15), "tf.keras") == (
        "import tensorflow as tf\n"
        "from tensorflow.keras.layers import Dense\n"
        "model = tf.keras.Sequential([Dense(1)])\n")
    assert _fix(MIXED, (2, 16), "keras") == (
        "import tensorflow as tf\n"
        "from keras.layers import Dense\n"
        "import keras\n"
        "model = keras.Sequential([Dense(1)])\n")
    assert _fix(MIXED, (2, 16), "tf_keras") == (
        "import tensorflow as tf\n"
        "from tf_keras.layers import Dense\n"
        "import tf_keras\n"
        "model = tf_keras.Sequential([Dense(1)])\n")


def test_a_namespace_the_target_lacks_is_not_offered():
    # tf_keras is the Keras 2 of TF 2.16+; keras is tf.keras only from TF 2.6.
    assert _fix(MIXED, (2, 4), "tf_keras") == MIXED
    assert _fix(MIXED, (1, 15), "keras") == MIXED


def test_config_key_reaches_the_rules(write, tfcompat):
    write("pyproject.toml", '[tool.tfcompat]\nkeras-target = "tf_keras"\ntarget-tf = "2.16"\n')
    path = write("m.py", MIXED)
    run = tfcompat("lint", ".", "--fix", "--unsafe-fixes", "--no-cache")
    assert run.returncode == 0, run
    assert "from tf_keras.layers import Dense" in path.read_text()


def test_a_bad_keras_target_is_a_config_error(write, tfcompat):
    write("pyproject.toml", '[tool.tfcompat]\nkeras-target = "keras3"\n')
    write("m.py", MIXED)
    run = tfcompat("lint", ".")
    assert run.returncode == 2
    assert "keras-target must be one of" in run.stderr

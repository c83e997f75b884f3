"""The Keras modules TFC201/TFC202's import rewrites may name (tfcompat/lint/analysis/qualnames.py's
KERAS_MODULES) import in the namespace this cell has: tf.keras on TF 1.9-2.15, tf_keras where
it is installed, Keras 3's `keras` where `keras` is 3.x."""
import importlib

import pytest

from tfcompat.lint.analysis.qualnames import KERAS_MODULES


def _namespaces():
    found = []
    tf = pytest.importorskip("tensorflow")
    version = tuple(int(p) for p in tf.__version__.split(".")[:2])
    if (1, 9) <= version < (2, 16):
        found.append("tensorflow.keras")
    try:
        importlib.import_module("tf_keras")
        found.append("tf_keras")
    except ImportError:
        pass
    try:
        keras = importlib.import_module("keras")
        if keras.__version__.startswith("3."):
            found.append("keras")
    except ImportError:
        pass
    return found


def test_every_listed_module_imports():
    namespaces = _namespaces()
    if not namespaces:
        pytest.skip("no tf.keras, tf_keras or Keras 3 here")
    missing = []
    for namespace in namespaces:
        for rest in sorted(KERAS_MODULES[namespace]):
            name = namespace + ("." + rest if rest else "")
            try:
                importlib.import_module(name)
            except ImportError as error:
                missing.append("%s (%s)" % (name, error))
    assert missing == []

"""The TF 1 name table (tfcompat/lint/data/tf1_names.json, made by tools/tf1_names.py) against
the installed TensorFlow: in TF 1.15 every name is `tf`'s, its tf.compat.v1 spelling is the same
object, and so is the TF 2 name the table gives; in TF 2 no name is `tf`'s, and the spellings
TFC405's fix writes resolve, the TF 2 name to the very object of the compat.v1 one."""
import inspect
import json
import os

import pytest

import tfcompat

TABLE = os.path.join(os.path.dirname(tfcompat.__file__), "lint", "data", "tf1_names.json")
_MISSING = object()


def _lookup(root, dotted):
    value = root
    for part in dotted.split("."):
        try:
            value = getattr(value, part)
        except Exception:  # AttributeError, or a lazily loaded module failing on Keras 3
            return _MISSING
    return value


def _module(value):
    return inspect.ismodule(value) or type(value).__name__ == "TFModuleWrapper"


def _same(old, new):
    """The same object; for API modules (TF generates one per namespace, so `tf.logging` and
    `tf.compat.v1.logging` are two), the same public names."""
    if old is new:
        return True
    public = lambda m: {n for n in dir(m) if not n.startswith("_")}  # noqa: E731
    return _module(old) and _module(new) and public(old) == public(new)


def _keras_backed(tf, name):
    """Whether ``name``'s namespace is a Keras one (TF's lazy loader puts the loaded module in
    its place once used)."""
    module = _lookup(tf, name.split(".")[0])
    return type(module).__name__ == "KerasLazyLoader" \
        or getattr(module, "__name__", "").startswith(("keras", "tf_keras"))


@pytest.fixture(scope="module")
def table():
    with open(TABLE) as f:
        return json.load(f)["names"]


@pytest.fixture(scope="module")
def tf():
    import tensorflow

    return tensorflow


def _version(tf):
    return tuple(int(p) for p in tf.__version__.split(".")[:2])


def test_tf1_names_are_tf_1_15s_and_their_spellings_the_same_objects(table, tf):
    if _version(tf) != (1, 15):
        pytest.skip("the table lists TF 1.15's names; this is TF %s" % tf.__version__)
    missing, different = [], []
    for name, entry in sorted(table.items()):
        old = _lookup(tf, name)
        if old is _MISSING:
            missing.append(name)
            continue
        for new in (entry["v1"], entry["v2"]):
            if new is not None and not _same(old, _lookup(tf, new)):
                different.append((name, new))
    assert not missing
    assert not different


def test_tf1_names_are_gone_from_tf_2_and_their_fixes_resolve(table, tf):
    if _version(tf) < (2, 16):
        pytest.skip("the table was made against TF 2.21: checked from TF 2.16 (Keras 3)")
    legacy_keras = os.environ.get("TF_USE_LEGACY_KERAS") == "1"
    # Under TF_USE_LEGACY_KERAS=1 the namespaces TF hands to Keras (tf.losses, tf.metrics...)
    # are tf_keras's, which has Keras functions of the same names (other arguments).
    present = [n for n in table if _lookup(tf, n) is not _MISSING
               and not (legacy_keras and _keras_backed(tf, n))]
    assert not present
    unresolved, different = [], []
    for name, entry in sorted(table.items()):
        v1 = _lookup(tf, entry["v1"]) if entry["v1"] else None
        if v1 is _MISSING:
            unresolved.append(entry["v1"])
        if entry["v2"]:
            v2 = _lookup(tf, entry["v2"])
            if v2 is _MISSING or (v1 is not None and not _same(v1, v2)):
                different.append((name, entry["v2"]))
        elif entry["v1"] is None and not legacy_keras:
            # No spelling at all: the table says TF 2 (Keras 3) has none; check it.
            assert _lookup(tf.compat.v1, name) is _MISSING, name
    assert not unresolved
    assert not different

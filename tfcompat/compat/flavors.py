"""Which Keras flavors this process can import, which one a model belongs to, and its module.

Keras and TensorFlow are imported here only when a function asks, never at ``import tfcompat``.
"""
import collections
import importlib
import os
import sys

from tfcompat import versions


def try_import(name):
    try:
        return importlib.import_module(name)
    except Exception:  # absent, or broken (an old TF on a too-new numpy): same as absent here
        return None


def legacy_keras_requested():
    return os.environ.get("TF_USE_LEGACY_KERAS", "").strip().lower() in ("1", "true", "yes")


def _keras_package_flavor(keras_module):
    """The flavor of the standalone `keras` package by its version."""
    version = versions.parse_version(getattr(keras_module, "__version__", ""))
    if version is None:
        return None, None
    if version >= (3, 0):
        return versions.KERAS3, version
    if version >= (2, 4):  # keras 2.4-2.15 is the tf.keras implementation
        return versions.TF_KERAS, version
    return versions.KERAS, version


def _tf_keras_version(tf):
    """The Keras version tf.keras reports ('2.1.6-tf'); TF 1.4-1.8 keep it in the private module."""
    keras = getattr(tf, "keras", None)
    if keras is None:
        return None
    for module in (keras, try_import("tensorflow.python.keras"),
                   try_import("tensorflow.python.keras._impl.keras")):
        version = versions.parse_version(getattr(module, "__version__", ""))
        if version is not None:
            return version
    return None


def installed(tf, tf_version):
    """{flavor: (version, module)} for every Keras flavor importable here."""
    found = collections.OrderedDict()
    keras = try_import("keras")
    if keras is not None:
        flavor, version = _keras_package_flavor(keras)
        if flavor is not None:
            found[flavor] = (version, keras)
    if tf is not None and tf_version is not None and tf_version >= (1, 4):
        if versions.holds("tf_keras_is_keras3", tf_version) and not legacy_keras_requested():
            if versions.KERAS3 not in found and keras is not None:
                found[versions.KERAS3] = (versions.parse_version(keras.__version__), keras)
        elif versions.TF_KERAS not in found:
            version = _tf_keras_version(tf)
            if version is not None and version < (3, 0):
                found[versions.TF_KERAS] = (version, tf.keras)
    tf_keras = try_import("tf_keras") if tf_version and tf_version >= (2, 13) else None
    if tf_keras is not None:
        found[versions.TF_KERAS_PKG] = (versions.parse_version(tf_keras.__version__), tf_keras)
    return found


def default(found, tf_version):
    """The flavor a user's ``import keras`` (or tf.keras) gives here, among ``found``."""
    if tf_version is not None and versions.holds("tf_keras_is_keras3", tf_version):
        if legacy_keras_requested() and versions.TF_KERAS_PKG in found:
            return versions.TF_KERAS_PKG
    # A standalone package the user installed beside TF wins over the bundled tf.keras.
    for flavor in (versions.KERAS, versions.KERAS3, versions.TF_KERAS, versions.TF_KERAS_PKG):
        if flavor in found:
            return flavor
    return None


def model_flavor(model):
    """The Keras flavor a model object belongs to, read from its class's module."""
    for cls in type(model).__mro__:
        root = cls.__module__.split(".")[0]
        if root == "tf_keras":
            return versions.TF_KERAS_PKG
        if root == "tensorflow":
            return versions.TF_KERAS
        if root == "keras":
            return _keras_package_flavor(sys.modules["keras"])[0]
    raise TypeError("not a Keras model: %r" % (type(model),))


def is_keras3_model(model):
    """Whether ``model`` is a Keras 3 model (False for anything that is not a Keras model)."""
    try:
        return model_flavor(model) == versions.KERAS3
    except TypeError:
        return False


def keras_module(flavor):
    """The top-level module of an installed Keras flavor (keras, tf.keras, tf_keras)."""
    if flavor == versions.TF_KERAS:
        import tensorflow as tf

        version = _tf_keras_version(tf)
        if version is not None and version < (2, 4):
            return tf.keras
        return importlib.import_module("keras")  # keras 2.4-2.15 is tf.keras' implementation
    if flavor == versions.TF_KERAS_PKG:
        return importlib.import_module("tf_keras")
    return importlib.import_module("keras")


def keras_of(model):
    """The Keras module the model belongs to (standalone keras, tf.keras, tf_keras, Keras 3)."""
    return keras_module(model_flavor(model))

"""detect(): what TensorFlow and Keras this process has, and which feeding paths can run on it.

TensorFlow and Keras are imported here, inside detect(), never at ``import tfcompat``.
"""
import collections
import importlib
import os
import sys
import types

from tfcompat import versions

PathStatus = collections.namedtuple("PathStatus", "name available reason")

_FIELDS = (
    "python tf_version keras_flavor keras_version keras_backend eager "
    "capabilities paths flavors_installed"
)


class Runtime(collections.namedtuple("Runtime", _FIELDS)):
    """An immutable description of this process's TensorFlow/Keras runtime.

    ``capabilities`` maps each fact of :mod:`tfcompat.versions` to a bool; ``paths`` lists a
    :class:`PathStatus` per feeding path, usable ones first in the order ``fit`` tries them.
    """

    __slots__ = ()

    def has(self, fact):
        return self.capabilities[fact]

    @property
    def fit_accepts_dataset(self):
        return self.has("fit_accepts_dataset")

    @property
    def target_tensors(self):
        return self.has("target_tensors")

    @property
    def generator_workers_zero(self):
        return self.has("generator_workers_zero")

    @property
    def available_paths(self):
        return tuple(p.name for p in self.paths if p.available)

    def path_status(self, name):
        for status in self.paths:
            if status.name == name:
                return status
        raise KeyError(name)

    def describe(self):
        """'TF 1.15.5, keras 2.3.1 (tensorflow backend), graph mode' for messages."""
        tf = "TF %s" % versions.format_version(self.tf_version) if self.tf_version else "no TF"
        if self.keras_flavor:
            keras = "%s %s (%s backend)" % (self.keras_flavor,
                                            versions.format_version(self.keras_version),
                                            self.keras_backend)
        else:
            keras = "no Keras"
        return "%s, %s, %s" % (tf, keras, "eager" if self.eager else "graph mode")

    def as_dict(self):
        return {
            "python": versions.format_version(self.python),
            "tf_version": versions.format_version(self.tf_version) if self.tf_version else None,
            "keras_flavor": self.keras_flavor,
            "keras_version": (versions.format_version(self.keras_version)
                              if self.keras_version else None),
            "keras_backend": self.keras_backend,
            "eager": self.eager,
            "flavors_installed": list(self.flavors_installed),
            "capabilities": dict(self.capabilities),
            "paths": [{"name": p.name, "available": p.available, "reason": p.reason}
                      for p in self.paths],
        }


def _try_import(name):
    try:
        return importlib.import_module(name)
    except Exception:  # absent, or broken (an old TF on a too-new numpy): same as absent here
        return None


def _legacy_keras_requested():
    return os.environ.get("TF_USE_LEGACY_KERAS", "").strip().lower() in ("1", "true", "yes")


def _keras_package_flavor(keras_module):
    """The flavour of the standalone `keras` package by its version."""
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
    for module in (keras, _try_import("tensorflow.python.keras"),
                   _try_import("tensorflow.python.keras._impl.keras")):
        version = versions.parse_version(getattr(module, "__version__", ""))
        if version is not None:
            return version
    return None


def _installed_flavors(tf, tf_version):
    """{flavor: (version, module)} for every Keras flavour importable here."""
    found = collections.OrderedDict()
    keras = _try_import("keras")
    if keras is not None:
        flavor, version = _keras_package_flavor(keras)
        if flavor is not None:
            found[flavor] = (version, keras)
    if tf is not None and tf_version is not None and tf_version >= (1, 4):
        if versions.holds("tf_keras_is_keras3", tf_version) and not _legacy_keras_requested():
            if versions.KERAS3 not in found and keras is not None:
                found[versions.KERAS3] = (versions.parse_version(keras.__version__), keras)
        elif versions.TF_KERAS not in found:
            version = _tf_keras_version(tf)
            if version is not None and version < (3, 0):
                found[versions.TF_KERAS] = (version, tf.keras)
    tf_keras = _try_import("tf_keras") if tf_version and tf_version >= (2, 13) else None
    if tf_keras is not None:
        found[versions.TF_KERAS_PKG] = (versions.parse_version(tf_keras.__version__), tf_keras)
    return found


def model_flavor(model):
    """The Keras flavour a model object belongs to, read from its class's module."""
    for cls in type(model).__mro__:
        root = cls.__module__.split(".")[0]
        if root == "tf_keras":
            return versions.TF_KERAS_PKG
        if root == "tensorflow":
            return versions.TF_KERAS
        if root == "keras":
            return _keras_package_flavor(sys.modules["keras"])[0]
    raise TypeError("not a Keras model: %r" % (type(model),))


def keras_module(flavor):
    """The top-level module of an installed Keras flavour (keras, tf.keras, tf_keras)."""
    if flavor == versions.TF_KERAS:
        import tensorflow as tf

        version = _tf_keras_version(tf)
        if version is not None and version < (2, 4):
            return tf.keras
        return importlib.import_module("keras")  # keras 2.4-2.15 is tf.keras' implementation
    if flavor == versions.TF_KERAS_PKG:
        return importlib.import_module("tf_keras")
    return importlib.import_module("keras")


def _default_flavor(found, tf_version):
    if tf_version is not None and versions.holds("tf_keras_is_keras3", tf_version):
        if _legacy_keras_requested() and versions.TF_KERAS_PKG in found:
            return versions.TF_KERAS_PKG
    # A standalone package the user installed beside TF wins over the bundled tf.keras.
    for flavor in (versions.KERAS, versions.KERAS3, versions.TF_KERAS, versions.TF_KERAS_PKG):
        if flavor in found:
            return flavor
    return None


def _backend(flavor, module):
    if flavor in versions.KERAS2_IN_TF:
        return "tensorflow"
    try:
        return module.backend.backend()
    except Exception:
        return None


def _eager(tf, tf_version, flavor):
    if tf is None:
        return flavor == versions.KERAS3  # Keras 3 without TF (JAX, torch) runs eagerly
    if versions.holds("executing_eagerly", tf_version):
        return bool(tf.executing_eagerly())
    return False


def detect(model=None, flavor=None):
    """Describe this runtime. With ``model``, the Keras flavour is read from the model;
    with ``flavor``, that flavour is described; otherwise the one a user's ``import keras``
    would give here. Never raises for a missing TF or Keras: the Runtime says so."""
    from tfcompat.compat import paths  # late: paths imports this module

    tf = _try_import("tensorflow")
    tf_version = versions.parse_version(tf.__version__) if tf is not None else None
    found = _installed_flavors(tf, tf_version)
    if model is not None:
        flavor = model_flavor(model)
    elif flavor is None:
        flavor = _default_flavor(found, tf_version)
    elif flavor not in found:
        raise ValueError("Keras flavour %r is not installed here; installed: %s"
                         % (flavor, ", ".join(found) or "none"))
    keras_version, keras_module = found.get(flavor, (None, None))
    eager = _eager(tf, tf_version, flavor)
    capabilities = types.MappingProxyType(collections.OrderedDict(
        (fact, versions.holds(fact, tf_version, flavor, keras_version, eager))
        for fact in versions.FACTS))
    partial = Runtime(
        python=tuple(sys.version_info[:3]),
        tf_version=tf_version,
        keras_flavor=flavor,
        keras_version=keras_version,
        keras_backend=_backend(flavor, keras_module) if keras_module is not None else None,
        eager=eager,
        capabilities=capabilities,
        paths=(),
        flavors_installed=tuple(found),
    )
    return partial._replace(paths=paths.statuses(partial))

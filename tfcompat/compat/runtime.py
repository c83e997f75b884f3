"""detect(): what TensorFlow and Keras this process has, and which feeding paths can run on it.

TensorFlow and Keras are imported here, inside detect(), never at ``import tfcompat``.
"""
import collections
import sys
import types

from tfcompat import versions
from tfcompat.compat import distribute, flavors, paths

_FIELDS = (
    "python tf_version keras_flavor keras_version keras_backend eager "
    "capabilities paths flavors_installed distribution"
)


class Runtime(collections.namedtuple("Runtime", _FIELDS)):
    """An immutable description of this process's TensorFlow/Keras runtime.

    ``capabilities`` maps each fact of :mod:`tfcompat.versions` to a bool; ``paths`` lists a
    :class:`PathStatus` per feeding path, usable ones first in the order ``fit`` tries them.
    ``distribution``: the strategy or Keras 3 distribution the model (else the current scope)
    runs under, a :class:`tfcompat.compat.distribute.Distribution`, or None.
    """

    __slots__ = ()

    def has(self, fact):
        return self.capabilities[fact]

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
            "paths": [{"name": p.name, "available": p.available, "reason": p.reason,
                       "limits": list(p.limits)} for p in self.paths],
            "distribution": self.distribution.as_dict() if self.distribution else None,
        }


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
    """Describe this runtime. With ``model``, the Keras flavor is read from the model;
    with ``flavor``, that flavor is described; otherwise the one a user's ``import keras``
    would give here. Never raises for a missing TF or Keras: the Runtime says so."""
    tf = flavors.try_import("tensorflow")
    tf_version = versions.parse_version(tf.__version__) if tf is not None else None
    found = flavors.installed(tf, tf_version)
    if model is not None:
        flavor = flavors.model_flavor(model)
    elif flavor is None:
        flavor = flavors.default(found, tf_version)
    elif flavor not in found:
        raise ValueError("Keras flavor %r is not installed here; installed: %s"
                         % (flavor, ", ".join(found) or "none"))
    keras_version, keras_module = found.get(flavor, (None, None))
    eager = _eager(tf, tf_version, flavor)
    backend = _backend(flavor, keras_module) if keras_module is not None else None
    capabilities = types.MappingProxyType(collections.OrderedDict(
        (fact, versions.holds(fact, tf_version, flavor, keras_version, eager, backend))
        for fact in versions.FACTS))
    partial = Runtime(
        python=tuple(sys.version_info[:3]),
        tf_version=tf_version,
        keras_flavor=flavor,
        keras_version=keras_version,
        keras_backend=backend,
        eager=eager,
        capabilities=capabilities,
        paths=(),
        flavors_installed=tuple(found),
        distribution=distribute.of(flavor, backend, model) if tf is not None else None,
    )
    return partial._replace(paths=paths.statuses(partial))

"""DATASET_EAGER: ``model.fit(dataset)`` while executing eagerly (TF 2, Keras 3, tf_keras)."""
from tfcompat import versions
from tfcompat.compat.paths.contract import Feeder, unmet
from tfcompat.compat.paths.keras_fit import evaluate_dataset, fit_datasets

# Eager Keras 2 from this TF on gathers from_arrays batches by tf.gather from tensors of the
# arrays, where bench/feeding.py measured that faster than the NumPy gather (a speed, not an
# API fact, so not in versions.py); not TF 2.0 tf.keras nor Keras 3, where it measured slower.
TENSOR_GATHER_TF = (2, 15)
TENSOR_GATHER_MAX = 1 << 30  # bytes: larger arrays are not copied into tensors


def gathers_in_tensors(runtime):
    """Whether from_arrays data fed to this runtime gathers from tensors (eager only)."""
    return bool(runtime.eager and runtime.keras_flavor in versions.KERAS2_IN_TF
                and runtime.tf_version >= TENSOR_GATHER_TF)


def feeds_numpy(runtime):
    """Whether from_arrays data goes to this runtime's fit as a generator of NumPy batches:
    Keras 3 on JAX (or torch) converts every tf.data batch to NumPy anyway, and the generator
    measured faster there (bench/feeding.py)."""
    return runtime.keras_flavor == versions.KERAS3 and runtime.keras_backend != "tensorflow"


class DatasetEager(Feeder):
    name = "DATASET_EAGER"
    summary = "model.fit(tf.data.Dataset), executing eagerly"

    def _refuses(self, runtime):
        if runtime.keras_flavor != versions.KERAS3 and not runtime.eager:
            return "needs eager execution; this is %s" % runtime.describe()
        return unmet("fit_accepts_dataset", runtime)

    def keras_data(self, runtime, model, feed, class_weight=None):
        # Keras 3 takes no class_weight with a generator: then the tf.data pipeline.
        if (feed.source is not None and feeds_numpy(runtime) and feed.repeats
                and class_weight is None):
            return feed.source.batches(feed.plans(model))
        return feed.dataset(model, tensor_gather_max=(TENSOR_GATHER_MAX
                                                      if gathers_in_tensors(runtime) else 0))

    def fit(self, runtime, model, train, val, options):
        return fit_datasets(self, runtime, model, train, val, options)

    def evaluate(self, runtime, model, data, callbacks=None, verbose=None):
        return evaluate_dataset(self, runtime, model, data, callbacks, verbose)

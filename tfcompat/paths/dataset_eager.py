"""DATASET_EAGER: ``model.fit(dataset)`` while executing eagerly (TF 2, Keras 3, tf_keras)."""
from tfcompat import versions
from tfcompat.paths.base import FeedingPath, Path, need


class DatasetEager(Path):
    name = FeedingPath.DATASET_EAGER
    summary = "model.fit(tf.data.Dataset), executing eagerly"

    def _refuses(self, runtime):
        if runtime.keras_flavor != versions.KERAS3 and not runtime.eager:
            return "needs eager execution; this is %s" % runtime.describe()
        return need("fit_accepts_dataset", runtime)

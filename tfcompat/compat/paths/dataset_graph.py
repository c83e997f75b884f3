"""DATASET_GRAPH: tf.keras ``fit(dataset, steps_per_epoch=...)`` in graph mode, TF >= 1.9."""
from tfcompat import versions
from tfcompat.compat.paths.dataset_eager import (
    evaluate_dataset,
    fit_datasets,
    keras_data_limits,
    refuses_keras_data,
)
from tfcompat.compat.paths.feeder import GraphFeeder, need


class DatasetGraph(GraphFeeder):
    name = "DATASET_GRAPH"
    summary = "tf.keras model.fit(tf.data.Dataset, steps_per_epoch=...) in graph mode"

    def _refuses(self, runtime):
        if runtime.eager or runtime.keras_flavor == versions.KERAS3:
            return "needs graph mode; this is %s (use DATASET_EAGER)" % runtime.describe()
        if runtime.keras_flavor not in versions.KERAS2_IN_TF:
            return ("needs tf.keras: standalone Keras %s cannot fit a tf.data.Dataset"
                    % versions.format_version(runtime.keras_version))
        return need("fit_accepts_dataset", runtime)

    def finds_epoch_end(self, runtime):
        return runtime.has("fit_dataset_without_steps")

    def refuses_data(self, runtime, model, feed, options):
        return refuses_keras_data(runtime, model, feed, options)

    def limits(self, runtime):
        return keras_data_limits(runtime)

    def fit(self, runtime, model, train, val, options):
        with self.in_model_graph(runtime, model, train, val):
            return fit_datasets(self, runtime, model, train, val, options)

    def evaluate(self, runtime, model, data, callbacks=None, verbose=None):
        with self.in_model_graph(runtime, model, data):
            return evaluate_dataset(self, runtime, model, data, callbacks, verbose)

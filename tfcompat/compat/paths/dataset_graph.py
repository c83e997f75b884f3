"""DATASET_GRAPH: tf.keras ``fit(dataset, steps_per_epoch=...)`` in graph mode, TF >= 1.9."""
from tfcompat import versions
from tfcompat.compat.paths.contract import unmet
from tfcompat.compat.paths.graph_loop import GraphFeeder
from tfcompat.compat.paths.keras_fit import evaluate_dataset, fit_datasets


class DatasetGraph(GraphFeeder):
    name = "DATASET_GRAPH"
    summary = "tf.keras model.fit(tf.data.Dataset, steps_per_epoch=...) in graph mode"

    def _refuses(self, runtime):
        if runtime.eager or runtime.keras_flavor == versions.KERAS3:
            return "needs graph mode; this is %s (use DATASET_EAGER)" % runtime.describe()
        if runtime.keras_flavor not in versions.KERAS2_IN_TF:
            return ("needs tf.keras: standalone Keras %s cannot fit a tf.data.Dataset"
                    % versions.format_version(runtime.keras_version))
        return unmet("fit_accepts_dataset", runtime)

    def fit(self, runtime, model, train, val, options):
        with self.in_model_graph(runtime, model, train, val):
            return fit_datasets(self, runtime, model, train, val, options)

    def evaluate(self, runtime, model, data, callbacks=None, verbose=None):
        with self.in_model_graph(runtime, model, data):
            return evaluate_dataset(self, runtime, model, data, callbacks, verbose)

"""DATASET_EAGER: ``model.fit(dataset)`` while executing eagerly (TF 2, Keras 3, tf_keras)."""
from tfcompat import versions
from tfcompat.compat.paths.base import FeedingPath, Path, need


class DatasetEager(Path):
    name = FeedingPath.DATASET_EAGER
    summary = "model.fit(tf.data.Dataset), executing eagerly"

    def _refuses(self, runtime):
        if runtime.keras_flavor != versions.KERAS3 and not runtime.eager:
            return "needs eager execution; this is %s" % runtime.describe()
        return need("fit_accepts_dataset", runtime)

    def finds_epoch_end(self, runtime):
        return runtime.has("fit_dataset_without_steps")

    def fit(self, runtime, model, train, val, epochs, callbacks, verbose):
        return fit_datasets(model, train, val, epochs, callbacks, verbose)

    def evaluate(self, runtime, model, data):
        return evaluate_dataset(model, data)


def fit_datasets(model, train, val, epochs, callbacks, verbose):
    """Keras' own fit(dataset) (or fit(generator), see Feed.batches): the eager path, and the
    graph one inside the model's graph."""
    kwargs = {}
    if val is not None:
        kwargs = dict(validation_data=val.batches(model),
                      validation_steps=val.steps)
    # shuffle=False: a dataset brings its own order (from_arrays shuffles every epoch).
    return model.fit(train.batches(model), epochs=epochs,
                     steps_per_epoch=train.steps, callbacks=callbacks, verbose=verbose,
                     shuffle=False, **kwargs)


def evaluate_dataset(model, data):
    return model.evaluate(data.batches(model), steps=data.steps, verbose=0)

"""DATASET_EAGER: ``model.fit(dataset)`` while executing eagerly (TF 2, Keras 3, tf_keras)."""
from tfcompat import versions
from tfcompat.compat import keras_calls, tfshim
from tfcompat.compat.paths.feeder import Feeder, keras_fit_options, need

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
        return need("fit_accepts_dataset", runtime)

    def finds_epoch_end(self, runtime):
        return runtime.has("fit_dataset_without_steps")

    def keras_data(self, runtime, model, feed, class_weight=None):
        # Keras 3 takes no class_weight with a generator: then the tf.data pipeline.
        if (feed.source is not None and feeds_numpy(runtime) and feed.repeats
                and class_weight is None):
            return feed.source.batches(feed.plans(model))
        return feed.dataset(model, tensor_gather_max=(TENSOR_GATHER_MAX
                                                      if gathers_in_tensors(runtime) else 0))

    def refuses_data(self, runtime, model, feed, options):
        return refuses_keras_data(runtime, model, feed, options)

    def limits(self, runtime):
        return keras_data_limits(runtime)

    def fit(self, runtime, model, train, val, options):
        return fit_datasets(self, runtime, model, train, val, options)

    def evaluate(self, runtime, model, data, callbacks=None, verbose=None):
        return evaluate_dataset(self, runtime, model, data, callbacks, verbose)


# What Keras' own fit(dataset) cannot carry before the version of each fact (refuses_data,
# tfcompat doctor): (phrase, fact, whether a feed or model has it).
NESTED = "several inputs or targets as tuples"
SAMPLE_WEIGHTS = "sample weights ((x, y, sample_weight) batches)"
LAZY_MODELS = ("models that build on their first batch (subclassed, Sequential without an "
               "input shape)")
CLASS_WEIGHT = "class_weight"
X_ALONE = "x alone (models trained without targets)"
KERAS_DATA_LIMITS = (
    (X_ALONE, "fit_dataset_x_alone", lambda model, feed, options: not feed.has_targets),
    (NESTED, "fit_dataset_nested",
     lambda model, feed, options: feed.has_targets and any(tfshim.is_sequence(side)
                                                           for side in feed.spec[:2])),
    (SAMPLE_WEIGHTS, "fit_dataset_sample_weights",
     lambda model, feed, options: feed.has_targets and len(feed.spec) == 3),
    (LAZY_MODELS, "fit_dataset_lazy_model",
     lambda model, feed, options: not getattr(model, "inputs", None)),
    (CLASS_WEIGHT, "fit_dataset_class_weight",
     lambda model, feed, options: options.get("class_weight") is not None),
)


def refuses_keras_data(runtime, model, feed, options):
    """Why Keras' fit cannot take ``feed`` for ``model`` with ``options`` here, or None."""
    for phrase, fact, applies in KERAS_DATA_LIMITS:
        if applies(model, feed, options) and not runtime.has(fact):
            return ("cannot carry %s: needs %s; this is %s"
                    % (phrase, versions.requirement(fact, runtime.keras_flavor),
                       runtime.describe()))
    return None


def keras_data_limits(runtime):
    return tuple(phrase for phrase, fact, _ in KERAS_DATA_LIMITS if not runtime.has(fact))


def fit_datasets(feeder, runtime, model, train, val, options):
    """Keras' own fit on what ``feeder`` makes of the data (see Feeder.keras_data): the eager
    path, and the graph one inside the model's graph."""
    kwargs = keras_fit_options(options)
    if val is not None:
        kwargs.update(validation_data=feeder.keras_data(runtime, model, val),
                      validation_steps=val.steps)
    # shuffle=False: a dataset brings its own order (from_arrays shuffles every epoch).
    data = feeder.keras_data(runtime, model, train, options.get("class_weight"))
    return keras_calls.call(runtime, model, "fit", (data,),
                            dict(steps_per_epoch=train.steps, shuffle=False, **kwargs))


def evaluate_dataset(feeder, runtime, model, data, callbacks=None, verbose=None):
    return keras_calls.call(runtime, model, "evaluate", (feeder.keras_data(runtime, model, data),),
                            dict(steps=data.steps,
                                 **keras_calls.given(callbacks=callbacks, verbose=verbose)))

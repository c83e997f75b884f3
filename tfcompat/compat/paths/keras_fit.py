"""Keras' own ``fit(dataset)`` and ``evaluate(dataset)``, shared by the paths that hand Keras
the dataset (DATASET_EAGER, and DATASET_GRAPH inside the model's graph)."""
from tfcompat.compat import keras_calls


def keras_fit_options(options, without=()):
    """``options`` as keywords for a Keras fit call: Keras' defaults left to Keras."""
    return dict((k, v) for k, v in options.items() if v is not None and k not in without)


def fit_datasets(feeder, runtime, model, train, val, options):
    """Keras' own fit on what ``feeder`` makes of the data (see Feeder.keras_data)."""
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

"""Keras' own fit / evaluate / predict on data Keras takes itself (arrays, lists and dicts of
them, generators, Sequence / PyDataset), with the user's arguments, adjusted to the installed
version: results are Keras' own by construction.

The adjustments: generators go to ``*_generator`` where that Keras' fit takes none; an argument
the installed method does not have is refused, naming the version that has it (see ARG_FACTS);
``return_dict`` is answered alike on every version.
"""
import inspect

from tfcompat import versions
from tfcompat.compat.errors import UnsupportedArgumentError

# (method, argument) -> the version fact saying which Keras has it.
ARG_FACTS = {
    ("fit", "validation_freq"): "fit_validation_freq",
    ("fit_generator", "validation_freq"): "fit_validation_freq",
    ("evaluate", "callbacks"): "evaluate_callbacks",
    ("evaluate_generator", "callbacks"): "evaluate_callbacks",
    ("predict", "callbacks"): "evaluate_callbacks",
    ("predict_generator", "callbacks"): "evaluate_callbacks",
}

ARRAYS, GENERATOR, SEQUENCE = "arrays", "generator", "sequence"
DATALOADER = "torch DataLoader"  # Keras 3 takes it on every backend (its data adapters)


def data_kind(x):
    """ARRAYS, GENERATOR (an iterator, e.g. a Python generator), SEQUENCE (a
    keras.utils.Sequence / PyDataset) or DATALOADER (a torch.utils.data.DataLoader) for data
    that is not a tf.data Dataset."""
    for cls in type(x).__mro__:
        if (cls.__name__ in ("Sequence", "PyDataset")
                and cls.__module__.split(".")[0] in ("keras", "tensorflow", "tf_keras")):
            return SEQUENCE
        if cls.__name__ == "DataLoader" and cls.__module__.split(".")[0] == "torch":
            return DATALOADER
    if inspect.isgenerator(x) or (hasattr(x, "__next__") and hasattr(x, "__iter__")):
        return GENERATOR
    return ARRAYS


def uses_generator_methods(runtime):
    """Whether this Keras takes generators only through fit_generator & co."""
    return runtime.has("fit_generator") and not runtime.has("fit_generator_deprecated")


def _takes(fn, name):
    """Whether ``fn`` has an argument ``name``; True where a wrapper hides the signature."""
    try:
        spec = inspect.getfullargspec(inspect.unwrap(fn))
    except TypeError:
        return True
    named = spec.args[1:] + spec.kwonlyargs if spec.args[:1] == ["self"] else (
        spec.args + spec.kwonlyargs)
    if not named:  # (*args, **kwargs): Keras 2.0's legacy-interface wrappers
        return True
    return name in named


def _requires_y(fn):
    """Whether ``fn`` has a ``y`` argument without a default (Keras 2.0's evaluate)."""
    try:
        spec = inspect.getfullargspec(inspect.unwrap(fn))
    except TypeError:
        return False
    if "y" not in spec.args:
        return False
    return spec.args.index("y") < len(spec.args) - len(spec.defaults or ())


def call(runtime, model, method, args, kwargs):
    """``model.<method>(*args, **kwargs)``, every keyword checked against the installed
    method first (UnsupportedArgumentError naming the version that has it)."""
    fn = getattr(model, method)
    for name in kwargs:
        if not _takes(fn, name):
            raise unsupported(runtime, method, name)
    return fn(*args, **kwargs)


def unsupported(runtime, method, name):
    """The UnsupportedArgumentError for ``method(name=)`` this Keras does not have."""
    fact = ARG_FACTS.get((method, name))
    needs = " (needs %s)" % versions.requirement(fact, runtime.keras_flavor) if fact else ""
    return UnsupportedArgumentError("%s's %s() has no %s argument%s; this is %s"
                                    % (runtime.keras_flavor, method, name, needs,
                                       runtime.describe()))


def given(**kwargs):
    """The keywords the user gave (None means 'Keras' default')."""
    return dict((k, v) for k, v in kwargs.items() if v is not None)


def fit(runtime, model, x, y, kind, options):
    """Keras' own fit (or fit_generator) on ``x``/``y`` with ``options`` (Keras' keywords,
    None for Keras' default)."""
    options = dict(options)
    if kind != ARRAYS and uses_generator_methods(runtime):
        for name in ("batch_size", "validation_split", "sample_weight"):
            options.pop(name, None)
        if kind == GENERATOR or not _takes(model.fit_generator, "shuffle"):
            # Keras 2.0's fit_generator has no shuffle: it takes a Sequence in order.
            options.pop("shuffle", None)
        if kind == SEQUENCE and options.get("steps_per_epoch") is None:
            options["steps_per_epoch"] = len(x)
        return call(runtime, model, "fit_generator", (x,), given(**options))
    if kind != ARRAYS:
        options.pop("batch_size", None)
    args = (x,) if y is None else (x, y)
    return call(runtime, model, "fit", args, given(**options))


def evaluate(runtime, model, x, y, kind, options, return_dict):
    """Keras' own evaluate (or evaluate_generator): a list, loss first, or a dict."""
    options = dict(options)
    if kind != ARRAYS and uses_generator_methods(runtime):
        for name in ("batch_size", "sample_weight"):
            options.pop(name, None)
        if kind == SEQUENCE and options.get("steps") is None:
            options["steps"] = len(x)
        result = call(runtime, model, "evaluate_generator", (x,), given(**options))
    else:
        # Keras 2.0's evaluate(x, y) has no default y: None is its "no targets" there.
        args = (x,) if y is None and not _requires_y(model.evaluate) else (x, y)
        if return_dict and _takes(model.evaluate, "return_dict"):
            return call(runtime, model, "evaluate", args, given(return_dict=True, **options))
        result = call(runtime, model, "evaluate", args, given(**options))
    return as_result(model, result, return_dict)


def predict(runtime, model, x, kind, options):
    """Keras' own predict (or predict_generator)."""
    options = dict(options)
    if kind != ARRAYS and uses_generator_methods(runtime):
        options.pop("batch_size", None)
        if kind == SEQUENCE and options.get("steps") is None:
            options["steps"] = len(x)
        return call(runtime, model, "predict_generator", (x,), given(**options))
    return call(runtime, model, "predict", (x,), given(**options))


def as_result(model, result, return_dict):
    """Keras' evaluate result as tfcompat gives it on every version: a list of floats, loss
    first (Keras gives a bare loss without metrics), or with ``return_dict`` a dict by
    metric name."""
    if isinstance(result, dict):
        values = dict((k, float(v)) for k, v in result.items())
        return values if return_dict else list(values.values())
    values = [float(v) for v in result] if isinstance(result, (list, tuple)) else [float(result)]
    if return_dict:
        return dict(zip(model.metrics_names, values))
    return values

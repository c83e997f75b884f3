"""What each feeding path cannot carry (kinds of model, data and options): one table, read by
the chooser, which skips a path for exactly these, and by ``tfcompat doctor``, which lists
them; plus which paths find the end of an epoch without steps."""
import collections

from tfcompat import versions
from tfcompat.compat import tfshim
from tfcompat.compat.conform import key_mismatch


class Limit(collections.namedtuple("Limit", "phrase applies fact why")):
    """A kind a path cannot carry: ``phrase`` (as doctor lists it), ``applies(model, feed,
    options)``, the version ``fact`` from which the path carries it (None: never), and
    ``why``: where there is no fact, the refusal's reason, or a function (model, feed,
    options) -> the refusal's line."""

    __slots__ = ()

    def refusal(self, runtime, model, feed, options):
        if self.fact is not None:
            return ("cannot carry %s: needs %s; this is %s"
                    % (self.phrase, versions.requirement(self.fact, runtime.keras_flavor),
                       runtime.describe()))
        if callable(self.why):
            return self.why(model, feed, options)
        return "cannot carry %s: %s" % (self.phrase, self.why)


X_ALONE = "x alone (models trained without targets)"
NESTED = "several inputs or targets as tuples"
SAMPLE_WEIGHTS = "sample weights ((x, y, sample_weight) batches)"
LAZY_MODELS = ("models that build on their first batch (subclassed, Sequential without an "
               "input shape)")
CLASS_WEIGHT = "class_weight"
KEYED = "dicts not keyed by the model's input and output names"
PAST_END = "steps_per_epoch x epochs past the end of finite data"


def _x_alone(model, feed, options):
    return not feed.has_targets


def _nested(model, feed, options):
    return feed.has_targets and any(tfshim.is_sequence(side) for side in feed.spec[:2])


def _weighted(model, feed, options):
    return feed.has_targets and len(feed.spec) == 3


def _lazy(model, feed, options):
    return not getattr(model, "inputs", None)


def _class_weight(model, feed, options):
    return options.get("class_weight") is not None


def _keyed_otherwise(model, feed, options):
    return feed.source is None and key_mismatch(model, feed.spec) is not None


def _past_end(model, feed, options):
    """More steps than finite data holds, where Keras' own fit stops at its end."""
    if not (feed.finite and feed.given is not None and "epochs" in options):
        return False
    return feed.given * _epochs(options) > feed.count


def _epochs(options):
    return (options.get("epochs") or 1) - (options.get("initial_epoch") or 0)


def _past_end_refusal(model, feed, options):
    epochs = _epochs(options)
    return ("cannot stop at the end of finite data as Keras' own fit does: %s has %d "
            "batches, steps_per_epoch=%d x %d epochs asks for %d; repeat it (Dataset.repeat(), "
            "from_arrays(repeat=True)) or pass fewer steps"
            % (feed.role, feed.count, feed.given, epochs, feed.given * epochs))


# Keras' own fit(dataset), before the version of each fact.
KERAS_FIT = (
    Limit(X_ALONE, _x_alone, "fit_dataset_x_alone", None),
    Limit(NESTED, _nested, "fit_dataset_nested", None),
    Limit(SAMPLE_WEIGHTS, _weighted, "fit_dataset_sample_weights", None),
    Limit(LAZY_MODELS, _lazy, "fit_dataset_lazy_model", None),
    Limit(CLASS_WEIGHT, _class_weight, "fit_dataset_class_weight", None),
)

# The paths that pull batches themselves: Keras' own fit takes batches of x alone and stops at
# the end of finite data, they do not.
OWN_LOOP = (
    Limit("batches of x alone", _x_alone, None, "takes (x, y) batches"),
    Limit(PAST_END, _past_end, None, _past_end_refusal),
)

# The rewired model of target tensors.
TARGET_TENSORS = OWN_LOOP + (
    Limit(LAZY_MODELS, _lazy, None, "this one builds on its first batch"),
    Limit(SAMPLE_WEIGHTS, _weighted, None, "takes (x, y) batches"),
    Limit(KEYED, _keyed_otherwise, None, lambda model, feed, options: key_mismatch(
        model, feed.spec)),
    Limit(CLASS_WEIGHT, _class_weight, None,
          lambda model, feed, options: "cannot carry %s of target tensors" % CLASS_WEIGHT),
)

# Path name -> its limits, in the order they are checked.
LIMITS = {
    "DATASET_EAGER": KERAS_FIT,
    "DATASET_GRAPH": KERAS_FIT,
    "TENSOR_INPUT": TARGET_TENSORS,
    "SESSION_GENERATOR": OWN_LOOP,
}

# Path name -> the fact from which it runs finite data to its end without steps.
ENDS_EPOCHS = {
    "DATASET_EAGER": "fit_dataset_without_steps",
    "DATASET_GRAPH": "fit_dataset_without_steps",
}


def refuses_data(name, runtime, model, feed, options):
    """Why path ``name`` cannot carry ``model`` and ``feed`` (a Feed) with fit ``options``
    here, or None."""
    for limit in LIMITS[str(name)]:
        if limit.applies(model, feed, options) and not (
                limit.fact is not None and runtime.has(limit.fact)):
            return limit.refusal(runtime, model, feed, options)
    return None


def listed(name, runtime):
    """What path ``name`` cannot carry here, one phrase each (tfcompat doctor)."""
    return tuple(limit.phrase for limit in LIMITS[str(name)]
                 if limit.fact is None or not runtime.has(limit.fact))


def finds_epoch_end(name, runtime):
    """Whether path ``name`` runs a finite dataset to its end without steps_per_epoch here."""
    fact = ENDS_EPOCHS.get(str(name))
    return fact is not None and runtime.has(fact)

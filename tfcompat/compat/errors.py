"""The errors tfcompat raises for bad input. All are ValueErrors whose message says what to change,
raised before any training starts."""


class UnsupportedPathError(ValueError):
    """A feeding path was asked for that this runtime cannot run; the message says what it needs."""


class DataError(ValueError):
    """``data``, ``validation_data`` or the arrays given to from_arrays cannot be fed as given."""


class TensorFlowMissingError(ValueError):
    """TensorFlow is not importable here; tfcompat feeds data through tf.data."""


class UnsupportedArgumentError(ValueError):
    """An argument of fit/evaluate/predict that the installed Keras does not have (and tfcompat
    cannot give it); the message names the version that has it."""

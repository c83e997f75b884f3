"""Names of the TensorFlow APIs rules look for, in one place (canonical qualified names:
`tensorflow.compat.v1.` is written `tensorflow.`, see scopes.canonical)."""


# Dataset methods that build a TF 1.x iterator (gone from the TF 2 API).
ITERATOR_METHODS = ("make_one_shot_iterator", "make_initializable_iterator")

# Functions that build a TF 1.x graph-mode iterator.
ITERATOR_FUNCTIONS = frozenset((
    "tensorflow.data.make_one_shot_iterator",
    "tensorflow.data.make_initializable_iterator",
    "tensorflow.data.Iterator.from_structure",
    "tensorflow.data.Iterator.from_string_handle",
    "tensorflow.contrib.data.Iterator.from_structure",
    "tensorflow.contrib.data.Iterator.from_string_handle",
))
# A call building a TF 1.x iterator has one of these among its file's called names
# (tfcompat.lint.analysis.codenames): the method's, or the function's last name, which an
# import of the function names too.
ITERATOR_CALL_NAMES = frozenset(ITERATOR_METHODS) | frozenset(
    f.rpartition(".")[2] for f in ITERATOR_FUNCTIONS)

# Dataset methods that apply a function to each element (its first argument, map_func).
MAP_METHODS = ("map", "flat_map", "interleave", "map_with_legacy_function")

# Functions and classes that start a tf.data pipeline.
DATASET_SOURCES = frozenset(
    ["tensorflow.data.Dataset." + m for m in (
        "from_tensor_slices", "from_tensors", "from_generator", "range", "zip", "list_files",
        "from_sparse_tensor_slices", "sample_from_datasets", "choose_from_datasets")]
    + ["tensorflow.contrib.data.Dataset." + m for m in (
        "from_tensor_slices", "from_tensors", "from_generator", "range", "zip", "list_files")]
    + ["tensorflow.data." + c for c in (
        "TFRecordDataset", "TextLineDataset", "FixedLengthRecordDataset")]
    + ["tensorflow.contrib.data." + c for c in (
        "TFRecordDataset", "TextLineDataset", "FixedLengthRecordDataset")]
    + ["tensorflow.data.experimental." + f for f in (
        "make_csv_dataset", "CsvDataset", "SqlDataset", "make_batched_features_dataset")]
    + [k + ".utils." + f for k in ("tensorflow.keras", "keras", "tf_keras") for f in (
        "image_dataset_from_directory", "text_dataset_from_directory",
        "timeseries_dataset_from_array", "audio_dataset_from_directory")]
    + ["tensorflow_datasets.load"])

# Dataset methods: a chain holding one of them is a tf.data pipeline.
DATASET_METHODS = frozenset((
    "batch", "padded_batch", "map", "flat_map", "interleave", "filter", "shuffle", "repeat",
    "prefetch", "cache", "take", "skip", "unbatch", "rebatch", "apply", "window", "with_options",
    "concatenate", "shard", "map_with_legacy_function", "ragged_batch",
    "bucket_by_sequence_length"))

# Sources of tfcompat that already end in a prefetch.
PREFETCHED_SOURCES = frozenset(("tfcompat.from_arrays", "tfcompat.compat.arrays.from_arrays"))

# Keras Model methods that take data, and their generator forms.
KERAS_DATA_METHODS = ("fit", "evaluate", "predict")
GENERATOR_METHODS = {"fit_generator": "fit", "evaluate_generator": "evaluate",
                     "predict_generator": "predict"}
# Every keyword those methods take in some Keras (1.x names included): a call passing another
# is some other class's method of the same name.
_GENERATOR_COMMON = ("generator", "steps", "callbacks", "max_queue_size", "workers",
                     "use_multiprocessing", "verbose", "val_samples", "max_q_size", "nb_worker",
                     "pickle_safe")
GENERATOR_KEYWORDS = {
    "fit_generator": frozenset((
        "generator", "steps_per_epoch", "epochs", "verbose", "callbacks", "validation_data",
        "validation_steps", "validation_freq", "class_weight", "max_queue_size", "workers",
        "use_multiprocessing", "shuffle", "initial_epoch", "samples_per_epoch", "nb_epoch",
        "nb_val_samples", "max_q_size", "nb_worker", "pickle_safe")),
    "evaluate_generator": frozenset(_GENERATOR_COMMON),
    "predict_generator": frozenset(_GENERATOR_COMMON),
}

# Where tf.compat.v1.data's functions live, for each module a file may import under some
# alias: (module, path from it).
COMPAT_V1_DATA_HOMES = (("tensorflow", "compat.v1.data"), ("tensorflow.compat.v1", "data"),
                        ("tensorflow.compat.v1.data", ""))

# TF 1's queue-runner input pipeline (gone from the TF 2 API, graph mode only in compat.v1).
QUEUE_RUNNERS = frozenset(
    ["tensorflow.train." + n for n in (
        "shuffle_batch", "maybe_shuffle_batch", "shuffle_batch_join", "batch", "maybe_batch",
        "batch_join", "string_input_producer", "input_producer", "range_input_producer",
        "slice_input_producer", "start_queue_runners", "QueueRunner", "add_queue_runner")]
    + ["tensorflow." + n for n in (
        "TFRecordReader", "TextLineReader", "FixedLengthRecordReader", "WholeFileReader")])

# Functions that return a Session (or the Keras one), canonical names.
SESSION_FACTORIES = frozenset(
    ["tensorflow.Session", "tensorflow.InteractiveSession", "tensorflow.train.MonitoredSession",
     "tensorflow.train.MonitoredTrainingSession", "tensorflow.train.SingularMonitoredSession"]
    + [k + ".backend.get_session" for k in (
        "keras", "tensorflow.keras", "tensorflow.python.keras", "tf_keras")])

# Wrappers that run Python inside a tf.data map (their outputs have no static shape).
PY_FUNCTIONS = frozenset(("tensorflow.py_func", "tensorflow.py_function",
                          "tensorflow.numpy_function", "tensorflow.contrib.eager.py_func"))

# Calls that give a tensor its static shape back.
SHAPE_SETTERS = frozenset(("tensorflow.ensure_shape", "tensorflow.reshape",
                           "tensorflow.debugging.assert_shapes"))

# Submodules an import rewrite may name in each Keras namespace it moves code onto: public
# modules of every release it targets (tf.keras TF 1.9-2.15, tf_keras 2.15+, Keras 3), checked
# by importing each in the TF cells (tests/runtime/test_keras_modules.py). Standalone Keras 2
# paths such as keras.layers.convolutional, keras.layers.advanced_activations,
# keras.utils.generic_utils and keras.utils.np_utils are not public in any of them.
_KERAS2_MODULES = (
    "", "activations", "applications", "backend", "callbacks", "constraints", "datasets",
    "datasets.boston_housing", "datasets.cifar10", "datasets.cifar100",
    "datasets.fashion_mnist", "datasets.imdb", "datasets.mnist", "datasets.reuters",
    "initializers", "layers", "losses", "metrics", "models", "optimizers", "preprocessing",
    "preprocessing.image", "preprocessing.sequence", "preprocessing.text", "regularizers",
    "utils")
KERAS_MODULES = {
    "tensorflow.keras": frozenset(_KERAS2_MODULES),
    "tf_keras": frozenset(_KERAS2_MODULES),
    "keras": frozenset((
        "", "activations", "applications", "backend", "callbacks", "constraints", "datasets",
        "datasets.boston_housing", "datasets.cifar10", "datasets.cifar100",
        "datasets.fashion_mnist", "datasets.imdb", "datasets.mnist", "datasets.reuters",
        "initializers", "layers", "losses", "metrics", "models", "optimizers", "preprocessing",
        "preprocessing.image", "preprocessing.sequence", "regularizers", "utils")),
}

# The three Keras namespaces one module should not mix, by module prefix (the namespace names
# are keras-target's: see tfcompat.lint.analysis.namespaces).
KERAS_NAMESPACES = {"keras": "keras", "tensorflow.keras": "tf.keras",
                    "tensorflow.python.keras": "tf.keras", "tf_keras": "tf_keras"}

# TF 1.x's first copy of Keras, `tf.contrib.keras`: the same layers under another prefix, gone
# with contrib in TF 2. Not a namespace of KERAS_NAMESPACES: no import is ever
# rewritten onto or off it, so only rules about what a Keras call does name it.
CONTRIB_KERAS = "tensorflow.contrib.keras"

# Calls that only graph-mode code makes (canonical names).
GRAPH_MODE_MARKERS = frozenset(
    ["tensorflow." + n for n in (
        "Session", "InteractiveSession", "placeholder", "placeholder_with_default",
        "disable_eager_execution", "disable_v2_behavior", "get_default_graph",
        "global_variables_initializer", "train.MonitoredTrainingSession")]
    + list(SESSION_FACTORIES) + list(ITERATOR_FUNCTIONS))

# tf.data sources that take in-memory data.
IN_MEMORY_SOURCES = frozenset(
    "%s.Dataset.%s" % (home, m) for home in ("tensorflow.data", "tensorflow.contrib.data")
    for m in ("from_tensor_slices", "from_tensors"))


def names_any(qualified, names):
    """Whether ``qualified`` (CodeNames.qualified) holds one of ``names`` or a name under
    one: whether a Name or Attribute of the code can have one of ``names`` as its
    ``qualified_name`` (an inner Attribute's is a prefix of its chain's). Not for
    ``tensorflow.compat`` and the names under it: canonical names drop ``compat.v1``, so a
    chain's name need not start with its part's."""
    names = frozenset(names)
    under = tuple(n + "." for n in names)
    return any(q in names or q.startswith(under) for q in qualified)


"""The version facts: one table, read by every version decision in tfcompat.

Each row says which library's version decides the fact (``"tf"`` = TensorFlow, ``"keras"`` =
the Keras API of the active flavor, whose version is that flavor's own: standalone Keras,
the ``-tf`` suffixed version tf.keras reports, tf_keras or Keras 3), the first version where
it holds, the first where it no longer holds, the Keras flavors it concerns, whether it holds
only in graph mode, and the release that changed it; a row of Keras 3 may hold on some of its
backends only (``backends``).

A fact may have several rows (one per flavor family); it holds when any of its rows holds.
The runtime half imports this module on Python 3.6, so it is plain data and namedtuples.
"""
import collections

# Keras flavors (also the values of Runtime.keras_flavor).
# (The linter's keras-target "keras" is another thing: the `keras` import namespace.)
KERAS = "keras"        # standalone multi-backend Keras 2.0-2.3
TF_KERAS = "tf.keras"  # Keras 2 bundled in TensorFlow (tf.keras, or the `keras` 2.4-2.15 package)
KERAS3 = "keras3"      # Keras 3 (tf.keras from TF 2.16 on, any backend)
TF_KERAS_PKG = "tf_keras"  # Keras 2 as the tf_keras package (TF_USE_LEGACY_KERAS=1)
FLAVORS = (KERAS, TF_KERAS, KERAS3, TF_KERAS_PKG)
KERAS2_IN_TF = (TF_KERAS, TF_KERAS_PKG)
KERAS2 = (KERAS, TF_KERAS, TF_KERAS_PKG)

Row = collections.namedtuple("Row", "fact lib first gone flavors graph_only cite backends")


def _row(fact, lib, first=None, gone=None, flavors=None, graph_only=False, cite="",
         backends=None):
    return Row(fact, lib, first, gone, flavors, graph_only, cite, backends)


TABLE = (
    _row("dataset_in_core", "tf", (1, 4), cite="TF 1.4.0: tf.data moves into core API"),
    _row("contrib_dataset", "tf", (1, 2), (1, 7),
         cite="TF 1.2.0 adds tf.contrib.data.Dataset; TF 1.7.0 removes the contrib classes"),
    _row("one_shot_iterator_method", "tf", (1, 4), (2, 0),
         cite="TF 1.4.0 Dataset.make_one_shot_iterator; TF 2.0.0 drops it from the v2 API"),
    _row("compat_v1_make_one_shot_iterator", "tf", (1, 13),
         cite="TF 1.13.0 adds tf.compat.v1.data.make_one_shot_iterator"),
    _row("dataset_output_attributes", "tf", (1, 4), (2, 0),
         cite="TF 1.4.0 Dataset.output_shapes/output_types/output_classes; TF 2.0.0 drops them "
              "from the v2 API"),
    _row("compat_v1_get_output_shapes", "tf", (1, 15),
         cite="tf.compat.v1.data.get_output_shapes/types/classes, in the TF 1.15.0 API (and "
              "tf.data.get_output_shapes there)"),
    _row("queue_runner_inputs", "tf", None, (2, 0),
         cite="TF 2.0.0 drops tf.train's queue-runner input pipeline (shuffle_batch, "
              "string_input_producer, readers) from the v2 API; tf.compat.v1 keeps it, graph "
              "mode only"),
    _row("compat_v1", "tf", (1, 13),
         cite="TF 1.13.0 adds the tf.compat.v1 API (Session, py_func, data iterators)"),
    _row("dataset_prefetch", "tf", (1, 4),
         cite="TF 1.4.0: tf.data in core with Dataset.prefetch (absent from tf.contrib.data 1.3)"),
    _row("dataset_element_spec", "tf", (1, 15),
         cite="TF 1.15.0/2.0.0 add Dataset.element_spec; before, output_types/output_shapes"),
    _row("input_tensor", "keras", (1, 0, 6), flavors=KERAS2, graph_only=True,
         cite="Keras 1.0.6 Input(tensor=); Keras 3.0 rejects non-KerasTensor inputs"),
    _row("target_tensors", "keras", (2, 0, 7), flavors=KERAS2, graph_only=True,
         cite="Keras 2.0.7 compile(target_tensors=); TF 2.2 drops it in eager, Keras 3 TypeError"),
    _row("fit_takes_tensors", "keras", (2, 2, 0), flavors=(KERAS,),
         cite="Keras 2.2.0 fit/evaluate/predict take TensorFlow tensors as x and y; 2.0-2.1 "
              "fail in _standardize_input_data ('Tensor' object has no attribute 'ndim'), "
              "measured on keras 2.0.6 and 2.1.6"),
    _row("fit_takes_tensors", "tf", (1, 4), flavors=KERAS2_IN_TF,
         cite="tf.keras (in TF's API from 1.4): its fit is given TensorFlow tensors as x and "
              "y, measured taking them on the TF 1.8-1.15 wheels"),
    _row("fit_takes_tensors", "keras", (3, 0), flavors=(KERAS3,),
         cite="Keras 3.0: fit(x=tensor) on the TensorFlow backend"),
    _row("fit_accepts_dataset", "tf", (1, 9), flavors=KERAS2_IN_TF,
         cite="TF 1.9.0: tf.keras fit() accepts tf.data datasets and iterators"),
    _row("fit_accepts_dataset", "keras", (3, 0), flavors=(KERAS3,),
         cite="Keras 3.0: fit(tf.data.Dataset) on every backend"),
    _row("fit_dataset_nested", "tf", (1, 11), flavors=KERAS2_IN_TF,
         cite="TF 1.11.0: tf.keras fit takes datasets of nested tuples, e.g. ((x1, x2), y) "
              "(tensorflow#20698; 1.9 fails with 'tuple' object has no attribute 'ndim')"),
    _row("fit_dataset_nested", "keras", (3, 0), flavors=(KERAS3,),
         cite="Keras 3.0: fit(dataset) of nested tuples and dicts"),
    _row("fit_dataset_sample_weights", "tf", (1, 12), flavors=KERAS2_IN_TF,
         cite="TF 1.12.0: tf.keras fit takes datasets of (x, y, sample_weight); 1.9-1.11 "
              "want 2 elements ('Please provide data as a list or tuple of 2 elements', "
              "raised as a TypeError), measured on the 1.9-1.15 wheels"),
    _row("fit_dataset_sample_weights", "keras", (3, 0), flavors=(KERAS3,),
         cite="Keras 3.0: fit(dataset) of (x, y, sample_weight)"),
    _row("fit_dataset_x_alone", "tf", (1, 15), flavors=KERAS2_IN_TF,
         cite="tf.keras fit takes datasets of x alone (models trained without targets) on "
              "the TF 1.15 wheel; 1.9 wants 2 elements ('Please provide data as a list or "
              "tuple of 2 elements', a ValueError), 1.10-1.14 not measured"),
    _row("fit_dataset_x_alone", "keras", (3, 0), flavors=(KERAS3,),
         cite="Keras 3.0: fit(dataset) of x alone"),
    _row("fit_dataset_lazy_model", "tf", (1, 13), flavors=KERAS2_IN_TF,
         cite="TF 1.13.1: tf.keras fit(dataset) builds a model without known inputs "
              "(subclassed, Sequential without an input shape) and trains it as fit on "
              "arrays does; 1.9-1.10 fail on such a Sequential (IndexError in fit_loop), "
              "1.11-1.12 train it to other numbers once validating, measured on the "
              "1.9-1.15 wheels"),
    _row("fit_dataset_lazy_model", "keras", (3, 0), flavors=(KERAS3,),
         cite="Keras 3.0: fit(dataset) builds the model on its first batch"),
    _row("fit_dataset_class_weight", "tf", (2, 1), flavors=KERAS2_IN_TF,
         cite="TF 2.1.0: Keras' fit weights a dataset's batches by class_weight; measured: "
              "tf.keras 1.12-1.13 raise a TypeError, 1.15.5 and 2.0.4 ignore it (the loss of "
              "no class_weight), 2.1.0 and 2.2.0 apply it (the loss of the same arrays)"),
    _row("fit_dataset_class_weight", "keras", (3, 0), flavors=(KERAS3,),
         cite="Keras 3.0: fit(dataset, class_weight=)"),
    _row("fit_dataset_without_steps", "tf", (1, 14), flavors=KERAS2_IN_TF,
         cite="TF 1.14.0: fit(dataset) infers the epoch end of finite data"),
    _row("fit_dataset_without_steps", "keras", (3, 0), flavors=(KERAS3,),
         cite="Keras 3.0: fit(dataset) runs to the end of finite data"),
    # workers=0: the generator runs on the calling thread (what SESSION_GENERATOR relies on).
    _row("generator_workers_zero", "keras", (2, 1, 2), flavors=(KERAS, TF_KERAS),
         graph_only=True,
         cite="Keras 2.1.2: fit_generator(workers=0) runs the generator on the main thread"),
    _row("generator_workers_zero", "tf", (2, 0), (2, 1), flavors=(TF_KERAS,),
         cite="TF 2.1.0: eager fit_generator becomes fit, whose generator runs on tf.data threads"),
    _row("generator_workers_zero", "keras", (2, 1, 2), (2, 17), flavors=(TF_KERAS_PKG,),
         graph_only=True,
         cite="tf_keras 2.17.0 rejects workers=0 ('Expected workers to be positive')"),
    _row("keras_fit_distributes", "tf", (1, 14), flavors=KERAS2_IN_TF,
         cite="TF 1.14.0: a tf.keras model built and compiled in strategy.scope() of the core "
              "tf.distribute.MirroredStrategy is trained over its replicas by its own fit, in "
              "graph mode too (before: compile(distribute=) with tf.contrib.distribute); "
              "measured on the 1.15.5, 2.0.4, 2.15.1 and 2.21.0 wheels"),
    _row("keras_fit_distributes", "keras", (3, 0), flavors=(KERAS3,),
         backends=("tensorflow", "jax"),
         cite="Keras 3.0: fit under a tf.distribute strategy (TensorFlow backend) or "
              "keras.distribution.DataParallel (JAX backend); on the torch backend a model "
              "built in a tf.distribute strategy's scope does not hold it and keras.distribution "
              "has no torch implementation, measured on Keras 3.15.1 with torch 2.13.0"),
    _row("multi_worker_fit", "tf", (1, 15), (2, 0), flavors=(TF_KERAS,),
         cite="tf.keras fit under MultiWorkerMirroredStrategy in two worker processes, a "
              "seeded shuffle sharded by DATA: every sample once per epoch, measured on the "
              "1.15.5 wheel (graph mode)"),
    _row("multi_worker_fit", "tf", (2, 15), flavors=KERAS2_IN_TF,
         cite="the same measured on the 2.15.1 and tf_keras 2.21.0 wheels; on 2.0.4 both "
              "workers finish but samples are trained on 0 to 2 times per epoch (no "
              "AutoShardPolicy before TF 2.1); 2.1-2.14 not measured, so not claimed"),
    _row("multi_worker_fit", "keras", None, (3, 0), flavors=(KERAS3,),
         cite="Keras 3 on the TensorFlow backend fails under MultiWorkerMirroredStrategy with "
              "several workers ('Attempt to convert a value (PerReplica...)', "
              "keras-team/keras#20585), measured on Keras 3.15.1 with TF 2.21.0"),
    _row("fit_validation_freq", "keras", (2, 2, 5), flavors=(KERAS,),
         cite="Keras 2.2.5 adds fit(validation_freq=)"),
    _row("fit_validation_freq", "tf", (1, 14), flavors=KERAS2_IN_TF,
         cite="TF 1.14.0 adds tf.keras fit(validation_freq=)"),
    _row("fit_validation_freq", "keras", (3, 0), flavors=(KERAS3,),
         cite="Keras 3.0: fit(validation_freq=)"),
    _row("evaluate_callbacks", "keras", (2, 3, 0), flavors=(KERAS,),
         cite="Keras 2.3.0 adds callbacks to evaluate() and predict()"),
    _row("evaluate_callbacks", "tf", (1, 14), flavors=KERAS2_IN_TF,
         cite="TF 1.14.0 adds callbacks to tf.keras evaluate() and predict()"),
    _row("evaluate_callbacks", "keras", (3, 0), flavors=(KERAS3,),
         cite="Keras 3.0: evaluate(callbacks=), predict(callbacks=)"),
    _row("fit_validation_test_hooks", "keras", (2, 3, 0), flavors=(KERAS,),
         cite="Keras 2.3.0: fit's validation calls the callbacks' on_test_begin/end and "
              "on_test_batch_begin/end (test_loop(callbacks=))"),
    _row("fit_validation_test_hooks", "tf", (1, 14), flavors=KERAS2_IN_TF,
         cite="TF 1.14.0: tf.keras fit's validation calls on_test_* (model_iteration in "
              "ModeKeys.TEST with fit's callbacks)"),
    _row("fit_validation_test_hooks", "keras", (3, 0), flavors=(KERAS3,),
         cite="Keras 3.0: fit's validation runs evaluate with fit's callbacks"),
    _row("evaluate_progress_metrics", "tf", (1, 13), flavors=KERAS2_IN_TF,
         cite="TF 1.13.1: tf.keras evaluate's progress (a ProgbarLogger) lists the loss and "
              "metrics, and prints them with verbose=2; before, and in standalone Keras "
              "2.0-2.3, a bare bar with verbose=1 only (measured on the 1.9-1.15 wheels)"),
    _row("evaluate_progress_metrics", "keras", (3, 0), flavors=(KERAS3,),
         cite="Keras 3.0: evaluate's progress bar lists the loss and metrics"),
    _row("use_multiprocessing_arg", "keras", (2, 0, 6), flavors=KERAS2,
         cite="Keras 2.0.6 renames pickle_safe->use_multiprocessing, max_q_size->max_queue_size"),
    _row("fit_generator", "keras", (1, 0), (3, 0), flavors=KERAS2,
         cite="deprecated in TF 2.1.0 (fit takes generators); removed in Keras 3.0 (TF 2.16)"),
    _row("fit_generator_deprecated", "tf", (2, 1), flavors=KERAS2_IN_TF,
         cite="TF 2.1.0 deprecates fit_generator in favour of fit"),
    _row("optimizer_learning_rate_arg", "keras", (2, 3, 0), flavors=(KERAS,),
         cite="Keras 2.3.0 renames the optimizers' lr= to learning_rate= (lr= still taken)"),
    _row("optimizer_learning_rate_arg", "tf", (1, 15), flavors=KERAS2_IN_TF,
         cite="tf.keras.optimizers take learning_rate= by TF 1.15.0 (the OptimizerV2 classes; "
              "the TF 1.9 cell has lr= only, no cell between them)"),
    _row("optimizer_learning_rate_arg", "keras", (3, 0), flavors=(KERAS3,),
         cite="Keras 3.0 optimizers: learning_rate= only"),
    _row("keras_new_optimizers", "tf", (2, 11),
         cite="TF 2.11.0: tf.keras.optimizers are the new optimizers (Keras 2's move to "
              "tf.keras.optimizers.legacy), which ignore lr= with a warning (keras-team/keras "
              "#17338) and reject decay=; tf_keras the same"),
    _row("keras_new_optimizers", "keras", (3, 0), flavors=(KERAS3,),
         cite="Keras 3.0 optimizers reject lr= and ignore decay= with a warning"),
    _row("optimizer_lowercase_aliases", "keras", (2, 0), (2, 4), flavors=(KERAS,),
         cite="standalone Keras 2.0-2.3: keras.optimizers.sgd, rmsprop, adagrad, adadelta, adam, "
              "adamax, nadam are the classes; Keras 2.4.0 re-exports tf.keras, which (like "
              "tf_keras and Keras 3) has none"),
    _row("batch_dot_one_batch_axis", "keras", (2, 2, 5), flavors=(KERAS,),
         cite="keras-team/keras#11458 (a rewrite of batch_dot, first released in Keras 2.2.5): "
              "axis 0 alone is the batch; before (2.0-2.2.4, TF backend) every axis but the "
              "last two was, as in matmul. Measured: batch_dot of (2, 10, 5) and "
              "(2, 10, 5, 16) over axes [2, 2] is (2, 10, 16) in Keras 2.2.0, (2, 10, 10, 16) "
              "in 2.3.1 (Keras 3 has no keras.backend.batch_dot)"),
    _row("batch_dot_one_batch_axis", "tf", (2, 0), flavors=KERAS2_IN_TF,
         cite="tensorflow#32441 cherry-picks the batch_dot change into TF 2.0.0; measured "
              "(2, 10, 16) in tf.keras 1.15.5, (2, 10, 10, 16) in 2.0.4, 2.15.1 and tf_keras "
              "2.21.0"),
    _row("tf_keras_is_keras3", "tf", (2, 16),
         cite="TF 2.16.1: tf.keras is Keras 3; Keras 2 via tf_keras + TF_USE_LEGACY_KERAS=1"),
    _row("contrib_autotune", "tf", (1, 8), (2, 0),
         cite="TF 1.8.0 tf.contrib.data.AUTOTUNE; tf.contrib removed in TF 2.0.0"),
    _row("experimental_autotune", "tf", (1, 13), cite="TF 1.13.0 tf.data.experimental.AUTOTUNE"),
    _row("data_autotune", "tf", (2, 4), cite="TF 2.4.0 tf.data.AUTOTUNE"),
    _row("dataset_injects_prefetch", "tf", (2, 11),
         cite="TF 2.11.0: tf.data ends a pipeline whose last transformation is synchronous "
              "with a prefetch of its own (OptimizationOptions.inject_prefetch, on by default); "
              "measured on the wheels: 2.10.1 runs such a map only as far as asked (on with "
              "inject_prefetch=True), 2.11.1 runs it ahead unless inject_prefetch=False"),
    _row("numpy_function", "tf", (1, 14), cite="TF 1.14.0 tf.numpy_function"),
    _row("ensure_shape", "tf", (1, 12), cite="TF 1.12.0 tf.ensure_shape"),
    _row("executing_eagerly", "tf", (1, 7), cite="TF 1.7.0 tf.executing_eagerly"),
    _row("backend_get_session", "keras", (1, 0), flavors=(KERAS,),
         cite="standalone Keras: backend.get_session() in every 1.x/2.x release"),
    _row("backend_get_session", "tf", (1, 4), (2, 0), flavors=KERAS2_IN_TF,
         cite="TF 2.0.0 drops backend.get_session from tf.keras (tf.compat.v1.keras keeps it)"),
    _row("compat_v1_keras_session", "tf", (1, 13), (2, 16), flavors=(TF_KERAS,),
         cite="tf.compat.v1.keras.backend.get_session: tf.keras's TF 1 API, TF 1.13-2.15"),
    _row("compat_v1_keras_session", "tf", (2, 16), flavors=(TF_KERAS_PKG,),
         cite="TF 2.16.1: under TF_USE_LEGACY_KERAS=1 tf.compat.v1.keras is tf_keras's TF 1 "
              "API, with backend.get_session/set_session (tf_keras.backend has neither)"),
    _row("legacy_optimizers", "tf", (2, 11), flavors=KERAS2_IN_TF,
         cite="TF 2.11.0: tf.keras.optimizers.X are the new optimizers, without get_updates, "
              "which Keras 2's graph-mode training loop calls (\"'RMSprop' object has no "
              "attribute 'get_updates'\"); the old ones are tf.keras.optimizers.legacy.X "
              "(tf_keras too)"),
    _row("sessions", "tf", (1, 0), flavors=KERAS2, graph_only=True,
         cite="TF 2.0.0: sessions only via tf.compat.v1 in graph mode; Keras 3 has none"),
    _row("data_experimental", "tf", (1, 12),
         cite="TF 1.12.0 moves the tf.contrib.data transformations to tf.data.experimental"),
    _row("tf_keras_import", "tf", (1, 9),
         cite="TF 1.9.0: `from tensorflow.keras.layers import Dense` imports (1.4-1.8 have "
              "tf.keras as an attribute only; cells tf18-keras216 and tf19-keras220)"),
    _row("keras_package_paired", "tf", (2, 6),
         cite="TF 2.6.0 depends on the keras package, which tf.keras is (Keras 3 from TF 2.16)"),
    _row("contrib_learn_datasets", "tf", (1, 0), (2, 0),
         cite="tf.contrib.learn's dataset readers (mnist.read_data_sets, load_mnist) in TF 1.x; "
              "tf.contrib removed in TF 2.0.0"),
    _row("tutorials_mnist", "tf", (1, 0), (2, 0),
         cite="tensorflow.examples.tutorials.mnist.input_data (the TF 1 MNIST reader of the "
              "tutorials, tf.contrib.learn's read_data_sets) ships in the TF 1.x wheels "
              "(tensorflow_core/examples/tutorials in 1.15.5); TF 2.0.0's has no "
              "tensorflow.examples"),
    _row("estimator", "tf", (1, 3), (2, 16),
         cite="TF 1.3.0 tf.estimator in core (model_to_estimator 1.4.0); removed in TF 2.16.1"),
)

FACTS = tuple(sorted(set(r.fact for r in TABLE)))

_LIB_NAMES = {"tf": "TF", "keras": "Keras"}


def parse_version(text):
    """'2.1.6-tf' -> (2, 1, 6); '2.21.0rc1' -> (2, 21, 0); None or '' -> None."""
    if not text:
        return None
    parts = []
    for piece in str(text).split("."):
        digits = ""
        for ch in piece:
            if not ch.isdigit():
                break
            digits += ch
        if not digits:
            break
        parts.append(int(digits))
        if len(digits) != len(piece):
            break
    return tuple(parts) or None


def format_version(version):
    return ".".join(str(v) for v in version) if version else "none"


def rows(fact):
    found = tuple(r for r in TABLE if r.fact == fact)
    if not found:
        raise KeyError("unknown version fact: %r" % (fact,))
    return found


def _row_holds(row, tf_version, keras_flavor, keras_version, eager, backend):
    if row.flavors is not None and keras_flavor not in row.flavors:
        return False
    if row.backends is not None and backend not in row.backends:
        return False
    if row.graph_only and eager:
        return False
    version = tf_version if row.lib == "tf" else keras_version
    if version is None:
        return False
    if row.first is not None and version < row.first:
        return False
    if row.gone is not None and version >= row.gone:
        return False
    return True


def holds(fact, tf_version, keras_flavor=None, keras_version=None, eager=False, backend=None):
    """Whether ``fact`` is true of a runtime with these versions (and Keras ``backend``: a
    row limited to some backends holds on those only)."""
    return any(_row_holds(r, tf_version, keras_flavor, keras_version, eager, backend)
               for r in rows(fact))


def requirement(fact, keras_flavor=None):
    """Human text for what ``fact`` needs, e.g. 'TF >= 1.9 (TF 1.9.0: ...)'."""
    texts = []
    for r in rows(fact):
        if r.flavors is not None and keras_flavor is not None and keras_flavor not in r.flavors:
            continue
        bits = []
        if r.first:
            bits.append("%s >= %s" % (_LIB_NAMES[r.lib], format_version(r.first)))
        if r.gone:
            bits.append("%s < %s" % (_LIB_NAMES[r.lib], format_version(r.gone)))
        if r.graph_only:
            bits.append("graph mode")
        if r.backends:
            bits.append("the %s backend" % " or ".join(r.backends))
        texts.append("%s (%s)" % (", ".join(bits), r.cite))
    if not texts:
        flavors = sorted(set(f for r in rows(fact) for f in (r.flavors or FLAVORS)))
        return "a Keras flavor among %s" % ", ".join(flavors)
    return " or ".join(texts)

"""Ask the installed TensorFlow/Keras directly whether each version fact holds.

Each probe tries the real operation (or looks the real attribute up) and answers True/False.
tests/runtime/test_detect.py compares these answers with detect(), so the table in
tfcompat/versions.py is checked against the library in every cell, never against itself.
"""
import importlib
import inspect
import signal
import threading
import warnings

import numpy as np

from tfcompat import versions


def keras_module(flavor):
    """The top-level Keras module of a flavor."""
    import tensorflow as tf

    if flavor == versions.TF_KERAS:
        # TF 2.6-2.15 implement tf.keras in the `keras` 2.x package; before, inside TF.
        try:
            keras = importlib.import_module("keras")
        except ImportError:
            return tf.keras
        version = versions.parse_version(keras.__version__)
        return keras if (2, 4) <= version < (3, 0) else tf.keras
    if flavor == versions.TF_KERAS_PKG:
        return importlib.import_module("tf_keras")
    return importlib.import_module("keras")


def _layers(k):
    return k.layers


def _model(k):
    inp = k.layers.Input(shape=(1,))
    out = k.layers.Dense(1)(inp)
    model = k.models.Model(inp, out)
    model.compile("sgd", "mse")
    return model


def _attempt(fn):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fn()
        return True
    except Exception:
        return False


def _reset(k):
    try:
        k.backend.clear_session()
    except Exception:
        pass


def _tf():
    import tensorflow as tf
    return tf


def _dataset_cls(tf):
    data = getattr(tf, "data", None)
    return getattr(data, "Dataset", None) if data is not None else None


def probe_dataset_in_core(k):
    return _dataset_cls(_tf()) is not None


def probe_contrib_dataset(k):
    tf = _tf()
    return _attempt(lambda: tf.contrib.data.Dataset.from_tensor_slices)


def probe_one_shot_iterator_method(k):
    cls = _dataset_cls(_tf())
    return cls is not None and hasattr(cls, "make_one_shot_iterator")


def probe_compat_v1_make_one_shot_iterator(k):
    return _attempt(lambda: _tf().compat.v1.data.make_one_shot_iterator)


def probe_compat_v1(k):
    return _attempt(lambda: _tf().compat.v1.Session)


def probe_data_experimental(k):
    return _attempt(lambda: _tf().data.experimental)


def probe_tf_keras_import(k):
    return _attempt(lambda: importlib.import_module("tensorflow.keras.layers").Dense)


def _requires(distribution):
    try:
        from importlib import metadata
        return metadata.requires(distribution) or []
    except ImportError:  # Python < 3.8
        import pkg_resources
        return [str(r) for r in pkg_resources.get_distribution(distribution).requires()]


def probe_keras_package_paired(k):
    import re
    for distribution in ("tensorflow", "tensorflow-cpu", "tensorflow-gpu"):
        try:
            requires = _requires(distribution)
        except Exception:
            continue
        # keras itself, not keras-applications / keras_preprocessing.
        return any(re.match(r"keras(?![-_\w])", r) for r in requires)
    return False


def probe_dataset_prefetch(k):
    cls = _dataset_cls(_tf())
    return cls is not None and hasattr(cls, "prefetch")


def probe_dataset_element_spec(k):
    cls = _dataset_cls(_tf())
    return cls is not None and hasattr(cls, "element_spec")


def probe_dataset_injects_prefetch(k):
    """A pipeline ending in a synchronous map, iterated eagerly: with a prefetch injected, a
    background thread runs the map ahead of the one element asked for."""
    import time
    tf = _tf()
    calls = []

    def count(x):
        calls.append(x)
        return x

    def ahead():
        if not tf.executing_eagerly():
            return False  # TF 1 graph mode: no eager iteration to watch (and no injection)
        ds = tf.data.Dataset.range(64).map(lambda x: tf.py_function(count, [x], tf.int64))
        iterator = iter(ds)  # kept: a dropped iterator stops its background thread
        next(iterator)
        deadline = time.time() + 5
        while len(calls) < 2 and time.time() < deadline:
            time.sleep(0.05)
        del iterator
        return len(calls) >= 2

    try:
        return ahead()
    except Exception:
        return False


def probe_backend_get_session(k):
    return hasattr(k.backend, "get_session")


def _is_keras3(k):
    return str(getattr(k, "__version__", "")).startswith("3.")


def probe_compat_v1_keras_session(k):
    """tf.compat.v1.keras.backend.get_session exists and is this Keras's own (its backend
    module is the one k's clear_session lives in)."""
    tf = _tf()
    found = []
    _attempt(lambda: found.append(tf.compat.v1.keras.backend.get_session.__module__
                                  == k.backend.clear_session.__module__))
    return found == [True] and not _is_keras3(k)


def probe_legacy_optimizers(k):
    """Keras 2's optimizers are k.optimizers.legacy, and k.optimizers' own lack the
    get_updates that the graph-mode training loop calls."""
    if _is_keras3(k):
        return False
    found = []
    _attempt(lambda: found.append(hasattr(k.optimizers.legacy, "RMSprop")
                                  and not hasattr(k.optimizers.RMSprop(), "get_updates")))
    return found == [True]


def probe_executing_eagerly(k):
    return hasattr(_tf(), "executing_eagerly")


def probe_numpy_function(k):
    return hasattr(_tf(), "numpy_function")


def probe_ensure_shape(k):
    return hasattr(_tf(), "ensure_shape")


def probe_contrib_autotune(k):
    return _attempt(lambda: _tf().contrib.data.AUTOTUNE)


def probe_experimental_autotune(k):
    return _attempt(lambda: _tf().data.experimental.AUTOTUNE)


def probe_data_autotune(k):
    return _attempt(lambda: _tf().data.AUTOTUNE)


def probe_dataset_output_attributes(k):
    cls = _dataset_cls(_tf())
    return cls is not None and hasattr(cls, "output_shapes")


def probe_compat_v1_get_output_shapes(k):
    return _attempt(lambda: _tf().compat.v1.data.get_output_shapes)


def probe_queue_runner_inputs(k):
    return hasattr(_tf().train, "shuffle_batch")


def probe_contrib_learn_datasets(k):
    import importlib
    return _attempt(lambda: importlib.import_module(
        "tensorflow.contrib.learn.python.learn.datasets.mnist").read_data_sets)


def probe_tutorials_mnist(k):
    import importlib
    return _attempt(lambda: importlib.import_module(
        "tensorflow.examples.tutorials.mnist.input_data").read_data_sets)


def probe_estimator(k):
    return _attempt(lambda: _tf().estimator.Estimator)


def probe_batch_dot_one_batch_axis(k):
    batch_dot = getattr(k.backend, "batch_dot", None)
    if batch_dot is None:
        return False  # Keras 3
    x = k.backend.constant(np.ones((2, 10, 5), "float32"))
    y = k.backend.constant(np.ones((2, 10, 5, 16), "float32"))
    return k.backend.int_shape(batch_dot(x, y, [2, 2])) == (2, 10, 10, 16)


def probe_tf_keras_is_keras3(k):
    tf = _tf()
    if not hasattr(tf, "keras"):
        return False
    import os
    if os.environ.get("TF_USE_LEGACY_KERAS") == "1":
        # tf.keras is then tf_keras; ask which Keras an un-flagged TF would give.
        return _attempt(lambda: importlib.import_module("keras").__version__ >= "3")
    return str(getattr(tf.keras, "__version__", "")).startswith("3.")


def probe_input_tensor(k):
    tf = _tf()
    _reset(k)
    if tf.executing_eagerly() if hasattr(tf, "executing_eagerly") else False:
        return False

    def build():
        x = tf.constant(np.zeros((4, 1), "float32"))
        k.layers.Input(tensor=x)

    return _attempt(build)


def probe_target_tensors(k):
    tf = _tf()
    _reset(k)
    if hasattr(tf, "executing_eagerly") and tf.executing_eagerly():
        return False

    def build_and_fit():
        x = tf.constant(np.ones((4, 1), "float32"))
        y = tf.constant(np.ones((4, 1), "float32"))
        inp = k.layers.Input(tensor=x)
        model = k.models.Model(inp, k.layers.Dense(1)(inp))
        model.compile("sgd", "mse", target_tensors=[y])
        model.fit(steps_per_epoch=1, epochs=1, verbose=0)

    return _attempt(build_and_fit)


def _sessions_usable(tf):
    v1 = getattr(getattr(tf, "compat", None), "v1", tf)
    return hasattr(v1, "Session") and not (hasattr(tf, "executing_eagerly")
                                           and tf.executing_eagerly())


def probe_sessions(k):
    tf = _tf()
    if not _sessions_usable(tf):
        return False
    return _attempt(lambda: k.backend.get_session())


def _small_dataset(tf, repeat):
    cls = _dataset_cls(tf)
    ds = cls.from_tensor_slices((np.ones((8, 1), "float32"), np.ones((8, 1), "float32")))
    ds = ds.batch(4)
    return ds.repeat() if repeat else ds


def probe_fit_accepts_dataset(k):
    tf = _tf()
    if _dataset_cls(tf) is None:
        return False
    _reset(k)
    model = _model(k)
    return _attempt(lambda: model.fit(_small_dataset(tf, True), steps_per_epoch=2, epochs=1,
                                      verbose=0))


def probe_fit_takes_tensors(k):
    """fit takes TensorFlow tensors as x and y (with steps where that Keras asks for them)."""
    tf = _tf()
    _reset(k)
    model = _model(k)
    x = tf.constant(np.ones((8, 1), "float32"))
    y = tf.constant(np.ones((8, 1), "float32"))
    return (_attempt(lambda: model.fit(x, y, steps_per_epoch=1, epochs=1, verbose=0))
            or _attempt(lambda: model.fit(x, y, epochs=1, verbose=0)))


def probe_fit_dataset_x_alone(k):
    """fit(dataset) of x alone trains a model whose loss comes from add_loss."""
    tf = _tf()
    if _dataset_cls(tf) is None:
        return False
    _reset(k)
    mean = k.ops.mean if hasattr(k, "ops") else k.backend.mean

    class Penalty(k.layers.Layer):
        def call(self, inputs):
            self.add_loss(mean(inputs * inputs))
            return inputs

    inp = k.layers.Input(shape=(1,))
    model = k.models.Model(inp, Penalty()(k.layers.Dense(1)(inp)))
    model.compile("sgd")
    ds = _dataset_cls(tf).from_tensor_slices(np.ones((8, 1), "float32")).batch(4).repeat()
    return _attempt(lambda: model.fit(ds, steps_per_epoch=2, epochs=1, verbose=0))


def probe_fit_dataset_nested(k):
    tf = _tf()
    if _dataset_cls(tf) is None:
        return False
    _reset(k)
    a, b = k.layers.Input(shape=(1,)), k.layers.Input(shape=(1,))
    model = k.models.Model([a, b], k.layers.Dense(1)(k.layers.concatenate([a, b])))
    model.compile("sgd", "mse")
    ones = np.ones((8, 1), "float32")
    ds = _dataset_cls(tf).from_tensor_slices(((ones, ones), ones)).batch(4).repeat()
    return _attempt(lambda: model.fit(ds, steps_per_epoch=2, epochs=1, verbose=0))


def probe_fit_dataset_sample_weights(k):
    tf = _tf()
    if _dataset_cls(tf) is None:
        return False
    _reset(k)
    model = _model(k)
    ones = np.ones((8, 1), "float32")
    weights = np.ones((8,), "float32")  # one per sample
    ds = _dataset_cls(tf).from_tensor_slices((ones, ones, weights)).batch(4).repeat()
    return _attempt(lambda: model.fit(ds, steps_per_epoch=2, epochs=1, verbose=0))


def probe_fit_dataset_class_weight(k):
    """fit(dataset, class_weight=) gives the loss fit on the same arrays gives."""
    tf = _tf()
    if _dataset_cls(tf) is None:
        return False
    x = np.linspace(0, 1, 16).reshape(-1, 1).astype("float32")
    y = (x[:, 0] > 0.5).astype("float32").reshape(-1, 1)
    losses = []

    def fit(on_dataset):
        _reset(k)
        inp = k.layers.Input(shape=(1,))
        model = k.models.Model(inp, k.layers.Dense(1, activation="sigmoid",
                                                   kernel_initializer="ones")(inp))
        model.compile(k.optimizers.SGD(0.1), "binary_crossentropy")
        weights = {0: 1.0, 1: 5.0}
        if on_dataset:
            ds = _dataset_cls(tf).from_tensor_slices((x, y)).batch(8).repeat()
            history = model.fit(ds, steps_per_epoch=2, epochs=1, verbose=0,
                                class_weight=weights)
        else:
            history = model.fit(x, y, batch_size=8, epochs=1, shuffle=False, verbose=0,
                                class_weight=weights)
        losses.append(history.history["loss"])

    return (_attempt(lambda: fit(False)) and _attempt(lambda: fit(True))
            and np.allclose(losses[0], losses[1], rtol=1e-4))


def probe_fit_dataset_lazy_model(k):
    """A Sequential without an input shape, fit on a dataset with validation, gives the
    history its twin fit on the same arrays gives."""
    tf = _tf()
    if _dataset_cls(tf) is None:
        return False
    rng = np.random.RandomState(0)
    x = rng.rand(32, 3).astype("float32")
    y = x.dot(np.array([[0.5], [-1.0], [2.0]], "float32"))
    histories = []

    def fit(on_dataset):
        _reset(k)
        model = k.models.Sequential([k.layers.Dense(1, kernel_initializer="ones")])
        model.compile(k.optimizers.SGD(0.05), "mse")
        if on_dataset:
            def ds(n):
                return _dataset_cls(tf).from_tensor_slices((x[:n], y[:n])).repeat().batch(8)
            history = model.fit(ds(32), steps_per_epoch=4, epochs=2, verbose=0,
                                validation_data=ds(16), validation_steps=2)
        else:
            history = model.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0,
                                validation_data=(x[:16], y[:16]))
        histories.append(history.history)

    if not (_attempt(lambda: fit(False)) and _attempt(lambda: fit(True))):
        return False
    arrays, dataset = histories
    return sorted(arrays) == sorted(dataset) and all(
        np.allclose(arrays[key], dataset[key], rtol=1e-4, atol=1e-6) for key in arrays)


def probe_fit_dataset_without_steps(k):
    tf = _tf()
    if _dataset_cls(tf) is None:
        return False
    _reset(k)
    model = _model(k)

    def fit():
        history = model.fit(_small_dataset(tf, False), epochs=1, verbose=0)
        assert len(history.history["loss"]) == 1

    return _attempt(fit)


def probe_fit_generator(k):
    return hasattr(k.models.Model, "fit_generator")


def probe_fit_generator_deprecated(k):
    fn = getattr(k.models.Model, "fit_generator", None)
    return fn is not None and "deprecated" in (fn.__doc__ or "").lower()


def probe_fit_validation_test_hooks(k):
    _reset(k)
    model = _model(k)
    calls = []

    class Record(k.callbacks.Callback):
        def on_test_begin(self, logs=None):
            calls.append("begin")

    ones = np.ones((4, 1), "float32")
    ok = _attempt(lambda: model.fit(ones, ones, epochs=1, verbose=0, callbacks=[Record()],
                                    validation_data=(ones, ones)))
    return ok and calls == ["begin"]


def probe_evaluate_progress_metrics(k):
    import contextlib
    import io

    _reset(k)
    model = _model(k)
    out = io.StringIO()
    ones = np.ones((4, 1), "float32")
    with contextlib.redirect_stdout(out):
        ok = _attempt(lambda: model.evaluate(ones, ones, verbose=1))
    return ok and "loss:" in out.getvalue()


def probe_use_multiprocessing_arg(k):
    fn = getattr(k.models.Model, "fit_generator", None)
    if fn is None:
        return False
    fn = inspect.unwrap(fn)
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False
    return "use_multiprocessing" in params


def _takes(method, name):
    fn = inspect.unwrap(getattr(method, "__func__", method))
    try:
        return name in inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False


def probe_fit_validation_freq(k):
    return _takes(k.models.Model.fit, "validation_freq")


def probe_evaluate_callbacks(k):
    return (_takes(k.models.Model.evaluate, "callbacks")
            and _takes(k.models.Model.predict, "callbacks"))


def probe_generator_workers_zero(k):
    fn = getattr(k.models.Model, "fit_generator", None)
    if fn is None:
        return False
    _reset(k)
    model = _model(k)
    threads = set()

    def gen():
        while True:
            threads.add(threading.current_thread().ident)
            yield np.ones((4, 1), "float32"), np.ones((4, 1), "float32")

    # Before Keras 2.1.2, workers=0 starts no thread and waits forever on an empty queue:
    # an alarm turns that wait into an error. (fit must run on the thread that built the model.)
    def timeout(signum, frame):
        raise RuntimeError("fit_generator(workers=0) did not return")

    previous = signal.signal(signal.SIGALRM, timeout)
    signal.alarm(15)
    try:
        ok = _attempt(lambda: model.fit_generator(gen(), steps_per_epoch=2, epochs=1,
                                                  verbose=0, workers=0))
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    return ok and threads == {threading.current_thread().ident}


def probe_optimizer_learning_rate_arg(k):
    return _takes(k.optimizers.SGD.__init__, "learning_rate")


def probe_keras_new_optimizers(k):
    """Keras 2's SGD(lr=, decay=) is not taken as it was: rejected, or lr silently dropped."""
    def keras2_arguments():
        opt = k.optimizers.SGD(lr=0.5, decay=0.25)
        assert abs(float(k.backend.get_value(opt.lr)) - 0.5) < 1e-6
        assert abs(float(k.backend.get_value(opt.decay)) - 0.25) < 1e-6

    _reset(k)
    return not _attempt(keras2_arguments)


def probe_optimizer_lowercase_aliases(k):
    return getattr(k.optimizers, "rmsprop", None) is k.optimizers.RMSprop


def _flavor_of(k):
    from tfcompat.compat import flavors

    _reset(k)
    return flavors.model_flavor(_model(k))


def _standalone_keras(k):
    return _flavor_of(k) == versions.KERAS


def probe_keras_fit_distributes(k):
    """A model built and compiled under a distribution (tf.distribute.MirroredStrategy here,
    keras.distribution.DataParallel on Keras 3's JAX backend) is trained by its own fit under
    it: fit runs, and the model holds that strategy (its variables that layout)."""
    if _is_keras3(k) and k.backend.backend() == "jax":
        return _keras3_data_parallel_fits(k)
    tf = _tf()
    mirrored = getattr(getattr(tf, "distribute", None), "MirroredStrategy", None)
    if mirrored is None or _standalone_keras(k):
        return False
    _reset(k)
    strategy = mirrored()
    with strategy.scope():
        model = _model(k)
    held = [getattr(model, name, None)
            for name in ("_distribution_strategy", "_distribute_strategy")]
    return (_attempt(lambda: model.fit(_small_dataset(tf, False), epochs=1, verbose=0))
            and strategy in held)


def _keras3_data_parallel_fits(k):
    devices = k.distribution.list_devices()
    distribution = k.distribution.DataParallel(devices=devices)
    k.distribution.set_distribution(distribution)
    try:
        model = _model(k)
        ones = np.ones((8, 1), "float32")
        placed = set(str(d) for d in model.weights[0].value.sharding.device_set)
        return (_attempt(lambda: model.fit(ones, ones, batch_size=4, epochs=1, verbose=0))
                and placed == set(str(d) for d in distribution.device_mesh.devices.ravel()))
    finally:
        k.distribution.set_distribution(None)


_MULTI_WORKER = {}


def keras_multi_worker(flavor):
    """The reports of Keras' own fit (a seeded, shuffled tf.data Dataset) under
    MultiWorkerMirroredStrategy in two worker processes on 127.0.0.1 (run once per flavor)."""
    from . import distributed_support

    if flavor not in _MULTI_WORKER:
        _MULTI_WORKER[flavor] = distributed_support.run_workers(flavor, feeding="keras")
    return _MULTI_WORKER[flavor]


def probe_multi_worker_fit(k):
    """Keras' own fit across two worker processes: both finish with the same weights, every
    sample trained on exactly once (see distributed_run.py)."""
    tf = _tf()
    distribute = getattr(tf, "distribute", None)
    if distribute is None or not (hasattr(distribute, "MultiWorkerMirroredStrategy") or hasattr(
            getattr(distribute, "experimental", None), "MultiWorkerMirroredStrategy")):
        return False
    if (_is_keras3(k) and k.backend.backend() != "tensorflow") or _standalone_keras(k):
        return False  # no tf.distribute strategy trains these models
    reports = keras_multi_worker(_flavor_of(k))
    # Each id's weight falls by 1 over the epoch, and no sample sees an update of itself
    # (epoch loss 0): trained on once, not twice at half the rate.
    return (len(reports) == 2 and all(r["ok"] for r in reports)
            and reports[0]["weights"] == reports[1]["weights"]
            and all(set(epoch) == {1.0} for epoch in reports[0]["counts"])
            and all(r["loss"] == [0.0] for r in reports))


PROBES = {name[len("probe_"):]: fn for name, fn in globals().items()
          if name.startswith("probe_")}

"""Runs one script of the migration benchmark with synthetic data and short training.

    python bench/migration_harness.py SCRIPT RESULT_JSON

Runs in every cell (Python 3.6+). The script's own code runs unchanged (runpy); only what is
around the feeding code is swapped, at import time, by an import hook:
- dataset loaders (`*.datasets.mnist/fashion_mnist/cifar10/cifar100.load_data`, the TF 1
  contrib.learn MNIST readers) return seeded random arrays of the real per-sample shapes and
  dtypes, TRAIN/TEST samples. Where TF has no contrib (TF 2), the harness supplies the
  contrib.learn MNIST module itself: it is data loading, which every run swaps, not feeding;
  tfcompat still reports the import (TFC408);
- training and evaluation entry points of every Keras (standalone Keras 2, tf.keras of TF 1/2,
  tf_keras, Keras 3) and of tf.estimator run one epoch of at most STEPS steps (EVAL_STEPS for
  validation, evaluation and prediction), and record that training finished.
RESULT_JSON gets {"status": "ok" | "error" | "no-training", "error", "error_type", "where"}.
"""
import importlib.abc
import importlib.machinery
import json
import os
import runpy
import sys
import traceback

TRAIN, TEST = 512, 128
STEPS, EVAL_STEPS = 3, 2
TRAINED = []

# Modules whose class holds Keras' or Estimator's training entry points, per flavor.
ENTRY_POINTS = {
    "keras.engine.training": "Model",  # standalone Keras 2.0-2.3
    "tensorflow.python.keras.engine.training": "Model",  # tf.keras, TF 1.9-2.15
    "tensorflow_core.python.keras.engine.training": "Model",  # TF 1.15 / 2.0-2.1 layout
    "tensorflow.python.keras._impl.keras.engine.training": "Model",  # tf.keras, TF 1.4-1.8
    "tensorflow.python.keras.engine.training_v1": "Model",
    "tf_keras.src.engine.training": "Model",  # tf_keras (TF >= 2.16)
    "tf_keras.src.engine.training_v1": "Model",
    "keras.src.backend.tensorflow.trainer": "TensorFlowTrainer",  # Keras 3 on TF
    "tensorflow_estimator.python.estimator.estimator": "Estimator",
}
DATASETS = {"mnist": ((28, 28), ()), "fashion_mnist": ((28, 28), ()),
            "cifar10": ((32, 32, 3), (1,)), "cifar100": ((32, 32, 3), (1,))}


def _arrays(sample_shape, label_shape, classes, count, seed):
    import numpy as np
    rng = np.random.RandomState(seed)
    x = rng.randint(0, 256, (count,) + sample_shape).astype("uint8")
    y = rng.randint(0, classes, (count,) + label_shape).astype("uint8")
    return x, y


def _load_data(name):
    sample_shape, label_shape = DATASETS[name]
    classes = 100 if name == "cifar100" else 10

    def load_data(*args, **kwargs):
        return (_arrays(sample_shape, label_shape, classes, TRAIN, 0),
                _arrays(sample_shape, label_shape, classes, TEST, 1))
    return load_data


class _DataSet(object):
    """The fields of contrib.learn's MNIST DataSet that scripts read."""

    def __init__(self, count, seed, one_hot):
        import numpy as np
        x, y = _arrays((784,), (), 10, count, seed)
        self.images = x.astype("float32") / 255.0
        self.labels = np.eye(10, dtype="float64")[y] if one_hot else y
        self.num_examples = count


class _DataSets(object):
    def __init__(self, one_hot=False):
        self.train = _DataSet(TRAIN, 0, one_hot)
        self.validation = _DataSet(TEST, 2, one_hot)
        self.test = _DataSet(TEST, 1, one_hot)


def _read_data_sets(*args, **kwargs):
    return _DataSets(one_hot=bool(kwargs.get("one_hot", False)))


def _short(method, name):
    """One epoch, few steps: the data and the call are the script's own."""
    training = name in ("fit", "fit_generator", "train")

    def wrapper(self, *args, **kwargs):
        if name == "train":  # Estimator.train(input_fn, hooks, steps, max_steps)
            kwargs["steps"], kwargs["max_steps"] = STEPS, None
        else:
            if "epochs" in kwargs or name in ("fit", "fit_generator"):
                kwargs["epochs"] = kwargs.get("initial_epoch", 0) + 1
            for key, limit in (("steps_per_epoch", STEPS), ("validation_steps", EVAL_STEPS),
                               ("steps", EVAL_STEPS)):
                if kwargs.get(key) is not None:
                    kwargs[key] = min(kwargs[key], limit)
            # evaluate_generator(generator, steps) / predict_generator(generator, steps)
            if name.endswith("_generator") and not training and len(args) > 1 \
                    and isinstance(args[1], int):
                args = (args[0], min(args[1], EVAL_STEPS)) + tuple(args[2:])
        result = method(self, *args, **kwargs)
        if training:
            TRAINED.append(name)
        return result
    wrapper.__name__ = name
    wrapper.short_for_bench = True
    return wrapper


def _patch(module):
    name = module.__name__
    owner = ENTRY_POINTS.get(name)
    if owner is not None and hasattr(module, owner):
        cls = getattr(module, owner)
        for method in ("fit", "fit_generator", "evaluate", "evaluate_generator", "predict",
                       "predict_generator", "train"):
            found = cls.__dict__.get(method)
            if found is not None and not getattr(found, "short_for_bench", False):
                setattr(cls, method, _short(found, method))
    last = name.rsplit(".", 1)[-1]
    if last in DATASETS and name.endswith("datasets." + last) and hasattr(module, "load_data"):
        module.load_data = _load_data(last)
    if name.endswith("learn.datasets.mnist"):
        for reader in ("read_data_sets", "load_mnist"):
            if hasattr(module, reader):
                setattr(module, reader, _read_data_sets)


# The contrib.learn MNIST module and its parent packages, supplied where TF has no contrib.
CONTRIB_MNIST = "tensorflow.contrib.learn.python.learn.datasets.mnist"


class _ContribStub(importlib.abc.Loader):
    def create_module(self, spec):
        return None

    def exec_module(self, module):
        module.__path__ = []
        if module.__name__ == CONTRIB_MNIST:
            module.read_data_sets = module.load_mnist = _read_data_sets


def _wanted(name):
    last = name.rsplit(".", 1)[-1]
    return (name in ENTRY_POINTS or last in DATASETS or name.endswith("learn.datasets.mnist")
            or name.startswith("tensorflow.contrib"))


class _PatchingLoader(importlib.abc.Loader):
    def __init__(self, inner):
        self.inner = inner

    def create_module(self, spec):
        return self.inner.create_module(spec)

    def exec_module(self, module):
        self.inner.exec_module(module)
        _patch(module)

    def __getattr__(self, attr):
        return getattr(self.inner, attr)


class _Hook(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if not _wanted(name):
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(name, path, target)
            if spec is not None:
                if spec.loader is not None and hasattr(spec.loader, "exec_module"):
                    spec.loader = _PatchingLoader(spec.loader)
                return spec
        if CONTRIB_MNIST == name or CONTRIB_MNIST.startswith(name + ".") \
                and name.startswith("tensorflow.contrib"):
            return importlib.machinery.ModuleSpec(name, _ContribStub(), is_package=True)
        return None


def _where(exc, script):
    """The script's own line the error passed through last."""
    found = ""
    for frame in traceback.extract_tb(exc.__traceback__):
        if os.path.abspath(frame.filename) == script:
            found = "line %d: %s" % (frame.lineno, (frame.line or "").strip())
    return found


def main():
    script, result_path = os.path.abspath(sys.argv[1]), sys.argv[2]
    sys.meta_path.insert(0, _Hook())
    sys.argv = [script]
    sys.path.insert(0, os.path.dirname(script))
    result = {"status": "ok", "error": "", "error_type": "", "where": ""}
    try:
        runpy.run_path(script, run_name="__main__")
    except SystemExit as exc:
        if exc.code not in (None, 0):
            result.update(status="error", error_type="SystemExit", error=str(exc.code))
    except BaseException as exc:  # the script's failure is the measurement
        lines = traceback.format_exception_only(type(exc), exc)
        message = " ".join(line.strip() for line in lines[-1:])
        result.update(status="error", error_type=type(exc).__name__,
                      error=message[:400], where=_where(exc, script)[:200])
        traceback.print_exc()
    if result["status"] == "ok" and not TRAINED:
        result["status"] = "no-training"
    with open(result_path, "w") as out:
        json.dump(result, out)
    sys.stdout.flush()
    sys.stderr.flush()
    # TF 1 queue-runner and generator threads may keep the interpreter alive.
    os._exit(0)


if __name__ == "__main__":
    main()

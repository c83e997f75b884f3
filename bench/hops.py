"""How often the data crosses between modules of tfcompat/compat in one tfcompat.fit call,
before the chosen feeding path runs: an architecture count (README, Architecture), not a speed.

    python bench/hops.py

Traces one fit per kind of data (from_arrays data, a Dataset, (x, y) arrays) with
sys.setprofile: a hop is a call from one module of tfcompat/compat into another whose
arguments hold ``x`` (itself, or an object holding it, such as the Feed made of it), up to the
call of the chosen path's (or Keras') fit. Prints the hops, then one line per kind: hops, and
how many of them leave feeding.py.
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import tfcompat  # noqa: E402
from tfcompat.compat import flavors  # noqa: E402


def _holds(value, x):
    if value is x:
        return True
    if isinstance(value, (tuple, list)):
        return any(v is x for v in value)
    attrs = getattr(value, "__dict__", None)
    return isinstance(attrs, dict) and any(v is x for v in attrs.values())


def hops_of(call, x):
    hops, done = [], []

    def profile(frame, event, arg):
        if event != "call" or done or frame.f_back is None:
            return
        module = frame.f_globals.get("__name__", "")
        caller = frame.f_back.f_globals.get("__name__", "")
        if (module.startswith("tfcompat.compat") and caller.startswith("tfcompat.compat")
                and module != caller
                and any(_holds(v, x) for v in frame.f_locals.values())):
            hops.append((caller.split(".", 2)[2], module.split(".", 2)[2], frame.f_code.co_name))
        if frame.f_code.co_name in ("fit", "fit_generator") and module not in (
                "tfcompat", "tfcompat.compat.feeding"):
            done.append(True)

    sys.setprofile(profile)
    try:
        call()
    finally:
        sys.setprofile(None)
    return hops


def main():
    keras = flavors.keras_module(tfcompat.detect().keras_flavor)
    rng = np.random.RandomState(0)
    xs, ys = rng.rand(256, 4).astype("float32"), rng.rand(256, 1).astype("float32")

    def model():
        inputs = keras.layers.Input(shape=(4,))
        built = keras.models.Model(inputs, keras.layers.Dense(1)(inputs))
        built.compile("sgd", "mse")
        return built

    tf = __import__("tensorflow")
    dataset = tf.data.Dataset.from_tensor_slices((xs, ys)).batch(32)
    cases = (("from_arrays", tfcompat.from_arrays(xs, ys, batch_size=32)),
             ("Dataset", dataset), ("arrays", xs))
    for name, x in cases:
        m = model()
        y = ys if name == "arrays" else None
        hops = hops_of(lambda: tfcompat.fit(m, x, y, epochs=1, verbose=0), x)
        for caller, callee, function in hops:
            print("  %-12s %s -> %s.%s" % (name, caller, callee, function))
        print("%s: %d hops, %d from feeding.py" % (
            name, len(hops), sum(1 for caller, _, _ in hops if caller == "feeding")))


if __name__ == "__main__":
    main()

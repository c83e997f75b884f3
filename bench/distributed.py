"""Distributed feeding throughput in this cell: 1 vs 2 replicas, tfcompat vs hand-written.

MLP 784-256-10, global batch 128, 20,480 synthetic samples, built and compiled under a
MirroredStrategy over 1 or 2 logical CPU devices (Keras 3 on JAX: DataParallel over 1 or 2
host devices). Rows, each called as its user writes it: tfcompat.fit on from_arrays data
(finite: an epoch is one pass, no steps_per_epoch), and the hand-written feeding of the
same model: ``strategy.experimental_distribute_dataset`` of a
from_tensor_slices(...).shuffle.repeat.batch pipeline handed to fit with steps_per_epoch
where this Keras takes a distributed dataset (one step tried), else that pipeline itself,
which Keras distributes (TF 1 graph mode, Keras 3 on JAX). Rows take turns, one epoch each,
in an order reversed every round (so drift in the machine's load hits every row alike): a
warm-up round, then 7 timed rounds; samples/s is the median (epoch time from Keras'
callbacks: tracing and setup not counted), and samples per CPU second of this process (all
its threads), which other processes' load disturbs less. The machine's 1-minute load average
is recorded before and after.

    python bench/distributed.py [--rounds 7] [--out bench/results]

Writes distributed-<cell>.md and .json (cell = $TFCOMPAT_CELL). On a machine with GPUs,
``--gpus`` uses the first two GPUs instead of logical CPUs.
"""
import argparse
import json
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "tests", "runtime"))

SAMPLES, BATCH, FEATURES, CLASSES = 20480, 128, 784, 10
STEPS = SAMPLES // BATCH


def parse():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--out", default=os.path.join(HERE, "results"))
    parser.add_argument("--gpus", action="store_true")
    return parser.parse_args()


def main():
    args = parse()
    if args.rounds < 5:
        raise SystemExit("--rounds: at least 5 (the median of fewer does not hold under load)")
    load = [os.getloadavg()[0]]
    jax = os.environ.get("KERAS_BACKEND") == "jax"
    if jax:
        os.environ["XLA_FLAGS"] = (os.environ.get("XLA_FLAGS", "")
                                   + " --xla_force_host_platform_device_count=2")
    import numpy as np
    import tensorflow as tf

    import tfcompat
    from tfcompat.compat.flavors import keras_module

    flavor = tfcompat.detect().keras_flavor
    if flavor == "keras" and "tf.keras" in tfcompat.detect().flavors_installed:
        flavor = "tf.keras"  # standalone Keras has no strategy: its TF's tf.keras has
    k = keras_module(flavor)
    devices = [] if jax else _devices(tf, args.gpus)
    rng = np.random.RandomState(0)
    x = rng.random_sample((SAMPLES, FEATURES)).astype("float32")
    y = rng.randint(0, CLASSES, SAMPLES).astype("int64")

    def scope(replicas):
        if jax:
            dist = k.distribution.DataParallel(devices=k.distribution.list_devices()[:replicas])
            k.distribution.set_distribution(dist)
            return None
        return tf.distribute.MirroredStrategy(devices[:replicas])

    def model_under(strategy):
        def build():
            inp = k.layers.Input(shape=(FEATURES,))
            hidden = k.layers.Dense(256, activation="relu")(inp)
            model = k.models.Model(inp, k.layers.Dense(CLASSES, activation="softmax")(hidden))
            model.compile("sgd", "sparse_categorical_crossentropy")
            return model
        if strategy is None:
            return build()
        with strategy.scope():
            return build()

    def hand_written(model, strategy):
        ds = tf.data.Dataset.from_tensor_slices((x, y)).shuffle(SAMPLES).repeat().batch(BATCH)
        if strategy is None or not tf.executing_eagerly():
            return ds, "dataset to fit"
        return _distributed_if_taken(model, strategy, ds)

    rows = []  # (name, replicas, run_epoch(callbacks))
    for replicas in (1, 2):
        strategy = scope(replicas)
        model = model_under(strategy)
        data = tfcompat.from_arrays(x, y, batch_size=BATCH)
        rows.append(("tfcompat.fit(from_arrays)", replicas,
                     _fit(tfcompat.fit, model, data, steps=None)))
        model = model_under(strategy)
        data, how = hand_written(model, strategy)
        rows.append(("hand-written: " + how, replicas,
                     _fit(lambda m, d, **kw: m.fit(d, **kw), model, data, steps=STEPS)))
        if jax:  # one distribution at a time: both rows of a size run before the next
            rows[-2:] = _timed(k, rows[-2:], args.rounds)
    if not jax:
        rows = _timed(k, rows, args.rounds)
    load.append(os.getloadavg()[0])
    write(args.out, tfcompat.detect(flavor=flavor), rows, args.gpus, load, args.rounds)


def _devices(tf, gpus):
    if gpus:
        return [d.name for d in tf.config.list_logical_devices("GPU")][:2]
    from distributed_run import logical_cpus  # tests/runtime: how each TF makes them

    return logical_cpus(tf)


def _distributed_if_taken(model, strategy, ds):
    """``strategy.experimental_distribute_dataset(ds)`` where this Keras' fit takes it (one
    step tried), else ``ds`` itself."""
    try:
        distributed = strategy.experimental_distribute_dataset(ds)
        model.fit(distributed, epochs=1, steps_per_epoch=1, verbose=0)
        return distributed, "experimental_distribute_dataset"
    except Exception:
        return ds, "dataset to fit"


def _fit(fit, model, data, steps):
    """One epoch of ``fit`` per call; ``steps``: steps_per_epoch, where the data repeats."""
    def run_epoch(callbacks):
        fit(model, data, epochs=1, steps_per_epoch=steps, verbose=0, callbacks=callbacks)
    return run_epoch


def _timed(k, rows, rounds):
    """[(name, replicas, samples/s, samples per CPU second)]: rows take turns, one epoch each,
    for 1 + ``rounds`` rounds, every other round in reverse order (load from other processes,
    and its drift, hits every row alike); the medians of the timed ones. CPU time (this
    process, all its threads) is what an epoch costs whatever else the machine runs."""
    import numpy as np

    times = [[] for _ in rows]

    class EpochTimer(k.callbacks.Callback):
        def __init__(self, out):
            k.callbacks.Callback.__init__(self)
            self.out = out

        def on_epoch_begin(self, epoch, logs=None):
            self.start = time.time(), time.process_time()

        def on_epoch_end(self, epoch, logs=None):
            self.out.append((time.time() - self.start[0], time.process_time() - self.start[1]))

    for i in range(1 + rounds):
        order = list(zip(rows, times))
        for (_, _, run_epoch), out in (order if i % 2 == 0 else order[::-1]):
            run_epoch([EpochTimer(out)])
    return [(name, replicas) + tuple(STEPS * BATCH / float(np.median([t[i] for t in out[1:]]))
                                     for i in (0, 1))
            for (name, replicas, _), out in zip(rows, times)]


def write(out, runtime, rows, gpus, load, rounds):
    cell = os.environ.get("TFCOMPAT_CELL") or runtime.describe()
    rate = dict(((name.split(":")[0], r), v) for name, r, v, _ in rows)
    per_cpu = dict(((name.split(":")[0], r), v) for name, r, _, v in rows)
    lines = ["# Distributed feeding throughput: %s" % cell, "",
             "%s. MLP 784-256-10, global batch 128, %d samples; samples/s, median of %d timed "
             "epochs after one warm-up (rows alternating), on %s; %d CPU cores, 1-minute load "
             "average %.1f before and %.1f after." % (
                 runtime.describe(), SAMPLES, rounds, "GPUs" if gpus else "logical CPU devices",
                 os.cpu_count() or 0, load[0], load[1]),
             "", "| feeding | replicas | samples/s | x hand-written | x 1 replica "
             "| samples per CPU second | x hand-written |", "|---|---|---|---|---|---|---|"]
    for name, replicas, value, cpu in rows:
        hand = rate[("hand-written", replicas)]
        lines.append("| %s | %d | %.0f | %.2f | %.2f | %.0f | %.2f |" % (
            name, replicas, value, value / hand, value / rate[(name.split(":")[0], 1)], cpu,
            cpu / per_cpu[("hand-written", replicas)]))
    if not os.path.isdir(out):
        os.makedirs(out)
    with open(os.path.join(out, "distributed-%s.md" % cell), "w") as handle:
        handle.write("\n".join(lines) + "\n")
    with open(os.path.join(out, "distributed-%s.json" % cell), "w") as handle:
        json.dump({"cell": cell, "runtime": runtime.describe(), "samples": SAMPLES,
                   "batch": BATCH, "gpus": gpus,
                   "rounds": rounds, "cpus": os.cpu_count(), "load_average": load,
                   "rows": [{"feeding": n, "replicas": r, "samples_per_s": v,
                             "samples_per_cpu_s": c} for n, r, v, c in rows]},
                  handle, indent=2)
    print("\n".join(lines))


if __name__ == "__main__":
    main()

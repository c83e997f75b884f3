"""Feeding throughput in this cell: tfcompat.fit on each path vs hand-written baselines.

MLP 784-256-10, batch 128, 60,000 synthetic samples. Rows take turns, one epoch each: a
warm-up round, then 5 timed rounds; samples/s is the median of the 5 (graph building and
tracing are not counted, and load from other processes hits every row alike).
Rows: tfcompat.fit on from_arrays data for each path this runtime can run (and path=None);
the zero-input bound (one constant batch repeated); hand-written baselines: fit(x, y), a
per-element from_tensor_slices(...).shuffle.repeat.batch pipeline, the seed's two session
generators (the question's, get_next() per batch, and the answer's, get_next() once).

    python bench/feeding.py [--flavor FLAVOR] [--epochs 5] [--out bench/results]

Writes feeding-<cell>.md and .json (cell = $TFCOMPAT_CELL, or the runtime's description);
bench/plot.py draws every cell's JSON into one PNG.
"""
import argparse
import json
import os
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

import tfcompat  # noqa: E402
from tfcompat.compat import tfshim  # noqa: E402
from tfcompat.compat.flavors import keras_module  # noqa: E402
from tfcompat.compat.paths.dataset_eager import feeds_numpy  # noqa: E402

SAMPLES, BATCH, FEATURES, CLASSES = 60000, 128, 784, 10
STEPS = SAMPLES // BATCH
QUESTION = "baseline: seed question's generator"  # the >= 10x target's reference


def data():
    rng = np.random.RandomState(0)
    x = rng.random_sample((SAMPLES, FEATURES)).astype("float32")
    y = rng.randint(0, CLASSES, SAMPLES).astype("int64")
    return x, y


class Bench(object):
    """Each row is set up once (all models live in one graph), then rows take turns, one epoch
    each, for 1 + epochs rounds: load from other processes hits every row alike."""

    def __init__(self, flavor, epochs):
        self.flavor = flavor
        self.k = keras_module(flavor)
        self.runtime = tfcompat.detect(flavor=flavor)
        self.epochs = epochs
        self.x, self.y = data()
        self.k.backend.clear_session()
        self.entries = []  # (name, kind, samples per epoch, run_epoch(callbacks))

    def model(self, inputs=None, targets=None):
        k = self.k
        if inputs is None:
            inputs = k.layers.Input(shape=(FEATURES,))
        hidden = k.layers.Dense(256, activation="relu")(inputs)
        model = k.models.Model(inputs, k.layers.Dense(CLASSES, activation="softmax")(hidden))
        extra = {} if targets is None else {"target_tensors": [targets]}
        model.compile(k.optimizers.SGD(0.01), "sparse_categorical_crossentropy", **extra)
        return model

    def add(self, name, kind, setup, samples=SAMPLES):
        try:
            self.entries.append((name, kind, samples, setup()))
        except Exception as exc:  # a baseline this version cannot build: reported, not fatal
            print("%-40s cannot run here: %s" % (name, str(exc).splitlines()[0][:100]))

    def run(self):
        times = dict((name, []) for name, _, _, _ in self.entries)
        timer_cls = self.k.callbacks.Callback

        class EpochTimer(timer_cls):
            def __init__(self, out):
                timer_cls.__init__(self)
                self.out = out

            def on_epoch_begin(self, epoch, logs=None):
                self.start = time.time()

            def on_epoch_end(self, epoch, logs=None):
                self.out.append(time.time() - self.start)

        failed = {}
        for _ in range(self.epochs + 1):
            for name, _, _, run_epoch in self.entries:
                if name in failed:
                    continue
                try:
                    run_epoch([EpochTimer(times[name])])
                except Exception as exc:  # a hand-written baseline this version rejects
                    failed[name] = str(exc).splitlines()[0][:120]
                    print("%-40s failed: %s" % (name, failed[name]))
        rows = []
        for name, kind, samples, _ in self.entries:
            if name in failed:
                rows.append({"name": name, "kind": kind, "failed": failed[name]})
                continue
            rate = samples / float(np.median(times[name][1:]))  # round 1 warms up
            rows.append({"name": name, "kind": kind, "samples_per_s": rate})
            print("%-40s %9.0f samples/s" % (name, rate))
        return rows

    # tfcompat -----------------------------------------------------------------------------
    def tfcompat_rows(self):
        for name in list(self.runtime.available_paths) + [None]:
            label = "tfcompat.fit %s" % (name or "path=None (%s)"
                                         % self.runtime.available_paths[0])

            def setup(name=name):
                model = self.model()
                ds = tfcompat.from_arrays(self.x, self.y, batch_size=BATCH)
                return lambda callbacks: tfcompat.fit(model, ds, callbacks=callbacks, verbose=0,
                                                      path=name)

            self.add(label, "tfcompat" if name else "auto", setup)

    # baselines ----------------------------------------------------------------------------
    def bound_row(self):
        """One constant batch repeated: no input work at all."""
        # Hand-written rows use (n, 1) targets: tf.keras 1.9 rejects (n,) ones from tensors.
        xb, yb = self.x[:BATCH], self.y[:BATCH, None]
        tf = tfshim.tf()

        def setup():
            if feeds_numpy(self.runtime):  # Keras 3 on JAX: tf.data batches become NumPy anyway
                model = self.model()

                def constant():  # a generator: Keras 3 takes no other iterator
                    while True:
                        yield xb, yb

                batches = constant()
                return lambda callbacks: model.fit(batches, steps_per_epoch=STEPS,
                                                   callbacks=callbacks, verbose=0)
            if self.runtime.has("fit_accepts_dataset"):
                model = self.model()
                ds = tfshim.dataset_class().from_tensors((xb, yb)).repeat()
                return lambda callbacks: model.fit(ds, steps_per_epoch=STEPS,
                                                   callbacks=callbacks, verbose=0)
            if self.runtime.has("target_tensors"):
                inputs = self.k.layers.Input(tensor=tf.constant(xb))
                model = self.model(inputs, tf.constant(yb.astype("float32")))
                return lambda callbacks: model.fit(steps_per_epoch=STEPS, callbacks=callbacks,
                                                   verbose=0)
            model = self.model()
            batch = (xb, yb.astype("float32"))
            return lambda callbacks: model.fit_generator(
                iter(lambda: batch, None), steps_per_epoch=STEPS, callbacks=callbacks,
                verbose=0)

        self.add("bound: one constant batch", "bound", setup, samples=STEPS * BATCH)

    def fit_arrays_row(self):
        def setup():
            model = self.model()
            y = self.y.astype("float32")
            return lambda callbacks: model.fit(self.x, y, batch_size=BATCH,
                                               callbacks=callbacks, verbose=0)

        self.add("baseline: fit(x, y)", "baseline", setup)

    def _slices(self):
        cls = tfshim.dataset_class()
        ds = cls.from_tensor_slices((self.x, self.y[:, None].astype("float32")))
        return ds.shuffle(SAMPLES).repeat().batch(BATCH)

    def slices_row(self):
        """The usual hand-written pipeline: per-element slices, shuffle, repeat, batch."""
        def setup():
            if self.runtime.has("fit_accepts_dataset"):
                model = self.model()
                ds = self._slices()
                return lambda callbacks: model.fit(ds, steps_per_epoch=STEPS,
                                                   callbacks=callbacks, verbose=0)
            # No fit(dataset): the seed's accepted answer, Input(tensor=) + target_tensors.
            it = tfshim.initializable_iterator(self._slices())
            self.k.backend.get_session().run(it.initializer)
            xt, yt = it.get_next()
            model = self.model(self.k.layers.Input(tensor=xt), yt)
            return lambda callbacks: model.fit(steps_per_epoch=STEPS, callbacks=callbacks,
                                               verbose=0)

        if self.runtime.has("fit_accepts_dataset") or self.runtime.has("target_tensors"):
            self.add("baseline: from_tensor_slices pipeline", "baseline", setup,
                     samples=STEPS * BATCH)

    def seed_generator_rows(self):
        """The seed's two session generators into fit_generator: the question's, which calls
        get_next() inside its loop (a new op per batch: the graph grows and each batch is slower
        than the last), and the answer's, which builds get_next() once. Both run batches with
        K.get_session(), which spares the question's its thread failure (the bench builds in
        the default graph), with workers=0 where Keras has it."""
        if not self.runtime.has("sessions"):
            return

        def setup(per_batch):
            model = self.model()
            backend = self.k.backend
            it = tfshim.initializable_iterator(self._slices())
            backend.get_session().run(it.initializer)
            next_batch = it.get_next()

            def generator():
                while True:
                    yield backend.get_session().run(it.get_next() if per_batch else next_batch)

            batches = generator()
            workers = {"workers": 0} if self.runtime.has("generator_workers_zero") else {}
            return lambda callbacks: model.fit_generator(
                batches, steps_per_epoch=STEPS, callbacks=callbacks, verbose=0, **workers)

        self.add(QUESTION, "seed", lambda: setup(True), samples=STEPS * BATCH)
        self.add("baseline: seed answer's session generator", "seed", lambda: setup(False),
                 samples=STEPS * BATCH)


def cell_name(runtime):
    return os.environ.get("TFCOMPAT_CELL") or "tf%s-%s%s" % (
        "".join(map(str, runtime.tf_version[:2])), runtime.keras_flavor,
        "".join(map(str, runtime.keras_version or ())))


def write(bench, rows, out, cell):
    failed = [r for r in rows if "failed" in r]
    rows = [r for r in rows if "failed" not in r]
    bound = max([r["samples_per_s"] for r in rows if r["kind"] == "bound"] or [float("nan")])
    best_hand = max([r["samples_per_s"] for r in rows if r["kind"] in ("baseline", "seed")]
                    or [float("nan")])
    question = [r["samples_per_s"] for r in rows if r["name"] == QUESTION]
    lines = ["# Feeding throughput: %s" % cell, "",
             "%s. MLP 784-256-10, batch %d, %d samples; samples/s, median of %d epochs "
             "after one warm-up, rows taking turns epoch by epoch."
             % (bench.runtime.describe(), BATCH, SAMPLES, bench.epochs), "",
             "| feeding | samples/s | x bound | x best hand-written "
             "| x seed question's generator |",
             "|---|---|---|---|---|"]
    for r in rows:
        rate = r["samples_per_s"]
        lines.append("| %s | %.0f | %.2f | %.2f | %s |" % (
            r["name"], rate, rate / bound, rate / best_hand,
            "%.1f" % (rate / question[0]) if question else "-"))
    for r in failed:
        lines.append("| %s | fails here: %s | - | - | - |"
                     % (r["name"], r["failed"].replace("|", "/")))
    fastest = max((r for r in rows if r["kind"] == "tfcompat"),
                  key=lambda r: r["samples_per_s"], default=None)
    if fastest is not None:
        lines += ["", "path=None runs %s; the fastest path measured is %s."
                  % (bench.runtime.available_paths[0], fastest["name"].split()[-1])]
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "feeding-%s.md" % cell), "w") as f:
        f.write("\n".join(lines) + "\n")
    with open(os.path.join(out, "feeding-%s.json" % cell), "w") as f:
        json.dump({"cell": cell, "runtime": bench.runtime.describe(), "rows": rows,
                   "failed": failed}, f,
                  indent=1)
    print("\n".join(lines))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--flavor", help="Keras flavour to measure (default: this cell's)")
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--out", default=os.path.join(HERE, "results"))
    args = parser.parse_args(argv)
    runtime = tfcompat.detect(flavor=args.flavor)
    bench = Bench(runtime.keras_flavor, args.epochs)
    print(runtime.describe())
    bench.tfcompat_rows()
    bench.bound_row()
    bench.fit_arrays_row()
    bench.slices_row()
    bench.seed_generator_rows()
    rows = bench.run()
    cell = cell_name(runtime)
    if args.flavor:
        cell += "-" + args.flavor.replace(".", "")
    write(bench, rows, args.out, cell)


if __name__ == "__main__":
    main()

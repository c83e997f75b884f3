"""Feeding throughput in this cell: tfcompat.fit on each path vs hand-written baselines.

MLP 784-256-10, batch 128, 60,000 synthetic samples. Rows take turns, one epoch each: a
warm-up round, then 5 timed rounds; samples/s is the median of the 5 (graph building and
tracing are not counted, and load from other processes hits every row alike).
Rows: tfcompat.fit on from_arrays data for each path this runtime can run (and path=None);
the zero-input bound (one constant batch repeated); hand-written baselines: fit(x, y), a
per-element from_tensor_slices(...).shuffle.repeat.batch pipeline, the seed's two session
generators (the question's, get_next() per batch, and the answer's, get_next() once).

    python bench/feeding.py [--flavor FLAVOR] [--epochs 5] [--out bench/results]
                            [--only PART[,PART]]

User-built data, each fed by tfcompat.fit and by the best hand-written way in this cell
(Keras' fit of the dataset where it takes one, else Input(tensor=) + target_tensors, else the
seed answer's session generator; Keras' fit or fit_generator of the Sequence): a tf.data
pipeline reading TFRecord files the bench writes (cached in ~/.cache/tfcompat-bench), parsed
by ``map``; a keras.utils.Sequence / PyDataset of NumPy batches.

Writes feeding-<cell>.md and .json (cell = $TFCOMPAT_CELL, or the runtime's description);
bench/plot.py draws every cell's JSON into one PNG.
"""
import argparse
import inspect
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

    def __init__(self, flavor, epochs, only=()):
        self.flavor = flavor
        self.only = only  # parts of row names: only those rows run
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
        if self.only and not any(part in name for part in self.only):
            return
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


    # user-built data ------------------------------------------------------------------------
    def _records(self):
        """TFRecord files of the bench's samples (4 shards), written once into the cache."""
        tf = tfshim.tf()
        folder = os.path.join(os.path.expanduser("~"), ".cache", "tfcompat-bench",
                              "records-%d-%d" % (SAMPLES, FEATURES))
        files = [os.path.join(folder, "part-%d.tfrecord" % i) for i in range(4)]
        if all(os.path.exists(f) for f in files):
            return files
        os.makedirs(folder, exist_ok=True)
        writer_cls = getattr(getattr(tf, "io", None), "TFRecordWriter", None) or (
            tf.python_io.TFRecordWriter)
        for shard, name in enumerate(files):
            with writer_cls(name + ".tmp") as writer:
                for i in range(shard, SAMPLES, len(files)):
                    feature = {
                        "x": tf.train.Feature(float_list=tf.train.FloatList(value=self.x[i])),
                        "y": tf.train.Feature(int64_list=tf.train.Int64List(
                            value=[int(self.y[i])]))}
                    writer.write(tf.train.Example(features=tf.train.Features(
                        feature=feature)).SerializeToString())
            os.rename(name + ".tmp", name)
        return files

    def _record_pipeline(self):
        """What a user writes: TFRecordDataset, map(parse one example), repeat, batch."""
        tf = tfshim.tf()
        records_cls = getattr(getattr(tf, "data", None), "TFRecordDataset", None) or (
            tf.contrib.data.TFRecordDataset)
        io = getattr(tf, "io", tf)
        parse = getattr(io, "parse_single_example", None) or tf.parse_single_example
        spec = {"x": io.FixedLenFeature([FEATURES], tf.float32),
                "y": io.FixedLenFeature([1], tf.int64)}

        def example(record):
            parsed = parse(record, spec)
            return parsed["x"], tf.cast(parsed["y"], tf.float32)

        return records_cls(self._records()).map(example).repeat().batch(BATCH)

    def _hand_fed(self, make_dataset):
        """The best hand-written way to train on a dataset here: (model, run_epoch)."""
        if self.runtime.has("fit_accepts_dataset"):
            model = self.model()
            ds = make_dataset()
            return lambda callbacks: model.fit(ds, steps_per_epoch=STEPS, callbacks=callbacks,
                                               verbose=0)
        if self.runtime.has("target_tensors"):
            it = tfshim.initializable_iterator(make_dataset())
            self.k.backend.get_session().run(it.initializer)
            xt, yt = it.get_next()
            xt.set_shape((None, FEATURES))
            model = self.model(self.k.layers.Input(tensor=xt), yt)
            return lambda callbacks: model.fit(steps_per_epoch=STEPS, callbacks=callbacks,
                                               verbose=0)
        model = self.model()
        it = tfshim.initializable_iterator(make_dataset())
        session = self.k.backend.get_session()
        session.run(it.initializer)
        next_batch = it.get_next()
        batches = iter(lambda: session.run(next_batch), None)
        workers = {"workers": 0} if self.runtime.has("generator_workers_zero") else {}
        return lambda callbacks: model.fit_generator(batches, steps_per_epoch=STEPS,
                                                     callbacks=callbacks, verbose=0, **workers)

    def record_rows(self):
        def mine():
            model = self.model()
            ds = self._record_pipeline()
            return lambda callbacks: tfcompat.fit(model, ds, steps_per_epoch=STEPS,
                                                  callbacks=callbacks, verbose=0)

        self.add("tfcompat.fit: TFRecord pipeline", "user-tfcompat", mine,
                 samples=STEPS * BATCH)
        self.add("hand-written: TFRecord pipeline", "user-hand",
                 lambda: self._hand_fed(self._record_pipeline), samples=STEPS * BATCH)

    def sequence_rows(self):
        k = self.k
        base = getattr(k.utils, "PyDataset", None) or getattr(k.utils, "Sequence", None)
        if base is None:
            print("Sequence rows: this Keras has no keras.utils.Sequence")
            return
        x, y = self.x, self.y[:, None].astype("float32")

        class Batches(base):
            def __len__(self):
                return STEPS

            def __getitem__(self, i):
                return x[i * BATCH:(i + 1) * BATCH], y[i * BATCH:(i + 1) * BATCH]

        def mine():
            model = self.model()
            batches = Batches()
            return lambda callbacks: tfcompat.fit(model, batches, callbacks=callbacks,
                                                  verbose=0, shuffle=False)

        def hand():
            model = self.model()
            batches = Batches()
            if self.runtime.has("fit_generator") and not self.runtime.has(
                    "fit_generator_deprecated"):  # in order, as the tfcompat row asks
                takes = inspect.signature(inspect.unwrap(model.fit_generator)).parameters
                order = {"shuffle": False} if "shuffle" in takes else {}
                return lambda callbacks: model.fit_generator(
                    batches, steps_per_epoch=STEPS, callbacks=callbacks, verbose=0, **order)
            return lambda callbacks: model.fit(batches, callbacks=callbacks, verbose=0,
                                               shuffle=False)

        label = base.__name__
        self.add("tfcompat.fit: %s" % label, "user-tfcompat", mine, samples=STEPS * BATCH)
        self.add("hand-written: %s" % label, "user-hand", hand, samples=STEPS * BATCH)


USER_KINDS = ("user-tfcompat", "user-hand")


def cell_name(runtime):
    return os.environ.get("TFCOMPAT_CELL") or "tf%s-%s%s" % (
        "".join(map(str, runtime.tf_version[:2])), runtime.keras_flavor,
        "".join(map(str, runtime.keras_version or ())))


def user_lines(rows):
    """The user-built data table: each tfcompat row against its hand-written twin."""
    by_name = dict((r["name"], r) for r in rows)
    lines = ["", "User-built data, fed by tfcompat.fit and by the best hand-written way here "
             "(target: tfcompat >= 0.95x):", "",
             "| data | tfcompat samples/s | hand-written samples/s | tfcompat / hand-written |",
             "|---|---|---|---|"]
    for r in rows:
        if r["kind"] != "user-tfcompat":
            continue
        what = r["name"].split(": ", 1)[1]
        hand = by_name.get("hand-written: " + what, {})
        if "failed" in r or "failed" in hand or not hand:
            lines.append("| %s | %s | %s | - |" % (
                what, r.get("failed", "%.0f" % r.get("samples_per_s", 0)),
                hand.get("failed", "%.0f" % hand.get("samples_per_s", 0))))
            continue
        lines.append("| %s | %.0f | %.0f | %.2f |" % (
            what, r["samples_per_s"], hand["samples_per_s"],
            r["samples_per_s"] / hand["samples_per_s"]))
    return lines


def write(bench, rows, out, cell):
    user = [r for r in rows if r["kind"] in USER_KINDS]
    rows = [r for r in rows if r["kind"] not in USER_KINDS]
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
    if user:
        lines += user_lines(user)
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "feeding-%s.md" % cell), "w") as f:
        f.write("\n".join(lines) + "\n")
    with open(os.path.join(out, "feeding-%s.json" % cell), "w") as f:
        json.dump({"cell": cell, "runtime": bench.runtime.describe(), "rows": rows,
                   "failed": failed, "user_data": user}, f, indent=1)
    print("\n".join(lines))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--flavor", help="Keras flavor to measure (default: this cell's)")
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--out", default=os.path.join(HERE, "results"))
    parser.add_argument("--no-user-data", action="store_true",
                        help="skip the TFRecord and Sequence rows")
    parser.add_argument("--only", help="run only the rows whose names contain one of these "
                        "comma-separated parts, and print them (no results written)")
    args = parser.parse_args(argv)
    runtime = tfcompat.detect(flavor=args.flavor)
    only = tuple(args.only.split(",")) if args.only else ()
    bench = Bench(runtime.keras_flavor, args.epochs, only)
    print(runtime.describe())
    bench.tfcompat_rows()
    bench.bound_row()
    bench.fit_arrays_row()
    bench.slices_row()
    bench.seed_generator_rows()
    if not args.no_user_data:
        bench.record_rows()
        bench.sequence_rows()
    rows = bench.run()
    if only:
        print("\n".join(user_lines([r for r in rows if r["kind"] in USER_KINDS])))
        return
    cell = cell_name(runtime)
    if args.flavor:
        cell += "-" + args.flavor.replace(".", "")
    write(bench, rows, args.out, cell)


if __name__ == "__main__":
    main()

"""Peak memory of training on from_arrays data: a 3 GB float32 array trains, no 2 GB GraphDef
error, and the process peaks at no more than 1.2x the array.

    python bench/memory.py [--gb 3] [--out bench/results]
    python bench/memory.py --loop [--calls 12] [--mb 100] [--out bench/results]

Runs one child process per (Keras flavor, feeding path) this cell can run, each building the
array, training 20 steps on it through tfcompat.fit, and reporting its peak RSS (ru_maxrss).
Writes memory-<cell>.md.

``--loop``: a training loop that builds its data per call: ``calls`` calls of fit, each on new
arrays of ``mb`` MB, one epoch each; the RSS after each call (the arrays dropped), and the
graph's op count in graph mode, for Keras' own fit(x, y) and for tfcompat.fit on from_arrays
through each path, one child process each. Writes memory-loop-<cell>.md.
"""
import argparse
import json
import os
import resource
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
FEATURES, CLASSES = 784, 10


def child(gb, flavor, path):
    import numpy as np

    sys.path.insert(0, ROOT)
    import tfcompat
    from tfcompat.compat.flavors import keras_module

    rows = int(gb * 1e9 / (FEATURES * 4))
    x = np.empty((rows, FEATURES), "float32")  # filled in chunks: no float64 temporary
    rng = np.random.RandomState(0)
    for start in range(0, rows, 4096):
        chunk = x[start:start + 4096]
        chunk[...] = rng.random_sample(chunk.shape)
    y = rng.randint(0, CLASSES, rows).astype("int64")
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024

    k = keras_module(flavor)
    inputs = k.layers.Input(shape=(FEATURES,))
    hidden = k.layers.Dense(256, activation="relu")(inputs)
    model = k.models.Model(inputs, k.layers.Dense(CLASSES, activation="softmax")(hidden))
    model.compile(k.optimizers.SGD(0.01), "sparse_categorical_crossentropy")
    history = tfcompat.fit(model, tfcompat.from_arrays(x, y, batch_size=128), epochs=2,
                           steps_per_epoch=10, verbose=0, path=path)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps({"flavor": flavor, "path": path, "array_bytes": int(x.nbytes + y.nbytes),
                      "peak_rss": peak, "rss_with_array_before_tf": base,
                      "loss": [float(v) for v in history.history["loss"]]}))


def loop_child(flavor, path, calls, mb):
    import gc

    import numpy as np

    sys.path.insert(0, ROOT)
    import tfcompat
    from tfcompat.compat.flavors import keras_module

    def rss():
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")

    k = keras_module(flavor)
    features, batch = 250, 1000
    rows = int(mb * 1e6 / (features * 4))
    inputs = k.layers.Input(shape=(features,))
    model = k.models.Model(inputs, k.layers.Dense(1)(inputs))
    model.compile(k.optimizers.SGD(0.01), "mse")
    graph = getattr(model.outputs[0], "graph", None) if not tfcompat.detect().eager else None
    rng = np.random.RandomState(0)
    per_call = []
    for _ in range(calls):
        x = rng.random_sample((rows, features)).astype("float32")
        y = rng.random_sample((rows, 1)).astype("float32")
        ops = lambda: len(graph.get_operations()) if graph else None  # noqa: E731
        start = ops()
        if path == "keras":
            before_fit = start
            model.fit(x, y, batch_size=batch, epochs=1, verbose=0)
        else:
            data = tfcompat.from_arrays(x, y, batch_size=batch)
            before_fit = ops()
            tfcompat.fit(model, data, steps_per_epoch=-(-rows // batch), verbose=0, path=path)
            del data
        del x, y
        gc.collect()
        per_call.append({"rss": rss(), "ops": ops(), "data_ops": before_fit and before_fit - start,
                         "fit_ops": before_fit and ops() - before_fit})
    print(json.dumps({"flavor": flavor, "path": path, "calls": per_call}))


def _run_child(options, flavor, path):
    """One measurement in a fresh process (its memory is its own): the child's JSON line, or
    the error it ended with."""
    proc = subprocess.run([sys.executable, __file__] + options + ["--child", flavor, path],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True)
    if proc.returncode != 0:
        result = {"flavor": flavor, "path": path, "error": proc.stderr.strip().splitlines()[-1]}
    else:
        result = json.loads(proc.stdout.strip().splitlines()[-1])
    print(result)
    return result


def loop(args):
    sys.path.insert(0, ROOT)
    import tfcompat

    cell = os.environ.get("TFCOMPAT_CELL", "local")
    results = []
    for flavor in tfcompat.detect().flavors_installed:
        for path in ("keras",) + tuple(tfcompat.detect(flavor=flavor).available_paths):
            results.append(_run_child(["--loop", "--calls", str(args.calls), "--mb",
                                       str(args.mb)], flavor, path))
    lines = ["# Memory in a loop: %s" % cell, "",
             "%d calls of fit in one process, each on new float32 arrays of %d MB (x: 250 "
             "features, y: 1), one epoch of batches of 1000, a linear model; the arrays are "
             "dropped after each call. RSS after each call in GB; graph ops added per call "
             "after the first (graph mode), by fit and by building the from_arrays Dataset. "
             "`keras`: Keras' own `model.fit(x, y)`; a path: "
             "`tfcompat.fit(model, tfcompat.from_arrays(x, y), path=...)`."
             % (args.calls, args.mb), "",
             "| flavor | fed by | RSS after call 1 | call 6 | call %d | growth per call (MB) "
             "| graph ops per call: fit | from_arrays |" % args.calls,
             "|---|---|---|---|---|---|---|---|"]
    for r in results:
        if "error" in r:
            lines.append("| %s | %s | failed: %s | | | | | |" % (r["flavor"], r["path"],
                                                             r["error"]))
            continue
        calls = r["calls"]
        rss = [c["rss"] / 1e9 for c in calls]
        growth = (calls[-1]["rss"] - calls[0]["rss"]) / 1e6 / (len(calls) - 1)
        if calls[0]["ops"] is None:
            ops = ("- (eager)", "-")
        else:  # after the first call, which builds what the next ones reuse
            ops = tuple("%g" % (sum(c[k] for c in calls[1:]) / float(len(calls) - 1))
                        for k in ("fit_ops", "data_ops"))
        lines.append("| %s | %s | %.2f | %.2f | %.2f | %.0f | %s | %s |" % (
            (r["flavor"], r["path"], rss[0], rss[min(5, len(rss) - 1)], rss[-1], growth)
            + ops))
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "memory-loop-%s.md" % cell), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gb", type=float, default=3.0)
    parser.add_argument("--out", default=os.path.join(HERE, "results"))
    parser.add_argument("--loop", action="store_true",
                        help="RSS per call of a loop of fit calls on new arrays")
    parser.add_argument("--calls", type=int, default=12)
    parser.add_argument("--mb", type=float, default=100.0)
    parser.add_argument("--child", nargs=2, metavar=("FLAVOR", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child and args.loop:
        return loop_child(args.child[0], args.child[1], args.calls, args.mb)
    if args.child:
        return child(args.gb, args.child[0], args.child[1])
    if args.loop:
        return loop(args)

    sys.path.insert(0, ROOT)
    import tfcompat

    cell = os.environ.get("TFCOMPAT_CELL", "local")
    results = []
    for flavor in tfcompat.detect().flavors_installed:
        for path in tfcompat.detect(flavor=flavor).available_paths:
            results.append(_run_child(["--gb", str(args.gb)], flavor, path))
    lines = ["# Memory: %s" % cell, "",
             "from_arrays of a %.1f GB float32 array (plus int64 labels), MLP 784-256-10, "
             "20 steps of tfcompat.fit. Peak RSS of the whole process (Python, TF, Keras, "
             "the array) over the arrays' size; target <= 1.2." % args.gb, "",
             "| flavor | path | arrays GB | peak RSS GB | peak / arrays | loss |",
             "|---|---|---|---|---|---|"]
    for r in results:
        if "error" in r:
            lines.append("| %s | %s | - | - | failed: %s | - |" % (r["flavor"], r["path"],
                                                                   r["error"]))
            continue
        lines.append("| %s | %s | %.2f | %.2f | %.2f | %s |" % (
            r["flavor"], r["path"], r["array_bytes"] / 1e9, r["peak_rss"] / 1e9,
            r["peak_rss"] / float(r["array_bytes"]),
            " -> ".join("%.3f" % v for v in r["loss"])))
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "memory-%s.md" % cell), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()

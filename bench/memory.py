"""Peak memory of training on from_arrays data: a 3 GB float32 array trains, no 2 GB GraphDef
error, and the process peaks at no more than 1.2x the array.

    python bench/memory.py [--gb 3] [--out bench/results]

Runs one child process per (Keras flavour, feeding path) this cell can run, each building the
array, training 20 steps on it through tfcompat.fit, and reporting its peak RSS (ru_maxrss).
Writes memory-<cell>.md.
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


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gb", type=float, default=3.0)
    parser.add_argument("--out", default=os.path.join(HERE, "results"))
    parser.add_argument("--child", nargs=2, metavar=("FLAVOR", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return child(args.gb, args.child[0], args.child[1])

    sys.path.insert(0, ROOT)
    import tfcompat

    cell = os.environ.get("TFCOMPAT_CELL", "local")
    results = []
    for flavor in tfcompat.detect().flavors_installed:
        for path in tfcompat.detect(flavor=flavor).available_paths:
            proc = subprocess.run([sys.executable, __file__, "--gb", str(args.gb), "--child",
                                   flavor, path], stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, universal_newlines=True)
            if proc.returncode != 0:
                results.append({"flavor": flavor, "path": path,
                                "error": proc.stderr.strip().splitlines()[-1]})
            else:
                results.append(json.loads(proc.stdout.strip().splitlines()[-1]))
            print(results[-1])
    lines = ["# Memory: %s" % cell, "",
             "from_arrays of a %.1f GB float32 array (plus int64 labels), MLP 784-256-10, "
             "20 steps of tfcompat.fit. Peak RSS of the whole process (Python, TF, Keras, "
             "the array) over the arrays' size; target <= 1.2." % args.gb, "",
             "| flavour | path | arrays GB | peak RSS GB | peak / arrays | loss |",
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

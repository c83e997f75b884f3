"""Run one program file and print the shape of the `result` it leaves, as JSON, last line.

Used by test_rewrites_run.py in a fresh interpreter per program (Python 3.6+: TF 1 cells).
A training program leaves its list of losses: they must all be finite numbers.
"""
import json
import math
import sys


def shape(value):
    history = getattr(value, "history", None)
    if isinstance(history, dict):
        value = history["loss"]
    if hasattr(value, "shape"):
        dims = value.shape
        dims = dims.as_list() if hasattr(dims, "as_list") else list(dims)
        return [None if d is None else int(d) for d in dims]
    if isinstance(value, dict):
        return dict((str(k), shape(v)) for k, v in sorted(value.items()))
    if isinstance(value, (list, tuple)):
        if all(isinstance(v, (int, float)) for v in value):
            if not all(math.isfinite(v) for v in value):
                raise SystemExit("not finite: %r" % (value,))
            return [len(value)]
        return [shape(v) for v in value]
    if isinstance(value, (int, float)):
        return []
    return type(value).__name__


def main(path):
    with open(path) as handle:
        source = handle.read()
    namespace = {"__name__": "__main__", "__file__": path}
    exec(compile(source, path, "exec"), namespace)
    print("\nRESULT " + json.dumps(shape(namespace["result"])))


if __name__ == "__main__":
    main(sys.argv[1])

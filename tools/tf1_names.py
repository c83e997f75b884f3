"""Generate tfcompat/lint/data/tf1_names.json: the public names of `tf` in TF 1.15 that TF 2's
`tf` does not have, each with its `tf.compat.v1` spelling and, where TF itself proves one, the
TF 2 name of the very same object.

    python tools/tf1_names.py --tf1-python .tox/tf115-keras231/bin/python \\
                              --tf2-python .tox/tf221/bin/python

Each interpreter runs this file with `dump`, which walks its installed `tf` (the API modules
TF's own tf_export generated, `tensorflow*._api.v1/v2.*`) and prints every public name as JSON;
the TF 2 dump adds `tf.compat.v1`'s names, which of them are the same object as a `tf` name,
and tf_upgrade_v2's rename tables (tensorflow/tools/compatibility/all_renames_v2.py, shipped in
the TF 2 wheel, read as data). The parent merges them. tests/runtime/test_tf1_names.py checks
the file against the installed wheel in the TF cells.

Left out: `tf.contrib` (TFC402), `tf.estimator` (TFC408), `tf.keras` (its own rules: Keras 3
renames everything), `tf.compat` itself.
"""
import argparse
import importlib
import inspect
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(os.path.dirname(HERE), "tfcompat", "lint", "data", "tf1_names.json")
SKIP = ("contrib", "estimator", "keras", "compat")


def _api_module(value):
    name = getattr(value, "__name__", "") or ""
    return inspect.ismodule(value) and "._api.v" in name


def _walk(module, prefix, skip, seen):
    """(dotted name, object) of every public name under an API module, submodules first
    (``seen``: the modules above, so that a module naming its parent is not walked again)."""
    try:
        attrs = sorted(dir(module))
    except Exception:  # a lazy loader whose module is Keras 2's, absent under Keras 3
        return
    for attr in attrs:
        if attr.startswith("_"):
            continue
        try:
            value = getattr(module, attr)
        except Exception:  # a lazily loaded module whose import fails: not part of this API
            continue
        path = prefix + attr
        if path.split(".")[0] in skip and prefix == "":
            continue
        if inspect.ismodule(value):
            yield path, value
            # TF's generated API modules, and the lazily loaded ones it hands to Keras
            # (`tf.initializers`, `tf.compat.v1.layers`).
            lazy = "LazyLoader" in type(value).__name__
            if (_api_module(value) or lazy) and id(value) not in seen:
                for item in _walk(value, path + ".", skip, seen | {id(value)}):
                    yield item
        else:
            yield path, value


def _identity(value):
    """Objects whose identity means something (not ints, strings, None...)."""
    return inspect.isfunction(value) or inspect.isclass(value) or inspect.ismodule(value) \
        or inspect.isbuiltin(value) or callable(value)


def dump(asked=()):
    """This TF's names; ``asked``: other names to look up one by one (deprecated aliases
    resolve without being listed by dir())."""
    import tensorflow as tf

    names = dict(_walk(tf, "", SKIP, frozenset()))
    out = {"version": tf.__version__, "names": sorted(names)}
    if tf.__version__.startswith("1."):
        # TF's own record of the TF 2 names of each object (tf_export's v2 names).
        out["v2_names"] = {
            path: list(vars(value).get("_tf_api_names", ()))
            for path, value in names.items()
            if (inspect.isfunction(value) or inspect.isclass(value))
            and vars(value).get("_tf_api_names")}
        # Whether each such TF 2 name is the same object in TF 1.15 as the TF 1 name.
        out["same_here"] = {}
        for path, v2 in out["v2_names"].items():
            out["same_here"][path] = [n for n in v2 if _lookup(tf, n) is names[path]]
        return out
    out["resolves"] = sorted(n for n in asked if n not in names and _lookup(tf, n) is not None)
    by_id = {}
    for path, value in names.items():
        if _identity(value):
            by_id.setdefault(id(value), []).append(path)
    v1 = dict(_walk(tf.compat.v1, "", SKIP, frozenset()))
    out["compat_v1"] = sorted(v1)
    out["same_in_tf"] = {path: sorted(by_id[id(value)]) for path, value in v1.items()
                         if _identity(value) and id(value) in by_id}
    renames = importlib.import_module("tensorflow.tools.compatibility.all_renames_v2")
    out["upgrade_renames"] = {k[3:]: v[3:] for k, v in renames.symbol_renames.items()
                              if k.startswith("tf.") and v.startswith("tf.")}
    return out


def _lookup(tf, dotted):
    value = tf
    for part in dotted.split("."):
        try:
            value = getattr(value, part, None)
        except Exception:  # a lazy loader of Keras 2's modules under Keras 3
            return None
        if value is None:
            return None
    return value


def _run(python, asked=()):
    proc = subprocess.run([python, os.path.abspath(__file__), "dump"], stdout=subprocess.PIPE,
                          input=json.dumps(list(asked)).encode(),
                          env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3"), check=True)
    return json.loads(proc.stdout.decode())


def build(tf1, tf2):
    """The table: {TF 1 name: {"v1": compat.v1 name or None, "v2": TF 2 name or None,
    "upgrade": tf_upgrade_v2's target or None}}, names without the `tf.` prefix."""
    gone = sorted(set(tf1["names"]) - set(tf2["names"]) - set(tf2["resolves"]))
    compat_v1 = set(tf2["compat_v1"])
    table = {}
    for name in gone:
        v2 = None
        # Proven the same object on both sides: in TF 1.15 (tf_export's own v2 names, looked
        # up there) and in TF 2 (tf.compat.v1.<name> is tf.<v2 name>).
        for candidate in tf1.get("same_here", {}).get(name, ()):
            if candidate in tf2["same_in_tf"].get(name, ()) and candidate != name:
                v2 = candidate
                break
        table[name] = {"v1": "compat.v1." + name if name in compat_v1 else None, "v2": v2,
                       "upgrade": tf2["upgrade_renames"].get(name)}
    return {"source": "tf %s vs tf %s (tools/tf1_names.py)" % (tf1["version"], tf2["version"]),
            "names": table}


def main(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument("command", nargs="?", default="build", choices=("build", "dump"))
    parser.add_argument("--tf1-python")
    parser.add_argument("--tf2-python")
    parser.add_argument("-o", "--output", default=OUT)
    args = parser.parse_args(argv)
    if args.command == "dump":
        json.dump(dump(json.load(sys.stdin)), sys.stdout)
        return 0
    tf1 = _run(args.tf1_python)
    table = build(tf1, _run(args.tf2_python, tf1["names"]))
    with open(args.output, "w") as f:
        json.dump(table, f, indent=0, sort_keys=True)
        f.write("\n")
    print("%d TF 1 names written to %s" % (len(table["names"]), args.output))
    return 0


if __name__ == "__main__":
    sys.exit(main())

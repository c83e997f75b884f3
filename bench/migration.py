"""Migration benchmark: do real TF 1-era Keras scripts that feed Keras from TensorFlow train
on TF 2.21 after `tf_upgrade_v2`, after `tfcompat lint --fix`, after both?

Scripts: Keras' own examples that feed from TensorFlow (keras sdists on PyPI, fetched at bench
time with pip and cached outside git, each pinned by its sha256), the seed thread's question
and answers, and scripts the project wrote in the era's style for classes the others lack (TF 1
names, Keras-backend feeding, Keras 2 file names) (bench/migration_seed/, the project's own
inputs). Each script runs through
bench/migration_harness.py: data loaders give synthetic arrays of the real shapes and training is
cut to one short epoch; the feeding code runs as written. Per script:
  - its TF 1 cell, as written (does the original run where it was written for?);
  - tf221 (Keras 3) and tf221-tfkeras (TF_USE_LEGACY_KERAS=1), each on four variants:
    original, `tf_upgrade_v2`, `tfcompat lint --fix --unsafe-fixes --target-tf 2.16`, and
    `tf_upgrade_v2` then tfcompat. tfcompat runs with each cell's keras-target: none (Keras 3)
    for tf221, `keras-target = "tf_keras"` for tf221-tfkeras, the stay-on-Keras-2 path.
A run passes when the script exits normally having trained (fit/fit_generator/Estimator.train
returned). Every failure is recorded with its last error line and classified as data feeding
(tfcompat's job) or another API.

    python bench/migration.py [--only NAME,...] [--jobs 2] [--rerun] [--tox-dir DIR]

Needs Python 3.9+ with libcst (for tfcompat lint) and built tox cells (default: .tox of this
checkout, else of the main checkout). Runs are cached under ~/.cache/tfcompat-bench/migration
by cell, script text after the variant's tools, harness, and tfcompat's runtime half where the
text imports it: a rerun after a rule change runs only the scripts whose fixed text changed.
Failures of the cell's environment (a missing package) are not cached: they rerun.
Writes bench/results/migration.md and migration.json.
"""
import argparse
import concurrent.futures
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
CACHE = os.path.join(os.path.expanduser("~"), ".cache", "tfcompat-bench", "migration")
HARNESS = os.path.join(HERE, "migration_harness.py")
SEED = os.path.join(HERE, "migration_seed")
TIMEOUT = 120
TARGET_TF = "2.16"
CELLS = ("tf221", "tf221-tfkeras")
# The keras-target tfcompat runs with for each cell ([tool.tfcompat] in a pyproject.toml).
KERAS_TARGET = {"tf221": None, "tf221-tfkeras": "tf_keras"}
VARIANTS = ("original", "tf_upgrade_v2", "tfcompat", "both")

# (name, origin, TF 1 cell it was written for, what it feeds through)
# origin: ("pypi", package, version, path in the sdist, sha256 of the file) or ("seed", file)
# (the seed thread's; ("seed", file, what) for scripts the project wrote in the era's style)
SCRIPTS = [
    ("keras224/mnist_dataset_api", ("pypi", "keras", "2.2.4", "examples/mnist_dataset_api.py",
                                    "8027c1050ddc15d056aa18d9010c4bb82471c8a2691b3d3bcd7c34d7b2635847"),
     "tf115-keras231", "one-shot iterator -> Input(tensor=) + target_tensors"),
    ("keras224/mnist_tfrecord", ("pypi", "keras", "2.2.4", "examples/mnist_tfrecord.py",
                                 "49cc5b5b53c5f47803a33a50cd343977edb8a442dcf4a545b25fa6abf847603d"),
     "tf115-keras231", "queue runners (shuffle_batch/batch) -> Input(tensor=), K.get_session"),
    ("keras209/mnist_tfrecord", ("pypi", "keras", "2.0.9", "examples/mnist_tfrecord.py",
                                 "f3abbd6efba6d250fb3271426bbb9fd3e85e4a9550e901015e8e27afae4c5a0e"),
     "tf115-keras231", "queue runners -> Input(tensor=), K.get_session, contrib.learn loader"),
    ("keras224/cifar10_cnn", ("pypi", "keras", "2.2.4", "examples/cifar10_cnn.py",
                              "69ff82e9060213e867816ed29dfba4d397122e1c44084d84824191e492fa6174"),
     "tf115-keras231", "ImageDataGenerator.flow -> fit_generator(workers=4)"),
    ("keras224/cifar10_resnet", ("pypi", "keras", "2.2.4", "examples/cifar10_resnet.py",
                                 "b9dda2e3e045081fdcb15ca885e667f6aea500634787103c00d2306ba2d45348"),
     "tf115-keras231", "ImageDataGenerator.flow -> fit_generator(workers=4)"),
    ("keras224/cifar10_cnn_capsule", ("pypi", "keras", "2.2.4", "examples/cifar10_cnn_capsule.py",
                                      "8a826967010469784ed096bc7446da8ed20e0bae59d7ee2f0d39dc5e6e25acfb"),
     "tf19-keras220", "ImageDataGenerator.flow -> fit_generator(workers=4)"),
    ("seed/question", ("seed", "question.py"), "tf115-keras231",
     "sess.run(get_next()) generator -> fit_generator"),
    ("seed/answer_tensor_input", ("seed", "answer_tensor_input.py"), "tf115-keras231",
     "two one-shot iterators -> Input(tensor=) + target_tensors"),
    ("seed/answer_fit_iterator", ("seed", "answer_fit_iterator.py"), "tf19-keras220",
     "one-shot iterator -> tf.keras fit (TF 1.9)"),
    ("seed/answer_session_generator", ("seed", "answer_session_generator.py"), "tf115-keras231",
     "K.get_session().run generator -> fit_generator(workers=0)"),
    ("seed/answer_estimator", ("seed", "answer_estimator.py"), "tf115-keras231",
     "model_to_estimator, input_fn with make_one_shot_iterator"),
    ("seed/answer_placeholder_generator", ("seed", "answer_placeholder_generator.py"),
     "tf115-keras231", "placeholder-fed initializable iterator generator -> fit_generator"),
    ("seed/answer_py_func", ("seed", "answer_py_func.py"), "tf115-keras231",
     "py_func flat_map -> Input(tensor=) + target_tensors"),
    ("seed/tfrecord_parse",
     ("seed", "tfrecord_parse.py", "project-written, TF 1.x style"), "tf115-keras231",
     "TF 1 names (python_io, parse_single_example, FixedLenFeature, decode_raw) -> tf.keras "
     "fit, save_weights('.h5')"),
    ("seed/learning_phase_features",
     ("seed", "learning_phase_features.py", "project-written, Keras 2 style"),
     "tf115-keras231",
     "fit on arrays, save('dir'), K.function with K.learning_phase()"),
]

# Causes, first match wins: (regex on "error | script line", kind, what it is)
FEEDING, OTHER, HARNESS_KIND = "feeding", "other API", "environment"
CAUSES = [
    (r"is not an element of this graph|cannot be interpreted as a Tensor", FEEDING,
     "graph tensors run in Keras' worker thread"),
    (r"input_tensor. must be a KerasTensor|unexpected keyword argument 'tensor'|"
     r"target_tensors", FEEDING, "Input(tensor=) / target_tensors"),
    (r"make_one_shot_iterator|make_initializable_iterator", FEEDING, "Dataset iterator method"),
    (r"Unrecognized data type|not iterators that have been manually|OwnedIterator|"
     r"Failed to find data adapter", FEEDING, "iterator handed to fit"),
    (r"get_session|set_session", FEEDING, "K.get_session / set_session"),
    (r"shuffle_batch|start_queue_runners|string_input_producer|Coordinator|QueueRunner|"
     r"tf\.train\.batch", FEEDING, "queue runners"),
    (r"ImageDataGenerator|preprocessing\.image|keras\.preprocessing", FEEDING,
     "ImageDataGenerator / keras.preprocessing.image"),
    (r"fit_generator|evaluate_generator|predict_generator", FEEDING, "*_generator methods"),
    (r"workers|use_multiprocessing|max_queue_size", FEEDING, "Keras 3 feeding keywords"),
    (r"super\(\)\.__init__\(\*\*kwargs\)|PyDataset", FEEDING, "Sequence without super().__init__"),
    (r"learning_phase|K\.function\(|has no attribute 'function'", FEEDING,
     "Keras-backend graph feeding (K.function, K.learning_phase)"),
    (r"Python-style iteration in eager mode|Session|placeholder|feed_dict", FEEDING,
     "session / placeholder scaffolding"),
    (r"output_shapes|output_types|output_classes", FEEDING, "Dataset.output_* attributes"),
    (r"contrib\.learn|learn\.datasets|contrib\.data|tensorflow\.contrib", FEEDING,
     "tf.contrib data loaders / tf.data"),
    (r"estimator", FEEDING, "tf.estimator / model_to_estimator"),
    (r"py_func", FEEDING, "py_func"),
    (r"\blr\b|decay", OTHER, "optimizer lr= / decay="),
    (r"SciPy|scipy", HARNESS_KIND, "SciPy not installed in the cell"),
    (r"\.h5|weights", OTHER, "weights file / .h5 names"),
    (r"monitor=val_acc|monitor=acc\b", OTHER, "callback monitoring acc / val_acc"),
]


def cause_of(result):
    text = "%s | %s" % (result.get("error", ""), result.get("where", ""))
    if result["status"] == "timeout":
        return OTHER, "timeout"
    if result["status"] == "no-training":
        return FEEDING, "exited without training"
    for pattern, kind, what in CAUSES:
        if re.search(pattern, text):
            return kind, what
    return OTHER, result.get("error_type") or "unclassified"


def sha256(text):
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def fetch(origin):
    """The script's text: from the cached sdist (pip downloads it once), checked by sha256."""
    if origin[0] == "seed":
        with open(os.path.join(SEED, origin[1])) as f:
            return f.read()
    _, package, version, member, digest = origin
    sdists = os.path.join(CACHE, "sdists")
    os.makedirs(sdists, exist_ok=True)
    found = [n for n in os.listdir(sdists)
             if n.lower().startswith("%s-%s." % (package, version)) and n.endswith(".tar.gz")]
    if not found:
        subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps",
                        "--no-binary", ":all:", "%s==%s" % (package, version), "-d", sdists],
                       check=True)
        found = [n for n in os.listdir(sdists)
                 if n.lower().startswith("%s-%s." % (package, version))]
    with tarfile.open(os.path.join(sdists, found[0])) as tar:
        top = tar.getnames()[0].split("/")[0]
        text = tar.extractfile("%s/%s" % (top, member)).read().decode("utf-8")
    if sha256(text) != digest:
        raise SystemExit("%s %s %s: sha256 %s, expected %s"
                         % (package, version, member, sha256(text), digest))
    return text


def tfcompat_version():
    sys.path.insert(0, ROOT)
    import tfcompat
    return tfcompat.__version__


def runtime_hash():
    """The runtime half a fixed script may import (tfcompat.fit, from_arrays...)."""
    parts = []
    for base, _, files in sorted(os.walk(os.path.join(ROOT, "tfcompat"))):
        if os.sep + "lint" in base[len(ROOT):]:
            continue
        for name in sorted(files):
            if name.endswith(".py"):
                with open(os.path.join(base, name)) as f:
                    parts.append(f.read())
    return sha256("\0".join(parts))


class Bench(object):
    def __init__(self, tox_dir, jobs, rerun):
        self.tox_dir, self.jobs, self.rerun = tox_dir, jobs, rerun
        with open(HARNESS) as f:
            self.harness_hash = sha256(f.read())
        self.tool_version = tfcompat_version()
        self.runtime_hash = runtime_hash()
        self.work = os.path.join(CACHE, "work")
        os.makedirs(os.path.join(CACHE, "runs"), exist_ok=True)

    def python(self, cell):
        return os.path.join(self.tox_dir, cell, "bin", "python")

    def upgrade(self, text, where):
        """tf_upgrade_v2 of TF 2.21 (installed in the tf221 cell) on one file."""
        src, dst = os.path.join(where, "in.py"), os.path.join(where, "upgraded.py")
        with open(src, "w") as f:
            f.write(text)
        tool = os.path.join(self.tox_dir, "tf221", "bin", "tf_upgrade_v2")
        subprocess.run([self.python("tf221"), tool, "--infile", src, "--outfile", dst,
                        "--reportfile", os.path.join(where, "report.txt")],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True,
                       env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3"))
        with open(dst) as f:
            return f.read()

    def lint_fix(self, text, where, name, keras_target):
        """`tfcompat lint --fix --unsafe-fixes` on a copy; returns the text and what it left."""
        where = os.path.join(where, keras_target or "default")
        os.makedirs(where, exist_ok=True)
        with open(os.path.join(where, "pyproject.toml"), "w") as f:
            f.write('[tool.tfcompat]\nkeras-target = "%s"\n' % keras_target
                    if keras_target else "[tool.tfcompat]\n")
        path = os.path.join(where, os.path.basename(name) + ".py")
        with open(path, "w") as f:
            f.write(text)
        proc = subprocess.run(
            [sys.executable, "-m", "tfcompat", "lint", "--fix", "--unsafe-fixes", "--target-tf",
             TARGET_TF, "--no-cache", "--output-format", "json", "--jobs", "1", path],
            cwd=where, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            env=dict(os.environ, PYTHONPATH=ROOT))
        if proc.returncode not in (0, 1):
            raise SystemExit("tfcompat lint failed on %s:\n%s" % (name, proc.stderr.decode()))
        left = sorted({f["code"] for f in json.loads(proc.stdout.decode() or "[]")})
        with open(path) as f:
            return f.read(), left

    def variants(self, name, text):
        where = os.path.join(self.work, name.replace("/", "__"))
        shutil.rmtree(where, ignore_errors=True)
        os.makedirs(where)
        upgraded = self.upgrade(text, where)
        texts, left = {}, {}
        for cell in CELLS:
            fixed, left["%s/tfcompat" % cell] = self.lint_fix(text, where, name,
                                                              KERAS_TARGET[cell])
            both, left["%s/both" % cell] = self.lint_fix(upgraded, where, name,
                                                         KERAS_TARGET[cell])
            texts[cell] = {"original": text, "tf_upgrade_v2": upgraded, "tfcompat": fixed,
                           "both": both}
        return texts, left

    def key(self, cell, text):
        runtime = self.runtime_hash if "tfcompat" in text else ""
        return sha256("\0".join([cell, text, self.harness_hash, runtime]))

    def run(self, cell, name, text):
        key = self.key(cell, text)
        cached = os.path.join(CACHE, "runs", key + ".json")
        if os.path.exists(cached) and not self.rerun:
            with open(cached) as f:
                return json.load(f)
        where = os.path.join(CACHE, "runs", key)
        shutil.rmtree(where, ignore_errors=True)
        os.makedirs(where)
        script = os.path.join(where, os.path.basename(name) + ".py")
        with open(script, "w") as f:
            f.write(text)
        env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", KERAS_BACKEND="tensorflow",
                   PYTHONHASHSEED="0", TFCOMPAT_CELL=cell, PYTHONPATH=ROOT,
                   OMP_NUM_THREADS="1", TF_NUM_INTRAOP_THREADS="1",
                   TF_NUM_INTEROP_THREADS="1", PYTHONWARNINGS="ignore")
        env.pop("TF_USE_LEGACY_KERAS", None)
        if cell.endswith("-tfkeras"):
            env["TF_USE_LEGACY_KERAS"] = "1"
        out = os.path.join(where, "result.json")
        try:
            with open(os.path.join(where, "log.txt"), "w") as log:
                subprocess.run([self.python(cell), HARNESS, script, out], cwd=where, env=env,
                               stdout=log, stderr=subprocess.STDOUT, timeout=TIMEOUT)
            with open(out) as f:
                result = json.load(f)
        except subprocess.TimeoutExpired:
            result = {"status": "timeout", "error": "no result in %d s" % TIMEOUT,
                      "error_type": "", "where": ""}
        except (IOError, ValueError):  # the interpreter died before writing its result
            with open(os.path.join(where, "log.txt")) as f:
                tail = [line.strip() for line in f if line.strip()][-1:]
            result = {"status": "error", "error": (tail or ["(no output)"])[0][:400],
                      "error_type": "crash", "where": ""}
        if result["status"] != "ok" and cause_of(result)[0] == HARNESS_KIND:
            return result  # the cell lacks a package: not cached, a rebuilt cell reruns it
        with open(cached, "w") as f:
            json.dump(result, f)
        return result

    def measure(self, scripts):
        rows, jobs = [], []
        for name, origin, tf1_cell, feeds in scripts:
            text = fetch(origin)
            texts, left = self.variants(name, text)
            row = {"name": name, "origin": origin_text(origin), "sha256": sha256(text),
                   "feeds": feeds, "tf1_cell": tf1_cell, "left": left, "runs": {}}
            rows.append(row)
            jobs.append((row, "tf1", tf1_cell, text))
            for cell in CELLS:
                for variant in VARIANTS:
                    jobs.append((row, "%s/%s" % (cell, variant), cell, texts[cell][variant]))
        with concurrent.futures.ThreadPoolExecutor(self.jobs) as pool:
            once = {}  # variants a tool left unchanged run once per cell
            futures = []
            for row, label, cell, text in jobs:
                key = self.key(cell, text)
                if key not in once:
                    once[key] = pool.submit(self.run, cell, row["name"], text)
                futures.append((row, label, once[key]))
            for row, label, future in futures:
                result = dict(future.result())
                if result["status"] != "ok":
                    result["kind"], result["cause"] = cause_of(result)
                row["runs"][label] = result
                print("%-40s %-28s %s" % (row["name"], label, result["status"]), flush=True)
        return rows


def origin_text(origin):
    if origin[0] == "seed" and len(origin) > 2:
        return "%s (bench/migration_seed/%s)" % (origin[2], origin[1])
    if origin[0] == "seed":
        return "seed thread (bench/migration_seed/%s)" % origin[1]
    _, package, version, member, _ = origin
    return "https://pypi.org/project/%s/%s/ sdist: %s" % (package, version, member)


def mark(result):
    return {"ok": "trains", "timeout": "timeout", "no-training": "no training"}.get(
        result["status"], "fails")


def report(rows, version):
    lines = ["# Migration benchmark", "",
             "Generated by `bench/migration.py` (tfcompat %s; target TF %s for tfcompat, "
             "keras-target `tf_keras` in the tf221-tfkeras cell; TF 2.21's `tf_upgrade_v2`)."
             % (version, TARGET_TF),
             "Each script runs with synthetic data of the real shapes and one short epoch "
             "(bench/migration_harness.py); *trains* = it exited normally after training.", ""]
    total = len(rows)
    lines += ["| variant | " + " | ".join(CELLS) + " | either cell |", "|---|---|---|---|"]
    for variant in VARIANTS:
        counts = [sum(r["runs"]["%s/%s" % (c, variant)]["status"] == "ok" for r in rows)
                  for c in CELLS]
        either = sum(any(r["runs"]["%s/%s" % (c, variant)]["status"] == "ok" for c in CELLS)
                     for r in rows)
        lines.append("| %s | %s | %d/%d |" % (
            variant, " | ".join("%d/%d" % (n, total) for n in counts), either, total))
    tf1 = sum(r["runs"]["tf1"]["status"] == "ok" for r in rows)
    lines += ["", "Originals on their own TF 1 cell: %d/%d train." % (tf1, total), "",
              "## Per script", "",
              "| script | feeds through | TF 1 cell | " + " | ".join(
                  "%s %s" % (c, v) for c in CELLS for v in VARIANTS) + " |",
              "|---" * (3 + len(CELLS) * len(VARIANTS)) + "|"]
    for row in rows:
        cells = [mark(row["runs"]["%s/%s" % (c, v)]) for c in CELLS for v in VARIANTS]
        lines.append("| %s | %s | %s: %s | %s |" % (
            row["name"], row["feeds"], row["tf1_cell"], mark(row["runs"]["tf1"]),
            " | ".join(cells)))
    lines += ["", "## Failures", "",
              "Last error line and the script line it came from; *feeding* failures are "
              "tfcompat's job, *other API* ones are listed, not fixed.", ""]
    for kind in (FEEDING, OTHER, HARNESS_KIND):
        found = [(row, label, result) for row in rows for label, result in row["runs"].items()
                 if result["status"] != "ok" and result["kind"] == kind]
        if not found:
            continue
        lines += ["### %s (%d runs)" % (kind, len(found)), "",
                  "| script | run | cause | error | at |", "|---|---|---|---|---|"]
        for row, label, result in found:
            lines.append("| %s | %s | %s | %s | %s |" % (
                row["name"], label, result["cause"], escape(result["error"][:160]),
                escape(result["where"][:90])))
        lines.append("")
    fixed = ["%s/%s" % (c, v) for c in CELLS for v in ("tfcompat", "both")]
    lines += ["## Left reported by tfcompat after --fix", "",
              "| script | " + " | ".join(fixed) + " |", "|---" * (1 + len(fixed)) + "|"]
    for row in rows:
        lines.append("| %s | %s |" % (row["name"], " | ".join(
            ", ".join(row["left"][label]) or "(none)" for label in fixed)))
    lines += ["", "## Sources", "", "| script | from | sha256 |", "|---|---|---|"]
    for row in rows:
        lines.append("| %s | %s | `%s` |" % (row["name"], row["origin"], row["sha256"][:16]))
    return "\n".join(lines) + "\n"


def escape(text):
    return text.replace("|", "\\|").replace("\n", " ")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", help="comma-separated script names (substrings)")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--rerun", action="store_true", help="ignore cached runs")
    parser.add_argument("--tox-dir", default=None)
    parser.add_argument("--out", default=os.path.join(HERE, "results"))
    args = parser.parse_args()
    tox_dir = args.tox_dir or next(
        (d for d in (os.path.join(ROOT, ".tox"), "/work/main/.tox")
         if os.path.isdir(os.path.join(d, "tf221"))), None)
    if tox_dir is None:
        raise SystemExit("no built tox cells: run tox -e tf221,tf221-tfkeras,... first")
    scripts = SCRIPTS
    if args.only:
        wanted = args.only.split(",")
        scripts = [s for s in SCRIPTS if any(w in s[0] for w in wanted)]
    bench = Bench(tox_dir, args.jobs, args.rerun)
    rows = bench.measure(scripts)
    if scripts is SCRIPTS:
        os.makedirs(args.out, exist_ok=True)
        with open(os.path.join(args.out, "migration.json"), "w") as f:
            json.dump(rows, f, indent=1, sort_keys=True)
        with open(os.path.join(args.out, "migration.md"), "w") as f:
            f.write(report(rows, bench.tool_version))
        print("wrote %s" % os.path.join(args.out, "migration.md"))


if __name__ == "__main__":
    main()

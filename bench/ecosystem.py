"""Real-code check: tfcompat lint on pinned TF/Keras packages, diffed against a labelled snapshot.

Ruff's "ecosystem check" idea. A check of precision, not a timed benchmark: every finding tfcompat
reports on the corpus is matched against bench/results/ecosystem-snapshot.json, where each one
carries a label read off the code: `tp`, `fp` (with the reason, a class name first) or
`debatable`. The snapshot holds the package, the path inside it, line, column, code, label and
reason only: no third-party code goes into git. Every rule runs at TARGET_TF; a rule silent there
that fires on older targets (TFC504) runs again at the target its examples use, and its entries
carry that `target`. The corpus is registry packages pinned by version
(`pip download --no-deps`) and public repositories pinned by commit (read from bare git
directories under $TFCOMPAT_BENCH_GIT, else cloned), unpacked once into $TFCOMPAT_BENCH_HOME
(default ~/.cache/tfcompat-bench), `.py` files only (see bench/packages.py).

    python bench/ecosystem.py            # lint, diff against the snapshot, write ecosystem.md
    python bench/ecosystem.py --update   # also write today's findings into the snapshot:
                                         # labels kept, new findings unlabelled, gone ones
                                         # kept with "found": false (what a change lost)
    python bench/ecosystem.py --check    # exit 1 when the findings differ from the snapshot
    python bench/ecosystem.py --show TFC102   # print the new/unlabelled findings of one code
                                               # with their source line, for labelling

Precision per rule is tp / (tp + fp) over the findings reported today; `debatable` counts in
neither. Recall is watched two ways: a labelled `tp` that is no longer reported is listed as
lost, and for each rule with a grep-able pattern the table shows how many lines carrying the
pattern also carry a finding of that rule.
"""
import argparse
import collections
import json
import os
import re
import subprocess
import sys

import packages
from packages import HOME, log

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)  # the tfcompat of this checkout (older_targets reads its rules)
RESULTS = os.path.join(HERE, "results")
SNAPSHOT = os.path.join(RESULTS, "ecosystem-snapshot.json")
TARGET_TF = "2.16"  # a TF 2 target, so the rules about what TF 2 removed fire too

# (directory in the corpus, requirement, extra `pip download` arguments, what it is)
PACKAGES = [
    ("tensor2tensor", "tensor2tensor==1.15.7", [], "TF1 graph code, tf.data input pipelines"),
    ("keras", "keras==2.3.1", ["--no-binary", ":all:"],
     "standalone Keras 2: fit_generator, Sequence, examples"),
    ("tensorpack", "tensorpack==0.11", [], "TF1 graph training, queue runners, multi-GPU towers"),
    ("tf_slim", "tf-slim==1.1.0", [], "TF1 slim: queue runners, data providers"),
    ("keras_retinanet", "keras-retinanet==1.0.0", [], "Keras detection training, generators"),
    ("tensorlayer", "tensorlayer==1.11.1", [], "TF1 layers library, sessions, tf.data"),
    ("magenta", "magenta==1.1.7", [], "TF1 models, tf.data, estimators"),
    ("opennmt_tf", "opennmt-tf==2.32.0", [], "TF2 tf.data pipelines, Keras models"),
    ("keras_ocr", "keras-ocr==0.9.3", [], "tf.keras fit on generators"),
    ("deepctr", "deepctr==0.8.2", [], "tf.keras models, TF1/TF2 compat code"),
    ("kashgari", "kashgari==2.0.2", [], "tf.keras fit, generators, tf.data"),
    ("tflearn", "tflearn==0.5.0", [], "TF1 training loops, queue runners"),
    ("imageai", "imageai==2.1.6", [], "Keras fit_generator training"),
    ("tensorflow_gan", "tensorflow-gan==2.1.0", [], "TF1/TF2 GAN estimators, tf.data"),
    ("tf_models_official", "tf-models-official==2.3.0", [],
     "TF2 model garden: tf.data input pipelines, Keras fit"),
    # Held out: added after the rules were changed to fit the labels above, and labelled
    # afresh, so their precision is measured on code the fixes were not shaped on (first round).
    ("deepchem", "deepchem==2.5.0", [], "TF2 Keras models, tf.data, generators"),
    ("ktrain", "ktrain==0.20.0", [], "tf.keras fit on generators and Sequences"),
    ("tensorflow_datasets", "tensorflow-datasets==1.3.2", [], "tf.data builders, TF1/TF2"),
    ("dopamine", "dopamine-rl==2.0.5", [], "TF1 graph agents, sessions"),
    ("keras_rl", "keras-rl==0.4.2", [], "standalone Keras 2 agents"),
    # Kinds of code the packages above lack: TF 1 tutorials, TF 2-era tf.data + Keras code,
    # Estimator projects, Keras applications; public repositories pinned by commit.
    ("tf_examples_aymericdamien",
     "github:aymericdamien/TensorFlow-Examples@6dcbe14649163814e72a22a999f20c5e247ce988", [],
     "TF 1 and TF 2 tutorials: the TF 1 MNIST reader, sessions, tf.data"),
    ("tf_tutorials_nlintz",
     "github:nlintz/TensorFlow-Tutorials@d6bdab7df46492446c48537fcf37e20ba44e8168", [],
     "TF 1 tutorials: placeholders, feed_dict, the TF 1 MNIST reader"),
    ("tf_tutorials_golbin",
     "github:golbin/TensorFlow-Tutorials@c8ac1e45ca27cccd228f316dd4f66afbc22f9016", [],
     "TF 1 tutorials: sessions, the TF 1 MNIST reader"),
    ("bert", "github:google-research/bert@eedf5716ce1268e56f0a50264a88cafad334ac61", [],
     "TF 1 Estimator project: TPUEstimator, input_fn over tf.data and constants"),
    ("cloudml_samples",
     "github:GoogleCloudPlatform/cloudml-samples@efddc4a9898127e55edc0946557aca4bfaf59705", [],
     "Estimator and Keras training jobs, input_fn pipelines"),
    ("deep_learning_models",
     "github:fchollet/deep-learning-models@ccd0eb24996b4cbff4231b90cd44b057c0b20f14", [],
     "Keras 2 applications: input_tensor, weights downloaded with get_file"),
    ("keras_yolo3", "github:qqwweee/keras-yolo3@e6598d13c703029b2686bc2eb8d5c09badf42992", [],
     "Keras 2 application: fit_generator, K.learning_phase, Input(tensor=)"),
    ("tf2_tutorials_dragen1860",
     "github:dragen1860/TensorFlow-2.x-Tutorials@9861a308283d17693d497fdfaab20b92c0b26d08", [],
     "TF 2 tutorials: tf.data + Keras fit, built-in data sets"),
    ("tf_examples", "github:tensorflow/examples@608f7db8c511e3dcc420afc564496e4516ceb800", [],
     "TF 2-era tf.data + Keras: model maker, lite examples"),
    ("keras_applications", "keras-applications==1.0.8", [],
     "Keras applications: input_tensor, get_file"),
    ("tensorflow_estimator", "tensorflow-estimator==1.15.1", [],
     "the Estimator library: input_fn, numpy/pandas inputs, hooks"),
    ("autokeras", "autokeras==1.0.12", [], "TF 2 tf.data + Keras AutoML"),
    ("keras_tuner", "keras-tuner==1.0.1", [], "TF 2 Keras fit loops, tf.data"),
    ("segmentation_models", "segmentation-models==1.0.1", [],
     "Keras applications as backbones, keras/tf.keras switch"),
    ("tensorflow_hub", "tensorflow-hub==0.9.0", [], "TF 1/TF 2 modules, Keras layers"),
    # Held out, second round: added after the rules were changed to fit the 15 sources above.
    ("tf_tutorials_hvass",
     "github:Hvass-Labs/TensorFlow-Tutorials@d5f33973570fe6ef9c78c8a38c7449a932c81010", [],
     "TF 1 tutorials: the TF 1 MNIST reader, Estimators, Keras"),
    ("keras_yolo2", "github:experiencor/keras-yolo2@8bc3fcdc123a5d6b9624ed4188e07b876b79dac5",
     [], "Keras 2 application: fit_generator, Input, TF 1 session"),
    ("tf2_examples_yunyang",
     "github:YunYang1994/TensorFlow2.0-Examples@299fd6689f242d0f647a96b8844e86325e9fcb46", [],
     "TF 2 examples: tf.data + Keras, custom loops"),
    ("albert", "github:google-research/albert@b772393d3dae115b493258ce8e37c17b2cc62100", [],
     "TF 1 Estimator project: TPUEstimator, input_fn"),
    ("efficientnet", "efficientnet==1.1.1", [], "Keras applications: input_tensor, get_file"),
    # Held out, third round: added after the rules were changed for the generated TF 1 name
    # table's and TFC417-420's labels above.
    ("innvestigate", "innvestigate==1.0.9", [], "Keras 2 analysis: K.function, backend graphs"),
    ("keras_vis", "keras-vis==0.4.1", [], "Keras 2 visualisation: K.function with the learning "
     "phase, gradients, applications"),
    # Held out, fourth round: Keras 2 capsule layers (K.batch_dot routing over rank-4 tensors,
    # a class the sources above lack: their 50 batch_dot lines are rank 3 or unknown), added
    # and labelled after TFC421 was written.
    ("capsnet_keras",
     "github:XifengGuo/CapsNet-Keras@2f6d47dd205c7d77fc3d43626feee4c45d3c6db4", [],
     "Keras 2 capsule network: K.batch_dot routing, fit_generator"),
    ("capsule_bojone", "github:bojone/Capsule@af9959ffcec722bd27055cf0daeb9f97f2377c11", [],
     "Keras 2 capsule layer (2018, before its own move off K.batch_dot): routing"),
]
HELD_OUT = ("deepchem", "ktrain", "tensorflow_datasets", "dopamine", "keras_rl",
            "tf_tutorials_hvass", "keras_yolo2", "tf2_examples_yunyang", "albert", "efficientnet",
            "innvestigate", "keras_vis", "capsnet_keras", "capsule_bojone")

# Patterns a reader could grep for, per rule: how many of their lines carry that rule's finding.
GREP = {
    "TFC102": r"\.get_next\(\)",
    "TFC401": r"\.make_(one_shot|initializable)_iterator\(",
    "TFC402": r"contrib\.data\b|contrib import data\b",
    "TFC403": r"\.(fit|evaluate|predict)_generator\(",
    "TFC404": r"target_tensors\s*=|Input\(\s*tensor\s*=",
    "TFC405": r"\btf\.(Session|placeholder)\(|get_session\(",
    "TFC421": r"\bbatch_dot\(",
}
LABELS = ("tp", "fp", "debatable")
HELD_OUT_FIRST_LOOK = (
    "26 findings, 25 tp and 1 fp (96%): TFC202 on efficientnet's `__init__`, which imports "
    "keras in one function and tensorflow.keras in another (a framework switch whose imports "
    "never meet in one scope), a class since fixed. TFC301 1, TFC403 3, TFC405 1, TFC408 8, "
    "TFC412 5, TFC416 1, TFC501 4, TFC502 1: all tp.")
HELD_OUT_THIRD_LOOK = (
    "14 findings, 13 tp and 1 fp (93%): TFC403 on `super(Mixin, self).fit_generator(...)` "
    "in innvestigate, whose base mixin defines fit_generator itself (the base's method, not "
    "Keras'), a class since fixed. TFC403 2, TFC404 2, TFC405 5, TFC412 1, TFC416 2, TFC418 1: "
    "all tp.")
HELD_OUT_FOURTH_LOOK = (
    "13 findings, all tp (100%). TFC421 5: capsule routing `K.batch_dot(c, u_hat, [2, 2])` / "
    "`[2, 3]` over rank-4 tensors, written for the old meaning (the code's shape comments: "
    "the first two dimensions as the batch). TFC403 2, TFC408 2, TFC412 2, TFC417 2.")
# (tp, fp) per rule on the first 35 sources (held-out second round aside), labelled before the
# rules were changed for the false-positive classes that labelling found: the "before" column.
# TFC504 at target 2.10 when first checked there (tp, fp): AutoKeras' AutoModel and
# preprocessors were the fp.
TFC504_AT_2_10 = "%.0f%% (%d/%d)" % (100 * 56 / 72, 56, 72)
BEFORE = {"TFC202": (2, 1), "TFC301": (2, 0), "TFC401": (27, 0), "TFC402": (34, 0),
          "TFC403": (138, 0), "TFC404": (27, 8), "TFC405": (866, 0), "TFC407": (0, 2),
          "TFC408": (290, 0), "TFC409": (5, 0), "TFC410": (1, 0), "TFC411": (45, 0),
          "TFC412": (70, 0), "TFC416": (8, 0), "TFC501": (21, 1), "TFC502": (1, 0),
          "TFC503": (1, 0), "TFC504": (0, 72)}
# (tp, fp) per rule on all 40 sources with the generated TF 1 name table and TFC417-419,
# labelled before the rules were changed for the classes that labelling found: "before, 40".
BEFORE_40 = {"TFC202": (2, 0), "TFC301": (8, 0), "TFC401": (27, 0), "TFC402": (34, 0),
             "TFC403": (141, 0), "TFC404": (27, 0), "TFC405": (4863, 30), "TFC408": (363, 0),
             "TFC409": (5, 0), "TFC410": (1, 0), "TFC411": (45, 0), "TFC412": (76, 0),
             "TFC416": (9, 0), "TFC417": (35, 4), "TFC418": (110, 0), "TFC419": (3, 0),
             "TFC501": (25, 1), "TFC502": (2, 0), "TFC503": (1, 0)}
TFC405_LABELLING = (
    "54 of its findings were read (30 drawn at random, all 20 of tensorpack, the 4 others); "
    "every finding is a TF1-only name reached through "
    "`import tensorflow as tf` (or Keras' `K.get_session`), and a scan of each flagged file's "
    "imports found none in a `tensorflow.compat.v1` module, so the rest carry the same label. "
    "The findings of `tf.compat.v1.keras.backend.get_session` / `set_session` on a Keras 3 "
    "target were each read. "
    "On the 15 sources added next (522 findings), 30 drawn at random were read and every "
    "flagged file's imports scanned: all TF 1-only names through `import tensorflow as tf` "
    "(three files also call `tf.compat.v1.*` elsewhere; the flagged names are still the TF 1 "
    "spelling), so all tp. "
    "With the name table generated from the wheels (878 names), the rule reported 4894 "
    "findings: 40 drawn at random were read (all TF 1-only names through `import tensorflow "
    "as tf`: tp), and every finding in a file that tests TF's version, catches "
    "AttributeError or calls hasattr on TF was read: 30 were code that runs the name on TF 1 "
    "only (a `try` whose `except AttributeError` spells the same name the TF 2 way, the TF 1 "
    "branch of a `tf.__version__` / `_is_tf_1()` / `hasattr(tf, ...)` test, a module "
    "attribute set under such a test): fp, a class since fixed; one (tensorpack reading "
    "`tf.layers` that its own compat module sets on TF 2) is debatable.")
TFC408_LABELLING = (
    "every finding names `tf.estimator` (or `tf.compat.v1.estimator`) or `ImageDataGenerator`, "
    "gone from TF 2.16 / Keras 3, so the line fails there: tp (12 read at random before the "
    "rule grouped its findings). The rule reports one finding per module and kind of API "
    "(ModeKeys constants, estimator session hooks, model_to_estimator, the rest of tf.estimator, "
    "ImageDataGenerator), at the first import or use; the 333 lines it no longer reports are "
    "kept as `grouped`. Each kind's help line was read against its findings: ModeKeys 135, the "
    "rest of tf.estimator 35, hooks 10, ImageDataGenerator 9. On the sources added next, the "
    "119 findings in tensorflow-estimator's own modules are `debatable` (the library itself, "
    "gone with TF 2.16 as a whole: the advice to port a model_fn does not apply); the others "
    "(tf.estimator in projects, the tutorials' MNIST reader, ImageDataGenerator) are tp.")


def corpus():
    return packages.unpack([p[:3] for p in PACKAGES], os.path.join(HOME, "ecosystem"))


def older_targets():
    """{target: codes} for the rules silent at TARGET_TF that fire on older targets: each is
    checked at the target its documentation examples use (``Rule.doc_target_tf``: TFC504 at
    the last TF whose tf.data does not prefetch by itself)."""
    from tfcompat.lint.rules import all_rules

    out = collections.defaultdict(list)
    for rule in all_rules():
        if rule.doc_target_tf and rule.doc_target_tf != TARGET_TF:
            out[rule.doc_target_tf].append(rule.code)
    return dict(out)


def lint(root, jobs=None):
    """Today's findings: [{package, path, line, col, code, fix}] sorted: every rule at
    TARGET_TF, and each older target's rules at that target (marked with it)."""
    out = _lint(root, TARGET_TF, None, jobs)
    for target, codes in sorted(older_targets().items()):
        # Their findings at TARGET_TF (none) are replaced by those at their own target.
        out = [f for f in out if f["code"] not in codes] + _lint(root, target, codes, jobs)
    out.sort(key=_key)
    return out


def _lint(root, target, codes, jobs):
    cmd = [sys.executable, "-m", "tfcompat", "lint", "--output-format", "json", "--no-cache",
           "--exit-zero", "--quiet", "--target-tf", target]
    if codes:
        cmd += ["--select", ",".join(codes)]
    if jobs:
        cmd += ["--jobs", str(jobs)]
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    # The listed sources only: the cache may hold others (an older or newer corpus).
    proc = subprocess.run(cmd + [d for d, _, _, _ in PACKAGES], cwd=root, env=env,
                          capture_output=True, text=True)
    if proc.returncode not in (0, 2):  # 2: some corpus files are Python 2 (TFC902)
        raise SystemExit("tfcompat lint exited %d:\n%s" % (proc.returncode, proc.stderr))
    out = []
    for f in json.loads(proc.stdout):
        if f["code"].startswith("TFC9"):
            continue  # files that could not be linted (Python 2 syntax): not a rule's finding
        package, _, path = os.path.normpath(f["filename"]).partition(os.sep)
        entry = {"package": package, "path": path, "line": f["location"]["row"],
                 "col": f["location"]["column"], "code": f["code"],
                 "fix": f["fix"]["applicability"] if f["fix"] else None}
        if target != TARGET_TF:
            entry["target"] = target
        out.append(entry)
    return out


def _key(f):
    return (f["package"], f["path"], f["line"], f["code"], f["col"], _target(f))


def _target(f):
    return f.get("target", TARGET_TF)


def load():
    try:
        with open(SNAPSHOT) as handle:
            return json.load(handle)["findings"]
    except FileNotFoundError:
        return []


def match(today, snapshot):
    """Pair today's findings with snapshot entries: same file, line, code and target (the
    column may move when a rule reports a different node of the same line). Returns (pairs,
    new, gone)."""
    by_line = collections.defaultdict(list)
    for entry in snapshot:
        by_line[(entry["package"], entry["path"], entry["line"], entry["code"],
                 _target(entry))].append(entry)
    pairs, new = [], []
    for f in today:
        bucket = by_line.get((f["package"], f["path"], f["line"], f["code"], _target(f)))
        if bucket:
            exact = [e for e in bucket if e["col"] == f["col"]]
            entry = (exact or bucket)[0]
            bucket.remove(entry)
            pairs.append((f, entry))
        else:
            new.append(f)
    gone = [e for bucket in by_line.values() for e in bucket if e.get("found", True)]
    return pairs, new, gone


def merged(today, snapshot):
    """The snapshot to write: today's findings with their labels, then the entries no longer
    found (kept with their labels, so a lost tp or a fixed fp stays visible)."""
    pairs, new, _ = match(today, snapshot)
    paired = {id(e) for _, e in pairs}
    out = []
    for f, entry in pairs:
        out.append(dict(f, label=entry.get("label"), reason=entry.get("reason", ""), found=True))
    for f in new:
        out.append(dict(f, label=None, reason="", found=True))
    for entry in snapshot:
        if id(entry) not in paired:
            out.append(dict(entry, found=False))
    out.sort(key=lambda e: (not e["found"],) + _key(e))
    return out


def save(entries):
    """One finding a line, so a diff of the snapshot reads as a diff of findings."""
    head = {"target_tf": TARGET_TF, "packages": [r for _, r, _, _ in PACKAGES],
            "labels": {"tp": "the finding is right",
                       "fp": "wrong; the reason starts with the fp class",
                       "debatable": "right or wrong depending on intent"}}
    with open(SNAPSHOT, "w") as handle:
        handle.write(json.dumps(head, indent=1)[:-2] + ',\n "findings": [\n')
        handle.write(",\n".join("  " + json.dumps(e, sort_keys=True) for e in entries))
        handle.write("\n ]\n}\n")


def grep_recall(root, entries):
    """{code: (lines with the pattern, of them lines with a finding of code, of those lines
    with a finding labelled tp)}."""
    flagged = {(e["package"], e["path"], e["line"], e["code"]): e["label"]
               for e in entries if e["found"]}
    hits = collections.Counter()
    covered = collections.Counter()
    right = collections.Counter()
    patterns = {code: re.compile(p) for code, p in GREP.items()}
    for dirname, *_ in PACKAGES:
        base = os.path.join(root, dirname)
        for d, _, names in os.walk(base):
            for name in names:
                if not name.endswith(".py"):
                    continue
                path = os.path.join(d, name)
                rel = os.path.relpath(path, base)
                with open(path, "rb") as handle:
                    text = handle.read().decode("utf-8", "replace")
                for number, line in enumerate(text.splitlines(), 1):
                    if line.lstrip().startswith("#"):
                        continue
                    for code, pattern in patterns.items():
                        if pattern.search(line):
                            hits[code] += 1
                            key = (dirname, rel, number, code)
                            covered[code] += key in flagged
                            right[code] += flagged.get(key) == "tp"
    return {code: (hits[code], covered[code], right[code]) for code in GREP}


def table(entries):
    """{code: Counter(label)} over the entries found today."""
    rows = collections.defaultdict(collections.Counter)
    for e in entries:
        if e["found"]:
            rows[e["code"]][e["label"] or "unlabelled"] += 1
    return rows


def precision(counts):
    tp, fp = counts["tp"], counts["fp"]
    return tp / (tp + fp) if tp + fp else None


def _percent(p):
    return "%.0f%%" % (100 * p) if p is not None else "-"


def _before(code, before=BEFORE):
    if code not in before:
        return "-"
    tp, fp = before[code]
    return "%s (%d/%d)" % (_percent(tp / (tp + fp)) if tp + fp else "-", tp, tp + fp)


def _before_all(before):
    tp = sum(tp for tp, _ in before.values())
    fp = sum(fp for _, fp in before.values())
    return "%.0f%% (%d/%d)" % (100 * tp / (tp + fp), tp, tp + fp)


def count_files(root):
    rows = {}
    for dirname, *_ in PACKAGES:
        n = lines = 0
        for d, _, names in os.walk(os.path.join(root, dirname)):
            for name in names:
                if name.endswith(".py"):
                    n += 1
                    with open(os.path.join(d, name), "rb") as handle:
                        lines += handle.read().count(b"\n")
        rows[dirname] = (n, lines)
    return rows


def report(entries, recall, files, lost):
    held = [e for e in entries if e["package"] in HELD_OUT]
    rows = table(entries)
    w = []
    total_files = sum(n for n, _ in files.values())
    total_lines = sum(n for _, n in files.values())
    older = "".join("; %s at `--target-tf %s`, the last target where %s" % (
        ", ".join(codes), target, "they fire" if len(codes) > 1 else "it fires")
        for target, codes in sorted(older_targets().items()))
    w.append("# Real-code check (ecosystem)\n\n`tfcompat lint --target-tf %s`%s, on %d pinned "
             "sources (registry packages by version, public repositories by commit; %d files, "
             "%d lines), each finding labelled "
             "by reading the code. Precision = tp / (tp + fp); `debatable` counts in neither. "
             "Regenerate with `python bench/ecosystem.py` (see its docstring).\n\n" % (
                 TARGET_TF, older, len(PACKAGES), total_files, total_lines))
    w.append("| rule | findings | tp | fp | debatable | unlabelled | precision | before | "
             "before, 40 | safe fixes |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
    safe = collections.Counter(e["code"] for e in entries if e["found"] and e["fix"] == "safe")
    totals = collections.Counter()
    for code in sorted(set(rows) | set(BEFORE) | set(BEFORE_40)):
        c = rows[code]
        totals.update(c)
        p = precision(c)
        w.append("| %s | %d | %d | %d | %d | %d | %s | %s | %s | %d |\n" % (
            code, sum(c.values()), c["tp"], c["fp"], c["debatable"], c["unlabelled"],
            _percent(p), _before(code), _before(code, BEFORE_40), safe[code]))
    p = precision(totals)
    w.append("| **all** | %d | %d | %d | %d | %d | %s | %s | %s | %d |\n" % (
        sum(totals.values()), totals["tp"], totals["fp"], totals["debatable"],
        totals["unlabelled"], _percent(p), _before_all(BEFORE), _before_all(BEFORE_40),
        sum(safe.values())))
    w.append("\n`before`: precision on the first 35 sources (the held-out second round aside), "
             "labelled before the rules were changed for the false-positive classes found "
             "there. `before, 40`: on all 40 sources once TFC405 read the TF 1 name table "
             "generated from the wheels and TFC417-419 existed, labelled before the rules were "
             "changed for the classes found then (TFC405 guarded TF 1 names, TFC417 another "
             "library's model). TFC504's `before` columns are at `--target-tf 2.16` (every "
             "finding an fp, the class since fixed by the TF 2.11 gate); at 2.10, labelled "
             "before the rule left other libraries' models alone: %s.\n" % TFC504_AT_2_10)
    w.append("\nTFC405 is labelled by class: %s\n" % TFC405_LABELLING)
    w.append("\nTFC408 is labelled by class: %s\n" % TFC408_LABELLING)
    w.append("\nHeld out, second round (%s), as first labelled: %s\n" % (
        ", ".join(HELD_OUT[5:10]), HELD_OUT_FIRST_LOOK))
    w.append("\nHeld out, third round (%s), as first labelled: %s\n" % (
        ", ".join(HELD_OUT[10:12]), HELD_OUT_THIRD_LOOK))
    w.append("\nHeld out, fourth round (%s), as first labelled: %s\n" % (
        ", ".join(HELD_OUT[12:]), HELD_OUT_FOURTH_LOOK))
    held_rows = table(held)
    if held_rows:
        w.append("\nHeld-out packages alone (%s: added after the rules were fitted to the "
                 "others' labels):\n\n| rule | findings | tp | fp | debatable | precision |\n"
                 "|---|---:|---:|---:|---:|---:|\n" % ", ".join(HELD_OUT))
        for code in sorted(held_rows):
            c = held_rows[code]
            p = precision(c)
            w.append("| %s | %d | %d | %d | %d | %s |\n" % (
                code, sum(c.values()), c["tp"], c["fp"], c["debatable"],
                "%.0f%%" % (100 * p) if p is not None else "-"))
    fps = collections.Counter((e["code"], e["reason"].split(":")[0])
                              for e in entries if e["found"] and e["label"] == "fp")
    if fps:
        w.append("\nFalse positives today, by class:\n\n| rule | class | findings |\n"
                 "|---|---|---:|\n")
        for (code, cls), n in sorted(fps.items()):
            w.append("| %s | %s | %d |\n" % (code, cls, n))
    retired = collections.Counter((e["code"], e["label"], (e.get("reason") or "").split(":")[0])
                                  for e in entries if not e["found"])
    if retired:
        w.append("\nLabelled findings no longer reported (kept in the snapshot):\n\n"
                 "| rule | label | class | findings |\n|---|---|---|---:|\n")
        for (code, label, cls), n in sorted(retired.items()):
            shown = cls if label == "fp" or cls == "grouped" else "-"
            w.append("| %s | %s | %s | %d |\n" % (code, label, shown, n))
    w.append("\nGrep-able patterns (comment lines skipped) and how many of their lines carry "
             "the rule's finding (a line may rightly carry none: a definition, a string, a "
             "`compat.v1` module); recall holds while no labelled tp is lost:\n\n"
             "| rule | pattern | lines | flagged | flagged, labelled tp |\n"
             "|---|---|---:|---:|---:|\n")
    for code in sorted(recall):
        hits, covered, right = recall[code]
        w.append("| %s | `%s` | %d | %d | %d |\n" % (
            code, GREP[code].replace("|", "\\|"), hits, covered, right))
    if lost:
        w.append("\n**Labelled tp no longer found: %d** (%s)\n" % (
            len(lost), ", ".join("%s %s/%s:%d" % (e["code"], e["package"], e["path"], e["line"])
                                 for e in lost[:20])))
    w.append("\n| package | version | files | lines | what it exercises |\n"
             "|---|---|---:|---:|---|\n")
    for dirname, requirement, _, what in PACKAGES:
        n, lines = files[dirname]
        name, version = packages.split(requirement)
        w.append("| %s | %s | %d | %d | %s |\n" % (name, version, n, lines, what))
    return "".join(w)


def show(root, entries, code, only_unlabelled=True):
    for e in entries:
        if e["code"] != code or not e["found"] or (only_unlabelled and e["label"]):
            continue
        path = os.path.join(root, e["package"], e["path"])
        with open(path, "rb") as handle:
            lines = handle.read().decode("utf-8", "replace").splitlines()
        print("%s/%s:%d:%d %s [%s] %s %s" % (
            e["package"], e["path"], e["line"], e["col"], e["code"], e["fix"], e["label"],
            e["reason"]))
        print("    " + lines[e["line"] - 1].strip()[:160])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--update", action="store_true",
                        help="write today's findings into the snapshot (labels kept)")
    parser.add_argument("--check", action="store_true",
                        help="exit 1 when today's findings differ from the snapshot")
    parser.add_argument("--show", metavar="CODE",
                        help="print today's unlabelled findings of CODE with their line")
    parser.add_argument("--show-all", metavar="CODE",
                        help="print all of today's findings of CODE with their line and label")
    parser.add_argument("--jobs", type=int, help="tfcompat lint --jobs")
    parser.add_argument("--from-snapshot", action="store_true",
                        help="write ecosystem.md from the snapshot as it is, without linting "
                             "(after an --update run, to change the report's text alone)")
    args = parser.parse_args()
    root = corpus()
    snapshot = load()
    today = [e for e in snapshot if e["found"]] if args.from_snapshot else lint(root, args.jobs)
    pairs, new, gone = match(today, snapshot)
    entries = merged(today, snapshot)
    lost = [e for e in gone if e.get("label") == "tp"]
    log("%d findings: %d as in the snapshot, %d new, %d gone (%d of them labelled tp)" % (
        len(today), len(pairs), len(new), len(gone), len(lost)))
    for f in new[:40]:
        log("  new  %s %s/%s:%d:%d" % (f["code"], f["package"], f["path"], f["line"], f["col"]))
    for e in gone[:40]:
        log("  gone %s %s/%s:%d (%s %s)" % (e["code"], e["package"], e["path"], e["line"],
                                           e.get("label"), e.get("reason", "")))
    if args.show or args.show_all:
        show(root, entries, args.show or args.show_all, only_unlabelled=bool(args.show))
        return
    if args.update:
        save(entries)
    text = report(entries, grep_recall(root, entries), count_files(root), lost)
    os.makedirs(RESULTS, exist_ok=True)
    with open(os.path.join(RESULTS, "ecosystem.md"), "w") as handle:
        handle.write(text)
    print(text)
    if args.check and (new or gone):
        raise SystemExit(1)


if __name__ == "__main__":
    main()

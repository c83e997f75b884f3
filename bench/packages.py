"""Pinned registry packages for the benchmarks: downloaded once, only their `.py` files unpacked.

Shared by bench/lint.py (speed) and bench/ecosystem.py (findings on real code). Everything lives
in $TFCOMPAT_BENCH_HOME (default ~/.cache/tfcompat-bench), never in git.
"""
import os
import shutil
import subprocess
import sys
import tarfile
import zipfile

HOME = os.environ.get("TFCOMPAT_BENCH_HOME") or os.path.join(
    os.path.expanduser("~"), ".cache", "tfcompat-bench")


def log(message):
    print(message, file=sys.stderr, flush=True)


def _members(archive):
    """(name, bytes) of every .py file in a wheel (zip) or sdist (tar.gz)."""
    if archive.endswith((".whl", ".zip")):
        with zipfile.ZipFile(archive) as z:
            for info in z.infolist():
                if info.filename.endswith(".py") and not info.is_dir():
                    yield info.filename, z.read(info)
    else:
        with tarfile.open(archive) as t:
            for info in t:
                if info.isfile() and info.name.endswith(".py"):
                    yield info.name, t.extractfile(info).read()


def _archive(downloads, requirement, extra):
    """The downloaded archive of `name==version`, fetched with `pip download --no-deps` once."""
    name, version = requirement.split("==")
    # Wheels normalise the name to underscores, sdists may keep the project's own spelling.
    stems = {("%s-%s" % (n, version)).lower()
             for n in (name, name.replace("-", "_"), name.replace("_", "-"))}

    def found():
        return sorted(f for f in os.listdir(downloads)
                      if any(f.lower().startswith(s + (".", "-")[i])
                             for s in stems for i in (0, 1)))

    if not found():
        log("downloading %s" % requirement)
        subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps",
                        "-d", downloads, requirement] + list(extra), check=True)
    hits = found()
    if not hits:
        raise SystemExit("pip download %s left no archive in %s" % (requirement, downloads))
    return os.path.join(downloads, hits[0])


def unpack(packages, root):
    """Build `root/<dirname>` for each (dirname, requirement, extra pip arguments): the .py files
    of that pinned package. Returns root."""
    downloads = os.path.join(HOME, "downloads")
    os.makedirs(downloads, exist_ok=True)
    for dirname, requirement, extra in packages:
        target = os.path.join(root, dirname)
        stamp = os.path.join(target, ".complete")
        try:
            with open(stamp) as handle:
                if handle.read() == requirement:
                    continue
        except OSError:
            pass
        archive = _archive(downloads, requirement, extra)
        shutil.rmtree(target, ignore_errors=True)
        for member, data in _members(archive):
            path = os.path.normpath(os.path.join(target, member))
            if not path.startswith(target + os.sep):
                continue  # never write outside the corpus
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as handle:
                handle.write(data)
        with open(stamp, "w") as handle:
            handle.write(requirement)
    return root

"""Pinned real code for the benchmarks: downloaded once, only its `.py` files unpacked.

A source is a registry requirement `name==version` (fetched with `pip download --no-deps`) or a
public repository pinned by commit, `github:owner/name@<commit>`: read from a bare git directory
`$TFCOMPAT_BENCH_GIT/owner+name` (or `.../owner+name/repo`) when one is there, else cloned once
into the cache. Shared by bench/lint.py (speed) and bench/ecosystem.py (findings on real code).
Everything lives in $TFCOMPAT_BENCH_HOME (default ~/.cache/tfcompat-bench), never in git.
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


def is_repository(requirement):
    return requirement.startswith("github:")


def split(requirement):
    """(name, version) of a source: the registry name and version, or owner/name and the
    commit's first 12 hex digits."""
    if is_repository(requirement):
        name, _, commit = requirement[len("github:"):].partition("@")
        return name, commit[:12]
    return tuple(requirement.split("=="))


def _git_dir(requirement):
    """A bare git directory holding the pinned commit of `github:owner/name@commit`."""
    name, _, commit = requirement[len("github:"):].partition("@")
    stem = name.replace("/", "+")
    mirrors = os.environ.get("TFCOMPAT_BENCH_GIT")
    candidates = [os.path.join(mirrors, stem, "repo"), os.path.join(mirrors, stem)] \
        if mirrors else []
    clone = os.path.join(HOME, "git", stem)
    for d in candidates + [clone]:
        if os.path.isdir(d) and subprocess.run(
                ["git", "--git-dir", d, "cat-file", "-e", commit + "^{commit}"],
                capture_output=True).returncode == 0:
            return d, commit
    log("cloning %s" % name)
    shutil.rmtree(clone, ignore_errors=True)
    subprocess.run(["git", "clone", "-q", "--bare", "https://github.com/%s" % name, clone],
                   check=True)
    return clone, commit


def _repository_members(requirement):
    """(name, bytes) of every .py file of the pinned commit (read blob by blob: a snapshot may
    lack its large data files, which `git archive` would stop at)."""
    git_dir, commit = _git_dir(requirement)
    tree = subprocess.run(["git", "--git-dir", git_dir, "ls-tree", "-r", "-z", commit],
                          capture_output=True, check=True).stdout.decode("utf-8", "replace")
    entries = []
    for line in tree.split("\0"):
        meta, _, path = line.partition("\t")
        if path.endswith(".py") and meta.split(" ")[1:2] == ["blob"]:
            entries.append((meta.split(" ")[2], path))
    batch = subprocess.run(["git", "--git-dir", git_dir, "cat-file", "--batch"],
                           input="".join(sha + "\n" for sha, _ in entries).encode(),
                           capture_output=True, check=True).stdout
    offset = 0
    for _, path in entries:
        end = batch.index(b"\n", offset)
        header = batch[offset:end].split()
        offset = end + 1
        if header[-1] == b"missing":
            continue
        size = int(header[2])
        yield path, batch[offset:offset + size]
        offset += size + 1


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
        if is_repository(requirement):
            members = _repository_members(requirement)
        else:
            members = _members(_archive(downloads, requirement, extra))
        shutil.rmtree(target, ignore_errors=True)
        for member, data in members:
            path = os.path.normpath(os.path.join(target, member))
            if not path.startswith(target + os.sep):
                continue  # never write outside the corpus
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as handle:
                handle.write(data)
        with open(stamp, "w") as handle:
            handle.write(requirement)
    return root

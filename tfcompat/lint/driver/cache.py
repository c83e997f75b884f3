"""Results cache: findings by (tool, settings, file content), in one index file per settings.

A file's entry is keyed by the tool version, a hash of the package's own files (an edited rule
or version fact never reads stale results), the file's effective settings and the SHA-256 of
its bytes: its path is not part of it, so a moved or copied file hits. The entries of one
(tool, settings) pair live in one JSON index, so that a run with nothing to do reads one file,
not one per linted file; the main process reads it once and rewrites it atomically (temporary
file and rename) when the run added to it. An index that is unreadable, corrupt or written for
another key is a miss and is rebuilt, never an error: each file starts with the SHA-256 of the
rest, so a truncated or edited one is told from a good one, and it is read the way source files
are (tfcompat.lint.driver.files.read: a FIFO, a directory or a device in its place is refused, not
waited on).

The cache also remembers each rule's code and tokens for the tool it was written by, so that a
run answered from the cache never loads the rules or the parser.
"""
import hashlib
import json
import os
import tempfile

import tfcompat
from tfcompat.lint.driver import files
from tfcompat.lint.engine.results import Finding

ENV = "TFCOMPAT_CACHE_DIR"
DIRNAME = ".tfcompat_cache"
MAX_ENTRIES = 50000  # past this, an index keeps only the entries of the run writing it


def default_dir():
    return os.environ.get(ENV) or os.path.join(os.getcwd(), DIRNAME)


def salt():
    """The tool version and the hash of every file of the package.

    All of it, not only the linter: whether a fix is offered also depends on the version facts
    (tfcompat/versions.py) and on data files the rules read.
    """
    digest = hashlib.sha256(tfcompat.__version__.encode())
    root = os.path.dirname(os.path.abspath(tfcompat.__file__))
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(name for name in dirnames if name != "__pycache__")
        for name in sorted(filenames):
            if name.endswith((".pyc", ".pyo")):
                continue
            path = os.path.join(dirpath, name)
            with open(path, "rb") as handle:
                rel = os.path.relpath(path, root).replace(os.sep, "/")
                digest.update(rel.encode() + b"\0" + handle.read() + b"\0")
    return digest.hexdigest()


class Cache:
    def __init__(self, directory, salt_):
        self.directory = directory
        self.salt = salt_
        self._indexes = {}  # index key -> {content hash: [finding dicts]}
        self._added = {}    # index key -> {content hash: [finding dicts]} written by this run
        self._used = {}     # index key -> content hashes this run looked up or added
        self._index_keys = {}  # settings -> index key

    def key(self, data, settings):
        """(index key, content hash): the index holds the tool and settings part."""
        index = self._index_keys.get(settings)
        if index is None:
            index = self._index_keys[settings] = hashlib.sha256(
                self.salt.encode() + b"\0" + repr(settings).encode()).hexdigest()
        return index, hashlib.sha256(data).hexdigest()

    def _path(self, name):
        return os.path.join(self.directory, name + ".json")

    def _read(self, name, check):
        """The JSON object in ``name`` whose "key" is ``check``, or None."""
        try:
            data, _ = files.read(self._path(name))
            digest, _, body = data.partition(b"\n")
            if digest != hashlib.sha256(body).hexdigest().encode():
                return None
            entry = json.loads(body)
        except (files.ReadError, ValueError, RecursionError):
            return None
        return entry if isinstance(entry, dict) and entry.get("key") == check else None

    def _index(self, index_key):
        entries = self._indexes.get(index_key)
        if entries is None:
            entry = self._read(index_key, index_key)
            entries = entry.get("files") if entry else None
            if not isinstance(entries, dict):
                entries = {}
            self._indexes[index_key] = entries
        return entries

    def get(self, key):
        """The cached findings, or None."""
        index_key, digest = key
        self._used.setdefault(index_key, set()).add(digest)
        found = self._index(index_key).get(digest)
        if not isinstance(found, list):
            return None
        try:
            return [Finding.from_dict(f) for f in found]
        except (KeyError, TypeError, ValueError, AttributeError):
            return None

    def put(self, key, findings):
        index_key, digest = key
        rows = [f.as_dict() for f in findings]
        self._index(index_key)[digest] = rows
        self._added.setdefault(index_key, {})[digest] = rows
        self._used.setdefault(index_key, set()).add(digest)

    def write(self):
        """Write the indexes this run added to; a cache that cannot be written is only slower."""
        for index_key, added in self._added.items():
            # Another run may have written the index since it was read: keep its entries too.
            entry = self._read(index_key, index_key)
            entries = entry.get("files") if entry else None
            entries = dict(entries) if isinstance(entries, dict) else {}
            entries.update(added)
            if len(entries) > MAX_ENTRIES:
                used = self._used.get(index_key, set())
                entries = {k: v for k, v in entries.items() if k in used}
            self._write(index_key, {"key": index_key, "files": entries})
        self._added = {}

    def rules(self):
        """{code: the prefilter's spec} of every rule of this tool, as a run of it recorded
        them (tfcompat.lint.analysis.prefilter.spec), or None."""
        entry = self._read("rules-" + self.salt[:32], self.salt)
        found = entry.get("rules") if entry else None
        if not isinstance(found, dict) or not found:
            return None

        def names(value):
            return tuple(tuple(t) if isinstance(t, list) else t for t in value)

        try:
            return {code: (names(tokens), names(modules), bool(called))
                    for code, (tokens, modules, called) in found.items()}
        except (TypeError, ValueError):
            return None

    def put_rules(self, specs):
        self._write("rules-" + self.salt[:32], {"key": self.salt, "rules": specs})

    def _write(self, name, obj):
        try:
            self._prepare()
            fd, tmp = tempfile.mkstemp(dir=self.directory, suffix=".tmp")
            try:
                body = json.dumps(obj, separators=(",", ":")).encode()
                with os.fdopen(fd, "wb") as handle:
                    handle.write(hashlib.sha256(body).hexdigest().encode() + b"\n" + body)
                os.replace(tmp, self._path(name))
            except BaseException:
                try:
                    os.unlink(tmp)
                except OSError:
                    pass
                raise
        except OSError:
            pass

    def _prepare(self):
        if os.path.isdir(self.directory):
            return
        os.makedirs(self.directory, exist_ok=True)
        # Keep the cache out of git and out of backups, as other tools' caches do.
        with open(os.path.join(self.directory, ".gitignore"), "w") as handle:
            handle.write("*\n")
        with open(os.path.join(self.directory, "CACHEDIR.TAG"), "w") as handle:
            handle.write("Signature: 8a477f597d28d172789f06886806bc55\n"
                         "# This directory is the cache of tfcompat lint.\n")

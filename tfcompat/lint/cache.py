"""Results cache: one JSON file per (tool, settings, file content), written atomically.

The key holds the tool version, a hash of the linter's own source (so an edited rule never
reads stale results), the file's effective settings and the hash of its bytes: a file's path
is not part of it, and a moved or copied file hits. Unreadable or corrupt entries are misses.
"""
import hashlib
import json
import os
import tempfile

import tfcompat
from tfcompat.lint.rule import Finding

ENV = "TFCOMPAT_CACHE_DIR"
DIRNAME = ".tfcompat_cache"


def default_dir():
    return os.environ.get(ENV) or os.path.join(os.getcwd(), DIRNAME)


def salt():
    """The tool version and the hash of every module of the linter."""
    digest = hashlib.sha256(tfcompat.__version__.encode())
    root = os.path.dirname(os.path.abspath(__file__))
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted(filenames):
            if name.endswith(".py"):
                with open(os.path.join(dirpath, name), "rb") as handle:
                    digest.update(name.encode() + b"\0" + handle.read())
    return digest.hexdigest()


class Cache:
    def __init__(self, directory, salt_):
        self.directory = directory
        self.salt = salt_

    def key(self, data, settings):
        digest = hashlib.sha256(self.salt.encode())
        digest.update(repr(settings).encode())
        digest.update(hashlib.sha256(data).digest())
        return digest.hexdigest()

    def _path(self, key):
        return os.path.join(self.directory, key[:2], key + ".json")

    def get(self, key):
        """The cached findings, or None."""
        try:
            with open(self._path(key), "rb") as handle:
                entry = json.load(handle)
            if entry.get("key") != key:
                return None
            return [Finding.from_dict(f) for f in entry["findings"]]
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None

    def put(self, key, findings):
        path = self._path(key)
        try:
            self._prepare(os.path.dirname(path))
            fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), suffix=".tmp")
            with os.fdopen(fd, "w") as handle:
                json.dump({"key": key, "findings": [f.as_dict() for f in findings]}, handle)
            os.replace(tmp, path)
        except OSError:
            pass  # a cache that cannot be written is only slower

    def _prepare(self, subdir):
        if os.path.isdir(subdir):
            return
        if not os.path.isdir(self.directory):
            os.makedirs(self.directory, exist_ok=True)
            # Keep the cache out of git and out of backups, as other tools' caches do.
            with open(os.path.join(self.directory, ".gitignore"), "w") as handle:
                handle.write("*\n")
            with open(os.path.join(self.directory, "CACHEDIR.TAG"), "w") as handle:
                handle.write("Signature: 8a477f597d28d172789f06886806bc55\n"
                             "# This directory is the cache of tfcompat lint.\n")
        os.makedirs(subdir, exist_ok=True)

"""Files: which ones to lint, reading them as Python source, writing fixes back safely."""
import dataclasses
import errno
import io
import os
import stat
import subprocess
import tempfile
import tokenize


class ReadError(Exception):
    """The file cannot be read or written (TFC901)."""


class DecodeError(Exception):
    """The bytes are not text in the file's encoding (TFC903)."""

    def __init__(self, message, line=1):
        super().__init__(message)
        self.line = line


@dataclasses.dataclass(frozen=True)
class Source:
    text: str
    encoding: str  # as tokenize names it: "utf-8-sig" keeps a BOM, a cookie's codec otherwise

    def encode(self, text):
        return text.encode(self.encoding)


def _describe(exc):
    if exc.errno == errno.ELOOP:
        return "symlink loop (%s)" % exc.strerror
    return exc.strerror or str(exc)


def read(path):
    """(bytes, os.stat_result) of a regular file; ReadError otherwise.

    Opened non-blocking so that a FIFO or device named *.py is refused instead of waited on."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise ReadError(_describe(exc))
    try:
        st = os.fstat(fd)
        if stat.S_ISDIR(st.st_mode):
            raise ReadError("is a directory")
        if not stat.S_ISREG(st.st_mode):
            raise ReadError("not a regular file")
        chunks = []
        while True:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                break
            chunks.append(chunk)
        return b"".join(chunks), st
    except OSError as exc:
        raise ReadError(_describe(exc))
    finally:
        os.close(fd)


def decode(data):
    """Source text the way Python reads it: BOM, PEP 263 cookie, else strict UTF-8."""
    if b"\0" in data:
        raise DecodeError("binary file: it contains NUL bytes")
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as exc:
        if "invalid or missing encoding declaration" not in str(exc):
            raise DecodeError(str(exc).split(" (")[0])  # unknown codec, or cookie against BOM
        encoding = "utf-8"  # bytes that are not UTF-8 where a cookie could be: say where
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        hint = "" if encoding != "utf-8" else "; declare the encoding with a coding cookie"
        raise DecodeError("not valid %s at byte %d%s" % (encoding, exc.start, hint), line)
    except (LookupError, UnicodeError, ValueError, TypeError) as exc:
        # A cookie naming a codec that is not bytes -> text (rot13, hex, zlib...) or fails.
        if "not a text encoding" in str(exc):
            raise DecodeError("its coding cookie names %s, which is not a text encoding"
                              % encoding)
        raise DecodeError("decoding as %s failed: %s" % (encoding, " ".join(str(exc).split())))
    if encoding not in ("utf-8", "utf-8-sig"):
        _python_decodes(data, encoding)
    return Source(text, encoding)


def _python_decodes(data, encoding):
    """DecodeError where Python itself would not read these bytes in this encoding: some codecs
    decode the whole file here but not the way the interpreter reads source (punycode)."""
    import ast
    import warnings

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(data, "<source>", "exec", ast.PyCF_ONLY_AST, dont_inherit=True)
    except SyntaxError as exc:
        if not exc.lineno:  # a decoding error; a syntax error has a line
            raise DecodeError("Python cannot read it as %s: %s"
                              % (encoding, " ".join(str(exc.msg).split())))
    except (ValueError, MemoryError, RecursionError):
        pass  # the parse decides


def write_atomic(path, data, expected):
    """Replace the file behind ``path`` by ``data`` in one rename, keeping its mode and owner.

    ``expected`` is the stat taken when the file was read: a file changed since is left alone.
    A symlink is followed, so the link stays a link."""
    real = os.path.realpath(path)
    try:
        current = os.stat(real)
        if (current.st_mtime_ns, current.st_size) != (expected.st_mtime_ns, expected.st_size):
            raise ReadError("changed while it was being fixed; not written")
        _may_replace(real, current)
        fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(real) + ".",
                                   suffix=".tfcompat-tmp", dir=os.path.dirname(real))
    except OSError as exc:
        raise ReadError("cannot write the fix: %s" % _describe(exc))
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, stat.S_IMODE(current.st_mode))
        if (current.st_uid, current.st_gid) != (os.geteuid(), os.getegid()):
            try:
                os.chown(tmp, current.st_uid, current.st_gid)
            except OSError:
                raise ReadError("it belongs to another user or group, and "
                                "replacing it would make it this user's")
        os.replace(tmp, real)
    except BaseException as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(exc, ReadError):
            raise
        if isinstance(exc, OSError):
            raise ReadError("cannot write the fix: %s" % _describe(exc))
        raise


def _may_replace(real, current):
    """ReadError where replacing the file would do what its owner did not allow: a file
    without write permission (read-only, even to root, as editors treat it), or one with
    other hard links, which a rename would split from this one (the twin keeping the old
    text); writing in place instead could leave it half-written."""
    if not current.st_mode & 0o222 or not os.access(real, os.W_OK):
        raise ReadError("the file is read-only")
    if current.st_nlink > 1:
        raise ReadError("the file has %d hard links, which replacing it "
                        "would split" % current.st_nlink)


# ------------------------------------------------------------------------------ discovery
@dataclasses.dataclass(frozen=True)
class Found:
    path: str       # as given or joined below what was given
    display: str    # the same, normalised, as reports show it
    error: str = ""  # why it cannot be linted (TFC901), when it cannot


def discover(paths, project_for, force_exclude=False):
    """Python files and notebooks under ``paths`` (what the project's include patterns name),
    sorted and without duplicates.

    Directories are walked (``git ls-files`` inside a git work tree, so .gitignore holds),
    skipping what the nearest project's exclude patterns name below the given directory; a
    file given by name is always linted, unless ``force_exclude``: then the excludes apply to
    the names given too (tools such as pre-commit pass every file by name).
    ``project_for(directory)`` gives the project."""
    found, seen = [], set()

    def add(path, error=""):
        key = _identity(path)
        if key not in seen:
            seen.add(key)
            found.append(Found(path, os.path.normpath(path), error))

    for top in paths:
        if not os.path.lexists(top):
            add(top, os.strerror(errno.ENOENT))
        elif force_exclude and excluded_by_name(top, project_for):
            continue
        elif os.path.isdir(top):
            for path, error in _walk(top, project_for):
                add(path, error)
        else:
            add(top)
    return sorted(found, key=lambda f: f.display)


def _identity(path):
    """What tells two paths to one file apart: its device and inode (one stat, where resolving
    the path would take one per directory above it), else its resolved path."""
    try:
        st = os.stat(path)
        return st.st_dev, st.st_ino
    except (OSError, ValueError):
        return os.path.realpath(path)


def excluded_by_name(path, project_for):
    project = project_for(os.path.dirname(os.path.abspath(path)))
    return project.excluded(path, project.root)


def _walk(top, project_for):
    listed = _git_files(top)
    if listed is not None:
        for rel in listed:
            path = os.path.join(top, rel)
            if not os.path.lexists(path):
                continue
            project = project_for(os.path.dirname(os.path.abspath(path)))
            if project.included(path, top) and not project.excluded(path, top):
                yield path, ""
        return
    errors = []
    for dirpath, dirnames, filenames in os.walk(top, onerror=errors.append):
        project = project_for(os.path.abspath(dirpath))
        rel = os.path.relpath(dirpath, top).replace(os.sep, "/").split("/")
        rel = [p for p in rel if p not in ("", ".")]  # once per directory, not per file
        dirnames[:] = sorted(d for d in dirnames
                             if not project.excluded(os.path.join(dirpath, d), top, rel + [d]))
        for name in sorted(filenames):
            path = os.path.join(dirpath, name)
            if project.included(path, top) and not project.excluded(path, top, rel + [name]):
                yield path, ""
    for exc in errors:
        yield exc.filename, _describe(exc)


def _git_files(top):
    """Files git would track under ``top`` (tracked + untracked, not ignored); None outside git."""
    try:
        proc = subprocess.run(
            ["git", "-C", top, "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, timeout=60)
    except (OSError, subprocess.SubprocessError):
        return None
    if proc.returncode != 0:
        return None
    return sorted(set(os.fsdecode(p) for p in proc.stdout.split(b"\0") if p))

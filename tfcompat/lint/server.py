"""`tfcompat server`: the linter as a Language Server Protocol server over stdio (pygls 2).

An editor gets, for each open Python file: diagnostics from its text in the editor (not the
file on disk) on open and save, and DEBOUNCE seconds after the last change; a quick fix per
fixable finding ("Fix TFC401: ..."; an unsafe one only where `unsafe-fixes` is configured, and
labelled so), "Disable TFC401 for this line" (a `# noqa: TFC401`), and `source.fixAll.tfcompat`.

A text is linted the way `tfcompat lint --stdin-filename PATH -` lints it (``lint``): the settings
of the file's `[tool.tfcompat]` (read again for every lint), and a worker process for the parse,
so a text that crashes the parser is a TFC904 diagnostic, not a dead server. Lints run on a
thread, one at a time per document, on the newest text; a code action request waits for the
lint of the current text at most ANSWER_WITHIN seconds, then answers with what it has.
"""
import asyncio
import bisect
import dataclasses
import io
import logging
import os
import re
import sys
import threading
import tokenize
import urllib.parse
from typing import Optional

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path

import tfcompat
from tfcompat.lint.driver import cli, config, files, report, workers
from tfcompat.lint.engine import noqa
from tfcompat.lint.engine.results import UNSAFE

FIX_ALL = "source.fixAll.tfcompat"
DEBOUNCE = 0.3      # seconds after the last change before a lint starts
ANSWER_WITHIN = 0.5  # seconds a code action request waits for the current text's lint
_LINE_ENDS = re.compile(r"\r\n|\r|\n")  # the line ends of LSP, and of libcst's positions
logger = logging.getLogger(__name__)


def encode(text):
    """The bytes of a file holding ``text``: in the codec its coding cookie names (the engine
    decodes them as it would the file's), else UTF-8."""
    head = "".join(_LINE_ENDS.split(text, 2)[:2])
    try:
        encoding, _ = tokenize.detect_encoding(
            io.BytesIO((head + "\n").encode("utf-8", "replace")).readline)
        return text.encode("utf-8" if encoding == "utf-8-sig" else encoding)
    except (SyntaxError, LookupError, UnicodeError):
        # No such codec, or a character it cannot hold: the engine says what is wrong.
        return text.encode("utf-8", "surrogatepass")


def lint(path, text, mode="check"):
    """The FileResult of ``text`` standing for the file ``path`` ("check"; "fix": its
    ``output`` holds the fixed bytes), or None when the file's `exclude` settings name it.
    Raises config.ConfigError."""
    if files.excluded_by_name(path, config.Resolver().project_for):
        return None
    tasks, table = cli.plan([path], config.Options(), stdin=encode(text), display=path)
    return workers.run(tasks, table, mode, jobs=1)[0]


class Lines:
    """Positions in a text: tfcompat's (1-based lines and columns in code points, or character
    offsets) as LSP's (0-based lines, columns in the negotiated code units)."""

    def __init__(self, text, units):
        self.text, self.units = text, units  # units(str): its length in the client's units
        self.lines = _LINE_ENDS.split(text)
        self.starts = [0] + [m.end() for m in _LINE_ENDS.finditer(text)]

    def position(self, line, col):
        if line > len(self.lines):
            return types.Position(len(self.lines) - 1, self.units(self.lines[-1]))
        return types.Position(line - 1, self.units(self.lines[line - 1][:max(col - 1, 0)]))

    def range(self, line, col, end_line, end_col):
        return types.Range(self.position(line, col), self.position(end_line, end_col))

    def at(self, offset):
        line = bisect.bisect_right(self.starts, offset)
        return self.position(line, offset - self.starts[line - 1] + 1)


def text_edit(old, new, units):
    """One TextEdit turning ``old`` into ``new``: the span between their common start and end
    (never between the CR and LF of a line end)."""
    start = len(os.path.commonprefix([old, new]))
    same_end = len(os.path.commonprefix([old[start:][::-1], new[start:][::-1]]))
    end_old, end_new = len(old) - same_end, len(new) - same_end
    if 0 < start < len(old) and old[start - 1] == "\r" and old[start] == "\n":
        start -= 1
    if 0 < end_old < len(old) and old[end_old - 1] == "\r" and old[end_old] == "\n":
        end_old, end_new = end_old + 1, end_new + 1
    lines = Lines(old, units)
    return types.TextEdit(types.Range(lines.at(start), lines.at(end_old)), new[start:end_new])


def diagnostic(finding, lines, docs=None):
    """The Diagnostic of a finding; ``docs``: the documentation URL (see report.sarif)."""
    return types.Diagnostic(
        range=lines.range(finding.line, finding.col, finding.end_line, finding.end_col),
        message=report.with_help(finding),
        severity=(types.DiagnosticSeverity.Error if finding.is_error
                  else types.DiagnosticSeverity.Warning),
        code=finding.code, source="tfcompat",
        code_description=types.CodeDescription("%s#%s" % (docs, finding.code.lower()))
        if docs else None)


def fix_title(finding):
    return "Fix %s: %s%s" % (finding.code, finding.help or finding.message,
                             " (unsafe fix)" if finding.fix.applicability == UNSAFE else "")


@dataclasses.dataclass
class Linted:
    """A document's text and what linting it gave."""
    version: Optional[int]
    text: str
    findings: list
    diagnostics: list


class TfcompatServer(LanguageServer):
    def __init__(self):
        super().__init__("tfcompat", tfcompat.__version__,
                         text_document_sync_kind=types.TextDocumentSyncKind.Full)
        self.linted = {}   # uri -> Linted, the newest lint of the document
        self._locks = {}   # uri -> asyncio.Lock: one lint at a time per document
        self._timers = {}  # uri -> the pending debounced lint
        self._tasks = set()
        self._linted = {}  # uri -> asyncio.Event set when a lint of the document ends
        self.docs = report.documentation_url()

    # ------------------------------------------------------------------ documents
    def path_of(self, uri):
        path = to_fs_path(uri) if uri.startswith("file:") else None
        if path is None:  # unsaved: settings as for a file in the workspace's root
            root = self.workspace.root_path or os.getcwd()
            path = os.path.join(root, "untitled.py")
        return path

    def document(self, uri):
        """The open document ``uri`` (pygls keys them unquoted), or None."""
        return self.workspace.text_documents.get(urllib.parse.unquote(uri))

    def units(self, text):
        return self.workspace.position_codec.client_num_units(text)

    def schedule(self, uri, delay):
        pending = self._timers.pop(uri, None)
        if pending is not None:
            pending.cancel()
        self._timers[uri] = asyncio.get_running_loop().call_later(
            delay, self._start, uri)

    def _start(self, uri):
        self._timers.pop(uri, None)
        task = asyncio.ensure_future(self.lint_document(uri))
        self._tasks.add(task)  # the loop keeps only a weak reference
        task.add_done_callback(self._finished)

    def _finished(self, task):
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            logger.error("lint failed", exc_info=task.exception())

    def forget(self, uri):
        pending = self._timers.pop(uri, None)
        if pending is not None:
            pending.cancel()
        self.linted.pop(uri, None)
        self._locks.pop(uri, None)
        self._linted.pop(uri, None)
        self.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))

    async def lint_document(self, uri):
        """Lint the document's newest text, unless that is done already; publish and return
        its Linted (None: the document is not open)."""
        lock = self._locks.setdefault(uri, asyncio.Lock())
        async with lock:
            document = self.document(uri)
            if document is None:
                return None
            text, version = document.source, document.version
            done = self.linted.get(uri)
            if done is not None and done.version == version and done.text == text:
                return done
            findings, diagnostics = await _off_loop(self._check, uri, text)
            if self.document(uri) is None:
                return None  # closed meanwhile
            done = self.linted[uri] = Linted(version, text, findings, diagnostics)
            self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(
                uri=uri, version=version, diagnostics=diagnostics))
            self._linted.pop(uri, asyncio.Event()).set()
            return done

    def _check(self, uri, text):
        """(findings, their diagnostics) of ``text`` (on a lint thread: thousands of findings
        are not the event loop's to convert)."""
        result, failure = self._lint(uri, text, "check")
        lines = Lines(text, self.units)
        findings = result.findings if result is not None else []
        diagnostics = [diagnostic(f, lines, self.docs) for f in findings]
        if failure is not None:
            diagnostics.append(types.Diagnostic(
                range=types.Range(types.Position(0, 0), types.Position(0, 0)),
                message=failure, severity=types.DiagnosticSeverity.Error, source="tfcompat"))
        return findings, diagnostics

    def _lint(self, uri, text, mode):
        """(FileResult or None, None), or (None, what is wrong with the settings)."""
        try:
            return lint(self.path_of(uri), text, mode), None
        except config.ConfigError as exc:
            return None, "tfcompat: %s" % exc

    async def current(self, uri):
        """The Linted of the document's current text, waiting ANSWER_WITHIN seconds at most for
        its lint (the debounced one, when one is due: a request does not start another); None
        when there is none by then."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + ANSWER_WITHIN
        while True:
            document, done = self.document(uri), self.linted.get(uri)
            if document is None:
                return None
            if done is not None and (done.version, done.text) == (document.version,
                                                                   document.source):
                return done
            lock = self._locks.get(uri)
            if uri not in self._timers and not (lock and lock.locked()):
                self._start(uri)  # nothing would lint this text otherwise
            linted = self._linted.setdefault(uri, asyncio.Event())
            try:
                await asyncio.wait_for(linted.wait(), max(0.0, deadline - loop.time()))
            except asyncio.TimeoutError:
                return None

    # ------------------------------------------------------------------ code actions
    def workspace_edit(self, uri, version, edits):
        documents = self.client_capabilities.workspace
        documents = documents and documents.workspace_edit
        if documents and documents.document_changes:
            return types.WorkspaceEdit(document_changes=[types.TextDocumentEdit(
                text_document=types.OptionalVersionedTextDocumentIdentifier(uri=uri,
                                                                            version=version),
                edits=edits)])
        return types.WorkspaceEdit(changes={uri: edits})

    def resolves_edits(self):
        text_document = self.client_capabilities.text_document
        action = text_document and text_document.code_action
        support = action and action.resolve_support
        return bool(support and "edit" in support.properties)

    def quick_fixes(self, uri, done, wanted):
        """The quick fixes for the findings whose ranges meet ``wanted`` (a Range)."""
        actions = []
        lines = Lines(done.text, self.units)
        for finding, diag in zip(done.findings, done.diagnostics):
            if not _meets(diag.range, wanted):
                continue
            if finding.fixable:
                edits = [types.TextEdit(lines.range(*e.location, *e.end_location), e.content)
                         for e in finding.fix.edits]
                actions.append(types.CodeAction(
                    title=fix_title(finding), kind=types.CodeActionKind.QuickFix,
                    diagnostics=[diag], is_preferred=finding.fix.applicability != UNSAFE,
                    edit=self.workspace_edit(uri, done.version, edits)))
            if noqa.targets([finding]):
                new, added, _ = noqa.add(done.text, [finding])
                if added:
                    actions.append(types.CodeAction(
                        title="Disable %s for this line" % finding.code,
                        kind=types.CodeActionKind.QuickFix, diagnostics=[diag],
                        edit=self.workspace_edit(uri, done.version,
                                                 [text_edit(done.text, new, self.units)])))
        return actions

    def fix_all(self, uri, done):
        """The source.fixAll action, without its edit (see fix_all_edit)."""
        return types.CodeAction(title="tfcompat: fix all fixable findings", kind=FIX_ALL,
                                data={"uri": uri, "version": done.version})

    async def fix_all_edit(self, action):
        """``action`` with the edit of `tfcompat lint --fix` on the document's text (none when
        the text changed since the action was offered, or nothing is fixed)."""
        uri, version = action.data["uri"], action.data["version"]
        document = self.document(uri)
        if document is None or document.version != version:
            return action
        text = document.source
        result, failure = await _off_loop(self._lint, uri, text, "fix")
        if result is None or result.output is None:
            return action
        for note in result.notes:
            self.window_log_message(types.LogMessageParams(
                types.MessageType.Warning, "tfcompat: %s: %s" % (result.display, note)))
        try:
            new = files.decode(result.output).text
        except files.DecodeError:
            return action
        if new != text:
            action.edit = self.workspace_edit(uri, version, [text_edit(text, new, self.units)])
        return action


def _off_loop(function, *args):
    """A future of ``function(*args)`` run on a thread of its own: a daemon thread, so that
    `exit` ends the server at once, whatever lint is running (its worker process then ends
    itself: tfcompat.lint.driver.lifeline)."""
    loop = asyncio.get_running_loop()
    future = loop.create_future()

    def settle(result, error):
        if not future.done():
            future.set_exception(error) if error is not None else future.set_result(result)

    def run():
        try:
            outcome = (function(*args), None)
        except BaseException as exc:  # handed to the awaiting coroutine
            outcome = (None, exc)
        try:
            loop.call_soon_threadsafe(settle, *outcome)
        except RuntimeError:  # the loop is closed: the server is exiting
            pass

    threading.Thread(target=run, name="tfcompat-lint", daemon=True).start()
    return future


def _meets(a, b):
    """Whether two ranges share a position (an empty range meets what it touches)."""
    return (a.start.line, a.start.character) <= (b.end.line, b.end.character) and (
        b.start.line, b.start.character) <= (a.end.line, a.end.character)


def _wants(only, kind):
    return only is None or any(kind == k or kind.startswith(k + ".") for k in only)


def build():
    """The server, its features registered."""
    server = TfcompatServer()

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    async def did_open(ls: TfcompatServer, params: types.DidOpenTextDocumentParams):
        ls.schedule(params.text_document.uri, 0)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    async def did_change(ls: TfcompatServer, params: types.DidChangeTextDocumentParams):
        ls.schedule(params.text_document.uri, DEBOUNCE)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    async def did_save(ls: TfcompatServer, params: types.DidSaveTextDocumentParams):
        ls.schedule(params.text_document.uri, 0)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    async def did_close(ls: TfcompatServer, params: types.DidCloseTextDocumentParams):
        ls.forget(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_CODE_ACTION, types.CodeActionOptions(
        code_action_kinds=[types.CodeActionKind.QuickFix, FIX_ALL], resolve_provider=True))
    async def code_action(ls: TfcompatServer, params: types.CodeActionParams):
        uri = params.text_document.uri
        done = await ls.current(uri)
        if done is None:
            return []
        only = params.context.only
        actions = []
        if _wants(only, types.CodeActionKind.QuickFix):
            actions += ls.quick_fixes(uri, done, params.range)
        if _wants(only, FIX_ALL) and any(f.fixable for f in done.findings):
            action = ls.fix_all(uri, done)
            actions.append(action if ls.resolves_edits() else await ls.fix_all_edit(action))
        return actions

    @server.feature(types.CODE_ACTION_RESOLVE)
    async def resolve(ls: TfcompatServer, action: types.CodeAction):
        if action.kind == FIX_ALL and action.edit is None and action.data:
            return await ls.fix_all_edit(action)
        return action

    return server


def _load():
    from tfcompat.lint import libcst_lazy

    workers.rule_specs()
    libcst_lazy.load()


def main():
    logging.basicConfig(level=logging.WARNING, format="tfcompat server: %(message)s")
    # The protocol gets its own copies of stdin and stdout; the names point elsewhere. A worker
    # process (tfcompat.lint.driver.workers) closes sys.stdin when it starts: that must not wait on
    # the lock that the thread reading the protocol holds. Nothing else may write on the protocol.
    protocol_in = os.fdopen(os.dup(0), "rb")
    protocol_out = os.fdopen(os.dup(1), "wb")
    sys.stdin = open(os.devnull)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    # The rules (and libcst) load while the editor starts up, not at the first file's lint.
    threading.Thread(target=_load, name="tfcompat-load", daemon=True).start()
    build().start_io(protocol_in, protocol_out)
    return 0

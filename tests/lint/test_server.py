"""`tfcompat server`: a real LSP client (pytest-lsp, on pygls) drives the real server process.

Every wait is bounded (WAIT seconds); each test ends the server with shutdown/exit, and the
worker processes it started are gone once it has exited.
"""
import asyncio
import os
import re
import subprocess
import sys
import textwrap

import pytest
from lint_helpers import GET_NEXT, GET_NEXT_FIXED, run_tfcompat

pytest_lsp = pytest.importorskip("pytest_lsp", reason="pytest-lsp (the lint cell has it)")
from lsprotocol import types  # noqa: E402 (pytest-lsp brings it)
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities  # noqa: E402

pytestmark = pytest.mark.asyncio
WAIT = 60  # seconds: the longest any one answer may take (a cold worker on a busy machine)
ENV = {k: v for k, v in os.environ.items() if k != "TFCOMPAT_CACHE_DIR"}
ENV["PYTHONWARNINGS"] = "ignore"

BOTH = textwrap.dedent("""\
    import tensorflow as tf
    it = ds.make_one_shot_iterator()
    while True:
        x = sess.run(it.get_next())
    """)
UNSAFE_ONLY = textwrap.dedent("""\
    import tensorflow as tf
    ds = tf.data.Dataset.range(10)
    ds = ds.repeat().shuffle(10)
    """)
DEEP = "x = " + "(" * 10000 + "ds.make_one_shot_iterator()" + ")" * 10000 + "\n"


@pytest_lsp.fixture(config=ClientServerConfig(
    server_command=[sys.executable, "-m", "tfcompat", "server"], server_env=ENV))
async def client(lsp_client: LanguageClient):
    yield
    if lsp_client._server.returncode is None:  # the test did not end it itself
        await asyncio.wait_for(lsp_client.shutdown_session(), WAIT)


async def start(client, root, editor="visual-studio-code"):
    result = await asyncio.wait_for(client.initialize_session(types.InitializeParams(
        capabilities=client_capabilities(editor), root_uri=root.as_uri(),
        workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name="project")])), WAIT)
    return result


def project(tmp_path, settings=""):
    (tmp_path / "pyproject.toml").write_text("[tool.tfcompat]\n" + settings)
    return tmp_path


async def diagnostics_for(client, uri, version):
    """The diagnostics published for ``version`` of the document (waiting WAIT at most)."""
    async def wait():
        while True:
            params = await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
            if params.uri == uri and params.version == version:
                return list(params.diagnostics)
    return await asyncio.wait_for(wait(), WAIT)


async def open_doc(client, path, text, version=1):
    uri = path.as_uri()
    waiting = asyncio.ensure_future(diagnostics_for(client, uri, version))
    client.text_document_did_open(types.DidOpenTextDocumentParams(types.TextDocumentItem(
        uri=uri, language_id="python", version=version, text=text)))
    return uri, await waiting


async def change(client, uri, text, version):
    waiting = asyncio.ensure_future(diagnostics_for(client, uri, version))
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
        content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)]))
    return await waiting


async def actions(client, uri, rng, only=None):
    return await asyncio.wait_for(client.text_document_code_action_async(types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=uri), range=rng,
        context=types.CodeActionContext(diagnostics=[], only=only))), WAIT)


def offset(text, position):
    """The character offset of an LSP position in UTF-16 units (VS Code's encoding)."""
    lines = re.findall(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$", text)
    before = sum(len(line) for line in lines[:position.line])
    line = lines[position.line] if position.line < len(lines) else ""
    units = 0
    for i, char in enumerate(line):
        if units >= position.character:
            return before + i
        units += 2 if ord(char) > 0xFFFF else 1
    return before + len(line)


def apply(text, edit, uri):
    """``text`` with a WorkspaceEdit's edits of ``uri`` applied, as an editor applies them."""
    if edit.document_changes is not None:
        edits = [e for change in edit.document_changes if change.text_document.uri == uri
                 for e in change.edits]
    else:
        edits = edit.changes[uri]
    spans = sorted(((offset(text, e.range.start), offset(text, e.range.end), e.new_text)
                    for e in edits), reverse=True)
    for start, end, new in spans:
        text = text[:start] + new + text[end:]
    return text


def fixed_by_cli(tmp_path, text, *args):
    """What `tfcompat lint --fix` makes of ``text`` as a file of the same project."""
    path = tmp_path / "cli_copy.py"
    path.write_bytes(text.encode())
    run_tfcompat("lint", path.name, "--fix", "--no-cache", *args, cwd=tmp_path)
    return path.read_bytes().decode()


def whole(text):
    return types.Range(types.Position(0, 0), types.Position(len(text.splitlines()), 0))


async def test_diagnostics_come_from_the_editors_text_with_lsp_ranges(client, tmp_path):
    root = project(tmp_path, 'target-tf = "1.15"\n')
    info = await start(client, root)
    assert info.server_info.name == "tfcompat"
    path = root / "model.py"
    path.write_text("x = 1\n")  # the file on disk is clean: the editor's text is linted
    uri, found = await open_doc(client, path, BOTH)
    assert [(d.code, d.source, d.severity) for d in found] == [
        ("TFC401", "tfcompat", types.DiagnosticSeverity.Warning),
        ("TFC102", "tfcompat", types.DiagnosticSeverity.Warning)]
    # `tfcompat lint` says 2:9-2:31 and 4:18-4:31 (1-based); LSP counts from 0.
    assert [(d.range.start.line, d.range.start.character, d.range.end.line,
             d.range.end.character) for d in found] == [(1, 8, 1, 30), (3, 17, 3, 30)]
    assert found[0].message == ("`.make_one_shot_iterator()` is gone in TF 2; call "
                                "tf.compat.v1.data.make_one_shot_iterator(dataset)")


async def test_a_quick_fix_gives_what_lint_fix_gives(client, tmp_path):
    root = project(tmp_path)
    await start(client, root)
    uri, [found] = await open_doc(client, root / "loop.py", GET_NEXT)
    offered = await actions(client, uri, found.range)
    assert [(a.title, a.kind) for a in offered] == [
        ("Fix TFC102: build `get_next()` once, before the loop, and run that tensor in it",
         "quickfix"),
        ("Disable TFC102 for this line", "quickfix"),
        ("tfcompat: fix all fixable findings", "source.fixAll.tfcompat")]
    fix, disable, _ = offered
    assert fix.kind == types.CodeActionKind.QuickFix and fix.is_preferred
    assert fix.diagnostics[0].code == "TFC102"
    assert apply(GET_NEXT, fix.edit, uri) == fixed_by_cli(tmp_path, GET_NEXT) == GET_NEXT_FIXED
    assert apply(GET_NEXT, disable.edit, uri) == GET_NEXT.replace(
        "it.get_next())\n", "it.get_next())  # noqa: TFC102\n")
    # A range away from the finding gets no quick fix for it.
    assert [a.kind for a in await actions(client, uri, types.Range(
        types.Position(0, 0), types.Position(0, 3)))] == ["source.fixAll.tfcompat"]


async def test_fix_all_gives_what_lint_fix_gives(client, tmp_path):
    root = project(tmp_path, 'target-tf = "2.0"\n')
    await start(client, root)
    uri, found = await open_doc(client, root / "both.py", BOTH)
    assert len(found) == 2
    [action] = await actions(client, uri, whole(BOTH), only=["source.fixAll"])
    assert action.kind == "source.fixAll.tfcompat"
    if action.edit is None:  # VS Code resolves the edit when the action is chosen
        action = await asyncio.wait_for(client.code_action_resolve_async(action), WAIT)
    fixed = apply(BOTH, action.edit, uri)
    assert fixed == fixed_by_cli(tmp_path, BOTH) != BOTH
    # Only the source action was asked for: no quick fixes came with it.
    assert not [a for a in await actions(client, uri, whole(BOTH), only=["quickfix"])
                if a.kind != types.CodeActionKind.QuickFix]


async def test_a_client_that_does_not_resolve_gets_the_edit_at_once(client, tmp_path):
    root = project(tmp_path)
    capabilities = client_capabilities("visual-studio-code")
    capabilities.text_document.code_action.resolve_support = None
    await asyncio.wait_for(client.initialize_session(types.InitializeParams(
        capabilities=capabilities, root_uri=root.as_uri())), WAIT)
    uri, _ = await open_doc(client, root / "loop.py", GET_NEXT)
    [action] = await actions(client, uri, whole(GET_NEXT), only=["source.fixAll.tfcompat"])
    assert apply(GET_NEXT, action.edit, uri) == GET_NEXT_FIXED


async def test_crlf_text_is_fixed_as_lint_fix_fixes_it(client, tmp_path):
    root = project(tmp_path, 'target-tf = "2.0"\n')
    await start(client, root)
    text = BOTH.replace("\n", "\r\n")
    uri, found = await open_doc(client, root / "crlf.py", text)
    assert [(d.code, d.range.start.line, d.range.start.character) for d in found] == [
        ("TFC401", 1, 8), ("TFC102", 3, 17)]
    [action] = await actions(client, uri, whole(text), only=["source.fixAll"])
    if action.edit is None:
        action = await asyncio.wait_for(client.code_action_resolve_async(action), WAIT)
    fixed = apply(text, action.edit, uri)
    assert fixed == fixed_by_cli(tmp_path, text) and "\r\n" in fixed and "\n\n" not in fixed


async def test_did_change_lints_again(client, tmp_path):
    root = project(tmp_path)
    await start(client, root)
    uri, found = await open_doc(client, root / "loop.py", GET_NEXT)
    assert [d.code for d in found] == ["TFC102"]
    assert await change(client, uri, GET_NEXT_FIXED, 2) == []
    again = await change(client, uri, "\n\n" + GET_NEXT, 3)
    assert [(d.code, d.range.start.line) for d in again] == [("TFC102", 5)]
    # Code actions answer for the newest text.
    fix = (await actions(client, uri, again[0].range))[0]
    assert apply("\n\n" + GET_NEXT, fix.edit, uri) == "\n\n" + GET_NEXT_FIXED


async def test_columns_count_utf16_units(client, tmp_path):
    root = project(tmp_path)
    await start(client, root)
    text = GET_NEXT.replace("    x = sess.run(", "    y = '\U0001F60B'; x = sess.run(")
    uri, [found] = await open_doc(client, root / "emoji.py", text)
    line = text.splitlines()[3]
    column = line.index("it.get_next")
    # One code point, two UTF-16 units: columns after it move by one more.
    assert (found.range.start.character, found.range.end.character) == (
        column + 1, column + 1 + len("it.get_next()"))
    fix = (await actions(client, uri, found.range))[0]
    assert apply(text, fix.edit, uri) == fixed_by_cli(tmp_path, text)


async def test_a_text_that_crashes_the_parser_is_tfc904_and_the_server_goes_on(client, tmp_path):
    root = project(tmp_path)
    await start(client, root)
    uri, found = await open_doc(client, root / "deep.py", DEEP)
    assert [d.code for d in found] == ["TFC904"]
    assert found[0].severity == types.DiagnosticSeverity.Error
    assert found[0].message.startswith("crashed: the parser process died")
    assert [d.code for d in await change(client, uri, GET_NEXT, 2)] == ["TFC102"]


async def test_unsafe_fixes_only_where_configured_and_labelled(client, tmp_path):
    safe_only, unsafe = tmp_path / "default", tmp_path / "unsafe"
    safe_only.mkdir()
    unsafe.mkdir()
    project(safe_only)
    project(unsafe, "unsafe-fixes = true\n")
    await start(client, tmp_path)
    uri, [found] = await open_doc(client, safe_only / "a.py", UNSAFE_ONLY)
    assert [a.title for a in await actions(client, uri, found.range)] == [
        "Disable TFC501 for this line"]  # and no fix-all: nothing is fixable
    uri, [found] = await open_doc(client, unsafe / "a.py", UNSAFE_ONLY)
    offered = await actions(client, uri, found.range)
    assert offered[0].title.startswith("Fix TFC501: ") and offered[0].title.endswith(
        " (unsafe fix)")
    assert not offered[0].is_preferred
    assert apply(UNSAFE_ONLY, offered[0].edit, uri) == fixed_by_cli(unsafe, UNSAFE_ONLY)


async def test_settings_of_the_files_project(client, tmp_path):
    root = project(tmp_path, 'ignore = ["TFC102"]\nextend-exclude = ["generated"]\n')
    await start(client, root)
    _, found = await open_doc(client, root / "loop.py", GET_NEXT)
    assert found == []
    (root / "generated").mkdir()
    _, found = await open_doc(client, root / "generated" / "both.py", BOTH)
    assert found == []
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "pyproject.toml").write_text("[tool.tfcompat]\nselectt = []\n")
    _, [found] = await open_doc(client, bad / "a.py", GET_NEXT)
    assert "unknown key selectt in [tool.tfcompat]" in found.message
    assert found.severity == types.DiagnosticSeverity.Error


async def test_neovim_position_encoding(client, tmp_path):
    root = project(tmp_path)
    info = await start(client, root, "neovim")
    encoding = info.capabilities.position_encoding
    text = GET_NEXT.replace("    x = sess.run(", "    y = '\u00e9\U0001F60B'; x = sess.run(")
    uri, [found] = await open_doc(client, root / "enc.py", text)
    line = text.splitlines()[3]
    before = line[:line.index("it.get_next")]
    width = {"utf-8": len(before.encode("utf-8")), "utf-16": len(before.encode("utf-16-le")) // 2,
             "utf-32": len(before)}[encoding]
    assert found.range.start.character == width


async def test_closing_clears_the_diagnostics(client, tmp_path):
    root = project(tmp_path)
    await start(client, root)
    uri, found = await open_doc(client, root / "loop.py", GET_NEXT)
    assert found
    waiting = asyncio.ensure_future(asyncio.wait_for(client.wait_for_notification(
        types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS), WAIT))
    client.text_document_did_close(types.DidCloseTextDocumentParams(
        types.TextDocumentIdentifier(uri=uri)))
    cleared = await waiting
    assert (cleared.uri, list(cleared.diagnostics)) == (uri, [])


async def test_exit_during_a_lint_ends_the_server_and_its_worker(client, tmp_path):
    root = project(tmp_path)
    await start(client, root)
    slow = "import tensorflow as tf\n" + "".join(
        "def f%d(sess, ds):\n    it = ds.make_one_shot_iterator()\n    while True:\n"
        "        x = sess.run(it.get_next())\n" % i for i in range(1000))
    client.text_document_did_open(types.DidOpenTextDocumentParams(types.TextDocumentItem(
        uri=(root / "slow.py").as_uri(), language_id="python", version=1, text=slow)))
    server = client._server
    workers = []
    for _ in range(WAIT * 20):  # the lint's worker process, once it is started
        workers = _children(server.pid)
        if workers:
            break
        await asyncio.sleep(0.05)
    assert workers, "no worker process was started"
    await asyncio.wait_for(client.shutdown_session(), WAIT)  # shutdown, exit, wait
    assert server.returncode == 0
    # a worker whose server is gone ends itself (tfcompat.lint.driver.lifeline)
    for _ in range(200):
        if all(_gone(pid) for pid in workers):
            break
        await asyncio.sleep(0.05)
    assert all(_gone(pid) for pid in workers)


def _children(pid):
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open("/proc/%s/stat" % entry) as handle:
                    fields = handle.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                out.append(int(entry))
    return out


def _gone(pid):
    try:
        with open("/proc/%d/stat" % pid) as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] == "Z"  # ended, not yet reaped
    except OSError:
        return True


async def test_without_pygls_the_server_says_what_to_install():
    code = ("import sys; sys.modules['pygls'] = None\n"
            "from tfcompat.cli import main; sys.exit(main(['server']))")
    proc = subprocess.run([sys.executable, "-c", code], stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert "tfcompat server needs pygls 2 (pip install 'tfcompat[server]')" in proc.stderr


def _editor_commands():
    """{editor: the command line its README snippet starts the server with}."""
    import json
    import re

    try:
        import tomllib
    except ImportError:  # Python < 3.11
        import tomli as tomllib
    from lint_helpers import readme_blocks

    [vscode] = [json.loads(b) for b in readme_blocks("json") if "glspc.server.command" in b]
    assert vscode["glspc.server.languageId"] == ["python"]
    [lua] = [b for b in readme_blocks("lua") if "vim.lsp.start" in b]
    [cmd] = re.findall(r"cmd = \{(.*?)\}", lua)
    [helix] = [tomllib.loads(b) for b in readme_blocks("toml") if "language-server" in b]
    [python] = [lang for lang in helix["language"] if lang["name"] == "python"]
    assert "tfcompat" in python["language-servers"]
    server = helix["language-server"]["tfcompat"]
    return {
        "visual-studio-code": [vscode["glspc.server.command"]]
        + vscode["glspc.server.commandArguments"],
        "neovim": re.findall(r'"([^"]*)"', cmd),
        "helix": [server["command"]] + server["args"],
    }


@pytest.mark.parametrize("editor", ["visual-studio-code", "neovim", "helix"])
async def test_the_readme_editor_snippets_start_a_working_server(editor, tmp_path):
    command = _editor_commands()[editor]
    assert command == ["tfcompat", "server"]
    # `tfcompat` on PATH is this interpreter's, as installing tfcompat[server] would give.
    env = dict(ENV, PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"])
    client = await asyncio.wait_for(
        ClientServerConfig(server_command=command, server_env=env).start(), WAIT)
    try:
        capabilities = (client_capabilities(editor) if editor != "helix"
                        else types.ClientCapabilities())  # pytest-lsp has none of Helix's
        root = project(tmp_path)
        await asyncio.wait_for(client.initialize_session(types.InitializeParams(
            capabilities=capabilities, root_uri=root.as_uri())), WAIT)
        _, found = await open_doc(client, root / "loop.py", GET_NEXT)
        assert [d.code for d in found] == ["TFC102"]
        await asyncio.wait_for(client.shutdown_session(), WAIT)
        assert client._server.returncode == 0
    finally:
        await client.stop()

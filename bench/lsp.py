"""The ``lsp`` section: the language server, timed through the real protocol.

For each size, the server runs as a subprocess (``python -m lsp_server`` over stdio) driven by a
pygls client declaring VS Code's main capabilities (work-done progress, pushed diagnostics).
Before the first session, a migration is added at the head of one app: an ``AddIndex`` on one of
its existing models (so the linter reports it), with migrations.toml brought up to date.

Each session measures, from the start of the server's process:

* **start -> first diagnostics**: until the server publishes the opened file's diagnostics (the
  session initializes and opens the file as soon as the process answers);

and from the ``initialized`` notification (the file is opened right after it):

* **first diagnostics**: until the server publishes the opened file's diagnostics;
* **full index**: until the server ends its indexing work-done progress;

then two series of 100 edits sent at a fast typist's pace (one every 50 ms, 20 keystrokes a
second), each timed from its ``didChange`` to the ``publishDiagnostics`` of its version (which
arrives before the next edit is sent), with the default settings (``debounce`` 10 ms):

* **operations**: the index name changes (the file's declarations do not: the index keeps its
  graph; the buffer is linted again, and the finding's message changes);
* **dependencies**: the dependency flips between the app's head and a missing migration (the
  app's graph is rebuilt, ``check`` runs again, two leaves appear and disappear).

The first session starts with the tool's cache folder empty (cold), the others reuse it (warm).
Targets: the opened file's first diagnostics arrive before the index is complete, and the p95
edit latency stays within 30 ms at 50,000 migrations.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.lsp.client import LanguageClient

from manifest_core.fsops import apply_plan
from manifest_core.index import WorkspaceIndex
from manifest_core.lint import LintSession
from manifest_core.update import plan_update

from .base import Options, Repo, Section, SectionResult, Verdict, Workspace, clear_cache, progress
from .check import verdict_lines
from .timing import CommandFailed, fmt_seconds

P95_TARGET_S = 0.030  #: didChange -> publishDiagnostics, p95, at the largest size
START_TARGET_S = 1.0  #: process start -> first diagnostics of the opened file (stretch: 0.5 s)
P95_SIZE = 50_000
EDITS = 100
PACE_S = 0.050  #: between two edits: a fast typist's 20 keystrokes a second
SESSIONS = 3  #: the first cold, the others warm
MISSING = "9999_missing"

MIGRATION = """\
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ({app!r}, {head!r}),
    ]

    operations = [
        migrations.AddIndex(
            model_name={model!r},
            index=models.Index(fields=[{field!r}], name={index!r}),
        ),
    ]
"""


@dataclass
class Target:
    """The migration the sessions open and edit."""

    path: str
    app: str
    head: str
    model: str
    field: str
    manifest_before: bytes

    def text(self, index: str = "bench_idx_0", head: str | None = None) -> str:
        return MIGRATION.format(
            app=self.app, head=head or self.head, model=self.model, field=self.field, index=index
        )


def prepare(root: Path) -> Target:
    """Add the migration to the middle app, and bring migrations.toml up to date."""
    index = WorkspaceIndex(str(root))
    index.load(use_cache=False)
    labels = sorted(index.apps)
    app = labels[len(labels) // 2]
    [head] = index.leaves(app)
    state = LintSession(index.project()).state_after(head)
    model = next(m for m in sorted(state.models.values(), key=lambda m: m.name) if m.fields)
    field_name = next(iter(model.fields))
    folder = index.apps[app].path
    path = f"{folder}/9000_bench_index.py"
    manifest = root / index.config.manifest
    target = Target(path, app, head[1], model.lower, field_name, manifest.read_bytes())
    (root / path).write_text(target.text(), encoding="utf-8")
    index.refresh(path)
    update = plan_update(index.summary(), index.manifest)
    apply_plan(str(root), update.plan, use_git=False)
    return target


def restore(root: Path, target: Target) -> None:
    (root / target.path).unlink(missing_ok=True)
    (root / "migrations.toml").write_bytes(target.manifest_before)


@dataclass
class Session:
    start_s: float  #: from starting the server's process to the opened file's first diagnostics
    first_diagnostics_s: float
    index_s: float
    quick_before_index: bool
    operations_ms: list[float] = field(default_factory=list)
    dependencies_ms: list[float] = field(default_factory=list)
    findings: int = 0


class Client:
    """A minimal editor: VS Code's capabilities that matter here, and timestamps."""

    def __init__(self) -> None:
        self.client = LanguageClient("bench-lsp", "1")
        self.published: dict[str, list[tuple[float, int | None, int]]] = {}
        self.waiters: list[tuple[str, int | None, asyncio.Future[float]]] = []
        self.index_done: asyncio.Future[float] | None = None
        self.client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)(lambda p: self._publish(p))
        self.client.feature(types.WINDOW_WORK_DONE_PROGRESS_CREATE)(lambda params: None)
        self.client.feature(types.PROGRESS)(lambda p: self._progress(p))
        self.client.feature(types.CLIENT_REGISTER_CAPABILITY)(lambda params: None)
        self.client.feature(types.WINDOW_LOG_MESSAGE)(lambda params: None)
        self.client.feature(types.WINDOW_SHOW_MESSAGE)(lambda p: self._show(p))

    def _publish(self, params: types.PublishDiagnosticsParams) -> None:
        now = time.perf_counter()
        self.published.setdefault(params.uri, []).append(
            (now, params.version, len(params.diagnostics))
        )
        for waiter in list(self.waiters):
            uri, version, future = waiter
            if uri == params.uri and (version is None or params.version == version):
                self.waiters.remove(waiter)
                if not future.done():
                    future.set_result(now)

    def _progress(self, params: types.ProgressParams) -> None:
        value = params.value
        kind = value.get("kind") if isinstance(value, dict) else getattr(value, "kind", None)
        if kind == "end" and self.index_done is not None and not self.index_done.done():
            self.index_done.set_result(time.perf_counter())

    @staticmethod
    def _show(params: types.ShowMessageParams) -> None:
        if params.type == types.MessageType.Error:
            progress(f"  server: {params.message}")

    def wait(self, uri: str, version: int | None) -> asyncio.Future[float]:
        future: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self.waiters.append((uri, version, future))
        return future


CAPABILITIES = types.ClientCapabilities(
    window=types.WindowClientCapabilities(work_done_progress=True),
    text_document=types.TextDocumentClientCapabilities(
        publish_diagnostics=types.PublishDiagnosticsClientCapabilities(
            related_information=True, code_description_support=True
        ),
        synchronization=types.TextDocumentSyncClientCapabilities(did_save=True),
    ),
    workspace=types.WorkspaceClientCapabilities(
        did_change_watched_files=types.DidChangeWatchedFilesClientCapabilities(
            dynamic_registration=True
        ),
        workspace_edit=types.WorkspaceEditClientCapabilities(
            document_changes=True,
            resource_operations=[
                types.ResourceOperationKind.Create,
                types.ResourceOperationKind.Rename,
            ],
        ),
    ),
)


async def session(root: Path, target: Target, edits: int, python: str = sys.executable) -> Session:
    editor = Client()
    client = editor.client
    env = dict(os.environ)
    if python == sys.executable:  # this interpreter: the package may be the tree itself
        env["PYTHONPATH"] = str(Path(__file__).resolve().parents[1])
    process_started = time.perf_counter()
    await client.start_io(python, "-m", "lsp_server", env=env, cwd=str(root))
    try:
        uri = root.joinpath(target.path).as_uri()
        await client.initialize_async(
            types.InitializeParams(
                capabilities=CAPABILITIES,
                root_uri=root.as_uri(),
                workspace_folders=[types.WorkspaceFolder(root.as_uri(), root.name)],
            )
        )
        loop = asyncio.get_running_loop()
        editor.index_done = loop.create_future()
        first = editor.wait(uri, 1)
        started = time.perf_counter()
        client.initialized(types.InitializedParams())
        client.text_document_did_open(
            types.DidOpenTextDocumentParams(types.TextDocumentItem(uri, "python", 1, target.text()))
        )
        first_at = await asyncio.wait_for(first, 600)
        index_at = await asyncio.wait_for(editor.index_done, 600)
        result = Session(
            first_at - process_started,
            first_at - started,
            index_at - started,
            quick_before_index=first_at < index_at,
        )
        result.findings = editor.published[uri][0][2]
        version = 1
        for series, texts in (
            ("operations", [target.text(f"bench_idx_{n + 1}") for n in range(edits)]),
            (
                "dependencies",
                [target.text(head=MISSING if n % 2 == 0 else None) for n in range(edits)],
            ),
        ):
            sent = time.perf_counter()
            for text in texts:
                version += 1
                done = editor.wait(uri, version)
                await asyncio.sleep(max(0.0, sent + PACE_S - time.perf_counter()))
                sent = time.perf_counter()
                client.text_document_did_change(
                    types.DidChangeTextDocumentParams(
                        types.VersionedTextDocumentIdentifier(version=version, uri=uri),
                        [types.TextDocumentContentChangeWholeDocument(text)],
                    )
                )
                arrived = await asyncio.wait_for(done, 60)
                getattr(result, f"{series}_ms").append((arrived - sent) * 1000)
        await client.shutdown_async(None)
        client.exit(None)
    finally:
        await client.stop()  # type: ignore[no-untyped-call]
    return result


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def measure(
    repo: Repo, sessions: int, edits: int, python: str = sys.executable
) -> tuple[Target, list[Session]]:
    target = prepare(repo.root)
    results = []
    try:
        clear_cache(repo.root)
        for number in range(sessions):
            kind = "cold" if number == 0 else "warm"
            progress(f"  session {number + 1}/{sessions} ({kind} cache), {2 * edits} edits ...")
            try:
                results.append(asyncio.run(session(repo.root, target, edits, python)))
            except (asyncio.TimeoutError, OSError) as exc:
                raise CommandFailed(f"the language server did not answer: {exc!r}") from None
    finally:
        restore(repo.root, target)
    return target, results


def verdicts(size: int, results: list[Session]) -> list[Verdict]:
    scope = f"{size:,} migrations"
    found = []
    for number, result in enumerate(results):
        kind = "cold" if number == 0 else "warm"
        if number > 1:
            continue
        found.append(
            Verdict(
                f"process start -> first diagnostics, s ({kind} cache)",
                result.start_s,
                f"<= {START_TARGET_S:g} (stretch 0.5)",
                result.start_s <= START_TARGET_S,
                scope=scope,
            )
        )
        found.append(
            Verdict(
                f"first diagnostics / full index ({kind} cache)",
                result.first_diagnostics_s / result.index_s,
                "< 1 (before the index is complete)",
                result.quick_before_index,
                scope=scope,
            )
        )
    edits_ops = [ms for r in results for ms in r.operations_ms]
    edits_deps = [ms for r in results for ms in r.dependencies_ms]
    for label, values in (("operations", edits_ops), ("dependencies", edits_deps)):
        found.append(
            Verdict(
                f"didChange -> publish p95, ms ({label})",
                p95(values),
                f"<= {P95_TARGET_S * 1000:g}" if size >= P95_SIZE else "(reference)",
                p95(values) <= P95_TARGET_S * 1000 if size >= P95_SIZE else None,
                note=f"median {statistics.median(values):.1f} ms over {len(values)} edits",
                scope=scope,
            )
        )
    return found


def run(options: Options, workspace: Workspace) -> SectionResult:
    result = SectionResult("lsp")
    data: dict[str, Any] = {
        "targets": {
            "p95_ms": P95_TARGET_S * 1000,
            "p95_size": P95_SIZE,
            "start_to_first_diagnostics_s": START_TARGET_S,
        }
    }
    sessions = 2 if options.quick else SESSIONS
    for size in options.sizes:
        repo = workspace.repo(size)
        target, results = measure(repo, sessions, EDITS, options.python)
        found = verdicts(size, results)
        result.verdicts += found
        result.lines.append(
            f"{size:,} migrations: {target.path} (AddIndex on {target.app}.{target.model}, "
            f"{results[0].findings} finding(s)); {sessions} sessions (the first with a cold "
            f"cache), {EDITS} edits of each kind per session"
        )
        result.lines.append(
            f"  {'session':<10} {'start -> diags':>15} {'first diagnostics':>18} "
            f"{'full index':>12} "
            f"{'edit ops median/p95':>22} {'edit deps median/p95':>22}"
        )
        for number, outcome in enumerate(results):
            kind = "cold" if number == 0 else "warm"
            result.lines.append(
                f"  {kind:<10} {fmt_seconds(outcome.start_s):>15} "
                f"{fmt_seconds(outcome.first_diagnostics_s):>18} "
                f"{fmt_seconds(outcome.index_s):>12} "
                f"{_pair(outcome.operations_ms):>22} {_pair(outcome.dependencies_ms):>22}"
            )
        result.lines += ["", "  figures:", *verdict_lines(found), ""]
        data[str(size)] = {
            "repo": repo.to_json(),
            "migration": target.path,
            "sessions": [
                {
                    "cache": "cold" if number == 0 else "warm",
                    "start_to_first_diagnostics_s": outcome.start_s,
                    "first_diagnostics_s": outcome.first_diagnostics_s,
                    "index_s": outcome.index_s,
                    "operations_ms": outcome.operations_ms,
                    "dependencies_ms": outcome.dependencies_ms,
                }
                for number, outcome in enumerate(results)
            ],
            "verdicts": [v.to_json() for v in found],
        }
    result.data = data
    return result


def _pair(values: list[float]) -> str:
    return f"{statistics.median(values):.1f} / {p95(values):.1f} ms"


SECTION = Section(
    name="lsp",
    description="the language server through the real protocol: first diagnostics, full "
    "index, didChange -> publishDiagnostics latency",
    enabled=lambda options: True,
    run=run,
)

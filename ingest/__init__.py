"""Ingest: turn raw files into conversations in the store. One module per source kind."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from importlib import import_module
from pathlib import Path
from typing import Callable, Iterable, Iterator

from ..models.config import Config
from ..models.errors import DealtapeError
from ..models.records import Conversation, Rejected
from ..models.store import Store, WriteResult
from .base import Ingestor, SourceItem

log = logging.getLogger(__name__)

# name -> "module:attribute"; modules load lazily so `dealtape --help` stays instant.
# Detection tries them in this order.
INGESTORS: dict[str, str] = {
    "slack": "dealtape.ingest.slack:SlackExport",
    "maildir": "dealtape.ingest.email:Maildir",
    "mbox": "dealtape.ingest.email:Mbox",
    "eml": "dealtape.ingest.email:Eml",
    "vtt": "dealtape.ingest.transcripts:WebVTT",
    "srt": "dealtape.ingest.transcripts:SRT",
    "transcript-json": "dealtape.ingest.transcripts:TranscriptJSON",
    "chat-jsonl": "dealtape.ingest.chat_jsonl:ChatJSONL",
    "audio": "dealtape.ingest.audio:AudioIngestor",
    "voice-note": "dealtape.ingest.audio:VoiceNoteIngestor",
}

BATCH_SIZE = 500  # records written per transaction; each record is written whole or not at all


def available_ingestors() -> list[str]:
    return list(INGESTORS)


def get(name: str) -> Ingestor:
    """The ingestor registered as `name`; unknown names list the valid ones."""
    try:
        target = INGESTORS[name]
    except KeyError:
        raise DealtapeError(f"unknown kind {name!r}; choose one of: {', '.join(INGESTORS)}") from None
    module, attr = target.split(":")
    return getattr(import_module(module), attr)()


def detect(path: Path) -> Ingestor | None:
    """The first ingestor that recognises `path`, or None."""
    for name in INGESTORS:
        ingestor = get(name)
        if ingestor.detect(path):
            return ingestor
    return None


@dataclass
class IngestReport:
    run_id: str = ""
    items: int = 0
    written: WriteResult = field(default_factory=WriteResult)
    failed: list[Rejected] = field(default_factory=list)
    ignored: list[Path] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failed


def plan(paths: Iterable[str | Path], kind: str | None = None, skip: Iterable[Path] = ()) -> tuple[list[tuple[Ingestor, SourceItem]], list[Path], list[Rejected]]:
    """Walk `paths` into (ingestor, item) pairs, plus ignored files and unreadable paths.

    Files in `skip` (the database itself, when it sits in an ingested folder) are passed over.
    """
    forced = get(kind) if kind else None
    skip = {p.resolve() for p in skip}
    items: list[tuple[Ingestor, SourceItem]] = []
    ignored: list[Path] = []
    missing: list[Rejected] = []

    def visit(path: Path, explicit: bool) -> None:
        if path.resolve() in skip:
            return
        ingestor = forced or detect(path)
        if ingestor is None and path.is_dir():
            for child in sorted(path.iterdir()):
                if not child.name.startswith("."):
                    visit(child, explicit=False)
            return
        if ingestor is None:  # only without --kind: a forced kind claims every path
            if explicit:
                missing.append(Rejected(str(path), "unknown", "not a recognised conversation format "
                                        f"(use --kind; kinds: {', '.join(INGESTORS)})"))
            else:
                ignored.append(path)
            return
        items.extend((ingestor, item) for item in ingestor.discover(path))

    for raw in paths:
        path = Path(raw)
        if not path.exists():
            missing.append(Rejected(str(path), kind or "unknown", "no such file or folder"))
            continue
        if forced and path.is_dir() and not forced.detect(path):
            # a forced kind claims every file: one that is not of that kind is rejected, not skipped
            for child in sorted(path.rglob("*")):
                if (child.is_file() and child.resolve() not in skip
                        and not any(part.startswith(".") for part in child.relative_to(path).parts)):
                    items.extend((forced, item) for item in forced.discover(child))
            continue
        visit(path, explicit=True)
    sidecars = {i.sidecar(item.path) for i, item in items if hasattr(i, "sidecar")}
    return items, [p for p in ignored if p not in sidecars], missing


def _records(ingestor: Ingestor, item: SourceItem) -> Iterator[Conversation | Rejected]:
    """An item's records; an unexpected exception rejects the rest of the item, not the batch."""
    try:
        yield from ingestor.read(item)
    except DealtapeError as exc:
        yield Rejected(item.uri, ingestor.name, str(exc))
    except Exception as exc:  # a parser bug or corrupt input must not stop the batch
        log.debug("reading %s failed", item.uri, exc_info=True)
        yield Rejected(item.uri, ingestor.name, f"{type(exc).__name__}: {exc}")


def run(paths: Iterable[str | Path], store: Store, *, kind: str | None = None,
        progress: Callable[[str, float, int], None] | None = None, config: Config | None = None) -> IngestReport:
    """Ingest files and folders into `store`.

    `progress(uri, items_done, items_total)` is called as each item starts (and, for a
    recording, as it is transcribed: items_done then has a fraction).
    Failures are recorded in `ingest_errors` and reported; they never stop the batch.
    Ingestors with a `bind` (recordings) get the store and `config`, and each of their items is
    written as soon as it is read, so an interrupted run keeps every finished transcription.
    """
    db = Path(store.path)
    items, ignored, missing = plan(paths, kind, skip=[db, db.with_name(db.name + ".wal")])
    report = IngestReport(run_id=store.begin_run("ingest"), items=len(items), ignored=ignored)
    for rejected in missing:
        _fail(store, report, rejected)
    pending: list[Conversation] = []

    def flush() -> None:
        if pending:
            written = store.write(pending, report.run_id)
            for name in ("new", "duplicate", "conversations", "utterances", "participants"):
                setattr(report.written, name, getattr(report.written, name) + getattr(written, name))
            pending.clear()

    for done, (ingestor, item) in enumerate(items):
        if progress:
            progress(item.uri, done, len(items))
        if hasattr(ingestor, "bind"):
            ingestor.bind(store, config or Config(), progress and (
                lambda share, uri=item.uri, done=done: progress(uri, done + share, len(items))))
        for record in _records(ingestor, item):
            if isinstance(record, Rejected):
                _fail(store, report, record)
                continue
            # records of one source stay in one transaction: flush only between sources
            if len(pending) >= BATCH_SIZE and record.source.sha256 != pending[-1].source.sha256:
                flush()
            pending.append(record)
        if hasattr(ingestor, "bind"):
            flush()
    flush()
    if progress:
        progress("", len(items), len(items))
    store.finish_run(report.run_id, "ok" if report.ok else "failed",
                     report.written.new, report.written.duplicate, len(report.failed))
    return report


def _fail(store: Store, report: IngestReport, rejected: Rejected) -> None:
    log.info("rejected %s: %s", rejected.uri, rejected.reason)
    report.failed.append(rejected)
    store.record_error(rejected, report.run_id)

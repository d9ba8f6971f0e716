"""The append-only DuckDB store. Its API inserts and reads; it never updates or deletes a raw row
(only the derived tables, rebuilt from the raw ones: see views/__init__.py)."""

from __future__ import annotations

import json
import os
import secrets
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable

import duckdb
import pyarrow as pa

from .. import __version__
from . import migrations
from .config import Config
from .errors import BadInput, DealtapeError, ReadOnly, SourceUnavailable
from .records import Conversation, Rejected, Rendering, short_id

DEFAULT_DB = "dealtape.duckdb"


def resolve_path(path: str | os.PathLike | None) -> Path:
    """`--db`, else $DEALTAPE_DB, else ./dealtape.duckdb."""
    return Path(path or os.environ.get("DEALTAPE_DB") or DEFAULT_DB)


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _json(value) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False, default=str, sort_keys=True)


def rendering_id(conversation_id: str, source_sha256: str, rendering: Rendering) -> str:
    """The transcript id of one rendering of a recording."""
    return short_id("t", conversation_id, rendering.engine, source_sha256, rendering.key)


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


@dataclass
class WriteResult:
    """What one batch of records added."""

    new: int = 0
    duplicate: int = 0
    conversations: int = 0
    utterances: int = 0
    participants: int = 0


class Store:
    """One DuckDB file. Open with `Store.open(path)`; use as a context manager."""

    def __init__(self, con: duckdb.DuckDBPyConnection, path: Path, read_only: bool):
        self.con = con
        self.path = path
        self.read_only = read_only
        self.dirty = False  # raw rows written since the derived tables were last rebuilt

    @classmethod
    def open(cls, path: str | os.PathLike | None = None, *, read_only: bool = False,
             config: Config | None = None, create: bool = False) -> "Store":
        """Open (and with `create`, create) a database; a writable open migrates it and refreshes views."""
        path = resolve_path(path)
        if str(path) != ":memory:" and not path.exists() and not create:
            raise DealtapeError(f"{path}: no such database", hint="run `dealtape init` first")
        try:
            con = duckdb.connect(str(path), read_only=read_only)
        except duckdb.IOException as exc:
            raise SourceUnavailable(f"{path}: cannot open database ({str(exc).splitlines()[0]})") from None
        except duckdb.Error as exc:
            raise BadInput(f"{path}: not a dealtape database ({str(exc).splitlines()[0]})") from None
        store = cls(con, path, read_only)
        if not read_only:
            store.upgrade(config or Config())
        elif migrations.pending(con):
            con.close()
            raise DealtapeError(f"{path}: database schema is out of date", hint="run `dealtape init` to upgrade it")
        return store

    def upgrade(self, config: Config) -> list[str]:
        """Apply pending migrations, record changed settings and refresh the views."""
        from .. import views

        applied = migrations.migrate(self.con)
        settings_changed = self.sync_settings(config)
        views.apply(self.con)
        if applied or settings_changed:
            self.refresh()
        return applied

    def refresh(self) -> None:
        """Rebuild every derived table the views read (a review rebuilds only its rows: `views.refresh`)."""
        from .. import views

        with self.transaction():
            views.refresh(self.con)
        self.dirty = False

    @contextmanager
    def transaction(self):
        """One transaction around the block: committed when it ends, rolled back when it raises."""
        self.con.execute("BEGIN TRANSACTION")
        try:
            yield
            self.con.execute("COMMIT")
        except BaseException:
            self.con.execute("ROLLBACK")
            raise

    def close(self) -> None:
        if self.dirty and not self.read_only:
            self.refresh()
        self.con.close()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ---- reading -------------------------------------------------------------------------

    def query(self, sql: str, params: list | dict | None = None):
        """Run SQL and return a polars DataFrame."""
        try:
            return self.con.sql(sql, params=params or None).pl()
        except duckdb.InvalidInputException as exc:
            if "read-only" in str(exc):
                raise ReadOnly(f"{self.path} is opened read-only: {str(exc).splitlines()[0]}",
                               hint="`dealtape sql` only reads; change data with dealtape commands") from None
            raise DealtapeError(f"SQL error: {str(exc).splitlines()[0]}") from None
        except duckdb.Error as exc:
            raise DealtapeError(f"SQL error: {str(exc).splitlines()[0]}") from None

    def scalar(self, sql: str, params: list | None = None):
        """The first value of the first row (fetches everything: DuckDB 2 forbids unfinished results)."""
        rows = self.con.execute(sql, params or []).fetchall()
        return rows[0][0] if rows else None

    def settings(self) -> dict:
        rows = self.con.execute(
            "SELECT key, arg_max(value, set_at) FROM _dealtape_settings GROUP BY key"
        ).fetchall()
        return {k: json.loads(v) for k, v in rows}

    def ingest_state(self, ingestor: str, scope: str) -> dict | None:
        state = self.scalar(
            "SELECT state FROM _dealtape_ingest_state WHERE ingestor = ? AND scope = ? ORDER BY saved_at DESC LIMIT 1",
            [ingestor, scope],
        )
        return json.loads(state) if state else None

    # ---- writing (append only) ---------------------------------------------------------

    def sync_settings(self, config: Config) -> bool:
        """Append the settings that changed (whether any did); with no config file, stored settings
        stay as they are."""
        current = self.settings()
        if config.path is None and current:
            return False
        now = _now()
        changed = {key: value for key, value in config.view_settings().items() if current.get(key) != value}
        for key, value in changed.items():
            self.con.execute("INSERT INTO _dealtape_settings VALUES (?, ?, ?)", [key, _json(value), now])
        return bool(changed)

    def begin_run(self, command: str) -> str:
        run_id = f"{command}-{_now():%Y%m%dT%H%M%S}-{secrets.token_hex(3)}"
        self.con.execute("INSERT INTO _dealtape_runs VALUES (?, ?, ?, ?)", [run_id, command, _now(), __version__])
        return run_id

    def finish_run(self, run_id: str, status: str, new: int, duplicate: int, failed: int) -> None:
        """Record how an ingest run ended, and bring the derived tables up to date with what it wrote."""
        self.con.execute(
            "INSERT INTO _dealtape_run_results VALUES (?, ?, ?, ?, ?, ?)",
            [run_id, _now(), status, new, duplicate, failed],
        )
        if self.dirty:
            self.refresh()

    def record_error(self, rejected: Rejected, run_id: str) -> None:
        self.con.execute(
            "INSERT INTO raw.ingest_errors VALUES (?, ?, ?, ?, ?)",
            [rejected.uri, rejected.kind, rejected.reason, _now(), run_id],
        )

    def has_rendering(self, thread_key: str, source_sha256: str, rendering: Rendering) -> bool:
        """Whether this recording is already stored rendered with these settings."""
        conversation_id = self.scalar("SELECT conversation_id FROM raw.conversation_keys WHERE key = ?", [thread_key])
        return bool(conversation_id and self._existing(
            "raw.transcripts", "transcript_id", [rendering_id(conversation_id, source_sha256, rendering)]))

    def known_sources(self, sha256s: Iterable[str]) -> set[str]:
        return self._existing("raw.sources", "source_id", sha256s)

    def _existing(self, table: str, column: str, values: Iterable[str]) -> set[str]:
        values = [v for v in set(values) if v]
        if not values:
            return set()
        rows = self.con.execute(
            f"SELECT {column} FROM {table} WHERE {column} IN (SELECT unnest(?))", [values]
        ).fetchall()
        return {r[0] for r in rows}

    def write(self, records: list[Conversation], run_id: str, state: list[tuple[str, str, dict]] = ()) -> WriteResult:
        """Write whole records in one transaction, skipping what is already stored.

        A record is a duplicate when its source bytes are already stored, or when every
        utterance it carries has an external id that is already stored; a recording's record
        when its rendering is already stored (another rendering adds a transcript). `state` rows
        (ingestor, scope, cursor) are appended in the same transaction.
        """
        batch = _Batch(self, run_id, records)
        result = batch.plan()
        self.con.execute("BEGIN TRANSACTION")
        try:
            batch.insert()
            now = _now()
            for ingestor, scope, cursor in state:
                self.con.execute(
                    "INSERT INTO _dealtape_ingest_state VALUES (?, ?, ?, ?, ?)",
                    [ingestor, scope, _json(cursor), now, run_id],
                )
            self.con.execute("COMMIT")
        except Exception:
            self.con.execute("ROLLBACK")
            raise
        self.dirty = self.dirty or bool(result.new or result.utterances or result.participants)
        return result


class _Batch:
    """Resolves a batch of records against the store, then inserts its rows."""

    def __init__(self, store: Store, run_id: str, records: list[Conversation]):
        self.store = store
        self.run_id = run_id
        self.records = records
        self.rows: dict[str, list[dict]] = {t: [] for t in (
            "sources", "conversations", "conversation_keys", "participants", "transcripts", "utterances")}

    def plan(self) -> WriteResult:
        store, records = self.store, self.records
        stored_sources = store.known_sources(r.source.sha256 for r in records)
        stored_ids = store._existing("raw.utterances", "external_id",
                                     (u.external_id for r in records for u in r.utterances))
        all_keys = {k for r in records for k in (r.thread_key, *r.keys, *r.lookup_keys)}
        key_to_conv = dict(store.con.execute(
            "SELECT key, conversation_id FROM raw.conversation_keys WHERE key IN (SELECT unnest(?))", [list(all_keys)]
        ).fetchall()) if all_keys else {}
        conv_ids = set(key_to_conv.values())
        known_parts = set(store.con.execute(
            "SELECT conversation_id, identity FROM raw.participants WHERE conversation_id IN (SELECT unnest(?))",
            [list(conv_ids)],
        ).fetchall()) if conv_ids else set()
        transcripts = dict(store.con.execute(
            "SELECT conversation_id, arg_max(transcript_id, created_at) FROM raw.transcripts "
            "WHERE conversation_id IN (SELECT unnest(?)) GROUP BY conversation_id", [list(conv_ids)],
        ).fetchall()) if conv_ids else {}

        rendered = {rendering_id(self._conversation_of(r, key_to_conv), r.source.sha256, r.rendering)
                    for r in records if r.rendering}
        stored_renderings = store._existing("raw.transcripts", "transcript_id", rendered)

        result = WriteResult()
        sources_written: set[str] = set()
        duplicates: set[str] = set()
        now = _now()
        for rec in records:
            sha = rec.source.sha256
            fresh = [u for u in rec.utterances if not u.external_id or u.external_id not in stored_ids]
            rendered_id = (rendering_id(self._conversation_of(rec, key_to_conv), sha, rec.rendering)
                           if rec.rendering else None)
            if (rendered_id in stored_renderings if rendered_id
                    else sha in stored_sources or (rec.utterances and not fresh)):
                duplicates.add(sha)
                continue
            stored_ids.update(u.external_id for u in fresh if u.external_id)
            if rendered_id:
                stored_renderings.add(rendered_id)

            conv_id = next((key_to_conv[k] for k in (*rec.lookup_keys, rec.thread_key)
                            if k in key_to_conv), None)
            if conv_id is None:
                conv_id = short_id("c", rec.thread_key)
                self.rows["conversations"].append(dict(
                    conversation_id=conv_id, kind=rec.kind, thread_key=rec.thread_key, title=rec.title,
                    started_at=_utc(rec.started_at), deal=rec.deal, meta=_json(rec.meta or None),
                    created_at=now, ingest_id=self.run_id))
                result.conversations += 1
            for key in dict.fromkeys((rec.thread_key, *rec.keys)):
                if key not in key_to_conv:
                    key_to_conv[key] = conv_id
                    self.rows["conversation_keys"].append(dict(key=key, conversation_id=conv_id, ingest_id=self.run_id))
            if rendered_id:
                r = rec.rendering
                transcripts[conv_id] = rendered_id
                self.rows["transcripts"].append(dict(
                    transcript_id=rendered_id, conversation_id=conv_id, engine=r.engine, model=r.model,
                    version=r.version, config=_json({"key": r.key, "settings": r.settings, **r.details}),
                    created_at=now, ingest_id=self.run_id))
            elif conv_id not in transcripts:
                transcripts[conv_id] = short_id("t", conv_id, rec.engine, sha)
                self.rows["transcripts"].append(dict(
                    transcript_id=transcripts[conv_id], conversation_id=conv_id, engine=rec.engine, model=None,
                    version=None, config=None, created_at=now, ingest_id=self.run_id))

            for p in rec.participants:
                if (conv_id, p.identity) in known_parts:
                    continue
                known_parts.add((conv_id, p.identity))
                self.rows["participants"].append(dict(
                    participant_id=short_id("p", conv_id, p.identity), conversation_id=conv_id,
                    identity=p.identity, name=p.name, email=p.email.strip().lower() if p.email else None,
                    domain=p.domain, side_hint=p.side_hint, ingest_id=self.run_id))
                result.participants += 1
            for u in fresh:  # a speaker the item did not list still becomes a participant
                if u.speaker and (conv_id, u.speaker) not in known_parts:
                    known_parts.add((conv_id, u.speaker))
                    email = u.speaker if "@" in u.speaker else None
                    self.rows["participants"].append(dict(
                        participant_id=short_id("p", conv_id, u.speaker), conversation_id=conv_id,
                        identity=u.speaker, name=u.speaker_label, email=email,
                        domain=email.rsplit("@", 1)[1] if email else None, side_hint=None, ingest_id=self.run_id))
                    result.participants += 1
            for seq, u in enumerate(fresh):
                natural = u.external_id or f"{rendered_id or sha}:{seq}"
                self.rows["utterances"].append(dict(
                    utterance_id=short_id("u", conv_id, natural, length=16), conversation_id=conv_id,
                    transcript_id=transcripts[conv_id], source_id=sha, seq=seq,
                    participant_id=short_id("p", conv_id, u.speaker) if u.speaker else None,
                    speaker=u.speaker_label, kind=u.kind, start_s=u.start_s, end_s=u.end_s,
                    sent_at=_utc(u.sent_at), text=u.text, external_id=u.external_id, parent_id=u.parent_id,
                    meta=_json(u.meta or None), ingest_id=self.run_id))
            result.utterances += len(fresh)
            if sha not in sources_written:
                sources_written.add(sha)
                src = rec.source
                if sha not in stored_sources:  # a new rendering of a stored recording keeps its source row
                    self.rows["sources"].append(dict(
                        source_id=sha, kind=src.kind, uri=src.uri, size_bytes=src.size_bytes, content=src.content,
                        meta=_json(src.meta or None), received_at=now, ingest_id=self.run_id))
                result.new += 1
        result.duplicate = len(duplicates - sources_written)
        return result

    @staticmethod
    def _conversation_of(rec: Conversation, key_to_conv: dict[str, str]) -> str:
        """The conversation a record joins, or the id it will create."""
        return next((key_to_conv[k] for k in (*rec.lookup_keys, rec.thread_key) if k in key_to_conv),
                    short_id("c", rec.thread_key))

    def insert(self) -> None:
        con = self.store.con
        for table, rows in self.rows.items():
            if not rows:
                continue
            arrow = pa.Table.from_pylist(rows)
            con.register("_batch_rows", arrow)
            try:
                con.execute(f"INSERT INTO raw.{table} BY NAME SELECT * FROM _batch_rows")
            finally:
                con.unregister("_batch_rows")

"""Run the extractors over conversations and append the facts, one run at a time.

A run is one `extraction_runs` row; each batch of conversations is written in one
transaction (its coverage rows and its facts), so an interrupted run keeps every finished
batch and the next `dealtape extract` picks up the rest.
"""

from __future__ import annotations

import json
import secrets
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import Callable

import pyarrow as pa

from .. import __version__
from ..models.errors import DealtapeError
from ..models.records import short_id
from ..models.store import Store
from . import EXTRACTORS, get
from .base import ConversationDoc, Fact, Person, Sentence, Turn, split_sentences
from .nlp import Analysis
from .settings import ExtractSettings

BATCH_CONVERSATIONS = 32


@dataclass
class Selection:
    """Which extractors run on which conversations."""

    extractors: list[str]
    plan: dict[str, set[str]] = field(default_factory=dict)  # conversation_id -> extractor names

    @property
    def conversations(self) -> int:
        return len(self.plan)


@dataclass
class RunReport:
    run_id: str | None
    conversations: int = 0
    utterances: int = 0
    facts: Counter = field(default_factory=Counter)
    seconds: float = 0.0
    status: str = "ok"


def select(store: Store, extractors: list[str] | None = None, *, everything: bool = False,
           since: date | None = None, where: str | None = None) -> Selection:
    """Conversations to process: with `everything`, all (filtered); else those each extractor has not covered."""
    names = extractors or list(EXTRACTORS)
    for name in names:
        get(name)
    filters, params = ["TRUE"], []
    if since:
        filters.append("c.started_at >= ?")
        params.append(since)
    if where:
        filters.append(f"c.conversation_id IN (SELECT conversation_id FROM conversations WHERE {where})")
    base = f"SELECT c.conversation_id, d.deal_id FROM conversations c JOIN conversation_deals d USING (conversation_id) WHERE {' AND '.join(filters)}"
    rows = _fetch(store, base, params)
    deal_of = dict(rows)
    selection = Selection(names)
    for name in names:
        if everything:
            chosen = set(deal_of)
        else:
            covered = {r[0] for r in _fetch(store, """
                SELECT k.conversation_id FROM raw.extraction_coverage k
                JOIN (SELECT conversation_id, arg_max(transcript_id, created_at) AS transcript_id
                      FROM raw.transcripts GROUP BY conversation_id) t USING (conversation_id, transcript_id)
                WHERE k.extractor = ?""", [name])}
            chosen = set(deal_of) - covered
        if get(name).scope == "deal":
            chosen = _whole_deals(store, chosen, deal_of)
        for conversation_id in chosen:
            selection.plan.setdefault(conversation_id, set()).add(name)
    return selection


def _whole_deals(store: Store, chosen: set[str], deal_of: dict[str, str | None]) -> set[str]:
    """A deal-level extractor needs every conversation of each deal it touches."""
    deals = {deal_of[c] for c in chosen if deal_of.get(c)}
    if not deals:
        return chosen
    rows = _fetch(store, "SELECT conversation_id FROM conversation_deals WHERE deal_id IN (SELECT unnest(?))",
                  [sorted(deals)])
    return chosen | {r[0] for r in rows}


def _fetch(store: Store, sql: str, params: list | dict | None = None) -> list[tuple]:
    try:
        return store.con.execute(sql, params or []).fetchall()
    except Exception as exc:  # duckdb errors from a user's --where
        raise DealtapeError(f"SQL error: {str(exc).splitlines()[0]}") from None


def load(store: Store, conversation_ids: list[str]) -> list[ConversationDoc]:
    """The conversations' current transcripts, split into sentences, oldest conversation first."""
    ids = list(conversation_ids)
    # `conversation_times`, not `conversations`: the same kind and start without counting every
    # conversation's sources and participants (the account comes with the deal).
    convs = _fetch(store, """
        SELECT c.conversation_id, c.kind, c.started_at, d.deal_id, d.deal_name, d.account,
               (SELECT arg_max(transcript_id, created_at) FROM raw.transcripts t
                WHERE t.conversation_id = c.conversation_id) AS transcript_id
        FROM conversation_times c JOIN conversation_deals d USING (conversation_id)
        WHERE c.conversation_id IN (SELECT unnest(?))
        ORDER BY c.started_at, c.conversation_id""", [ids])
    people: dict[str, dict[str, Person]] = defaultdict(dict)
    for cid, pid, name, email, side in _fetch(store, """
            SELECT conversation_id, participant_id, name, email, side FROM people
            WHERE conversation_id IN (SELECT unnest(?)) ORDER BY participant_id""", [ids]):
        people[cid][pid] = Person(pid, name or email or "", email, side)
    turns: dict[str, list[Turn]] = defaultdict(list)
    # The raw tables, not the `timeline` view: its row numbers are computed over every utterance.
    for cid, uid, pid, speaker, text, start_s, said_at in _fetch(store, """
            SELECT u.conversation_id, u.utterance_id, u.participant_id, u.speaker, u.text, u.start_s,
                   coalesce(u.sent_at, c.started_at + to_seconds(coalesce(u.start_s, 0))) AS said_at
            FROM raw.utterances u
            JOIN raw.conversations c USING (conversation_id)
            WHERE u.transcript_id IN (SELECT unnest(?)) AND u.kind IN ('speech', 'message')
            ORDER BY u.conversation_id, said_at, u.source_id, u.seq""", [[row[-1] for row in convs]]):
        person = people[cid].get(pid)
        turn = Turn(uid, len(turns[cid]), person, person.name if person else speaker, text, start_s, said_at)
        turn.sentences = [Sentence(turn, i, a, b, text[a:b]) for i, (a, b) in enumerate(split_sentences(text))]
        turns[cid].append(turn)
    return [ConversationDoc(cid, tid, kind, started, deal_id, deal_name, account,
                            list(people[cid].values()), turns[cid])
            for cid, kind, started, deal_id, deal_name, account, tid in convs]


def run(store: Store, settings: ExtractSettings, selection: Selection, *, command: str = "extract",
        params: dict | None = None, progress: Callable[[int, int], None] | None = None) -> RunReport:
    """Process the selected conversations in batches; one new run, never touching old rows."""
    if not selection.plan:
        return RunReport(None)
    # Embedding goes to a worker process when there is more than one batch to overlap it with.
    analysis = Analysis(settings.models, worker=selection.conversations > BATCH_CONVERSATIONS)
    run_id = f"{command}-{datetime.now(timezone.utc):%Y%m%dT%H%M%S}-{secrets.token_hex(3)}"
    versions = {name: get(name).version for name in selection.extractors}
    store.con.execute("INSERT INTO raw.extraction_runs VALUES (?, ?, ?, ?, ?, ?, ?, ?)", [
        run_id, command, json.dumps(versions),
        json.dumps(sorted({m for name in selection.extractors for m in analysis.models_of(get(name))})),
        settings.config_hash,
        json.dumps(params or {}, default=str), datetime.now(timezone.utc), __version__])
    report = RunReport(run_id)
    started = time.perf_counter()

    def finish(docs: list[ConversationDoc], embedded: Callable[[], None]) -> None:
        embedded()
        rows, coverage = _extract(docs, selection, analysis, settings, run_id)
        _write(store, rows, coverage)
        analysis.forget(docs)
        report.conversations += len(docs)
        report.utterances += sum(len(d.turns) for d in docs)
        report.facts.update(r["field"] for r in rows if not r["abstained"])
        if progress:
            progress(report.conversations, selection.conversations)

    try:
        # MiniLM embeds a batch (in the worker) while spaCy parses it and the previous batch's
        # extractors run and its facts are written.
        pending = None
        for batch in _batches(store, selection):
            docs = load(store, batch)
            to_parse, to_embed = _wanted(docs, selection)
            embedded = analysis.embed_later(to_embed)
            analysis.prepare(to_parse, embed=False)
            if pending:
                finish(*pending)
            pending = (docs, embedded)
        if pending:
            finish(*pending)
    except BaseException as exc:
        report.status = "interrupted" if isinstance(exc, KeyboardInterrupt) else "failed"
        _finish(store, report, error=f"{type(exc).__name__}: {exc}")
        raise
    report.seconds = time.perf_counter() - started
    _finish(store, report)
    return report


def _finish(store: Store, report: RunReport, error: str | None = None) -> None:
    store.con.execute("INSERT INTO raw.extraction_run_results VALUES (?, ?, ?, ?, ?, ?)", [
        report.run_id, datetime.now(timezone.utc), report.status, report.conversations,
        sum(report.facts.values()), error])
    if report.conversations:
        store.refresh()


def _batches(store: Store, selection: Selection):
    """Batches of conversation ids that never split a deal (deal-level extractors see it whole)."""
    rows = _fetch(store, """
        SELECT d.conversation_id, d.deal_id FROM conversation_deals d JOIN conversations c USING (conversation_id)
        WHERE d.conversation_id IN (SELECT unnest(?)) ORDER BY d.deal_id NULLS LAST, c.started_at, d.conversation_id""",
                  [sorted(selection.plan)])
    batch, current_deal = [], object()
    for conversation_id, deal_id in rows:
        if len(batch) >= BATCH_CONVERSATIONS and (deal_id is None or deal_id != current_deal):
            yield batch
            batch = []
        batch.append(conversation_id)
        current_deal = deal_id
    if batch:
        yield batch


def _wanted(docs: list[ConversationDoc], selection: Selection) -> tuple[list[Sentence], list[Sentence]]:
    """The sentences some extractor will parse, and those some head will score: one spaCy batch
    and one embedding batch for the whole batch of conversations."""
    extractors = [get(name) for name in selection.extractors]
    to_parse, to_embed = [], []
    for doc in docs:
        mine = [e for e in extractors if e.name in selection.plan[doc.conversation_id]]
        for sentence in doc.sentences():
            if any(e.uses_spacy and e.wants(sentence) for e in mine):
                to_parse.append(sentence)
            if any(hasattr(e, "scores") and e.scores(sentence) for e in mine):
                to_embed.append(sentence)
    return to_parse, to_embed


def _extract(docs: list[ConversationDoc], selection: Selection, analysis: Analysis,
             settings: ExtractSettings, run_id: str) -> tuple[list[dict], list[dict]]:
    extractors = [get(name) for name in selection.extractors]
    now = datetime.now(timezone.utc)
    rows: dict[tuple[str, str], dict] = {}
    coverage = []
    for extractor in extractors:
        mine = [d for d in docs if extractor.name in selection.plan[d.conversation_id]]
        if not mine:
            continue
        groups = _by_deal(mine) if extractor.scope == "deal" else [mine]  # one call: one batch for the heads
        models = analysis.models_of(extractor)
        for group in groups:
            for doc, fact in extractor.extract(group, analysis, settings):
                if not fact.evidence:
                    continue
                row = _row(run_id, doc, fact, extractor, models, now)
                row["abstained"] = fact.confidence < settings.threshold(fact.field)  # kept, shown on demand
                key = (row["conversation_id"], row["fact_key"])
                if key not in rows or rows[key]["confidence"] < row["confidence"]:
                    rows[key] = row
        coverage += [dict(run_id=run_id, conversation_id=d.conversation_id, transcript_id=d.transcript_id,
                          extractor=extractor.name, version=extractor.version, covered_at=now) for d in mine]
    return list(rows.values()), coverage


def _by_deal(docs: list[ConversationDoc]) -> list[list[ConversationDoc]]:
    groups: dict[str, list[ConversationDoc]] = defaultdict(list)
    for doc in docs:
        groups[doc.deal_id or doc.conversation_id].append(doc)
    return list(groups.values())


def _row(run_id: str, doc: ConversationDoc, fact: Fact, extractor, models: list[str], now: datetime) -> dict:
    lead = fact.evidence[0]
    turn = lead.utterance
    start_s = turn.start_s
    fact_key = fact.fact_key(doc.conversation_id)
    return dict(
        extraction_id=short_id("x", run_id, doc.conversation_id, fact_key, length=16),
        run_id=run_id, conversation_id=doc.conversation_id, transcript_id=doc.transcript_id,
        deal_id=doc.deal_id, field=fact.field, value=json.dumps(fact.value, sort_keys=True, default=str),
        confidence=round(min(1.0, max(0.0, fact.confidence)), 3), fact_key=fact_key,
        evidence=json.dumps(list(dict.fromkeys(s.utterance.utterance_id for s in fact.evidence))),
        quote=lead.text, quote_start=lead.start, quote_end=lead.end, start_s=start_s,
        said_at=turn.said_at, extractor=extractor.name, extractor_version=extractor.version,
        models=json.dumps(models), created_at=now)


def _write(store: Store, rows: list[dict], coverage: list[dict]) -> None:
    con = store.con
    con.execute("BEGIN TRANSACTION")
    try:
        for table, data in (("extractions", rows), ("extraction_coverage", coverage)):
            if data:
                con.register("_batch_rows", pa.Table.from_pylist(data))
                try:
                    con.execute(f"INSERT INTO raw.{table} BY NAME SELECT * FROM _batch_rows")
                finally:
                    con.unregister("_batch_rows")
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    store.dirty = True

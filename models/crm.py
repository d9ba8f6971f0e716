"""Read-side library functions behind `dealtape status | conversations | show`."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from .errors import DealtapeError
from .migrations import applied
from .store import Store

TABLES = ("sources", "conversations", "participants", "transcripts", "utterances", "ingest_errors",
          "extraction_runs", "extractions")


@dataclass
class Status:
    path: str
    migrations: list[str]
    rows: dict[str, int]
    by_kind: pl.DataFrame
    accounts: int
    contacts: int
    internal_domains: list[str]
    last_runs: pl.DataFrame


def status(store: Store) -> Status:
    """Row counts, conversations per kind, and the last runs."""
    return Status(
        path=str(store.path),
        migrations=list(applied(store.con)),
        rows={t: store.scalar(f"SELECT count(*) FROM raw.{t}") for t in TABLES},
        by_kind=store.query(
            "SELECT kind, count(*) AS conversations, sum(utterances) AS utterances "
            "FROM conversations GROUP BY kind ORDER BY kind"),
        accounts=store.scalar("SELECT count(*) FROM accounts"),
        contacts=store.scalar("SELECT count(*) FROM contacts"),
        internal_domains=store.settings().get("team.internal_domains", []),
        last_runs=store.query(
            "SELECT r.run_id, r.started_at, x.status, x.n_new AS new, x.n_duplicate AS already_had, "
            "x.n_failed AS failed FROM _dealtape_runs r LEFT JOIN _dealtape_run_results x USING (run_id) "
            "ORDER BY r.started_at DESC LIMIT 5"),
    )


def conversations(store: Store, *, account: str | None = None, kind: str | None = None,
                  limit: int | None = None) -> pl.DataFrame:
    """The conversations view, newest first, optionally filtered."""
    where, params = [], []
    if account:
        where.append("(account ILIKE ? OR account_name ILIKE ?)")
        params += [f"%{account}%"] * 2
    if kind:
        where.append("kind = ?")
        params.append(kind)
    sql = ("SELECT conversation_id, kind, started_at, coalesce(account_name, '') AS account, title, "
           "utterances AS said FROM conversations"
           + (" WHERE " + " AND ".join(where) if where else "")
           + " ORDER BY started_at DESC NULLS LAST, conversation_id"
           + (f" LIMIT {int(limit)}" if limit else ""))
    return store.query(sql, params)


def resolve_conversation(store: Store, ref: str) -> str:
    """A conversation id from a full id or an unambiguous prefix of one."""
    ids = [r[0] for r in store.con.execute(
        "SELECT conversation_id FROM raw.conversations WHERE starts_with(conversation_id, ?) LIMIT 5", [ref]
    ).fetchall()]
    if not ids:
        raise DealtapeError(f"no conversation {ref!r}", hint="list them with `dealtape conversations`")
    if len(ids) > 1 and ref not in ids:
        raise DealtapeError(f"{ref!r} matches several conversations ({', '.join(ids)}); give more characters")
    return ref if ref in ids else ids[0]


def conversation(store: Store, ref: str) -> tuple[dict, pl.DataFrame, pl.DataFrame]:
    """One conversation: its overview row, its participants and its timeline."""
    conversation_id = resolve_conversation(store, ref)
    overview = store.query("SELECT * FROM conversations WHERE conversation_id = ?", [conversation_id]).row(0, named=True)
    people = store.query(
        "SELECT name, email, side, account FROM people WHERE conversation_id = ? ORDER BY side, name",
        [conversation_id])
    timeline = store.query(
        "SELECT position, start_s, sent_at, speaker, side, utterance_kind, text FROM timeline "
        "WHERE conversation_id = ? ORDER BY position", [conversation_id])
    return overview, people, timeline


FIELD_ORDER = ("stage", "amount", "close_date", "next_step", "objection", "competitor", "competitor_candidate")


def facts(store: Store, deal: str | None = None, field: str | None = None) -> pl.DataFrame:
    """Current facts (abstained ones left out) with a one-line summary and their state, grouped by
    deal, in field and time order."""
    where, params = ["f.state <> 'abstained'"], {"order": list(FIELD_ORDER)}
    if deal:
        where.append("(f.deal_name ILIKE $deal OR f.account ILIKE $deal OR f.deal_id = $exact)")
        params.update(deal=f"%{deal}%", exact=deal)
    if field:
        where.append("f.field = $field")
        params["field"] = field
    return store.query(f"""
        SELECT f.deal_name, f.field, f.summary, f.state, f.confidence, f.quote, f.speaker, c.title, f.start_s,
               f.said_at, f.conversation_id, f.fact_id
        FROM fact_states f
        JOIN conversations c USING (conversation_id)
        WHERE {' AND '.join(where)}
        ORDER BY f.deal_name NULLS LAST, list_position($order, f.field), f.said_at, f.quote_start""", params)

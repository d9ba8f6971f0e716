"""The rep's side of the CRM: the review queue and the decisions taken on it.

A decision is one appended row in `raw.reviews`, keyed by the fact's `fact_key` (its `fact_id` in
the views), so it outlives every re-run: confirm, edit (with a validated value), reject, undo (of
the reviewer's latest decision) and reassign (a conversation to another deal). The views read
them through `decisions`.
"""

from __future__ import annotations

import getpass
import hashlib
import json
import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timezone

import polars as pl

from ..extract.settings import OBJECTION_CATEGORIES, ExtractSettings
from .. import views
from .config import Config
from .errors import DealtapeError
from .records import short_id
from .store import Store

ACTIONS = ("confirm", "edit", "reject")
PAST = {"confirm": "confirmed", "edit": "edited", "reject": "rejected", "undo": "undone", "reassign": "reassigned"}
# The attribute a bare `--value` sets, per field.
PRIMARY = {"next_step": "action", "objection": "category", "competitor": "name", "competitor_candidate": "name",
           "stage": "stage", "amount": "amount", "close_date": "close_date"}


def reviewer(as_: str | None, config: Config) -> str:
    """Who is deciding: --as, else [team] me, else the OS user."""
    return (as_ or config.team.me or getpass.getuser()).strip()


def queue(store: Store, *, rep: str | None = None, deal: str | None = None, conversation: str | None = None,
          abstained: bool = False) -> pl.DataFrame:
    """Facts awaiting a decision, newest conversation first (with `abstained`, the ones below the
    threshold too)."""
    where, params = ["TRUE"], {}
    if rep:
        where.append("list_contains(reps, $rep)")
        params["rep"] = rep.lower()
    if deal:
        where.append("(deal_id = $deal OR deal_name ILIKE $deal_like OR account ILIKE $deal_like)")
        params.update(deal=deal, deal_like=f"%{deal}%")
    if conversation:
        where.append("conversation_id = $conversation")
        params["conversation"] = conversation
    source = "review_queue"
    if abstained:
        source = """(SELECT f.*, c.started_at AS conversation_at, c.kind, c.title,
                            (SELECT list(DISTINCT p.email ORDER BY p.email) FROM people p WHERE p.conversation_id
                             = f.conversation_id AND p.side = 'internal' AND p.email IS NOT NULL) AS reps
                     FROM fact_states f JOIN conversations c USING (conversation_id)
                     WHERE f.state IN ('proposed', 'abstained'))"""
    return store.query(f"""
        SELECT fact_id, conversation_id, conversation_at, kind, title, deal_id, deal_name, field, summary,
               value, confidence, quote, speaker, side, start_s, said_at, utterance_id, quote_start, quote_end,
               extractor, extractor_version {', state' if abstained else ", 'proposed' AS state"}
        FROM {source} q
        WHERE {' AND '.join(where)}
        ORDER BY conversation_at DESC, conversation_id, said_at, quote_start, field""", params)


def context(store: Store, utterance_id: str) -> tuple[dict | None, dict | None]:
    """The utterances just before and after one, for reading a quote in its place."""
    rows = store.query("""
        WITH t AS (SELECT * FROM timeline WHERE conversation_id =
                   (SELECT conversation_id FROM raw.utterances WHERE utterance_id = $u)),
             me AS (SELECT position FROM t WHERE utterance_id = $u)
        SELECT position - (SELECT position FROM me) AS offset, speaker, text, start_s, said_at
        FROM t WHERE position IN ((SELECT position FROM me) - 1, (SELECT position FROM me) + 1)""",
                       {"u": utterance_id}).to_dicts()
    by_offset = {r.pop("offset"): r for r in rows}
    return by_offset.get(-1), by_offset.get(1)


@dataclass
class Decision:
    review_id: str
    action: str
    fact_id: str | None
    field: str | None
    summary: str


def fact(store: Store, fact_id: str) -> dict:
    """One current fact by its id or an unambiguous prefix, its value parsed."""
    rows = store.query("SELECT * FROM fact_states WHERE starts_with(fact_id, ?) LIMIT 3", [fact_id.strip()]).to_dicts()
    exact = [r for r in rows if r["fact_id"] == fact_id.strip()]
    if not rows:
        raise DealtapeError(f"no fact {fact_id!r}", hint="list them with `dealtape review list`")
    if len(rows) > 1 and not exact:
        raise DealtapeError(f"{fact_id!r} matches several facts; give more characters")
    row = (exact or rows)[0]
    row["value"] = json.loads(row["value"]) if row["value"] else {}
    return row


def _insert(store: Store, who: str, action: str, *, fact: dict | None = None, value=None,
            conversation_id: str | None = None, undoes: str | None = None) -> str:
    now = datetime.now(timezone.utc)
    review_id = short_id("r", who, action, (fact or {}).get("fact_id") or conversation_id or undoes or "",
                         now.isoformat(), secrets.token_hex(4))
    fact = fact or {}
    store.con.execute("INSERT INTO raw.reviews VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", [
        review_id, action, fact.get("fact_key"), fact.get("conversation_id") or conversation_id, fact.get("field"),
        None if value is None else json.dumps(value, sort_keys=True),
        None if fact.get("value") is None else json.dumps(fact["value"], sort_keys=True), fact.get("extraction_id"),
        fact.get("extractor"), fact.get("extractor_version"), fact.get("confidence"), undoes, who, now])
    return review_id


def decide(store: Store, fact_ids: list[str], action: str, who: str, *, value: dict | None = None) -> list[Decision]:
    """Confirm, reject or edit facts (edit: exactly one fact, `value` already validated)."""
    if action not in ACTIONS:
        raise DealtapeError(f"unknown review action {action!r}; use one of {', '.join(ACTIONS)}")
    facts = [fact(store, f) for f in fact_ids]  # every id is checked before anything is written
    if action == "edit" and (len(facts) != 1 or value is None):
        raise DealtapeError("edit takes one fact and a value")
    out = []
    with store.transaction():
        for f in facts:
            review_id = _insert(store, who, action, fact=f, value=value if action == "edit" else None)
            out.append(Decision(review_id, action, f["fact_id"], f["field"], f["summary"]))
        views.refresh(store.con, fact_keys=[f["fact_key"] for f in facts])
    return out


def undo(store: Store, who: str) -> Decision:
    """Take back the reviewer's latest decision that is still in force."""
    rows = store.query("""
        SELECT r.review_id, r.action, r.fact_key, r.field, r.conversation_id FROM raw.reviews r
        WHERE r.reviewer = ? AND r.action <> 'undo'
          AND r.review_id NOT IN (SELECT undoes FROM raw.reviews WHERE action = 'undo' AND undoes IS NOT NULL)
        ORDER BY r.reviewed_at DESC, r.review_id DESC LIMIT 1""", [who]).to_dicts()
    if not rows:
        raise DealtapeError(f"{who} has no decision to undo")
    last = rows[0]
    with store.transaction():
        review_id = _insert(store, who, "undo", conversation_id=last["conversation_id"], undoes=last["review_id"])
        if last["fact_key"]:
            views.refresh(store.con, fact_keys=[last["fact_key"]])
        else:  # a reassignment
            views.refresh(store.con, conversation_ids=[last["conversation_id"]])
    target = last["fact_key"] or f"conversation {last['conversation_id']}"
    return Decision(review_id, "undo", last["fact_key"], last["field"], f"{last['action']} of {target} taken back")


def reassign(store: Store, conversation_id: str, deal: str, who: str) -> Decision:
    """Move a conversation to another deal: an existing deal (id or exact name) or a new one by name."""
    from .crm import resolve_conversation

    conversation_id = resolve_conversation(store, conversation_id)
    found = store.query("SELECT deal_id, name FROM deals WHERE deal_id = $d OR lower(name) = lower($d)",
                        {"d": deal.strip()}).to_dicts()
    if len(found) > 1:
        raise DealtapeError(f"{deal!r} names several deals; give a deal id",
                            hint="`dealtape sql \"select deal_id, name from deals\"` lists them")
    if found:
        target = {"deal_id": found[0]["deal_id"], "deal": found[0]["name"]}
    elif not deal.strip():
        raise DealtapeError("a deal name or id is needed")
    else:
        target = {"deal_id": _new_deal_id(deal), "deal": deal.strip()}
    with store.transaction():
        review_id = _insert(store, who, "reassign", conversation_id=conversation_id, value=target)
        views.refresh(store.con, conversation_ids=[conversation_id])
    return Decision(review_id, "reassign", None, None, f"{conversation_id} → {target['deal']} ({target['deal_id']})")


def _new_deal_id(name: str) -> str:
    """The id a sidecar's `deal` of this name gets (views/07_conversation_deals.sql), so both agree."""
    return "d" + hashlib.md5(name.strip().lower().encode("utf-8")).hexdigest()[:10]


# ---- validating an edited value -------------------------------------------------------------

def parse_value(field: str, current: dict, given: list[str], settings: ExtractSettings,
                reference: date | None = None) -> dict:
    """The edited value: `given` is a JSON object, `key=value` pairs, or one bare value for the
    field's main attribute (a next step's action, a stage's name, ...). Each attribute is checked."""
    changes: dict = {}
    for item in given:
        item = item.strip()
        if item.startswith("{"):
            try:
                obj = json.loads(item)
            except json.JSONDecodeError as exc:
                raise DealtapeError(f"--value is not valid JSON ({exc.msg})") from None
            if not isinstance(obj, dict):
                raise DealtapeError("--value JSON must be an object")
            changes.update(obj)
        elif re.match(r"^[a-z_]+=", item):
            key, raw = item.split("=", 1)
            changes[key] = raw
        else:
            changes[PRIMARY.get(field, "value")] = item
    if not changes:
        raise DealtapeError("no value given")
    out = dict(current)
    for key, raw in changes.items():
        allowed = ATTRIBUTES.get(field, ())
        if key not in allowed:
            raise DealtapeError(f"{field} has no attribute {key!r}; it has {', '.join(allowed)}")
        out[key] = _check(field, key, raw, settings, reference)
    return out


def _date(raw, reference: date | None) -> str | None:
    if raw in (None, "", "none", "null"):
        return None
    text = str(raw).strip()
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError:
        pass
    import dateparser

    settings = {"PREFER_DATES_FROM": "future", "RETURN_AS_TIMEZONE_AWARE": False}
    if reference:
        settings["RELATIVE_BASE"] = datetime.combine(reference, datetime.min.time())
    parsed = dateparser.parse(text, languages=["en"], settings=settings)
    if parsed is None:
        raise DealtapeError(f"{text!r} is not a date (try 2026-12-01 or 'next Friday')")
    return parsed.date().isoformat()


def _amount(raw) -> float:
    text = str(raw).strip().lower().replace(",", "").lstrip("$€£")
    match = re.fullmatch(r"(\d+(?:\.\d+)?)\s*(k|m|thousand|million)?", text)
    if not match:
        raise DealtapeError(f"{raw!r} is not an amount (try 120000 or 120k)")
    scale = {"k": 1e3, "thousand": 1e3, "m": 1e6, "million": 1e6}.get(match[2] or "", 1)
    return round(float(match[1]) * scale, 2)


def _flag(raw) -> bool:
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text in ("true", "yes", "y", "1", "active"):
        return True
    if text in ("false", "no", "n", "0", "inactive", "ruled out"):
        return False
    raise DealtapeError(f"{raw!r} is not true or false")


def _text(raw) -> str:
    text = str(raw).strip()
    if not text:
        raise DealtapeError("the value is empty")
    return text


def _check(field: str, key: str, raw, settings: ExtractSettings, reference: date | None):
    if key in ("due_date", "close_date"):
        return _date(raw, reference)
    if key == "amount":
        return _amount(raw)
    if key == "active":
        return _flag(raw)
    if key == "category":
        value = str(raw).strip().lower()
        if value not in OBJECTION_CATEGORIES:
            raise DealtapeError(f"{raw!r} is not an objection category; use one of {', '.join(OBJECTION_CATEGORIES)}")
        return value
    if key in ("stage", "previous"):
        value = str(raw).strip().lower().replace(" ", "_")
        if key == "previous" and value in ("", "none", "null"):
            return None
        if value not in settings.stages:
            raise DealtapeError(f"{raw!r} is not a stage; use one of {', '.join(settings.stages)}")
        return value
    if key == "name" and field == "competitor":
        wanted = str(raw).strip().casefold()
        for canonical, aliases in settings.competitors.items():
            if wanted in {canonical.casefold(), *(a.casefold() for a in aliases)}:
                return canonical
        raise DealtapeError(f"{raw!r} is not in [competitors]; use one of {', '.join(settings.competitors) or '(none configured)'}")
    if key == "owner_side":
        value = str(raw).strip().lower()
        if value not in ("internal", "external"):
            raise DealtapeError(f"{raw!r} is not a side; use internal or external")
        return value
    if key == "currency":
        value = str(raw).strip().upper()
        if not re.fullmatch(r"[A-Z]{3}", value):
            raise DealtapeError(f"{raw!r} is not a currency code (e.g. USD)")
        return value
    return _text(raw)


ATTRIBUTES = {
    "next_step": ("action", "owner", "owner_email", "owner_side", "due_date", "due_text"),
    "objection": ("category", "summary"),
    "competitor": ("name", "active"),
    "competitor_candidate": ("name", "active"),
    "stage": ("stage", "previous"),
    "amount": ("amount", "currency"),
    "close_date": ("close_date",),
}

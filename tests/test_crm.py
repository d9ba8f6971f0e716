"""The CRM layer on a real, extracted demo store: fact states and their precedence, the deal-level
views, the scriptable review commands and the canned queries."""

from __future__ import annotations

import json
import shutil

import duckdb
import polars as pl
import pytest
from typer.testing import CliRunner

from dealtape.cli import app
from dealtape.extract.settings import ExtractSettings
from dealtape.models import config as config_lib
from dealtape.models import queries, review
from dealtape.models.store import Store

from conftest import DATA, TEXT_DATA

runner = CliRunner()
AS_OF = "2026-11-08"
RISKS = {"no_activity", "overdue_next_step", "single_threaded", "active_competitor", "stalled",
         "authority_objection", "no_next_step_after_call"}


def dealtape(db, cfg, *args, env=None):
    return runner.invoke(app, ["--db", str(db), "--config", str(cfg), *args],
                         env={"COLUMNS": "250", **(env or {})})


def ok(result) -> str:
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The demo corpus ingested and extracted once, with a fixed 'today'."""
    folder = tmp_path_factory.mktemp("crm")
    cfg = folder / "dealtape.toml"
    cfg.write_text((DATA / "dealtape.toml").read_text(encoding="utf-8") + f'\n[crm]\nas_of = "{AS_OF}"\n',
                   encoding="utf-8")
    db = folder / "built.duckdb"
    ok(dealtape(db, cfg, "ingest", *TEXT_DATA))
    ok(dealtape(db, cfg, "extract"))
    return db, cfg


@pytest.fixture
def crm(built, tmp_path):
    """A private copy of the built store: (db path, config path)."""
    db, cfg = built
    copy = tmp_path / "crm.duckdb"
    shutil.copy(db, copy)
    return copy, cfg


def q(db, sql, params=None) -> list[dict]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        cur = con.execute(sql, params or [])
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row)) for row in cur.fetchall()]
    finally:
        con.close()


def state(db, fact_id) -> str:
    return q(db, "SELECT state FROM fact_states WHERE fact_id = ?", [fact_id])[0]["state"]


def queue_ids(db) -> set[str]:
    return {r["fact_id"] for r in q(db, "SELECT fact_id FROM review_queue")}


# ---- views --------------------------------------------------------------------------------

VIEW_COLUMNS = {
    "deals": {"deal_id", "account", "name", "owner", "stage", "stage_state", "amount", "close_date", "next_step",
              "last_activity_at", "days_since_activity", "open_next_steps", "open_objections", "competitors",
              "contacts_engaged", "first_activity_at"},
    "next_steps": {"fact_id", "fact_key", "conversation_id", "utterance_id", "source_uri", "deal_id", "account",
                   "action", "owner", "owner_side", "due_date", "state", "confidence", "quote", "speaker",
                   "said_at", "start_s"},
    "objections": {"fact_id", "fact_key", "conversation_id", "utterance_id", "source_uri", "deal_id", "account",
                   "category", "summary", "state", "confidence", "quote", "speaker", "said_at", "start_s"},
    "competitor_mentions": {"fact_id", "fact_key", "conversation_id", "utterance_id", "source_uri", "deal_id",
                            "account", "competitor", "active", "state", "confidence", "quote", "speaker",
                            "said_at", "start_s"},
    "deal_stage_history": {"deal_id", "changed_at", "previous_stage", "stage", "conversation_id", "quote"},
    "review_queue": {"fact_id", "conversation_id", "field", "summary", "confidence", "quote", "speaker"},
    "pipeline": {"stage", "deals", "amount"},
    "deal_risks": {"deal_id", "risk", "reason"},
    "review_stats": {"field", "extractor_version", "confirmed", "edited", "rejected"},
}


def test_a_plain_duckdb_client_sees_every_view_with_its_columns(built):
    db, _ = built
    con = duckdb.connect(str(db), read_only=True)
    try:
        for view, columns in VIEW_COLUMNS.items():
            cur = con.execute(f"SELECT * FROM {view} LIMIT 1")
            assert columns <= {d[0] for d in cur.description}, view
    finally:
        con.close()


def test_every_proposal_starts_proposed_or_abstained(built):
    db, _ = built
    states = {r["state"]: r["n"] for r in q(db, "SELECT state, count(*) AS n FROM fact_states GROUP BY state")}
    assert set(states) == {"proposed", "abstained"}
    assert len(queue_ids(db)) == states["proposed"]
    # Abstained facts fill nothing: they are in no CRM view.
    abstained = {r["fact_id"] for r in q(db, "SELECT fact_id FROM fact_states WHERE state = 'abstained'")}
    shown = {r["fact_id"] for v in ("next_steps", "objections", "competitor_mentions")
             for r in q(db, f"SELECT fact_id FROM {v}")}
    assert abstained and not abstained & shown
    assert all(r["confidence"] < 0.5 for r in q(db, "SELECT confidence FROM fact_states WHERE state = 'abstained'"))


def test_deals_are_filled_from_the_facts(built):
    db, _ = built
    deals = {r["name"]: r for r in q(db, "SELECT * FROM deals")}
    assert len(deals) == 4
    acme = next(d for name, d in deals.items() if name.startswith("Acme"))
    latest_amount = q(db, """SELECT (value ->> 'amount')::DOUBLE AS amount FROM fact_states
                             WHERE deal_id = ? AND field = 'amount' AND state = 'proposed'
                             ORDER BY said_at DESC LIMIT 1""", [acme["deal_id"]])[0]["amount"]
    assert acme["amount"] == latest_amount
    assert acme["stage"] in ExtractSettings().stages and acme["stage_state"] == "proposed"
    assert acme["owner"].endswith("@brightwave.example")
    assert acme["contacts_engaged"] >= 2
    assert "Clari" in acme["competitors"]
    assert acme["days_since_activity"] == (pl.Series([AS_OF]).str.to_date()[0] - acme["last_activity_at"].date()).days
    assert acme["open_next_steps"] == q(db, "SELECT count(*) AS n FROM next_steps WHERE deal_id = ? AND is_open",
                                        [acme["deal_id"]])[0]["n"] > 0


def test_stage_history_runs_in_time_order_and_ends_at_the_deal_stage(built):
    db, _ = built
    for deal in q(db, "SELECT deal_id, stage FROM deals WHERE stage IS NOT NULL"):
        history = q(db, "SELECT * FROM deal_stage_history WHERE deal_id = ? ORDER BY changed_at", [deal["deal_id"]])
        assert history[-1]["stage"] == deal["stage"] and history[-1]["is_current"]
        assert [h["previous_stage"] for h in history[1:]] == [h["stage"] for h in history[:-1]]


def test_deal_risks_are_open_deals_with_reasons(built):
    db, _ = built
    risks = q(db, "SELECT r.*, d.stage FROM deal_risks r JOIN deals d USING (deal_id)")
    assert risks and {r["risk"] for r in risks} <= RISKS
    assert all(r["reason"] and r["stage"] not in ("closed_won", "closed_lost") for r in risks)
    overdue = [r for r in risks if r["risk"] == "overdue_next_step"]
    steps = q(db, "SELECT * FROM next_steps WHERE is_overdue")
    assert steps and all(s["due_date"].isoformat() < AS_OF for s in steps)
    assert len(overdue) == sum(1 for s in steps if s["deal_id"] in {r["deal_id"] for r in risks})


def test_pipeline_sums_the_deals(built):
    db, _ = built
    pipeline_rows = q(db, "SELECT * FROM pipeline")
    assert sum(r["deals"] for r in pipeline_rows) == q(db, "SELECT count(*) AS n FROM deals")[0]["n"]
    assert sum(r["amount"] or 0 for r in pipeline_rows) == pytest.approx(
        q(db, "SELECT sum(amount) AS s FROM deals")[0]["s"])


# ---- decisions and precedence -------------------------------------------------------------

def _pick(db, field, n=1) -> list[dict]:
    return q(db, "SELECT * FROM review_queue WHERE field = ? ORDER BY said_at DESC LIMIT ?", [field, n])


def test_review_commands_change_state_at_once(crm):
    db, cfg = crm
    step, objection, rival = _pick(db, "next_step")[0], _pick(db, "objection")[0], _pick(db, "competitor")[0]
    out = ok(dealtape(db, cfg, "review", "--as", "maya@brightwave.example", "confirm", step["fact_id"]))
    assert out.startswith("confirmed " + step["fact_id"])
    ok(dealtape(db, cfg, "review", "--as", "maya@brightwave.example", "reject", objection["fact_id"][:10]))
    ok(dealtape(db, cfg, "review", "--as", "maya@brightwave.example", "edit", rival["fact_id"], "--value", "active=no"))
    assert state(db, step["fact_id"]) == "confirmed"
    assert state(db, objection["fact_id"]) == "rejected"
    assert state(db, rival["fact_id"]) == "edited"
    assert q(db, "SELECT active FROM competitor_mentions WHERE fact_id = ?", [rival["fact_id"]])[0]["active"] is False
    assert not {step["fact_id"], objection["fact_id"], rival["fact_id"]} & queue_ids(db)
    # Undo takes back the latest decision only.
    assert "edit of" in ok(dealtape(db, cfg, "review", "--as", "maya@brightwave.example", "undo"))
    assert state(db, rival["fact_id"]) == "proposed" and state(db, objection["fact_id"]) == "rejected"
    # Another reviewer has nothing to undo.
    result = dealtape(db, cfg, "review", "--as", "tom@brightwave.example", "undo")
    assert result.exit_code == 1 and "no decision to undo" in result.output
    stats = {r["field"]: r for r in q(db, "SELECT * FROM review_stats")}
    assert (stats["next_step"]["confirmed"], stats["objection"]["rejected"]) == (1, 1)
    assert "competitor" not in stats


def test_an_edited_stage_fills_the_deal_and_a_rejected_amount_empties_it(crm):
    db, cfg = crm
    deal = q(db, "SELECT * FROM deals WHERE stage IS NOT NULL AND amount IS NOT NULL ORDER BY name LIMIT 1")[0]
    current = q(db, "SELECT fact_id FROM deal_stage_history WHERE deal_id = ? AND is_current", [deal["deal_id"]])[0]
    new_stage = next(s for s in ("evaluation", "proposal") if s != deal["stage"])
    ok(dealtape(db, cfg, "review", "edit", current["fact_id"], "--value", new_stage.title()))
    row = q(db, "SELECT stage, stage_state FROM deals WHERE deal_id = ?", [deal["deal_id"]])[0]
    assert (row["stage"], row["stage_state"]) == (new_stage, "edited")
    amounts = q(db, "SELECT fact_id FROM fact_states WHERE deal_id = ? AND field = 'amount' AND state = 'proposed'",
                [deal["deal_id"]])
    ok(dealtape(db, cfg, "review", "reject", *[a["fact_id"] for a in amounts]))
    assert q(db, "SELECT amount FROM deals WHERE deal_id = ?", [deal["deal_id"]])[0]["amount"] is None


@pytest.mark.parametrize("field, value, message", [
    ("stage", "signed", "is not a stage"),
    ("next_step", "due_date=someday maybe", "is not a date"),
    ("competitor", "Salesforce", "is not in [competitors]"),
    ("objection", "vibes", "is not an objection category"),
    ("next_step", "colour=blue", "has no attribute"),
])
def test_edits_are_validated_and_a_bad_one_writes_nothing(crm, field, value, message):
    db, cfg = crm
    fact = _pick(db, field)[0]
    result = dealtape(db, cfg, "review", "edit", fact["fact_id"], "--value", value)
    assert result.exit_code == 1
    assert message in result.output and len(result.output.strip().splitlines()) <= 2
    assert q(db, "SELECT count(*) AS n FROM raw.reviews")[0]["n"] == 0


def test_edit_resolves_dates_relative_to_when_it_was_said(crm):
    db, cfg = crm
    fact = _pick(db, "next_step")[0]
    ok(dealtape(db, cfg, "review", "edit", fact["fact_id"], "--value", "due_date=2026-12-01",
                "--value", "owner=Lena Müller"))
    value = json.loads(q(db, "SELECT value FROM fact_states WHERE fact_id = ?", [fact["fact_id"]])[0]["value"])
    assert (value["due_date"], value["owner"]) == ("2026-12-01", "Lena Müller")
    assert value["action"] == json.loads(fact["value"])["action"]


def test_unknown_fact_is_one_clear_error(crm):
    db, cfg = crm
    result = dealtape(db, cfg, "review", "confirm", "fnope")
    assert result.exit_code == 1 and "no fact 'fnope'" in result.output


def test_decisions_survive_a_reprocess_and_are_not_asked_again(crm):
    db, cfg = crm
    picked = _pick(db, "next_step", 3)
    ok(dealtape(db, cfg, "review", "confirm", picked[0]["fact_id"]))
    ok(dealtape(db, cfg, "review", "reject", picked[1]["fact_id"]))
    ok(dealtape(db, cfg, "review", "edit", picked[2]["fact_id"], "--value", "send the signed order form"))
    before = {p["fact_id"]: state(db, p["fact_id"]) for p in picked}
    ok(dealtape(db, cfg, "reprocess"))
    assert {p["fact_id"]: state(db, p["fact_id"]) for p in picked} == before
    listed = {json.loads(line)["fact_id"] for line in ok(dealtape(db, cfg, "review", "list", "--json")).splitlines()}
    assert listed and not listed & set(before)


def test_a_confirmed_fact_stays_when_a_newer_run_no_longer_proposes_it(crm):
    db, cfg = crm
    kept, dropped = _pick(db, "competitor", 2)
    ok(dealtape(db, cfg, "review", "confirm", kept["fact_id"]))
    with Store.open(db, config=config_lib.load(cfg)) as store:
        # A newer run of the competitor extractor over both conversations that found nothing.
        store.con.execute("""INSERT INTO raw.extraction_coverage
            SELECT 'later-run', conversation_id, transcript_id, 'competitor', '2', now()
            FROM (SELECT DISTINCT conversation_id, transcript_id FROM raw.extractions WHERE fact_key IN (?, ?))""",
                          [kept["fact_id"], dropped["fact_id"]])
    # Raw rows written behind dealtape's back: the derived tables follow once refreshed, as
    # the pipeline does when a run ends.
    assert q(db, "SELECT * FROM fact_states WHERE fact_id = ?", [dropped["fact_id"]])
    assert "rebuilt" in ok(dealtape(db, cfg, "refresh"))
    assert state(db, kept["fact_id"]) == "confirmed"
    assert q(db, "SELECT count(*) AS n FROM competitor_mentions WHERE fact_id = ?", [kept["fact_id"]])[0]["n"] == 1
    assert not q(db, "SELECT * FROM fact_states WHERE fact_id = ?", [dropped["fact_id"]])


def test_auto_accept_fills_fields_without_review(crm, tmp_path):
    db, cfg = crm
    auto = tmp_path / "auto.toml"
    auto.write_text(cfg.read_text(encoding="utf-8") + "\n[review]\nauto_accept = 0.8\n", encoding="utf-8")
    ok(dealtape(db, auto, "init"))  # a writable open records the new setting
    rows = q(db, "SELECT state, confidence FROM fact_states WHERE state IN ('accepted', 'proposed')")
    assert {r["state"] for r in rows if r["confidence"] >= 0.8} == {"accepted"}
    assert {r["state"] for r in rows if r["confidence"] < 0.8} == {"proposed"}
    assert all(r["confidence"] < 0.8 for r in q(db, "SELECT confidence FROM review_queue"))


def test_reassign_moves_a_conversation_and_the_views_follow(crm):
    db, cfg = crm
    conversation = q(db, """SELECT c.conversation_id, d.deal_id FROM conversations c JOIN conversation_deals d
                           USING (conversation_id) JOIN fact_states f USING (conversation_id)
                           WHERE d.deal_id IS NOT NULL ORDER BY c.started_at LIMIT 1""")[0]
    out = ok(dealtape(db, cfg, "review", "reassign", conversation["conversation_id"], "--deal", "Acme expansion"))
    assert "Acme expansion" in out
    moved = q(db, "SELECT deal_id, deal_name FROM conversation_deals WHERE conversation_id = ?",
              [conversation["conversation_id"]])[0]
    assert moved["deal_name"] == "Acme expansion" and moved["deal_id"] != conversation["deal_id"]
    assert q(db, "SELECT conversations FROM deals WHERE deal_id = ?", [moved["deal_id"]])[0]["conversations"] == 1
    assert {r["deal_id"] for r in q(db, "SELECT deal_id FROM fact_states WHERE conversation_id = ?",
                                    [conversation["conversation_id"]])} == {moved["deal_id"]}
    # Back to an existing deal by its id.
    ok(dealtape(db, cfg, "review", "reassign", conversation["conversation_id"], "--deal", conversation["deal_id"]))
    assert q(db, "SELECT deal_id FROM conversation_deals WHERE conversation_id = ?",
             [conversation["conversation_id"]])[0]["deal_id"] == conversation["deal_id"]


def test_reviewer_identity(crm, monkeypatch):
    db, cfg = crm
    assert review.reviewer("a@b.example", config_lib.load(cfg)) == "a@b.example"
    assert review.reviewer(None, config_lib.load(cfg)) == "maya@brightwave.example"  # [team] me
    monkeypatch.setattr(review.getpass, "getuser", lambda: "opsuser")
    assert review.reviewer(None, config_lib.Config()) == "opsuser"
    fact = _pick(db, "next_step")[0]
    ok(dealtape(db, cfg, "review", "confirm", fact["fact_id"], env={"DEALTAPE_REVIEWER": "erin@brightwave.example"}))
    assert q(db, "SELECT reviewer FROM raw.reviews")[0]["reviewer"] == "erin@brightwave.example"


def test_review_list_filters_by_rep_and_deal(built):
    db, cfg = built
    everything = [json.loads(x) for x in ok(dealtape(db, cfg, "review", "list", "--json")).splitlines()]
    toms = [json.loads(x) for x in ok(dealtape(db, cfg, "review", "list", "--json", "--rep",
                                               "tom@brightwave.example")).splitlines()]
    acme = [json.loads(x) for x in ok(dealtape(db, cfg, "review", "list", "--json", "--deal", "acme")).splitlines()]
    assert 0 < len(toms) < len(everything) and 0 < len(acme) < len(everything)
    assert {r["deal_name"] for r in acme} == {n for n in {r["deal_name"] for r in everything} if n and "Acme" in n}
    with_abstained = ok(dealtape(db, cfg, "review", "list", "--json", "--abstained")).splitlines()
    assert len(with_abstained) > len(everything)
    dates = [r["conversation_at"] for r in everything]
    assert dates == sorted(dates, reverse=True)


# ---- canned queries -----------------------------------------------------------------------

REQUIRED = {"pipeline", "deals-at-risk", "stalled-deals", "overdue-next-steps", "next-steps-due",
            "competitor-report", "objections-by-category", "rep-activity", "deal"}


def test_query_list_names_every_canned_query_with_its_parameters(built):
    db, cfg = built
    names = {q.name for q in queries.available()}
    assert REQUIRED <= names
    out = ok(dealtape(db, cfg, "query", "--list"))
    for query in queries.available():
        assert query.name in out and query.description
        for p in query.params:
            assert p.option in out


@pytest.mark.parametrize("name, args", [
    ("pipeline", []), ("deals-at-risk", []), ("stalled-deals", ["--days", "10"]), ("overdue-next-steps", []),
    ("next-steps-due", ["--within", "3650"]), ("competitor-report", ["--since", "2026-01-01"]),
    ("objections-by-category", ["--since", "2026-01-01"]), ("rep-activity", ["--since", "2026-01-01"]),
    ("deal", ["Globex"]),
])
def test_every_canned_query_returns_rows_on_the_demo(built, tmp_path, name, args):
    db, cfg = built
    target = tmp_path / "out.json"
    ok(dealtape(db, cfg, "query", name, *args, "--format", "json", "--output", str(target)))
    rows = json.loads(target.read_text(encoding="utf-8"))
    assert rows, name


def test_next_steps_due_is_relative_to_today(built):
    db, cfg = built
    with Store.open(db, read_only=True) as store:
        soon = queries.run(store, "next-steps-due", {"within": "7"})
        later = queries.run(store, "next-steps-due", {"within": "3650"})
    assert len(soon) <= len(later)
    assert all(str(d) >= AS_OF for d in later["due_date"].to_list())


def test_the_deal_query_tells_one_deals_story(built):
    db, cfg = built
    with Store.open(db, read_only=True) as store:
        story = queries.run(store, "deal", {"deal": "Globex"})
    sections = story["section"].to_list()
    assert sections[0] == "deal" and "Globex" in story["what"][0]
    assert {"stage", "next step", "objection", "conversation"} <= set(sections)
    assert sections == sorted(sections, key=["deal", "stage", "next step", "objection", "competitor",
                                             "conversation"].index)


def test_query_parameters_are_bound_not_formatted(built):
    db, cfg = built
    with Store.open(db, read_only=True) as store:
        assert queries.run(store, "deal", {"deal": "x' OR '1'='1"}).is_empty()
        assert queries.run(store, "pipeline", {"owner": "nobody@x' OR 'a'='a"}).is_empty()


@pytest.mark.parametrize("args, message", [
    (["stalled-deals", "--days", "soon"], "--days must be a whole number"),
    (["stalled-deals", "--weeks", "3"], "has no option --weeks"),
    (["deal"], "needs --deal"),
    (["no-such-query"], "no canned query"),
    (["competitor-report", "--since", "last tuesday"], "must be a date"),
])
def test_bad_query_arguments_are_one_clear_error(built, args, message):
    db, cfg = built
    result = dealtape(db, cfg, "query", *args)
    assert result.exit_code == 1 and message in result.output


def test_query_writes_csv_and_parquet(built, tmp_path):
    db, cfg = built
    ok(dealtape(db, cfg, "query", "pipeline", "--format", "csv", "--output", str(tmp_path / "p.csv")))
    ok(dealtape(db, cfg, "query", "pipeline", "--format", "parquet", "--output", str(tmp_path / "p.parquet")))
    from_csv, from_parquet = pl.read_csv(tmp_path / "p.csv"), pl.read_parquet(tmp_path / "p.parquet")
    assert from_csv["stage"].to_list() == from_parquet["stage"].to_list()
    assert from_csv["deals"].sum() == from_parquet["deals"].sum() == 4


DERIVED = ("conversation_deals", "conversation_speakers", "fact_states", "next_steps", "objections", "deal_warnings", "deal_stage_history",
           "competitor_mentions", "deals")


def _derived_rows(store: Store) -> dict[str, list[tuple]]:
    return {t: store.con.execute(f"SELECT * FROM derived.{t} ORDER BY ALL").fetchall() for t in DERIVED}


def test_each_decision_updates_the_derived_tables_as_a_full_rebuild_would(crm):
    """A review rebuilds only the rows its facts, conversation and deals touch; after every kind of
    decision those rows must be what rebuilding every derived table from the raw ones gives."""
    db, cfg = crm
    step, objection = _pick(db, "next_step")[0], _pick(db, "objection")[0]
    moved = q(db, """SELECT conversation_id FROM fact_states WHERE field = 'next_step' AND deal_id IS NOT NULL
                     ORDER BY said_at DESC LIMIT 1""")[0]["conversation_id"]
    with Store.open(db, config=config_lib.load(cfg)) as store:
        before = _derived_rows(store)
        decisions = [
            lambda: review.decide(store, [step["fact_id"]], "confirm", "rep@x.example"),
            lambda: review.decide(store, [objection["fact_id"]], "edit", "rep@x.example",
                                  value={**json.loads(objection["value"]), "category": "security"}),
            lambda: review.decide(store, [step["fact_id"]], "reject", "rep@x.example"),
            lambda: review.reassign(store, moved, "A brand new deal", "rep@x.example"),
            lambda: review.undo(store, "rep@x.example"),
            lambda: review.undo(store, "rep@x.example"),
        ]
        for decide in decisions:
            decide()
            incremental = _derived_rows(store)
            store.refresh()
            assert _derived_rows(store) == incremental
        assert _derived_rows(store) != before  # the decisions in force (confirm, edit) changed something

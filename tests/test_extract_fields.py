"""Each extracted field on small hand-written conversations (tests/data/extract, see its README):
the cases a field must find, and the decoys it must not.

The corpus is ingested and extracted once per module (`dealtape extract`, real models); the
tests read the current facts (the `facts` view).
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from conftest import ROOT
from dealtape.cli import app

CORPUS = ROOT / "tests" / "data" / "extract"
CONFIG = CORPUS / "dealtape.toml"

NORA = "nora.quist@lanternly.example"
PRIYA = "priya.anand@lanternly.example"
BEN = "ben.harlow@fernhill.example"
OLGA = "olga.reyes@fernhill.example"
JUNE = "june.park@quillon.example"

FERNHILL_CALL = "2026-10-06-fernhill-discovery"       # Tuesday 6 October 2026
FERNHILL_EMAIL = "2026-10-08-fernhill-quote"
QUILLON_CALL = "2026-10-13-quillon-review"             # Tuesday 13 October 2026
SALTMARSH_CALL = "2026-10-14-saltmarsh-intro"
MARLOW = ["2026-09-15-marlow-discovery", "2026-09-29-marlow-proposal", "2026-10-02-marlow-scheduling",
          "2026-10-20-marlow-signed"]

runner = CliRunner()


def _name(source_uri: str) -> str:
    """The conversation's file name without folder, extension or mbox message index."""
    return Path(source_uri.split("#")[0]).stem


@pytest.fixture(scope="module")
def corpus_db(tmp_path_factory) -> Path:
    """The corpus ingested and extracted into a fresh DuckDB file."""
    db = tmp_path_factory.mktemp("extract-fields") / "fields.duckdb"
    for args in (["ingest", str(CORPUS)], ["extract"]):
        result = runner.invoke(app, ["--db", str(db), "--config", str(CONFIG), *args])
        assert result.exit_code == 0, result.output
    return db


@pytest.fixture(scope="module")
def utterances(corpus_db) -> dict[str, list[str]]:
    """What each conversation says, as ingested: file name -> utterance texts."""
    con = duckdb.connect(str(corpus_db), read_only=True)
    try:
        out: dict[str, list[str]] = {}
        for uri, text in con.execute("""SELECT c.source_uri, t.text FROM timeline t JOIN conversations c
                                        USING (conversation_id) ORDER BY t.conversation_id, t.position""").fetchall():
            out.setdefault(_name(uri), []).append(text)
        return out
    finally:
        con.close()


@pytest.fixture(scope="module")
def facts(corpus_db) -> list[dict]:
    """Every current fact of the corpus, with the file it came from."""
    con = duckdb.connect(str(corpus_db), read_only=True)
    try:
        names = {cid: _name(uri) for cid, uri in con.execute(
            "SELECT conversation_id, source_uri FROM conversations").fetchall()}
        assert len(names) == 8 and set(names.values()) >= {FERNHILL_CALL, FERNHILL_EMAIL, QUILLON_CALL,
                                                            SALTMARSH_CALL, *MARLOW}
        cols = ["conversation_id", "deal_id", "field", "value", "quote", "speaker", "side", "said_at"]
        rows = con.execute(f"SELECT {', '.join(cols)} FROM facts ORDER BY said_at, quote_start").fetchall()
    finally:
        con.close()
    out = []
    for row in rows:
        fact = dict(zip(cols, row))
        fact["value"] = json.loads(fact["value"])
        fact["conversation"] = names[fact["conversation_id"]]
        out.append(fact)
    return out


def of(facts: list[dict], conversation: str, field: str) -> list[dict]:
    return [f for f in facts if f["conversation"] == conversation and f["field"] == field]


def with_quote(facts: list[dict], conversation: str, field: str, text: str) -> list[dict]:
    return [f for f in of(facts, conversation, field) if text in f["quote"]]


# ---- next steps ------------------------------------------------------------------------------

def test_first_person_commitment_with_due_date_relative_to_the_call(facts):
    found = with_quote(facts, FERNHILL_CALL, "next_step", "I'll send you the integration guide by Friday")
    assert len(found) == 1, of(facts, FERNHILL_CALL, "next_step")
    value = found[0]["value"]
    assert value["owner_email"] == NORA and value["owner_side"] == "internal"
    assert value["due_date"] == "2026-10-09"  # the Friday after Tuesday 6 October
    assert "integration guide" in value["action"]


def test_named_teammate_owns_her_commitment(facts):
    found = with_quote(facts, FERNHILL_CALL, "next_step", "Priya will set up a sandbox")
    assert len(found) == 1, of(facts, FERNHILL_CALL, "next_step")
    value = found[0]["value"]
    assert value["owner_email"] == PRIYA  # said by Nora, owned by Priya
    assert value["due_date"] == "2026-10-07"  # tomorrow
    assert "sandbox" in value["action"]


def test_two_owners_in_one_sentence_are_two_next_steps(facts):
    found = with_quote(facts, FERNHILL_CALL, "next_step", "I'll pull last quarter's numbers and Olga will share")
    assert sorted(f["value"]["owner_email"] for f in found) == sorted([BEN, OLGA])


def test_two_owners_in_one_sentence_each_get_their_own_action(facts):
    found = {f["value"]["owner_email"]: f["value"]["action"]
             for f in with_quote(facts, FERNHILL_CALL, "next_step", "I'll pull last quarter's numbers")}
    assert "pull last quarter's numbers" in found[BEN] and "Olga" not in found[BEN]
    assert "share the data dictionary" in found[OLGA] and "pull" not in found[OLGA]


def test_accepted_request_is_owned_by_the_one_who_accepted(facts):
    # Ben: "Can you send over the SOC 2 report?"  Nora: "Sure, will do."
    found = with_quote(facts, FERNHILL_CALL, "next_step", "Can you send over the SOC 2 report?")
    assert len(found) == 1, of(facts, FERNHILL_CALL, "next_step")
    assert found[0]["value"]["owner_email"] == NORA
    assert found[0]["speaker"] == "Ben Harlow"  # the quote is the request
    assert "SOC 2 report" in found[0]["value"]["action"]


def test_request_addressed_by_name_is_owned_by_that_person(facts):
    # Nora: "June, you'll send over the usage export from the trial?"  June: "Yep, I'll get it to you by Monday."
    found = [f for f in of(facts, QUILLON_CALL, "next_step")
             if "usage export" in f["quote"] or "get it to you by Monday" in f["quote"]]
    assert found, of(facts, QUILLON_CALL, "next_step")
    assert {f["value"]["owner_email"] for f in found} == {JUNE}
    assert "2026-10-19" in {f["value"]["due_date"] for f in found}  # the Monday after Tuesday 13 October


def test_accepted_chat_request(facts):
    # Carla: "can you resend the invite link? I can't find it"  Nora: "sure, will do"
    found = with_quote(facts, MARLOW[2], "next_step", "can you resend the invite link?")
    assert [f["value"]["owner_email"] for f in found] == [NORA]


@pytest.mark.parametrize("conversation, text", [
    (FERNHILL_CALL, "I already sent over the security whitepaper last week"),           # already done
    (FERNHILL_CALL, "Should we loop in our IT folks at some point?"),                    # open question
    (FERNHILL_CALL, "If you wanted, we could run a workshop for your analysts"),        # hypothetical
    (FERNHILL_CALL, "We should grab coffee sometime"),                                   # vague wish
    (FERNHILL_EMAIL, "Next steps: pricing and rollout"),                                 # agenda title
    (SALTMARSH_CALL, "We should grab coffee sometime"),                                  # vague wish
], ids=["already-done", "open-question", "hypothetical", "vague-wish", "agenda-title", "vague-wish-2"])
def test_not_next_steps(facts, conversation, text):
    assert with_quote(facts, conversation, "next_step", text) == []


@pytest.mark.parametrize("conversation, text", [
    (FERNHILL_CALL, "I already sent over the security whitepaper last week."),
    (FERNHILL_CALL, "Should we loop in our IT folks at some point?"),
    (FERNHILL_CALL, "If you wanted, we could run a workshop for your analysts."),
    (FERNHILL_EMAIL, "Next steps: pricing and rollout"),
    (FERNHILL_EMAIL, "That works out to $1,200 per seat per year."),
    (FERNHILL_EMAIL, "Our budget ceiling for the annual contract is $60,000, so there's room."),
    (SALTMARSH_CALL, "Price isn't a concern for us."),
    (SALTMARSH_CALL, "If price were an issue, we'd just start with one team anyway."),
    (SALTMARSH_CALL, "I know our price is too high for some teams"),
    (SALTMARSH_CALL, "a sigma of error"),
    (SALTMARSH_CALL, "the lunch gong"),
    (SALTMARSH_CALL, "onlookers"),
    (SALTMARSH_CALL, "We should grab coffee sometime"),
])
def test_decoys_are_ingested_as_written(utterances, conversation, text):
    """The decoy tests would pass vacuously if a decoy sentence never reached the extractors."""
    assert any(text in u for u in utterances[conversation]), utterances[conversation]


# ---- objections ------------------------------------------------------------------------------

def test_prospect_price_concern_is_a_price_objection(facts):
    found = [f for f in of(facts, QUILLON_CALL, "objection") if f["value"]["category"] == "price"]
    assert len(found) == 1, of(facts, QUILLON_CALL, "objection")  # one per (conversation, category)
    assert found[0]["speaker"] == "Hank Moss" and found[0]["side"] == "external"
    assert found[0]["quote"] in ("Honestly, the price is too high for us.",
                                 "It's way above what we budgeted for this year.")


def test_objections_come_only_from_the_prospect(facts):
    objections = [f for f in facts if f["field"] == "objection"]
    assert objections
    assert {f["side"] for f in objections} == {"external"}
    assert not [f for f in objections if "I know our price is too high" in f["quote"]]


def test_negated_and_hypothetical_concerns_are_not_objections(facts):
    assert [f for f in of(facts, SALTMARSH_CALL, "objection") if f["value"]["category"] == "price"] == []
    quotes = [f["quote"] for f in facts if f["field"] == "objection"]
    assert not [q for q in quotes if "isn't a concern" in q or "If price were an issue" in q]


def test_a_budget_with_room_is_not_an_objection(facts):
    # Ben: "Our budget ceiling for the annual contract is $60,000, so there's room."
    assert [f for f in of(facts, FERNHILL_EMAIL, "objection") if f["value"]["category"] == "price"] == []


# ---- competitors -----------------------------------------------------------------------------

def test_asr_spelling_of_a_competitor_is_a_mention(facts):
    found = of(facts, FERNHILL_CALL, "competitor")
    assert [(f["value"]["name"], f["value"]["active"]) for f in found] == [("Gong", True)]
    assert "gongio" in found[0]["quote"]


def test_competitors_active_ruled_out_and_multiword_alias(facts):
    found = {f["value"]["name"]: f for f in of(facts, QUILLON_CALL, "competitor")}
    assert {name: f["value"]["active"] for name, f in found.items()} == {"Gong": True, "Looker": False, "Sigma": True}
    assert "ruled out Looker" in found["Looker"]["quote"]
    assert "Sigma Computing" in found["Sigma"]["quote"]


def test_common_words_equal_to_an_alias_are_not_mentions(facts):
    # "a sigma of error", "the lunch gong", and "onlookers" (holds "looker" inside a word)
    assert of(facts, SALTMARSH_CALL, "competitor") == []


# ---- amount and close date -------------------------------------------------------------------

def test_quoted_deal_amount_is_found_not_per_seat_price_or_budget(facts):
    found = of(facts, FERNHILL_EMAIL, "amount")
    assert [(f["value"]["amount"], f["value"]["currency"]) for f in found] == [(48000, "USD")]
    assert "$48k" in found[0]["quote"]
    everywhere = {f["value"]["amount"] for f in facts if f["field"] == "amount"}
    assert not everywhere & {1200, 60000}  # "$1,200 per seat per year", "budget ceiling ... is $60,000"


def test_close_date_from_a_signing_sentence(facts):
    found = of(facts, FERNHILL_EMAIL, "close_date")
    assert [f["value"]["close_date"] for f in found] == ["2026-10-30"]
    assert "sign by October 30th" in found[0]["quote"]


# ---- stage -----------------------------------------------------------------------------------

def test_stage_walks_the_deal_in_time_order(facts):
    stages = sorted((f for f in facts if f["field"] == "stage" and f["conversation"] in MARLOW),
                    key=lambda f: MARLOW.index(f["conversation"]))
    assert [(f["conversation"], f["value"]["stage"], f["value"]["previous"]) for f in stages] == [
        (MARLOW[0], "discovery", None),
        (MARLOW[1], "proposal", "discovery"),
        (MARLOW[3], "closed_won", "proposal"),
    ]
    assert len({f["deal_id"] for f in stages}) == 1


def test_conversation_without_stage_words_does_not_move_the_stage(facts):
    assert of(facts, MARLOW[2], "stage") == []
    assert of(facts, MARLOW[2], "next_step")  # it was extracted, and found something else


@pytest.mark.parametrize("text, amount", [
    ("Seven thousand two hundred a year works for us.", 7200),
    ("The total is twelve thousand five hundred and fifty dollars.", 12550),
    ("We agreed on forty-four thousand dollars.", 44000),
])
def test_spelled_amounts_keep_what_follows_the_multiplier(text, amount):
    from dealtape.extract import deal_terms

    assert deal_terms._amount(deal_terms._MONEY.search(text)) == (amount, "USD")

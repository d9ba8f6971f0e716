"""`dealtape review` (the interactive session) driven key by key from an 80×24 pseudo-terminal.

The demo corpus is ingested and extracted once; each test reviews its own copy of that database
and then reads the views the decisions feed.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import sys

import duckdb
import pexpect
import pytest
from typer.testing import CliRunner

from conftest import DATA, ROOT, TEXT_DATA
from dealtape.cli import app

CONFIG = DATA / "dealtape.toml"
REVIEWER = "rep@brightwave.example"
PROMPT = "(y/n/e/a/s/u/q/?)"
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
runner = CliRunner()


def dealtape(db, *args) -> str:
    result = runner.invoke(app, ["--db", str(db), "--config", str(CONFIG), *args])
    assert result.exit_code == 0, result.output
    return result.output


def query(db, sql: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def states(db, fact_ids) -> dict[str, str]:
    return dict(query(db, "SELECT fact_id, state FROM fact_states WHERE list_contains(?, fact_id)", [list(fact_ids)]))


class Terminal:
    """`dealtape review` in a pseudo-terminal, with everything it printed kept in `transcript`."""

    def __init__(self, db, *args):
        env = dict(os.environ, COLUMNS="80", LINES="24", TERM="xterm")
        env.pop("DEALTAPE_REVIEWER", None)
        self.output = io.StringIO()
        self.child = pexpect.spawn(sys.executable, ["-m", "dealtape", "--db", str(db), "--config", str(CONFIG),
                                                    "review", "--as", REVIEWER, *args],
                                   cwd=str(ROOT), env=env, dimensions=(24, 80), encoding="utf-8", timeout=30)
        self.child.logfile_read = self.output

    def press(self, key: str, then: str | None = None) -> None:
        """Wait for the key prompt, press `key`, and wait for `then` to be printed."""
        self.child.expect_exact(PROMPT)
        self.child.send(key)
        if then:
            self.child.expect_exact(then)

    def type(self, prompt: str, text: str) -> None:
        """At an edit prompt, clear the prefilled value, type `text` and Enter."""
        self.child.expect_exact(prompt)
        self.child.send("\x15" + text + "\r")

    def finish(self) -> str:
        self.child.expect(pexpect.EOF)
        self.child.close()
        assert self.child.exitstatus == 0, self.transcript
        return self.transcript

    @property
    def transcript(self) -> str:
        return ANSI.sub("", self.output.getvalue())


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The demo corpus ingested and extracted: facts proposed, none decided."""
    db = tmp_path_factory.mktemp("review-tui") / "demo.duckdb"
    dealtape(db, "init")
    dealtape(db, "ingest", *TEXT_DATA)
    dealtape(db, "extract")
    return db


@pytest.fixture
def db(demo, tmp_path):
    copy = tmp_path / "review.duckdb"
    shutil.copy(demo, copy)
    return copy


@pytest.fixture
def proposals(db) -> list[dict]:
    """The queue in session order."""
    return [json.loads(line) for line in dealtape(db, "review", "list", "--json").splitlines()]


def test_session_decisions_reach_the_views_and_survive_reprocess(db, proposals):
    confirmed, edited, undone = proposals[:3]
    assert edited["field"] == "next_step" and edited["said_at"].startswith("2026-11-05")

    session = Terminal(db)
    session.press("y", then="confirmed")
    session.press("e")
    session.type("action> ", "due_date=not a date")
    session.child.expect_exact("'not a date' is not a date")
    session.type("action> ", "send the pen test report due_date=next friday")
    session.child.expect(r"edited: (\x1b\[[0-9;]*m)*send the pen test report")
    session.press("n", then="rejected")
    session.press("u", then="rejected taken back")
    session.child.expect_exact(PROMPT)
    after_undo = session.transcript.rsplit("taken back", 1)[1]
    assert undone["summary"][:30] in after_undo and undone["quote"][:30] in after_undo
    session.child.send("q")
    transcript = session.finish()

    assert "1 confirmed, 1 edited, 0 rejected, 0 skipped" in transcript
    assert max(map(len, re.split(r"[\r\n]+", transcript))) <= 80

    ids = [confirmed["fact_id"], edited["fact_id"], undone["fact_id"]]
    expected = {confirmed["fact_id"]: "confirmed", edited["fact_id"]: "edited", undone["fact_id"]: "proposed"}
    assert states(db, ids) == expected
    value = json.loads(query(db, "SELECT value FROM fact_states WHERE fact_id = ?", [edited["fact_id"]])[0][0])
    assert value["action"] == "send the pen test report"
    assert value["due_date"] == "2026-11-06"  # the Friday after the call, not after today
    assert value["owner"] == edited["value"]["owner"]
    reviews = query(db, """SELECT action, fact_key, reviewer, undoes FROM raw.reviews ORDER BY reviewed_at""")
    assert [r[:3] for r in reviews] == [("confirm", ids[0], REVIEWER), ("edit", ids[1], REVIEWER),
                                        ("reject", ids[2], REVIEWER), ("undo", None, REVIEWER)]
    assert reviews[3][3] == query(db, "SELECT review_id FROM raw.reviews WHERE action = 'reject'")[0][0]

    runs = query(db, "SELECT count(*) FROM raw.extraction_runs")[0][0]
    dealtape(db, "reprocess")
    assert query(db, "SELECT count(*) FROM raw.extraction_runs")[0][0] == runs + 1
    assert states(db, ids) == expected
    assert json.loads(query(db, "SELECT value FROM fact_states WHERE fact_id = ?", [edited["fact_id"]])[0][0]) == value
    listed = {json.loads(line)["fact_id"] for line in dealtape(db, "review", "list", "--json").splitlines()}
    assert confirmed["fact_id"] not in listed and edited["fact_id"] not in listed
    assert undone["fact_id"] in listed


def test_quit_at_once_writes_nothing(db, proposals):
    session = Terminal(db)
    session.press("q")
    assert "0 confirmed, 0 edited, 0 rejected, 0 skipped" in session.finish()
    assert query(db, "SELECT count(*) FROM raw.reviews")[0][0] == 0
    assert query(db, "SELECT count(*) FROM fact_states WHERE state = 'proposed'")[0][0] == len(proposals)


def test_confirm_all_takes_the_rest_of_the_conversation_only(db, proposals):
    skipped, first = proposals[0], proposals[1]
    conversation = [p["fact_id"] for p in proposals if p["conversation_id"] == first["conversation_id"]]
    following = [p["fact_id"] for p in proposals if p["conversation_id"] != first["conversation_id"]]
    assert skipped["conversation_id"] != first["conversation_id"] and len(conversation) > 2

    session = Terminal(db)
    session.press("s", then="skipped")
    session.press("y", then="confirmed")
    session.press("a", then=f"confirmed {len(conversation) - 1} in this conversation")
    session.press("q")
    transcript = session.finish()

    assert f"{len(conversation)} confirmed, 0 edited, 0 rejected, 1 skipped" in transcript
    assert set(states(db, conversation).values()) == {"confirmed"}
    assert set(states(db, following).values()) == {"proposed"}
    assert query(db, "SELECT count(*) FROM raw.reviews")[0][0] == len(conversation)


def test_unknown_keys_and_help_leave_the_proposal_undecided(db, proposals):
    session = Terminal(db)
    session.press("x", then="unknown key")
    session.press("\x1b[A", then="unknown key")
    session.press("?", then="undo your last decision")
    session.press("u", then="nothing to undo")
    session.press("e")
    session.type("action> ", "")
    session.child.expect_exact("edit cancelled")
    session.press("q")
    assert "0 confirmed, 0 edited, 0 rejected, 0 skipped" in session.finish()
    assert query(db, "SELECT count(*) FROM raw.reviews")[0][0] == 0


def test_empty_queue_says_so(db):
    session = Terminal(db, "--deal", "no such deal anywhere")
    assert session.finish().strip() == "nothing to review"

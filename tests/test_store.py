"""The store: migrations, append-only writes, idempotence, one transaction per batch, views."""

from datetime import datetime, timezone

import duckdb
import pytest

from dealtape.models import migrations
from dealtape.models.config import AccountsConfig, Config, TeamConfig
from dealtape.models.errors import DealtapeError, ReadOnly
from dealtape.models.records import Conversation, Participant, Source, Utterance
from dealtape.models.store import Store, resolve_path

RAW_TABLES = ("sources", "conversations", "conversation_keys", "participants", "transcripts", "utterances")


def email(msgid: str, text: str, sender="bob@acme.example", parent: str | None = None, day=1) -> Conversation:
    raw = f"Message-ID: <{msgid}>\n\n{text}".encode()
    return Conversation(
        kind="email", thread_key=f"email:{parent or msgid}", source=Source.from_bytes("eml", f"{msgid}.eml", raw),
        title="Pricing", participants=[Participant("Bob Stone", sender), Participant("Maya", "maya@dealtape.example")],
        utterances=[Utterance(text, speaker=sender, kind="message", external_id=msgid, parent_id=parent,
                              sent_at=datetime(2026, 9, day, 12, tzinfo=timezone.utc))],
        keys=[f"msgid:{msgid}"] + ([f"msgid:{parent}"] if parent else []),
        lookup_keys=[f"msgid:{parent}"] if parent else [],
    )


def rows(store):
    return {t: store.scalar(f"SELECT count(*) FROM raw.{t}") for t in RAW_TABLES}


def test_init_records_migrations_and_is_repeatable(store_path, config):
    with Store.open(store_path, config=config, create=True) as store:
        first = dict(migrations.applied(store.con))
    with Store.open(store_path, config=config) as store:
        assert store.upgrade(config) == []
        assert dict(migrations.applied(store.con)) == first
    assert list(first) == [m.name for m in migrations.available()]


def test_opening_a_missing_database_says_what_to_do(tmp_path):
    with pytest.raises(DealtapeError, match="no such database") as err:
        Store.open(tmp_path / "missing.duckdb")
    assert "dealtape init" in err.value.hint


def test_db_path_from_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("DEALTAPE_DB", str(tmp_path / "env.duckdb"))
    assert resolve_path(None) == tmp_path / "env.duckdb"
    assert resolve_path(tmp_path / "flag.duckdb") == tmp_path / "flag.duckdb"


def test_second_write_of_the_same_records_adds_nothing(store):
    run = store.begin_run("ingest")
    first = store.write([email("a@x", "hello"), email("b@x", "re: hello", parent="a@x")], run)
    before = rows(store)
    again = store.write([email("a@x", "hello"), email("b@x", "re: hello", parent="a@x")], run)
    assert (first.new, first.conversations, first.utterances) == (2, 1, 2)
    assert (again.new, again.duplicate) == (0, 2)
    assert rows(store) == before


def test_same_message_id_with_other_bytes_is_one_message(store):
    run = store.begin_run("ingest")
    store.write([email("a@x", "hello")], run)
    result = store.write([email("a@x", "hello, with another footer")], run)
    assert result.duplicate == 1
    assert store.scalar("SELECT count(*) FROM raw.utterances") == 1


def test_reply_arriving_first_is_joined_by_its_parent(store):
    run = store.begin_run("ingest")
    store.write([email("b@x", "re: hello", parent="a@x")], run)
    store.write([email("a@x", "hello")], run)
    assert store.scalar("SELECT count(DISTINCT conversation_id) FROM raw.utterances") == 1


def test_a_failing_batch_stores_nothing(store):
    run = store.begin_run("ingest")
    broken = email("c@x", "fine")
    broken.utterances[0].text = None  # violates NOT NULL at insert time
    with pytest.raises(duckdb.Error):
        store.write([email("a@x", "hello"), broken], run)
    assert set(rows(store).values()) == {0}


def test_settings_are_appended_only_when_they_change(store_path, tmp_path):
    cfg = Config(team=TeamConfig(internal_domains=("dealtape.example",)), path=tmp_path / "dealtape.toml")
    with Store.open(store_path, config=cfg, create=True) as store:
        n = store.scalar("SELECT count(*) FROM _dealtape_settings")
    with Store.open(store_path, config=cfg) as store:
        assert store.scalar("SELECT count(*) FROM _dealtape_settings") == n
    moved = Config(team=TeamConfig(internal_domains=("new.example",)), path=tmp_path / "dealtape.toml")
    with Store.open(store_path, config=moved) as store:
        assert store.scalar("SELECT count(*) FROM _dealtape_settings") == n + 1
        assert store.settings()["team.internal_domains"] == ["new.example"]
    with Store.open(store_path, config=Config()) as store:  # no config file: keep what is stored
        assert store.settings()["team.internal_domains"] == ["new.example"]


def test_views_are_persistent_for_any_duckdb_client(store_path):
    cfg = Config(team=TeamConfig(internal_domains=("dealtape.example",)),
                 accounts=AccountsConfig(names={"acme.example": "Acme Corp"}))
    with Store.open(store_path, config=cfg, create=True) as store:
        store.write([email("a@x", "hello"), email("b@x", "hi", parent="a@x", day=3)], store.begin_run("ingest"))
        gmail = email("g@x", "from home", sender="pat@gmail.com")
        store.write([gmail], store.begin_run("ingest"))
    con = duckdb.connect(str(store_path), read_only=True)
    try:
        convs = con.execute(
            "SELECT account, account_name, participants, utterances, started_at < ended_at FROM conversations "
            "ORDER BY started_at").fetchall()
        assert convs == [("acme.example", "Acme Corp", 2, 2, True), (None, None, 2, 1, False)]
        sides = dict(con.execute("SELECT identity, side FROM people WHERE conversation_id = "
                                 "(SELECT conversation_id FROM raw.utterances WHERE external_id = 'a@x')").fetchall())
        assert sides == {"bob@acme.example": "external", "maya@dealtape.example": "internal"}
        assert con.execute("SELECT account, contacts, email_threads FROM accounts").fetchall() == [("acme.example", 1, 1)]
        assert con.execute("SELECT count(*) FROM contacts").fetchall() == [(2,)]  # bob and the gmail sender
        assert con.execute("SELECT text FROM timeline WHERE external_id = 'b@x'").fetchall() == [("hi",)]
    finally:
        con.close()


def test_read_only_store_refuses_writes(store_path, config):
    Store.open(store_path, config=config, create=True).close()
    with Store.open(store_path, read_only=True) as store:
        with pytest.raises(ReadOnly, match="read-only"):
            store.query("DELETE FROM raw.sources")

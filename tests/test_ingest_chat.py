"""Slack exports (folder and zip) and JSON Lines chat, ingested into a real DuckDB store."""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import pytest

from dealtape.ingest import run
from conftest import raw_counts, rows
from dealtape.models.store import Store

HERE = Path(__file__).resolve().parent / "data" / "chat"
SLACK = HERE / "slack_export"
PORTAL = HERE / "acme-portal.jsonl"
counts = raw_counts


def zip_export(folder: Path, target: Path, top: str = "") -> Path:
    """Zip an unpacked export the way Slack does (members at the root, or under one top folder)."""
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                archive.write(path, top + path.relative_to(folder).as_posix())
    return target


def write_export(root: Path, days: dict[str, object]) -> Path:
    """A minimal export: one member, one channel, and the given day files (raw text or JSON)."""
    root.mkdir(parents=True)
    (root / "users.json").write_text(json.dumps([{"id": "U1", "team_id": "T1", "real_name": "Ana Ruiz",
                                                  "profile": {"email": "ana@dealtape.example"}}]))
    (root / "channels.json").write_text(json.dumps([{"id": "C9", "name": "deals"}]))
    for name, content in days.items():
        path = root / "deals" / name
        path.parent.mkdir(exist_ok=True)
        path.write_text(content if isinstance(content, str) else json.dumps(content))
    return root


# ---- Slack -----------------------------------------------------------------------------


def test_slack_export_folder(store):
    report = run([SLACK], store)

    assert report.ok, report.failed
    assert report.items == 4
    assert counts(store) == {"sources": 4, "conversations": 6, "conversation_keys": 6, "participants": 14,
                             "transcripts": 6, "utterances": 17, "ingest_errors": 0}
    assert rows(store, "SELECT DISTINCT kind FROM raw.sources") == [("slack",)]
    assert rows(store, "SELECT DISTINCT kind FROM raw.conversations") == [("chat",)]

    # the thread started on 03-05 with replies on 03-05 and 03-06 is one conversation
    thread = rows(store, """SELECT c.title, count(*), count(DISTINCT u.source_id), count(u.parent_id)
                            FROM raw.utterances u JOIN raw.conversations c USING (conversation_id)
                            WHERE c.thread_key = 'slack:C01SHARED:1709651400.525010' GROUP BY c.title""")
    assert thread == [("#acme-dealtape — Thanks Maya. Two questions before our review on…", 5, 2, 4)]
    assert rows(store, "SELECT DISTINCT parent_id FROM raw.utterances WHERE parent_id IS NOT NULL ORDER BY 1") == [
        ("slack:C01SHARED:1709651400.525010",), ("slack:C02DEAL:1709810700.140421",)]
    assert {r[0] for r in rows(store, "SELECT thread_key FROM raw.conversations")} == {
        "slack:C01SHARED:2024-03-05", "slack:C01SHARED:1709651400.525010", "slack:C01SHARED:2024-03-06",
        "slack:C02DEAL:2024-03-05", "slack:C02DEAL:2024-03-07", "slack:C02DEAL:1709810700.140421"}

    kinds = dict(rows(store, "SELECT kind, count(*) FROM raw.utterances GROUP BY kind"))
    assert kinds == {"join": 1, "bot": 1, "system": 1, "message": 14}
    assert rows(store, "SELECT speaker, text FROM raw.utterances WHERE kind = 'join'") == [
        ("Tom Becker", "@Tom Becker has joined the channel")]
    bot = "SELECT speaker, text, meta->>'$.attachments[0].title' FROM raw.utterances WHERE kind = 'bot'"
    assert rows(store, bot) == [
        ("Salesforce", "Opportunity Acme Logistics - 250 seats moved to Stage 2: Discovery",
         "Acme Logistics - 250 seats")]

    texts = [r[0] for r in rows(store, "SELECT text FROM raw.utterances ORDER BY sent_at")]
    assert ("Welcome @Tom Becker! This is our shared channel for the Acme Logistics evaluation. "
            "@Raj Patel is your solutions engineer.") in texts
    assert ("@here Acme wants SSO + pricing by Friday. @Maya Chen can you own the proposal? "
            "Context in #acme-dealtape") in texts
    assert "Pricing looks higher than Gong's offer (<$90/seat>). Can you do better on the annual plan?" in texts
    assert "SSO is fine. Their security review will need the SOC 2 & pen test summary." in texts
    assert not [t for t in texts if "<@" in t or "<!" in t or "<http" in t or "&amp;" in t]
    link = rows(store, "SELECT text, meta->>'$.links[0].url' FROM raw.utterances WHERE text LIKE 'Yes, Okta%'")
    assert link == [("Yes, Okta SSO over SAML is included in the Business tier. SSO setup guide",
                     "https://docs.dealtape.example/sso")]
    shared_file = rows(store, """SELECT meta->>'$.files[0].name', meta->>'$.files[0].type',
                                        CAST(meta->>'$.files[0].size' AS INTEGER)
                                 FROM raw.utterances WHERE json_exists(meta, '$.files')""")
    assert shared_file == [("Dealtape-pricing-Acme-250.pdf", "application/pdf", 184320)]

    people = set(rows(store, "SELECT DISTINCT identity, name, email, domain, side_hint FROM raw.participants"))
    assert people == {
        ("maya.chen@dealtape.example", "Maya Chen", "maya.chen@dealtape.example", "dealtape.example", "internal"),
        ("raj.patel@dealtape.example", "Raj Patel", "raj.patel@dealtape.example", "dealtape.example", "internal"),
        ("lena.ortiz@dealtape.example", "Lena Ortiz", "lena.ortiz@dealtape.example", "dealtape.example", "internal"),
        # a guest of the workspace, and a Slack Connect user from the prospect's own workspace
        ("tom.becker@acmelogistics.com", "Tom Becker", "tom.becker@acmelogistics.com", "acmelogistics.com",
         "external"),
        ("priya shah", "Priya Shah", None, None, "external"),
        ("salesforce", "Salesforce", None, None, None),
        # an id missing from users.json still works: the id is the label
        ("u0gone7", "U0GONE7", None, None, "internal"),
    }
    # every utterance points at a participant of its own conversation
    assert rows(store, """SELECT count(*) FROM raw.utterances u LEFT JOIN raw.participants p
                          ON p.participant_id = u.participant_id AND p.conversation_id = u.conversation_id
                          WHERE p.participant_id IS NULL""") == [(0,)]
    first_sent = rows(store, "SELECT min(sent_at) = TIMESTAMPTZ '2024-03-05 14:00:00.248516+00' FROM raw.utterances")
    assert first_sent == [(True,)]

    before = counts(store)
    again = run([SLACK], store)
    assert again.ok and again.written.new == 0 and again.written.duplicate == 4
    assert counts(store) == before


@pytest.mark.parametrize("top", ["", "Acme Slack export Mar 5 2024 - Mar 7 2024/"])
def test_slack_zip_matches_folder(store, tmp_path, config, top):
    archive = zip_export(SLACK, tmp_path / "export.zip", top)
    report = run([archive], store)
    assert report.ok, report.failed
    assert rows(store, "SELECT uri FROM raw.sources WHERE uri LIKE '%acme-dealtape/2024-03-05.json'") == [
        (f"{archive}!acme-dealtape/2024-03-05.json",)]

    query = """SELECT u.external_id, u.conversation_id, c.thread_key, u.kind, u.speaker, u.sent_at, u.text,
                      u.parent_id, p.identity, p.side_hint
               FROM raw.utterances u JOIN raw.conversations c USING (conversation_id)
               JOIN raw.participants p USING (participant_id) ORDER BY u.external_id"""
    with Store.open(tmp_path / "folder.duckdb", config=config, create=True) as from_folder:
        run([SLACK], from_folder)
        assert rows(store, query) == rows(from_folder, query)
        assert len(rows(store, query)) == 17

    before = counts(store)
    report = run([SLACK, archive], store)  # the same day files again, from both forms
    assert report.ok and report.written.new == 0
    assert counts(store) == before


def test_slack_corrupt_day_file_rejected_alone(store, tmp_path):
    export = tmp_path / "export"
    shutil.copytree(SLACK, export)
    broken = export / "deal-acme-logistics" / "2024-03-07.json"
    broken.write_text(broken.read_text()[:300])  # cut off mid-export

    report = run([export], store)

    errors = rows(store, "SELECT uri, kind, error FROM raw.ingest_errors")
    assert len(errors) == 1
    uri, kind, error = errors[0]
    assert (uri, kind) == (str(broken), "slack")
    assert error.startswith("not valid JSON") and "\n" not in error
    assert [r.uri for r in report.failed] == [str(broken)]
    assert counts(store)["sources"] == 3
    assert counts(store)["conversations"] == 4
    assert counts(store)["utterances"] == 13


def test_slack_bad_messages_and_edits(store, tmp_path):
    export = write_export(tmp_path / "export", {
        "2024-04-02.json": [
            {"type": "message", "user": "U1", "ts": "1712044800.000100", "text": "Quote v1 sent to Acme"},
            {"type": "message", "user": "U1", "text": "no timestamp here"},
            "not a message",
            {"type": "message", "subtype": "message_changed", "ts": "1712044900.000200",
             "message": {"type": "message", "user": "U1", "ts": "1712044800.000100",
                         "text": "Quote v2 sent to Acme", "edited": {"user": "U1", "ts": "1712044900.000000"}}},
            {"type": "message", "subtype": "message_deleted", "ts": "1712045000.000300", "hidden": True,
             "deleted_ts": "1712044700.000000"},
            {"type": "message", "subtype": "tombstone", "user": "USLACKBOT", "ts": "1712045100.000400",
             "thread_ts": "1712045100.000400", "text": "This message was deleted.", "hidden": True},
            {"type": "message", "user": "U1", "ts": "1712045200.000500", "thread_ts": "1712045100.000400",
             "text": "Reply that outlived its parent"},
        ],
        "2024-04-03.json": {"messages": []},
        "2024-04-04.json": [
            {"type": "message", "subtype": "message_changed", "ts": "1712217600.000100",
             "message": {"type": "message", "user": "U1", "ts": "1712044800.000100", "text": "Quote v3 sent"}},
        ],
    })

    report = run([export], store)

    errors = sorted(rows(store, "SELECT uri, error FROM raw.ingest_errors"))
    day = export / "deals"
    assert errors == [
        (str(day / "2024-04-02.json") + ":message 2", "no ts"),
        (str(day / "2024-04-02.json") + ":message 3", "not a message object (found str)"),
        (str(day / "2024-04-03.json"), "not a JSON list of messages (found dict)"),
    ]
    assert not report.ok
    got = rows(store, "SELECT kind, speaker, text, meta->>'$.edited', meta->>'$.edit_of' FROM raw.utterances "
                      "ORDER BY sent_at")
    assert got == [
        ("message", "Ana Ruiz", "Quote v2 sent to Acme", "true", None),  # edited in the same day file
        ("system", None, "(message deleted)", None, None),
        ("system", "Slackbot", "This message was deleted.", None, None),
        ("message", "Ana Ruiz", "Reply that outlived its parent", None, None),
        ("system", "Ana Ruiz", "Quote v3 sent", None, "slack:C9:1712044800.000100"),  # edit of an earlier day
    ]
    threads = rows(store, "SELECT c.thread_key, count(*) FROM raw.utterances JOIN raw.conversations c USING "
                          "(conversation_id) GROUP BY 1 ORDER BY 1")
    assert threads == [("slack:C9:1712045100.000400", 2), ("slack:C9:2024-04-02", 2), ("slack:C9:2024-04-04", 1)]


def test_slack_unreadable_exports_rejected_in_one_line(store, tmp_path):
    not_zip = tmp_path / "workspace.zip"
    not_zip.write_bytes(b"PK\x03\x04 truncated download")
    no_users = tmp_path / "no-users.zip"
    with zipfile.ZipFile(no_users, "w") as archive:
        archive.writestr("channels.json", "[]")
        archive.writestr("general/2024-03-05.json", "[]")
    bad_users = write_export(tmp_path / "bad-users", {"2024-03-05.json": []})
    (bad_users / "users.json").write_text("[{")

    report = run([not_zip, no_users, bad_users], store, kind="slack")

    errors = {uri: error for uri, error in rows(store, "SELECT uri, error FROM raw.ingest_errors")}
    assert set(errors) == {str(not_zip), str(no_users), str(bad_users)}
    assert errors[str(not_zip)].startswith("not a readable zip archive")
    assert errors[str(no_users)] == "not a Slack export (no users.json)"
    assert errors[str(bad_users)].startswith("users.json: not valid JSON: ")
    assert all("\n" not in e for e in errors.values())
    assert len(report.failed) == 3
    assert counts(store)["sources"] == 0


# ---- JSON Lines ------------------------------------------------------------------------


def test_chat_jsonl_threads_days_and_bad_lines(store):
    report = run([PORTAL], store)

    assert sorted((r.uri, r.reason) for r in report.failed) == [
        (f"{PORTAL}:line 5", "ts 'yesterday' unreadable (expected ISO-8601 or epoch seconds)"),
        (f"{PORTAL}:line 7", "not valid JSON: Unterminated string starting at at line 1 column 63"),
    ]
    assert counts(store) == {"sources": 1, "conversations": 3, "conversation_keys": 3, "participants": 5,
                             "transcripts": 3, "utterances": 5, "ingest_errors": 2}
    assert rows(store, "SELECT kind, uri FROM raw.sources") == [("chat-jsonl", str(PORTAL))]
    convs = rows(store, """SELECT c.thread_key, c.title, count(*) FROM raw.conversations c
                           JOIN raw.utterances u USING (conversation_id) GROUP BY ALL ORDER BY 1""")
    assert convs == [
        ("chat:acme-portal:2024-03-08", "#acme-portal 2024-03-08", 2),
        ("chat:acme-portal:2024-03-09", "#acme-portal 2024-03-09", 1),
        ("chat:acme-portal:proposal-v2",
         "#acme-portal — Security questionnaire for the proposal: can you confirm…", 2),
    ]
    got = rows(store, "SELECT external_id, parent_id, speaker, kind, sent_at FROM raw.utterances ORDER BY sent_at")
    assert [g[:4] for g in got] == [
        ("chat:acme-portal:2024-03-08T09:00:00+00:00:tom.becker@acmelogistics.com", None, "Tom Becker", "message"),
        ("chat:acme-portal:2024-03-08T09:04:30+00:00:maya.chen@dealtape.example", None,
         "maya.chen@dealtape.example", "message"),
        ("chat:acme-portal:m-1001", None, "Priya Shah", "message"),
        ("chat:acme-portal:m-1002", "chat:acme-portal:m-1001", "Raj Patel", "message"),
        ("chat:acme-portal:2024-03-09T08:00:00+00:00:tom.becker@acmelogistics.com", None, "Tom Becker", "message"),
    ]
    assert [g[4].isoformat() for g in got][2:4] == ["2024-03-08T09:15:00+00:00", "2024-03-08T10:30:00+00:00"]
    assert rows(store, "SELECT DISTINCT email FROM raw.participants WHERE name = 'Tom Becker'") == [
        ("tom.becker@acmelogistics.com",)]

    before = counts(store)
    again = run([PORTAL], store)
    assert again.written.new == 0 and again.written.duplicate == 1
    after = counts(store)
    assert after.pop("ingest_errors") == before.pop("ingest_errors") + 2  # each run reports its bad lines
    assert after == before


def test_chat_jsonl_appended_lines_add_only_new_messages(store, tmp_path):
    chat = tmp_path / "acme-portal.jsonl"
    chat.write_bytes(PORTAL.read_bytes())
    run([chat], store)
    before = counts(store)

    with chat.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps({"ts": "2024-03-09T09:00:00Z", "sender": "Priya Shah", "id": "m-1003",
                                 "thread": "proposal-v2", "text": "Thanks, that closes the questionnaire."}) + "\n")
        handle.write(json.dumps({"ts": "2024-03-09T09:30:00Z", "sender": "maya.chen@dealtape.example",
                                 "text": "Countersigned MSA is in your inbox."}) + "\n")
    report = run([chat], store)

    after = counts(store)
    assert report.written.utterances == 2
    assert after["utterances"] == before["utterances"] + 2
    assert after["sources"] == before["sources"] + 1
    assert after["conversations"] == before["conversations"]
    assert after["participants"] == before["participants"] + 1  # Maya is new on 03-09
    joined = rows(store, """SELECT c.thread_key, u.parent_id FROM raw.utterances u JOIN raw.conversations c
                            USING (conversation_id) WHERE u.external_id = 'chat:acme-portal:m-1003'""")
    assert joined == [("chat:acme-portal:proposal-v2", "chat:acme-portal:m-1001")]


def test_chat_jsonl_repeated_second_and_detection(store, tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    chat = inbox / "burst.ndjson"
    line = {"ts": 1712044800, "sender": {"name": "Ana Ruiz", "email": "Ana@Dealtape.example"}, "text": "one"}
    chat.write_text("\n".join(json.dumps({**line, "text": t}) for t in ("one", "two", "three")) + "\n")
    not_chat = inbox / "events.jsonl"
    not_chat.write_text(json.dumps({"event": "page_view"}) + "\n")

    report = run([inbox], store)

    assert report.items == 1 and report.ignored == [not_chat]
    ids = [r[0] for r in rows(store, "SELECT external_id FROM raw.utterances ORDER BY seq")]
    base = "chat:burst:2024-04-02T08:00:00+00:00:ana@dealtape.example"
    assert ids == [base, base + "#2", base + "#3"]


def test_abcd_customer_service_chats(store, tmp_path, external):
    """ABCD (Chen et al., 2021) dialogues rewritten as JSON Lines: one thread per dialogue."""
    dialogues = json.loads((external / "text" / "abcd" / "abcd_sample.json").read_text(encoding="utf-8"))
    lines = []
    for n, dialogue in enumerate(dialogues):
        personal = dialogue["scenario"]["personal"]
        customer = {"name": personal["customer_name"].title(), "email": personal.get("email")}
        for turn, (role, text) in enumerate(dialogue["original"]):
            sender = {"agent": {"name": "Agent"}, "customer": customer, "action": "system"}[role]
            lines.append({"ts": 1700000000 + 3600 * n + 20 * turn, "sender": sender, "text": text,
                          "thread": dialogue["convo_id"], "kind": "system" if role == "action" else "message"})
    chat = tmp_path / "abcd.jsonl"
    chat.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")

    report = run([chat], store)

    assert report.ok, report.failed
    per_thread = dict(rows(store, "SELECT c.thread_key, count(*) FROM raw.utterances JOIN raw.conversations c "
                                  "USING (conversation_id) GROUP BY 1"))
    assert per_thread == {f"chat:abcd:{d['convo_id']}": len(d["original"]) for d in dialogues}
    kinds = dict(rows(store, "SELECT kind, count(*) FROM raw.utterances GROUP BY 1"))
    assert kinds == {"system": sum(r == "action" for d in dialogues for r, _ in d["original"]),
                     "message": sum(r != "action" for d in dialogues for r, _ in d["original"])}
    first = dialogues[0]
    assert rows(store, """SELECT DISTINCT p.email FROM raw.participants p
                          JOIN raw.conversations c USING (conversation_id) WHERE c.thread_key = ? AND p.name = ?""",
                [f"chat:abcd:{first['convo_id']}", first["scenario"]["personal"]["customer_name"].title()]) == [
        (first["scenario"]["personal"]["email"],)]


def test_slack_replies_ingested_before_their_parent_join_it(store):
    later_day = SLACK / "acme-dealtape" / "2024-03-06.json"
    first = run([later_day], store)  # one day file, detected inside its unpacked export
    assert first.ok and first.items == 1
    assert rows(store, "SELECT uri FROM raw.sources") == [(str(later_day),)]

    run([SLACK], store)

    assert counts(store)["conversations"] == 6 and counts(store)["utterances"] == 17
    thread = rows(store, """SELECT count(*), min(u.text) FILTER (WHERE u.parent_id IS NULL) FROM raw.utterances u
                            JOIN raw.conversations c USING (conversation_id)
                            WHERE c.thread_key = 'slack:C01SHARED:1709651400.525010'""")
    assert thread == [(5, "Thanks Maya. Two questions before our review on Friday: do you support SSO with Okta, "
                          "and can you send pricing for 250 seats?")]

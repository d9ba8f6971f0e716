"""Email (.eml, mbox, Maildir) ingested into a real DuckDB store through `dealtape.ingest.run`."""

from __future__ import annotations

import base64
import random
import shutil
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

from dealtape.ingest import get, run
from conftest import RAW_TABLES, raw_counts, rows
from dealtape.models.store import Store

HERE = Path(__file__).resolve().parent / "data" / "email"
THREE_THREADS = HERE / "three_threads.mbox"
counts = raw_counts


def conversation_of(store: Store, message_id: str) -> str:
    return rows(store, "SELECT conversation_id FROM raw.utterances WHERE external_id = ?", [message_id])[0][0]


def text_of(store: Store, message_id: str) -> str:
    return rows(store, "SELECT text FROM raw.utterances WHERE external_id = ?", [message_id])[0][0]


def mbox_messages(path: Path) -> list[bytes]:
    """The separator-led chunks of a small test mbox (every 'From ' separator here has a time of day)."""
    chunks = path.read_bytes().split(b"\n\nFrom ")
    return [chunks[0]] + [b"From " + c for c in chunks[1:]]


# ---- mbox ------------------------------------------------------------------------------


def test_mbox_with_three_threads(store):
    report = run([THREE_THREADS], store)

    assert report.ok, report.failed
    assert report.items == 1
    assert counts(store) == {"sources": 7, "conversations": 3, "conversation_keys": 13, "participants": 7,
                             "transcripts": 3, "utterances": 7, "ingest_errors": 0}
    threads = rows(store, """SELECT c.title, c.thread_key, c.kind, count(*), min(u.sent_at) = c.started_at
                             FROM raw.utterances u JOIN raw.conversations c USING (conversation_id)
                             GROUP BY c.title, c.thread_key, c.kind, c.started_at ORDER BY c.title""")
    assert threads == [
        ("Pilot scope for Initech", "email:pilot-1@brightwave.example", "email", 3, True),
        ("Renewal pricing for 2024", "email:renewal-1@brightwave.example", "email", 2, True),
        ("Security questionnaire", "email:security-1@brightwave.example", "email", 2, True),
    ]
    assert rows(store, "SELECT DISTINCT kind FROM raw.utterances") == [("message",)]
    assert rows(store, "SELECT uri FROM raw.sources ORDER BY uri LIMIT 1") == [(f"{THREE_THREADS}#0",)]

    first = rows(store, """SELECT u.speaker, p.identity, p.name, p.email, p.domain, u.sent_at, u.parent_id,
                                  u.meta->>'$.subject'
                           FROM raw.utterances u JOIN raw.participants p USING (participant_id)
                           WHERE u.external_id = 'pilot-2@initech.example'""")
    assert first == [("Joanna Reyes", "joanna.reyes@initech.example", "Joanna Reyes", "joanna.reyes@initech.example",
                      "initech.example", datetime(2024, 3, 4, 11, 30, tzinfo=timezone.utc),
                      "pilot-1@brightwave.example", "RE: Pilot scope for Initech")]
    pilot_people = rows(store, """SELECT p.identity FROM raw.participants p JOIN raw.conversations c
                                  USING (conversation_id) WHERE c.title = 'Pilot scope for Initech' ORDER BY 1""")
    assert pilot_people == [("curtis.lee@initech.example",), ("joanna.reyes@initech.example",),
                            ("maya@brightwave.example",)]
    # mboxrd/mboxo quoting is undone, and an unquoted "From " line in a body does not split it
    assert "\nFrom our side the kickoff can be on the 18th." in text_of(store, "pilot-1@brightwave.example")
    assert text_of(store, "pilot-2@initech.example") == (
        "Looks good. Legal needs to review the data processing terms first.\n\n"
        "From Tuesday on I am out, so please send the DPA to Curtis.\n\nJoanna")
    # a date with an offset is stored as the same instant
    assert rows(store, "SELECT sent_at FROM raw.utterances WHERE external_id = 'renewal-2@globex.example'") == [
        (datetime(2024, 3, 5, 20, 45, tzinfo=timezone.utc),)]


def test_reply_with_only_in_reply_to_joins_its_parent(store):
    run([THREE_THREADS], store)
    assert rows(store, "SELECT parent_id FROM raw.utterances WHERE external_id = 'renewal-2@globex.example'") == [
        ("renewal-1@brightwave.example",)]
    assert conversation_of(store, "renewal-2@globex.example") == conversation_of(store, "renewal-1@brightwave.example")


def test_second_ingest_adds_nothing(store):
    first = run([THREE_THREADS, HERE / "parent.eml", HERE / "attachment.eml"], store)
    before = counts(store)

    again = run([THREE_THREADS, HERE / "parent.eml", HERE / "attachment.eml"], store)

    assert first.written.new == 9
    assert again.ok and again.written.new == 0 and again.written.duplicate == 9
    assert counts(store) == before


def test_truncated_mbox_keeps_complete_messages(store, tmp_path):
    data = THREE_THREADS.read_bytes()
    cut_in_body = tmp_path / "cut_in_body.mbox"
    cut_in_body.write_bytes(data[:data.index(b"pen test summary")])
    cut_in_headers = tmp_path / "cut_in_headers.mbox"
    cut_in_headers.write_bytes(data[:data.index(b"Message-ID: <security-2") + 20] + b"\n")

    report = run([cut_in_body, cut_in_headers], store)

    assert sorted((r.uri, r.kind) for r in report.failed) == [
        (f"{cut_in_body}#6", "mbox"), (f"{cut_in_headers}#6", "mbox")]
    assert all("truncated" in r.reason for r in report.failed)
    assert rows(store, "SELECT count(*) FROM raw.ingest_errors WHERE error LIKE 'message truncated%'") == [(2,)]
    # both files hold the same six complete messages: stored once
    assert counts(store)["utterances"] == 6
    assert rows(store, "SELECT count(*) FROM raw.utterances WHERE external_id = 'security-2@umbrella.example'") == [
        (0,)]


def test_garbage_file_is_rejected(store, tmp_path):
    junk = tmp_path / "junk.mbox"
    junk.write_bytes(bytes(random.Random(1).getrandbits(8) for _ in range(5000)))

    report = run([junk], store)

    assert [(r.uri, r.kind) for r in report.failed] == [(str(junk), "mbox")]
    assert "not an mbox" in report.failed[0].reason and "\n" not in report.failed[0].reason
    assert counts(store)["ingest_errors"] == 1 and counts(store)["sources"] == 0


def test_unusable_message_is_rejected_and_the_rest_goes_on(store, tmp_path):
    messages = mbox_messages(THREE_THREADS)
    broken = (b"From nobody Thu Mar  7 10:00:00 2024\nX-Mailer: nothing\nSubject: no sender\n\n\n")
    mbox = tmp_path / "mixed.mbox"
    mbox.write_bytes(b"\n".join([messages[0], broken, messages[3], b""]))

    report = run([mbox], store)

    assert [(r.uri, r.reason) for r in report.failed] == [(f"{mbox}#1", "no sender (From) and no text body")]
    assert counts(store)["utterances"] == 2


# ---- single messages and folders -------------------------------------------------------


def test_child_ingested_before_parent_joins_the_same_conversation(store):
    run([HERE / "child.eml"], store)
    later = run([HERE / "parent.eml"], store)

    assert later.ok and later.written.conversations == 0
    assert counts(store)["conversations"] == 1
    assert conversation_of(store, "rollout-1@brightwave.example") == conversation_of(store, "rollout-2@hooli.example")
    assert rows(store, "SELECT thread_key, title FROM raw.conversations") == [
        ("email:rollout-1@brightwave.example", "Hooli rollout plan")]


def test_reply_without_headers_joins_by_subject(store):
    run([HERE / "pricing.eml"], store)
    run([HERE / "re_pricing.eml"], store)

    assert counts(store)["conversations"] == 1
    assert rows(store, "SELECT title FROM raw.conversations") == [("Pricing",)]
    assert conversation_of(store, "pricing-2@vandelay.example") == conversation_of(store, "pricing-1@brightwave.example")


def test_same_subject_without_reply_prefix_stays_separate(store):
    """Both register "subject:weekly pipeline report"; only a reply prefix may look it up.

    Needs the store to join through lookup_keys and thread_key only, as records.Conversation says.
    """
    run([HERE / "weekly_a.eml"], store)
    run([HERE / "weekly_b.eml"], store)

    assert counts(store)["conversations"] == 2


def test_quoted_reply_and_signature_are_stripped(store):
    run([HERE / "quoted_reply.eml"], store)

    text, full_length = rows(store, """SELECT text, CAST(meta->>'$.body_chars' AS INTEGER) FROM raw.utterances""")[0]
    assert text == ("Maya,\n\nThanks, we can accept $78,000 if you include onboarding.\n"
                    "Our procurement team will send the PO next week.")
    assert full_length > len(text) + 150


def test_attachment_is_listed_but_its_bytes_stay_in_the_raw_source(store):
    run([HERE / "attachment.eml"], store)

    listed = rows(store, "SELECT text, meta->'$.attachments' FROM raw.utterances")
    assert listed == [("Ken, the order form is attached. Please sign by Friday.",
                       '[{"content_type":"application/pdf","name":"Order Form.pdf","size":1076}]')]
    raw = rows(store, "SELECT content FROM raw.sources")[0][0]
    pdf = base64.b64decode(raw.split(b"base64\n\n")[1].split(b"--XYZ--")[0])
    assert len(pdf) == 1076 and b"DEALTAPE-ATTACHMENT-MARKER" in pdf
    # nothing but the raw source holds the file, decoded or encoded
    encoded = base64.encodebytes(pdf).split(b"\n")[3].decode()
    assert encoded.encode() in raw
    for table in RAW_TABLES:
        columns = "* EXCLUDE (content)" if table == "sources" else "*"
        dump = " ".join(str(row) for row in rows(store, f"SELECT {columns} FROM raw.{table}"))
        assert "DEALTAPE-ATTACHMENT-MARKER" not in dump and encoded not in dump, table


def test_maildir_folder(store, tmp_path):
    maildir = tmp_path / "Mail"
    for sub in ("cur", "new", "tmp"):
        (maildir / sub).mkdir(parents=True)
    shutil.copy(HERE / "parent.eml", maildir / "cur" / "1710234000.M1P1.host:2,S")
    shutil.copy(HERE / "child.eml", maildir / "new" / "1710252000.M2P2.host")
    shutil.copy(HERE / "pricing.eml", maildir / "tmp" / "1710320000.M3P3.host")  # still being delivered

    report = run([tmp_path], store)

    assert report.ok, report.failed
    assert report.items == 2
    assert rows(store, "SELECT kind, uri FROM raw.sources ORDER BY uri") == [
        ("maildir", str(maildir / "cur" / "1710234000.M1P1.host:2,S")),
        ("maildir", str(maildir / "new" / "1710252000.M2P2.host"))]
    assert counts(store)["conversations"] == 1


def test_same_message_in_two_files_is_stored_once(store, tmp_path):
    first = mbox_messages(THREE_THREADS)[0]
    copy = tmp_path / "pilot.eml"  # saved by a client that added a header: other bytes, same Message-ID
    copy.write_bytes(b"Received: from mx.initech.example; Mon, 4 Mar 2024 09:00:05 +0000\n"
                     + first.split(b"\n", 1)[1])

    report = run([THREE_THREADS, copy], store)

    assert report.ok and report.written.new == 7 and report.written.duplicate == 1
    assert rows(store, "SELECT count(*) FROM raw.utterances WHERE external_id = 'pilot-1@brightwave.example'") == [
        (1,)]
    assert rows(store, "SELECT count(*) FROM raw.sources WHERE uri = ?", [str(copy)]) == [(0,)]


def test_charsets_decode_to_real_letters(store):
    files = ["koi8r.eml", "latin2.eml", "html_only_latin1.eml", "wrong_charset.eml", "unknown_charset.eml"]
    report = run([HERE / name for name in files], store)
    assert report.ok, report.failed

    found = {r[0]: r[1:] for r in rows(store, """SELECT u.external_id, u.text, u.speaker, u.meta->>'$.subject'
                                                 FROM raw.utterances u""")}
    assert found["koi8r-1@yandex.example"] == ("Здравствуйте! Нам нужна цена на 50 лицензий.", "Лена", "Привет")
    assert found["latin2-1@firma.example"] == (
        "Dzień dobry, proszę o ofertę na 20 stanowisk. Zażółć gęślą jaźń.", "Tomasz Kowalski",
        "Zapytanie o ofertę")
    html_text, html_speaker, _ = found["html-1@societe.example"]
    assert "Le déploiement coûte trop cher. Pouvez-vous réduire le prix de 10" in html_text
    assert "François valide le budget" in html_text and html_speaker == "Renée Dupont"
    assert "<" not in html_text and "color" not in html_text and "&" not in html_text
    assert found["wrong-1@empresa.example"][0] == (
        "El precio de la renovación está bien, señor. Mañana firmamos el contrato con la compañía.")
    assert found["unknown-1@firma.example"] == (
        "Wir möchten 200 Lizenzen bestellen, Größe ist kein Problem.", "Jürgen Weiß", "Größere Bestellung")
    everything = " ".join(str(r) for r in rows(store, "SELECT text, speaker, meta FROM raw.utterances"))
    assert "\ufffd" not in everything


def test_missing_date_and_message_id(store, tmp_path):
    message = tmp_path / "undated.txt"
    message.write_bytes(b"From: Ann <ann@acme.example>\nTo: bo@acme.example\nSubject: Notes\nDate: someday soon\n"
                        b"\nCall notes attached.\n")

    run([message], store)
    run([message], store)

    found = rows(store, "SELECT external_id, sent_at, text FROM raw.utterances")
    assert len(found) == 1
    assert found[0][0].startswith("sha256:") and len(found[0][0]) == 7 + 64
    assert found[0][1:] == (None, "Call notes attached.")
    assert rows(store, "SELECT kind FROM raw.sources") == [("eml",)]


def test_detection(tmp_path):
    eml, mbox, maildir = get("eml"), get("mbox"), get("maildir")
    headers = tmp_path / "saved.txt"
    headers.write_text("Return-Path: <a@b.example>\nFrom: a@b.example\nSubject: hi\n\nbody\n")
    transcript = tmp_path / "call.txt"
    transcript.write_text("Alice: hello there\nBob: hi\n")
    envelope = tmp_path / "inbox"
    envelope.write_text("From a@b.example Mon Mar  4 09:00:00 2024\nFrom: a@b.example\n\nbody\n")

    assert eml.detect(headers) and not mbox.detect(headers)
    assert not eml.detect(transcript) and not mbox.detect(transcript)
    assert mbox.detect(envelope) and mbox.detect(THREE_THREADS) and not eml.detect(THREE_THREADS)
    assert eml.detect(HERE / "parent.eml") and not mbox.detect(HERE / "parent.eml")
    assert not maildir.detect(tmp_path)
    for sub in ("cur", "new", "tmp"):
        (tmp_path / sub).mkdir()
    assert maildir.detect(tmp_path)


# ---- threading accuracy on a messy mailing-list archive --------------------------------


def messy_list_archive(path: Path, seed: int = 11) -> int:
    """~60 list messages in 8 threads, written the way real archives look.

    Some replies carry only In-Reply-To, some a References list cut to its first and last
    ids, a few parents never reached the archive, a few replies arrive before their parent,
    subjects gain list tags and localized prefixes, and some replies lose their headers.
    Returns how many messages were written.
    """
    rng = random.Random(seed)
    start = datetime(2024, 2, 1, 9, tzinfo=timezone.utc)
    people = [f"dev{i}@project{i % 5}.example" for i in range(14)]
    messages: list[tuple[datetime, EmailMessage]] = []
    for thread in range(8):
        topic = f"Proposal {thread}: " + rng.choice(["caching layer", "release schedule", "API freeze",
                                                     "docs overhaul", "CI costs", "licensing"])
        chain: list[tuple[str, list[str]]] = []  # (message id, its references)
        when = start + timedelta(days=thread)
        for n in range(rng.randint(5, 10)):
            msg = EmailMessage()
            msg["From"] = rng.choice(people)
            msg["To"] = "devel@lists.project.example"
            msg["Date"] = format_datetime(when)
            own = f"t{thread}.m{n}.{rng.randrange(10**6)}@mail.example"
            msg["Message-ID"] = f"<{own}>"
            if chain:
                parent, parent_refs = rng.choice(chain[-3:])
                refs = parent_refs + [parent]
                prefix = rng.choice(["Re: ", "RE: ", "Re: [devel] ", "AW: ", "Re[2]: "])
                msg["Subject"] = prefix + topic
                style = rng.random()
                if style < 0.6:
                    msg["In-Reply-To"] = f"<{parent}>"
                    msg["References"] = " ".join(f"<{r}>" for r in refs)
                elif style < 0.8:
                    msg["In-Reply-To"] = f"<{parent}>"
                elif style < 0.95:
                    msg["In-Reply-To"] = f"<{parent}>"
                    msg["References"] = " ".join(f"<{r}>" for r in dict.fromkeys([refs[0], refs[-1]]))
                # else: a web-archive reply with no threading headers at all
            else:
                refs = []
                msg["Subject"] = "[devel] " + topic
            msg.set_content(f"Point {n} about {topic}.\n\n> earlier text\n\n-- \n{msg['From']}\n")
            chain.append((own, refs))
            messages.append((when, msg))
            when += timedelta(hours=rng.randint(1, 30))
    messages.sort(key=lambda item: item[0])
    kept = [m for i, (_, m) in enumerate(messages) if i % 23 != 7]  # a few never reached the archive
    for i in range(5, len(kept) - 1, 17):  # and a few replies arrived before their parent
        kept[i], kept[i + 1] = kept[i + 1], kept[i]
    with path.open("wb") as out:
        for msg in kept:
            out.write(b"From list-bounces@lists.project.example Thu Feb  1 09:00:00 2024\n")
            out.write(msg.as_bytes().replace(b"\nFrom ", b"\n>From ") + b"\n")
    return len(kept)


def test_threading_accuracy_on_a_messy_archive(store, tmp_path):
    archive = tmp_path / "devel.mbox"
    written = messy_list_archive(archive)

    report = run([archive], store)

    assert report.ok, report.failed
    assert counts(store)["utterances"] == written
    linked, same = rows(store, """SELECT count(*), count(*) FILTER (WHERE c.conversation_id = p.conversation_id)
                                  FROM raw.utterances c JOIN raw.utterances p ON c.parent_id = p.external_id""")[0]
    assert linked >= 40
    assert same / linked >= 0.95, f"{same}/{linked} replies share their parent's conversation"
    # eight threads, give or take a split caused by a reply whose parent never arrived
    assert 8 <= counts(store)["conversations"] <= 11


# ---- third-party fixtures (CPython's email test data) ----------------------------------


def test_cpython_email_fixtures(store, external):
    folder = external / "email" / "cpython_test_email"
    files = sorted(folder.glob("msg_*.txt"))

    report = run([folder], store, kind="eml")
    skipped = [f for f in files if not get("eml").detect(f)]
    # a file with no headers at all is not detected as email in a folder; named explicitly it is rejected
    assert [f.name for f in skipped] == ["msg_19.txt"]
    explicit = run(skipped, store, kind="eml")
    assert [r.reason for r in explicit.failed] == ["not an email: no From, To, Subject, Date or Message-ID header"]

    stored = {r[0] for r in rows(store, "SELECT uri FROM raw.sources")}
    failed = {r[0] for r in rows(store, "SELECT uri FROM raw.ingest_errors")}
    assert not stored & failed
    # the rest repeat the Message-ID of msg_01.txt or msg_04.txt: their message is stored once
    assert sorted(f.name for f in files if str(f) not in stored | failed) == [
        "msg_03.txt", "msg_14.txt", "msg_20.txt", "msg_29.txt", "msg_44.txt"]
    assert report.written.duplicate == 5
    assert sorted(Path(uri).name for uri in failed) == [
        "msg_11.txt", "msg_18.txt", "msg_19.txt", "msg_37.txt", "msg_38.txt", "msg_39.txt", "msg_40.txt"]
    assert all("\n" not in r.reason for r in report.failed)

    texts = dict(rows(store, """SELECT s.uri, u.text FROM raw.utterances u JOIN raw.sources s
                                ON s.source_id = u.source_id"""))
    assert all("\ufffd" not in t for t in texts.values())
    assert "¡This is a Quoted Printable encoded message!" in texts[str(folder / "msg_10.txt")]
    assert texts[str(folder / "msg_47.txt")] == "bar\n\nbaz"  # the HTML part's text, without tags
    assert texts[str(folder / "msg_01.txt")] == "Hi,\n\nDo you like this message?\n\n-Me"
    dsn = rows(store, "SELECT meta->'$.attachments' FROM raw.utterances WHERE external_id = "
                      "'0GK500B04D0B8X@cougar.noc.ucla.edu'")[0][0]
    assert '"content_type":"message/delivery-status"' in dsn and '"name":"[scr] yeah for Ians!!"' in dsn

    mbox = run([folder / "mailbox_01.mbox"], store)
    assert mbox.ok and mbox.written.new == 1
    assert rows(store, "SELECT speaker, text FROM raw.utterances u JOIN raw.sources s USING (source_id) "
                       "WHERE s.uri LIKE '%mailbox_01.mbox#0'") == [("foo", "Hello\n\nFrom time to time")]

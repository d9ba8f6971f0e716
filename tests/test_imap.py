"""Live mailboxes over IMAP, against a real dovecot started by the tests (no IMAP mocks).

Each test gets its own dovecot on a free loopback port with a throwaway maildir
(tests/imap/dovecot.py); it starts in about 0.1 s. Messages are put in place with
imapclient, as a mail client would, then synced with `dealtape ingest imap` or
`dealtape.ingest.imap.sync`, and the DuckDB file is read back.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import sys
import textwrap
import threading
from datetime import date, datetime, timedelta, timezone
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from conftest import rows
from dealtape.cli import app
from dealtape.ingest import imap
from dealtape.ingest.email import read_message
from dealtape.models import config as config_mod
from dealtape.models.config import Config, ImapAccount
from dealtape.models.errors import ConfigError, SourceUnavailable
from dealtape.models.store import Store
from imap.dovecot import Dovecot, DovecotUnavailable

USER = "maya"
PASSWORD = "pw-" + secrets.token_hex(8)  # distinctive, so that finding it anywhere means it leaked
runner = CliRunner()


# ---- fixtures and helpers ----------------------------------------------------------------


def _server(tls: bool = False):
    try:
        server = Dovecot.start_new(tls=tls)
    except DovecotUnavailable as exc:
        pytest.skip(f"no IMAP server for this test: {exc}")
    server.add_user(USER, PASSWORD)
    return server


@pytest.fixture
def dovecot():
    server = _server()
    yield server
    server.remove()


@pytest.fixture
def mail(dovecot):
    """An imapclient session on the test mailbox, for putting messages in place."""
    client = dovecot.client(USER, PASSWORD)
    yield client
    try:
        client.logout()
    except Exception:
        pass


def message(n: int, subject: str, *, reply_to: list[str] | None = None, sender: str = "dana@acme.example",
            body: str | None = None, msgid: str | None = None) -> bytes:
    """A realistic message: threading headers, a quoted reply, a signature."""
    msg = EmailMessage(policy=SMTP)
    msg["From"] = sender
    msg["To"] = "maya@brightwave.example"
    msg["Subject"] = ("Re: " if reply_to else "") + subject
    msg["Date"] = format_datetime(datetime(2026, 3, 2, 9, tzinfo=timezone.utc) + timedelta(hours=n))
    msg["Message-ID"] = msgid or f"<m{n}@acme.example>"
    if reply_to:
        msg["In-Reply-To"] = reply_to[-1]
        msg["References"] = " ".join(reply_to)
    text = body or f"Message {n} about {subject.lower()}: can we agree the rollout plan by Friday?"
    if reply_to:
        text += "\n\nOn Mon, 2 Mar 2026 at 09:00, Maya wrote:\n> the earlier message\n"
    msg.set_content(text + "\n\nBest,\nDana\n")
    return msg.as_bytes()


def thread(first: int, size: int, subject: str) -> list[tuple[str, bytes]]:
    """(Message-ID, bytes) of a thread of `size` messages numbered from `first`."""
    ids: list[str] = []
    out = []
    for n in range(first, first + size):
        raw = message(n, subject, reply_to=list(ids) or None)
        out.append((f"m{n}@acme.example", raw))
        ids.append(f"<m{n}@acme.example>")
    return out


def append(client, folder: str, messages) -> None:
    for item in messages:
        client.append(folder, item[1] if isinstance(item, tuple) else item)


def account(server: Dovecot, folders=("INBOX",), **settings) -> ImapAccount:
    return ImapAccount(host="127.0.0.1", port=server.port, user=USER, folders=tuple(folders), tls="none", **settings)


def sync(server: Dovecot, store: Store, folders=("INBOX",), **options) -> imap.ImapReport:
    creds = imap.Credentials(USER, PASSWORD)
    with imap.connect(account(server, folders), creds) as mailbox:
        return imap.sync(mailbox, store, **options)


def dealtape(db: Path, *args: str, password: str = PASSWORD, config: Path | None = None):
    """The CLI, with the password in the environment only; no output may ever contain it."""
    result = runner.invoke(app, ["--db", str(db), *(["--config", str(config)] if config else []), *args],
                           env={"DEALTAPE_IMAP_PASSWORD": password})
    assert PASSWORD not in result.output
    return result


def cli_sync(server: Dovecot, db: Path, *folders: str, password: str = PASSWORD):
    return dealtape(db, "ingest", "imap", "--host", "127.0.0.1", "--port", str(server.port), "--user", USER,
                    "--no-tls", *[a for f in folders for a in ("--folder", f)], password=password)


def query(db: Path, sql: str):
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def cursor(store_or_db, folder: str = "INBOX") -> dict | None:
    scope = f"imap://{USER}@127.0.0.1/{folder}"
    if isinstance(store_or_db, Store):
        return store_or_db.ingest_state("imap", scope)
    with Store.open(store_or_db, read_only=True) as store:
        return store.ingest_state("imap", scope)


def no_duplicates(store: Store) -> None:
    assert rows(store, "SELECT count(*) - count(DISTINCT external_id) FROM raw.utterances") == [(0,)]


# ---- first and incremental sync ------------------------------------------------------------


def test_first_sync_stores_the_threads_and_marks_nothing_read(dovecot, mail, tmp_path):
    append(mail, "INBOX", thread(1, 3, "Rollout plan") + thread(10, 2, "Security review"))
    db = tmp_path / "crm.duckdb"

    result = cli_sync(dovecot, db)

    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "INBOX: 5 fetched, 5 new, 0 already had, 0 failed",
        f"5 new, 0 already had, 0 failed (from 5 message(s) of imap://{USER}@127.0.0.1:{dovecot.port}); "
        "added 2 conversation(s), 5 utterance(s), 4 participant(s)"]
    assert query(db, """SELECT c.title, count(*) FROM raw.utterances u JOIN raw.conversations c USING (conversation_id)
                        GROUP BY 1 ORDER BY 1""") == [("Rollout plan", 3), ("Security review", 2)]
    uidvalidity = mail.select_folder("INBOX", readonly=True)[b"UIDVALIDITY"]
    assert cursor(db) == {"uidvalidity": uidvalidity, "last_value": 5, "since": None}
    assert query(db, "SELECT DISTINCT kind FROM raw.sources") == [("imap",)]
    assert query(db, "SELECT uri FROM raw.sources ORDER BY uri LIMIT 1") == [
        (f"imap://{USER}@127.0.0.1:{dovecot.port}/INBOX;UIDVALIDITY={uidvalidity}/;UID=1",)]
    # quoted replies and signatures are stripped as for files
    assert query(db, "SELECT text FROM raw.utterances WHERE external_id = 'm2@acme.example'") == [
        ("Message 2 about rollout plan: can we agree the rollout plan by Friday?",)]
    # BODY.PEEK[] from a read-only folder: still unread on the server
    flags = mail.fetch(mail.search(), ["FLAGS"])
    assert len(flags) == 5 and not any(b"\\Seen" in f[b"FLAGS"] for f in flags.values())


def test_incremental_sync_fetches_only_new_uids_and_joins_existing_threads(dovecot, mail, store):
    first = thread(1, 3, "Rollout plan")
    append(mail, "INBOX", first)
    assert sync(dovecot, store).fetched == 3
    states = store.scalar("SELECT count(*) FROM _dealtape_ingest_state")

    reply = message(4, "Rollout plan", reply_to=["<m1@acme.example>", "<m2@acme.example>", "<m3@acme.example>"])
    append(mail, "INBOX", [reply] + [raw for _, raw in thread(20, 2, "Pricing")])
    report = sync(dovecot, store)

    assert (report.fetched, report.written.new, report.written.conversations) == (3, 3, 1)
    assert rows(store, "SELECT count(DISTINCT conversation_id) FROM raw.utterances WHERE external_id IN "
                       "('m1@acme.example', 'm4@acme.example')") == [(1,)]
    assert cursor(store)["last_value"] == 6
    no_duplicates(store)

    again = sync(dovecot, store)  # a no-op: nothing fetched, no cursor row added
    assert (again.fetched, again.written.new) == (0, 0)
    assert store.scalar("SELECT count(*) FROM _dealtape_ingest_state") == states + 1
    assert store.scalar("SELECT count(*) FROM raw.utterances") == 6


def test_uidvalidity_change_rescans_the_folder_without_duplicates(dovecot, mail, store):
    mail.create_folder("Deals")
    old = thread(1, 4, "Renewal")
    append(mail, "Deals", old)
    sync(dovecot, store, ["Deals"])
    before = cursor(store, "Deals")
    assert before["last_value"] == 4

    # the folder is deleted and recreated (as a server migration does): UIDs start again at 1,
    # so the new message gets UID 4, which the old cursor says is done
    mail.delete_folder("Deals")
    mail.create_folder("Deals")
    append(mail, "Deals", old[:3] + [("new", message(9, "Renewal", reply_to=["<m1@acme.example>"]))])
    report = sync(dovecot, store, ["Deals"])

    after = cursor(store, "Deals")
    assert after["uidvalidity"] != before["uidvalidity"]
    assert after["last_value"] == 4
    assert report.folders["Deals"].rescanned.startswith("UIDVALIDITY changed")
    assert (report.fetched, report.written.new, report.written.duplicate) == (4, 1, 3)
    assert store.scalar("SELECT count(*) FROM raw.utterances") == 5
    assert store.scalar("SELECT count(*) FROM raw.conversations") == 1
    no_duplicates(store)


def test_the_same_message_in_several_folders_is_one_message(dovecot, mail, store):
    for folder in ("Sent", "All Mail"):
        mail.create_folder(folder)
    inbound = thread(1, 2, "Pilot")
    ours = message(3, "Pilot", sender="maya@brightwave.example", reply_to=["<m1@acme.example>", "<m2@acme.example>"])
    append(mail, "INBOX", inbound)
    append(mail, "Sent", [ours])
    # Gmail's All Mail holds every message again; one copy carries an extra header (other bytes, same Message-ID)
    append(mail, "All Mail", inbound + [b"X-Gmail-Labels: Sent\r\n" + ours])

    report = sync(dovecot, store, ["INBOX", "Sent", "All Mail"])

    assert report.fetched == 6
    assert (report.written.new, report.written.duplicate) == (3, 3)
    assert rows(store, "SELECT external_id FROM raw.utterances ORDER BY 1") == [
        ("m1@acme.example",), ("m2@acme.example",), ("m3@acme.example",)]
    assert store.scalar("SELECT count(*) FROM raw.conversations") == 1
    assert {f: r.duplicate for f, r in report.folders.items()} == {"INBOX": 0, "Sent": 0, "All Mail": 3}


def test_since_limits_the_sync_and_widening_it_reads_the_folder_again(dovecot, mail, store):
    old_day, new_day = datetime(2025, 6, 1, 12), datetime(2026, 3, 1, 12)
    mail.append("INBOX", message(1, "Old deal"), msg_time=old_day)
    mail.append("INBOX", message(2, "New deal"), msg_time=new_day)
    creds = imap.Credentials(USER, PASSWORD)

    with imap.connect(account(dovecot, since=date(2026, 1, 1)), creds) as mailbox:
        recent = imap.sync(mailbox, store)
    assert rows(store, "SELECT external_id FROM raw.utterances") == [("m2@acme.example",)]
    assert recent.fetched == 1 and cursor(store) == {"uidvalidity": cursor(store)["uidvalidity"],
                                                     "last_value": 2, "since": "2026-01-01"}
    with imap.connect(account(dovecot), creds) as mailbox:
        everything = imap.sync(mailbox, store)
    assert everything.folders["INBOX"].rescanned == "--since widened to everything"
    assert (everything.written.new, everything.written.duplicate) == (1, 1)
    assert store.scalar("SELECT count(*) FROM raw.utterances") == 2


# ---- bad input ----------------------------------------------------------------------------------

BROKEN = (b"Content-Type: multipart/mixed; boundary=XYZ\r\nMIME-Version: 1.0\r\n\r\n--XYZ\r\n"
          b"Content-Type: text/plain; charset=x-unknown\r\nContent-Transfer-Encoding: base64\r\n\r\n"
          b"!!not base64!!\r\n--XYZ")  # no sender, no Message-ID, an unknown charset, no closing boundary


def test_broken_mime_is_recorded_and_the_sync_goes_on(dovecot, mail, tmp_path):
    append(mail, "INBOX", [message(1, "Pilot"), BROKEN, message(2, "Pilot", reply_to=["<m1@acme.example>"])])
    db = tmp_path / "crm.duckdb"
    uidvalidity = mail.select_folder("INBOX", readonly=True)[b"UIDVALIDITY"]
    uri = f"imap://{USER}@127.0.0.1:{dovecot.port}/INBOX;UIDVALIDITY={uidvalidity}/;UID=2"

    result = cli_sync(dovecot, db)

    assert result.exit_code == 1
    assert result.output.splitlines()[0] == "INBOX: 3 fetched, 2 new, 0 already had, 1 failed"
    assert [line for line in result.output.splitlines() if line.startswith("Error:")] == [
        f"Error: {uri}: not an email: no From, To, Subject, Date or Message-ID header"]
    assert query(db, "SELECT uri, kind FROM raw.ingest_errors") == [(uri, "imap")]
    assert query(db, "SELECT count(*) FROM raw.utterances") == [(2,)]
    assert cursor(db)["last_value"] == 3  # past the broken message: it is recorded, not retried forever

    again = cli_sync(dovecot, db)
    assert again.exit_code == 0 and again.output.startswith("INBOX: nothing new")
    assert query(db, "SELECT count(*) FROM raw.ingest_errors") == [(1,)]


def test_hostile_messages_from_the_cpython_suite(dovecot, mail, store, external):
    folder = external / "email" / "cpython_test_email"
    names = ["msg_37.txt", "msg_38.txt", "msg_40.txt", "msg_10.txt", "msg_47.txt"]
    append(mail, "INBOX", [(folder / n).read_bytes() for n in names])

    report = sync(dovecot, store)

    # the same verdicts as for the files (tests/test_ingest_email.py): three refused, two stored
    assert sorted(r.uri.rsplit("=", 1)[1] for r in report.failed) == ["1", "2", "3"]
    assert store.scalar("SELECT count(*) FROM raw.ingest_errors") == 3
    texts = dict(rows(store, "SELECT regexp_extract(s.uri, 'UID=(\\d+)$', 1), u.text FROM raw.utterances u "
                             "JOIN raw.sources s ON s.source_id = u.source_id"))
    assert texts["5"] == "bar\n\nbaz"  # msg_47: the HTML part's text, without tags
    assert "¡This is a Quoted Printable encoded message!" in texts["4"]  # msg_10


def test_a_folder_that_does_not_exist_is_one_error_and_the_others_sync(dovecot, mail, tmp_path):
    append(mail, "INBOX", [message(1, "Pilot")])
    db = tmp_path / "crm.duckdb"

    result = cli_sync(dovecot, db, "Nope", "INBOX")

    assert result.exit_code == 1
    assert [line for line in result.output.splitlines() if line.startswith("Error:")] == [
        f"Error: imap://{USER}@127.0.0.1:{dovecot.port}/Nope: no such folder; the server has: INBOX"]
    assert query(db, "SELECT count(*) FROM raw.utterances") == [(1,)]
    assert query(db, "SELECT uri FROM raw.ingest_errors") == [(f"imap://{USER}@127.0.0.1:{dovecot.port}/Nope",)]


def test_wrong_password_is_one_line_and_writes_nothing(dovecot, mail, tmp_path):
    append(mail, "INBOX", [message(1, "Pilot")])
    db = tmp_path / "crm.duckdb"

    result = cli_sync(dovecot, db, password="not-" + PASSWORD[3:])

    assert result.exit_code == 1
    assert result.output.splitlines() == [
        f"Error: imap://{USER}@127.0.0.1:{dovecot.port}: login refused ([AUTHENTICATIONFAILED] Authentication "
        "failed.); check the user name and the password in $DEALTAPE_IMAP_PASSWORD"]
    assert not db.exists()  # refused before the database was even opened

    assert cli_sync(dovecot, db).exit_code == 0  # an existing database: nothing added, not even a run
    before = query(db, "SELECT (SELECT count(*) FROM _dealtape_runs), (SELECT count(*) FROM raw.utterances)")
    assert cli_sync(dovecot, db, password="wrong").exit_code == 1
    assert query(db, "SELECT (SELECT count(*) FROM _dealtape_runs), (SELECT count(*) FROM raw.utterances)") == before


def test_connection_errors_are_one_line(dovecot, tmp_path):
    db = tmp_path / "crm.duckdb"
    closed = dealtape(db, "ingest", "imap", "--host", "127.0.0.1", "--port", "1", "--user", USER, "--no-tls")
    tls_on_plain = dealtape(db, "ingest", "imap", "--host", "127.0.0.1", "--port", str(dovecot.port), "--user", USER)
    no_password = runner.invoke(app, ["--db", str(db), "ingest", "imap", "--host", "127.0.0.1"],
                                env={"DEALTAPE_IMAP_PASSWORD": None, "DEALTAPE_IMAP_OAUTH2_TOKEN": None})

    assert closed.output.splitlines() == [f"Error: imap://{USER}@127.0.0.1:1: connection refused (no server on port 1)"]
    assert tls_on_plain.output.splitlines()[0].startswith(f"Error: imap://{USER}@127.0.0.1:{dovecot.port}: TLS "
                                                          "handshake failed")
    assert len(tls_on_plain.output.splitlines()) == 1
    assert re.fullmatch(r"Error: no password for imap://\S+@127\.0\.0\.1:993: set \$DEALTAPE_IMAP_PASSWORD, "
                        r"or run in a terminal to be asked\n", no_password.output)
    assert {r.exit_code for r in (closed, tls_on_plain, no_password)} == {1}
    assert not db.exists()


# ---- faults mid-sync ---------------------------------------------------------------------------


def test_server_killed_mid_sync_then_restarted_resumes_without_loss_or_duplicates(dovecot, mail, store):
    messages = thread(1, 6, "Rollout") + thread(10, 6, "Pricing")
    append(mail, "INBOX", messages)

    def crash_after_first_batch(folder, done, total):
        if done == 5:
            dovecot.kill()

    with pytest.raises(SourceUnavailable) as failure:
        sync(dovecot, store, batch_size=5, progress=crash_after_first_batch, retries=1, backoff=0.01)
    assert "\n" not in str(failure.value) and str(failure.value).endswith("5 message(s) fetched were kept: "
                                                                          "run again to resume")
    assert store.scalar("SELECT count(*) FROM raw.utterances") == 5
    assert cursor(store)["last_value"] == 5
    assert rows(store, "SELECT status FROM _dealtape_run_results") == [("interrupted",)]

    dovecot.start()
    report = sync(dovecot, store, batch_size=5)
    assert report.fetched == 7  # only what the first run did not commit
    assert sorted(r for (r,) in rows(store, "SELECT external_id FROM raw.utterances")) == sorted(m for m, _ in messages)
    no_duplicates(store)


def test_a_dropped_connection_is_retried_in_the_same_run(dovecot, mail, store):
    messages = thread(1, 12, "Rollout")
    append(mail, "INBOX", messages[:6] + [BROKEN] + messages[6:])  # UID 7, in the batch the drop interrupts
    events = []

    def restart_after_first_batch(folder, done, total):
        events.append(done)
        if done == 5 and events.count(5) == 1:
            dovecot.kill()
            dovecot.start()  # sessions of the old server are gone: the next fetch fails

    report = sync(dovecot, store, batch_size=5, progress=restart_after_first_batch, backoff=0.01)

    assert report.retries == 1
    assert (report.fetched, report.written.new) == (13, 12)
    assert [r.uri.rsplit(";", 1)[1] for r in report.failed] == ["UID=7"]  # once, though read twice
    assert events == [0, 5, 5, 10, 13]
    assert rows(store, "SELECT status, n_new, n_failed FROM _dealtape_run_results") == [("failed", 12, 1)]
    assert store.scalar("SELECT count(*) FROM raw.ingest_errors") == 1
    no_duplicates(store)


def test_a_killed_process_resumes_where_it_stopped(dovecot, mail, store_path):
    messages = thread(1, 12, "Rollout")
    append(mail, "INBOX", messages)
    script = textwrap.dedent(f"""
        import os, signal
        from dealtape.ingest import imap
        from dealtape.models.config import ImapAccount
        from dealtape.models.store import Store
        account = ImapAccount(host="127.0.0.1", port={dovecot.port}, user="{USER}", tls="none")
        def die(folder, done, total):
            if done == 5:
                os.kill(os.getpid(), signal.SIGKILL)  # no cleanup, no finally
        with Store.open("{store_path}", create=True) as store:
            mailbox = imap.connect(account, imap.Credentials("{USER}", os.environ["PW"]))
            imap.sync(mailbox, store, batch_size=5, progress=die)
    """)
    killed = subprocess.run([sys.executable, "-c", script], env={**os.environ, "PW": PASSWORD}, capture_output=True)
    assert killed.returncode == -9, killed.stderr

    with Store.open(store_path) as store:
        assert store.scalar("SELECT count(*) FROM raw.utterances") == 5
        report = sync(dovecot, store, batch_size=5)
        assert report.fetched == 7
        assert store.scalar("SELECT count(*) FROM raw.utterances") == 12
        no_duplicates(store)


# ---- secrets, TLS, accounts ---------------------------------------------------------------------


def test_the_password_is_in_no_file_and_no_output(dovecot, mail, tmp_path):
    append(mail, "INBOX", [message(1, "Pilot"), BROKEN])
    work = tmp_path / "work"
    work.mkdir()
    (work / "dealtape.toml").write_text(textwrap.dedent(f"""
        [team]
        internal_domains = ["brightwave.example"]
        [imap.work]
        host = "127.0.0.1"
        port = {dovecot.port}
        user = "{USER}"
        tls = "none"
        folders = ["INBOX", "Nope"]
        password_env = "WORK_IMAP_PASSWORD"
    """))
    env = {**os.environ, "WORK_IMAP_PASSWORD": PASSWORD}
    outputs = []
    for args in (["ingest", "imap", "--account", "work"],                     # a sync with errors, with --debug logs
                 ["ingest", "imap", "--account", "work", "--user", "nobody"],  # a refused login
                 ["ingest", "imap", "--account", "work", "--port", "1"]):    # no server
        done = subprocess.run([sys.executable, "-m", "dealtape", "--debug", *args], cwd=work, env=env,
                              capture_output=True, text=True)
        outputs.append(done)
        (work / f"run{len(outputs)}.log").write_text(done.stdout + done.stderr)
    assert [d.returncode for d in outputs] == [1, 1, 1]
    assert "imapclient" in outputs[0].stderr and "LOGIN" in outputs[0].stderr  # the protocol was logged ...
    assert all(PASSWORD not in d.stdout + d.stderr for d in outputs)           # ... and the password was not
    assert query(work / "dealtape.duckdb", "SELECT count(*) FROM raw.utterances") == [(1,)]
    files = [p for p in work.rglob("*") if p.is_file()]
    assert {p.name for p in files} >= {"dealtape.duckdb", "dealtape.toml", "run1.log"}
    assert [p for p in files if PASSWORD.encode() in p.read_bytes()] == []


def test_tls_by_default_starttls_and_an_untrusted_certificate(tmp_path, monkeypatch):
    server = _server(tls=True)
    try:
        server.client(USER, PASSWORD).append("INBOX", message(1, "Pilot"))
        db = tmp_path / "crm.duckdb"
        base = ["ingest", "imap", "--host", "localhost", "--user", USER]

        untrusted = dealtape(db, *base, "--port", str(server.tls_port))
        assert untrusted.exit_code == 1
        assert untrusted.output.splitlines() == [
            f"Error: imap://{USER}@localhost:{server.tls_port}: the server's TLS certificate is not trusted "
            "(self-signed certificate); a private CA can be named with SSL_CERT_FILE"]

        monkeypatch.setenv("SSL_CERT_FILE", str(server.ca_file))
        tls = dealtape(db, *base, "--port", str(server.tls_port))
        starttls = dealtape(db, *base, "--port", str(server.port), "--starttls")
        assert tls.exit_code == 0 and tls.output.startswith("INBOX: 1 fetched, 1 new")
        # another port, the same mailbox: the cursor is the folder's, so nothing is fetched again
        assert starttls.exit_code == 0 and starttls.output.startswith("INBOX: nothing new")
        assert server.log().count(", TLS, session=") == 2  # both logins were encrypted
    finally:
        server.remove()


def test_oauth2_token_from_the_environment(tmp_path):
    """XOAUTH2 against dovecot's oauth2 passdb; a small HTTP endpoint here plays the identity
    provider that checks tokens (Google's or Microsoft's in real life)."""
    token = "ya29." + secrets.token_hex(12)

    class TokenInfo(BaseHTTPRequestHandler):
        def do_GET(self):
            good = self.path.endswith("=" + token)
            body = json.dumps({"username": USER} if good else {"error": "invalid_token"}).encode()
            self.send_response(200 if good else 401)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    provider = HTTPServer(("127.0.0.1", 0), TokenInfo)
    threading.Thread(target=provider.serve_forever, daemon=True).start()
    try:
        server = Dovecot.start_new(tokeninfo_url=f"http://127.0.0.1:{provider.server_port}/info?access_token=")
    except DovecotUnavailable as exc:
        provider.shutdown()
        pytest.skip(f"no IMAP server for this test: {exc}")
    try:
        server.add_user(USER, PASSWORD)
        server.client(USER, PASSWORD).append("INBOX", message(1, "Pilot"))
        db = tmp_path / "crm.duckdb"
        args = ["--db", str(db), "ingest", "imap", "--host", "127.0.0.1", "--port", str(server.port), "--user", USER,
                "--no-tls"]

        good = runner.invoke(app, args, env={"DEALTAPE_IMAP_OAUTH2_TOKEN": token, "DEALTAPE_IMAP_PASSWORD": "unused"})
        bad = runner.invoke(app, args, env={"DEALTAPE_IMAP_OAUTH2_TOKEN": "ya29.expired"})

        assert good.exit_code == 0 and good.output.startswith("INBOX: 1 fetched, 1 new"), good.output
        assert "method=XOAUTH2" in server.log()
        assert bad.exit_code == 1
        assert bad.output.splitlines() == [
            f"Error: imap://{USER}@127.0.0.1:{server.port}: login refused ([AUTHENTICATIONFAILED] Authentication "
            "failed.); check the user name and the OAuth2 token in $DEALTAPE_IMAP_OAUTH2_TOKEN"]
        assert token not in good.output + bad.output and token.encode() not in db.read_bytes()
    finally:
        server.remove()
        provider.shutdown()


def test_imap_accounts_in_the_config(tmp_path):
    path = tmp_path / "dealtape.toml"
    path.write_text('[imap.work]\nhost = "imap.example.com"\nuser = "maya@brightwave.example"\n'
                    'folders = ["INBOX", "Sent"]\ntls = "starttls"\npassword_env = "WORK_PW"\nsince = 2026-01-01\n')
    config = config_mod.load(path)

    work = imap.resolve_account(config, "work", folders=["Archive"])
    assert work == ImapAccount(host="imap.example.com", name="work", port=143, user="maya@brightwave.example",
                               folders=("Archive",), tls="starttls", password_env="WORK_PW", since=date(2026, 1, 1))
    assert imap.label(work) == "imap://maya%40brightwave.example@imap.example.com:143"
    assert imap.resolve_account(Config(), host="imap.example.com", user="x").port == 993  # TLS by default

    creds = imap.credentials(work, environ={"WORK_PW": PASSWORD, "DEALTAPE_IMAP_PASSWORD": "other"})
    assert creds.secret == PASSWORD and PASSWORD not in repr(creds)
    token = imap.credentials(work, environ={"DEALTAPE_IMAP_OAUTH2_TOKEN": "ya29.token"})
    assert token.oauth2 and token.secret == "ya29.token"
    with pytest.raises(ConfigError, match=r"set \$WORK_PW \(password_env \(\[imap.work\]\)"):
        imap.credentials(work, environ={})
    assert imap.credentials(work, prompt=lambda text: "typed", environ={}).secret == "typed"

    path.write_text(f'[imap.work]\nhost = "imap.example.com"\npassword = "{PASSWORD}"\n')
    with pytest.raises(ConfigError) as refused:
        config_mod.load(path)
    assert "do not write a password" in str(refused.value) and PASSWORD not in str(refused.value)
    with pytest.raises(ConfigError, match=r"no \[imap.home\] account"):
        imap.resolve_account(config, "home")


def test_gmail_thread_ids_hold_a_thread_together_without_references(store):
    """Dovecot has no X-GM-EXT-1, so the rule Gmail's thread ids feed is checked on its own."""
    first = read_message(message(1, "Quote"), "imap://a/INBOX;UID=1", "imap")
    # a reply whose client dropped In-Reply-To and References, with a new subject: JWZ alone would split it
    lost = read_message(message(2, "Updated quote attached"), "imap://a/INBOX;UID=2", "imap")
    for record in (first, lost):
        imap.gmail_thread(record, 1790000000000000001)
    store.write([first], "run-1")
    store.write([lost], "run-2")
    assert store.scalar("SELECT count(DISTINCT conversation_id) FROM raw.utterances") == 1
    assert store.scalar("SELECT count(*) FROM raw.conversation_keys WHERE key LIKE 'gmail-thread:%'") == 1

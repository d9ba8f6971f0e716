"""IMAP: live mailboxes, synced incrementally by UID with imapclient.

`connect(account, credentials)` opens the connection (TLS by default) and logs in; it
fails fast, with one line, on a wrong host, port, certificate or password. `sync(mailbox,
store)` then fetches what is new in each folder and stores it through the same parser and
JWZ threading as .eml and mbox files (`ingest.email.read_message`), so new messages join
the threads already stored, whichever way those arrived.

The cursor: for each folder, `_dealtape_ingest_state` rows with ingestor "imap" and scope
"imap://USER@HOST/FOLDER" hold {"uidvalidity", "last_value", "since"}: every UID up to
`last_value` is done. Each batch of messages is written in one transaction together with
the cursor that covers it, so a run that dies (a dropped connection, a crashed server, a
killed process) leaves the store at the end of a whole batch and the next run starts right
after it. A UIDVALIDITY that differs from the stored one means the old UIDs name nothing:
the folder is read again from the start, and the store's natural keys (the SHA-256 of the
raw message, then its Message-ID) keep what is already stored from being stored twice. The
same keys make one message of a message found in several folders (INBOX and Sent, Gmail's
All Mail).

Folders are opened read-only (EXAMINE) and bodies fetched with BODY.PEEK[]: nothing is
marked read and nothing on the server changes. When the server offers X-GM-EXT-1 (Gmail),
its thread id X-GM-THRID is looked up before the JWZ keys, so Gmail's own threads hold
together even where References are missing. Secrets come from the environment or a prompt
and live only in memory: never in the store, the config, a log line or an error message.
"""

from __future__ import annotations

import getpass
import imaplib
import logging
import os
import socket
import ssl
import time
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Callable, Mapping
from urllib.parse import quote

from ..models.config import Config, ImapAccount
from ..models.errors import ConfigError, DealtapeError, SourceUnavailable, Terminal
from ..models.records import Conversation, Rejected
from ..models.store import Store, WriteResult

log = logging.getLogger(__name__)

NAME = "imap"
VERSION = "1"
NATURAL_KEY = "message: Message-ID (fallback: SHA-256 of the message bytes); cursor: UIDVALIDITY + last UID per folder"
PASSWORD_ENV = "DEALTAPE_IMAP_PASSWORD"
TOKEN_ENV = "DEALTAPE_IMAP_OAUTH2_TOKEN"
BATCH_SIZE = 500            # messages per fetch and per transaction ...
BATCH_BYTES = 32 << 20      # ... or fewer, so that a batch of large attachments stays this small
SIZE_CHUNK = 2000           # UIDs per RFC822.SIZE request: keeps the command line short
CONNECT_TIMEOUT = 15.0      # seconds for the TCP connection, TLS and the server's greeting
READ_TIMEOUT = 120.0        # seconds one response may take
RETRIES = 4                 # reconnections after a dropped connection or a timeout ...
BACKOFF = 1.0               # ... waiting 1, 2, 4, 8 s


class ImapError(DealtapeError, Terminal):
    """The server or the account cannot be used as configured (TLS mode, port, STARTTLS)."""


class ImapAuthError(ImapError):
    """The server refused the user name and password (or the OAuth2 token)."""


_TRANSIENT = (SourceUnavailable, imaplib.IMAP4.abort, OSError)  # OSError: resets, timeouts, broken pipes


# ---- account and credentials -------------------------------------------------------------


@dataclass(frozen=True)
class Credentials:
    """Who logs in and with what; the secret is kept out of repr() and of every message."""

    user: str
    secret: str = field(repr=False)
    oauth2: bool = False
    origin: str = ""  # where the secret came from, for messages: "$DEALTAPE_IMAP_PASSWORD", "the prompt"


def resolve_account(config: Config, name: str | None = None, *, host: str | None = None, port: int | None = None,
                    user: str | None = None, folders: tuple[str, ...] | list[str] = (), since: date | None = None,
                    tls: str | None = None) -> ImapAccount:
    """The `[imap.NAME]` account (or one made from `host`), with the given options overriding its settings."""
    if name:
        if name not in config.imap:
            where = config.path or "the configuration (no dealtape.toml found; use --config)"
            raise ConfigError(f"no [imap.{name}] account in {where}; accounts: {', '.join(config.imap) or 'none'}")
        base = config.imap[name]
    elif host:
        base = ImapAccount(host=host)
    else:
        raise ConfigError("say which mailbox: --host HOST, or --account NAME for an [imap.NAME] table in dealtape.toml")
    changes = dict(host=host, port=port, user=user, folders=tuple(folders) or None, since=since, tls=tls)
    account = replace(base, **{k: v for k, v in changes.items() if v is not None})
    if not account.user:
        try:
            account = replace(account, user=getpass.getuser())
        except (KeyError, OSError):
            raise ConfigError("no IMAP user name: pass --user (or set user in [imap.NAME])") from None
    if account.port is None:
        account = replace(account, port=993 if account.tls == "ssl" else 143)
    return account


def credentials(account: ImapAccount, prompt: Callable[[str], str] | None = None,
                environ: Mapping[str, str] = os.environ) -> Credentials:
    """An OAuth2 token from the environment, else a password from it, else from `prompt` (a TTY only)."""
    where = f" ([imap.{account.name}])" if account.name else ""
    token_var = account.token_env or TOKEN_ENV
    if environ.get(token_var):
        return Credentials(account.user, environ[token_var], oauth2=True, origin=f"the OAuth2 token in ${token_var}")
    if account.token_env:
        raise ConfigError(f"${token_var} (token_env{where}) is not set: it must hold an OAuth2 access token")
    password_var = account.password_env or PASSWORD_ENV
    if environ.get(password_var):
        return Credentials(account.user, environ[password_var], origin=f"the password in ${password_var}")
    if prompt is None:
        raise ConfigError(f"no password for {label(account)}: set ${password_var}"
                          f"{' (password_env' + where + ')' if account.password_env else ''}, "
                          "or run in a terminal to be asked")
    secret = prompt(f"IMAP password for {label(account)}")
    if not secret:
        raise ConfigError("no password given")
    return Credentials(account.user, secret, origin="the password typed")


def label(account: ImapAccount) -> str:
    """imap://USER@HOST:PORT, as RFC 5092 writes it (an '@' in the user name becomes %40)."""
    return f"imap://{quote(account.user or '', safe='')}@{_host(account.host)}:{account.port}"


def folder_scope(account: ImapAccount, folder: str) -> str:
    """The cursor's scope: the mailbox folder, whatever port or TLS mode reached it."""
    return f"imap://{quote(account.user or '', safe='')}@{_host(account.host).lower()}/{quote(folder, safe='/')}"


def _host(host: str) -> str:
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


# ---- the connection ----------------------------------------------------------------------


class Mailbox:
    """One logged-in connection to an account; `sync` reconnects it with the same credentials."""

    def __init__(self, account: ImapAccount, creds: Credentials, *, ssl_context: ssl.SSLContext | None = None,
                 connect_timeout: float = CONNECT_TIMEOUT, read_timeout: float = READ_TIMEOUT):
        self.account = account
        self.label = label(account)
        self._creds = creds
        self._ssl_context = ssl_context
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self.client = None

    def __repr__(self) -> str:
        return f"Mailbox({self.label})"

    def connect(self) -> "Mailbox":
        client = self._open()
        try:
            self._login(client)
        except BaseException:
            _shutdown(client)
            raise
        self.client = client
        return self

    def close(self) -> None:
        """Log out (nothing was selected read-write, so nothing is expunged)."""
        client, self.client = self.client, None
        if client is not None:
            try:
                client.logout()
            except Exception:
                _shutdown(client)

    def drop(self) -> None:
        """Forget a connection that failed, without talking to the server."""
        client, self.client = self.client, None
        if client is not None:
            _shutdown(client)

    def __enter__(self) -> "Mailbox":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _open(self):
        from imapclient import IMAPClient, SocketTimeout

        account, where = self.account, self.label
        context = self._ssl_context or ssl.create_default_context()
        try:
            client = IMAPClient(account.host, port=account.port, ssl=account.tls == "ssl", ssl_context=context,
                                timeout=SocketTimeout(self.connect_timeout, self.read_timeout))
        except ssl.SSLCertVerificationError as exc:
            raise ImapError(f"{where}: the server's TLS certificate is not trusted ({exc.verify_message}); "
                            "a private CA can be named with SSL_CERT_FILE") from None
        except ssl.SSLError as exc:
            raise ImapError(f"{where}: TLS handshake failed ({exc.reason or exc}): the port does not speak IMAP over "
                            "TLS (993 does; on 143 use --starttls)") from None
        except socket.gaierror:
            raise SourceUnavailable(f"{where}: unknown host {account.host!r}") from None
        except ConnectionRefusedError:
            raise SourceUnavailable(f"{where}: connection refused (no server on port {account.port})") from None
        except (TimeoutError, socket.timeout):
            hint = " (a TLS port? leave out --no-tls)" if account.tls != "ssl" else ""
            raise SourceUnavailable(f"{where}: no IMAP greeting within {self.connect_timeout:g} s{hint}") from None
        except imaplib.IMAP4.error as exc:
            raise ImapError(f"{where}: not an IMAP server ({_one_line(exc)})") from None
        except OSError as exc:
            raise SourceUnavailable(f"{where}: cannot connect ({exc.strerror or exc})") from None
        if account.tls == "starttls":
            try:
                if b"STARTTLS" not in client.capabilities():
                    raise ImapError(f"{where}: the server does not offer STARTTLS (use tls on port 993, or "
                                    "--no-tls on a network you trust)")
                client.starttls(context)
            except ssl.SSLCertVerificationError as exc:
                _shutdown(client)
                raise ImapError(f"{where}: the server's TLS certificate is not trusted ({exc.verify_message}); "
                                "a private CA can be named with SSL_CERT_FILE") from None
            except (ssl.SSLError, imaplib.IMAP4.error) as exc:
                _shutdown(client)
                raise ImapError(f"{where}: STARTTLS failed ({_one_line(exc)})") from None
            except ImapError:
                _shutdown(client)
                raise
        return client

    def _login(self, client) -> None:
        from imapclient.exceptions import LoginError

        creds = self._creds
        try:
            if creds.oauth2:
                client.oauth2_login(creds.user, creds.secret)
            else:
                client.login(creds.user, creds.secret)
        except LoginError as exc:
            reason = self._scrub(_one_line(exc)).removeprefix("login failed: ").removeprefix("authenticate failed: ")
            raise ImapAuthError(f"{self.label}: login refused ({reason}); check the user name and "
                                f"{creds.origin or 'the password'}") from None
        except imaplib.IMAP4.abort as exc:
            raise SourceUnavailable(f"{self.label}: connection lost while logging in ({self._scrub(_one_line(exc))})") from None

    def _scrub(self, text: str) -> str:
        """A server never echoes the secret, but a message that did must not carry it on."""
        secret = self._creds.secret
        return text.replace(secret, "***") if len(secret) >= 3 else text


def connect(account: ImapAccount, creds: Credentials, **options) -> Mailbox:
    """Connect and log in now, so that a wrong host, port, TLS mode or password fails before anything is written."""
    return Mailbox(account, creds, **options).connect()


def _shutdown(client) -> None:
    try:
        client.shutdown()
    except Exception:
        pass


# ---- the sync ------------------------------------------------------------------------------


@dataclass
class FolderReport:
    folder: str
    uidvalidity: int | None = None
    fetched: int = 0
    new: int = 0
    duplicate: int = 0
    failed: int = 0
    rescanned: str | None = None  # why the folder was read from the start again


@dataclass
class ImapReport:
    run_id: str
    mailbox: str
    folders: dict[str, FolderReport] = field(default_factory=dict)
    written: WriteResult = field(default_factory=WriteResult)
    failed: list[Rejected] = field(default_factory=list)
    retries: int = 0
    fetched: int = 0

    @property
    def ok(self) -> bool:
        return not self.failed


@dataclass
class _Plan:
    folder: str
    scope: str
    uri: str                  # imap://user@host:port/FOLDER;UIDVALIDITY=n
    uidvalidity: int
    uidnext: int | None
    since: date | None
    uids: list[int]
    sizes: dict[int, int]
    stored: dict | None       # the cursor the plan started from
    start: int                # the first UID asked for


Progress = Callable[[str, int, int], None]


def sync(mailbox: Mailbox, store: Store, *, progress: Progress | None = None, batch_size: int = BATCH_SIZE,
         retries: int = RETRIES, backoff: float = BACKOFF) -> ImapReport:
    """Store what is new in each of the account's folders; return what was fetched, added and refused.

    `progress(folder, done, total)` is called before the first batch and after each batch is
    committed. A dropped connection or a timeout is retried `retries` times, reconnecting after
    `backoff`, 2x`backoff`, ... seconds; the sync then goes on from the last committed batch.
    Past that, `SourceUnavailable` is raised and everything committed so far stays.
    """
    report = ImapReport(run_id=store.begin_run("ingest-imap"), mailbox=mailbox.label)
    status = "interrupted"
    try:
        attempt = 0
        while True:
            try:
                if mailbox.client is None:
                    mailbox.connect()
                _sync_folders(mailbox, store, report, progress, batch_size)
                break
            except _TRANSIENT as exc:
                mailbox.drop()
                reason = mailbox._scrub(_describe(exc))
                if attempt >= retries:
                    raise SourceUnavailable(
                        f"{mailbox.label}: {reason}" + (f", still after {retries} retries" if retries else "")
                        + f"; {report.fetched} message(s) fetched were kept: run again to resume") from None
                delay = backoff * 2 ** attempt
                attempt += 1
                report.retries += 1
                log.warning("%s: %s; reconnecting in %.1f s (retry %d of %d)", mailbox.label, reason, delay,
                            attempt, retries)
                time.sleep(delay)
        status = "ok" if report.ok else "failed"
        return report
    finally:
        store.finish_run(report.run_id, status, report.written.new, report.written.duplicate, len(report.failed))


def _sync_folders(mailbox: Mailbox, store: Store, report: ImapReport, progress: Progress | None,
                  batch_size: int) -> None:
    client = mailbox.client
    gmail = b"X-GM-EXT-1" in client.capabilities()
    plans = []
    for folder in mailbox.account.folders:
        if any(r.uri == _folder_uri(mailbox, folder) for r in report.failed):
            continue  # reported on an earlier attempt of this run
        plan = _plan(client, store, mailbox, folder, report)
        if plan is not None:
            plans.append(plan)
    total = report.fetched + sum(len(p.uids) for p in plans)
    if progress:
        progress(plans[0].folder if plans else "", report.fetched, total)
    for plan in plans:
        info = client.select_folder(plan.folder, readonly=True)
        if int(info[b"UIDVALIDITY"]) != plan.uidvalidity:  # changed since it was planned: plan it again
            total -= len(plan.uids)
            plan = _plan(client, store, mailbox, plan.folder, report)
            if plan is None:
                continue
            total += len(plan.uids)
        _fetch_folder(client, store, report, plan, gmail, batch_size, progress, total)


def _plan(client, store: Store, mailbox: Mailbox, folder: str, report: ImapReport) -> _Plan | None:
    """Select `folder` read-only and list the UIDs to fetch, from the stored cursor on."""
    account = mailbox.account
    try:
        info = client.select_folder(folder, readonly=True)
    except imaplib.IMAP4.abort:
        raise
    except imaplib.IMAP4.error as exc:
        _fail(store, report, Rejected(_folder_uri(mailbox, folder), NAME, _missing_folder(client, folder, exc)))
        return None
    uidvalidity = int(info[b"UIDVALIDITY"])
    uidnext = int(info[b"UIDNEXT"]) if b"UIDNEXT" in info else None
    scope = folder_scope(account, folder)
    stored = store.ingest_state(NAME, scope)
    folder_report = report.folders.setdefault(folder, FolderReport(folder))
    folder_report.uidvalidity = uidvalidity
    start = 1
    if stored is not None:
        if stored.get("uidvalidity") != uidvalidity:
            folder_report.rescanned = f"UIDVALIDITY changed from {stored.get('uidvalidity')} to {uidvalidity}"
        elif stored.get("since") and (account.since is None or account.since.isoformat() < stored["since"]):
            folder_report.rescanned = f"--since widened to {account.since or 'everything'}"
        else:
            start = int(stored.get("last_value", 0)) + 1
    uids: list[int] = []
    sizes: dict[int, int] = {}
    if info.get(b"EXISTS", 1) and (uidnext is None or uidnext > start):
        criteria = ["UID", f"{start}:*"] + (["SINCE", account.since] if account.since else [])
        uids = sorted(u for u in client.search(criteria) if u >= start)  # "N:*" also matches the last UID below N
        for i in range(0, len(uids), SIZE_CHUNK):
            for uid, item in client.fetch(uids[i:i + SIZE_CHUNK], ["RFC822.SIZE"]).items():
                sizes[uid] = int(item.get(b"RFC822.SIZE") or 0)
        uids = [u for u in uids if u in sizes]  # expunged since the search
    if folder_report.rescanned:
        log.info("%s %s: %s: reading the folder again", mailbox.label, folder, folder_report.rescanned)
    return _Plan(folder, scope, f"{_folder_uri(mailbox, folder)};UIDVALIDITY={uidvalidity}", uidvalidity, uidnext,
                 account.since, uids, sizes, stored, start)


def _fetch_folder(client, store: Store, report: ImapReport, plan: _Plan, gmail: bool, batch_size: int,
                  progress: Progress | None, total: int) -> None:
    """Fetch, parse and write the folder's batches, each with the cursor that covers it."""
    from .email import read_message  # imported here: a sync with nothing new never needs the parser

    folder_report = report.folders[plan.folder]
    items = ["BODY.PEEK[]"] + (["X-GM-THRID"] if gmail else [])
    cursor = dict(uidvalidity=plan.uidvalidity, since=plan.since.isoformat() if plan.since else None)
    # every UID below UIDNEXT was either listed or left out on purpose (--since): done once the folder is;
    # and a cursor never moves back, whatever a server says
    done_to = max([plan.start - 1, (plan.uidnext or 1) - 1, *plan.uids[-1:]])
    batches = list(_batches(plan.uids, plan.sizes, batch_size))
    for n, batch in enumerate(batches, 1):
        data = client.fetch(batch, items)
        records: list[Conversation] = []
        for uid in batch:
            item = data.get(uid)
            if item is None:
                continue  # expunged between the listing and the fetch: nothing to store
            uri = f"{plan.uri}/;UID={uid}"
            raw = item.get(b"BODY[]")
            record = read_message(raw, uri, NAME) if raw else Rejected(uri, NAME, "the server sent no message body")
            if isinstance(record, Rejected):
                folder_report.failed += _fail(store, report, record)
                continue
            if item.get(b"X-GM-THRID"):
                gmail_thread(record, item[b"X-GM-THRID"])
            records.append(record)
        last = done_to if n == len(batches) else batch[-1]
        written = store.write(records, report.run_id, state=[(NAME, plan.scope, {**cursor, "last_value": last})])
        _add(report.written, written)
        folder_report.fetched += len(batch)
        folder_report.new += written.new
        folder_report.duplicate += written.duplicate
        report.fetched += len(batch)
        if progress:
            progress(plan.folder, report.fetched, total)
    stored = plan.stored or {}
    if not batches and (stored.get("uidvalidity"), stored.get("last_value"), stored.get("since")) != (
            cursor["uidvalidity"], done_to, cursor["since"]):
        store.write([], report.run_id, state=[(NAME, plan.scope, {**cursor, "last_value": done_to})])


def _batches(uids: list[int], sizes: dict[int, int], batch_size: int):
    batch: list[int] = []
    weight = 0
    for uid in uids:
        if batch and (len(batch) >= batch_size or weight + sizes.get(uid, 0) > BATCH_BYTES):
            yield batch
            batch, weight = [], 0
        batch.append(uid)
        weight += sizes.get(uid, 0)
    if batch:
        yield batch


def gmail_thread(record: Conversation, thread_id: int | str) -> None:
    """Thread by Gmail's X-GM-THRID first: the message joins the conversation of its Gmail thread."""
    key = f"gmail-thread:{thread_id}"
    record.lookup_keys = [key, *record.lookup_keys]
    record.keys = [*record.keys, key]
    record.meta = {**record.meta, "gmail_thread_id": str(thread_id)}


def _fail(store: Store, report: ImapReport, rejected: Rejected) -> bool:
    """Record a refused message once (a resumed run meets it again, but it stays one row); False if known."""
    if rejected in report.failed:  # met again after a reconnection
        return False
    log.info("rejected %s: %s", rejected.uri, rejected.reason)
    report.failed.append(rejected)
    if not store.scalar("SELECT count(*) FROM raw.ingest_errors WHERE uri = ? AND error = ?",
                        [rejected.uri, rejected.reason]):
        store.record_error(rejected, report.run_id)
    return True


def _folder_uri(mailbox: Mailbox, folder: str) -> str:
    return f"{mailbox.label}/{quote(folder, safe='/')}"


def _missing_folder(client, folder: str, exc: Exception) -> str:
    try:
        names = sorted(name for _flags, _delim, name in client.list_folders())
    except imaplib.IMAP4.abort:
        raise
    except imaplib.IMAP4.error:
        names = []
    if folder not in names and names:
        shown = ", ".join(names[:12]) + (" …" if len(names) > 12 else "")
        return f"no such folder; the server has: {shown}"
    return f"cannot open the folder ({_one_line(exc).removeprefix('select failed: ')})"


def _add(total: WriteResult, part: WriteResult) -> None:
    for name in ("new", "duplicate", "conversations", "utterances", "participants"):
        setattr(total, name, getattr(total, name) + getattr(part, name))


def _describe(exc: BaseException) -> str:
    if isinstance(exc, SourceUnavailable):
        return str(exc).split(": ", 1)[-1] if str(exc).startswith("imap://") else str(exc)
    if isinstance(exc, (TimeoutError, socket.timeout)):
        return "the server stopped answering (timeout)"
    if isinstance(exc, imaplib.IMAP4.abort):
        return f"connection lost ({_one_line(exc)})"
    if isinstance(exc, OSError):
        return f"connection lost ({exc.strerror or type(exc).__name__})"
    return _one_line(exc)


def _one_line(exc: BaseException | str) -> str:
    text = str(exc)
    if text.startswith(("b'", 'b"')) and text.endswith(("'", '"')):
        text = text[2:-1]
    return " ".join(text.split())[:300]

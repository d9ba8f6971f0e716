"""A real IMAP server for tests: Debian's dovecot on a free loopback port, in a throwaway folder.

    with Dovecot.start_new() as server:
        server.add_user("maya", "secret")
        with server.client("maya", "secret") as imap:
            imap.append("INBOX", message_bytes)

Run as root, mail is accessed as `nobody` (dovecot refuses uid 0), so the folder is made
world-traversable; run as any other user, every dovecot process runs as that user. `tls=True`
also generates a self-signed certificate for 127.0.0.1/localhost (`ca_file`), listens for
IMAP over TLS on `tls_port` and offers STARTTLS on `port`.
"""

from __future__ import annotations

import grp
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

CONFIG = """\
protocols = imap
listen = 127.0.0.1
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
info_log_path = {root}/dovecot.log
{ssl}
disable_plaintext_auth = no
auth_mechanisms = plain login{oauth2_mechanisms}
auth_failure_delay = 0
mail_fsync = never
mail_location = maildir:{root}/mail/%u/Maildir
{users}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/users
}}
{oauth2_passdb}userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/mail/%u
}}
# no growing delay for an address after the tests' wrong passwords
service anvil {{
{no_chroot}  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
service imap-login {{
{no_chroot}
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {tls_port}
  }}
}}
"""


class DovecotUnavailable(RuntimeError):
    """dovecot is not installed or would not start; the message says why."""


def binary() -> str | None:
    return shutil.which("dovecot") or next((p for p in ("/usr/sbin/dovecot", "/usr/local/sbin/dovecot")
                                             if os.access(p, os.X_OK)), None)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Dovecot:
    def __init__(self, root: Path, *, tls: bool = False, tokeninfo_url: str | None = None):
        self.root = root
        self.tls = tls
        self.tokeninfo_url = tokeninfo_url
        self.port = free_port()
        self.tls_port = free_port() if tls else 0
        self.ca_file = root / "cert.pem" if tls else None
        self.pid: int | None = None

    @classmethod
    def start_new(cls, *, tls: bool = False, tokeninfo_url: str | None = None) -> "Dovecot":
        """A new server; with `tokeninfo_url`, XOAUTH2 logins are checked against that URL + the token
        (it must answer {"username": USER} for a good token, and an error status for a bad one)."""
        exe = binary()
        if exe is None:
            raise DovecotUnavailable("dovecot is not installed (apt-get install dovecot-imapd; `make test` does it)")
        # not under pytest's 0700 tmp folders: the mail processes must be able to reach it
        root = Path(tempfile.mkdtemp(prefix="dealtape-dovecot-"))
        root.chmod(0o755)
        server = cls(root, tls=tls, tokeninfo_url=tokeninfo_url)
        try:
            server._configure()
            server.start()
        except Exception:
            server.remove()
            raise
        return server

    # ---- lifecycle -------------------------------------------------------------------------

    def _configure(self) -> None:
        root = self.root
        (root / "mail").mkdir()
        no_chroot = ""
        if os.geteuid() == 0:
            uid, gid, users = "nobody", grp.getgrgid(pwd.getpwnam("nobody").pw_gid).gr_name, ""
            shutil.chown(root / "mail", "nobody", gid)
        else:
            me = pwd.getpwuid(os.geteuid())
            uid, gid = me.pw_name, grp.getgrgid(me.pw_gid).gr_name
            users = (f"default_login_user = {uid}\ndefault_internal_user = {uid}\n"
                     f"default_internal_group = {gid}\nfirst_valid_uid = {me.pw_uid}\n")
            no_chroot = "  chroot =\n"  # only root may chroot
        ssl = "ssl = no"
        if self.tls:
            if shutil.which("openssl") is None:
                raise DovecotUnavailable("openssl is not installed: no certificate for the TLS server")
            subprocess.run(
                ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                 "-keyout", str(root / "key.pem"), "-out", str(self.ca_file), "-days", "2", "-subj", "/CN=localhost",
                 "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
                check=True, capture_output=True)
            (root / "key.pem").chmod(0o644)
            ssl = f"ssl = yes\nssl_cert = <{self.ca_file}\nssl_key = <{root / 'key.pem'}"
        oauth2_mechanisms = oauth2_passdb = ""
        if self.tokeninfo_url:
            oauth2_mechanisms = " xoauth2 oauthbearer"
            oauth2_passdb = (f"passdb {{\n  driver = oauth2\n  mechanisms = xoauth2 oauthbearer\n"
                             f"  args = {root}/oauth2.conf.ext\n}}\n")
            (root / "oauth2.conf.ext").write_text(f"tokeninfo_url = {self.tokeninfo_url}\nusername_attribute = username\n")
            (root / "oauth2.conf.ext").chmod(0o644)
        (root / "users").write_text("")
        (root / "users").chmod(0o644)
        (root / "dovecot.conf").write_text(CONFIG.format(
            root=root, ssl=ssl, users=users, uid=uid, gid=gid, port=self.port, tls_port=self.tls_port,
            no_chroot=no_chroot, oauth2_mechanisms=oauth2_mechanisms, oauth2_passdb=oauth2_passdb))

    def start(self, timeout: float = 10.0) -> None:
        """Start (or restart) the server on the same ports and wait until it answers."""
        # the daemon inherits our stdout/stderr: give it a file, or waiting for the pipes never ends
        with (self.root / "start.log").open("w+") as out:
            result = subprocess.run([binary(), "-c", str(self.root / "dovecot.conf")], stdin=subprocess.DEVNULL,
                                    stdout=out, stderr=out)
            if result.returncode != 0:
                out.seek(0)
                raise DovecotUnavailable(f"dovecot would not start: {' '.join(out.read().split())[:500]}")
        deadline = time.monotonic() + timeout
        while True:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as s:
                    if s.recv(64).startswith(b"* OK"):
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise DovecotUnavailable(f"dovecot did not answer on port {self.port}: {self.log()[-500:]}")
            time.sleep(0.02)
        self.pid = int((self.root / "run" / "master.pid").read_text())

    def _master(self) -> int | None:
        """The master's pid, also when it never answered (a failed start must not leave it running)."""
        if self.pid is None:
            try:
                self.pid = int((self.root / "run" / "master.pid").read_text())
            except (OSError, ValueError):
                return None
        return self.pid

    def kill(self) -> None:
        """Crash the server: SIGKILL the master and every process it started (open sessions die too)."""
        if self._master() is None:
            return
        victims = [self.pid] + _descendants(self.pid)
        for pid in victims:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + 5
        while any(_alive(p) for p in victims) and time.monotonic() < deadline:
            time.sleep(0.01)
        self.pid = None
        (self.root / "run" / "master.pid").unlink(missing_ok=True)

    def stop(self) -> None:
        if self._master() is None:
            return
        try:
            os.kill(self.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        deadline = time.monotonic() + 5
        while _alive(self.pid) and time.monotonic() < deadline:
            time.sleep(0.01)
        if _alive(self.pid):
            self.kill()
        self.pid = None

    def remove(self) -> None:
        self.kill()  # a clean shutdown takes a second; the folder is thrown away anyway
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> "Dovecot":
        return self

    def __exit__(self, *exc) -> None:
        self.remove()

    # ---- content -----------------------------------------------------------------------------

    def add_user(self, user: str, password: str) -> None:
        with (self.root / "users").open("a") as f:
            f.write(f"{user}:{{PLAIN}}{password}\n")

    def client(self, user: str, password: str):
        """A logged-in imapclient connection (plaintext, loopback) for putting test mail in place."""
        from imapclient import IMAPClient

        client = IMAPClient("127.0.0.1", port=self.port, ssl=False, timeout=10)
        client.login(user, password)
        return client

    def maildir(self, user: str) -> Path:
        return self.root / "mail" / user / "Maildir"

    def log(self) -> str:
        path = self.root / "dovecot.log"
        return path.read_text(errors="replace") if path.exists() else ""


def _descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie is dead for our purposes
        return (Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]) != "Z"
    except OSError:
        return False

"""IMAP sync throughput, no-op re-sync time and peak memory, against a local dovecot.

Starts dovecot on a free loopback port with a throwaway maildir (tests/imap/dovecot.py; the
package dovecot-imapd must be installed), appends 5,000 messages in realistic threads (1-8
messages, quoted replies, signatures, about a tenth with a PDF attachment) to INBOX and Sent,
then, each in its own process so that peak RSS is that job's alone:

  - the first sync (connect, log in, fetch, parse, thread, store) of a fresh DuckDB file;
  - a no-op re-sync through the library (connect, log in, one EXAMINE per folder);
  - the same no-op re-sync as a user runs it: `dealtape ingest imap ...`, process start included.

    .venv/bin/python benchmarks/imap_bench.py [--messages 5000] [--batch-size 500]

Targets: first sync >= 300 messages/s, no-op re-sync < 2 s. Wall-clock figures depend on what
else the machine runs (the load average is printed); CPU seconds do much less.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from imap.dovecot import Dovecot  # noqa: E402

USER, PASSWORD = "bench", "bench-password"
WORDS = ("pricing renewal security review pilot rollout budget quarter integration timeline legal "
         "procurement dashboard forecast pipeline onboarding contract discount seats analytics").split()
OURS = "maya@brightwave.example"


def messages(n: int, rng: random.Random):
    """(folder, bytes): threads of 1-8 messages between a rep and a buyer; the rep's go to Sent."""
    start = datetime(2026, 1, 5, 9, tzinfo=timezone.utc)
    written = 0
    while written < n:
        size = min(rng.randint(1, 8), n - written)
        subject = " ".join(rng.choices(WORDS, k=4)).capitalize()
        buyer = f"buyer{rng.randint(1, 400)}@acct{rng.randint(1, 80)}.example"
        ids: list[str] = []
        for i in range(size):
            ours = (i % 2 == 1) == (rng.random() < 0.8)
            msg = EmailMessage(policy=SMTP)
            msg["From"], msg["To"] = (OURS, buyer) if ours else (buyer, OURS)
            msg["Subject"] = ("Re: " if i else "") + subject
            msg["Date"] = format_datetime(start + timedelta(minutes=written * 7 + i))
            msg["Message-ID"] = f"<b{written + i}.{rng.getrandbits(32):x}@bench.example>"
            if ids:
                msg["In-Reply-To"] = ids[-1]
                msg["References"] = " ".join(ids)
            body = " ".join(rng.choices(WORDS, k=rng.randint(20, 120))) + ".\n\nBest,\nSomeone\n"
            if i:
                body += "\nOn Mon, 5 Jan 2026 at 09:00, Maya wrote:\n> " + " ".join(rng.choices(WORDS, k=30)) + "\n"
            msg.set_content(body)
            if rng.random() < 0.1:
                msg.add_attachment(rng.randbytes(rng.randint(20_000, 200_000)), maintype="application",
                                   subtype="pdf", filename="proposal.pdf")
            ids.append(msg["Message-ID"])
            yield ("Sent" if ours else "INBOX"), msg.as_bytes()
        written += size


def fill(server: Dovecot, n: int) -> tuple[int, int]:
    client = server.client(USER, PASSWORD)
    client.create_folder("Sent")
    pending: dict[str, list[bytes]] = {"INBOX": [], "Sent": []}
    size = 0
    for folder, raw in messages(n, random.Random(42)):
        pending[folder].append(raw)
        size += len(raw)
        if len(pending[folder]) == 200:
            client.multiappend(folder, pending[folder])
            pending[folder] = []
    for folder, batch in pending.items():
        if batch:
            client.multiappend(folder, batch)
    client.logout()
    return n, size


def _child(port: str, db: str, batch_size: str) -> None:
    """One sync in a process of its own: prints fetched, new, seconds and peak RSS as JSON."""
    t0 = time.perf_counter()
    from dealtape.ingest import imap
    from dealtape.models.config import Config, ImapAccount, TeamConfig
    from dealtape.models.store import Store

    account = ImapAccount(host="127.0.0.1", port=int(port), user=USER, folders=("INBOX", "Sent"), tls="none")
    with Store.open(db, create=True, config=Config(team=TeamConfig(internal_domains=("brightwave.example",)))) as store:
        t1 = time.perf_counter()
        with imap.connect(account, imap.Credentials(USER, os.environ["BENCH_PW"])) as mailbox:
            report = imap.sync(mailbox, store, batch_size=int(batch_size))
        t2 = time.perf_counter()
        utterances = store.scalar("SELECT count(*) FROM raw.utterances")
    me = resource.getrusage(resource.RUSAGE_SELF)
    print(json.dumps({"n": report.fetched, "new": report.written.new, "failed": len(report.failed),
                      "utterances": utterances, "seconds": t2 - t1, "with_open": t2 - t0,
                      "cpu": me.ru_utime + me.ru_stime, "peak_mb": me.ru_maxrss / 1024}))


def measure(port: int, db: Path, batch_size: int) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", str(port), str(db), str(batch_size)],
                         capture_output=True, text=True, check=True, env={**os.environ, "BENCH_PW": PASSWORD}).stdout
    return json.loads(out.strip().splitlines()[-1])


def cli_noop(port: int, db: Path) -> float:
    t0 = time.perf_counter()
    subprocess.run([str(Path(sys.executable).with_name("dealtape")), "--db", str(db), "ingest", "imap", "--host",
                    "127.0.0.1", "--port", str(port), "--user", USER, "--no-tls", "--folder", "INBOX", "--folder",
                    "Sent"], check=True, capture_output=True, env={**os.environ, "DEALTAPE_IMAP_PASSWORD": PASSWORD})
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=5_000)
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return _child(*args.child)

    with Dovecot.start_new() as server, tempfile.TemporaryDirectory() as tmp:
        server.add_user(USER, PASSWORD)
        t0 = time.perf_counter()
        n, size = fill(server, args.messages)
        print(f"input: {n} messages ({size / 1e6:.1f} MB) in INBOX and Sent of a local dovecot, "
              f"appended in {time.perf_counter() - t0:.1f} s; batches of {args.batch_size}; "
              f"{len(os.sched_getaffinity(0))} cores, load average {os.getloadavg()[0]:.1f} at the start")
        db = Path(tmp) / "imap.duckdb"
        first = measure(server.port, db, args.batch_size)
        noop = measure(server.port, db, args.batch_size)
        cli = min(cli_noop(server.port, db) for _ in range(3))
    print(f"{'job':34} {'fetched':>7} {'seconds':>8} {'msgs/s':>9} {'peak MB':>8} {'CPU s':>6}")
    for name, r in (("imap: first sync", first), ("imap: re-sync (no-op)", noop)):
        print(f"{name:34} {r['n']:>7} {r['seconds']:>8.2f} {r['n'] / r['seconds']:>7.0f}/s {r['peak_mb']:>8.0f} "
              f"{r['cpu']:>6.1f}" + (f"  ({r['failed']} failed)" if r["failed"] else ""))
    print(f"{'imap: dealtape ingest imap (no-op)':34} {0:>7} {cli:>8.2f} {'':>9} {'':>8} {'':>6}  (whole process)")
    rate = first["n"] / first["seconds"]
    assert first["utterances"] == n and noop["new"] == 0, (first, noop)
    print(f"first sync {rate:.0f} msg/s, {first['utterances']} messages stored; no-op re-sync {noop['seconds']:.2f} s "
          f"in the library, {cli:.2f} s as a command; targets >= 300 msg/s, no-op < 2 s: "
          f"{'met' if rate >= 300 and noop['seconds'] < 2 and cli < 2 else 'NOT met'}")


if __name__ == "__main__":
    main()

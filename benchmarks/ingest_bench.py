"""Ingest throughput and peak memory.

Generates a 10,000-message mbox (threads of 1-8 messages, quoted replies, signatures) and
1,000 WebVTT calls with sidecars, ingests each into a fresh DuckDB file in its own process,
and prints messages (or calls) per second and peak RSS, beside a same-run baseline that
only parses the input (stdlib `email` for the mbox, webvtt-py for the calls).

    .venv/bin/python benchmarks/ingest_bench.py [--messages 10000] [--calls 1000]

Targets: mbox >= 1,000 messages/s with peak RSS < 500 MB.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from datetime import datetime, timedelta, timezone
from pathlib import Path

WORDS = ("pricing renewal security review pilot rollout budget quarter integration timeline legal "
         "procurement dashboard forecast pipeline onboarding contract discount seats analytics").split()


def write_mbox(path: Path, n: int, rng: random.Random) -> None:
    start = datetime(2026, 1, 5, 9, tzinfo=timezone.utc)
    with path.open("wb") as out:
        written = 0
        while written < n:
            size = min(rng.randint(1, 8), n - written)
            subject = " ".join(rng.choices(WORDS, k=4)).capitalize()
            ids: list[str] = []
            for i in range(size):
                msg = EmailMessage()
                sender = rng.choice(["maya@brightwave.example", f"buyer{rng.randint(1, 400)}@acct{rng.randint(1, 80)}.example"])
                msg["From"] = sender
                msg["To"] = "team@brightwave.example"
                msg["Subject"] = ("Re: " if i else "") + subject
                msg["Date"] = format_datetime(start + timedelta(minutes=written * 7 + i))
                msg["Message-ID"] = make_msgid(domain="bench.example")
                if ids:
                    msg["In-Reply-To"] = ids[-1]
                    msg["References"] = " ".join(ids)
                body = " ".join(rng.choices(WORDS, k=rng.randint(20, 120))) + ".\n\nBest,\nSomeone\n"
                if i:
                    body += "\nOn Mon, 5 Jan 2026 at 09:00, Maya wrote:\n> " + " ".join(rng.choices(WORDS, k=30)) + "\n"
                msg.set_content(body)
                ids.append(msg["Message-ID"])
                out.write(b"From MAILER-DAEMON Thu Jan  1 00:00:00 2026\n")
                out.write(msg.as_bytes().replace(b"\nFrom ", b"\n>From ") + b"\n")
            written += size


def write_calls(folder: Path, n: int, rng: random.Random) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for c in range(n):
        people = [("Maya Chen", "maya@brightwave.example"), (f"Buyer {c}", f"buyer{c}@acct{c % 80}.example")]
        lines = ["WEBVTT", ""]
        t = 0.0
        for i in range(rng.randint(30, 90)):
            name = people[i % 2][0]
            dur = rng.uniform(2, 9)
            lines += [f"{_ts(t)} --> {_ts(t + dur)}", f"<v {name}>{' '.join(rng.choices(WORDS, k=rng.randint(5, 25)))}</v>", ""]
            t += dur
        (folder / f"call_{c:04d}.vtt").write_text("\n".join(lines), encoding="utf-8")
        (folder / f"call_{c:04d}.json").write_text(json.dumps({
            "title": f"Call {c}", "started_at": f"2026-03-{c % 28 + 1:02d}T15:00:00+00:00",
            "participants": [{"name": n_, "email": e} for n_, e in people]}), encoding="utf-8")


def _ts(seconds: float) -> str:
    ms = int(seconds * 1000)
    return f"{ms // 3600000:02d}:{ms // 60000 % 60:02d}:{ms // 1000 % 60:02d}.{ms % 1000:03d}"


def _child(mode: str, target: str, db: str) -> None:
    """Runs in a subprocess so that peak RSS is this job's alone."""
    t0 = time.perf_counter()
    if mode == "ingest":
        from dealtape import ingest
        from dealtape.models.config import Config, TeamConfig
        from dealtape.models.store import Store

        with Store.open(db, create=True, config=Config(team=TeamConfig(internal_domains=("brightwave.example",)))) as store:
            report = ingest.run([target], store)
            n = store.scalar("SELECT count(*) FROM raw.utterances") if target.endswith(".mbox") else report.written.new
            failed = len(report.failed)
    elif mode == "parse-mbox":
        import email
        import email.policy
        import mailbox

        n = failed = 0
        for msg in mailbox.mbox(target, factory=lambda f: email.message_from_binary_file(f, policy=email.policy.default)):
            body = msg.get_body(("plain", "html"))
            n += body is not None and bool(body.get_content())
    else:  # parse-vtt
        import webvtt

        n = failed = 0
        for path in sorted(Path(target).glob("*.vtt")):
            n += bool(webvtt.read(str(path)).captions)
    seconds = time.perf_counter() - t0
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"n": n, "failed": failed, "seconds": seconds, "peak_mb": peak_mb}))


def measure(mode: str, target: Path, db: Path) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", mode, str(target), str(db)],
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--calls", type=int, default=1_000)
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return _child(*args.child)

    rng = random.Random(42)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        mbox, calls = tmp / "bench.mbox", tmp / "calls"
        write_mbox(mbox, args.messages, rng)
        write_calls(calls, args.calls, rng)
        print(f"input: {args.messages} messages in {mbox.stat().st_size / 1e6:.1f} MB mbox; {args.calls} VTT calls")
        rows = [
            ("mbox: parse only (stdlib email)", "msg", measure("parse-mbox", mbox, tmp / "unused")),
            ("mbox: dealtape ingest", "msg", measure("ingest", mbox, tmp / "mbox.duckdb")),
            ("mbox: re-ingest (no-op)", "msg", measure("ingest", mbox, tmp / "mbox.duckdb")),
            ("vtt: parse only (webvtt-py)", "call", measure("parse-vtt", calls, tmp / "unused")),
            ("vtt: dealtape ingest", "call", measure("ingest", calls, tmp / "vtt.duckdb")),
        ]
    print(f"{'job':34} {'items':>7} {'seconds':>8} {'items/s':>9} {'peak MB':>8}")
    for name, unit, r in rows:
        print(f"{name:34} {r['n']:>7} {r['seconds']:>8.2f} {r['n'] / r['seconds']:>7.0f}/s {r['peak_mb']:>8.0f}"
              + (f"  ({r['failed']} failed)" if r["failed"] else ""))
    parse, full = rows[0][2], rows[1][2]
    print(f"mbox ingest runs at {full['n'] / full['seconds']:.0f} msg/s "
          f"({(full['n'] / full['seconds']) / (parse['n'] / parse['seconds']):.2f}x the parse-only baseline); "
          f"target >= 1000 msg/s, peak < 500 MB: "
          f"{'met' if full['n'] / full['seconds'] >= 1000 and full['peak_mb'] < 500 else 'NOT met'}")


if __name__ == "__main__":
    main()

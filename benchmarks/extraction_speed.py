"""Extraction throughput and peak memory.

Builds a corpus of realistic sales conversations by sampling and recombining the utterances
of the labelled corpora (benchmarks/corpus/dev and benchmarks/corpus/heldout): each new deal
copies one source deal's sequence of conversations (calls as WebVTT with sidecars, email
threads as mbox, chats as JSON Lines) under a new account domain, with its dates shifted;
each new conversation keeps its template's participants (the sidecar's, for calls) and is
filled with runs of consecutive utterances drawn from that corpus's conversations of the same
kind, every speaker mapped to a participant on the same side. All of it is seeded, so the
corpus is the same on every run. One merged dealtape.toml holds both vendors' internal
domains, account names and competitors.

The corpus is ingested into a fresh DuckDB file (not timed). Then, each in its own process
so that peak RSS is that job's alone:
- extraction: load spaCy + MiniLM (timed on its own: the model-load time), then
  `pipeline.select` + `pipeline.run` with every extractor;
- the naive baseline: spaCy `nlp.pipe` over every utterance text and MiniLM embeddings of
  every utterance text, i.e. every utterance through every model, with no candidate filter.

    .venv/bin/python benchmarks/extraction_speed.py [--utterances 6000] [--keep]

Target: >= 300 utterances/s on 2 cores (steady state, model load excluded).
"""

from __future__ import annotations

import argparse
import json
import mailbox
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage
from email.utils import format_datetime, formataddr
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPORA = (ROOT / "benchmarks" / "corpus" / "dev", ROOT / "benchmarks" / "corpus" / "heldout")
SEED = 20261103
TARGET = 300  # utterances/s, steady state, on 2 cores
FREE_MAIL = {"gmail.com", "outlook.com", "yahoo.com", "hotmail.com"}


# ---------------------------------------------------------------------------- source material

@dataclass
class Utterance:
    speaker: str
    email: str | None
    side: str
    text: str
    duration: float | None  # calls: the cue's length in seconds


@dataclass
class Template:
    """One source conversation: who took part, when, and what was said."""

    corpus: str
    kind: str  # call, email, chat
    path: Path
    title: str
    started_at: datetime  # calls: with the sidecar's UTC offset
    participants: list[tuple[str, str, str]]  # (name, email, side)
    deal: str | None  # the sidecar's deal name
    account: str | None
    deal_key: str  # the source deal (conversation_deals), so a new deal copies a whole one
    utterances: list[Utterance] = field(default_factory=list)


def merged_config_text(extra_names: dict[str, str]) -> str:
    """One dealtape.toml with both corpora's internal domains, account names and competitors."""
    domains, names, competitors, me = [], {}, {}, None
    for corpus in CORPORA:
        raw = tomllib.loads((corpus / "dealtape.toml").read_text(encoding="utf-8"))
        domains += [d for d in raw["team"]["internal_domains"] if d not in domains]
        me = me or raw["team"].get("me")
        names.update(raw.get("accounts", {}).get("names", {}))
        competitors.update(raw.get("competitors", {}))
    names.update(extra_names)
    q = json.dumps  # a JSON string is a valid TOML basic string
    lines = ["# merged config for benchmarks/extraction_speed.py", "", "[team]",
             f"internal_domains = [{', '.join(map(q, domains))}]", f"me = {q(me)}", "", "[accounts.names]"]
    lines += [f"{q(d)} = {q(n)}" for d, n in sorted(names.items())]
    lines += ["", "[competitors]"] + [f"{q(n)} = [{', '.join(map(q, a))}]" for n, a in competitors.items()]
    return "\n".join(lines) + "\n"


def read_sources(tmp: Path) -> tuple[list[Template], tuple[str, ...]]:
    """The source conversations as ingested (quoted replies stripped), grouped by file."""
    from dealtape import ingest
    from dealtape.models import config as config_lib
    from dealtape.models.store import Store

    config_path = tmp / "sources.toml"
    config_path.write_text(merged_config_text({}), encoding="utf-8")
    config = config_lib.load(config_path)
    internal = config.team.internal_domains

    def side(email: str | None) -> str:
        return "internal" if email and email.rsplit("@", 1)[-1].lower() in internal else "external"

    templates = []
    with Store.open(tmp / "sources.duckdb", create=True, config=config) as store:
        report = ingest.run(list(CORPORA), store)
        if report.failed:
            raise SystemExit(f"source corpora failed to ingest: {report.failed}")
        convs = store.con.execute("""
            SELECT c.conversation_id, c.kind, c.title, c.started_at, c.account, c.deal, c.source_uri,
                   coalesce(d.deal_id, c.conversation_id)
            FROM conversations c JOIN conversation_deals d USING (conversation_id) ORDER BY c.source_uri""").fetchall()
        people = defaultdict(list)
        for cid, name, email, s in store.con.execute(
                "SELECT conversation_id, name, email, side FROM people ORDER BY conversation_id, participant_id").fetchall():
            people[cid].append((name, email, s))
        said = defaultdict(list)
        for cid, speaker, email, s, text, start_s, end_s in store.con.execute("""
                SELECT conversation_id, speaker, email, side, text, start_s, end_s FROM timeline
                WHERE utterance_kind IN ('speech', 'message') ORDER BY conversation_id, position""").fetchall():
            duration = (end_s - start_s) if start_s is not None and end_s is not None else None
            said[cid].append(Utterance(speaker, email, s, text, duration))
        for cid, kind, title, started_at, account, deal, uri, deal_key in convs:
            path = Path(uri.split("#")[0])
            path = path if path.is_absolute() else ROOT / path
            corpus = next(c.name for c in CORPORA if c in path.parents or c.resolve() in path.resolve().parents)
            participants = people[cid]
            if kind == "call":  # the sidecar keeps the UTC offset and the participants' order
                sidecar = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
                started_at = datetime.fromisoformat(sidecar["started_at"])
                participants = [(p["name"], p["email"], side(p["email"])) for p in sidecar["participants"]]
            templates.append(Template(corpus, kind, path, title or path.stem, started_at, participants, deal,
                                      account, deal_key, said[cid]))
    return templates, internal


# ---------------------------------------------------------------------------- recombination

@dataclass
class NewConversation:
    template: Template
    deal_no: int
    domain_map: dict[str, str]
    deal: str | None
    started_at: datetime
    participants: list[tuple[str, str, str]]
    turns: list[tuple[tuple[str, str, str], Utterance]]  # (participant, source utterance)


def rewrite_email(email: str, domain_map: dict[str, str]) -> str:
    local, _, domain = email.rpartition("@")
    return f"{local}@{domain_map.get(domain, domain)}"


def recombine(template: Template, pool: list[Template], rng: random.Random) -> list[tuple[tuple[str, str, str], Utterance]]:
    """Runs of consecutive utterances from same-kind conversations, speakers mapped onto the template's people."""
    n = len(template.utterances)
    if template.kind == "email":
        target = min(6, max(2, n + rng.randint(-1, 1)))
        run_len = (1, 2)
    else:
        target = max(4, round(n * rng.uniform(0.75, 1.25)))
        run_len = (2, 6)
    by_side = defaultdict(list)
    for p in template.participants:
        by_side[p[2]].append(p)
    out = []
    first = True
    while len(out) < target:
        source = template if first else rng.choice(pool)
        size = min(rng.randint(*run_len), len(source.utterances), target - len(out))
        start = 0 if first else rng.randint(0, len(source.utterances) - size)
        first = False
        mapping: dict[str, tuple[str, str, str]] = {}
        for u in source.utterances[start:start + size]:
            if u.speaker not in mapping:
                candidates = by_side.get(u.side) or template.participants
                unused = [p for p in candidates if p not in mapping.values()] or candidates
                mapping[u.speaker] = rng.choice(unused)
            out.append((mapping[u.speaker], u))
    return out


def plan_corpus(templates: list[Template], utterances: int, rng: random.Random) -> list[NewConversation]:
    """New deals, each a source deal's conversations re-dated, re-homed and refilled, until enough utterances."""
    deals = defaultdict(list)
    for t in templates:
        deals[(t.corpus, t.deal_key)].append(t)
    deal_keys = sorted(deals)
    pools = defaultdict(list)
    for t in templates:
        pools[(t.corpus, t.kind)].append(t)
    out: list[NewConversation] = []
    total = deal_no = 0
    while total < utterances:
        deal_no += 1
        key = rng.choice(deal_keys)
        shift = timedelta(days=rng.randint(-90, 365), minutes=15 * rng.randint(-8, 8))
        convs = sorted(deals[key], key=lambda t: t.started_at)
        domain_map = {}
        for t in convs:
            for _, email, side in t.participants:
                domain = email.rsplit("@", 1)[-1]
                if side == "external" and domain not in FREE_MAIL:
                    stem = domain.removesuffix(".example")
                    domain_map[domain] = f"{stem}-{deal_no:04d}.example"
        for t in convs:
            participants = [(name, rewrite_email(email, domain_map), side) for name, email, side in t.participants]
            remap = dict(zip(t.participants, participants))
            turns = [(remap[p], u) for p, u in recombine(t, pools[(t.corpus, t.kind)], rng)]
            deal = f"{t.deal} #{deal_no}" if t.deal else None
            out.append(NewConversation(t, deal_no, domain_map, deal, t.started_at + shift, participants, turns))
            total += len(turns)
            if total >= utterances:
                break
    return out


# ---------------------------------------------------------------------------- writing files

def _ts(seconds: float) -> str:
    ms = int(round(seconds * 1000))
    return f"{ms // 3600000:02d}:{ms // 60000 % 60:02d}:{ms // 1000 % 60:02d}.{ms % 1000:03d}"


def stem_of(c: NewConversation) -> str:
    base = c.template.path.stem
    base = base[11:] if base[:4].isdigit() and base[10:11] == "-" else base  # drop a leading date
    return f"{c.started_at:%Y-%m-%d}-{base}-d{c.deal_no:04d}"


def write_call(c: NewConversation, folder: Path, rng: random.Random) -> None:
    lines, t = ["WEBVTT", ""], rng.uniform(1.5, 3.5)
    for i, ((name, _, _), u) in enumerate(c.turns, 1):
        duration = u.duration or max(1.5, len(u.text) / 14)
        text = " ".join(u.text.split())
        lines += [str(i), f"{_ts(t)} --> {_ts(t + duration)}", f"<v {name}>{text}</v>", ""]
        t += duration + rng.uniform(0.2, 1.4)
    (folder / f"{stem_of(c)}.vtt").write_text("\n".join(lines), encoding="utf-8")
    sidecar = {"title": c.template.title, "started_at": c.started_at.isoformat(),
               "participants": [{"name": n, "email": e} for n, e, _ in c.participants]}
    if c.deal:
        sidecar["deal"] = c.deal
    (folder / f"{stem_of(c)}.json").write_text(json.dumps(sidecar, indent=2, ensure_ascii=False), encoding="utf-8")


def write_email(c: NewConversation, folder: Path, rng: random.Random) -> None:
    box = mailbox.mbox(folder / f"{stem_of(c)}.mbox", create=True)
    ids: list[str] = []
    when, previous = c.started_at.astimezone(timezone.utc), None
    subject = c.template.title
    for i, ((name, email, side), u) in enumerate(c.turns):
        msg = EmailMessage()
        others = [p for p in c.participants if p[1] != email]
        to = [p for p in others if p[2] != side] or others[:1]
        cc = [p for p in others if p not in to]
        msg["From"] = formataddr((name, email))
        msg["To"] = ", ".join(formataddr((n, e)) for n, e, _ in to)
        if cc:
            msg["Cc"] = ", ".join(formataddr((n, e)) for n, e, _ in cc)
        msg["Subject"] = ("Re: " if i else "") + subject
        msg["Date"] = format_datetime(when)
        msg["Message-ID"] = f"<{stem_of(c)}.{i + 1}@mail.{email.rsplit('@', 1)[-1]}>"
        if ids:
            msg["In-Reply-To"] = ids[-1]
            msg["References"] = " ".join(ids)
        body = u.text.rstrip() + "\n"
        if previous:
            p_when, p_name, p_email, p_text = previous
            body += (f"\nOn {p_when:%a, %b %-d, %Y at %-I:%M %p} {p_name} <{p_email}> wrote:\n"
                     + "\n".join(f"> {line}".rstrip() for line in p_text.splitlines()) + "\n")
        msg.set_content(body)
        ids.append(msg["Message-ID"])
        message = mailbox.mboxMessage(msg)
        message.set_from(email, when.timetuple())
        box.add(message)
        previous = (when, name, email, u.text)
        when += timedelta(minutes=rng.randint(20, 60 * 40))
    box.flush()
    box.close()


def write_chat(c: NewConversation, folder: Path, rng: random.Random) -> None:
    when = c.started_at.astimezone(timezone.utc)
    thread = stem_of(c)
    with (folder / f"{thread}.jsonl").open("w", encoding="utf-8") as out:
        for (name, email, _), u in c.turns:
            out.write(json.dumps({"ts": when.isoformat(), "sender": {"name": name, "email": email},
                                  "text": u.text, "thread": thread}, ensure_ascii=False) + "\n")
            when += timedelta(minutes=rng.randint(1, 12), seconds=rng.randint(0, 59))


def build_corpus(tmp: Path, utterances: int) -> tuple[Path, Path, list[NewConversation]]:
    rng = random.Random(SEED)
    templates, _ = read_sources(tmp)
    plan = plan_corpus(templates, utterances, rng)
    corpus = tmp / "corpus"
    folders = {"call": corpus / "calls", "email": corpus / "email", "chat": corpus / "chat"}
    for f in folders.values():
        f.mkdir(parents=True, exist_ok=True)
    writers = {"call": write_call, "email": write_email, "chat": write_chat}
    for c in plan:
        writers[c.template.kind](c, folders[c.template.kind], rng)
    # Account names for the new domains, as a CRM with many accounts would have them.
    source_names = {}
    for src in CORPORA:
        source_names.update(tomllib.loads((src / "dealtape.toml").read_text(encoding="utf-8"))
                            .get("accounts", {}).get("names", {}))
    extra = {new: f"{source_names.get(old, old.removesuffix('.example'))} {c.deal_no}"
             for c in plan for old, new in c.domain_map.items()}
    config = corpus / "dealtape.toml"
    config.write_text(merged_config_text(extra), encoding="utf-8")
    return corpus, config, plan


# ---------------------------------------------------------------------------- measured jobs (subprocesses)

def _peak_mb(who: int = resource.RUSAGE_SELF) -> float:
    return resource.getrusage(who).ru_maxrss / 1024


def _load_models(settings, worker: bool) -> float:
    """Load spaCy and MiniLM (in this process, or in the pipeline's embedding worker) with one
    warm-up call each; the seconds it took."""
    t0 = time.perf_counter()
    from dealtape.extract import nlp

    model = nlp.spacy_model(settings.models.spacy)
    embed = (nlp.embedding_worker if worker else nlp.embedder)(settings.models.embeddings, settings.models.device)
    list(model.pipe(["Warm up the pipeline."]))
    embed(["Warm up the embedder."])
    return time.perf_counter() - t0


def _child(mode: str, db: str, config_path: str) -> None:
    t0 = time.perf_counter()
    from dealtape.extract.settings import ExtractSettings
    from dealtape.models import config as config_lib
    from dealtape.models.store import Store

    config = config_lib.load(config_path)
    settings = ExtractSettings.from_config(config)
    from dealtape.extract import nlp

    # The corpus recombines a few hundred distinct utterances; with the embedder's reuse of texts
    # it has seen, repeats would cost nothing. Off, so every sentence is embedded as if it were new.
    nlp.Embedder.reuse = False
    if mode == "extract":
        from dealtape.extract import nlp, pipeline
        from dealtape.extract.base import split_sentences

        _load_models(settings, worker=True)
        load_s = time.perf_counter() - t0  # imports, config and models: everything before the first batch
        # Instrumentation only (the models' own calls, counted and timed; nothing else changes):
        # how many texts reach spaCy and the embedding worker, how long spaCy takes, and how long
        # the main thread waits for embeddings.
        stats = {"parsed": 0, "spacy_s": 0.0, "embedded": 0, "embed_wait_s": 0.0}
        model = nlp.spacy_model(settings.models.spacy)
        spacy_pipe, submit, embed_later = model.pipe, nlp.EmbeddingWorker.submit, nlp.Analysis.embed_later

        def pipe(texts, *a, **k):
            texts, t = list(texts), time.perf_counter()
            docs = list(spacy_pipe(texts, *a, **k))
            stats["parsed"] += len(texts)
            stats["spacy_s"] += time.perf_counter() - t
            return iter(docs)

        def counted_submit(self, texts):
            stats["embedded"] += len(texts)
            return submit(self, texts)

        def timed_embed_later(self, sentences):
            keep = embed_later(self, sentences)

            def timed_keep():
                t = time.perf_counter()
                keep()
                stats["embed_wait_s"] += time.perf_counter() - t
            return timed_keep

        model.pipe, nlp.EmbeddingWorker.submit, nlp.Analysis.embed_later = pipe, counted_submit, timed_embed_later
        with Store.open(db, config=config) as store:
            selection = pipeline.select(store)
            report = pipeline.run(store, settings, selection)
        seconds = time.perf_counter() - t0
        stats["embedded"] -= 1  # the warm-up text
        nlp.embedding_worker(settings.models.embeddings, settings.models.device).close()  # for its peak memory
        with Store.open(db, read_only=True, config=config) as store:  # after the clock: all sentences, for the share
            texts = [r[0] for r in store.con.execute(
                "SELECT text FROM timeline WHERE utterance_kind IN ('speech', 'message')").fetchall()]
        all_sentences = sum(len(split_sentences(t)) for t in texts)
        print(json.dumps({"utterances": report.utterances, "conversations": report.conversations,
                          "seconds": seconds, "load_s": load_s, "run_s": report.seconds,
                          "peak_mb": _peak_mb(), "worker_peak_mb": _peak_mb(resource.RUSAGE_CHILDREN),
                          "facts": dict(report.facts), "status": report.status,
                          "all_sentences": all_sentences, **stats}))
    else:  # baseline: every utterance text through spaCy and through MiniLM
        from dealtape.extract import nlp

        with Store.open(db, read_only=True, config=config) as store:
            texts = [r[0] for r in store.con.execute("""SELECT text FROM timeline
                     WHERE utterance_kind IN ('speech', 'message') ORDER BY conversation_id, position""").fetchall()]
        load_s = _load_models(settings, worker=False)
        t1 = time.perf_counter()
        docs = sum(1 for _ in nlp.spacy_model(settings.models.spacy).pipe(texts, batch_size=nlp.SPACY_BATCH))
        spacy_s = time.perf_counter() - t1
        t2 = time.perf_counter()
        vectors = nlp.embedder(settings.models.embeddings, settings.models.device)(texts)
        embed_s = time.perf_counter() - t2
        assert docs == len(texts) == len(vectors)
        print(json.dumps({"utterances": len(texts), "load_s": load_s, "spacy_s": spacy_s, "embed_s": embed_s,
                          "seconds": time.perf_counter() - t0, "peak_mb": _peak_mb()}))


def measure(mode: str, db: Path, config: Path) -> dict:
    proc = subprocess.run([sys.executable, __file__, "--child", mode, str(db), str(config)],
                          capture_output=True, text=True)
    if proc.returncode:
        raise SystemExit(f"{mode} job failed:\n{proc.stderr[-4000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------------------- main

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--utterances", type=int, default=6000, help="utterances in the generated corpus (default 6000)")
    parser.add_argument("--keep", action="store_true", help="keep the temp folder (corpus, config, DuckDB) and print its path")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return _child(*args.child)

    started = time.perf_counter()
    load_before = os.getloadavg()[0]
    tmp = Path(tempfile.mkdtemp(prefix="dealtape-extract-bench-"))
    try:
        corpus, config_path, plan = build_corpus(tmp, args.utterances)
        kinds = defaultdict(lambda: [0, 0])
        for c in plan:
            kinds[c.template.kind][0] += 1
            kinds[c.template.kind][1] += len(c.turns)
        deals = len({c.deal_no for c in plan})
        print(f"corpus: {sum(len(c.turns) for c in plan)} utterances in {len(plan)} conversations, {deals} deals "
              f"(seed {SEED}; " + ", ".join(f"{k}: {n} conv / {u} utt" for k, (n, u) in sorted(kinds.items())) + ")")

        from dealtape import ingest
        from dealtape.models import config as config_lib
        from dealtape.models.store import Store

        db = tmp / "bench.duckdb"
        t0 = time.perf_counter()
        with Store.open(db, create=True, config=config_lib.load(config_path)) as store:
            report = ingest.run([corpus], store)
            if report.failed:
                raise SystemExit(f"ingest failed for {len(report.failed)} item(s): {report.failed[:3]}")
            n_conv = store.scalar("SELECT count(*) FROM conversations")
            n_deals = store.scalar("SELECT count(DISTINCT deal_id) FROM conversation_deals")
        print(f"ingest (not timed below): {n_conv} conversations, {n_deals} deals, {time.perf_counter() - t0:.1f} s")

        ext = measure("extract", db, config_path)
        base = measure("baseline", db, config_path)
    finally:
        if args.keep:
            print(f"kept: {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)

    load_after = os.getloadavg()[0]
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    steady_s = ext["seconds"] - ext["load_s"]
    steady = ext["utterances"] / steady_s
    spacy_rate = base["utterances"] / base["spacy_s"]
    embed_rate = base["utterances"] / base["embed_s"]
    naive_rate = base["utterances"] / (base["spacy_s"] + base["embed_s"])
    busy = max(load_before, load_after) > cores
    print(f"cores: {cores}; 1-min load average {load_before:.2f} before, {load_after:.2f} after"
          + ("  (above the core count: something else competed for the CPU, figures are pessimistic)" if busy else ""))
    print("extraction (pipeline.select + pipeline.run, all extractors, own process):"
          + ("" if ext["status"] == "ok" else f"  RUN STATUS {ext['status']}"))
    print(f"  utterances             {ext['utterances']}")
    print(f"  conversations          {ext['conversations']}")
    print(f"  seconds                {ext['seconds']:.2f}  (model load {ext['load_s']:.2f} + select/run {steady_s:.2f})")
    print(f"  utterances/s           {ext['utterances'] / ext['seconds']:.0f}")
    print(f"  conversations/s        {ext['conversations'] / ext['seconds']:.1f}")
    print(f"  peak memory MB         {ext['peak_mb']:.0f} + {ext['worker_peak_mb']:.0f} (main process + embedding worker)")
    print(f"  model-load time s      {ext['load_s']:.2f}  (imports + spaCy + MiniLM in its worker + one warm-up call each)")
    print(f"  steady utterances/s    {steady:.0f}  (model load excluded)")
    print(f"  sentences              {ext['all_sentences']} in all; spaCy parsed {ext['parsed']} "
          f"({ext['parsed'] / ext['all_sentences']:.0%}) in {ext['spacy_s']:.2f} s, MiniLM embedded {ext['embedded']} "
          f"({ext['embedded'] / ext['all_sentences']:.0%}) in a worker process beside spaCy and the rules; "
          f"the main thread waited {ext['embed_wait_s']:.2f} s for embeddings")
    print(f"  facts                  {sum(ext['facts'].values())}  "
          + ", ".join(f"{k} {v}" for k, v in sorted(ext["facts"].items())))
    print("naive baseline (every utterance text through every model, own process, models preloaded):")
    print(f"  spaCy nlp.pipe         {spacy_rate:.0f} utterances/s  ({base['spacy_s']:.2f} s for {base['utterances']})")
    print(f"  MiniLM embeddings      {embed_rate:.0f} utterances/s  ({base['embed_s']:.2f} s)")
    print(f"  both models            {naive_rate:.0f} utterances/s  (peak {base['peak_mb']:.0f} MB, load {base['load_s']:.2f} s)")
    print(f"steady-state extraction is {steady / naive_rate:.2f}x the naive baseline; "
          f"target >= {TARGET} utterances/s on 2 cores ({cores} here): {'met' if steady >= TARGET else 'NOT met'}")
    print(f"total benchmark time {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()

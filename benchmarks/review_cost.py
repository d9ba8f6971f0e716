"""Review cost: the seconds a rep spends bringing one conversation's facts to the gold values.

    .venv/bin/python benchmarks/review_cost.py [--corpus benchmarks/corpus/dev ...] [--details]

Each labelled corpus (default: all six under benchmarks/corpus) is ingested into a fresh DuckDB
file and extracted, as in extraction_quality.py. The proposals a rep sees are the rows of the
`review_queue` view (state 'proposed'). A simulated rep then works through each conversation's
proposals against its gold.json and adds what is missing:

- Matching, per conversation and field (competitor_candidate proposals join the competitor
  pool), one-to-one: first extraction_quality's own match (quotes overlap; objections: the same
  category; competitors: the same name; amounts and close dates: the same value); then, among
  what is left, a proposal whose quote overlaps a gold quote (overlap >= 0.5, the same
  `overlap` function) is the same fact with a wrong key value (category, name, amount, date).
- confirm (1 key): a matched proposal whose value attributes are all right.
- edit (1 key + the characters of each corrected value typed): a matched proposal with a wrong
  next_step owner (the gold owner's e-mail address) or due date (YYYY-MM-DD = 10), objection
  category, competitor name or active flag ("true"/"false"), amount (the integer, e.g. "68000")
  or currency (3), close date (10) or stage name. Clearing a value types "none" (4). The action
  text and the objection summary are not compared (they are paraphrases).
- reject (1 key): a proposal with no gold counterpart (including a duplicate of a matched one).
- missed (no proposal for a gold fact): its main value typed in full, no extra key: a next
  step's action + owner e-mail + due date; an objection's category + a gist of its quote (the
  first GIST_CHARS characters); a competitor's name (+ "false" when ruled out); an amount's
  integer + currency code; a close date (10); a stage name.
- stage: the gold stage is the deal's stage after each conversation. The previous gold stage is
  the one after the deal's previous conversation (by start time; none for the first, so the
  first conversation always sets the stage). Stage proposals are matched to the gold stage of
  their conversation: one whose stage is the gold stage is confirmed when the stage changed or
  stayed (re-stating the current stage is harmless); when the stage changed and no proposal has
  it, one proposal is edited to it; every other stage proposal is rejected (a change that did
  not happen). A stage change with no stage proposal at all is missed.
- Every decision (confirm, edit, reject, missed) also costs 1.2 s to read the quote or decide.

    seconds = 0.28 x keys + 1.2 x decisions   (keystroke-level model)

Printed per corpus and over all corpora: conversations, proposals, confirmed unedited / edited /
rejected / missed, the median, p90 and mean seconds per conversation, the share of proposals
confirmed unedited, and the seconds by field and decision.

Targets: median <= 30 s per conversation; >= 80 % of proposals confirmed unedited.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
import extraction_quality as eq  # noqa: E402  (the corpus matching: overlap, score_pair, match, ...)

from dealtape.extract import pipeline  # noqa: E402
from dealtape.extract.settings import ExtractSettings  # noqa: E402
from dealtape.ingest import run as ingest  # noqa: E402
from dealtape.models import config as config_lib  # noqa: E402
from dealtape.models.store import Store  # noqa: E402

CORPORA = tuple(ROOT / "benchmarks" / "corpus" / name
                for name in ("dev", "heldout", "blind", "blind2", "blind3", "blind4"))
KEY_S = 0.28        # seconds per keystroke
DECIDE_S = 1.2      # seconds per decision (reading the quote)
GIST_CHARS = 60     # a missed objection's gist: the first characters of its quote
TARGET_MEDIAN_S = 30.0
TARGET_CONFIRMED = 0.80
MIN_OVERLAP = 0.5   # the quote overlap extraction_quality.score_pair requires
DECISIONS = ("confirm", "edit", "reject", "missed")


@dataclass
class Action:
    kind: str       # confirm, edit, reject, missed
    field: str
    keys: int
    note: str = ""

    @property
    def seconds(self) -> float:
        return KEY_S * self.keys + DECIDE_S


@dataclass
class Conversation:
    path: str
    proposals: int = 0
    actions: list[Action] = field(default_factory=list)

    def count(self, kind: str) -> int:
        return sum(a.kind == kind for a in self.actions)

    @property
    def keys(self) -> int:
        return sum(a.keys for a in self.actions)

    @property
    def seconds(self) -> float:
        return sum(a.seconds for a in self.actions)


# ------------------------------------------------------------------------------ typing costs

def typed(value) -> str:
    """A value as the rep types it."""
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def corrections(field_: str, gold: dict, value: dict) -> list[tuple[str, object, object]]:
    """(attribute, proposed, gold) for each value attribute that is wrong in a matched proposal."""
    if field_ == "next_step":
        pairs = [("owner", value.get("owner_email"), gold.get("owner")),
                 ("due_date", value.get("due_date"), gold.get("due_date"))]
    elif field_ == "objection":
        pairs = [("category", value.get("category"), gold["category"])]
    elif field_ in ("competitor", "competitor_candidate"):
        pairs = [("name", value.get("name"), gold["name"]), ("active", value.get("active"), gold["active"])]
    elif field_ == "amount":
        same = value.get("amount") is not None and abs(float(value["amount"]) - float(gold["value"])) < 0.5
        pairs = [("amount", value.get("amount"), value.get("amount") if same else gold["value"]),
                 ("currency", value.get("currency"), gold.get("currency") or value.get("currency"))]
    elif field_ == "close_date":
        pairs = [("close_date", value.get("close_date"), gold["value"])]
    else:
        pairs = []
    return [(k, p, g) for k, p, g in pairs if p != g]


def missed_chars(field_: str, gold: dict) -> int:
    """Characters typed to enter a gold fact that nothing proposed."""
    if field_ == "next_step":
        return len(gold.get("action") or "") + len(gold.get("owner") or "") + len(gold.get("due_date") or "")
    if field_ == "objection":
        return len(gold["category"]) + min(len(gold.get("quote") or ""), GIST_CHARS)
    if field_ == "competitor":
        return len(gold["name"]) + (0 if gold["active"] else len("false"))
    if field_ == "amount":
        return len(typed(float(gold["value"]))) + len(gold.get("currency") or "USD")
    if field_ == "close_date":
        return len(gold["value"])
    raise ValueError(field_)


def gold_label(field_: str, gold: dict) -> str:
    head = gold.get("action") or gold.get("category") or gold.get("name") or gold.get("value") or ""
    return f"{head} | {gold.get('quote')}"


def quote_match(golds: list[dict], preds: list[dict]) -> list[tuple[dict, dict]]:
    """One-to-one, best first: pairs whose quotes overlap (the key value may differ)."""
    pairs = sorted(((max((eq.overlap(q, p["quote"]) for q in eq.gold_quotes(g)), default=0.0), gi, pi)
                    for gi, g in enumerate(golds) for pi, p in enumerate(preds)), key=lambda x: -x[0])
    used_g, used_p, out = set(), set(), []
    for s, gi, pi in pairs:
        if s >= MIN_OVERLAP and gi not in used_g and pi not in used_p:
            used_g.add(gi)
            used_p.add(pi)
            out.append((golds[gi], preds[pi]))
    return out


# ------------------------------------------------------------------------------ simulation

def review_field(field_: str, golds: list[dict], preds: list[dict]) -> list[Action]:
    strict = eq.match(field_, golds, preds)
    left_g = [g for g in golds if all(g is not x for x, _ in strict)]
    left_p = [p for p in preds if all(p is not y for _, y in strict)]
    relaxed = quote_match(left_g, left_p)
    actions = []
    for g, p in strict + relaxed:
        wrong = corrections(p["field"], g, p["value"])
        if wrong:
            chars = sum(len(typed(gv)) for _, _, gv in wrong)
            note = ", ".join(f"{k} {typed(pv)} -> {typed(gv)}" for k, pv, gv in wrong)
            actions.append(Action("edit", field_, 1 + chars, f"{note} | {p['quote']}"))
        else:
            actions.append(Action("confirm", field_, 1))
    matched_g = {id(g) for g, _ in strict + relaxed}
    matched_p = {id(p) for _, p in strict + relaxed}
    actions += [Action("reject", field_, 1, f"{p['field']} {json.dumps(p['value'], ensure_ascii=False)} | {p['quote']}")
                for p in preds if id(p) not in matched_p]
    actions += [Action("missed", field_, missed_chars(field_, g), gold_label(field_, g))
                for g in golds if id(g) not in matched_g]
    return actions


def review_stage(gold_stage: str, previous: str | None, preds: list[dict]) -> list[Action]:
    changed = gold_stage != previous
    right = [p for p in preds if p["value"].get("stage") == gold_stage]
    actions: list[Action] = []
    if right:
        keep = right[0]
        actions.append(Action("confirm", "stage", 1))
    elif changed and preds:
        keep = preds[-1]
        actions.append(Action("edit", "stage", 1 + len(gold_stage),
                              f"stage {keep['value'].get('stage')} -> {gold_stage} | {keep['quote']}"))
    else:
        keep = None
        if changed:
            actions.append(Action("missed", "stage", len(gold_stage), f"{previous} -> {gold_stage}"))
    actions += [Action("reject", "stage", 1, f"stage {p['value'].get('stage')} (gold {previous} -> {gold_stage}) "
                                            f"| {p['quote']}")
                for p in preds if p is not keep]
    return actions


def build_store(corpus: Path, tmp: Path) -> Store:
    """Ingest and extract a corpus into a fresh store (as extraction_quality.evaluate does)."""
    config = config_lib.load(corpus / "dealtape.toml")
    store = Store.open(tmp / "bench.duckdb", config=config, create=True)
    ingest([corpus], store)
    pipeline.run(store, ExtractSettings.from_config(config), pipeline.select(store))
    return store


def simulate(corpus: Path) -> list[Conversation]:
    gold = json.loads((corpus / "gold.json").read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory() as tmp:
        store = build_store(corpus, Path(tmp))
        conv_of = eq.conversation_of_files(store, corpus)
        missing = sorted(set(gold) - set(conv_of))
        if missing:
            raise SystemExit(f"{corpus}: gold conversations not ingested: {', '.join(missing)}")
        preds = defaultdict(list)
        for cid, field_, value, quote in store.con.execute(
                "SELECT conversation_id, field, value, quote FROM review_queue "
                "ORDER BY conversation_id, said_at, quote_start, field").fetchall():
            preds[cid].append({"field": field_, "value": json.loads(value), "quote": quote or ""})
        started = dict(store.con.execute("SELECT conversation_id, started_at FROM conversations").fetchall())
        store.close()

    path_of = {cid: path for path, cid in conv_of.items()}
    unlabelled = sorted(set(preds) - {conv_of[p] for p in gold})
    if unlabelled:
        print(f"warning: {corpus.name}: proposals in conversations without gold labels: "
              f"{', '.join(path_of.get(c, c) for c in unlabelled)} (counted as rejects)", file=sys.stderr)

    # The gold stage before each conversation: the deal's stage after its previous one.
    previous, last = {}, {}
    for path in sorted(gold, key=lambda p: (gold[p].get("deal") or p, started.get(conv_of[p]), p)):
        key = gold[path].get("deal") or path
        previous[path] = last.get(key)
        last[key] = gold[path].get("stage") or last.get(key)

    out = []
    for path in sorted(gold, key=lambda p: (started.get(conv_of[p]), p)):
        labels, ps = gold[path], preds.get(conv_of[path], [])
        conv = Conversation(path, proposals=len(ps))
        by_field = defaultdict(list)
        for p in ps:
            by_field["competitor" if p["field"] == "competitor_candidate" else p["field"]].append(p)
        for field_ in eq.FIELDS:
            conv.actions += review_field(field_, labels.get(eq.GOLD_KEYS[field_]) or [], by_field.pop(field_, []))
        stage_preds = by_field.pop("stage", [])
        if labels.get("stage"):
            conv.actions += review_stage(labels["stage"], previous[path], stage_preds)
        else:
            conv.actions += [Action("reject", "stage", 1, f"stage {p['value']} (no gold stage)") for p in stage_preds]
        for field_, rest in by_field.items():  # any other field: nothing in the gold to keep
            conv.actions += [Action("reject", field_, 1, f"{json.dumps(p['value'])} | {p['quote']}") for p in rest]
        out.append(conv)
    for cid in unlabelled:
        conv = Conversation(path_of.get(cid, cid), proposals=len(preds[cid]))
        conv.actions = [Action("reject", p["field"], 1, p["quote"]) for p in preds[cid]]
        out.append(conv)
    return out


# ------------------------------------------------------------------------------ report

def p90(values: list[float]) -> float:
    return statistics.quantiles(values, n=10, method="inclusive")[-1] if len(values) > 1 else values[0]


def summary(name: str, convs: list[Conversation]) -> tuple[float, float]:
    seconds = [c.seconds for c in convs]
    proposals = sum(c.proposals for c in convs)
    n = {k: sum(c.count(k) for c in convs) for k in DECISIONS}
    share = n["confirm"] / proposals if proposals else 1.0
    median = statistics.median(seconds)
    print(f"{name:<10} {len(convs):>5} {proposals:>9} {n['confirm']:>9} {n['edit']:>6} {n['reject']:>8} "
          f"{n['missed']:>6}   {median:6.1f} {p90(seconds):6.1f} {statistics.mean(seconds):6.1f}   {share:6.0%}")
    return median, share


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, action="append",
                        help="labelled corpus folder (repeatable; default: all six under benchmarks/corpus)")
    parser.add_argument("--details", action="store_true",
                        help="print each conversation's cost and every edit, reject and miss")
    args = parser.parse_args()
    corpora = args.corpus or list(CORPORA)
    results = {}
    for corpus in corpora:
        results[corpus.name] = simulate(corpus)
        if args.details:
            print(f"\n{corpus.name}")
            for c in results[corpus.name]:
                print(f"  {c.path:<52} {c.proposals:>3} proposals  C{c.count('confirm')} E{c.count('edit')} "
                      f"R{c.count('reject')} M{c.count('missed')}  {c.keys:>4} keys {c.seconds:6.1f} s")
                for a in c.actions:
                    if a.kind != "confirm":
                        print(f"      {a.kind:<6} {a.field:<10} {a.keys:>3} keys  {a.note}")

    print(f"\nreview cost ({KEY_S} s/key, {DECIDE_S} s/decision)")
    print(f"{'corpus':<10} {'convs':>5} {'proposals':>9} {'confirmed':>9} {'edited':>6} {'rejected':>8} {'missed':>6}"
          f"   {'median':>6} {'p90':>6} {'mean':>6}   {'confirmed unedited':>6}")
    for name, convs in results.items():
        median, share = summary(name, convs)
    everything = [c for convs in results.values() for c in convs]
    if len(results) > 1:
        median, share = summary("all", everything)

    cost = Counter()
    count = Counter()
    for c in everything:
        for a in c.actions:
            cost[a.field, a.kind] += a.seconds
            count[a.field, a.kind] += 1
    total = sum(cost.values())
    fields = list(dict.fromkeys(f for f, _ in cost))
    print(f"\nseconds by field and decision, {'all corpora' if len(results) > 1 else corpora[0].name} "
          f"(count, seconds, share of all {total:.0f} s)")
    print(f"{'field':<20}" + "".join(f"  {k:>20}" for k in DECISIONS))
    for f in fields:
        print(f"{f:<20}" + "".join(f"  {count[f, k]:>5} {cost[f, k]:>7.1f} s {cost[f, k] / total:>4.0%}"
                                   if count[f, k] else f"  {'-':>20}" for k in DECISIONS))

    print(f"\ntarget: median <= {TARGET_MEDIAN_S:.0f} s per conversation: {median:.1f} s "
          f"{'met' if median <= TARGET_MEDIAN_S else 'NOT met'}")
    print(f"target: >= {TARGET_CONFIRMED:.0%} of proposals confirmed unedited: {share:.0%} "
          f"{'met' if share >= TARGET_CONFIRMED else 'NOT met'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

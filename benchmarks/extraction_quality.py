"""Extraction quality on a labelled corpus: precision, recall and F1 per field.

    python benchmarks/extraction_quality.py [--corpus benchmarks/corpus/dev] [--errors]

Ingests the corpus into a fresh DuckDB file, runs `dealtape extract`, and scores the
current facts against the corpus's gold.json (format: benchmarks/corpus/README.md).
A predicted fact matches a gold one in the same conversation and field when their quotes
overlap (objections: and the category is the same; competitors: the same name; amounts and
close dates: the same value). Matching is one-to-one. Also printed: for matched next steps,
how often the owner and the due date are right; per objection category P/R/F1; whether
competitors' `active` is right; and stage accuracy (the deal's stage after each conversation).
"""

from __future__ import annotations

import argparse
import json
import re
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
from dealtape.extract import pipeline
from dealtape.extract.settings import OBJECTION_CATEGORIES, ExtractSettings
from dealtape.ingest import run as ingest
from dealtape.models import config as config_lib
from dealtape.models.store import Store

FIELDS = ("next_step", "objection", "competitor", "amount", "close_date")
GOLD_KEYS = {"next_step": "next_steps", "objection": "objections", "competitor": "competitors",
             "amount": "amount", "close_date": "close_date"}


def words(text: str) -> set[str]:
    return set(re.findall(r"[a-z0-9']+", text.casefold()))


def overlap(a: str, b: str) -> float:
    """1 when one quote contains the other, else the share of the shorter one's words found in the other."""
    na, nb = " ".join(sorted(words(a))), " ".join(sorted(words(b)))
    if not na or not nb:
        return 0.0
    if a.casefold().strip(" .,!?") in b.casefold() or b.casefold().strip(" .,!?") in a.casefold():
        return 1.0
    wa, wb = words(a), words(b)
    return len(wa & wb) / min(len(wa), len(wb))


def gold_quotes(item: dict) -> list[str]:
    return [item["quote"], *item.get("alt_quotes", [])] if item.get("quote") else []


def score_pair(field: str, gold: dict, pred: dict) -> float:
    """How well a prediction matches a gold item (0 = not a match)."""
    value = pred["value"]
    if field == "objection" and value["category"] != gold["category"]:
        return 0.0
    if field == "competitor":
        return 1.0 if value["name"] == gold["name"] else 0.0
    if field == "amount":
        return 1.0 if abs(float(value["amount"]) - float(gold["value"])) < 0.5 else 0.0
    if field == "close_date":
        return 1.0 if value["close_date"] == gold["value"] else 0.0
    best = max((overlap(q, pred["quote"]) for q in gold_quotes(gold)), default=0.0)
    if best < 0.5:
        return 0.0
    if field == "next_step" and gold.get("owner") and gold["owner"] == value.get("owner_email"):
        best += 0.5
    return best


def match(field: str, golds: list[dict], preds: list[dict]) -> list[tuple[dict, dict]]:
    pairs = sorted(((score_pair(field, g, p), gi, pi) for gi, g in enumerate(golds) for pi, p in enumerate(preds)),
                   key=lambda x: -x[0])
    used_g, used_p, out = set(), set(), []
    for s, gi, pi in pairs:
        if s > 0 and gi not in used_g and pi not in used_p:
            used_g.add(gi)
            used_p.add(pi)
            out.append((golds[gi], preds[pi]))
    return out


def prf(tp: int, n_pred: int, n_gold: int) -> tuple[float, float, float]:
    p = tp / n_pred if n_pred else 1.0
    r = tp / n_gold if n_gold else 1.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def conversation_of_files(store: Store, corpus: Path) -> dict[str, str]:
    rows = store.con.execute("""
        SELECT DISTINCT s.uri, u.conversation_id FROM raw.utterances u JOIN raw.sources s USING (source_id)""").fetchall()
    out = {}
    for uri, cid in rows:
        path = Path(uri.split("#")[0].split("!")[0])
        try:
            out[str(path.resolve().relative_to(corpus.resolve()))] = cid
        except ValueError:
            continue
    return out


def stage_after_each(store: Store) -> dict[str, str]:
    """The deal's stage after each conversation, replaying the stage facts in time order."""
    rows = store.con.execute("""
        SELECT c.conversation_id, d.deal_id, c.started_at,
               (SELECT f.value ->> 'stage' FROM facts f WHERE f.conversation_id = c.conversation_id AND f.field = 'stage'
                LIMIT 1) AS moved_to
        FROM conversations c JOIN conversation_deals d USING (conversation_id)
        ORDER BY d.deal_id, c.started_at""").fetchall()
    current, out = {}, {}
    for cid, deal, _, moved in rows:
        key = deal or cid
        if moved:
            current[key] = moved
        out[cid] = current.get(key)
    return out


def evaluate(corpus: Path, show_errors: bool = False) -> dict:
    gold = json.loads((corpus / "gold.json").read_text(encoding="utf-8"))
    config = config_lib.load(corpus / "dealtape.toml")
    with tempfile.TemporaryDirectory() as tmp:
        store = Store.open(Path(tmp) / "bench.duckdb", config=config, create=True)
        ingest([corpus], store)
        started = time.perf_counter()
        report = pipeline.run(store, ExtractSettings.from_config(config), pipeline.select(store))
        seconds = time.perf_counter() - started
        conv_of = conversation_of_files(store, corpus)
        missing = sorted(set(gold) - set(conv_of))
        if missing:
            raise SystemExit(f"{corpus}: gold conversations not ingested: {', '.join(missing)}")
        preds = defaultdict(list)
        for cid, field, value, quote, conf in store.con.execute(
                "SELECT conversation_id, field, value, quote, confidence FROM facts").fetchall():
            preds[(cid, field)].append({"value": json.loads(value), "quote": quote, "confidence": conf})
        stages = stage_after_each(store)
        store.close()

    results = {"seconds": seconds, "utterances": report.utterances, "fields": {}, "categories": {}}
    owner_ok = due_ok = matched_ns = active_ok = matched_comp = 0
    per_cat = {c: [0, 0, 0] for c in OBJECTION_CATEGORIES}
    errors = []
    for field in FIELDS:
        tp = n_pred = n_gold = 0
        for path, labels in gold.items():
            cid = conv_of[path]
            golds = labels.get(GOLD_KEYS[field], []) or []
            ps = preds.get((cid, field), [])
            pairs = match(field, golds, ps)
            tp, n_pred, n_gold = tp + len(pairs), n_pred + len(ps), n_gold + len(golds)
            matched_g = {id(g) for g, _ in pairs}
            matched_p = {id(p) for _, p in pairs}
            for g, p in pairs:
                if field == "next_step":
                    matched_ns += 1
                    owner_ok += g.get("owner") == p["value"].get("owner_email")
                    due_ok += g.get("due_date") == p["value"].get("due_date")
                    if show_errors and (g.get("owner") != p["value"].get("owner_email") or g.get("due_date") != p["value"].get("due_date")):
                        errors.append(f"  ~ {field} {path}: owner {g.get('owner')} vs {p['value'].get('owner_email')}, "
                                      f"due {g.get('due_date')} vs {p['value'].get('due_date')} ({p['value'].get('due_text')}) | {p['quote']}")
                if field == "competitor":
                    matched_comp += 1
                    active_ok += g["active"] == p["value"]["active"]
                    if show_errors and g["active"] != p["value"]["active"]:
                        errors.append(f"  ~ active {path}: gold {g['active']} | {p['quote']}")
                if field == "objection":
                    per_cat[g["category"]][0] += 1
            if field == "objection":
                for g in golds:
                    per_cat[g["category"]][2] += 1
                for p in ps:
                    per_cat[p["value"]["category"]][1] += 1
            if show_errors:
                errors += [f"  - missed {field} {path}: {g.get('category') or g.get('name') or g.get('value') or ''} | "
                           f"{g.get('quote')}" for g in golds if id(g) not in matched_g]
                errors += [f"  + wrong  {field} {path}: {json.dumps(p['value'])} {p['confidence']:.2f} | {p['quote']}"
                           for p in ps if id(p) not in matched_p]
        results["fields"][field] = (*prf(tp, n_pred, n_gold), tp, n_pred, n_gold)
    results["categories"] = {c: (*prf(*v), v[1], v[2]) for c, v in per_cat.items()}
    results["owner"] = owner_ok / matched_ns if matched_ns else 0.0
    results["due"] = due_ok / matched_ns if matched_ns else 0.0
    results["active"] = active_ok / matched_comp if matched_comp else 0.0
    right = [stages.get(conv_of[path]) == labels["stage"] for path, labels in gold.items() if labels.get("stage")]
    results["stage"] = sum(right) / len(right) if right else 0.0
    results["stage_n"] = len(right)
    if show_errors:
        errors += [f"  ! stage {path}: gold {labels['stage']} predicted {stages.get(conv_of[path])}"
                   for path, labels in gold.items() if labels.get("stage") and stages.get(conv_of[path]) != labels["stage"]]
        results["errors"] = errors
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, action="append",
                        help="labelled corpus folder (repeatable; default: benchmarks/corpus/dev)")
    parser.add_argument("--errors", action="store_true", help="list every miss and wrong fact")
    args = parser.parse_args()
    for corpus in args.corpus or [ROOT / "benchmarks" / "corpus" / "dev"]:
        r = evaluate(corpus, args.errors)
        print(f"\n{corpus.name}: {len(json.loads((corpus / 'gold.json').read_text()))} conversations, "
              f"{r['utterances']} utterances, extracted in {r['seconds']:.1f} s")
        print(f"{'field':<12} {'P':>6} {'R':>6} {'F1':>6}   tp/pred/gold")
        for field, (p, rec, f1, tp, n_pred, n_gold) in r["fields"].items():
            print(f"{field:<12} {p:6.2f} {rec:6.2f} {f1:6.2f}   {tp}/{n_pred}/{n_gold}")
        print(f"next_step: owner right {r['owner']:.0%}, due date right {r['due']:.0%} of matched")
        print(f"competitor: active right {r['active']:.0%} of matched")
        print(f"stage accuracy (after each conversation): {r['stage']:.2f} over {r['stage_n']}")
        print("objection by category:   " + "  ".join(
            f"{c} {f1:.2f} ({n_pred}/{n_gold})" for c, (p, rec, f1, n_pred, n_gold) in r["categories"].items()))
        for line in r.get("errors", []):
            print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

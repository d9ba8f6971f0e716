"""Objections: concerns the prospect's side raises that could block the deal.

Candidate sentences come from external speakers only and mention something a concern is
made of (cost, timing, approval, security...). The `objection` head (MiniLM embeddings,
nine classes: eight categories and none) scores them; negated ("price isn't a concern")
and hypothetical ("if price were an issue") sentences are ruled out by the parse and a
few patterns. One fact per conversation and category, the clearest sentence first.
"""

from __future__ import annotations

import re

from . import get
from .base import Caseless, ConversationDoc, Fact, Sentence, per_sentence, strip_fillers
from .settings import OBJECTION_CATEGORIES

_CUE = Caseless(
    r"\b(expensive|pric\w*|cost\w*|budget\w*|afford\w*|cheap\w*|spend\w*|money|dollars?|discount\w*|roi|value|"
    r"worth|timing|timeline|quarter|q[1-4]|freeze|frozen|now|next year|busy|bandwidth|capacity|priorit\w*|later|"
    r"wait\w*|delay\w*|hold|approv\w*|sign[- ]?off|decision|decide|board|cfo|ceo|cio|cto|vp|boss|procurement|"
    r"legal|lawyers?|committee|stakeholders?|buy[- ]?in|call|need\w*|necessary|already|current\w*|works? fine|"
    r"happy with|locked|spreadsheets?|excel|security|secure|soc ?2|iso|gdpr|hipaa|complian\w*|privacy|data|pii|"
    r"encrypt\w*|sso|saml|okta|pen ?test\w*|residency|breach\w*|risk\w*|integrat\w*|api|connector\w*|support\w*|"
    r"compatib\w*|performance|slow|latency|scal\w*|outage\w*|bugs?|stack|migrat\w*|implement\w*|onboard\w*|"
    r"contract\w*|terms|lock[- ]?in|liabilit\w*|indemn\w*|references?|startup|small|stabilit\w*|funding|"
    r"concern\w*|worr\w*|hesita\w*|issue\w*|problem\w*|tough|hard|difficult\w*|challeng\w*|sure|unsure|"
    r"skeptic\w*|doubt\w*|blocker\w*|deal[- ]?breaker\w*|can'?t|cannot|won'?t|doesn'?t|don'?t|isn'?t|aren'?t|"
    r"too|struggl\w*|pushback|nervous|uncomfortable|competitor\w*|vendor\w*|alternative\w*|cheaper|"
    r"renewal|switch\w*|team|headcount|resources?|it|infosec|audit\w*|review\w*)\b")
_NEGATED = Caseless(
    r"\b(?:(?:is|are|was|'s|'re)(?:n't| not)|not|no|never|nothing)\s+(?:really\s+|much\s+(?:of\s+)?|a\s+|an\s+|"
    r"the\s+|our\s+|any\s+|big\s+|major\s+|real\s+)*(?:concern|issue|problem|blocker|worry|deal[- ]?breaker|"
    r"obstacle|question|constraint|factor)s?\b|\bnot (?:worried|concerned|an issue|a problem)|\bno (?:concerns?|issues?|worries|problems?)\b|"
    r"\bnothing to worry|\b(?:fine|ok|okay|comfortable|good|happy) with (?:the )?(?:price|pricing|cost|terms|that)|"
    r"\b(?:answers?|answered|resolves?|resolved|addressed|cleared|covers?|covered|solves?|solved) (?:my|our|that|the)\b|"
    r"\bthat helps\b|\b(?:got|received|have) (?:the|your) (?:\w+ ){0,2}(?:report|soc ?2|docs?|documents?|questionnaire|certificate)\b|\b(?:it'?s|its|is|was|that'?s) (?:all )?fine\b|\bhappy with the (?!current)|\bwe did the \w+ (?:review|audit)|\bmakes sense\b|\bworks for (?:us|me)\b|\bpassed (?:our|the)\b|\bwe'?re (?:good|fine|all set)\b")
_HYPOTHETICAL = Caseless(
    r"^\W*(?:(?:and|but|so|because|um|uh|also|then)\W+)*(?:even\s+)?(?:if|what if|suppose|supposing|assuming|in case|say|hypothetically|imagine)\b|"
    r"\b(?:were|was) (?:an?|the) (?:issue|concern|problem)\b|\bif (?:price|budget|cost|security|timing)\b|"
    r"\bwould (?:only )?be (?:an? )?(?:issue|problem|concern) if\b")
_TENSION = Caseless(
    r"\b(too|not|n't|never|no|nothing|can'?t|cannot|won'?t|hard|difficult|tough|problem|issue|concern\w*|worr\w*|"
    r"non-?starter|deal[- ]?breaker|blocker|above|over|more than|only|until|unless|before|must|need(?:s|ed)? to|"
    r"have to|requires?|required|strict|minimum|push(?:es)?|slip\w*|delay\w*|freeze|risk\w*|afraid|skeptic\w*|"
    r"hesita\w*|unsure|convinced|justify|expensive|pricey|steep|afford\w*|budget|approv\w*|sign(?:s|-off| off)|"
    r"goes to|decid\w*|compar\w*|bake-?off|already|locked|happy with|lack\w*|missing|limit\w*|slow|exceed\w*|"
    r"cap|but|though|however|still|open|want|wants|insist\w*|non-?negotiable|ask(?:ing)? for)\b")
# Phrasings that state a concern outright, per category. A match makes a sentence a strong
# candidate (the heads still weigh it); without one, only a very confident head counts.
_STRONG = {
    "price": r"over (?:my |our |the )?budget|above (?:what|our|my)|too (?:expensive|pricey|much|high)|hard to justify|"
             r"can'?t afford|cash ?flow|(?:needs?|has) to come down|more than we|budget (?:is|was) (?:the|a) (?:problem|issue)|"
             r"line item|cutting (?:\w+ )?(?:spend|budget|costs?)|pricey|steep|out of (?:our )?range|way above|"
             r"(?:twice|double) what|cheaper|price (?:is|was) (?:too|a problem|an issue)|sticker shock|no budget|"
             r"(?:request|need|want|expect) (?:a )?discount|exceeds? (?:our|the) (?:benchmark|budget)|real gap|"
             r"\w+ (?:thousand|k) higher|can'?t take (?:that|this) (?:number|price)|money is (?:going to be )?tight|"
             r"(?:beyond|above|over|more than|higher than) (?:what )?(?:we|i) (?:budgeted|had|planned|expected)|price gap|"
             r"not in (?:my|our|the) budget|pencil+ed in|a lot of money|"
             r"(?:has|have|needs?) to come in under|margins? (?:are|is) (?:thin|tight)|sticking point|"
             r"(?:need|have) to be closer to|(?:over|above|beyond) (?:my |our |the )?budget(?: line)?",
    "authority": r"not the one who (?:signs|decides)|goes to (?:\w+, )?(?:our |the |my )?(?:cfo|ceo|cto|cio|cro|coo|board|vp|committee|boss)|"
                 r"can'?t sign (?:off )?(?:on )?(?:this|it|that)? ?(?:myself|alone|on my own)|"
                 r"sign[- ]?off from|need(?:s)? (?:\w+ )?sign[- ]?off|before (?:she|he|they) (?:signs?|approves?)|"
                 r"business case|board (?:conversation|approval|decision)|approv\w* (?:anything )?over|"
                 r"nothing gets signed|final say|not my (?:call|decision)|need(?:s)? (?:\w+ )?approval|has to approve|"
                 r"must approve|(?:cfo|ceo|board|committee) (?:has|needs|wants|will want) to|"
                 r"needs? (?:the )?(?:group |our |my )?(?:cfo|ceo|cio|board|committee|owner|partner)|"
                 r"(?:has|have|needs?) to go to (?:the |our |my )?(?:[\w-]+ ){0,2}(?:board|cfo|ceo|committee|owners?)|"
                 r"goes to (?:the |our |my )?(?:[\w-]+ ){0,2}(?:board|committee)",
    "timing": r"(?<!before the )(?<!ahead of the )freeze|not in a rush|push(?:es)? (?:us|it|this) (?:past|out|back)|slips? (?:to|into)|nothing (?:would|will|can) start|"
              r"not until|next fiscal|bandwidth|too busy|on hold|not (?:a )?(?:good|right) time|timing (?:is|isn't)|"
              r"(?:weeks|months) minimum|can'?t start|won'?t (?:be able to )?start|after (?:the|our) (?:audit|migration|reorg)|"
              r"(?:can'?t|cannot|won'?t) touch|until (?:that'?s|it'?s|the \w+ is|our \w+ (?:is|wraps|closes))|"
              r"not a priority until|(?:slips?|pushed) to (?:fy|q[1-4]|next)|"
              r"(?:nothing|no \w+) (?:new )?gets? (?:approved|signed|started|bought) until|caution that|"
              r"takes? (?:about |roughly |typically )?\w+(?: to \w+)? (?:weeks|months)|(?:zero|no) (?:capacity|bandwidth)|"
              r"in the middle of (?:a|an|our|the) \w+|until after \w+|peak season|during (?:\w+ )?season|"
              r"can'?t have (?:\w+ )?(?:trucks|people|staff|machines|lines?|systems?) (?:down|offline|out)",
    "security": r"\bbaa\b|strict|soc ?2|pen ?test|not comfortable|must (?:stay|remain|not)|residency|private link|"
                r"public endpoints?|leaves? our (?:account|network|environment)|\bphi\b|\bpii\b|gdpr|hipaa|"
                r"hard requirement|own (?:security )?review|infosec|security (?:review|team|questionnaire)|"
                r"admin (?:rights|access)|card data|\bpci\b|must-check|encrypt\w*|data (?:leaving|leaves|stored)|"
                r"(?:us|eu|uk|canadian|local) data cent\w*|data cent\w* only|deleted after|retention",
    "competitor": r"decided to go with|going with (?:\w+ ){0,2}instead|bake-?off|want(?:s)? to compare|in parallel|"
                  r"already a vendor|already (?:approved|use|have|using) (?!the)|(?:they're|they are) offering|happy with (?:our|the) current|"
                  r"locked in|contract with (?:\w+ ){0,2}(?:until|through)|other (?:vendor|finalist|option)|"
                  r"why (?:we|we're) (?:aren'?t|don'?t|not) (?:just )?(?:using|use|going with)|pressure (?:\w+ ){0,4}to (?:just )?(?:switch|use|go)|"
                  r"keeps? (?:nudging|pushing) us|went w\b|liked their|(?:very|really) aggressive|"
                  r"(?:quote|offer|price|bid) from \w+(?: \w+)? (?:that'?s|is|was|came in) (?:a (?:fair |little |lot )?bit )?(?:lower|cheaper|less)|"
                  r"(?:lower|cheaper|better) (?:quote|offer|price|deal) from|quoted us|came in (?:at|under|lower|cheaper)|"
                  r"pitching us|bundl\w*|deciding factor",
    "need": r"not (?:sure|convinced) (?:we|that we) need|(?:don'?t|do not|doesn'?t) (?:really )?need|could just (?:write|build|use)|"
            r"for free|not a priority|nice to have|works? (?:fine|well enough)|build it ourselves|in-?house",
    "technical": r"can'?t (?:monitor|connect|integrate|support|handle|scale|sync|import|export|provision)|"
                 r"(?:need|require)s? (?:the vendor |you |it )?to support|never gonna (?:look|use)|(?:doesn'?t|don'?t|does not) "
                 r"(?:support|do|work with|integrate)|makes me nervous|no (?:api|integration|connector|support) for|"
                 r"(?:too )?slow|latency|not supported|missing (?:a |an )?(?:feature|connector|integration)|"
                 r"(?:will not|won'?t|can'?t|cannot) handle|(?:are|is) failing|can'?t plug|too customi[sz]ed|"
                 r"bricked|(?:pegging|spiking|eating|hogging) (?:the )?(?:cpu|memory|ram|bandwidth)|cpu (?:at|usage)",
    "other": r"liability|governed by|(?:cap|term) is too|termination for convenience|(?:cyber|liability) insurance|insurance (?:requirement|certificate)|coverage (?:requirement|limit)|indemn\w*|(?:we're|we are) (?:tiny|small)|"
             r"(?:need|want|require|ask for) (?:\w+ )?references|no references|(?:vendor|company) (?:size|stability)|startup risk|auto-?renew|contract length|exclusivity",
}
_STRONG = {k: Caseless(rf"(?:{v})") for k, v in _STRONG.items()}
# Words that voice a concern whatever it is about: the category then comes from the head.
_CONCERN = Caseless(
    r"\b(?:i'?m|we'?re|i am|we are|they'?re|she'?s|he'?s) (?:a (?:bit|little) |really |still |pretty |very )?"
    r"(?:worried|concerned|nervous|skeptical|hesitant|not sure|unsure|not convinced|not comfortable|uneasy)|"
    r"\b(?:i|we) (?:really |honestly )?doubt\b|\bnot going to fly\b|\bwon'?t fly\b|\bnon-?starter\b|\bdead on arrival\b|"
    r"\bnot (?:okay|ok|comfortable|happy) with\b|\bi (?:don'?t|do not|can'?t) see how\b|\bhard to argue (?:against|with)\b|"
    r"\ba (?:real )?problem for us\b|\b(?:is|are|'s|'re) (?:really |pretty |very )?tight\b|"
    r"\bmore than (?:i|we) (?:want(?:ed)?|expected|budgeted|planned|can)\b|\bhigher than (?:i |we )?(?:expected|planned|hoped)\b|"
    r"\b(?:can'?t|cannot|hard to|tough to) justify\b|\bjustif(?:y|ies) (?:the|a|it|robots|this)\b|\bwhether (?:we|they) (?:even |really )?need\b|"
    r"\bnot this year\b|\b(?:dead|parked|shelved) until\b|\bmy (?:main |biggest |only )?(?:issue|concern|worry|problem) is\b")
HEAD_ONLY = 0.9   # the head alone must be this sure
# A competitor named in a sentence that still counts against us: cheaper, preferred, in use, in the race.
_RIVAL_AHEAD = Caseless(r"\b(pitching|bundl\w*|deciding|quoted|came in|cheaper|lower|less|under|better|prefer\w*|liked?|happy|already (?:use|have|pay|using)|"
                        r"decided|going with|went with|chose|bake-?off|compar\w*|parallel|offering|offered|aggressive|"
                        r"pushing|nudging|pressure|why (?:we|we're) (?:not|aren't)|locked|contract)\b")
# A rival in use for something else is no threat to this deal.
_OTHER_SCOPE = Caseless(r"\bonly for\b|\bfor (?:the|our) (?:\w+[ -]){0,2}(?:side|team|pool|site|app|group|department|division)\b|"
                        r"\bnot going anywhere\b")
_REQUEST = Caseless(r"^\W*(?:\w+: )?(?:and |also |so |one more thing,? )*(?:(?:can|could|would|will) (?:you|u)\b|"
                    r"(?:please )?(?:send|share|forward|email|provide|get) (?:me|us)\b|please (?:include|send|share|provide|attach|forward))")
_LEXICON = {
    "price": r"expensive|pric(?:e|ey|ing)|cost|budget|afford|cheaper|discount|spend|dollars?|\$|£|€|roi|per seat|too much|"
             r"cap-?ex|op-?ex|money|the number|fees?|invoice",
    "timing": r"timing|timeline|quarter|q[1-4]|next year|freeze|frozen|not (?:right )?now|later|busy|bandwidth|delay|hold|wait",
    "authority": r"approv|sign[- ]?off|board|cfo|ceo|cio|cto|\bvp\b|boss|procurement|committee|not my (?:call|decision)|decision|buy[- ]?in|stakeholder",
    "need": r"don'?t (?:really )?(?:need|see)|not a priority|works? fine|current (?:process|setup|tool)|spreadsheet|excel|value|necessary|nice to have",
    "competitor": r"already (?:use|have|using|got)|happy with|locked|contract with|competitor|alternative|switch",
    "security": r"secur|soc ?2|iso|gdpr|hipaa|complian|privacy|pii|encrypt|sso|saml|pen ?test|residency|breach|infosec|audit",
    "technical": r"integrat|api|connector|support|compatib|performance|slow|latency|scal|outage|bug|stack|migrat|implement|"
                 r"handle|hang|jam|crash|break|fail|glitch|reliab|accura|false positive|noisy|uptime|latenc",
    "other": r"contract|terms|lock[- ]?in|liabilit|indemn|reference|startup|small|stabilit|funding|legal|safety|"
             r"insurance|union|staff|headcount|training|change management",
}
_LEXICON = {k: Caseless(rf"(?:{v})") for k, v in _LEXICON.items()}
_SUMMARY_NOISE = re.compile(r"\b(?:um+|uh+|you know|i mean|like,|honestly|to be honest|frankly|basically|kind of|sort of)\b,?\s*", re.I)
SUMMARY_WORDS = 16


class Objections:
    name = "objection"
    version = "1"
    reads = ("utterances", "participants")
    writes = ("objection",)
    scope = "conversation"
    heads = ("objection", "objection_category")
    uses_spacy = False

    @per_sentence
    def wants(self, sentence: Sentence) -> bool:
        return (sentence.utterance.side in ("external", "unknown") and len(sentence.text) < 600
                and (_CUE.search(sentence.text) is not None or _CONCERN.search(sentence.text) is not None
                     or bool(_strong(sentence))))

    @per_sentence
    def scores(self, sentence: Sentence) -> bool:
        """Will the heads score it? Without a concern phrase the head alone must be sure and the
        sentence must show some tension: sentences with neither are never embedded."""
        text = sentence.text
        return self.wants(sentence) and not _ruled_out(sentence) and bool(
            _TENSION.search(text) or _CONCERN.search(text) or _strong(sentence))

    def extract(self, docs: list[ConversationDoc], analysis, settings):
        sides = {p.side for doc in docs for p in doc.people}
        matcher = get("competitor").matcher(settings)
        for doc in docs:
            candidates = [s for s in doc.sentences() if self.scores(s)]
            best: dict[str, list[tuple[float, Sentence]]] = {}
            scores = zip(candidates, analysis.scores("objection", candidates),
                         analysis.scores("objection_category", candidates))
            for sentence, probs, categories in scores:
                text = sentence.text
                if _about_a_rival(matcher, sentence):
                    continue
                strong = _strong(sentence)
                if not strong and _CONCERN.search(text):
                    # A concern, of whichever kind the words and the head say.
                    confidence = 0.55 + 0.4 * probs["objection"]
                    category = max(OBJECTION_CATEGORIES, key=lambda c: categories[c] + (
                        0.25 if _LEXICON[c].search(text) else 0.0))
                elif strong:
                    confidence = 0.55 + 0.4 * probs["objection"]
                    starts = {c: m.start() for c in strong if (m := _STRONG[c].search(text))}
                    first = min(starts.values(), default=None)
                    category = max(strong, key=lambda c: categories[c] + 0.3 * len(_STRONG[c].findall(text))
                                   + (0.25 if starts.get(c) == first else 0.0))
                    if category == "competitor" and _OTHER_SCOPE.search(text):
                        continue  # "we already have Datadog, but only for the e-commerce site"
                else:
                    confidence = probs["objection"] if probs["objection"] >= HEAD_ONLY and _TENSION.search(text) else 0.0
                    category = max(OBJECTION_CATEGORIES, key=lambda c: categories[c] + (
                        0.2 if _LEXICON[c].search(text) else 0.0))
                if text.rstrip().endswith("?"):
                    confidence *= 0.6
                if sentence.utterance.side == "unknown":
                    if "external" in sides:
                        continue  # sides are known here and this speaker is not the prospect
                    confidence *= 0.8
                best.setdefault(category, []).append((confidence, sentence))
            for category, found in best.items():
                found.sort(key=lambda f: (-f[0], f[1].utterance.position, f[1].index))
                confidence, lead = found[0]
                yield doc, Fact("objection", {"category": category, "summary": _summary(lead.text)},
                                round(confidence, 3), category, [lead] + [s for c, s in found[1:] if c >= 0.5])


def _about_a_rival(matcher, sentence: Sentence) -> bool:
    """Criticism of a competitor the prospect left or ruled out ("Montecarlo quoted 35, way out of
    range, so we ruled them out") speaks for us, not against us."""
    mentions = [m for m in matcher.mentions(sentence) if m.confidence]
    if not mentions:
        return False
    if re.search(r"\bprefers? (?:you|your|yours)\b", sentence.text, re.I):
        return True  # "X came in at $31, but the team prefers yours"
    return any(not m.active for m in mentions) or not _RIVAL_AHEAD.search(sentence.text)


@per_sentence
def _strong(sentence: Sentence) -> list[str]:
    """The categories whose concern phrasings the sentence uses."""
    return [c for c, pattern in _STRONG.items() if pattern.search(sentence.text)]


def _ruled_out(sentence: Sentence) -> bool:
    text = sentence.text
    return bool(_NEGATED.search(text) or _HYPOTHETICAL.search(text) or _REQUEST.search(text)
                or len(text.split()) < 4 or "|" in text)


def _summary(text: str) -> str:
    text = _SUMMARY_NOISE.sub("", strip_fillers(text)).strip(" ,.;:-")
    words = text.split()
    short = " ".join(words[:SUMMARY_WORDS]) + ("…" if len(words) > SUMMARY_WORDS else "")
    return short[:1].upper() + short[1:]

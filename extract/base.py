"""What extractors read (conversations split into sentences) and what they produce (facts)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from functools import wraps
from typing import TYPE_CHECKING, Callable, Iterable, Iterator, Protocol

from ..models.records import short_id

if TYPE_CHECKING:
    from .nlp import Analysis
    from .settings import ExtractSettings


@dataclass(frozen=True)
class Person:
    participant_id: str
    name: str
    email: str | None
    side: str  # internal, external, unknown

    @property
    def first_name(self) -> str:
        return self.name.split()[0].casefold() if self.name and "@" not in self.name else ""


@dataclass
class Sentence:
    """One sentence of one utterance, with its character span in the utterance text."""

    utterance: "Turn"
    index: int
    start: int
    end: int
    text: str
    memo: dict = field(default_factory=dict, repr=False, compare=False)  # see `per_sentence`


@dataclass
class Turn:
    """One utterance: what one person said or wrote, in conversation order."""

    utterance_id: str
    position: int
    person: Person | None
    speaker: str | None
    text: str
    start_s: float | None
    said_at: datetime | None
    sentences: list[Sentence] = field(default_factory=list)

    @property
    def side(self) -> str:
        return self.person.side if self.person else "unknown"


@dataclass
class ConversationDoc:
    """A conversation's current transcript, ready for extraction."""

    conversation_id: str
    transcript_id: str
    kind: str
    started_at: datetime | None
    deal_id: str | None
    deal_name: str | None
    account: str | None
    people: list[Person]
    turns: list[Turn]

    def sentences(self) -> Iterator[Sentence]:
        for turn in self.turns:
            yield from turn.sentences

    def turn_after(self, turn: Turn) -> Turn | None:
        return self.turns[turn.position + 1] if turn.position + 1 < len(self.turns) else None

    def turn_before(self, turn: Turn) -> Turn | None:
        return self.turns[turn.position - 1] if turn.position > 0 else None


@dataclass
class Fact:
    """One derived fact with its evidence, before it is written."""

    field: str
    value: dict
    confidence: float
    key: str                       # the normalised value part of the fact key
    evidence: list[Sentence]       # strongest first; the first gives the quote
    scope: str = ""                # conversation id, or deal id for deal-level facts

    def fact_key(self, conversation_id: str) -> str:
        return short_id("f", self.scope or conversation_id, self.field, self.key, length=16)


class Extractor(Protocol):
    """A small versioned unit: it reads sentences (and models) and writes one or more fields."""

    name: str
    version: str
    reads: tuple[str, ...]
    writes: tuple[str, ...]
    scope: str  # "conversation", or "deal" (re-run over every conversation of a deal together)
    heads: tuple[str, ...]  # classifier heads it scores with (extract/heads/NAME.json)
    uses_spacy: bool

    def wants(self, sentence: Sentence) -> bool:
        """Cheap pre-filter: could this sentence matter (and need parsing, for a spaCy user)?"""

    # Optional: `scores(sentence) -> bool`, the sentences its heads will score, embedded in one batch.

    def extract(self, docs: list[ConversationDoc], analysis: "Analysis",
                settings: "ExtractSettings") -> Iterable[tuple[ConversationDoc, Fact]]:
        """The facts found in `docs` (one conversation, or every conversation of one deal)."""


def per_sentence(test: Callable) -> Callable:
    """Remember a test's answer about a sentence (its last argument) on the sentence: the pipeline
    asks `wants` and `scores` to plan a batch's parsing and embedding, and the extractor asks again."""
    key = f"{test.__module__}.{test.__qualname__}"

    @wraps(test)
    def remembered(*args):
        memo = args[-1].memo
        if key not in memo:
            memo[key] = test(*args)
        return memo[key]

    return remembered


class Caseless:
    """A case-insensitive pattern, written in lower case. ASCII text is searched lower-cased with
    the pattern compiled without re.I, which is several times faster on long alternations, with
    the same matches and offsets (matched text comes back lower-cased); other text goes through
    re.I, since lower-casing some letters changes their length or how re.I would match them."""

    def __init__(self, pattern: str):
        if any(c != c.lower() or not c.isascii() and c != c.upper() for c in re.sub(r"\\.|\(\?P", "", pattern)):
            raise ValueError(f"a caseless pattern is written in lower case, with caseless non-ASCII: {pattern!r}")
        self.pattern = pattern
        self._lower = re.compile(pattern)
        self._any_case = re.compile(pattern, re.I)

    def _pick(self, text: str) -> tuple[re.Pattern, str]:
        return (self._lower, text.lower()) if text.isascii() else (self._any_case, text)

    def search(self, text: str) -> re.Match | None:
        pattern, text = self._pick(text)
        return pattern.search(text)

    def match(self, text: str) -> re.Match | None:
        pattern, text = self._pick(text)
        return pattern.match(text)

    def finditer(self, text: str) -> Iterator[re.Match]:
        pattern, text = self._pick(text)
        return pattern.finditer(text)

    def findall(self, text: str) -> list:
        pattern, text = self._pick(text)
        return pattern.findall(text)


_BREAK = re.compile(r"[.!?…]+[\"')\]]*\s+|\n\s*\n|\n(?=\s*(?:[-*•>]|\d+[.)]|[A-Z]))")
_ABBREVIATION = re.compile(r"(?:\b(?:e\.g|i\.e|vs|etc|approx|mr|mrs|ms|dr|inc|ltd|co|st|no|fig|cf)|\b[A-Za-z])\.$", re.I)
_FILLER = re.compile(r"^\W*(?:(?:um+|uh+|erm|hmm+|so|okay|ok|yeah|well|right|and|but)\b[\s,.]*)+", re.I)


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Character spans of the sentences in `text`: end punctuation (ASR text is often lowercase
    after it), blank lines, and lines that start a list item or a capitalised line."""
    spans, start = [], 0
    for match in _BREAK.finditer(text):
        mark = match.group(0)
        if mark[0] == "." and _ABBREVIATION.search(text[max(0, match.start() - 6):match.start() + 1]):
            continue
        spans.append((start, match.start() + len(mark.rstrip())))
        start = match.end()
    spans.append((start, len(text)))
    out = []
    for a, b in spans:
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        if b > a:
            out.append((a, b))
    return out


def strip_fillers(text: str) -> str:
    """The sentence without leading 'um, so, okay' noise."""
    return _FILLER.sub("", text).strip() or text.strip()


def normalise_key(text: str) -> str:
    """A case/punctuation-insensitive form for fact keys."""
    return " ".join(re.findall(r"[a-z0-9$€£%]+", text.casefold()))

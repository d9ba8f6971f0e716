"""The domain records ingestors produce and the store writes."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import datetime

CONVERSATION_KINDS = ("call", "voice_note", "email", "chat")
UTTERANCE_KINDS = ("speech", "message", "join", "bot", "system")


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def short_id(prefix: str, *parts: str, length: int = 12) -> str:
    """A deterministic id from natural-key parts, e.g. short_id("c", thread_key)."""
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()
    return prefix + digest[:length]


def normalise_name(name: str) -> str:
    """Case- and spacing-insensitive form used to match speakers to participants."""
    return re.sub(r"\s+", " ", name).strip().casefold()


@dataclass(frozen=True)
class Source:
    """One raw artifact, keyed by the SHA-256 of its bytes."""

    kind: str
    uri: str
    content: bytes | None
    sha256: str
    size_bytes: int
    meta: dict = field(default_factory=dict)

    @classmethod
    def from_bytes(cls, kind: str, uri: str, data: bytes, *, keep: bool = True, meta: dict | None = None) -> "Source":
        return cls(kind, uri, data if keep else None, sha256(data), len(data), meta or {})


@dataclass
class Participant:
    """A person in a conversation: identified by email, else by name or speaker label."""

    name: str | None = None
    email: str | None = None
    side_hint: str | None = None  # "internal"/"external" when the source itself says so

    @property
    def identity(self) -> str:
        if self.email:
            return self.email.strip().lower()
        return normalise_name(self.name or "unknown")

    @property
    def domain(self) -> str | None:
        return self.email.rsplit("@", 1)[1].strip().lower() if self.email and "@" in self.email else None


@dataclass
class Utterance:
    """What one participant said or wrote. `speaker` is the participant's identity."""

    text: str
    speaker: str | None = None        # Participant.identity of who said it
    speaker_label: str | None = None  # the label as the source wrote it
    kind: str = "speech"
    start_s: float | None = None
    end_s: float | None = None
    sent_at: datetime | None = None
    external_id: str | None = None
    parent_id: str | None = None
    meta: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Rendering:
    """How a recording became utterances (engine, model, settings).

    `settings` decide the words and the speakers: the same source with the same settings is a
    duplicate, with other settings a new transcript of the same conversation (views use the
    newest). `details` (timings, the hotwords used, what the guards dropped) are stored beside them.
    """

    engine: str
    model: str | None
    version: str | None
    settings: dict
    details: dict = field(default_factory=dict)

    @property
    def key(self) -> str:
        blob = json.dumps([self.engine, self.model, self.settings], sort_keys=True, default=str)
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:16]


@dataclass
class Conversation:
    """Everything one input item contributes to one conversation.

    `thread_key` names the conversation when it is new. The item joins an existing
    conversation instead when any of `lookup_keys` (searched in order) or `thread_key`
    is already known; `thread_key` and `keys` are registered for later items to find.
    """

    kind: str
    thread_key: str
    source: Source
    title: str | None = None
    started_at: datetime | None = None
    deal: str | None = None
    participants: list[Participant] = field(default_factory=list)
    utterances: list[Utterance] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)
    lookup_keys: list[str] = field(default_factory=list)
    engine: str = "text"
    meta: dict = field(default_factory=dict)
    rendering: Rendering | None = None  # recordings: a source may have several transcripts


@dataclass(frozen=True)
class Rejected:
    """An input item that could not be read; recorded in ingest_errors."""

    uri: str
    kind: str
    reason: str

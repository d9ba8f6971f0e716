"""Generic JSON Lines chat exports: one message object per line.

Each line: `ts` (ISO-8601, or epoch seconds as a number or digits), `sender` (a name, an
email, or {"name", "email"}), `text`; optional `thread`, `channel` (default: the file's
stem), `id`, and `kind` (message, join, bot or system; default message).

A thread is one conversation ("chat:<channel>:<thread>"); unthreaded messages make one
conversation per channel and UTC day ("chat:<channel>:<YYYY-MM-DD>"). A message's natural
key is "chat:<channel>:<id>" when it has an `id`, else "chat:<channel>:<ts iso>:<sender>"
(a repeat within the file gets "#2", "#3", ... in file order). The whole file is the Source,
so appending lines and ingesting again stores only the new messages. A bad line is
rejected as "<file>:line N" and the rest of the file goes on.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

from ..models.errors import BadInput
from ..models.records import UTTERANCE_KINDS, Conversation, Participant, Rejected, Source, Utterance
from .base import SourceItem, parse_json

SUFFIXES = (".jsonl", ".ndjson")
REQUIRED = ("ts", "sender", "text")
SNIFF_BYTES = 64 * 1024
CHAT_KINDS = tuple(k for k in UTTERANCE_KINDS if k != "speech")
TITLE_WORDS = 8


class ChatJSONL:
    name = "chat-jsonl"
    version = "1"
    natural_key = "message: (channel, id) or (channel, ts, sender); file: SHA-256 of its bytes"
    description = "JSON Lines chat export (.jsonl/.ndjson; one {ts, sender, text, thread?, channel?} per line)"

    def detect(self, path: Path) -> bool:
        if path.suffix.lower() not in SUFFIXES or not path.is_file():
            return False
        try:
            with path.open("rb") as handle:
                head = handle.read(SNIFF_BYTES)
        except OSError:
            return False
        first = next((line for line in head.splitlines() if line.strip()), b"")
        try:
            obj = json.loads(first)
        except (UnicodeDecodeError, json.JSONDecodeError):
            return False
        return isinstance(obj, dict) and all(key in obj for key in REQUIRED)

    def discover(self, path: Path) -> Iterator[SourceItem]:
        yield SourceItem(str(path), path, self.name)

    def read(self, item: SourceItem) -> Iterator[Conversation | Rejected]:
        try:
            data = item.path.read_bytes()
        except OSError as exc:
            yield Rejected(item.uri, self.name, f"cannot read file ({exc.strerror or exc})")
            return
        default_channel = item.path.stem
        groups: dict[str, _Group] = {}
        seen_ids: dict[str, int] = {}
        thread_first: dict[str, str] = {}
        for number, raw in enumerate(data.splitlines(), 1):
            if not raw.strip():
                continue
            try:
                message = _Message.parse(raw, default_channel)
            except ValueError as exc:
                yield Rejected(f"{item.uri}:line {number}", self.name, str(exc))
                continue
            participant = message.participant
            external_id = message.external_id()
            seen_ids[external_id] = seen_ids.get(external_id, 0) + 1
            if seen_ids[external_id] > 1:
                external_id += f"#{seen_ids[external_id]}"
            key = message.thread_key()
            first = thread_first.setdefault(key, external_id) if message.thread is not None else external_id
            parent_id = first if first != external_id else None  # a thread reply points at the thread's first message
            group = groups.setdefault(key, _Group(key, message.channel, message.thread, message.sent_at))
            group.utterances.append(Utterance(
                text=message.text, speaker=participant.identity, speaker_label=participant.name or participant.email,
                kind=message.kind, sent_at=message.sent_at, external_id=external_id, parent_id=parent_id,
                meta={"line": number}))
            group.participants.setdefault(participant.identity, participant)
        source = Source.from_bytes(self.name, item.uri, data)
        for group in groups.values():
            yield group.conversation(source)


@dataclass
class _Message:
    sent_at: datetime
    participant: Participant
    text: str
    channel: str
    thread: str | None
    id: str | None
    kind: str

    @classmethod
    def parse(cls, raw: bytes, default_channel: str) -> "_Message":
        """One line as a message; ValueError with a one-line reason when it is not one."""
        try:
            obj = parse_json(raw, dict, "a JSON object")
        except BadInput as exc:
            raise ValueError(str(exc)) from None
        missing = [key for key in REQUIRED if obj.get(key) is None]
        if missing:
            raise ValueError(f"missing {', '.join(missing)}")
        if not isinstance(obj["text"], str):
            raise ValueError("text is not a string")
        kind = obj.get("kind", "message")
        if kind not in CHAT_KINDS:
            raise ValueError(f"kind {kind!r} is not one of {', '.join(CHAT_KINDS)}")
        return cls(
            sent_at=_timestamp(obj["ts"]), participant=_participant(obj["sender"]), text=obj["text"],
            channel=_optional_str(obj, "channel") or default_channel, thread=_optional_str(obj, "thread"),
            id=_optional_str(obj, "id"), kind=kind)

    def external_id(self) -> str:
        if self.id is not None:
            return f"chat:{self.channel}:{self.id}"
        return f"chat:{self.channel}:{self.sent_at.isoformat()}:{self.participant.identity}"

    def thread_key(self) -> str:
        return f"chat:{self.channel}:{self.thread if self.thread is not None else f'{self.sent_at:%Y-%m-%d}'}"


@dataclass
class _Group:
    """The messages of the file that belong to one conversation."""

    thread_key: str
    channel: str
    thread: str | None
    first_at: datetime
    utterances: list[Utterance] = field(default_factory=list)
    participants: dict[str, Participant] = field(default_factory=dict)

    def conversation(self, source: Source) -> Conversation:
        if self.thread is None:
            title = f"#{self.channel} {self.first_at:%Y-%m-%d}"
        else:
            words = self.utterances[0].text.split()
            more = "…" if len(words) > TITLE_WORDS else ""
            title = f"#{self.channel} — {' '.join(words[:TITLE_WORDS])}{more}"
        meta = {"platform": "chat", "channel": self.channel}
        meta.update({"thread": self.thread} if self.thread is not None else {"day": f"{self.first_at:%Y-%m-%d}"})
        return Conversation(
            kind="chat", thread_key=self.thread_key, source=source, title=title,
            started_at=min(u.sent_at for u in self.utterances), participants=list(self.participants.values()),
            utterances=self.utterances, meta=meta)


def _timestamp(value) -> datetime:
    """ISO-8601 or epoch seconds as an aware datetime in UTC (a naive time is taken as UTC)."""
    epoch = isinstance(value, (int, float)) and not isinstance(value, bool)
    digits = isinstance(value, str) and value.strip().replace(".", "", 1).isdigit()
    try:
        if epoch or digits:
            return datetime.fromtimestamp(float(value), timezone.utc)
        if isinstance(value, str):
            parsed = datetime.fromisoformat(value.strip())
            return parsed.replace(tzinfo=timezone.utc) if parsed.tzinfo is None else parsed.astimezone(timezone.utc)
    except (ValueError, OverflowError, OSError):
        pass
    raise ValueError(f"ts {value!r} unreadable (expected ISO-8601 or epoch seconds)")


def _participant(sender) -> Participant:
    if isinstance(sender, dict):
        name, email = _clean(sender.get("name")), _clean(sender.get("email"))
        if not name and not email:
            raise ValueError("sender has neither name nor email")
        return Participant(name=name, email=email)
    text = _clean(sender)
    if not text:
        raise ValueError("sender is empty or not a string")
    if "@" in text and " " not in text:
        return Participant(email=text)
    return Participant(name=text)


def _clean(value) -> str | None:
    return (value.strip() or None) if isinstance(value, str) else None


def _optional_str(obj: dict, key: str) -> str | None:
    """A string or number field as text; absent or blank is None, anything else is an error."""
    value = obj.get(key)
    if value is None:
        return None
    if isinstance(value, (dict, list, bool)):
        raise ValueError(f"{key} is not a string or number")
    return str(value).strip() or None

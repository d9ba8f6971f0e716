"""Call transcripts: WebVTT, SRT and JSON segment lists, each file one call.

A call may come with a metadata sidecar beside it (``X.json`` for ``X.vtt`` / ``X.srt``,
``X.meta.json`` for a JSON transcript ``X.json``)::

    {"title": str, "started_at": ISO-8601, "participants": [{"name": str, "email": str}],
     "deal": str, "channel_map": {"0": email, "1": email}}

Every key is optional. Speakers are matched to the sidecar's participants by name
(case and spacing ignored), by an unambiguous first name, or by email; a matched
speaker is identified by the participant's email. An invalid sidecar rejects the call.
"""

from __future__ import annotations

import html
import codecs
import json
import logging
import math
import re
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

import charset_normalizer
import srt
import webvtt
from webvtt.errors import MalformedCaptionError, MalformedFileError
from webvtt.models import Timestamp

from ..models.errors import BadInput
from ..models.records import Conversation, Participant, Rejected, Source, Utterance, normalise_name
from .base import SourceItem, parse_json, sidecar_path

log = logging.getLogger(__name__)

SNIFF_BYTES = 65536  # how much of a .json file detection reads
OBJECT_SNIFF_BYTES = 1 << 20  # whisper writes the whole text before its "segments"

_EMAIL = re.compile(r"[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+")
_TAG = re.compile(r"<([^<>]*)>")
_VOICE = re.compile(r"v(?:\.[^\s>]*)?\s+(.+)", re.S)
_ASS_TAG = re.compile(r"\{\\[^}]*\}")  # SRT styling such as {\an8}
_COLON_PREFIX = re.compile(r"([^:\n]{1,40}):\s+(\S.*)", re.S)
_BRACKET_PREFIX = re.compile(r"\[([^\]\n]{1,40})\]:?\s*(\S.*)|\(([^)\n]{1,40})\):?\s*(\S.*)", re.S)
_NAME_WORD = re.compile(r"[^\W\d_][\w'’\-]*|[^\W\d_]{1,3}\.|\d+")
_TRAILING_PAREN = re.compile(r"\s*\([^)]*\)\s*$")  # "Priya Raman (Guest)"
# Words that open a line like a speaker label but are not people.
_NOT_NAMES = frozenset({
    "note", "notes", "nb", "ps", "fyi", "re", "update", "question", "answer", "q", "a", "example",
    "summary", "agenda", "action items", "next steps", "reminder", "warning", "important", "tip",
    "todo", "edit", "music", "applause", "laughter", "laughs", "inaudible", "crosstalk", "silence",
    "noise", "background noise",
})
_CLOCK = re.compile(r"(?:(\d+):)?(\d{1,2}):(\d{1,2}(?:[.,]\d+)?)")
_SRT_POSITION = re.compile(r"(\s*[XY][12]:-?\d+)*\s*")
_SLACK_KEYS = re.compile(r'"ts"\s*:')
_SEGMENTS_KEY = re.compile(r'"segments"\s*:')


@dataclass
class _Cue:
    """One timed cue or segment: its spans are (speaker label or None, clean text)."""

    start_s: float
    end_s: float | None
    spans: list[tuple[str | None, str]]
    ident: str | None = None


@dataclass
class _Sidecar:
    raw: dict
    title: str | None
    started_at: datetime | None
    deal: str | None
    participants: list[Participant]
    channel_map: dict | None


class _Roster:
    """The call's participants, and the lookup that maps a speaker label to one."""

    def __init__(self, known: list[Participant]):
        self.participants: list[Participant] = []
        self._by_key: dict[str, Participant] = {}
        for person in known:
            self._add(person)
        first_names = Counter(_first_name(p) for p in self.participants if p.name)
        for person in self.participants:
            if person.name and first_names[_first_name(person)] == 1:
                self._by_key.setdefault(_first_name(person), person)

    def _add(self, person: Participant) -> Participant:
        existing = self._by_key.get(person.identity)
        if existing:
            return existing
        self.participants.append(person)
        self._by_key[person.identity] = person
        if person.name:
            self._by_key.setdefault(normalise_name(person.name), person)
        return person

    def match(self, label: str) -> Participant | None:
        for key in (normalise_name(label), normalise_name(_TRAILING_PAREN.sub("", label))):
            if key in self._by_key:
                return self._by_key[key]
        return None

    def speaker(self, label: str) -> Participant:
        """The participant a label names; an unknown label becomes a new participant."""
        found = self.match(label)
        if found:
            return found
        if _EMAIL.fullmatch(label):
            return self._add(Participant(email=label))
        return self._add(Participant(name=label))


def _first_name(person: Participant) -> str:
    return normalise_name(person.name).split()[0]


class _TranscriptIngestor:
    """What the three formats share: one file is one call, with an optional sidecar."""

    name = ""
    version = "1"
    natural_key = "SHA-256 of the transcript file's bytes"
    description = ""
    labels_in_text = True  # speakers may be written as "Name: text" prefixes

    def detect(self, path: Path) -> bool:
        raise NotImplementedError

    def discover(self, path: Path) -> Iterator[SourceItem]:
        yield SourceItem(uri=str(path), path=path, kind=self.name)

    def sidecar(self, path: Path) -> Path:
        return sidecar_path(path)

    def cues(self, text: str) -> list[_Cue]:
        raise NotImplementedError

    def read(self, item: SourceItem) -> Iterator[Conversation | Rejected]:
        try:
            yield self._conversation(item)
        except BadInput as exc:
            yield Rejected(item.uri, self.name, str(exc))

    def _conversation(self, item: SourceItem) -> Conversation:
        try:
            data = item.path.read_bytes()
            mtime = item.path.stat().st_mtime
        except OSError as exc:
            raise BadInput(f"cannot read the file ({exc.strerror})") from None
        sidecar = _read_sidecar(self.sidecar(item.path))
        text, encoding = _decode(data)
        cues = self.cues(text)
        roster = _Roster(sidecar.participants if sidecar else [])
        if self.labels_in_text:
            _split_label_prefixes(cues, roster)
        utterances = []
        for cue in cues:
            for label, said in cue.spans:
                speaker = roster.speaker(label) if label else None
                utterances.append(Utterance(
                    text=said, speaker=speaker.identity if speaker else None, speaker_label=label,
                    kind="speech", start_s=cue.start_s, end_s=cue.end_s,
                    meta={"cue": cue.ident} if cue.ident else {}))
        if not utterances:
            raise BadInput("no cue with any text")

        meta = {}
        if sidecar:
            meta["sidecar"] = sidecar.raw
        if encoding != "utf-8":
            log.info("%s: not UTF-8, read as %s", item.uri, encoding)
            meta["encoding"] = encoding
        source = Source.from_bytes(self.name, item.uri, data, meta=meta)
        return Conversation(
            kind="call",
            thread_key=f"call:{source.sha256}",
            source=source,
            title=(sidecar and sidecar.title) or re.sub(r"[_-]+", " ", item.path.stem).strip() or None,
            started_at=(sidecar and sidecar.started_at) or datetime.fromtimestamp(mtime, timezone.utc),
            deal=sidecar.deal if sidecar else None,
            participants=roster.participants,
            utterances=utterances,
            engine="text",
            meta={"channel_map": sidecar.channel_map} if sidecar and sidecar.channel_map else {},
        )


class WebVTT(_TranscriptIngestor):
    name = "vtt"
    description = "WebVTT call transcripts (Teams, Zoom, Meet): voice tags or 'Name: text' cues"

    def detect(self, path: Path) -> bool:
        return path.is_file() and (path.suffix.lower() == ".vtt" or _head(path, 16).startswith(b"WEBVTT"))

    def cues(self, text: str) -> list[_Cue]:
        timings = _check_vtt_timings(text)
        try:
            captions = webvtt.from_string(text).captions
        except MalformedFileError:
            raise BadInput("not WebVTT: the first line is not 'WEBVTT'") from None
        if len(captions) != timings:
            raise BadInput(f"{timings - len(captions)} of {timings} cues unreadable")
        cues = []
        for number, caption in enumerate(captions, 1):
            start, end = caption.start_time.in_milliseconds() / 1000, caption.end_time.in_milliseconds() / 1000
            if end < start:
                raise BadInput(f"cue {number}: ends at {caption.end}, before it starts at {caption.start}")
            cues.append(_Cue(start, end, _spans(caption.raw_text), caption.identifier or None))
        return cues


class SRT(_TranscriptIngestor):
    name = "srt"
    description = "SubRip (.srt) call transcripts; speakers from 'Name:', '[Name]', '(Name)' or <v Name>"

    def detect(self, path: Path) -> bool:
        return path.is_file() and path.suffix.lower() == ".srt"

    def cues(self, text: str) -> list[_Cue]:
        try:
            subtitles = list(srt.parse(text))
        except srt.SRTParseError as exc:
            line = text.count("\n", 0, exc.expected_start) + 1
            bad = (exc.unmatched_content.strip().splitlines() or [""])[0][:60]
            raise BadInput(f"not a readable SRT file: unexpected text at line {line}: {bad!r}") from None
        if not subtitles:
            raise BadInput("not a readable SRT file: no subtitles")
        cues = []
        for number, sub in enumerate(subtitles, 1):
            if not _SRT_POSITION.fullmatch(sub.proprietary):
                raise BadInput(f"subtitle {number}: timing line unreadable near {sub.proprietary!r}")
            start, end = sub.start.total_seconds(), sub.end.total_seconds()
            if end < start:
                raise BadInput(f"subtitle {number}: ends before it starts")
            cues.append(_Cue(start, end, _spans(_ASS_TAG.sub("", sub.content))))
        return cues


class TranscriptJSON(_TranscriptIngestor):
    """A JSON list of ``{speaker, start, end, text}`` segments, or ``{"segments": [...]}``.

    ``start``/``end`` are seconds or "HH:MM:SS.mmm" strings; ``speaker`` is optional.
    The sidecar of ``X.json`` is ``X.meta.json`` (``X.json`` itself is the transcript).
    """

    name = "transcript-json"
    description = "JSON transcript segments [{speaker, start, end, text}] or {\"segments\": [...]} (whisper-style)"
    labels_in_text = False

    def detect(self, path: Path) -> bool:
        if not path.is_file() or path.suffix.lower() != ".json" or path.name.lower().endswith(".meta.json"):
            return False
        head = _head(path, SNIFF_BYTES).decode("utf-8", errors="replace").lstrip()
        if head.startswith("{"):
            return bool(_SEGMENTS_KEY.search(head) or _SEGMENTS_KEY.search(
                _head(path, OBJECT_SNIFF_BYTES).decode("utf-8", errors="replace")))
        if not head.startswith("["):
            return False
        try:
            first, _ = json.JSONDecoder().raw_decode(head[1:].lstrip())
        except ValueError:  # the first segment is broken or longer than the sniff: look at its keys
            return ('"text"' in head and ('"start"' in head or '"speaker"' in head)
                    and not _SLACK_KEYS.search(head))
        return (isinstance(first, dict) and "text" in first and ("start" in first or "speaker" in first)
                and "ts" not in first)

    def sidecar(self, path: Path) -> Path:
        return path.with_name(path.stem + ".meta.json")

    def cues(self, text: str) -> list[_Cue]:
        doc = parse_json(text, (list, dict), "a list of segments or an object with 'segments'")
        segments = doc.get("segments") if isinstance(doc, dict) else doc
        if not isinstance(segments, list) or not segments:
            raise BadInput("expected a non-empty list of segments or an object with a 'segments' list")
        cues = []
        for number, segment in enumerate(segments, 1):
            where = f"segment {number}"
            if not isinstance(segment, dict):
                raise BadInput(f"{where}: not an object")
            said = segment.get("text")
            if not isinstance(said, str):
                raise BadInput(f"{where}: 'text' is missing or not a string")
            start = _seconds(segment.get("start"), f"{where}: start")
            end = None if segment.get("end") is None else _seconds(segment["end"], f"{where}: end")
            if end is not None and end < start:
                raise BadInput(f"{where}: ends before it starts")
            label = _json_speaker(segment.get("speaker"), where)
            said = _clean(said)
            cues.append(_Cue(start, end, [(label, said)] if said else []))
        return cues


def _head(path: Path, size: int) -> bytes:
    """The first `size` bytes of a file, without a UTF-8 byte-order mark."""
    try:
        with path.open("rb") as fh:
            return fh.read(size).removeprefix(b"\xef\xbb\xbf")
    except OSError:
        return b""


def _decode(data: bytes) -> tuple[str, str]:
    """The text of a transcript and its encoding: UTF-8 (with or without BOM), else a detected one."""
    if not data.strip():
        raise BadInput("empty file")
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError as exc:
        position = exc.start
    guess = charset_normalizer.from_bytes(data).best()
    if guess is None:
        raise BadInput(f"not valid UTF-8 at byte {position} and not text in any other encoding")
    return str(guess), guess.encoding


def _check_vtt_timings(text: str) -> int:
    """The number of cue timing lines; an unreadable timestamp names its cue."""
    count = 0
    for line in text.splitlines():
        if "-->" not in line:
            continue
        count += 1
        start, _, rest = line.partition("-->")
        for stamp in (start.strip(), (rest.split() or [""])[0]):
            try:
                Timestamp.from_string(stamp)
            except MalformedCaptionError:
                raise BadInput(f"cue {count}: timestamp {stamp!r} unreadable") from None
    return count


def _clean(text: str) -> str:
    """Text without character references and with single spaces."""
    return " ".join(html.unescape(text).replace("\xa0", " ").split())


def _spans(raw: str) -> list[tuple[str | None, str]]:
    """Split cue text into (voice, text) spans; other markup tags are dropped."""
    spans: list[tuple[str | None, list[str]]] = [(None, [])]
    position = 0
    for tag in _TAG.finditer(raw):
        spans[-1][1].append(raw[position:tag.start()])
        position = tag.end()
        voice = _VOICE.fullmatch(tag.group(1).strip())
        if voice:
            spans.append((_clean(voice.group(1)) or None, []))
        elif tag.group(1).strip() == "/v":
            spans.append((None, []))
    spans[-1][1].append(raw[position:])
    return [(label, text) for label, parts in spans if (text := _clean("".join(parts)))]


def _label_prefix(text: str) -> tuple[str, str] | None:
    """("Name", rest) when the text opens with "Name: ", "[Name]" or "(Name)" and Name looks like one."""
    match = _COLON_PREFIX.fullmatch(text)
    if match:
        label, rest = match.group(1).strip(), match.group(2)
    else:
        match = _BRACKET_PREFIX.fullmatch(text)
        if not match:
            return None
        label, rest = (match.group(1) or match.group(3)).strip(), match.group(2) or match.group(4)
    return (label, rest) if _looks_like_name(label) else None


def _looks_like_name(label: str) -> bool:
    if _EMAIL.fullmatch(label):
        return True
    words = label.split()
    return (1 <= len(words) <= 4 and words[0][0].isalpha() and all(_NAME_WORD.fullmatch(w) for w in words)
            and normalise_name(label) not in _NOT_NAMES)


def _split_label_prefixes(cues: list[_Cue], roster: _Roster) -> None:
    """Turn "Name: text" openings of unlabelled spans into speakers, where that is safe.

    A prefix is a speaker when the sidecar names it, when it opens two or more cues, or
    when every unlabelled span in the file opens with a name-like prefix. So a lone
    "Note: ..." in captions stays text.
    """
    unlabelled = [(cue, i) for cue in cues for i, (label, _) in enumerate(cue.spans) if label is None]
    found = [(cue, i, *prefix) for cue, i in unlabelled if (prefix := _label_prefix(cue.spans[i][1]))]
    uses = Counter(normalise_name(label) for _, _, label, _ in found)
    everywhere = len(found) == len(unlabelled) >= 2
    for cue, i, label, rest in found:
        if everywhere or uses[normalise_name(label)] >= 2 or roster.match(label):
            cue.spans[i] = (label, rest)


def _seconds(value, where: str) -> float:
    """Seconds from a number or an "[HH:]MM:SS[.mmm]" string."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) and value >= 0:
        return float(value)
    if isinstance(value, str):
        match = _CLOCK.fullmatch(value.strip())
        if match and int(match.group(2)) < 60 and float(match.group(3).replace(",", ".")) < 60:
            return int(match.group(1) or 0) * 3600 + int(match.group(2)) * 60 + float(match.group(3).replace(",", "."))
    raise BadInput(f"{where} {value!r} is not seconds or HH:MM:SS.mmm")


def _json_speaker(value, where: str) -> str | None:
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return f"Speaker {value}"
    if isinstance(value, str):
        return _clean(value) or None
    raise BadInput(f"{where}: 'speaker' {value!r} is not a name")


def _read_sidecar(path: Path) -> _Sidecar | None:
    """The call metadata beside a transcript, or None when there is none."""
    if not path.is_file():
        return None
    where = f"sidecar {path.name}"
    try:
        data = path.read_bytes().removeprefix(codecs.BOM_UTF8)
    except OSError as exc:
        raise BadInput(f"{where}: cannot read ({exc.strerror})") from None
    try:
        raw = parse_json(data, dict, "a JSON object with title, started_at, participants")
    except BadInput as exc:
        raise BadInput(f"{where}: {exc}") from None

    def text(key: str) -> str | None:
        value = raw.get(key)
        if value is not None and not isinstance(value, str):
            raise BadInput(f"{where}: '{key}' must be a string, not {value!r}")
        return value or None

    started_at = None
    if text("started_at"):
        try:
            started_at = datetime.fromisoformat(raw["started_at"])
        except ValueError:
            raise BadInput(f"{where}: started_at {raw['started_at']!r} is not an ISO-8601 date-time") from None
        if started_at.tzinfo is None:
            started_at = started_at.replace(tzinfo=timezone.utc)

    people = raw.get("participants", [])
    if not isinstance(people, list):
        raise BadInput(f"{where}: 'participants' must be a list of {{name, email}} objects")
    participants = []
    for number, person in enumerate(people, 1):
        name = person.get("name") if isinstance(person, dict) else None
        email = person.get("email") if isinstance(person, dict) else None
        if (not isinstance(person, dict) or not isinstance(name, (str, type(None)))
                or not isinstance(email, (str, type(None))) or not (name or email)):
            raise BadInput(f"{where}: participant {number} must be an object with a name and/or email")
        if email and not _EMAIL.fullmatch(email.strip()):
            raise BadInput(f"{where}: participant {number} email {email!r} is not an email address")
        participants.append(Participant(name=name.strip() if name else None, email=email.strip() if email else None))

    channel_map = raw.get("channel_map")
    if channel_map is not None and not (
            isinstance(channel_map, dict) and all(isinstance(v, str) for v in channel_map.values())):
        raise BadInput(f"{where}: 'channel_map' must map channel numbers to emails")
    return _Sidecar(raw=raw, title=text("title"), started_at=started_at, deal=text("deal"),
                    participants=participants, channel_map=channel_map or None)

"""Email: single messages (.eml), mbox files and Maildir folders.

Every message is its own Source (its raw RFC 822 bytes) and its own record with one
utterance: the new content of the body, with quoted replies and signatures removed
(mail-parser-reply), decoded to valid text whatever the declared charset; an HTML-only
body is turned into text (inscriptis). Attachments, embedded messages, digests and
bounce reports are listed by name, type and size in the utterance's meta, never stored
apart from the raw message.

Threading follows Message-ID, In-Reply-To and References (JWZ style): a message joins
the conversation of its nearest known ancestor, or of a reply that arrived first. Only
a message with neither In-Reply-To nor References falls back to its subject: it
registers "subject:<normalised subject>", and when its subject has a reply prefix
("Re:", "AW:", "Fwd:" ...) it also looks that key up.

The natural key of a message is its Message-ID (fallback: "sha256:<hash of its bytes>"),
so the same message found in two files is stored once.
"""

from __future__ import annotations

import codecs
import dataclasses
import hashlib
import logging
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import lru_cache
from email.header import decode_header
from email.message import Message
from email.parser import BytesParser
from email.policy import compat32
from email.utils import getaddresses, parsedate_to_datetime
from pathlib import Path
from typing import BinaryIO, Iterator

import charset_normalizer
from inscriptis import get_text
from mailparser_reply import EmailMessage

from ..models.records import Conversation, Participant, Rejected, Source, Utterance
from .base import SourceItem

log = logging.getLogger(__name__)

EML_SUFFIXES = (".eml",)
MBOX_SUFFIXES = (".mbox", ".mbx")
SNIFF_BYTES = 4096
REPLY_LANGUAGES = ("en",)
SIGNATURE_LINES = 15  # a signature is looked for in the last lines of the new content ...
SIGNATURE_LINE_CHARS = 100  # ... that are this short (a long line is a paragraph)
SIGN_OFF_CHARS = 40  # a longer line starting "Thanks," or "Best," is a sentence, not a sign-off

# compat32 parses about eight times faster than policy.default, whose header objects are
# built on every access; headers are decoded here with email.utils and email.header.
_PARSER = BytesParser(policy=compat32)

_HEADER_LINE = re.compile(rb"[A-Za-z0-9-]+:[ \t]")
_HEADER_NAME = re.compile(rb"([!-9;-~]+):")
_EMAIL_HEADERS = frozenset({
    b"from", b"to", b"cc", b"subject", b"date", b"message-id", b"in-reply-to", b"references",
    b"sender", b"reply-to", b"mime-version", b"content-type", b"received", b"return-path",
    b"delivered-to",
})
_ADDRESS_FIELDS = ("from", "to", "cc")
_AT_OBFUSCATED = re.compile(r"([\w.+-]+) at ([\w-]+(?:\.[\w-]+)+)")
_SIMPLE_ADDRESS = re.compile(r"([^<>@,]*?)\s*<([^<>@\s,]+@[^<>@\s,]+)>|([^<>@\s,]+@[^<>@\s,]+)|")

_MSGID = re.compile(r"<([^<>]+)>")
_FOLD = re.compile(r"\r?\n[ \t]*")
_LIST_TAG = re.compile(r"\s*\[[^\]]{0,80}\]\s*")
_REPLY_PREFIX = re.compile(r"\s*(?:re|fwd?|fw|aw|sv|wg|vs|antw)\s*(?:\[\d+\]|\(\d+\))?\s*:\s*", re.IGNORECASE)
# what mail-parser-reply's reply-header and signature patterns need in order to match (superset)
_HEADER_FIELDS = ("from:", "sent:", "to:", "subject:", "date:", "cc:", "organization:")
_SIGNATURE_HINTS = ("--", "__", "sent from my", "get outlook for", "regards", "thanks,", "thank you,", "best,",
                    "all the best", "caution:", "disclaimer", "warning:", "confidential", "privileged", "private",
                    "sensitive", "important")
_SEPARATOR_LINE = re.compile(r"[_-]{32,}")
_SENTENCE_END = re.compile(r"[.!?](?:\s|$)")

_TIME_OF_DAY = re.compile(rb"\d{1,2}:\d{2}")
_MBOXRD_QUOTED = re.compile(rb"^>(>*From )", re.MULTILINE)


class _Unusable(Exception):
    """A message that parses but cannot become an utterance; the text is the reason."""


# ---- the three ingestors ------------------------------------------------------------------


class Eml:
    name = "eml"
    version = "1"
    natural_key = "message: Message-ID (fallback: SHA-256 of the message bytes)"
    description = "one RFC 822 email message per file (.eml, or any file that starts with email headers)"

    def detect(self, path: Path) -> bool:
        if not path.is_file():
            return False
        suffix = path.suffix.lower()
        if suffix in EML_SUFFIXES:
            return True
        return suffix not in MBOX_SUFFIXES and _looks_like_message(_head(path))

    def discover(self, path: Path) -> Iterator[SourceItem]:
        yield SourceItem(str(path), path, self.name)

    def read(self, item: SourceItem) -> Iterator[Conversation | Rejected]:
        yield _read_file(item, self.name)


class Maildir:
    name = "maildir"
    version = "1"
    natural_key = "message: Message-ID (fallback: SHA-256 of the message bytes)"
    description = "a Maildir folder (cur/ and new/, one message per file; Maildir++ sub-folders included)"

    def detect(self, path: Path) -> bool:
        return _is_maildir(path)

    def discover(self, path: Path) -> Iterator[SourceItem]:
        folders = [path] + sorted(child for child in path.iterdir()
                                  if child.name.startswith(".") and _is_maildir(child))
        for folder in folders:
            for sub in ("cur", "new"):
                for file in sorted((folder / sub).iterdir()):
                    if file.is_file() and not file.name.startswith("."):
                        yield SourceItem(str(file), file, self.name)

    def read(self, item: SourceItem) -> Iterator[Conversation | Rejected]:
        yield _read_file(item, self.name)


class Mbox:
    name = "mbox"
    version = "1"
    natural_key = "message: Message-ID (fallback: SHA-256 of the message bytes)"
    description = "an mbox file (.mbox/.mbx, or a file that starts with a 'From ' line); one message per item"

    def detect(self, path: Path) -> bool:
        if not path.is_file():
            return False
        suffix = path.suffix.lower()
        if suffix in MBOX_SUFFIXES:
            return True
        if suffix in EML_SUFFIXES:
            return False
        lines = _head(path).lstrip(b"\r\n").split(b"\n", 2)
        return len(lines) > 1 and lines[0].startswith(b"From ") and bool(_HEADER_NAME.match(lines[1]))

    def discover(self, path: Path) -> Iterator[SourceItem]:
        yield SourceItem(str(path), path, self.name)

    def read(self, item: SourceItem) -> Iterator[Conversation | Rejected]:
        """One record per message, streamed: the file is never held in memory as a whole."""
        try:
            stream = item.path.open("rb")
        except OSError as exc:
            yield Rejected(item.uri, self.name, f"cannot read file ({exc.strerror or exc})")
            return
        with stream:
            splitter = _MboxSplitter(stream)
            count = 0
            for count, (raw, complete) in enumerate(splitter, 1):
                uri = f"{item.uri}#{count - 1}"
                if not complete:
                    yield Rejected(uri, self.name, "message truncated: the file ends inside it")
                else:
                    yield _read_message(raw, uri, self.name)
        if count == 0:
            yield Rejected(item.uri, self.name, "not an mbox file: no 'From ' line followed by email headers")
        elif splitter.preamble:
            yield Rejected(item.uri, self.name,
                           f"{splitter.preamble} bytes before the first 'From ' line are not a message")


# ---- detection helpers -------------------------------------------------------------------


def _head(path: Path) -> bytes:
    try:
        with path.open("rb") as handle:
            return handle.read(SNIFF_BYTES)
    except OSError:
        return b""


def _looks_like_message(head: bytes) -> bool:
    """Starts with RFC 822 headers (after an optional mbox 'From ' line), one of them an email header."""
    lines = head.lstrip(b"\r\n").splitlines()
    if lines and lines[0].startswith(b"From "):
        lines = lines[1:]
    if not lines or not _HEADER_LINE.match(lines[0]):
        return False
    for line in lines:  # the header block: fields and their continuation lines, up to a blank line
        match = _HEADER_NAME.match(line)
        if match and match.group(1).lower() in _EMAIL_HEADERS:
            return True
        if not line.strip() or (not match and not line[:1].isspace()):
            return False
    return False


def _is_maildir(path: Path) -> bool:
    return path.is_dir() and (path / "cur").is_dir() and (path / "new").is_dir()


# ---- mbox splitting ----------------------------------------------------------------------


class _MboxSplitter:
    """Yields (message bytes, complete) from an mbox stream, one line at a time.

    A "From " line starts a message when the next line is a header and the line before
    it is blank (or it carries a time of day, as real separators do), so an unquoted
    "From time to time" in a body does not split it. The separator line and the blank
    line before the next one are dropped, and mboxrd/mboxo quoting (">From ") loses one
    '>'. The last message is incomplete when the file ends mid-line or inside its headers.
    """

    def __init__(self, stream: BinaryIO):
        self.stream = stream
        self.preamble = 0  # non-blank bytes before the first separator

    def __iter__(self) -> Iterator[tuple[bytes, bool]]:
        lines = iter(self.stream)
        line = next(lines, b"")
        current: list[bytes] | None = None
        previous_blank = True
        while line:
            following = next(lines, b"")
            if (line.startswith(b"From ") and _HEADER_NAME.match(following)
                    and (previous_blank or _TIME_OF_DAY.search(line))):
                if current is not None:
                    yield _mbox_message(current), True
                current = []
            elif current is None:
                self.preamble += len(line.strip())
            else:
                current.append(line)
            previous_blank = line in (b"\n", b"\r\n")
            last = line
            line = following
        if current is not None:
            data = _mbox_message(current)
            ended_cleanly = last.endswith(b"\n") and (b"\n\n" in data or b"\n\r\n" in data)
            yield data, ended_cleanly


def _mbox_message(lines: list[bytes]) -> bytes:
    data = b"".join(lines)
    if data.endswith(b"\r\n\r\n"):
        data = data[:-2]
    elif data.endswith(b"\n\n"):
        data = data[:-1]
    if b">From " in data:
        data = _MBOXRD_QUOTED.sub(rb"\1", data)
    return data


# ---- one message -------------------------------------------------------------------------


def _read_file(item: SourceItem, kind: str) -> Conversation | Rejected:
    try:
        data = item.path.read_bytes()
    except OSError as exc:
        return Rejected(item.uri, kind, f"cannot read file ({exc.strerror or exc})")
    return _read_message(data, item.uri, kind)


def read_message(raw: bytes, uri: str, kind: str) -> Conversation | Rejected:
    """The record for one RFC 822 message (threaded, cleaned), or a one-line reason why it cannot be used.

    Public for ingestors that get messages from elsewhere than a file (IMAP).
    """
    return _read_message(raw, uri, kind)


def _read_message(raw: bytes, uri: str, kind: str) -> Conversation | Rejected:
    """The record for one message, or a one-line reason why it cannot be used."""
    if not raw.strip():
        return Rejected(uri, kind, "empty message")
    try:
        return _record(raw, uri, kind)
    except _Unusable as exc:
        return Rejected(uri, kind, str(exc))
    except Exception as exc:  # malformed MIME must not stop the other messages
        log.debug("unreadable message %s", uri, exc_info=True)
        return Rejected(uri, kind, _one_line(f"unreadable message ({type(exc).__name__}: {exc})"))


def _record(raw: bytes, uri: str, kind: str) -> Conversation:
    message = _PARSER.parsebytes(raw)
    headers = _Headers(message)
    if not headers.any_of("from", "to", "subject", "date", "message-id"):
        raise _Unusable("not an email: no From, To, Subject, Date or Message-ID header")

    own_id = headers.first_id("message-id") or "sha256:" + hashlib.sha256(raw).hexdigest()
    in_reply_to = headers.first_id("in-reply-to")
    in_reply_to = in_reply_to if in_reply_to != own_id else None
    references = [r for r in dict.fromkeys(headers.ids("references")) if r != own_id]
    subject = headers.text("subject")
    topic, is_reply = _strip_subject(subject or "")

    thread_key, keys, lookup_keys = _threading(own_id, in_reply_to, references, topic, is_reply)

    people = {name: headers.addresses(name) for name in _ADDRESS_FIELDS}
    sender = people["from"][0] if people["from"] else None
    body = _Body()
    body.collect(message)
    full_text = body.text()
    if sender is None and not full_text.strip():
        raise _Unusable("no sender (From) and no text body")
    sent_at = _parse_date(headers.raw("date"))

    meta = {"subject": subject, "attachments": body.attachments, "body_chars": len(full_text)}
    utterance = Utterance(
        text=_new_content(full_text), speaker=sender.identity if sender else None,
        speaker_label=(sender.name or sender.email) if sender else None, kind="message",
        sent_at=sent_at, external_id=own_id, parent_id=in_reply_to, meta=meta)
    return Conversation(
        kind="email", thread_key=thread_key, source=Source.from_bytes(kind, uri, raw),
        title=topic or None, started_at=sent_at, participants=_unique(p for ps in people.values() for p in ps),
        utterances=[utterance], keys=keys, lookup_keys=lookup_keys, engine="text")


def _threading(own_id: str, in_reply_to: str | None, references: list[str], topic: str,
               is_reply: bool) -> tuple[str, list[str], list[str]]:
    """(thread_key, keys, lookup_keys) for one message.

    The thread is named after its root (first References id, else In-Reply-To, else the
    message itself). Lookup goes from the nearest ancestor outwards, then the message's own
    id (a reply that arrived first registered it); every id is registered for later messages.
    The subject is a fallback for messages without threading headers only: each registers
    it, and only one whose subject had a reply prefix looks it up.
    """
    ancestors = list(dict.fromkeys([*([in_reply_to] if in_reply_to else []), *reversed(references)]))
    root = references[0] if references else in_reply_to or own_id
    keys = [f"msgid:{i}" for i in dict.fromkeys([own_id, *references, *ancestors])]
    lookup_keys = [f"msgid:{i}" for i in (*ancestors, own_id)]
    normalised = topic.casefold()
    if not ancestors and normalised:
        keys.append(f"subject:{normalised}")
        if is_reply:
            lookup_keys.append(f"subject:{normalised}")
    return f"email:{root}", keys, lookup_keys


class _Headers:
    """A message's headers by lower-case name, unfolded, with raw 8-bit bytes decoded."""

    def __init__(self, message: Message):
        self.values: dict[str, list[str]] = {}
        for name, value in message.raw_items():
            if isinstance(value, str):
                self.values.setdefault(name.strip().lower(), []).append(_repair(_FOLD.sub(" ", value).strip()))

    def any_of(self, *names: str) -> bool:
        return any(self.values.get(name) for name in names)

    def raw(self, name: str) -> str | None:
        values = self.values.get(name)
        return values[0] if values else None

    def text(self, name: str) -> str | None:
        value = self.raw(name)
        return " ".join(_decode_words(value).split()) if value is not None else None

    def ids(self, name: str) -> list[str]:
        """Message ids in <...>; without brackets, the words that look like ids."""
        found = []
        for value in self.values.get(name, ()):
            bracketed = ["".join(m.split()) for m in _MSGID.findall(value)]
            found += [m for m in bracketed if m] or [w.strip("<>,;\"'()") for w in value.split() if "@" in w]
        return found

    def first_id(self, name: str) -> str | None:
        ids = self.ids(name)
        if ids:
            return ids[0]
        value = (self.raw(name) or "").strip("<> ")
        return value if value and not any(c.isspace() for c in value) else None

    def addresses(self, name: str) -> list[Participant]:
        values = self.values.get(name)
        if not values:
            return []
        values = [v if "@" in v else _AT_OBFUSCATED.sub(r"\1@\2", v) for v in values]  # list archives
        people = []
        for display, address in _split_addresses(values):
            display = " ".join(_decode_words(display).split()).strip("'\" ")
            address = address.strip()
            if "@" in address:
                people.append(Participant(name=display or None, email=address.lower()))
            elif display or address:
                people.append(Participant(name=display or address))
        return people


def _split_addresses(values: list[str]) -> list[tuple[str, str]]:
    """(display name, address) pairs; plain "Name <a@b>" lists skip email.utils' slower parser."""
    pairs = []
    for value in values:
        if any(c in value for c in '"(\\;:'):
            return getaddresses(values)
        for item in value.split(","):
            match = _SIMPLE_ADDRESS.fullmatch(item.strip())
            if not match:
                return getaddresses(values)
            if match.group(2) or match.group(3):
                pairs.append(((match.group(1) or "").strip(), match.group(2) or match.group(3)))
    return pairs


@dataclass
class _Body:
    """The readable parts of a message in order, as (subtype, text), and the rest as attachments."""

    parts: list[tuple[str, str]] = field(default_factory=list)
    attachments: list[dict] = field(default_factory=list)

    def collect(self, part: Message) -> None:
        content_type = part.get_content_type()
        maintype = content_type.split("/", 1)[0]
        if maintype == "message":
            self.attachments.append(_attachment(part, content_type))
        elif part.is_multipart():
            children = [c for c in part.get_payload() if isinstance(c, Message)]
            if content_type == "multipart/alternative":
                self._best_alternative(children)
            else:
                for child in children:
                    self.collect(child)
        elif _is_attachment(part):
            self.attachments.append(_attachment(part, content_type))
        elif content_type == "text/html":
            self.parts.append(("html", _part_text(part)))
        elif content_type == "text/plain" or maintype == "multipart":  # a multipart without its boundary
            self.parts.append(("plain", _part_text(part)))
        else:
            self.attachments.append(_attachment(part, content_type))

    @property
    def has_plain(self) -> bool:
        return any(subtype == "plain" and text.strip() for subtype, text in self.parts)

    def _best_alternative(self, children: list[Message]) -> None:
        """The alternative with plain text, else the last (richest) one with any text."""
        options = []
        for child in children:
            option = _Body()
            option.collect(child)
            options.append(option)
        with_text = [o for o in options if any(text.strip() for _, text in o.parts)]
        chosen = next((o for o in with_text if o.has_plain), with_text[-1] if with_text else None)
        if chosen is not None:
            self.parts += chosen.parts
            self.attachments += chosen.attachments
        elif options:
            self.attachments += options[-1].attachments

    def text(self) -> str:
        """The plain parts and the HTML parts (as text), in message order."""
        texts = (text.strip() if subtype == "plain" else _html_text(text) for subtype, text in self.parts)
        return "\n\n".join(t for t in texts if t)


def _is_attachment(part: Message) -> bool:
    """Disposition "attachment", or a file name (looked up only when a header mentions one)."""
    disposition = str(part.get("content-disposition", "")).lower()  # a Header object when 8-bit
    if disposition.lstrip().startswith("attachment"):
        return True
    return ("name" in disposition or "name" in str(part.get("content-type", "")).lower()) and bool(part.get_filename())


def _attachment(part: Message, content_type: str) -> dict:
    """Name, type and decoded size of a part that is not read as text; its bytes are not kept."""
    name = part.get_filename()
    if isinstance(name, str):
        name = " ".join(_decode_words(_repair(name)).split()) or None
    try:
        if part.is_multipart():
            children = [child for child in part.get_payload() if isinstance(child, Message)]
            if not name and children and content_type in ("message/rfc822", "message/global"):
                name = _Headers(children[0]).text("subject")
            size = sum(len(child.as_bytes()) for child in children)
        else:
            size = len(part.get_payload(decode=True) or b"")
    except Exception:  # a part too broken to serialise still gets listed
        size = None
    return {"name": name, "content_type": content_type, "size": size}


def _part_text(part: Message) -> str:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    return _decode_bytes(payload, part.get_content_charset())


def _html_text(html: str) -> str:
    if not html.strip():
        return ""
    try:
        text = get_text(html)
    except Exception:  # lxml refuses some broken documents; their tags are dropped instead
        text = re.sub(r"<[^>]*>", " ", html)
    return "\n".join(line.rstrip() for line in text.strip().splitlines())


# ---- text decoding -----------------------------------------------------------------------


def _decode_bytes(data: bytes, charset: str | None) -> str:
    """Valid text from bytes: the declared charset when it fits, else detected, else UTF-8 with replacement."""
    if not data:
        return ""
    codec = _codec(charset)
    if codec:
        try:
            text = data.decode(codec)
            text.encode("utf-8")  # codecs such as utf-7 can yield lone surrogates
        except UnicodeError:
            pass
        else:
            if codec in ("utf-8", "ascii") or codec.startswith(("utf-16", "utf-32")) or data.isascii():
                return text.replace("\x00", "")
            try:  # UTF-8 mislabelled as a legacy charset (valid UTF-8 is rarely anything else)
                return data.decode("utf-8").replace("\x00", "")
            except UnicodeDecodeError:
                return text.replace("\x00", "")
    try:
        return data.decode("utf-8").replace("\x00", "")
    except UnicodeDecodeError:
        pass
    matches = charset_normalizer.from_bytes(data)
    best = matches.best()
    if best is None:
        return data.decode("utf-8", "replace").replace("\x00", "")
    # on a tie, windows-1252 (the most common legacy mail charset) wins over its neighbours
    tied = (m for m in matches if m.encoding == "cp1252" and (m.chaos, m.coherence) == (best.chaos, best.coherence))
    return str(next(tied, best)).replace("\x00", "")


def _codec(charset: str | None) -> str | None:
    """Python's codec for a MIME charset name; ISO-8859-1 is read as its superset windows-1252."""
    if not charset:
        return None
    try:
        name = codecs.lookup(charset.strip().strip("\"'")).name
    except (LookupError, ValueError):
        return None
    return "cp1252" if name in ("iso8859-1", "latin-1") else name


def _repair(value: str) -> str:
    """A header value with raw 8-bit bytes (kept by the parser as surrogates) decoded properly."""
    if value.isascii():
        return value
    try:
        data = value.encode("ascii", "surrogateescape")
    except UnicodeEncodeError:
        return value.encode("utf-8", "replace").decode("utf-8")
    return _decode_bytes(data, None)


def _decode_words(value: str) -> str:
    """Decode RFC 2047 encoded words (=?charset?q?...?=)."""
    if "=?" not in value:
        return value
    try:
        chunks = decode_header(value)
    except Exception:  # a malformed encoded word stays as written
        return value
    return "".join(_decode_bytes(chunk, charset) if isinstance(chunk, bytes) else chunk
                   for chunk, charset in chunks)


def _new_content(text: str) -> str:
    """What the sender wrote: quoted lines, reply headers ("On ... wrote:"), signatures and disclaimers removed.

    mail-parser-reply does the recognising, applied only where it can match (its regexes
    cost about 0.4 us per character of text): the reply header is searched from the
    first line that could start one, and the signature among the short closing lines.
    """
    lines = [line.strip() for line in text.splitlines() if not line.lstrip().startswith(">")]
    return _without_signature(_before_reply_header(lines))


def _before_reply_header(lines: list[str]) -> list[str]:
    """The lines before the first reply header; below it when the header comes first (bottom-posting)."""
    first = next((i for i, line in enumerate(lines) if _may_start_reply_header(line)), None)
    if first is None:
        return lines
    start = max(first - 1, 0)  # "On <date>, <name>\nwrote:" spans two lines
    text = "\n".join(lines)
    offset = sum(len(line) + 1 for line in lines[:start])
    match = _reply_template().HEADER_REGEX.search(text, offset)
    if match is None:
        return lines
    if text[:match.start()].strip():
        return text[:match.start()].strip().split("\n")
    return _before_reply_header(text[match.end():].strip().split("\n"))


def _may_start_reply_header(line: str) -> bool:
    low = line.lower()
    return "wrote:" in low or "original message" in low or low.lstrip("* ").startswith(_HEADER_FIELDS)


def _without_signature(lines: list[str]) -> str:
    """The text without its closing signature, looked for among the last short lines."""
    window = 0
    while window < len(lines) and window < SIGNATURE_LINES and len(lines[-1 - window]) <= SIGNATURE_LINE_CHARS:
        window += 1
    kept, tail = lines[:len(lines) - window], lines[len(lines) - window:]
    rule = next((i for i, line in enumerate(tail) if _SEPARATOR_LINE.fullmatch(line)), None)
    if rule is not None:  # a list footer or Outlook rule; the parser's own rule pattern never matches
        tail = tail[:rule]
    while tail and any(hint in "\n".join(tail).lower() for hint in _SIGNATURE_HINTS):
        lead = "\n" if kept else ""  # the parser never takes the first line of its text for a sign-off
        reply = dataclasses.replace(_reply_template(), text=lead + "\n".join(tail), replies=[]).read().replies[0]
        first = reply.signatures.split("\n", 1)[0]
        if _is_sign_off(first) or not reply.signatures:
            return "\n".join([*kept, reply.body]).strip()
        at = next((i for i, line in enumerate(tail) if first in line), len(tail) - 1)
        kept, tail = kept + tail[:at + 1], tail[at + 1:]  # "Thanks, the price is fine." is content
    return "\n".join(kept + tail).strip()


def _is_sign_off(line: str) -> bool:
    """A signature delimiter, or a short closing line that is not a sentence ("Best regards, Ann")."""
    return line.startswith(("--", "__")) or (len(line) <= SIGN_OFF_CHARS and not _SENTENCE_END.search(line[:-1]))


@lru_cache(maxsize=1)
def _reply_template() -> EmailMessage:
    """One parser configuration; copies of it (dataclasses.replace) reuse its compiled regexes."""
    template = EmailMessage(text="", languages=list(REPLY_LANGUAGES), keep_hyphen_lists=True)
    template.HEADER_REGEX, template.SIGNATURE_REGEX, template.DISCLAIMERS_REGEX  # compile once
    return template


# ---- small helpers -----------------------------------------------------------------------


def _strip_subject(subject: str) -> tuple[str, bool]:
    """(subject without reply/forward prefixes and [list] tags, whether it had such a prefix)."""
    is_reply = False
    while True:
        match = _REPLY_PREFIX.match(subject)
        if match:
            is_reply = True
        else:
            match = _LIST_TAG.match(subject)
        if not match:
            return " ".join(subject.split()), is_reply
        subject = subject[match.end():]


def _parse_date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    return parsed.replace(tzinfo=timezone.utc) if parsed.tzinfo is None else parsed


def _unique(people) -> list[Participant]:
    by_identity: dict[str, Participant] = {}
    for person in people:
        known = by_identity.setdefault(person.identity, person)
        if known.name is None and person.name:
            known.name = person.name
    return list(by_identity.values())


def _one_line(text: str) -> str:
    return " ".join(text.split())[:300]

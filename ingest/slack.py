"""Slack workspace exports, as a .zip or an unpacked folder: one item per channel-day file.

An export holds users.json, channels.json (and groups.json, dms.json, mpims.json when
present) and `<channel folder>/<YYYY-MM-DD>.json` day files, each a JSON list of messages.
Channel and private-channel folders are named by channel name, DM folders by id, group-DM
folders by name.

Each day file is one Source. It contributes one conversation per thread (thread_key
"slack:<channel_id>:<thread_ts>", so replies in later day files join the parent's
conversation) and one per channel-day for unthreaded messages
("slack:<channel_id>:<YYYY-MM-DD>"). A message's natural key is "slack:<channel_id>:<ts>".

Message subtypes:
- channel_join/leave, group_join/leave: kind "join".
- bot_message, or any message with a bot_id: kind "bot", spoken by the bot's name.
- thread_broadcast, file_share, me_message and plain messages: kind "message".
- message_changed: the edited text replaces the original when the original is in the same
  day file (meta "edited"); otherwise it is kept as a "system" utterance (meta "edit_of"),
  since the stored original is never changed.
- message_deleted: kept as a "system" utterance "(message deleted)" with meta "deleted_ts";
  the original, if stored, stays (the store is append-only).
- tombstone (a deleted thread parent whose replies remain) and every other subtype
  (channel_topic, pinned_item, ...): kind "system".

Bad input: a day file that is not UTF-8 JSON holding a list is rejected whole; a message
that is not an object, has no usable ts, or repeats a ts is rejected alone
("<uri>:message N") and the rest of the day goes on. A non-zip, or an export without
users.json/channels.json, is rejected once for the whole export.
"""

from __future__ import annotations

import json
import logging
import re
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path, PurePosixPath
from typing import Iterator

from ..models.errors import BadInput
from ..models.records import Conversation, Participant, Rejected, Source, Utterance
from .base import SourceItem, parse_json

log = logging.getLogger(__name__)

REQUIRED = ("users.json", "channels.json")
DAY_FILE = re.compile(r"^\d{4}-\d{2}-\d{2}\.json$")
JOIN_SUBTYPES = frozenset({"channel_join", "channel_leave", "group_join", "group_leave"})
MESSAGE_SUBTYPES = frozenset({None, "thread_broadcast", "file_share", "me_message"})
MARKUP = re.compile(r"<([^<>\n]*)>")
TITLE_WORDS = 8


class SlackExport:
    name = "slack"
    version = "1"
    natural_key = "message: (channel id, ts); day file: SHA-256 of its bytes"
    description = "Slack workspace export (.zip or unpacked folder with users.json and channels.json)"

    def __init__(self) -> None:
        self._export: _Export | None = None

    # ---- detection -------------------------------------------------------------------

    def detect(self, path: Path) -> bool:
        if path.is_dir():
            return all((path / name).is_file() for name in REQUIRED)
        if path.suffix.lower() == ".zip" and path.is_file():
            try:
                with zipfile.ZipFile(path) as archive:
                    return _export_prefix(archive.namelist()) is not None
            except (zipfile.BadZipFile, OSError):
                return False
        # a single day file inside an unpacked export
        return (path.is_file() and bool(DAY_FILE.match(path.name))
                and all((path.parent.parent / name).is_file() for name in REQUIRED))

    def discover(self, path: Path) -> Iterator[SourceItem]:
        """One item per channel-day file; an unreadable or empty export is one item that read() rejects."""
        if path.is_file() and path.suffix.lower() == ".json":
            yield SourceItem(str(path), path, self.name)
            return
        try:
            export = self._open(path)
        except BadInput:
            yield SourceItem(str(path), path, self.name)
            return
        days = export.day_files()
        if not days:
            yield SourceItem(str(path), path, self.name)
        for member in days:
            uri = f"{path}!{member}" if export.archive else str(path / member)
            yield SourceItem(uri, path if export.archive else path / member, self.name)

    # ---- reading ---------------------------------------------------------------------

    def read(self, item: SourceItem) -> Iterator[Conversation | Rejected]:
        root, member = _locate(item)
        try:
            export = self._open(root)
        except BadInput as exc:
            yield Rejected(item.uri, self.name, str(exc))
            return
        if member is None:
            yield Rejected(item.uri, self.name, "no channel day files (<channel>/<YYYY-MM-DD>.json) in the export")
            return
        try:
            data = export.read(member)
        except (KeyError, OSError, zipfile.BadZipFile) as exc:
            yield Rejected(item.uri, self.name, f"cannot read {member} ({exc})")
            return
        yield from _DayFile(export, member, item.uri, data).records()

    def _open(self, root: Path) -> "_Export":
        """The export at `root`, loaded once and reused for all its day files."""
        if self._export is None or self._export.root != root:
            if self._export is not None:
                self._export.close()
            self._export = None
            self._export = _Export.open(root)
        return self._export


def _locate(item: SourceItem) -> tuple[Path, str | None]:
    """(export root, day-file member relative to the root) of an item; member None for the export itself."""
    path = item.path
    if path.is_dir():
        return path, None
    if path.suffix.lower() == ".json":
        return path.parent.parent, f"{path.parent.name}/{path.name}"
    prefix = f"{path}!"
    return path, item.uri[len(prefix):] if item.uri.startswith(prefix) else None


def _export_prefix(names: list[str]) -> str | None:
    """The folder inside an archive that holds users.json and channels.json ('' at the top), or None."""
    members = set(names)
    candidates = {""} | {n.split("/", 1)[0] + "/" for n in names if "/" in n}
    for prefix in sorted(candidates, key=len):
        if all(prefix + name in members for name in REQUIRED):
            return prefix
    return None


def _missing(names: list[str]) -> list[str]:
    """Which of users.json/channels.json an archive lacks, judged at the top level or its one top folder."""
    found = {PurePosixPath(n).name for n in names if n.count("/") <= 1}
    return [name for name in REQUIRED if name not in found]


# ---- the export: members, users, channels ----------------------------------------------


@dataclass
class _User:
    name: str
    email: str | None
    side_hint: str | None
    is_bot: bool = False


@dataclass
class _Channel:
    id: str
    name: str
    type: str  # channel | private | dm | mpim
    members: list[str] = field(default_factory=list)


class _Export:
    """An opened export: reads members from a folder or zip; holds users, channels and the home team."""

    def __init__(self, root: Path, archive: zipfile.ZipFile | None, prefix: str):
        self.root = root
        self.archive = archive
        self.prefix = prefix
        self.users: dict[str, _User] = {}
        self.channels_by_folder: dict[str, _Channel] = {}
        self.channels_by_id: dict[str, _Channel] = {}
        self.team: str | None = None

    @classmethod
    def open(cls, root: Path) -> "_Export":
        if root.is_dir():
            export = cls(root, None, "")
            missing = [n for n in REQUIRED if not (root / n).is_file()]
        else:
            try:
                archive = zipfile.ZipFile(root)
            except (zipfile.BadZipFile, OSError) as exc:
                raise BadInput(f"not a readable zip archive ({exc})") from None
            prefix = _export_prefix(archive.namelist())
            export = cls(root, archive, prefix or "")
            missing = [] if prefix is not None else _missing(archive.namelist())
        if missing:
            export.close()
            raise BadInput(f"not a Slack export (no {' or '.join(missing)})")
        try:
            export._load()
        except BadInput:
            export.close()
            raise
        return export

    def close(self) -> None:
        if self.archive is not None:
            self.archive.close()

    def names(self) -> list[str]:
        """Member paths relative to the export root, '/'-separated."""
        if self.archive is None:
            return [p.relative_to(self.root).as_posix() for p in self.root.rglob("*") if p.is_file()]
        n = len(self.prefix)
        return [name[n:] for name in self.archive.namelist() if name.startswith(self.prefix) and not name.endswith("/")]

    def read(self, member: str) -> bytes:
        if self.archive is None:
            return (self.root / member).read_bytes()
        return self.archive.read(self.prefix + member)

    def has(self, member: str) -> bool:
        if self.archive is None:
            return (self.root / member).is_file()
        try:
            self.archive.getinfo(self.prefix + member)
        except KeyError:
            return False
        return True

    def day_files(self) -> list[str]:
        """`<folder>/<YYYY-MM-DD>.json` members, sorted by folder then day."""
        days = []
        for name in self.names():
            parts = PurePosixPath(name).parts
            if len(parts) == 2 and DAY_FILE.match(parts[1]):
                days.append(name)
            elif len(parts) > 1:
                log.debug("%s: %s is not a channel day file; skipped", self.root, name)
        return sorted(days)

    def _index(self, member: str) -> list[dict]:
        try:
            data = parse_json(self.read(member), list, "a JSON list")
        except BadInput as exc:
            raise BadInput(f"{member}: {exc}") from None
        return [entry for entry in data if isinstance(entry, dict)]

    def _load(self) -> None:
        users = self._index("users.json")
        home = Counter(u.get("team_id") for u in users if u.get("team_id") and not u.get("is_bot")
                       and not u.get("is_restricted") and not u.get("is_ultra_restricted"))
        self.team = home.most_common(1)[0][0] if home else None
        self.users["USLACKBOT"] = _User("Slackbot", None, None, is_bot=True)
        for u in users:
            if u.get("id"):
                self.users[u["id"]] = self._user(u)
        for member, kind in (("channels.json", "channel"), ("groups.json", "private"),
                             ("dms.json", "dm"), ("mpims.json", "mpim")):
            if member == "channels.json" or self.has(member):
                for entry in self._index(member):
                    self._add_channel(entry, kind)

    def _user(self, u: dict) -> _User:
        profile = _object(u.get("profile"))
        is_bot = bool(u.get("is_bot")) or u.get("id") == "USLACKBOT"
        if is_bot:
            side = None
        elif u.get("is_restricted") or u.get("is_ultra_restricted") or u.get("is_stranger"):
            side = "external"
        elif self.team and u.get("team_id") and u["team_id"] != self.team:
            side = "external"  # a Slack Connect user from another workspace
        else:
            side = "internal"
        return _User(_display_name(u, profile) or u["id"], _first_text(profile.get("email")), side, is_bot)

    def _add_channel(self, entry: dict, kind: str) -> None:
        cid = entry.get("id")
        if not cid:
            return
        members = [m for m in entry.get("members") or [] if isinstance(m, str)]
        if kind == "dm":
            name = ", ".join(self.user_name(m) for m in members) or cid
            folder = cid
        else:
            name = entry.get("name") or cid
            folder = name
        channel = _Channel(cid, name, kind, members)
        self.channels_by_folder[folder] = channel
        self.channels_by_id[cid] = channel

    def channel(self, folder: str) -> _Channel:
        """The channel a day-file folder belongs to; an unlisted folder stands for itself."""
        known = self.channels_by_folder.get(folder) or self.channels_by_id.get(folder)
        return known or _Channel(folder, folder, "channel")

    def user_name(self, user_id: str) -> str:
        user = self.users.get(user_id)
        return user.name if user else user_id


def _object(value) -> dict:
    return value if isinstance(value, dict) else {}


def _display_name(user: dict, profile: dict) -> str | None:
    return _first_text(user.get("real_name"), profile.get("real_name"), profile.get("display_name"),
                       user.get("name"), profile.get("name"))


def _first_text(*values) -> str | None:
    """The first value that is a non-blank string, stripped."""
    return next((v.strip() for v in values if isinstance(v, str) and v.strip()), None)


def _label(channel: _Channel) -> str:
    if channel.type == "dm":
        return f"DM {channel.name}"
    if channel.type == "mpim":
        return f"group DM {channel.name}"
    return f"#{channel.name}"


def _sent_at(ts) -> datetime:
    """Slack's "seconds.micros" string as an aware UTC datetime; ValueError when unreadable."""
    if not isinstance(ts, (str, int, float)) or isinstance(ts, bool):
        raise ValueError(f"ts {ts!r} unreadable")
    seconds, _, fraction = str(ts).partition(".")
    if not seconds.isdigit() or (fraction and not fraction.isdigit()):
        raise ValueError(f"ts {ts!r} unreadable")
    try:
        moment = datetime.fromtimestamp(int(seconds), timezone.utc)
    except (OverflowError, OSError, ValueError):
        raise ValueError(f"ts {ts!r} out of range") from None
    return moment.replace(microsecond=int((fraction + "000000")[:6]))


# ---- one day file ------------------------------------------------------------------------


@dataclass
class _Group:
    """The messages of one day file that belong to one conversation."""

    thread_key: str
    thread_ts: str | None
    utterances: list[Utterance] = field(default_factory=list)
    participants: dict[str, Participant] = field(default_factory=dict)
    parent: Utterance | None = None


class _DayFile:
    """Turns one `<folder>/<YYYY-MM-DD>.json` into Conversation records."""

    def __init__(self, export: _Export, member: str, uri: str, data: bytes):
        self.export = export
        self.uri = uri
        self.data = data
        folder, filename = member.split("/", 1)
        self.day = filename[:-len(".json")]
        self.channel = export.channel(folder)
        self.groups: dict[str, _Group] = {}
        self.by_id: dict[str, Utterance] = {}

    def records(self) -> Iterator[Conversation | Rejected]:
        try:
            messages = parse_json(self.data, list, "a JSON list of messages")
        except BadInput as exc:
            yield Rejected(self.uri, "slack", str(exc))
            return
        for number, message in enumerate(messages, 1):
            problem = self._add(message)
            if problem:
                yield Rejected(f"{self.uri}:message {number}", "slack", problem)
        source = Source.from_bytes("slack", self.uri, self.data, meta={
            "channel_id": self.channel.id, "channel": self.channel.name, "day": self.day})
        groups = sorted((g for g in self.groups.values() if g.utterances), key=lambda g: g.utterances[0].sent_at)
        for group in groups:
            yield self._conversation(group, source)

    # ---- messages

    def _add(self, msg) -> str | None:
        """Add one message to its group; the reason it cannot be read, or None."""
        if not isinstance(msg, dict):
            return f"not a message object (found {type(msg).__name__})"
        if msg.get("subtype") == "message_changed":
            return self._add_edit(msg)
        return self._add_message(msg)

    def _add_message(self, msg: dict) -> str | None:
        subtype = msg.get("subtype")
        if "ts" not in msg:
            return "no ts"
        try:
            sent_at = _sent_at(msg["ts"])
        except ValueError as exc:
            return str(exc)
        ts = str(msg["ts"])
        external_id = self._id(ts)
        if external_id in self.by_id:
            return f"ts {ts} appears twice in the day file (the first is kept)"
        kind = _kind(msg)
        participant = self._speaker(msg, kind)
        text, links = self._text(msg)
        meta = _meta(msg, links)
        if subtype == "message_deleted":
            text = "(message deleted)"
            meta["deleted_ts"] = msg.get("deleted_ts")
        thread_ts = msg.get("thread_ts")
        thread_ts = str(thread_ts) if thread_ts else None
        utterance = Utterance(
            text=text, speaker=participant and participant.identity, speaker_label=participant and participant.name,
            kind=kind, sent_at=sent_at,
            external_id=external_id, parent_id=self._id(thread_ts) if thread_ts and thread_ts != ts else None,
            meta=meta)
        group = self._group(thread_ts)
        group.utterances.append(utterance)
        if participant is not None:
            group.participants.setdefault(participant.identity, participant)
        if thread_ts == ts:
            group.parent = utterance
        self.by_id[external_id] = utterance
        return None

    def _add_edit(self, msg: dict) -> str | None:
        """message_changed: update the original when it is in this day file, else keep the edit as a system line."""
        inner = msg.get("message")
        if not isinstance(inner, dict) or "ts" not in inner:
            return "message_changed without the edited message"
        text, links = self._text(inner)
        original = self.by_id.get(self._id(str(inner["ts"])))
        if original is not None:
            original.text = text
            original.meta.update(_meta(inner, links), edited=True)
            return None
        problem = self._add_message({**inner, "ts": msg.get("ts"), "subtype": "message_changed"})
        if problem is None:
            self.by_id[self._id(str(msg["ts"]))].meta["edit_of"] = self._id(str(inner["ts"]))
        return problem

    def _id(self, ts: str) -> str:
        return f"slack:{self.channel.id}:{ts}"

    def _group(self, thread_ts: str | None) -> _Group:
        key = f"slack:{self.channel.id}:{thread_ts or self.day}"
        if key not in self.groups:
            self.groups[key] = _Group(key, thread_ts)
        return self.groups[key]

    def _speaker(self, msg: dict, kind: str) -> Participant | None:
        user_id = _first_text(msg.get("user"))
        user = self.export.users.get(user_id) if user_id else None
        if kind == "bot":
            name = _first_text(_object(msg.get("bot_profile")).get("name"), msg.get("username"),
                               user.name if user else None, msg.get("bot_id"))
            return Participant(name=name or "bot")
        if user is not None:
            return Participant(name=user.name, email=user.email, side_hint=user.side_hint)
        name = _display_name({}, _object(msg.get("user_profile"))) or _first_text(msg.get("username"), user_id)
        if not name:
            return None  # an event nobody wrote, e.g. message_deleted
        team = msg.get("user_team") or msg.get("team")
        side = None
        if team and self.export.team:
            side = "internal" if team == self.export.team else "external"
        return Participant(name=name, side_hint=side)

    def _text(self, msg: dict) -> tuple[str, list[dict]]:
        """The message text with Slack markup resolved, and the links it carried."""
        text = msg.get("text") if isinstance(msg.get("text"), str) else ""
        if not text.strip():  # bots often put everything in attachments
            text = "\n".join(a.get("fallback") or a.get("text") or "" for a in msg.get("attachments") or []
                             if isinstance(a, dict)).strip()
        links: list[dict] = []
        resolved = MARKUP.sub(lambda m: self._markup(m.group(1), links), text)
        return resolved.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&"), links

    def _markup(self, body: str, links: list[dict]) -> str:
        target, _, label = body.partition("|")
        if target.startswith("@"):
            user = self.export.users.get(target[1:])
            return "@" + (user.name if user else label or target[1:])
        if target.startswith("#"):
            channel = self.export.channels_by_id.get(target[1:])
            return "#" + (label or (channel.name if channel else target[1:]))
        if target.startswith("!"):
            command = target[1:].split("^", 1)[0]
            if label:
                return label if label.startswith("@") or command == "date" else "@" + label
            return "@" + command
        if not target:
            return label
        links.append({"url": target, "label": label} if label else {"url": target})
        if target.startswith("mailto:") and not label:
            return target[len("mailto:"):]
        return label or target

    def _conversation(self, group: _Group, source: Source) -> Conversation:
        label = _label(self.channel)
        if group.thread_ts is None:
            title = f"{label} {self.day}"
            started = group.utterances[0].sent_at
        else:
            started = _sent_at(group.thread_ts)
            if group.parent is not None and group.parent.text.strip():
                title = f"{label} — {_first_words(group.parent.text)}"
            else:
                title = f"{label} thread {started:%Y-%m-%d}"
        meta = {"platform": "slack", "channel_id": self.channel.id, "channel": self.channel.name,
                "channel_type": self.channel.type}
        meta.update({"thread_ts": group.thread_ts} if group.thread_ts else {"day": self.day})
        return Conversation(
            kind="chat", thread_key=group.thread_key, source=source, title=title, started_at=started,
            participants=list(group.participants.values()), utterances=group.utterances, meta=meta)


def _kind(msg: dict) -> str:
    subtype = msg.get("subtype")
    if subtype in JOIN_SUBTYPES:
        return "join"
    if subtype == "bot_message" or msg.get("bot_id"):
        return "bot"
    if subtype in MESSAGE_SUBTYPES:
        return "message"
    return "system"


def _meta(msg: dict, links: list[dict]) -> dict:
    """What a message carries besides its text: subtype, links, files and attachments (no content)."""
    meta: dict = {}
    for key in ("subtype", "user", "bot_id"):
        if msg.get(key):
            meta[key] = msg[key]
    if links:
        meta["links"] = links
    files = [{"name": f.get("name") or f.get("title"), "type": f.get("mimetype") or f.get("filetype"),
              "size": f.get("size")} for f in msg.get("files") or [] if isinstance(f, dict)]
    if files:
        meta["files"] = files
    attachments = [{k: a[k] for k in ("title", "title_link", "from_url", "service_name") if a.get(k)}
                   for a in msg.get("attachments") or [] if isinstance(a, dict)]
    if any(attachments):
        meta["attachments"] = [a for a in attachments if a]
    if isinstance(msg.get("edited"), dict):
        meta["edited"] = True
    return meta


def _first_words(text: str) -> str:
    words = text.split()
    head = " ".join(words[:TITLE_WORDS])
    return head + ("…" if len(words) > TITLE_WORDS else "")

"""Speakers of recorded calls: reps' voiceprints, and naming a diarized speaker.

A voiceprint is enrolled for internal people only (they can consent); the latest one per email
is in force. Naming a speaker never changes a stored row: it appends a new transcript of the
call, the current one with that speaker's words given to the named person, and views use the
newest transcript (the settings record who named whom).
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from .config import Config
from .errors import BadInput, DealtapeError
from .records import Conversation, Participant, Rendering, Source, Utterance, normalise_name
from .store import Store

ENCODER = "resemblyzer-ge2e"
ENROL_MAX_S = 300.0  # the first five minutes of an enrolment recording are plenty


@dataclass(frozen=True)
class Enrolment:
    email: str
    speech_s: float


@dataclass(frozen=True)
class Named:
    conversation_id: str
    label: str
    person: str
    utterances: int


def voiceprints(store: Store) -> dict[str, tuple[str | None, np.ndarray]]:
    """Enrolled reps: email -> (a name they are known by, unit embedding); the latest enrolment wins."""
    rows = store.con.execute("""
        SELECT v.email, arg_max(v.embedding, v.enrolled_at),
               (SELECT any_value(p.name) FROM raw.participants p WHERE p.email = v.email AND p.name IS NOT NULL)
        FROM raw.voiceprints v WHERE v.model = ? GROUP BY v.email""", [ENCODER]).fetchall()
    return {email: (name, np.asarray(vector, dtype=np.float32)) for email, vector, name in rows}


def enroll(store: Store, config: Config, email: str, path: Path, who: str) -> Enrolment:
    """Store a rep's voiceprint from a recording of them speaking (at least a few seconds)."""
    from ..extract.diarize import voiceprint
    from ..extract.recording import read_all
    from ..ingest.audio import fingerprint

    email = email.strip().lower()
    domain = email.rsplit("@", 1)[1] if "@" in email else ""
    if not domain:
        raise DealtapeError(f"{email!r} is not an email address")
    if domain not in config.team.internal_domains:
        raise DealtapeError(f"{email} is not one of us: only people of the internal domains "
                            f"({', '.join(config.team.internal_domains) or 'none configured'}) can enrol a voice",
                            hint="voiceprints are for your own team, who can consent; set [team] internal_domains")
    try:
        sha, _, _ = fingerprint(path)
        samples = read_all(path, max_s=ENROL_MAX_S)[0]
        vector, speech_s = voiceprint(samples)
    except (BadInput, ValueError) as exc:
        raise BadInput(f"{path}: {exc}") from None
    store.con.execute("INSERT INTO raw.voiceprints VALUES (?, ?, ?, ?, ?, ?, ?, ?)", [
        email, vector.astype(float).tolist(), ENCODER, round(speech_s, 2), sha, str(path), who,
        datetime.now(timezone.utc)])
    return Enrolment(email, speech_s)


def name_speaker(store: Store, conversation: str, label: str, person: str, who: str) -> Named:
    """Give a diarized speaker of a call ("Speaker 2") to a person (an email, or a name known in
    the call or elsewhere), as a new transcript of the call."""
    from .crm import resolve_conversation

    conversation_id = resolve_conversation(store, conversation)
    current = store.query("""
        SELECT t.transcript_id, t.engine, t.model, t.version, t.config, c.kind, c.thread_key
        FROM raw.transcripts t JOIN raw.conversations c USING (conversation_id)
        WHERE t.conversation_id = ? ORDER BY t.created_at DESC LIMIT 1""", [conversation_id]).to_dicts()
    config = json.loads(current[0]["config"]) if current and current[0]["config"] else {}
    if "settings" not in config:
        raise DealtapeError(f"conversation {conversation_id} is not a recording: its speakers come from its source")
    current = current[0]
    said = store.query("""
        SELECT u.speaker AS label, p.identity, p.name, p.email, p.side_hint, u.kind, u.start_s, u.end_s, u.text,
               u.meta, s.source_id, s.kind AS source_kind, s.uri, s.size_bytes
        FROM raw.utterances u LEFT JOIN raw.participants p USING (participant_id)
        JOIN raw.sources s ON s.source_id = u.source_id
        WHERE u.transcript_id = ? ORDER BY u.seq""", [current["transcript_id"]]).to_dicts()
    key = normalise_name(label)
    renamed = [key in {normalise_name(u["label"] or ""), normalise_name(u["name"] or ""), u["identity"]} for u in said]
    if not any(renamed):
        speakers = sorted({u["name"] or u["email"] or u["label"] for u in said if u["name"] or u["email"] or u["label"]})
        raise DealtapeError(f"no speaker {label!r} in conversation {conversation_id}",
                            hint=f"its speakers: {', '.join(speakers)}")
    target = _person(store, conversation_id, person)
    people = {u["identity"]: Participant(u["name"], u["email"], u["side_hint"]) for u in said if u["identity"]}
    people[target.identity] = target
    utterances = [Utterance(text=u["text"], speaker=target.identity if named else u["identity"],
                            speaker_label=u["label"], kind=u["kind"], start_s=u["start_s"], end_s=u["end_s"],
                            meta=json.loads(u["meta"]) if u["meta"] else {})
                  for u, named in zip(said, renamed)]
    said_as = said[renamed.index(True)]["label"]
    settings = {**config["settings"], "speaker_names": {**config["settings"].get("speaker_names", {}),
                                                         said_as: target.identity}}
    details = {k: v for k, v in config.items() if k not in ("key", "settings")}
    details["named"] = {"label": said_as, "person": target.identity, "by": who}
    first = said[0]
    record = Conversation(current["kind"], current["thread_key"],
                          Source(first["source_kind"], first["uri"], None, first["source_id"], first["size_bytes"]),
                          participants=list(people.values()), utterances=utterances, engine=current["engine"],
                          rendering=Rendering(current["engine"], current["model"], current["version"], settings,
                                              details))
    run_id = store.begin_run("name-speaker")
    written = store.write([record], run_id)
    store.finish_run(run_id, "ok", written.new, written.duplicate, 0)
    return Named(conversation_id, said_as, target.name or target.identity, sum(renamed))


def _person(store: Store, conversation_id: str, ref: str) -> Participant:
    """A person from an email or a name: the call's participants first, then everyone known."""
    ref = " ".join(ref.split())
    if "@" in ref:
        name = store.scalar("SELECT any_value(name) FROM raw.participants WHERE email = ? AND name IS NOT NULL",
                            [ref.lower()])
        return Participant(name=name, email=ref.lower())
    key = normalise_name(ref)
    for scope, params in (("conversation_id = ? AND", [conversation_id]), ("", [])):
        found = store.con.execute(f"""
            SELECT DISTINCT name, email FROM raw.participants
            WHERE {scope} email IS NOT NULL AND (lower(name) = ? OR split_part(lower(name), ' ', 1) = ?)""",
                                  [*params, key, key]).fetchall()
        if len(found) == 1:
            return Participant(name=found[0][0], email=found[0][1])
        if len(found) > 1:
            raise DealtapeError(f"{ref!r} could be {', '.join(e for _, e in found)}; give the email")
    return Participant(name=ref)


def rttm(store: Store, conversation: str) -> str:
    """The current transcript's speaker turns as RTTM: one line per utterance, speakers by email
    or label (spaces as underscores, as RTTM fields cannot hold them)."""
    from pyannote.core import Annotation, Segment

    from .crm import resolve_conversation

    conversation_id = resolve_conversation(store, conversation)
    rows = store.con.execute("""
        SELECT start_s, end_s, coalesce(email, speaker) FROM timeline
        WHERE conversation_id = ? AND start_s IS NOT NULL AND end_s > start_s ORDER BY position""",
                             [conversation_id]).fetchall()
    if not rows:
        raise DealtapeError(f"conversation {conversation_id} has no timed speech (RTTM is for recorded calls)")
    annotation = Annotation(uri=conversation_id)
    for start, end, speaker in rows:
        annotation[Segment(start, end)] = "_".join((speaker or "unknown").split())
    out = io.StringIO()
    annotation.write_rttm(out)
    return out.getvalue()

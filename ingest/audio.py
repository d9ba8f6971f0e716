"""Recorded calls and voice notes: wav, flac, mp3, m4a/aac, ogg/opus, webm and the audio of mp4.

Each file is one conversation, transcribed by faster-whisper and diarized (extract/asr.py,
extract/diarize.py) in chunks, so an hour-long call runs in bounded memory. The sidecar
``X.json`` is the one call transcripts take (ingest/transcripts.py)::

    {"title", "started_at", "participants": [{"name", "email"}], "deal", "channel_map": {"0": email}}

Without one, the conversation starts at the recording's date tag or the file's mtime and the
speakers stay "Speaker 1", "Speaker 2"… until `dealtape review name-speaker` names them. A voice
note is a call with one internal speaker: `--kind voice-note`, or a sidecar with one participant.

Who is who: stereo channels follow the sidecar's `channel_map` (else channel 0 is our side); a
speaker who sounds like an enrolled rep (`dealtape reps enroll`) is that rep; the speakers left
map to the sidecar's people left when that is unambiguous (one and one, or as many speakers as
external participants, in order of first speech).

The audio is not copied into the database: the source row keeps its sha256 and path. The same
bytes with the same settings add nothing (not even a transcription); other [asr] or
[diarization] settings add a new transcript of the same conversation.
"""

from __future__ import annotations

import hashlib
import logging
import re
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterator

import numpy as np

from ..models.config import Config
from ..models.errors import BadInput
from ..models.records import Conversation, Participant, Rejected, Rendering, Source, Utterance
from .base import SourceItem, sidecar_path
from .transcripts import _read_sidecar as read_sidecar
from .transcripts import _Roster as Roster

log = logging.getLogger(__name__)

SUFFIXES = frozenset({".wav", ".wave", ".flac", ".mp3", ".m4a", ".aac", ".ogg", ".oga", ".opus", ".webm", ".weba",
                      ".mp4", ".mka"})
ENGINE = "faster-whisper"
MAX_PAUSE_S = 1.5        # a longer silence inside one speaker's words starts a new utterance
MAX_UTTERANCE_S = 45.0   # past this, an utterance ends at the next sentence end
SAME_CHANNELS = 1e-3     # left-right difference energy below this share of the signal: fake stereo
HASH_BLOCK = 1 << 20
LOG_EVERY_S = 30


@dataclass
class _Plan:
    """What one file is and how to treat it."""

    voice_note: bool
    stereo: bool = False


class AudioIngestor:
    name = "audio"
    version = "1"
    natural_key = "SHA-256 of the audio bytes (with the [asr] and [diarization] settings)"
    description = "recorded calls (wav, flac, mp3, m4a/aac, ogg/opus, webm, mp4): transcribed and diarized"
    voice_note = False

    def __init__(self):
        self.store = None
        self.config = Config()
        self.progress: Callable[[float], None] | None = None

    def bind(self, store, config: Config, progress: Callable[[float], None] | None = None) -> None:
        """The store (enrolled voices, renderings already made), the settings and a progress callback
        taking the share of the current file done."""
        self.store, self.config, self.progress = store, config, progress

    def detect(self, path: Path) -> bool:
        return path.is_file() and path.suffix.lower() in SUFFIXES

    def discover(self, path: Path) -> Iterator[SourceItem]:
        if path.suffix.lower() == ".json" and any(path.with_suffix(s).exists() for s in SUFFIXES):
            return  # a recording's sidecar (when a folder is forced to this kind)
        yield SourceItem(uri=str(path), path=path, kind=self.name)

    def sidecar(self, path: Path) -> Path:
        return sidecar_path(path)

    def read(self, item: SourceItem) -> Iterator[Conversation | Rejected]:
        try:
            yield self._conversation(item)
        except BadInput as exc:
            yield Rejected(item.uri, self.name, str(exc))

    def _conversation(self, item: SourceItem) -> Conversation:
        from ..extract.asr import AsrOptions
        from ..extract.diarize import DiarizationOptions
        from ..extract.recording import probe

        sha, size, mtime = fingerprint(item.path)
        sidecar = read_sidecar(self.sidecar(item.path))
        if sidecar and sidecar.channel_map and not all(str(k).isdigit() for k in sidecar.channel_map):
            raise BadInput("sidecar: 'channel_map' keys must be channel numbers (\"0\", \"1\")")
        asr, diarization = AsrOptions.from_config(self.config), DiarizationOptions.from_config(self.config)
        plan = _Plan(voice_note=self.voice_note or bool(sidecar and len(sidecar.participants) == 1))
        settings = {"asr": asr.rendering(), "diarization": diarization.rendering(), "voice_note": plan.voice_note}
        thread_key = f"audio:{sha}"
        kind = "voice_note" if plan.voice_note else "call"
        rendering = Rendering(ENGINE, asr.model, _engine_version(), settings)
        if self.store is not None and self.store.has_rendering(thread_key, sha, rendering):
            # stored already: the store counts it as a duplicate, and nothing is transcribed again
            return Conversation(kind, thread_key, Source(self.name, item.uri, None, sha, size), rendering=rendering)

        info = probe(item.path)
        roster = Roster(sidecar.participants if sidecar else [])
        prints = self._voiceprints()
        words, diarized, details = self._transcribe(item, info, plan, asr, diarization, sidecar, roster,
                                                    embed=bool(prints))
        who, how = _identify([label for label, _, _ in words], diarized, plan, roster, self.config,
                             diarization.rep_similarity, prints, sidecar.channel_map if sidecar else None)
        utterances = _utterances(words, who)
        if not utterances:
            raise BadInput(f"no speech found in {info.duration_s or 0:.0f} s of audio")
        audio = {"duration_s": info.duration_s, "channels": info.channels, "codec": info.codec,
                 "container": info.container, "sample_rate": info.sample_rate, "layout": details["layout"]}
        people = {p.identity: p for p in [*roster.participants, *who.values()]}
        started_at = (sidecar and sidecar.started_at) or info.recorded_at or datetime.fromtimestamp(mtime, timezone.utc)
        source_meta = {"audio": audio, **({"sidecar": sidecar.raw} if sidecar else {})}
        return Conversation(
            kind, thread_key, Source(self.name, item.uri, None, sha, size, source_meta),
            title=(sidecar and sidecar.title) or re.sub(r"[_-]+", " ", item.path.stem).strip() or None,
            started_at=started_at,
            deal=sidecar.deal if sidecar else None,
            participants=list(people.values()),
            utterances=utterances,
            engine=ENGINE,
            meta={"channel_map": sidecar.channel_map} if sidecar and sidecar.channel_map else {},
            rendering=Rendering(ENGINE, asr.model, rendering.version, settings, {**details, "speakers": how}))

    def _transcribe(self, item: SourceItem, info, plan: _Plan, asr, diarization, sidecar, roster: Roster,
                    embed: bool):
        """(speaker label, channel, word) in order, the diarization, and what to record about the run:
        decoded, transcribed and diarized chunk by chunk (stereo channels one by one, else the down-mix)."""
        from ..extract.asr import Transcriber, vocabulary_prompt
        from ..extract.diarize import diarizer
        from ..extract.recording import chunks

        transcriber = Transcriber(asr)
        prompt = vocabulary_prompt(self._vocabulary(asr, roster)) if asr.prompt else None
        embed = embed and not (sidecar and sidecar.channel_map)  # voices to compare with enrolled reps
        words: list[tuple[int, object]] = []  # (channel, Word)
        dropped: dict[str, int] = {}
        clock = _Clock(info.duration_s, self.progress, item.uri)
        speakers = None
        for chunk in chunks(item.path, asr.chunk_s, channels=2 if info.channels == 2 else 1):
            if speakers is None:
                plan.stereo = info.channels == 2 and not plan.voice_note and not _same_channels(chunk.samples)
                speakers = diarizer(diarization, stereo=plan.stereo, embed=embed)
            streams = list(enumerate(chunk.samples)) if plan.stereo else [(0, chunk.mono())]
            for channel, samples in streams:
                with clock.stage("asr"):
                    result = transcriber.transcribe(samples, chunk.start_s, prompt, progress=lambda s: clock.at(
                        chunk.start_s + (channel * chunk.duration_s + s) / len(streams)))
                words += [(channel, w) for w in result.words]
                for reason, n in result.dropped.items():
                    dropped[reason] = dropped.get(reason, 0) + n
            with clock.stage("diarization"):
                speakers.add(chunk.samples if plan.stereo else chunk.mono()[None], chunk.start_s)
            clock.at(chunk.start_s + chunk.duration_s)
        asked = _speaker_count(plan, sidecar)
        with clock.stage("diarization"):
            diarized = speakers.finish(num_speakers=asked, min_speakers=1 if plan.voice_note else 2)
        labels = _word_speakers(words, diarized, plan.stereo)
        layout = "stereo" if plan.stereo else "mono" if info.channels == 1 else "mono (channels alike)"
        details = {"prompt": prompt, "dropped_segments": dropped, "seconds": clock.seconds, "layout": layout,
                   "speakers_asked": asked}
        return [(label, channel, w) for label, (channel, w) in zip(labels, words)], diarized, details

    def _vocabulary(self, asr, roster: Roster) -> list[str]:
        """Names worth spelling right: the call's people and accounts, our products, the competitors."""
        accounts = self.config.accounts.names
        people = [p.name for p in roster.participants if p.name]
        companies = [accounts[p.domain] for p in roster.participants if p.domain in accounts]
        competitors = [n for name, aliases in (self.config.raw.get("competitors") or {}).items()
                       for n in (name, *(aliases if isinstance(aliases, list) else []))]
        return [*people, *companies, *asr.vocabulary, *competitors]

    def _voiceprints(self) -> dict:
        if self.store is None:
            return {}
        from ..models.speakers import voiceprints

        return voiceprints(self.store)


class VoiceNoteIngestor(AudioIngestor):
    """`--kind voice-note`: a recording with one (internal) speaker."""

    name = "voice-note"
    description = "a voice note: a recording with one internal speaker (only with --kind voice-note)"
    voice_note = True

    def detect(self, path: Path) -> bool:
        return False  # only by --kind voice-note; a sidecar with one participant also makes one


class _Clock:
    """Progress through one recording: the share done, an ETA in the log, seconds per stage."""

    def __init__(self, duration_s: float | None, progress: Callable[[float], None] | None, uri: str):
        self.duration_s, self.progress, self.uri = duration_s, progress, uri
        self.started = self.logged = time.perf_counter()
        self.seconds: dict[str, float] = {}

    @contextmanager
    def stage(self, name: str):
        started = time.perf_counter()
        yield
        self.seconds[name] = round(self.seconds.get(name, 0.0) + time.perf_counter() - started, 3)

    def at(self, audio_s: float) -> None:
        if not self.duration_s:
            return
        share = min(1.0, audio_s / self.duration_s)
        if self.progress:
            self.progress(share)
        now = time.perf_counter()
        if share > 0 and now - self.logged >= LOG_EVERY_S:
            self.logged = now
            left = (now - self.started) * (1 - share) / share
            log.info("%s: %.0f%% of %.0f min done, about %.0f min left", self.uri, 100 * share,
                     self.duration_s / 60, left / 60)


def fingerprint(path: Path) -> tuple[str, int, float]:
    """sha256, size and mtime of a file, read in blocks (the audio is never held whole)."""
    digest, size = hashlib.sha256(), 0
    try:
        with path.open("rb") as fh:
            while block := fh.read(HASH_BLOCK):
                digest.update(block)
                size += len(block)
        mtime = path.stat().st_mtime
    except OSError as exc:
        raise BadInput(f"cannot read the file ({exc.strerror})") from None
    if size == 0:
        raise BadInput("empty file")
    return digest.hexdigest(), size, mtime


def _engine_version() -> str:
    from faster_whisper import __version__

    return __version__


def _same_channels(samples: np.ndarray) -> bool:
    """True for a stereo file whose channels carry the same signal, or one of them nothing."""
    left, right = samples[0].astype(np.float64), samples[1].astype(np.float64)
    energy = np.mean(left ** 2) + np.mean(right ** 2)
    if energy == 0:
        return True
    one_sided = min(np.mean(left ** 2), np.mean(right ** 2)) < SAME_CHANNELS * energy
    return bool(np.mean((left - right) ** 2) < SAME_CHANNELS * energy or one_sided)


def _speaker_count(plan: _Plan, sidecar) -> int | None:
    if plan.voice_note:
        return 1
    if plan.stereo:
        return None
    return len(sidecar.participants) if sidecar and len(sidecar.participants) >= 2 else None


def _word_speakers(words: list, diarized, stereo: bool) -> list[str | None]:
    """Each word's speaker label: its channel's in stereo, else the diarization's per word."""
    if stereo:
        return [f"Speaker {channel + 1}" for channel, _ in words]
    from ..extract.diarize import assign_words

    return assign_words([(w.start, w.end) for _, w in words], diarized.annotation)


def _identify(spoken: list[str | None], diarized, plan: _Plan, roster: Roster, config: Config, threshold: float,
              prints: dict, channel_map: dict | None) -> tuple[dict[str, Participant], dict[str, dict]]:
    """Speaker label -> participant for the labels that said something, and how each was decided."""
    from ..extract.diarize import match_voiceprints

    labels = list(dict.fromkeys(label for label in spoken if label))  # in order of first word
    who: dict[str, Participant] = {}
    how: dict[str, str] = {}

    def settle(label: str, person: Participant, reason: str) -> None:
        who[label], how[label] = person, reason

    def unsettled() -> list[str]:
        return [label for label in labels if label not in who]

    for channel, person in (channel_map or {}).items() if plan.stereo else ():
        if f"Speaker {int(channel) + 1}" in labels:
            settle(f"Speaker {int(channel) + 1}", roster.speaker(person), "channel_map")
    taken = {p.identity for p in who.values()}
    centroids = {label: diarized.centroids[label] for label in unsettled() if label in diarized.centroids}
    enrolled = {email: vector for email, (_, vector) in prints.items() if email not in taken}
    for label, email in match_voiceprints(centroids, enrolled, threshold).items():
        settle(label, roster.match(email) or Participant(name=prints[email][0], email=email), "voiceprint")

    taken = {p.identity for p in who.values()}
    left = [p for p in roster.participants if p.identity not in taken]
    ours = [p for p in left if p.domain in config.team.internal_domains]
    theirs = [p for p in left if p not in ours]
    rest = unsettled()
    if plan.stereo:  # channel 0 is our side, channel 1 theirs
        for label, side in (("Speaker 1", ours), ("Speaker 2", theirs)):
            if label in rest and len(side) == 1:
                settle(label, side[0], "channel side")
    elif len(rest) == len(left) == 1:
        settle(rest[0], left[0], "sidecar")
    elif rest and len(rest) == len(theirs):
        for label, person in zip(rest, theirs):
            settle(label, person, "sidecar order" if len(theirs) > 1 else "sidecar")
    for label in unsettled():
        side = ("internal" if plan.voice_note or (plan.stereo and label == "Speaker 1")
                else "external" if plan.stereo else None)
        settle(label, Participant(name=label, side_hint=side), "unnamed")
    return who, {label: {"identity": who[label].identity, "by": how[label]} for label in labels}


def _utterances(words: list, who: dict[str, Participant]) -> list[Utterance]:
    """Words grouped into utterances: one speaker, no long pause, ending at a sentence once long;
    in stereo each channel is grouped on its own, then both are merged by time."""
    runs: list[list] = []
    open_run: dict[int, list] = {}
    for label, channel, word in words:
        run = open_run.get(channel)
        if run and (run[-1][0] != label or word.start - run[-1][2].end > MAX_PAUSE_S
                    or (word.start - run[0][2].start > MAX_UTTERANCE_S and _ends_sentence(run[-1][2].text))):
            run = None
        if run is None:
            run = open_run[channel] = []
            runs.append(run)
        run.append((label, channel, word))
    stereo = len(open_run) > 1
    out = []
    for run in sorted(runs, key=lambda r: r[0][2].start):
        label, channel, _ = run[0]
        text = "".join(w.text for _, _, w in run).strip()
        if not text:
            continue
        person = who.get(label)
        flags = sorted({f for _, _, w in run for f in w.flags})
        meta = {"confidence": round(float(np.mean([w.probability for _, _, w in run])), 3)}
        if stereo:
            meta["channel"] = channel
        if flags:
            meta["asr_flags"] = flags
        out.append(Utterance(text=text, speaker=person.identity if person else None, speaker_label=label,
                             kind="speech", start_s=run[0][2].start, end_s=run[-1][2].end, meta=meta))
    return out


def _ends_sentence(word: str) -> bool:
    return word.rstrip().endswith((".", "?", "!"))

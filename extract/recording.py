"""Recordings decoded with PyAV (as faster-whisper does): a probe, then 16 kHz float chunks.

A chunk holds every channel, so a long file is read in bounded memory: at most one chunk
(`chunk_s` seconds) is decoded at a time, and each chunk ends at the quietest moment of its
last seconds so that no word is cut in two.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

import av
import numpy as np

from ..models.errors import BadInput

SAMPLE_RATE = 16_000
CUT_SEARCH_S = 5.0    # a chunk ends at the quietest 100 ms of its last seconds
CUT_FRAME_S = 0.1
DATE_TAGS = ("creation_time", "date", "DATE", "creation_date", "com.apple.quicktime.creationdate")


@dataclass(frozen=True)
class Probe:
    """What the container says about a recording."""

    duration_s: float | None
    channels: int
    sample_rate: int
    codec: str
    container: str
    recorded_at: datetime | None


@dataclass(frozen=True)
class Chunk:
    """`samples` is (channels, n) float32 at 16 kHz, starting `start_s` into the recording."""

    start_s: float
    samples: np.ndarray

    @property
    def duration_s(self) -> float:
        return self.samples.shape[1] / SAMPLE_RATE

    def mono(self) -> np.ndarray:
        return self.samples.mean(axis=0) if len(self.samples) > 1 else self.samples[0]


def _open(path: Path):
    try:
        container = av.open(str(path), metadata_errors="ignore")
    except (av.error.FFmpegError, OSError) as exc:
        if path.is_file() and path.stat().st_size == 0:
            raise BadInput("empty file") from None
        raise BadInput(f"not a readable audio file ({_reason(exc)})") from None
    if not container.streams.audio:
        container.close()
        raise BadInput("no audio track")
    return container


def _reason(exc: Exception) -> str:
    return getattr(exc, "strerror", None) or str(exc) or type(exc).__name__


def probe(path: Path) -> Probe:
    """Duration, channels and recording date from the container, without decoding."""
    with _open(path) as container:
        stream = container.streams.audio[0]
        if stream.duration is not None and stream.time_base:
            duration = float(stream.duration * stream.time_base)
        else:
            duration = container.duration / av.time_base if container.duration else None
        tags = {**container.metadata, **stream.metadata}
        return Probe(duration_s=duration, channels=len(stream.codec_context.layout.channels) or 1,
                     sample_rate=stream.rate, codec=stream.codec_context.name, container=container.format.name,
                     recorded_at=_recorded_at(tags))


def _recorded_at(tags: dict) -> datetime | None:
    for key in DATE_TAGS:
        value = tags.get(key)
        if not value:
            continue
        try:
            when = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            continue
        return when if when.tzinfo else when.replace(tzinfo=timezone.utc)
    return None


def chunks(path: Path, chunk_s: float, *, channels: int = 1) -> Iterator[Chunk]:
    """The recording as consecutive chunks of about `chunk_s` seconds with `channels` channels
    (1: a down-mix; 2: left and right). Frames that fail to decode are skipped, as faster-whisper
    does; a file with no decodable audio at all is BadInput."""
    layout = "stereo" if channels == 2 else "mono"
    resampler = av.AudioResampler(format="fltp", layout=layout, rate=SAMPLE_RATE)
    target = int(chunk_s * SAMPLE_RATE)
    buffered: list[np.ndarray] = []
    size, start, total = 0, 0, 0
    with _open(path) as container:
        for frame in itertools.chain(_frames(container), [None]):
            for resampled in resampler.resample(frame):
                block = resampled.to_ndarray().reshape(channels, -1)
                buffered.append(block)
                size += block.shape[1]
                total += block.shape[1]
            if size >= target + int(CUT_SEARCH_S * SAMPLE_RATE):
                samples = np.concatenate(buffered, axis=1)
                cut = _quiet_cut(samples, target)
                yield Chunk(start / SAMPLE_RATE, np.ascontiguousarray(samples[:, :cut]))
                start += cut
                buffered, size = [samples[:, cut:]], samples.shape[1] - cut
    if total == 0:
        raise BadInput("no decodable audio in the file")
    if size:
        yield Chunk(start / SAMPLE_RATE, np.ascontiguousarray(np.concatenate(buffered, axis=1)))


def _frames(container) -> Iterator:
    """Decoded frames; a corrupt packet is skipped (a truncated upload keeps what it has)."""
    frames = container.decode(audio=0)
    while True:
        try:
            frame = next(frames)
        except StopIteration:
            return
        except av.error.InvalidDataError:
            continue
        frame.pts = None  # the resampler checks timestamps; skipped packets would leave gaps
        yield frame


def _quiet_cut(samples: np.ndarray, target: int) -> int:
    """The sample index, at or after `target`, in the quietest 100 ms of the search span."""
    frame = int(CUT_FRAME_S * SAMPLE_RATE)
    span = samples.mean(axis=0)[target:target + int(CUT_SEARCH_S * SAMPLE_RATE)]
    usable = len(span) // frame * frame
    if usable == 0:
        return target
    energy = (span[:usable].reshape(-1, frame) ** 2).mean(axis=1)
    return target + int(np.argmin(energy)) * frame + frame // 2


def read_all(path: Path, *, channels: int = 1, max_s: float | None = None) -> np.ndarray:
    """The whole recording (or its first `max_s` seconds) as (channels, n): for short clips only."""
    parts, seconds = [], 0.0
    for chunk in chunks(path, max_s or 600.0, channels=channels):
        parts.append(chunk.samples)
        seconds += chunk.duration_s
        if max_s and seconds >= max_s:
            break
    samples = np.concatenate(parts, axis=1)
    return samples[:, :int(max_s * SAMPLE_RATE)] if max_s else samples

"""Who spoke when, as a `pyannote.core.Annotation` whatever the backend.

- Stereo (a dialer records one side per channel): one speaker per channel (`ChannelDiarizer`).
- Mono, the offline default (`EmbeddingDiarizer`): Silero VAD speech regions, cut into short
  overlapping windows, each embedded by resemblyzer's GE2E speaker encoder (all windows of a
  chunk in one batch), then spectral clustering; the number of speakers is given (a sidecar's
  participants) or estimated from the eigengap of the affinity's Laplacian.
- pyannote.audio (`PyannoteDiarizer`, optional): the user's pretrained pipeline, for a machine
  with a CUDA torch.

Every backend also returns a GE2E centroid per speaker, which is what enrolled reps' voiceprints
are compared with, and the words of a transcript get their speaker one by one (`assign_words`).
"""

from __future__ import annotations

import importlib.util
import logging
import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Protocol, Sequence

import numpy as np
from pyannote.core import Annotation, Segment

from ..models.config import Config
from ..models.errors import ConfigError
from .recording import SAMPLE_RATE

log = logging.getLogger(__name__)

BACKENDS = ("resemblyzer", "pyannote")
DIARIZATION_KEYS = ("backend", "pipeline", "window_s", "hop_s", "max_speakers", "rep_similarity")
DIARIZE_VERSION = "1"  # bump when the regions, windows or clustering below change
EMBED_DIM = 256
EMBED_BATCH = 32
MEL_BANDS, MEL_FFT, MEL_HOP = 40, 400, 160  # resemblyzer's mel front end: 25 ms windows, 10 ms steps
VOLUME_DBFS = -30.0   # resemblyzer raises quiet audio to this level before embedding
FRAME_S = MEL_HOP / SAMPLE_RATE
AFFINITY_POWER = 4    # sharpens cosine affinities before the Laplacian's eigengap is read
MAX_CLUSTERED = 1500  # windows clustered at once; the others join the nearest speaker
KMEANS_ITERATIONS = 100
MIN_WINDOWS_PER_SPEAKER = 5  # about 4 s of speech: less is not counted as a speaker of its own
MIN_VOICEPRINT_SPEECH_S = 4.0
MAX_REGION_S = 30.0  # longer speech is split, so a region's frame-by-window scores stay small


@dataclass(frozen=True)
class DiarizationOptions:
    """[diarization] in dealtape.toml."""

    backend: str = "resemblyzer"   # or "pyannote" (optional extra; HF_TOKEN for hub pipelines)
    pipeline: str = "pyannote/speaker-diarization-community-1"  # pyannote: hub id or local path
    window_s: float = 1.5
    hop_s: float = 0.75
    max_speakers: int = 8
    rep_similarity: float = 0.75   # cosine between a speaker and an enrolled voiceprint to call it that rep

    def rendering(self) -> dict:
        """The settings that change who is said to speak when."""
        if self.backend == "pyannote":
            return {"backend": "pyannote", "pipeline": self.pipeline}
        return {"backend": self.backend, "window_s": self.window_s, "hop_s": self.hop_s,
                "max_speakers": self.max_speakers, "version": DIARIZE_VERSION}

    @classmethod
    def from_config(cls, config: Config) -> "DiarizationOptions":
        raw, where = config.raw.get("diarization") or {}, f"{config.path or 'config'}: [diarization]"
        unknown = sorted(set(raw) - set(DIARIZATION_KEYS))
        if unknown:
            raise ConfigError(f"{where} has unknown key(s) {', '.join(unknown)}; "
                              f"the keys are {', '.join(DIARIZATION_KEYS)}")
        options = cls(**raw)
        if options.backend not in BACKENDS:
            raise ConfigError(f"{where} backend must be one of {', '.join(BACKENDS)}, not {options.backend!r}")
        numbers = (options.window_s, options.hop_s, options.max_speakers, options.rep_similarity)
        if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in numbers) or not (
                0 < options.hop_s <= options.window_s <= 10 and options.max_speakers >= 1
                and 0 < options.rep_similarity <= 1):
            raise ConfigError(f"{where} needs 0 < hop_s <= window_s <= 10, max_speakers >= 1 and "
                              "rep_similarity in (0, 1]")
        if not isinstance(options.pipeline, str):
            raise ConfigError(f"{where} pipeline must be a hub id or a local path")
        return options


@dataclass
class Diarization:
    """Who spoke when, with each speaker's GE2E centroid (unit length) where there was speech."""

    annotation: Annotation
    centroids: dict[str, np.ndarray] = field(default_factory=dict)


class Diarizer(Protocol):
    def add(self, samples: np.ndarray, start_s: float) -> None:
        """Take the next chunk: (channels, n) float32 at 16 kHz, `start_s` into the recording."""

    def finish(self, num_speakers: int | None = None, min_speakers: int = 1) -> Diarization:
        """Who spoke when over everything added."""


# ---- the speaker encoder ----------------------------------------------------------------


class SpeakerEncoder:
    """resemblyzer's GE2E encoder (3-layer LSTM, 256-d unit embeddings) with a numpy mel front end.

    The weights are the ones the resemblyzer package ships; importing that package is avoided
    because it pulls in librosa (seconds of numba compilation) and webrtcvad for nothing here.
    """

    def __init__(self):
        import torch

        spec = importlib.util.find_spec("resemblyzer")
        if spec is None or not spec.submodule_search_locations:
            raise ConfigError("the speaker encoder needs the package resemblyzer", hint="pip install resemblyzer")
        weights = Path(spec.submodule_search_locations[0]) / "pretrained.pt"
        self.lstm = torch.nn.LSTM(MEL_BANDS, EMBED_DIM, 3, batch_first=True)
        self.linear = torch.nn.Linear(EMBED_DIM, EMBED_DIM)
        state = torch.load(weights, map_location="cpu")["model_state"]
        self.lstm.load_state_dict({k[5:]: v for k, v in state.items() if k.startswith("lstm.")})
        self.linear.load_state_dict({k[7:]: v for k, v in state.items() if k.startswith("linear.")})
        self.lstm.eval()
        self._torch = torch

    def embed(self, clips: np.ndarray) -> np.ndarray:
        """(n, samples) equal-length clips -> (n, 256) unit embeddings, in batches of EMBED_BATCH
        (the last one padded: one tensor shape, so the LSTM's kernels are set up once)."""
        torch = self._torch
        out = []
        for at in range(0, len(clips), EMBED_BATCH):
            batch = clips[at:at + EMBED_BATCH]
            mels = np.zeros((EMBED_BATCH, batch.shape[1] // MEL_HOP + 1, MEL_BANDS), np.float32)
            mels[:len(batch)] = mel_spectrogram(_louder(batch))
            with torch.inference_mode():
                _, (hidden, _) = self.lstm(torch.from_numpy(mels))
                raw = torch.relu(self.linear(hidden[-1][:len(batch)]))
            out.append((raw / raw.norm(dim=1, keepdim=True).clamp_min(1e-9)).numpy())
        return np.concatenate(out) if out else np.zeros((0, EMBED_DIM), np.float32)


@lru_cache(maxsize=1)
def speaker_encoder() -> SpeakerEncoder:
    return SpeakerEncoder()


@lru_cache(maxsize=1)
def _mel_filters() -> np.ndarray:
    """Slaney-style mel filters as librosa builds them (htk=False, norm='slaney')."""
    def to_mel(hz):
        hz = np.asanyarray(hz, dtype=float)
        return np.where(hz >= 1000, 15 + np.log(np.maximum(hz, 1000) / 1000) / (np.log(6.4) / 27), hz * 3 / 200)

    def to_hz(mel):
        return np.where(mel >= 15, 1000 * np.exp(np.log(6.4) / 27 * (mel - 15)), mel * 200 / 3)

    fft_hz = np.fft.rfftfreq(MEL_FFT, 1 / SAMPLE_RATE)
    edges = to_hz(np.linspace(to_mel(0), to_mel(SAMPLE_RATE / 2), MEL_BANDS + 2))
    ramps = edges[:, None] - fft_hz[None, :]
    widths = np.diff(edges)
    weights = np.maximum(0, np.minimum(-ramps[:-2] / widths[:-1, None], ramps[2:] / widths[1:, None]))
    return (weights * (2 / (edges[2:] - edges[:-2]))[:, None]).astype(np.float32)


def mel_spectrogram(clips: np.ndarray) -> np.ndarray:
    """(clips, frames, 40) power mel spectrograms of (clips, samples), the encoder's input
    (librosa's melspectrogram: centred, periodic Hann window, Slaney mel filters)."""
    padded = np.pad(clips, ((0, 0), (MEL_FFT // 2, MEL_FFT // 2)))
    frames = np.lib.stride_tricks.sliding_window_view(padded, MEL_FFT, axis=1)[:, ::MEL_HOP]
    window = np.hanning(MEL_FFT + 1)[:-1].astype(np.float32)
    power = np.abs(np.fft.rfft(frames * window, axis=2)) ** 2
    return (power @ _mel_filters().T).astype(np.float32)


def _louder(clips: np.ndarray) -> np.ndarray:
    """Quiet clips raised to resemblyzer's level (never lowered), each on its own."""
    rms = np.sqrt(np.mean(clips ** 2, axis=1, keepdims=True))
    gain = 10 ** ((VOLUME_DBFS - 20 * np.log10(np.maximum(rms, 1e-9))) / 20)
    return clips * np.maximum(gain, 1.0)


# ---- speech regions and windows ------------------------------------------------------------


def speech_regions(samples: np.ndarray, start_s: float = 0.0) -> list[tuple[float, float]]:
    """Where there is speech in mono 16 kHz `samples` (Silero VAD, as faster-whisper ships it)."""
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    found = get_speech_timestamps(samples, VadOptions(min_silence_duration_ms=100, speech_pad_ms=30,
                                                      max_speech_duration_s=MAX_REGION_S))
    return [(start_s + r["start"] / SAMPLE_RATE, start_s + r["end"] / SAMPLE_RATE) for r in found]


def windows(regions: Sequence[tuple[float, float]], window_s: float, hop_s: float) -> list[tuple[float, float]]:
    """Windows of `window_s` every `hop_s` inside each region; a short region is one window."""
    out = []
    for start, end in regions:
        if end - start <= window_s:
            out.append((start, end))
            continue
        at = start
        while at + window_s < end:
            out.append((at, at + window_s))
            at += hop_s
        out.append((end - window_s, end))
    return out


def _clips(samples: np.ndarray, start_s: float, spans: Sequence[tuple[float, float]], window_s: float) -> np.ndarray:
    """Equal-length clips of the spans (a short span is repeated to fill its clip)."""
    size = int(window_s * SAMPLE_RATE)
    clips = np.zeros((len(spans), size), np.float32)
    for i, (a, b) in enumerate(spans):
        piece = samples[int((a - start_s) * SAMPLE_RATE):int((b - start_s) * SAMPLE_RATE)]
        if len(piece):
            clips[i] = np.resize(piece, size)
    return clips


def voiceprint(samples: np.ndarray, window_s: float = 1.5, hop_s: float = 0.75) -> tuple[np.ndarray, float]:
    """A speaker's GE2E embedding from mono speech, and the seconds of speech it rests on."""
    regions = speech_regions(samples)
    speech_s = sum(b - a for a, b in regions)
    if speech_s < MIN_VOICEPRINT_SPEECH_S:
        raise ValueError(f"only {speech_s:.1f} s of speech; a voiceprint needs at least "
                         f"{MIN_VOICEPRINT_SPEECH_S:.0f} s")
    spans = windows(regions, window_s, hop_s)
    return _unit(speaker_encoder().embed(_clips(samples, 0.0, spans, window_s)).mean(axis=0)), speech_s


def _unit(vector: np.ndarray) -> np.ndarray:
    return vector / max(float(np.linalg.norm(vector)), 1e-9)


# ---- backends ------------------------------------------------------------------------------


class EmbeddingDiarizer:
    """Mono: VAD regions -> GE2E window embeddings -> spectral clustering -> speaker turns."""

    def __init__(self, options: DiarizationOptions, encoder: SpeakerEncoder | None = None):
        self.options = options
        self.encoder = encoder or speaker_encoder()
        self.regions: list[tuple[float, float]] = []
        self.spans: list[tuple[float, float]] = []
        self.region_of: list[int] = []  # each window's region
        self.embeddings: list[np.ndarray] = []

    def add(self, samples: np.ndarray, start_s: float) -> None:
        mono = samples.mean(axis=0) if samples.ndim == 2 else samples
        spans = []
        for region in speech_regions(mono, start_s):
            mine = windows([region], self.options.window_s, self.options.hop_s)
            self.region_of += [len(self.regions)] * len(mine)
            self.regions.append(region)
            spans += mine
        self.spans += spans
        self.embeddings.append(self.encoder.embed(_clips(mono, start_s, spans, self.options.window_s)))

    def finish(self, num_speakers: int | None = None, min_speakers: int = 1) -> Diarization:
        if not self.spans:
            return Diarization(Annotation())
        embeddings = np.concatenate(self.embeddings)
        k = num_speakers or estimate_speakers(embeddings, min_speakers, self.options.max_speakers)
        labels = cluster(embeddings, min(k, len(embeddings)))
        centroids = np.stack([_unit(embeddings[labels == j].mean(axis=0)) for j in range(labels.max() + 1)])
        annotation = self._turns(embeddings @ centroids.T)
        names = _speaker_names(annotation)
        return Diarization(annotation.rename_labels(names),
                           {names[j]: centroids[j] for j in range(len(centroids)) if j in names})

    def _turns(self, scores: np.ndarray) -> Annotation:
        """Each 10 ms of each region goes to the speaker its covering windows resemble most."""
        annotation = Annotation()
        spans = np.array(self.spans)
        region_of = np.array(self.region_of)
        for r, (start, end) in enumerate(self.regions):
            mine = np.flatnonzero(region_of == r)
            times = np.arange(start, end, FRAME_S) + FRAME_S / 2
            covers = (spans[mine, 0][None, :] <= times[:, None]) & (spans[mine, 1][None, :] > times[:, None])
            who = np.argmax(covers.astype(np.float32) @ scores[mine], axis=1)
            changes = np.flatnonzero(np.diff(who)) + 1
            for a, b in zip(np.r_[0, changes], np.r_[changes, len(who)]):
                annotation[Segment(start + a * FRAME_S, min(end, start + b * FRAME_S))] = int(who[a])
        return annotation


class ChannelDiarizer:
    """Stereo: one speaker per channel, channel 0 named "Speaker 1", channel 1 "Speaker 2"."""

    def __init__(self, options: DiarizationOptions, encoder: SpeakerEncoder | None = None, embed: bool = True):
        self.options = options
        self.encoder = (encoder or speaker_encoder()) if embed else None
        self.annotation = Annotation()
        self.embeddings: dict[str, list[np.ndarray]] = {}

    def add(self, samples: np.ndarray, start_s: float) -> None:
        for channel, mono in enumerate(samples):
            label = f"Speaker {channel + 1}"
            regions = speech_regions(mono, start_s)
            for a, b in regions:
                self.annotation[Segment(a, b)] = label
            if self.encoder and regions:
                spans = windows(regions, self.options.window_s, self.options.hop_s)
                self.embeddings.setdefault(label, []).append(
                    self.encoder.embed(_clips(mono, start_s, spans, self.options.window_s)))

    def finish(self, num_speakers: int | None = None, min_speakers: int = 1) -> Diarization:
        return Diarization(self.annotation, {label: _unit(np.concatenate(parts).mean(axis=0))
                                             for label, parts in self.embeddings.items()})


class PyannoteDiarizer:
    """The user's pyannote.audio pipeline (hub id with HF_TOKEN, or a local path), on CUDA if there
    is one. It needs the whole recording, so it keeps every chunk in memory."""

    def __init__(self, options: DiarizationOptions, encoder: SpeakerEncoder | None = None):
        self.pipeline = _pyannote_pipeline(options.pipeline)
        self.encoder = encoder or speaker_encoder()
        self.options = options
        self.chunks: list[np.ndarray] = []

    def add(self, samples: np.ndarray, start_s: float) -> None:
        self.chunks.append(samples.mean(axis=0) if samples.ndim == 2 else samples)

    def finish(self, num_speakers: int | None = None, min_speakers: int = 1) -> Diarization:
        import torch

        audio = np.concatenate(self.chunks) if self.chunks else np.zeros(0, np.float32)
        output = self.pipeline({"waveform": torch.from_numpy(audio)[None], "sample_rate": SAMPLE_RATE},
                               num_speakers=num_speakers, min_speakers=None if num_speakers else min_speakers,
                               max_speakers=None if num_speakers else self.options.max_speakers)
        found = getattr(output, "speaker_diarization", output)  # pyannote.audio 4 wraps the Annotation
        names = _speaker_names(found)
        annotation = found.rename_labels(names)
        centroids = {}
        for label in annotation.labels():
            spans = windows([(s.start, s.end) for s in annotation.label_timeline(label)],
                            self.options.window_s, self.options.hop_s)
            centroids[label] = _unit(self.encoder.embed(_clips(audio, 0.0, spans, self.options.window_s)).mean(axis=0))
        return Diarization(annotation, centroids)


def _pyannote_pipeline(ref: str):
    """The pyannote.audio pipeline, or a ConfigError that says what is missing."""
    local = Path(ref).expanduser().exists()
    token = os.environ.get("HF_TOKEN")
    if not local and not token:
        raise ConfigError(f"[diarization] backend = \"pyannote\": the pipeline {ref!r} is a gated Hugging Face "
                          "download and HF_TOKEN is not set",
                          hint="export HF_TOKEN=<a token that accepted the pipeline's conditions>, give a local "
                               "path in [diarization] pipeline, or use backend = \"resemblyzer\"")
    try:
        from pyannote.audio import Pipeline
    except ImportError:
        raise ConfigError("[diarization] backend = \"pyannote\" needs pyannote.audio, which is not installed",
                          hint="pip install 'dealtape[pyannote]' beside a CUDA torch (see README), or use "
                               "backend = \"resemblyzer\"") from None
    try:
        pipeline = Pipeline.from_pretrained(str(Path(ref).expanduser()) if local else ref, token=token)
    except Exception as exc:
        raise ConfigError(f"cannot load the pyannote pipeline {ref!r}: {str(exc).splitlines()[0]}",
                          hint="check that HF_TOKEN's account accepted the pipeline's conditions") from None
    if pipeline is None:  # pyannote returns None when the hub refuses the token
        raise ConfigError(f"the Hugging Face hub refused the pipeline {ref!r} for this HF_TOKEN",
                          hint="accept the pipeline's conditions on its hub page with that account")
    import torch

    if torch.cuda.is_available():
        pipeline.to(torch.device("cuda"))
    return pipeline


def diarizer(options: DiarizationOptions, *, stereo: bool = False, embed: bool = True) -> Diarizer:
    """The backend for a recording: channels for stereo, else the configured one."""
    if stereo:
        return ChannelDiarizer(options, embed=embed)
    if options.backend == "pyannote":
        return PyannoteDiarizer(options)
    return EmbeddingDiarizer(options)


# ---- clustering ----------------------------------------------------------------------------


def _affinity(embeddings: np.ndarray) -> np.ndarray:
    affinity = np.clip(embeddings @ embeddings.T, 0, 1) ** AFFINITY_POWER
    np.fill_diagonal(affinity, 0)
    return affinity


def estimate_speakers(embeddings: np.ndarray, min_speakers: int = 1, max_speakers: int = 8) -> int:
    """The number of speakers: the largest gap among the smallest eigenvalues of the affinity's
    Laplacian (degree-normalised), searched from `min_speakers` up to `max_speakers`, and to no
    more speakers than there are MIN_WINDOWS_PER_SPEAKER windows of speech for."""
    sample = _subsample(embeddings)
    most = min(max_speakers, len(sample) // MIN_WINDOWS_PER_SPEAKER, len(sample) - 1)
    if most <= min_speakers:
        return max(1, min(min_speakers, len(sample)))
    affinity = _affinity(sample)
    degree = affinity.sum(axis=1)
    values = np.linalg.eigvalsh(np.diag(degree) - affinity)[:most + 1] / max(degree.mean(), 1e-9)
    first = max(min_speakers, 1) - 1  # gaps[i] follows the (i+1)th eigenvalue
    return int(np.argmax(np.diff(values)[first:most])) + first + 1


def cluster(embeddings: np.ndarray, k: int) -> np.ndarray:
    """Labels 0..k-1: spectral clustering (normalised Laplacian, row-normalised eigenvectors,
    k-means). Beyond MAX_CLUSTERED windows, an even sample is clustered and the rest join the
    nearest centroid, so memory and time stay bounded on long calls."""
    if k <= 1:
        return np.zeros(len(embeddings), int)
    if len(embeddings) <= k:
        return np.arange(len(embeddings))
    picked = _subsample_index(len(embeddings))
    affinity = _affinity(embeddings[picked])
    scale = 1 / np.sqrt(np.maximum(affinity.sum(axis=1), 1e-9))
    laplacian = np.eye(len(affinity)) - scale[:, None] * affinity * scale[None, :]
    _, vectors = np.linalg.eigh(laplacian)
    features = vectors[:, :k] / np.maximum(np.linalg.norm(vectors[:, :k], axis=1, keepdims=True), 1e-9)
    sample_labels = kmeans(features, k)
    if len(picked) == len(embeddings):
        return sample_labels
    centroids = np.stack([_unit(embeddings[picked][sample_labels == j].mean(axis=0)) for j in range(k)])
    return np.argmax(embeddings @ centroids.T, axis=1)


def kmeans(points: np.ndarray, k: int, restarts: int = 10, seed: int = 0) -> np.ndarray:
    """Labels of k-means (k-means++ starts, the best of `restarts`); deterministic for a seed.
    (numpy: importing scikit-learn for this costs seconds per process.)"""
    rng = np.random.default_rng(seed)
    best, best_cost = None, np.inf
    for _ in range(restarts):
        centres = points[[rng.integers(len(points))]]
        while len(centres) < k:
            nearest = ((points[:, None, :] - centres[None]) ** 2).sum(axis=2).min(axis=1)
            total = nearest.sum()
            pick = rng.choice(len(points), p=nearest / total) if total > 0 else rng.integers(len(points))
            centres = np.vstack([centres, points[pick]])
        for _ in range(KMEANS_ITERATIONS):
            distances = ((points[:, None, :] - centres[None]) ** 2).sum(axis=2)
            labels = distances.argmin(axis=1)
            moved = np.stack([points[labels == j].mean(axis=0) if (labels == j).any() else centres[j]
                              for j in range(k)])
            if np.allclose(moved, centres):
                break
            centres = moved
        cost = distances[np.arange(len(points)), labels].sum()
        if cost < best_cost:
            best, best_cost = labels, cost
    return best


def _subsample_index(n: int) -> np.ndarray:
    return np.linspace(0, n - 1, MAX_CLUSTERED).astype(int) if n > MAX_CLUSTERED else np.arange(n)


def _subsample(embeddings: np.ndarray) -> np.ndarray:
    return embeddings[_subsample_index(len(embeddings))]


def _speaker_names(annotation: Annotation) -> dict:
    """Labels renamed "Speaker 1", "Speaker 2"... in the order they first speak."""
    order = []
    for _, _, label in annotation.itertracks(yield_label=True):
        if label not in order:
            order.append(label)
    return {label: f"Speaker {n}" for n, label in enumerate(order, 1)}


# ---- speakers to words and to people ------------------------------------------------------------


def assign_words(spans: Sequence[tuple[float, float]], annotation: Annotation) -> list[str | None]:
    """The speaker of each (start, end) word span: the one overlapping it most, else the nearest."""
    turns = sorted((s.start, s.end, label) for s, _, label in annotation.itertracks(yield_label=True))
    if not turns:
        return [None] * len(spans)
    starts = np.array([t[0] for t in turns])
    ends = np.array([t[1] for t in turns])
    out = []
    for a, b in spans:
        overlap = np.minimum(ends, b) - np.maximum(starts, a)
        best = int(np.argmax(overlap))
        if overlap[best] <= 0:
            distance = np.maximum(starts - b, a - ends)
            best = int(np.argmin(distance))
        out.append(turns[best][2])
    return out


def match_voiceprints(centroids: dict[str, np.ndarray], voiceprints: dict[str, np.ndarray],
                      threshold: float) -> dict[str, str]:
    """Speaker label -> enrolled person, one to one, most similar pairs first, above `threshold`."""
    pairs = sorted(((float(centroid @ print_), label, person) for label, centroid in centroids.items()
                    for person, print_ in voiceprints.items()), reverse=True)
    found: dict[str, str] = {}
    for similarity, label, person in pairs:
        if similarity >= threshold and label not in found and person not in found.values():
            log.info("%s sounds like %s (cosine %.2f)", label, person, similarity)
            found[label] = person
    return found

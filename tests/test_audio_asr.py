"""Speech to text: the real bundled tiny.en on the public clips, the guards, chunked decoding."""

import re
from pathlib import Path

import numpy as np
import pytest
from faster_whisper.transcribe import Segment, Word

from conftest import EXTERNAL
from dealtape.extract.asr import AsrOptions, Transcriber, _cut_loops, _drop_reason, vocabulary_prompt
from dealtape.extract.recording import SAMPLE_RATE, chunks, read_all
from dealtape.models.config import Config
from dealtape.models.errors import ConfigError

CLIPS = EXTERNAL / "audio" / "faster_whisper"


def normalised(text: str) -> str:
    """STACK.md's WER normalisation: lower case, [^a-z0-9' ] to spaces, single spaces."""
    return " ".join(re.sub(r"[^a-z0-9' ]", " ", text.lower()).split())


def expected(name: str, channel: str = "mono") -> str:
    for line in (CLIPS / "expected_transcripts.tsv").read_text(encoding="utf-8").splitlines()[1:]:
        file, chan, text, _ = line.split("\t")
        if (file, chan) == (name, channel):
            return text
    raise KeyError(name)


@pytest.fixture(scope="module")
def clips() -> Path:
    if not CLIPS.is_dir():
        pytest.skip(f"shared bench clips not found at {CLIPS} (CI puts ../shared beside the clone)")
    return CLIPS


@pytest.fixture(scope="module")
def transcriber() -> Transcriber:
    return Transcriber(AsrOptions())


def said(transcriber: Transcriber, path: Path, prompt: str | None = None) -> str:
    return "".join(w.text for w in transcriber.transcribe(read_all(path)[0], prompt=prompt).words)


def test_jfk_transcribes_exactly(clips, transcriber):
    assert normalised(said(transcriber, clips / "jfk.flac")) == normalised(expected("jfk.flac"))


def test_word_timestamps_are_in_order_and_offset(clips, transcriber):
    words = transcriber.transcribe(read_all(clips / "jfk.flac")[0], offset_s=100.0).words
    assert words and all(100 <= w.start <= w.end <= 112 for w in words)
    assert [w.start for w in words] == sorted(w.start for w in words)


def test_a_vocabulary_prompt_keeps_a_product_name(clips, transcriber):
    assert "comfyui" not in normalised(said(transcriber, clips / "hotwords.mp3"))
    prompt = vocabulary_prompt(["ComfyUI"])
    assert "comfyui" in normalised(said(transcriber, clips / "hotwords.mp3", prompt=prompt))


def test_silence_gives_no_words(transcriber):
    quiet = (np.random.default_rng(0).standard_normal(10 * SAMPLE_RATE) * 1e-4).astype(np.float32)
    assert transcriber.transcribe(quiet).words == []


def _segment(text: str, no_speech: float = 0.05, logprob: float = -0.3, ratio: float = 1.4) -> Segment:
    return Segment(id=0, seek=0, start=0.0, end=1.0, text=text, tokens=[], avg_logprob=logprob,
                   compression_ratio=ratio, no_speech_prob=no_speech, words=[], temperature=0.0)


def test_guards_drop_silence_loops_and_repeated_segments():
    speech = _segment(" We can sign on Friday.")
    assert _drop_reason(speech, None) is None
    assert _drop_reason(_segment(" Thank you.", no_speech=0.7, logprob=-0.8), None) == "silence"
    assert _drop_reason(_segment(" Thank you.", no_speech=0.95), None) == "silence"
    assert _drop_reason(_segment(" the the the the the the", logprob=-1.3, ratio=3.1), None) == "loop"
    assert _drop_reason(_segment(" we can sign on friday"), speech) == "repeated segment"
    assert _drop_reason(_segment(" Yes."), _segment(" Yes.")) is None  # a short reply may well be said twice


def test_a_phrase_said_over_and_over_is_cut_back_to_once():
    text = "so I think " + "we can do that " * 5 + "by Friday"
    words = [Word(i, i + 1, " " + w, 0.9) for i, w in enumerate(text.split())]
    kept, looped = _cut_loops(words)
    assert looped and "".join(w.word for w in kept) == " so I think we can do that by Friday"
    ordinary = [Word(i, i + 1, " " + w, 0.9) for i, w in enumerate("no no no I mean yes".split())]
    assert _cut_loops(ordinary) == (ordinary, False)


def test_the_prompt_names_each_once_and_is_bounded():
    assert vocabulary_prompt(["Gong", " Gong ", "Chorus.ai", "", "Maya  Chen"]) == "Gong, Chorus.ai, Maya Chen."
    assert len(vocabulary_prompt([f"Name{i}" for i in range(200)])) <= 301
    assert vocabulary_prompt([]) is None


def test_asr_settings_are_checked():
    options = AsrOptions.from_config(Config(raw={"asr": {"model": "small.en", "vocabulary": ["Brightwave"]}}))
    assert options.vocabulary == ("Brightwave",) and options.model == "small.en"
    assert AsrOptions.from_config(Config(raw={"asr": {"prompt": False, "language": "auto"}})).rendering()["prompt"] is False
    with pytest.raises(ConfigError, match="unknown key"):
        AsrOptions.from_config(Config(raw={"asr": {"beam": 3}}))
    with pytest.raises(ConfigError, match="beam_size"):
        AsrOptions.from_config(Config(raw={"asr": {"beam_size": "five"}}))


def test_a_missing_model_folder_is_a_clear_error(tmp_path):
    with pytest.raises(ConfigError, match="no such folder"):
        Transcriber(AsrOptions(model=str(tmp_path / "no-such-model.en")))


def test_chunks_cover_the_file_and_end_at_quiet_moments(clips):
    whole = read_all(clips / "jfk.flac")[0]
    parts = list(chunks(clips / "jfk.flac", 3.0))
    assert len(parts) > 1
    assert np.array_equal(np.concatenate([p.samples[0] for p in parts]), whole)
    assert [p.start_s for p in parts] == sorted(p.start_s for p in parts)
    loudness = np.sqrt(np.mean(whole ** 2))
    for part in parts[1:]:  # each cut is quieter than the clip on average
        at = int(part.start_s * SAMPLE_RATE)
        assert np.sqrt(np.mean(whole[at - 800:at + 800] ** 2)) < loudness

"""Diarization: the real GE2E encoder on the public two-speaker sample, stereo channels, speaker
assignment per word, voiceprint matching, and the pyannote backend's errors."""

import numpy as np
import pytest
from pyannote.core import Annotation, Segment, Timeline
from pyannote.database.util import load_rttm
from pyannote.metrics.diarization import DiarizationErrorRate

from conftest import EXTERNAL
from dealtape.extract import diarize
from dealtape.extract.diarize import (ChannelDiarizer, DiarizationOptions, EmbeddingDiarizer, assign_words,
                                      match_voiceprints)
from dealtape.extract.recording import read_all
from dealtape.models.config import Config
from dealtape.models.errors import ConfigError

AUDIO = EXTERNAL / "audio"


@pytest.fixture(scope="module")
def audio():
    if not AUDIO.is_dir():
        pytest.skip(f"shared bench audio not found at {AUDIO} (CI puts ../shared beside the clone)")
    return AUDIO


def diarized(path, **finish) -> Annotation:
    diarizer = EmbeddingDiarizer(DiarizationOptions())
    diarizer.add(read_all(path), 0.0)
    return diarizer.finish(**finish)


def test_two_speaker_sample_is_diarized_within_twenty_percent_der(audio):
    sample = audio / "pyannote_sample"
    found = diarized(sample / "sample.wav", min_speakers=2)  # a call: at least two sides
    reference = load_rttm(str(sample / "sample.rttm"))["sample"]
    assert found.annotation.labels() == ["Speaker 1", "Speaker 2"]  # counted by the eigengap
    scored = Timeline([Segment(0, 30.0)])  # the whole file
    assert DiarizationErrorRate(collar=0.25)(reference, found.annotation, uem=scored) <= 0.20
    assert set(found.centroids) == {"Speaker 1", "Speaker 2"}
    assert all(abs(np.linalg.norm(v) - 1) < 1e-5 for v in found.centroids.values())


def test_one_speaker_is_counted_as_one(audio):
    assert diarized(audio / "faster_whisper" / "jfk.flac").annotation.labels() == ["Speaker 1"]


def test_stereo_has_one_speaker_per_channel(audio):
    channels = ChannelDiarizer(DiarizationOptions())
    channels.add(read_all(audio / "faster_whisper" / "stereo_diarization.wav", channels=2), 0.0)
    found = channels.finish()
    assert found.annotation.labels() == ["Speaker 1", "Speaker 2"]
    assert set(found.centroids) == {"Speaker 1", "Speaker 2"}
    left, right = (found.annotation.label_duration(label) for label in ("Speaker 1", "Speaker 2"))
    assert left > right > 1  # the left sentence is the longer one


def test_words_get_the_speaker_they_overlap_most_else_the_nearest():
    turns = Annotation()
    turns[Segment(0, 2)] = "A"
    turns[Segment(2, 5)] = "B"
    turns[Segment(8, 9)] = "A"
    assert assign_words([(0.2, 0.5), (1.8, 2.6), (5.5, 6.0), (7.5, 7.9), (20, 21)], turns) == ["A", "B", "B", "A", "A"]
    assert assign_words([(0, 1)], Annotation()) == [None]


def test_voiceprints_match_one_to_one_above_the_threshold():
    rng = np.random.default_rng(1)
    tom, zoe, other = (v / np.linalg.norm(v) for v in rng.standard_normal((3, 256)))
    near_tom = (tom + 0.2 * other) / np.linalg.norm(tom + 0.2 * other)
    speakers = {"Speaker 1": near_tom, "Speaker 2": other}
    assert match_voiceprints(speakers, {"tom@x.example": tom, "zoe@x.example": zoe}, 0.75) == {"Speaker 1": "tom@x.example"}
    nearer_tom = (tom + 0.1 * other) / np.linalg.norm(tom + 0.1 * other)
    assert match_voiceprints({"Speaker 1": near_tom, "Speaker 2": nearer_tom}, {"tom@x.example": tom}, 0.75) == \
        {"Speaker 2": "tom@x.example"}  # one rep is one speaker: the closer one


def test_a_voiceprint_needs_a_few_seconds_of_speech(audio):
    stereo = read_all(audio / "faster_whisper" / "stereo_diarization.wav", channels=2)
    with pytest.raises(ValueError, match="a voiceprint needs at least"):
        diarize.voiceprint(stereo[1])
    vector, speech_s = diarize.voiceprint(read_all(audio / "faster_whisper" / "jfk.flac")[0])
    assert vector.shape == (256,) and speech_s > 5


def test_pyannote_backend_says_what_is_missing(monkeypatch):
    options = DiarizationOptions.from_config(Config(raw={"diarization": {"backend": "pyannote"}}))
    monkeypatch.delenv("HF_TOKEN", raising=False)
    with pytest.raises(ConfigError, match="HF_TOKEN is not set"):
        diarize.diarizer(options)
    monkeypatch.setenv("HF_TOKEN", "hf_not_a_real_token")
    try:
        import pyannote.audio  # noqa: F401
    except ImportError:
        with pytest.raises(ConfigError, match="needs pyannote.audio, which is not installed"):
            diarize.diarizer(options)
    else:
        pytest.skip("pyannote.audio is installed here: the not-installed error cannot be shown")


def test_diarization_settings_are_checked():
    with pytest.raises(ConfigError, match="backend must be one of"):
        DiarizationOptions.from_config(Config(raw={"diarization": {"backend": "magic"}}))
    with pytest.raises(ConfigError, match="unknown key"):
        DiarizationOptions.from_config(Config(raw={"diarization": {"speakers": 2}}))
    assert DiarizationOptions.from_config(Config(raw={"diarization": {"window_s": 2.0}})).window_s == 2.0

"""Recordings through the real ingest runner and CLI into real DuckDB files: speakers per channel and
per voice, sidecars, bad files, re-ingest and re-transcription, then extraction and the views."""

import json
import os
import re
import shutil
import wave
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from conftest import DATA, EXTERNAL, raw_counts, rows
from dealtape import ingest
from dealtape.cli import app
from dealtape.extract.recording import read_all
from dealtape.models.config import Config, TeamConfig
from dealtape.models.store import Store

CLIPS = EXTERNAL / "audio" / "faster_whisper"
SAMPLE = EXTERNAL / "audio" / "pyannote_sample" / "sample.wav"
DEMO = DATA / "audio"
TOM = "tom@brightwave.example"
runner = CliRunner()


def normalised(text: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9' ]", " ", text.lower()).split())


def dealtape(db: Path, *args: str):
    return runner.invoke(app, ["--db", str(db), "--config", str(DATA / "dealtape.toml"), *args])


def ok(result):
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture(scope="module")
def clips() -> Path:
    if not CLIPS.is_dir():
        pytest.skip(f"shared bench clips not found at {CLIPS} (CI puts ../shared beside the clone)")
    return CLIPS


def timeline(store, conversation_id=None) -> list[tuple]:
    where, params = ("WHERE conversation_id = ?", [conversation_id]) if conversation_id else ("", [])
    return rows(store, f"SELECT speaker, email, side, start_s, text FROM timeline {where} "
                       "ORDER BY conversation_id, position", params)


def write_wav(path: Path, channels: np.ndarray) -> Path:
    """(channels, n) float samples at 16 kHz as 16-bit PCM."""
    with wave.open(str(path), "wb") as out:
        out.setnchannels(len(channels))
        out.setsampwidth(2)
        out.setframerate(16_000)
        out.writeframes((np.clip(channels.T, -1, 1) * 32767).astype("<i2").tobytes())
    return path


def test_corrupt_and_empty_recordings_are_recorded_with_a_reason(store, tmp_path):
    (tmp_path / "empty.wav").write_bytes(b"")
    (tmp_path / "noise.mp3").write_bytes(np.random.default_rng(0).bytes(5000))
    (tmp_path / "notes.ogg").write_text("not audio at all\n")
    before = raw_counts(store)
    report = ingest.run([tmp_path], store)
    assert not report.ok and report.written.new == 0
    reasons = dict(rows(store, "SELECT regexp_extract(uri, '[^/]+$'), error FROM raw.ingest_errors"))
    assert reasons["empty.wav"] == "empty file"
    assert reasons["noise.mp3"].startswith("not a readable audio file (")
    assert reasons["notes.ogg"].startswith("not a readable audio file (")
    assert {k: v for k, v in raw_counts(store).items() if k != "ingest_errors"} == \
        {k: v for k, v in before.items() if k != "ingest_errors"}


def test_a_cli_ingest_of_a_corrupt_recording_is_one_line_and_exit_1(tmp_path):
    bad = tmp_path / "call.m4a"
    bad.write_bytes(b"\x00\x00\x00\x18ftypM4A " + bytes(64))
    result = dealtape(tmp_path / "t.duckdb", "ingest", str(bad))
    assert result.exit_code == 1
    assert result.output.splitlines()[-1].startswith(f"Error: {bad}: not a readable audio file (")


def test_stereo_call_has_one_speaker_per_channel(store, clips):
    ingest.run([clips / "stereo_diarization.wav"], store)
    said = timeline(store)
    assert [(s, side) for s, _, side, _, _ in said] == [("Speaker 1", "internal"), ("Speaker 2", "external")]
    expected = {line.split("\t")[1]: line.split("\t")[2]
                for line in (clips / "expected_transcripts.tsv").read_text().splitlines() if "stereo" in line}
    assert normalised(said[0][4]) == normalised(expected["left"])
    assert normalised(said[1][4]) == normalised(expected["right"])
    channels = [json.loads(m)["channel"] for (m,) in rows(store, "SELECT meta FROM raw.utterances ORDER BY seq")]
    assert channels == [0, 1]


def test_stereo_without_channel_map_puts_our_side_on_channel_0(store, clips, tmp_path):
    path = Path(shutil.copy(clips / "stereo_diarization.wav", tmp_path / "dialer.wav"))
    maya = "maya@dealtape.example"  # the store fixture's internal domain
    path.with_suffix(".json").write_text(json.dumps({"participants": [
        {"name": "Dana Prospect", "email": "dana@prospect.example"}, {"name": "Maya Chen", "email": maya}]}))
    report = ingest.run([tmp_path], store, config=Config(team=TeamConfig(internal_domains=("dealtape.example",))))
    assert report.ok and not report.ignored  # the sidecar is not reported as a file of no known kind
    assert [(email, side) for _, email, side, _, _ in timeline(store)] == [(maya, "internal"),
                                                                           ("dana@prospect.example", "external")]


def test_identical_channels_are_treated_as_mono(store, clips, tmp_path):
    jfk = read_all(clips / "jfk.flac")[0]
    path = write_wav(tmp_path / "fake-stereo.wav", np.stack([jfk, jfk]))
    ingest.run([path], store)
    (config,) = rows(store, "SELECT config FROM raw.transcripts")[0]
    assert json.loads(config)["layout"] == "mono (channels alike)"
    assert "my fellow americans" in normalised(" ".join(t for *_, t in timeline(store)))


def test_reingest_adds_nothing_and_a_new_setting_adds_a_transcript(store_path, clips, tmp_path):
    path = shutil.copy(clips / "jfk.flac", tmp_path / "jfk.flac")
    with Store.open(store_path, create=True) as store:
        first = ingest.run([path], store)
        counts = raw_counts(store)
        again = ingest.run([path], store)
        assert (first.written.new, again.written.new, again.written.duplicate) == (1, 0, 1)
        assert raw_counts(store) == counts

        greedy = Config(raw={"asr": {"beam_size": 1}})
        retold = ingest.run([path], store, config=greedy)
        assert (retold.written.new, retold.written.conversations) == (1, 0)
        after = raw_counts(store)
        assert (after["sources"], after["conversations"], after["transcripts"]) == (1, 1, 2)
        newest = rows(store, "SELECT transcript_id, config FROM raw.transcripts ORDER BY created_at DESC")[0]
        assert json.loads(newest[1])["settings"]["asr"]["beam_size"] == 1
        shown = rows(store, "SELECT DISTINCT u.transcript_id FROM timeline t JOIN raw.utterances u USING (utterance_id)")
        assert shown == [(newest[0],)]
        assert ingest.run([path], store, config=greedy).written.duplicate == 1

        uri, size, content, meta = rows(store, "SELECT uri, size_bytes, content, meta FROM raw.sources")[0]
        assert (uri, size, content) == (str(path), path.stat().st_size, None)  # the audio stays on disk
        assert json.loads(meta)["audio"]["codec"] == "flac"


def test_without_a_sidecar_the_file_date_and_unnamed_speakers(store, tmp_path):
    if not SAMPLE.is_file():
        pytest.skip(f"{SAMPLE} not found (CI puts ../shared beside the clone)")
    path = Path(shutil.copy(SAMPLE, tmp_path / "2026-03-02_intro-call.wav"))
    os.utime(path, (1772460000, 1772460000))
    ingest.run([path], store)
    kind, title, started = rows(store, "SELECT kind, title, started_at FROM conversations")[0]
    assert (kind, title, started.timestamp()) == ("call", "2026 03 02 intro call", 1772460000)
    assert {(s, side) for s, _, side, _, _ in timeline(store)} == {("Speaker 1", "unknown"), ("Speaker 2", "unknown")}


def test_voice_note_kind_is_one_internal_speaker(store, clips):
    report = ingest.run([clips / "jfk.flac"], store, kind="voice-note")
    assert report.ok
    assert rows(store, "SELECT kind FROM conversations") == [("voice_note",)]
    assert {(s, side) for s, _, side, _, _ in timeline(store)} == {("Speaker 1", "internal")}


def test_the_configured_vocabulary_prompts_the_recogniser(store, clips):
    ingest.run([clips / "hotwords.mp3"], store, config=Config(raw={"asr": {"vocabulary": ["ComfyUI"]}}))
    assert "ComfyUI" in " ".join(t for *_, t in timeline(store))
    (config,) = rows(store, "SELECT config FROM raw.transcripts")[0]
    assert json.loads(config)["prompt"] == "ComfyUI."


# ---- the demo recordings: enrolment, sidecars, extraction, the views -------------------------------


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    """A database with Tom's voice enrolled (from his voice note) and the demo recordings ingested."""
    recordings = sorted(DEMO.glob("*.opus")) if DEMO.is_dir() else []
    if len(recordings) < 3:
        pytest.skip(f"the demo recordings are not in {DEMO} (python data/generate_audio.py writes them)")
    folder = tmp_path_factory.mktemp("audio")
    for path in DEMO.glob("*"):
        if path.is_file():
            shutil.copy(path, folder)
    db = folder / "demo.duckdb"
    note = next(folder.glob("*voice-note*.opus"))
    assert re.fullmatch(rf"enrolled {TOM} \(\d+ s of speech\): .*\n", ok(dealtape(db, "reps", "enroll", TOM, str(note))))
    assert re.match(r"3 new, 0 already had, 0 failed", ok(dealtape(db, "ingest", str(folder))))
    return db


def conversation(db: Path, like: str) -> str:
    with Store.open(db, read_only=True) as store:
        return store.scalar("SELECT conversation_id FROM conversations WHERE source_uri LIKE ?", [f"%{like}%"])


def demo_timeline(db: Path, like: str) -> list[tuple]:
    with Store.open(db, read_only=True) as store:
        return timeline(store, conversation(db, like))


def test_demo_stereo_call_follows_the_channel_map(demo):
    said = demo_timeline(demo, "pricing-call")
    assert {(email, side) for _, email, side, _, _ in said} == {
        (TOM, "internal"), ("zoe.laurent@globex-health.example", "external")}
    assert said[0][1] == TOM and "brightwave" in normalised(said[0][4])


def test_demo_mono_call_names_the_enrolled_rep_and_the_other_participant(demo):
    said = demo_timeline(demo, "baa-call")
    assert said[0][:3] == ("Marcus Bell", "marcus.bell@globex-health.example", "external")
    assert said[1][:3] == ("Tom Okafor", TOM, "internal")
    with Store.open(demo, read_only=True) as store:
        (config,) = rows(store, "SELECT t.config FROM raw.transcripts t WHERE conversation_id = ?",
                         [conversation(demo, "baa-call")])[0]
    assert {v["by"] for v in json.loads(config)["speakers"].values()} == {"voiceprint", "sidecar"}


def test_demo_voice_note_is_toms(demo):
    said = demo_timeline(demo, "voice-note")
    assert {(email, side) for _, email, side, _, _ in said} == {(TOM, "internal")}
    with Store.open(demo, read_only=True) as store:
        assert store.scalar("SELECT kind FROM conversations WHERE conversation_id = ?",
                            [conversation(demo, "voice-note")]) == "voice_note"


def test_demo_reingest_adds_nothing(demo):
    folder = demo.parent
    assert re.match(r"0 new, 3 already had, 0 failed", ok(dealtape(demo, "ingest", str(folder))))


def test_call_stats_per_side(demo):
    with Store.open(demo, read_only=True) as store:
        stats = store.query("SELECT * FROM call_stats WHERE conversation_id = ?",
                            [conversation(demo, "pricing-call")]).row(0, named=True)
    assert abs(stats["talk_ratio_internal"] + stats["talk_ratio_external"] - 1) < 0.01
    assert stats["talk_ratio_unknown"] == 0
    assert stats["questions_internal"] >= 2  # "Tell me more"... "how do the two numbers compare?"
    assert stats["speaker_switches"] >= 10 and stats["switches_per_minute"] > 5
    assert 0 < stats["longest_customer_story_s"] <= stats["longest_monologue_s"] <= stats["duration_s"]


def test_extraction_finds_facts_in_the_recordings(demo):
    ok(dealtape(demo, "extract"))
    with Store.open(demo, read_only=True) as store:
        found = rows(store, """
            SELECT c.kind, f.field, f.summary FROM fact_states f JOIN conversations c USING (conversation_id)
            WHERE f.state <> 'abstained'""")
    fields = {(kind, field) for kind, field, _ in found}
    assert {("call", "competitor"), ("call", "next_step"), ("voice_note", "next_step")} <= fields
    assert any(field == "competitor" and "Gong" in summary for _, field, summary in found)


def test_enrolment_is_for_internal_people_with_enough_speech(demo, clips):
    outside = dealtape(demo, "reps", "enroll", "zoe.laurent@globex-health.example", str(clips / "jfk.flac"))
    assert outside.exit_code == 1 and outside.output.startswith(
        "Error: zoe.laurent@globex-health.example is not one of us: only people of the internal domains")
    short = dealtape(demo, "reps", "enroll", TOM, str(clips / "hotwords.mp3"))
    assert short.exit_code == 1 and "a voiceprint needs at least 4 s" in short.output


# ---- naming a speaker, RTTM ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sample_ingested(tmp_path_factory) -> Path:
    if not SAMPLE.is_file():
        pytest.skip(f"{SAMPLE} not found (CI puts ../shared beside the clone)")
    db = tmp_path_factory.mktemp("sample") / "sample.duckdb"
    ok(dealtape(db, "ingest", str(SAMPLE)))
    return db


@pytest.fixture
def sample_db(sample_ingested, tmp_path) -> Path:
    """The two-speaker sample, ingested once per module; each test gets its own copy."""
    return Path(shutil.copy(sample_ingested, tmp_path / "sample.duckdb"))


def test_naming_a_speaker_adds_a_transcript_and_the_views_follow(sample_db):
    call = conversation(sample_db, "sample.wav")
    out = ok(dealtape(sample_db, "review", "--as", "maya@brightwave.example", "name-speaker", call[:6], "speaker 2",
                      "--as-person", "diane@acme-logistics.example"))
    assert re.fullmatch(rf"Speaker 2 in {call} is now diane@acme-logistics.example \(\d+ utterance\(s\)\)\n", out)
    with Store.open(sample_db, read_only=True) as store:
        assert store.scalar("SELECT count(*) FROM raw.transcripts") == 2
        named = rows(store, "SELECT DISTINCT speaker, side FROM timeline ORDER BY 1")
        config = json.loads(rows(store, "SELECT config FROM raw.transcripts ORDER BY created_at DESC")[0][0])
    assert named == [("Speaker 1", "unknown"), ("diane@acme-logistics.example", "external")]
    assert config["named"] == {"label": "Speaker 2", "person": "diane@acme-logistics.example",
                               "by": "maya@brightwave.example"}
    ok(dealtape(sample_db, "review", "name-speaker", call, "Speaker 1", "--as-person", "Sheila  Lopez"))
    with Store.open(sample_db, read_only=True) as store:
        assert rows(store, "SELECT DISTINCT speaker FROM timeline ORDER BY 1") == [
            ("Sheila Lopez",), ("diane@acme-logistics.example",)]  # the first naming carries over
        assert store.scalar("SELECT count(*) FROM raw.transcripts") == 3
    missing = dealtape(sample_db, "review", "name-speaker", call, "Speaker 9", "--as-person", "x@y.example")
    assert missing.exit_code == 1
    assert missing.output.splitlines() == [f"Error: no speaker 'Speaker 9' in conversation {call}",
                                           "Hint: its speakers: Sheila Lopez, diane@acme-logistics.example"]


def test_export_rttm_writes_the_speaker_turns(sample_db, tmp_path):
    call = conversation(sample_db, "sample.wav")
    lines = ok(dealtape(sample_db, "export-rttm", call)).splitlines()
    assert lines and all(re.fullmatch(rf"SPEAKER {call} 1 \d+\.\d{{3}} \d+\.\d{{3}} <NA> <NA> Speaker_[12] <NA> <NA>", line)
                         for line in lines)
    out = tmp_path / "call.rttm"
    ok(dealtape(sample_db, "export-rttm", call, "-o", str(out)))
    assert out.read_text().splitlines() == lines
    transcript = dealtape(sample_db, "export-rttm", "nope")
    assert transcript.exit_code == 1 and transcript.output.startswith("Error: no conversation 'nope'")


"""Call transcripts (WebVTT, SRT, JSON segments) through the real ingest runner into a real DuckDB file."""

import hashlib
import json
import shutil
from datetime import datetime, timezone
from pathlib import Path

import pytest

from dealtape.ingest import run
from dealtape.ingest.transcripts import SRT, TranscriptJSON, WebVTT

DATA = Path(__file__).parent / "data" / "transcripts"
RAW_TABLES = ("sources", "conversations", "conversation_keys", "participants", "transcripts", "utterances")
GOOD = ("teams_discovery.vtt", "zoom_pricing.vtt", "multi_voice.vtt", "captions_with_note.vtt",
        "renewal_call.srt", "onboarding_webinar.srt", "demo_call.json", "whisperx_export.json")

DANA = "dana.whitfield@dealtape.example"
PRIYA = "priya.raman@northwind.example"
MARCUS = "marcus.lee@northwind.example"


def rows(store) -> dict[str, int]:
    return {t: store.scalar(f"SELECT count(*) FROM raw.{t}") for t in RAW_TABLES}


def said(store, uri: Path | None = None) -> list[tuple]:
    """(start_s, end_s, speaker identity, label as written, text) in order, for one source or all."""
    where, params = ("WHERE s.uri = ?", [str(uri)]) if uri else ("", [])
    return store.con.execute(f"""
        SELECT u.start_s, u.end_s, p.identity, u.speaker, u.text
        FROM raw.utterances u JOIN raw.sources s ON s.source_id = u.source_id
        LEFT JOIN raw.participants p USING (participant_id)
        {where} ORDER BY s.uri, u.seq""", params).fetchall()


def ingest_ok(store, *paths: Path):
    report = run(list(paths), store)
    assert report.ok, report.failed
    assert report.items == len(paths)
    return report


def test_teams_vtt_with_sidecar_maps_voices_to_participant_emails(store):
    path = DATA / "teams_discovery.vtt"
    ingest_ok(store, path)

    kind, thread_key, title, started_at, deal, meta = store.con.execute(
        "SELECT kind, thread_key, title, started_at, deal, meta FROM raw.conversations").fetchone()
    assert kind == "call"
    assert thread_key == "call:" + hashlib.sha256(path.read_bytes()).hexdigest()
    assert title == "Northwind discovery call"
    assert started_at == datetime(2026, 3, 4, 20, 0, tzinfo=timezone.utc)
    assert deal == "Northwind Traders - CRM pilot"
    assert json.loads(meta)["channel_map"] == {"0": DANA, "1": PRIYA}

    assert set(store.con.execute("SELECT identity, name, email, domain FROM raw.participants").fetchall()) == {
        (DANA, "Dana Whitfield", DANA, "dealtape.example"),
        (PRIYA, "Priya Raman", PRIYA, "northwind.example"),
        (MARCUS, "Marcus Lee", MARCUS, "northwind.example"),
    }
    utterances = said(store)
    assert [u[:4] for u in utterances] == [
        (3.12, 7.48, DANA, "Dana Whitfield"),
        (7.9, 13.25, PRIYA, "Priya Raman"),
        (13.6, 19.04, MARCUS, "Marcus Lee (Guest)"),
        (19.5, 26.8, DANA, "Dana Whitfield"),
        (27.2, 31.9, PRIYA, "Priya Raman"),
    ]
    assert utterances[3][4] == "Everything stays in your own database. I'll send the security questionnaire by Friday."

    kind, uri, content, source_meta = store.con.execute("SELECT kind, uri, content, meta FROM raw.sources").fetchone()
    assert (kind, uri, content) == ("vtt", str(path), path.read_bytes())
    assert json.loads(source_meta)["sidecar"]["title"] == "Northwind discovery call"
    assert store.scalar("SELECT engine FROM raw.transcripts") == "text"
    cue = store.scalar("SELECT meta FROM raw.utterances WHERE seq = 0")
    assert json.loads(cue) == {"cue": "3f1c6a2e-8d4b-4c1e-9a57-2b0f6d8e1a01/11-0"}


def test_zoom_style_name_prefixes_become_speakers(store):
    path = DATA / "zoom_pricing.vtt"
    ingest_ok(store, path)
    assert said(store) == [
        (1.5, 5.2, "dana whitfield", "Dana Whitfield", "Let's walk through pricing for the Northwind pilot."),
        (5.6, 9.9, "priya raman", "Priya Raman", "Sure. Is it per seat or per team?"),
        (10.3, 16.75, "dana whitfield", "Dana Whitfield",
         "Per seat, with a 15% discount if you sign before the end of the quarter."),
        # speaks once, but every cue of the file opens with a name
        (17.1, 21.4, "raj patel", "Raj Patel", "Does that include SSO?"),
        (21.8, 26.0, "dana whitfield", "Dana Whitfield", "Yes, SSO is in every plan. Note: audit logs are an add-on."),
        (86.4, 89.1, "priya raman", "Priya Raman", "OK, send me the quote before 10:30 tomorrow."),
    ]
    # no sidecar: named by the file, dated by its modification time, speakers known by name only
    title, started_at = store.con.execute("SELECT title, started_at FROM raw.conversations").fetchone()
    assert title == "zoom pricing"
    assert started_at == datetime.fromtimestamp(path.stat().st_mtime, timezone.utc)
    assert store.scalar("SELECT count(*) FROM raw.participants WHERE email IS NULL") == 3


def test_bom_and_windows_line_endings_read_the_same(store, tmp_path):
    original = DATA / "zoom_pricing.vtt"
    windows = tmp_path / "zoom_pricing_windows.vtt"
    windows.write_bytes(b"\xef\xbb\xbf" + original.read_bytes().replace(b"\n", b"\r\n"))
    ingest_ok(store, original, windows)
    assert said(store, windows) == said(store, original)
    assert len(said(store, windows)) == 6


def test_a_transcript_in_a_legacy_encoding_is_decoded(store, tmp_path):
    path = tmp_path / "quebec_pilot.vtt"
    path.write_bytes("WEBVTT\n\n00:00:01.000 --> 00:00:04.000\n"
                     "Renée Dubois: The café chain wants a pilot in Québec first.\n\n"
                     "00:00:04.500 --> 00:00:08.000\n"
                     "Renée Dubois: Their legal team will review the contract.\n".encode("cp1252"))
    ingest_ok(store, path)
    first = said(store)[0]
    assert (first[3], first[4]) == ("Renée Dubois", "The café chain wants a pilot in Québec first.")
    assert json.loads(store.scalar("SELECT meta FROM raw.sources"))["encoding"] != "utf-8"


def test_a_webvtt_file_is_recognised_by_its_header(tmp_path):
    renamed = tmp_path / "call.txt"
    shutil.copy(DATA / "teams_discovery.vtt", renamed)
    assert WebVTT().detect(renamed)
    assert not WebVTT().detect(DATA / "renewal_call.srt")


def test_several_voice_spans_in_one_cue_are_several_utterances(store):
    ingest_ok(store, DATA / "multi_voice.vtt")
    assert [(start, end, label, text) for start, end, _, label, text in said(store)] == [
        (0.0, 4.0, "Dana Whitfield", "Any concerns before we set up the pilot?"),
        (4.0, 9.0, "Marcus Lee", "Yes \u2014 the timeline."),
        (4.0, 9.0, "Priya Raman", "And legal review & procurement."),
        (9.0, 13.5, "Priya Raman", "Procurement takes six weeks here <sigh>."),
        (9.0, 13.5, "Dana Whitfield", "Understood, we'll plan for that."),
        # the cue holding only markup is dropped; a voice's "Note:" is what Dana said
        (14.0, 18.0, "Dana Whitfield", "Note: the pilot is free for thirty days."),
    ]


def test_note_at_the_start_of_a_caption_is_not_a_speaker(store):
    ingest_ok(store, DATA / "captions_with_note.vtt")
    utterances = said(store)
    assert [u[2] for u in utterances] == [None] * 5
    assert [u[4] for u in utterances][1:] == [
        "Note: the contract auto-renews on April 1st.",
        "10:30 on Thursday works for the follow-up.",
        "Legal: they still need the redlines back.",
        "Note: procurement wants the DPA signed first.",  # a recurring "Note:" is still no one
    ]
    assert rows(store)["participants"] == 0


def test_srt_speakers_from_prefixes_brackets_voices_and_first_names(store):
    ingest_ok(store, DATA / "renewal_call.srt")
    assert [u[:4] for u in said(store)] == [
        (0.5, 4.0, DANA, "Dana"),
        (4.2, 9.8, PRIYA, "Priya"),
        (10.0, 14.5, MARCUS, "Marcus Lee"),
        (14.8, 19.0, DANA, "Dana"),
        (19.4, 21.0, PRIYA, "Priya"),
    ]
    assert said(store)[1][4] == "We'd like to add twenty seats this year."
    # every sidecar participant is listed, also one who never spoke
    assert store.con.execute("SELECT name FROM raw.participants WHERE email = 'helen.park@northwind.example'"
                             ).fetchall() == [("Helen Park",)]
    assert store.scalar("SELECT title FROM raw.conversations") == "Northwind renewal"


def test_srt_without_speakers(store):
    ingest_ok(store, DATA / "onboarding_webinar.srt")
    assert said(store) == [
        (1.0, 4.0, None, None, "Welcome to the Northwind onboarding webinar."),
        (4.5, 8.0, None, None, "Today we cover SSO setup and user provisioning."),
    ]
    assert store.scalar("SELECT kind FROM raw.sources") == "srt"


def test_first_name_matches_only_when_unambiguous(store, tmp_path):
    call = tmp_path / "pricing_followup.srt"
    call.write_text("1\n00:00:01,000 --> 00:00:03,000\nSam: Can you do better on price?\n\n"
                    "2\n00:00:03,500 --> 00:00:06,000\nDana: I can add onboarding for free.\n\n"
                    "3\n00:00:06,500 --> 00:00:08,000\nSam: Deal, send it over.\n", encoding="utf-8")
    (tmp_path / "pricing_followup.json").write_text(json.dumps({"participants": [
        {"name": "Sam Ortiz", "email": "sam.ortiz@northwind.example"},
        {"name": "Sam Lee", "email": "sam.lee@northwind.example"},
        {"name": "Dana Whitfield", "email": DANA},
    ]}), encoding="utf-8")
    ingest_ok(store, call)
    assert [u[2] for u in said(store)] == ["sam", DANA, "sam"]
    assert store.scalar("SELECT count(*) FROM raw.participants") == 4


def test_json_list_with_meta_sidecar(store):
    ingest_ok(store, DATA / "demo_call.json")
    assert said(store) == [
        (0.0, 4.2, DANA, "Dana Whitfield", "Thanks for joining the demo."),
        (4.5, 9.0, PRIYA, "priya raman", "Can you show us the review queue?"),
        (9.3, 15.0, DANA, "Dana Whitfield", "Sure. Every next step it proposes shows the quote it came from."),
    ]
    title, started_at = store.con.execute("SELECT title, started_at FROM raw.conversations").fetchone()
    assert title == "Northwind product demo"
    assert started_at == datetime(2026, 3, 10, 14, 0, tzinfo=timezone.utc)  # naive means UTC
    assert store.scalar("SELECT kind FROM raw.sources") == "transcript-json"


def test_json_segments_object(store):
    ingest_ok(store, DATA / "whisperx_export.json")
    assert said(store) == [
        (0.031, 3.52, "speaker_00", "SPEAKER_00", "Hi Marcus, it's Dana from Dealtape."),
        (3.9, 7.25, "speaker_01", "SPEAKER_01", "Hey Dana. We looked at the proposal yesterday."),
        (9.4, 14.1, "speaker_01", "SPEAKER_01", "Gong came in cheaper, so we need a better number."),
    ]


def test_second_ingest_adds_no_rows(store):
    paths = [DATA / name for name in GOOD]
    first = ingest_ok(store, *paths)
    before = rows(store)
    again = ingest_ok(store, *paths)
    assert first.written.new == len(GOOD) and before["conversations"] == len(GOOD)
    assert (again.written.new, again.written.duplicate) == (0, len(GOOD))
    assert rows(store) == before


def _copy(name: str):
    return lambda tmp: Path(shutil.copy(DATA / name, tmp))


def _teams_with_sidecar(sidecar: str):
    def make(tmp: Path) -> Path:
        (tmp / "teams_discovery.json").write_text(sidecar, encoding="utf-8")
        return Path(shutil.copy(DATA / "teams_discovery.vtt", tmp))
    return make


def _write(name: str, data: bytes):
    def make(tmp: Path) -> Path:
        (tmp / name).write_bytes(data)
        return tmp / name
    return make


BAD = {
    "empty vtt": (_copy("bad/empty.vtt"), None, "vtt", "empty file"),
    "empty srt": (_copy("bad/empty.srt"), None, "srt", "empty file"),
    "empty json": (_write("call.json", b""), "transcript-json", "transcript-json", "empty file"),
    "no header": (_copy("bad/no_header.vtt"), None, "vtt", "first line is not 'WEBVTT'"),
    "bad timestamp": (_copy("bad/bad_timestamp.vtt"), None, "vtt", "cue 2: timestamp '00:0x:09.000' unreadable"),
    "cue ends first": (_write("backwards.vtt", b"WEBVTT\n\n00:00:05.000 --> 00:00:02.000\nHello.\n"), None, "vtt",
                       "cue 1: ends at 00:00:02.000, before it starts at 00:00:05.000"),
    "srt timestamp": (_copy("bad/bad_timestamp.srt"), None, "srt", "subtitle 2: timing line unreadable"),
    "srt garbage": (_copy("bad/garbage.srt"), None, "srt", "unexpected text at line 1: 'Meeting notes"),
    "invalid json": (_copy("bad/truncated.json"), None, "transcript-json", "not valid JSON: Unterminated string starting at at line 1"),
    "wrong fields": (_copy("bad/wrong_fields.json"), None, "transcript-json", "segment 2: start 'soon'"),
    "not utf-8": (_write("call.vtt", b"\x00\xff\xfe\x00\x81\x9c" * 40), None, "vtt", "not valid UTF-8 at byte 1"),
    "sidecar not json": (_teams_with_sidecar('{"title": "Northwind",'), None, "vtt",
                         "sidecar teams_discovery.json: not valid JSON: "),
    "sidecar bad date": (_teams_with_sidecar('{"started_at": "next Tuesday"}'), None, "vtt",
                         "sidecar teams_discovery.json: started_at 'next Tuesday' is not an ISO-8601"),
    "sidecar wrong types": (_teams_with_sidecar('{"participants": "Dana, Priya"}'), None, "vtt",
                            "sidecar teams_discovery.json: 'participants' must be a list"),
}


@pytest.mark.parametrize("make, kind, reported_kind, reason", BAD.values(), ids=BAD.keys())
def test_bad_input_is_one_error_row_and_nothing_else(store, tmp_path, make, kind, reported_kind, reason):
    path = make(tmp_path)
    report = run([path], store, kind=kind)
    assert not report.ok
    assert [(r.uri, r.kind) for r in report.failed] == [(str(path), reported_kind)]
    errors = store.con.execute("SELECT uri, kind, error FROM raw.ingest_errors").fetchall()
    assert len(errors) == 1 and errors[0][:2] == (str(path), reported_kind)
    assert reason in errors[0][2] and "\n" not in errors[0][2]
    assert set(rows(store).values()) == {0}


def test_a_sidecar_alone_is_not_a_transcript(store, tmp_path):
    folder = tmp_path / "calls"
    folder.mkdir()
    sidecars = [Path(shutil.copy(DATA / name, folder)) for name in ("teams_discovery.json", "demo_call.meta.json")]
    assert not any(TranscriptJSON().detect(p) for p in sidecars)
    report = run([folder], store)
    assert report.ok and report.items == 0
    assert sorted(report.ignored) == sorted(sidecars)
    assert set(rows(store).values()) == {0}


def test_a_slack_day_file_is_not_a_transcript(store, tmp_path):
    day = tmp_path / "export" / "deals-northwind" / "2026-03-04.json"
    day.parent.mkdir(parents=True)
    day.write_text(json.dumps([
        {"type": "message", "user": "U01DANA", "text": "Northwind wants the quote by Friday",
         "ts": "1772640000.000100"},
        {"type": "message", "user": "U02PRIYA", "text": "start with 20 seats?", "ts": "1772640060.000200",
         "start": "tomorrow"},
    ]), encoding="utf-8")
    assert not TranscriptJSON().detect(day)
    run([tmp_path / "export"], store)
    assert store.scalar("SELECT count(*) FROM raw.sources WHERE kind = 'transcript-json'") == 0


def test_detection_claims_only_its_own_files(tmp_path):
    assert SRT().detect(DATA / "renewal_call.srt") and not SRT().detect(DATA / "zoom_pricing.vtt")
    assert TranscriptJSON().detect(DATA / "demo_call.json")
    assert TranscriptJSON().detect(DATA / "bad" / "truncated.json")  # so its error is reported, not skipped
    assert not TranscriptJSON().detect(DATA / "renewal_call.json")  # the .srt's sidecar
    assert not WebVTT().detect(DATA)
    # whisper writes the whole text of a long call before its segments
    long_call = tmp_path / "long_call.json"
    long_call.write_text(json.dumps({"text": "We talked pricing. " * 5000,
                                     "segments": [{"start": 0.0, "end": 2.0, "text": "We talked pricing."}]}))
    assert TranscriptJSON().detect(long_call)

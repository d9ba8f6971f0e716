"""The ingest runner: walking folders, detection, forced kinds, failures recorded and survived."""

import shutil

from conftest import DATA, raw_counts
from dealtape import ingest


def test_folder_walk_ignores_unknown_files_but_not_sidecars(store, tmp_path):
    shutil.copytree(DATA / "calls", tmp_path / "calls")
    (tmp_path / "calls" / "notes.md").write_text("# notes\n")
    report = ingest.run([tmp_path], store)
    assert report.ok
    assert report.ignored == [tmp_path / "calls" / "notes.md"]  # the .json sidecars were used, not ignored
    assert report.written.new == len(list((DATA / "calls").glob("*.vtt")))


def test_forced_kind_rejects_files_that_are_not_of_it(store, tmp_path):
    (tmp_path / "a.eml").write_bytes((DATA.parent / "tests" / "data" / "email" / "pricing.eml").read_bytes())
    (tmp_path / "readme.txt").write_text("just some notes\n")
    report = ingest.run([tmp_path], store, kind="eml")
    assert report.written.new == 1
    assert [r.uri for r in report.failed] == [str(tmp_path / "readme.txt")]
    assert store.scalar("SELECT count(*) FROM raw.ingest_errors") == 1


def test_missing_path_is_recorded_and_the_rest_goes_on(store, tmp_path):
    report = ingest.run([tmp_path / "nope.vtt", DATA / "calls"], store)
    assert [(r.uri, r.reason) for r in report.failed] == [(str(tmp_path / "nope.vtt"), "no such file or folder")]
    assert raw_counts(store)["conversations"] == len(list((DATA / "calls").glob("*.vtt")))


def test_a_failure_never_changes_what_is_stored(store, tmp_path):
    ingest.run([DATA / "email"], store)
    before = raw_counts(store)
    broken = tmp_path / "broken.mbox"
    broken.write_bytes((DATA / "email" / "demo.mbox").read_bytes()[:2500])
    report = ingest.run([broken], store)
    assert not report.ok
    after = raw_counts(store)
    assert after["ingest_errors"] == before["ingest_errors"] + len(report.failed)
    assert {k: v for k, v in after.items() if k != "ingest_errors"} == \
           {k: v for k, v in before.items() if k != "ingest_errors"}  # complete messages were already stored

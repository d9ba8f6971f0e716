"""The CLI end to end on the demo corpus: exact messages, exit codes, then the rows."""

import json
import re

import duckdb
import polars as pl
import pytest
from typer.testing import CliRunner

from conftest import DATA, ROOT, TEXT_DATA
from dealtape.cli import app
from dealtape import ingest

runner = CliRunner()


def dealtape(db, *args):
    return runner.invoke(app, ["--db", str(db), "--config", str(DATA / "dealtape.toml"), *args])


@pytest.fixture
def demo_db(tmp_path):
    db = tmp_path / "demo.duckdb"
    result = dealtape(db, "ingest", *TEXT_DATA)
    assert result.exit_code == 0, result.output
    return db


def test_ingest_summary_matches_the_rows(demo_db):
    con = duckdb.connect(str(demo_db), read_only=True)
    sources, convs = con.execute(
        "SELECT (SELECT count(*) FROM raw.sources), (SELECT count(*) FROM raw.conversations)").fetchall()[0]
    con.close()
    again = dealtape(demo_db, "ingest", *TEXT_DATA)
    assert again.exit_code == 0
    assert re.search(rf"^0 new, {sources} already had, 0 failed \(.*\); added 0 conversation", again.output, re.M)
    assert convs >= 8  # calls, email threads and chat threads of the demo corpus


def test_demo_accounts_exclude_our_domain_and_free_mail(demo_db):
    out = dealtape(demo_db, "sql", "select account from accounts order by 1", "--format", "plain").output.split()
    assert out and "brightwave.example" not in out and "gmail.com" not in out


def test_sql_formats(demo_db, tmp_path):
    csv = dealtape(demo_db, "sql", "select kind, count(*) as n from conversations group by 1 order by 1", "-f", "csv")
    assert csv.exit_code == 0
    assert csv.output.splitlines()[0] == "kind,n"
    as_json = json.loads(dealtape(demo_db, "sql", "select count(*) as n from timeline", "-f", "json").output)
    parquet = tmp_path / "t.parquet"
    written = dealtape(demo_db, "sql", "select * from timeline", "-f", "parquet", "-o", str(parquet))
    assert written.exit_code == 0
    assert pl.read_parquet(parquet).height == as_json[0]["n"] > 0


def test_sql_is_read_only(demo_db):
    result = dealtape(demo_db, "sql", "delete from raw.utterances")
    assert result.exit_code == 1
    assert result.output.splitlines()[0].startswith("Error: ")
    assert "read-only" in result.output
    con = duckdb.connect(str(demo_db), read_only=True)
    assert con.execute("SELECT count(*) FROM raw.utterances").fetchall()[0][0] > 0
    con.close()


def test_show_prints_participants_and_timeline(demo_db):
    con = duckdb.connect(str(demo_db), read_only=True)
    cid, first_text, n = con.execute(
        "SELECT conversation_id, arg_min(text, position), count(*) FROM timeline WHERE kind = 'call' "
        "GROUP BY conversation_id ORDER BY 1 LIMIT 1").fetchall()[0]
    con.close()
    result = dealtape(demo_db, "show", cid[:6])
    assert result.exit_code == 0, result.output
    assert first_text[:30] in " ".join(result.output.split())
    assert len(re.findall(r"^\d\d:\d\d ", result.output, re.M)) == n


def test_unknown_conversation_and_missing_database(demo_db, tmp_path):
    assert dealtape(demo_db, "show", "zzz").output.splitlines()[0] == "Error: no conversation 'zzz'"
    missing = dealtape(tmp_path / "none.duckdb", "status")
    assert missing.exit_code == 1
    assert missing.output.splitlines()[0] == f"Error: {tmp_path / 'none.duckdb'}: no such database"


def test_bad_file_is_one_line_recorded_and_costs_nothing(demo_db, tmp_path):
    before = duckdb.connect(str(demo_db), read_only=True)
    rows = before.execute("SELECT count(*) FROM raw.utterances").fetchall()[0][0]
    before.close()
    bad = tmp_path / "broken.vtt"
    bad.write_text("this is not a WebVTT file\n")
    result = dealtape(demo_db, "ingest", str(bad))
    assert result.exit_code == 1
    errors = [line for line in result.output.splitlines() if line.startswith("Error: ")]
    assert len(errors) == 1 and errors[0].startswith(f"Error: {bad}: ")
    con = duckdb.connect(str(demo_db), read_only=True)
    assert con.execute("SELECT count(*) FROM raw.utterances").fetchall()[0][0] == rows
    assert con.execute("SELECT uri FROM raw.ingest_errors").fetchall() == [(str(bad),)]
    con.close()


def test_unknown_kind_lists_the_valid_ones(tmp_path):
    result = dealtape(tmp_path / "x.duckdb", "ingest", "--kind", "fax", str(DATA))
    assert result.exit_code == 1
    assert result.output.splitlines()[0] == f"Error: unknown kind 'fax'; choose one of: {', '.join(ingest.INGESTORS)}"


def test_every_command_and_kind_is_in_the_readme():
    readme = (ROOT / "README.md").read_text()
    commands = [c.name or c.callback.__name__ for c in app.registered_commands]
    assert [c for c in commands if f"dealtape {c}" not in readme] == []
    assert [k for k in ingest.INGESTORS if f"| `{k}` |" not in readme] == []
    for name in ingest.INGESTORS:
        assert ingest.get(name).description

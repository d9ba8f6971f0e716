"""`dealtape extract` / `reprocess` / `runs` / `facts` end to end on the demo corpus.

One module-scoped scenario ingests data/ with data/dealtape.toml and walks the life of the
derived layer once (the models load once): extract, extract again, dry runs, an identical
reprocess, a reprocess under a new extractor version, a new conversation. Each step keeps a
snapshot; the tests check the snapshots.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

import duckdb
import pytest
from typer.testing import CliRunner

from conftest import DATA, TEXT_DATA
from dealtape.cli import app
from dealtape.extract import EXTRACTORS, get
from dealtape.models import config as config_lib

CONFIG = DATA / "dealtape.toml"
runner = CliRunner()

EXTRACTION_COLUMNS = ("extraction_id", "run_id", "conversation_id", "transcript_id", "deal_id", "field", "value",
                      "confidence", "fact_key", "evidence", "quote", "quote_start", "quote_end", "start_s", "said_at",
                      "extractor", "extractor_version", "models", "created_at", "abstained")
BUMPED = "deal_terms"            # the extractor whose version the scenario bumps (patterns only: fast)
BUMPED_VERSION = "2-test"
NEW_CALL = "2026-10-29-acme-signing"


def dealtape(db, *args):
    # A wide terminal so rich tables do not elide run ids.
    return runner.invoke(app, ["--db", str(db), "--config", str(CONFIG), *args], env={"COLUMNS": "250"})


def ok(result) -> str:
    assert result.exit_code == 0, result.output
    return result.output


def flat(text: str) -> str:
    return " ".join(text.split())


@dataclass
class Scenario:
    db: object
    outputs: dict[str, object] = field(default_factory=dict)   # step -> CliRunner result
    extractions: dict[str, list[tuple]] = field(default_factory=dict)  # step -> raw.extractions rows
    counts: dict[str, tuple] = field(default_factory=dict)      # step -> (runs, extractions, coverage)
    runs: list[str] = field(default_factory=list)               # run ids, oldest first
    registry_versions: dict[str, str] = field(default_factory=dict)
    new_conversation: str | None = None
    conversations: dict[str, int] = field(default_factory=dict)  # step -> conversations in the db then
    expected: dict[str, int] = field(default_factory=dict)       # what the dry runs should count

    def query(self, sql: str, params: list | None = None) -> list[tuple]:
        con = duckdb.connect(str(self.db), read_only=True)
        try:
            return con.execute(sql, params or []).fetchall()
        finally:
            con.close()

    def snapshot(self, step: str) -> None:
        self.extractions[step] = self.query(
            f"SELECT {', '.join(EXTRACTION_COLUMNS)} FROM raw.extractions ORDER BY extraction_id")
        self.counts[step] = self.query("""SELECT (SELECT count(*) FROM raw.extraction_runs),
            (SELECT count(*) FROM raw.extractions), (SELECT count(*) FROM raw.extraction_coverage)""")[0]
        self.runs = [r[0] for r in self.query("SELECT run_id FROM raw.extraction_runs ORDER BY started_at")]
        self.conversations[step] = self.query("SELECT count(*) FROM conversations")[0][0]

    def rows(self, step: str, run_id: str | None = None, *, abstained: bool = False) -> list[dict]:
        """The step's extraction rows: proposals only, unless `abstained` (below the threshold) too."""
        out = [dict(zip(EXTRACTION_COLUMNS, r)) for r in self.extractions[step]]
        return [r for r in out if (run_id is None or r["run_id"] == run_id) and (abstained or not r["abstained"])]


def _new_call(folder) -> None:
    """One more Acme call, on the Acme deal: what `extract` must pick up (and nothing else but its deal)."""
    meta = json.loads((DATA / "calls" / "2026-10-06-acme-pricing.json").read_text(encoding="utf-8"))
    meta.update(title="Acme Logistics - signing", started_at="2026-10-29T10:00:00-04:00")
    (folder / f"{NEW_CALL}.json").write_text(json.dumps(meta), encoding="utf-8")
    (folder / f"{NEW_CALL}.vtt").write_text("""WEBVTT

00:00:01.000 --> 00:00:04.000
<v Maya Chen>Morning Dana, thanks for jumping on.</v>

00:00:04.500 --> 00:00:09.000
<v Dana Whitfield>Morning. Good news, our CFO signed the order form last night.</v>

00:00:09.500 --> 00:00:14.000
<v Maya Chen>That's great. I'll send the onboarding schedule by Friday.</v>
""", encoding="utf-8")


@pytest.fixture(scope="module")
def scenario(tmp_path_factory) -> Scenario:
    folder = tmp_path_factory.mktemp("extract-pipeline")
    s = Scenario(folder / "demo.duckdb")
    ok(dealtape(s.db, "ingest", *TEXT_DATA))
    s.registry_versions = {name: get(name).version for name in EXTRACTORS}

    s.outputs["extract"] = dealtape(s.db, "extract")
    s.snapshot("extract")
    s.outputs["extract_again"] = dealtape(s.db, "extract")
    s.snapshot("extract_again")

    # What a filter selects: exactly the matching conversations for a conversation-level
    # extractor; for the deal-level stage extractor, also the rest of their deals.
    for name, condition in (("calls", "kind = 'call'"), ("since", "started_at >= DATE '2026-10-01'")):
        s.expected[name] = s.query(f"SELECT count(*) FROM conversations WHERE {condition}")[0][0]
        s.expected[name + "+deals"] = s.query(f"""
            WITH chosen AS (SELECT conversation_id FROM conversations WHERE {condition})
            SELECT count(*) FROM conversation_deals
            WHERE conversation_id IN (SELECT * FROM chosen)
               OR deal_id IN (SELECT deal_id FROM conversation_deals WHERE conversation_id IN (SELECT * FROM chosen))""")[0][0]
    for step, args in {
        "dry_run": ["--dry-run"],
        "dry_run_calls": ["--dry-run", "--where", "kind = 'call'"],
        "dry_run_calls_next_step": ["--dry-run", "--where", "kind = 'call'", "--extractor", "next_step"],
        "dry_run_since": ["--dry-run", "--since", "2026-10-01"],
        "dry_run_since_next_step": ["--dry-run", "--since", "2026-10-01", "-e", "next_step"],
        "bad_where": ["--where", "no_such_column = 1"],
    }.items():
        s.outputs[step] = dealtape(s.db, "reprocess", *args)
        s.snapshot(step)

    s.outputs["reprocess"] = dealtape(s.db, "reprocess")
    s.snapshot("reprocess")
    s.outputs["runs"] = dealtape(s.db, "runs")
    s.outputs["diff"] = dealtape(s.db, "runs", "diff", "previous", "latest")

    with pytest.MonkeyPatch.context() as mp:  # a new release of one extractor
        mp.setattr(get(BUMPED), "version", BUMPED_VERSION)
        s.outputs["extractors_bumped"] = dealtape(s.db, "extractors")
        s.outputs["reprocess_bumped"] = dealtape(s.db, "reprocess", "--extractor", BUMPED)
    s.snapshot("reprocess_bumped")

    calls = folder / "new_calls"
    calls.mkdir()
    _new_call(calls)
    ok(dealtape(s.db, "ingest", str(calls)))
    s.new_conversation = s.query("SELECT conversation_id FROM conversations WHERE title = 'Acme Logistics - signing'")[0][0]
    s.outputs["extract_new"] = dealtape(s.db, "extract")
    s.snapshot("extract_new")

    s.outputs["facts"] = dealtape(s.db, "facts")
    s.outputs["facts_acme_amount"] = dealtape(s.db, "facts", "--deal", "Acme", "--field", "amount")
    s.outputs["extractors"] = dealtape(s.db, "extractors")
    return s


# ---- extract ---------------------------------------------------------------------------------

def test_extract_fills_raw_extractions(scenario):
    out = ok(scenario.outputs["extract"])
    n_conversations = scenario.conversations["extract"]
    assert re.search(rf"^run extract-\S+: {n_conversations} conversation\(s\)", out, re.M), out
    rows = scenario.rows("extract")
    assert rows and {r["run_id"] for r in rows} == {scenario.runs[0]}
    fields = {r["field"] for r in rows}
    assert {"next_step", "objection", "competitor", "amount", "close_date", "stage"} <= fields
    # The summary line counts what was written.
    for name, n in re.findall(r"(\w+) (\d+)", out.split("facts:")[1]):
        assert sum(r["field"] == name for r in rows) == int(n), name


def test_every_quote_is_verbatim_from_its_first_evidence_utterance(scenario):
    checked = scenario.query("""
        SELECT e.extraction_id, e.quote, e.quote_start, e.quote_end, u.text
        FROM raw.extractions e LEFT JOIN raw.utterances u ON u.utterance_id = e.evidence ->> 0""")
    assert checked
    for extraction_id, quote, start, end, text in checked:
        assert text is not None, f"{extraction_id}: first evidence is not an utterance"
        assert quote and text[start:end] == quote, (extraction_id, quote, text)


def test_rows_carry_confidence_provenance_and_time(scenario):
    for r in scenario.rows("extract"):
        assert 0.0 <= r["confidence"] <= 1.0
        assert r["extractor"] in EXTRACTORS
        assert r["extractor_version"] == scenario.registry_versions[r["extractor"]]
        assert r["said_at"] is not None
        extractor = get(r["extractor"])
        models = json.loads(r["models"])
        if extractor.heads or extractor.uses_spacy:
            assert models, r["extractor"]
            for head in extractor.heads:
                assert any(m.startswith(f"{head}-head@") for m in models), (head, models)
        else:
            assert models == []
    recorded = scenario.query("SELECT extractors FROM raw.extraction_runs WHERE run_id = ?", [scenario.runs[0]])
    assert json.loads(recorded[0][0]) == scenario.registry_versions


def test_second_extract_has_nothing_to_do(scenario):
    out = ok(scenario.outputs["extract_again"])
    assert out.startswith("nothing to do: 0 conversation(s)")
    assert scenario.extractions["extract_again"] == scenario.extractions["extract"]
    assert scenario.counts["extract_again"] == scenario.counts["extract"]


# ---- reprocess -------------------------------------------------------------------------------

def test_dry_run_counts_and_writes_nothing(scenario):
    total = scenario.conversations["dry_run"]
    e = scenario.expected
    assert e["calls"] == len(list((DATA / "calls").glob("*.vtt")))
    assert 0 < e["calls"] < e["calls+deals"] < total and 0 < e["since"] <= e["since+deals"] < total
    for step, expected, extractors in (
            ("dry_run", total, ", ".join(EXTRACTORS)),
            ("dry_run_calls", e["calls+deals"], ", ".join(EXTRACTORS)),
            ("dry_run_calls_next_step", e["calls"], "next_step"),
            ("dry_run_since", e["since+deals"], ", ".join(EXTRACTORS)),
            ("dry_run_since_next_step", e["since"], "next_step")):
        out = ok(scenario.outputs[step])
        assert out == f"would process {expected} conversation(s) with {extractors}\n", (step, out)
        assert scenario.counts[step] == scenario.counts["extract"], step
        assert scenario.extractions[step] == scenario.extractions["extract"], step


def test_bad_where_is_one_error_line(scenario):
    result = scenario.outputs["bad_where"]
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len([line for line in lines if line.startswith("Error:")]) == 1
    assert lines[0].startswith("Error:") and "no_such_column" in lines[0]
    assert "Traceback" not in result.output
    assert scenario.counts["bad_where"] == scenario.counts["extract"]


def test_reprocess_is_a_new_run_with_the_same_facts(scenario):
    out = ok(scenario.outputs["reprocess"])
    assert out.startswith("run reprocess-")
    first, second = scenario.runs[0], scenario.runs[1]
    before = scenario.rows("extract")
    after = scenario.rows("reprocess")
    assert len(after) == 2 * len(before)
    # The first run's rows are untouched, column for column.
    assert [r for r in scenario.extractions["reprocess"] if r[1] == first] == scenario.extractions["extract"]

    def facts(rows):
        return {(r["conversation_id"], r["field"], r["fact_key"], r["value"]) for r in rows}

    assert facts(scenario.rows("reprocess", second)) == facts(before)
    assert len(scenario.rows("reprocess", second)) == len(before)
    # Abstained facts (kept for review on demand) are as deterministic as the proposals.
    abstained = [r for r in scenario.rows("extract", abstained=True) if r["abstained"]]
    assert abstained
    assert facts(r for r in scenario.rows("reprocess", second, abstained=True) if r["abstained"]) == facts(abstained)


def test_runs_lists_the_runs(scenario):
    out = ok(scenario.outputs["runs"])
    listed = re.findall(r"\b(?:extract|reprocess)-\d{8}T\d{6}-[0-9a-f]{6}\b", out)
    assert listed == [scenario.runs[1], scenario.runs[0]]  # newest first
    assert re.search(r"\bok\b", out)


def test_runs_diff_after_an_identical_reprocess(scenario):
    out = ok(scenario.outputs["diff"])
    rows = re.findall(r"^\W*([a-z_]+)\W+(\d+)\W+(\d+)\W+(\d+)\W+(\d+)\W*$", out, re.M)
    fields = {r["field"] for r in scenario.rows("extract")}
    assert {name for name, *_ in rows} == fields
    for name, added, removed, changed, unchanged in rows:
        assert (added, removed, changed) == ("0", "0", "0"), name
        assert int(unchanged) == sum(r["field"] == name for r in scenario.rows("extract")), name


def test_new_extractor_version_is_recorded_and_old_rows_stay(scenario):
    assert re.search(rf"^{BUMPED}\s+v{re.escape(BUMPED_VERSION)}\b", scenario.outputs["extractors_bumped"].output, re.M)
    ok(scenario.outputs["reprocess_bumped"])
    third = scenario.runs[2]
    recorded = json.loads(scenario.query("SELECT extractors FROM raw.extraction_runs WHERE run_id = ?", [third])[0][0])
    assert recorded == {BUMPED: BUMPED_VERSION}
    new_rows = scenario.rows("reprocess_bumped", third)
    assert new_rows and {(r["extractor"], r["extractor_version"]) for r in new_rows} == {(BUMPED, BUMPED_VERSION)}
    old_rows = [r for r in scenario.extractions["reprocess_bumped"] if r[1] != third]
    assert old_rows == scenario.extractions["reprocess"]
    assert BUMPED_VERSION not in {r["extractor_version"] for r in scenario.rows("reprocess")}
    # Coverage says which version covered each conversation in that run.
    versions = scenario.query("SELECT DISTINCT extractor, version FROM raw.extraction_coverage WHERE run_id = ?", [third])
    assert versions == [(BUMPED, BUMPED_VERSION)]
    # The version is back after the patch: later runs record the registry's own version.
    assert get(BUMPED).version == scenario.registry_versions[BUMPED]


# ---- a new conversation ----------------------------------------------------------------------

def test_extract_after_ingest_processes_only_the_new_conversation_and_its_deal(scenario):
    out = ok(scenario.outputs["extract_new"])
    assert out.startswith("run extract-")
    latest = scenario.runs[-1]
    new = scenario.new_conversation
    coverage: dict[str, set[str]] = {}
    for conversation_id, extractor in scenario.query(
            "SELECT conversation_id, extractor FROM raw.extraction_coverage WHERE run_id = ?", [latest]):
        coverage.setdefault(extractor, set()).add(conversation_id)
    deal = {r[0] for r in scenario.query("""
        SELECT conversation_id FROM conversation_deals
        WHERE deal_id = (SELECT deal_id FROM conversation_deals WHERE conversation_id = ?)""", [new])}
    assert len(deal) > 1  # the Acme deal had conversations before this one
    assert set(coverage) == set(EXTRACTORS)
    for name in EXTRACTORS:
        expected = deal if get(name).scope == "deal" else {new}
        assert coverage[name] == expected, name
    written = scenario.rows("extract_new", latest)
    assert {r["conversation_id"] for r in written if r["extractor"] != "stage"} <= {new}
    assert {r["conversation_id"] for r in written} <= deal
    # Older rows are still there, unchanged.
    assert [r for r in scenario.extractions["extract_new"] if r[1] != latest] == scenario.extractions["reprocess_bumped"]


def test_new_conversation_facts(scenario):
    new = scenario.new_conversation
    found = {(r["field"], r["value"]) for r in scenario.rows("extract_new", scenario.runs[-1])
             if r["conversation_id"] == new}
    steps = [json.loads(v) for f, v in found if f == "next_step"]
    assert any("onboarding schedule" in s["action"] and s["owner_email"] == "maya@brightwave.example"
               and s["due_date"] == "2026-10-30" for s in steps), steps
    stages = [json.loads(v)["stage"] for f, v in found if f == "stage"]
    assert stages == ["closed_won"]


# ---- the facts view and command --------------------------------------------------------------

def test_facts_view_holds_only_each_conversations_latest_run(scenario):
    latest: dict[tuple[str, str], tuple] = {}
    for run_id, conversation_id, extractor, covered_at in scenario.query(
            "SELECT run_id, conversation_id, extractor, covered_at FROM raw.extraction_coverage"):
        key = (conversation_id, extractor)
        if key not in latest or covered_at > latest[key][1]:
            latest[key] = (run_id, covered_at)
    expected = {r["extraction_id"] for r in scenario.rows("extract_new")
                if latest[(r["conversation_id"], r["extractor"])][0] == r["run_id"]}
    current = {r[0] for r in scenario.query("SELECT extraction_id FROM facts")}
    assert current == expected
    assert 0 < len(current) < len(scenario.rows("extract_new"))
    # deal_terms facts come from the bumped run (or the newest extract), the others from the reprocess or later.
    runs = dict(scenario.query("SELECT extractor, string_agg(DISTINCT run_id, ' ') FROM facts GROUP BY 1"))
    assert scenario.runs[0] not in " ".join(runs.values())
    assert set(runs[BUMPED].split()) <= {scenario.runs[2], scenario.runs[3]}
    assert scenario.runs[2] in runs[BUMPED] and scenario.runs[2] not in runs["next_step"]


def test_facts_command_prints_quotes(scenario):
    out = flat(ok(scenario.outputs["facts"]))
    quotes = [r[0] for r in scenario.query("SELECT quote FROM facts WHERE field IN ('next_step', 'objection')")]
    assert quotes
    for quote in quotes:
        assert flat(quote) in out, quote
    acme = flat(ok(scenario.outputs["facts_acme_amount"]))
    assert "Acme Logistics - Annual Platform" in acme
    assert "USD 44,000" in acme and "$44,000 a year" in acme
    assert "next_step" not in acme and "Globex" not in acme


def test_extractors_lists_the_registry(scenario):
    out = ok(scenario.outputs["extractors"])
    assert [line.split()[0] for line in out.splitlines() if line.strip()] == list(EXTRACTORS)
    for name in EXTRACTORS:
        assert re.search(rf"^{name}\s+v{re.escape(get(name).version)}\s+writes ", out, re.M)


# ---- the demo corpus's planted facts (data/calls/*.vtt, data/README.md) -------------------------

def _by_title(scenario, title_like: str, field_name: str) -> list[dict]:
    ids = {r[0] for r in scenario.query("SELECT conversation_id FROM conversations WHERE title LIKE ?", [title_like])}
    assert ids, title_like
    rows = scenario.query(f"SELECT field, value, quote, side FROM facts WHERE field = ? AND conversation_id IN "
                          f"(SELECT unnest(?))", [field_name, sorted(ids)])
    return [dict(field=f, value=json.loads(v), quote=q, side=s) for f, v, q, s in rows]


def _canonical(alias: str) -> str:
    """The configured competitor name that `alias` belongs to (data/dealtape.toml [competitors])."""
    competitors = config_lib.load(CONFIG).raw.get("competitors") or {}
    for name, aliases in competitors.items():
        if alias.casefold() in {a.casefold() for a in (name, *aliases)}:
            return name
    pytest.fail(f"{alias} is not in [competitors] of {CONFIG}")


def test_planted_acme_amount_and_close_date(scenario):
    amounts = {f["value"]["amount"] for f in _by_title(scenario, "Acme Logistics - proposal review", "amount")}
    assert 44000 in amounts
    closes = [f["value"]["close_date"] for f in _by_title(scenario, "Acme Logistics - proposal review", "close_date")]
    assert closes == ["2026-10-30"]  # "we really need it signed by October 30th"


def test_planted_competitors(scenario):
    initech = {f["value"]["name"]: f["value"]["active"] for f in _by_title(scenario, "Initech <> Brightwave%", "competitor")}
    assert initech.get(_canonical("Clari")) is True
    acme = {f["value"]["name"]: f["value"]["active"] for f in _by_title(scenario, "Acme Logistics - proposal%", "competitor")}
    assert acme.get(_canonical("Clari")) is True
    globex = {f["value"]["name"]: f for f in _by_title(scenario, "Globex Health | Brightwave demo%", "competitor")}
    assert globex[_canonical("Gong")]["value"]["active"] is True
    chorus = globex[_canonical("Chorus")]
    assert chorus["value"]["active"] is False and "ruled it out" in chorus["quote"]


def test_planted_security_objection_at_globex_and_no_false_price_objections(scenario):
    security = [f for f in _by_title(scenario, "Globex Health | Brightwave demo%", "objection")
                if f["value"]["category"] == "security"]
    assert len(security) == 1 and security[0]["side"] == "external"
    # "price isn't a concern for us at this stage" (Globex), "if price were an issue" (Initech)
    for title in ("Globex Health | Brightwave demo%", "Initech <> Brightwave%"):
        assert [f for f in _by_title(scenario, title, "objection") if f["value"]["category"] == "price"] == [], title


def test_planted_next_steps(scenario):
    steps = {f["quote"]: f["value"] for f in _by_title(scenario, "Initech <> Brightwave%", "next_step")}
    maya = [v for q, v in steps.items() if "two customer references" in q]
    assert [(v["owner_email"], v["due_date"]) for v in maya] == [("maya@brightwave.example", "2026-09-11")]
    joanna = [v for q, v in steps.items() if "loop in Ken early next week" in q]
    assert [(v["owner_email"], v["due_date"]) for v in joanna] == [("joanna.reyes@initech.example", "2026-09-14")]
    acme = _by_title(scenario, "Acme Logistics - proposal review", "next_step")
    assert not [f for f in acme if "already sent the deck" in f["quote"]]
    assert any("revised proposal" in f["value"]["action"] and f["value"]["due_date"] == "2026-10-07" for f in acme)


def test_planted_request_addressed_by_name_is_owned_by_the_addressee(scenario):
    # Maya: "Curtis, you'll send the export of last quarter's deals?"  Curtis: "Yeah, I'll get that to you by next Wednesday."
    steps = [f for f in _by_title(scenario, "Initech <> Brightwave%", "next_step")
             if "export of last quarter" in f["quote"] or "get that to you by next Wednesday" in f["quote"]]
    assert steps and {f["value"]["owner_email"] for f in steps} == {"curtis.lee@initech.example"}


def test_planted_harbor_bikes_closed_won(scenario):
    # Harbor Bikes' only call: "Yep, I signed the order form this morning."
    stages = [f["value"]["stage"] for f in _by_title(scenario, "Harbor Bikes%", "stage")]
    assert stages and stages[-1] == "closed_won"


@pytest.mark.parametrize("category", [
    "timing",     # "We're in the middle of a sales reorg ... nothing new rolls out before Q1."
    "authority",  # "I can't sign off on this myself. Anything over twenty-five thousand goes to Ken, our CRO"
])
def test_planted_initech_objections(scenario, category):
    categories = {f["value"]["category"] for f in _by_title(scenario, "Initech <> Brightwave%", "objection")}
    assert category in categories


def test_planted_possessive_competitor_mention(scenario):
    names = {f["value"]["name"] for f in _by_title(scenario, "Harbor Bikes%", "competitor")}
    assert _canonical("Gong") in names



def test_several_batches_with_the_embedding_worker_give_the_same_facts(scenario, tmp_path, monkeypatch):
    """A run of more than one batch embeds in a worker process while the main thread parses and
    extracts the batch before: batched that way, the facts are those of the one-batch,
    in-process runs above."""
    from dealtape.extract import nlp, pipeline
    from dealtape.extract.settings import ExtractSettings
    from dealtape.models.store import Store

    copy = tmp_path / "worker.duckdb"
    copy.write_bytes(scenario.db.read_bytes())
    monkeypatch.setattr(pipeline, "BATCH_CONVERSATIONS", 4)
    workers = nlp.embedding_worker.cache_info().currsize
    config = config_lib.load(CONFIG)
    facts = """SELECT conversation_id, field, fact_key, value, confidence, abstained FROM {}
               extractor <> ? ORDER BY ALL"""  # the bumped extractor's current facts carry its test version
    with Store.open(copy, config=config) as store:
        before = store.con.execute(facts.format("current_extractions WHERE"), [BUMPED]).fetchall()
        selection = pipeline.select(store, everything=True)
        assert selection.conversations > 2 * pipeline.BATCH_CONVERSATIONS
        report = pipeline.run(store, ExtractSettings.from_config(config), selection, command="reprocess")
        batched = store.con.execute(facts.format("raw.extractions WHERE run_id = ? AND"), [report.run_id, BUMPED])
        batched = batched.fetchall()
    assert nlp.embedding_worker.cache_info().currsize == workers + 1
    assert before and len(batched) == len(before)
    for new, old in zip(batched, before):  # bfloat16 sums depend a little on the batch's padding
        assert new[:4] + new[5:] == old[:4] + old[5:] and new[4] == pytest.approx(old[4], abs=0.01)

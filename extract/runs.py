"""Reading extraction runs: the list, and what changed between two of them."""

from __future__ import annotations

import polars as pl

from ..models.errors import DealtapeError
from ..models.store import Store


def runs(store: Store, limit: int | None = None) -> pl.DataFrame:
    """Runs, newest first, with what they covered and found."""
    return store.query(f"""
        SELECT run_id, command, started_at,
               round(epoch(finished_at) - epoch(started_at), 1) AS seconds,
               coalesce(status, 'running or killed') AS status, conversations, facts,
               (SELECT string_agg(k || '@' || (extractors ->> k), ' ' ORDER BY k)
                FROM (SELECT unnest(json_keys(extractors)) AS k)) AS extractors
        FROM extraction_runs ORDER BY started_at DESC {'LIMIT ' + str(int(limit)) if limit else ''}""")


def resolve_run(store: Store, prefix: str) -> str:
    """A run id from its full id or a unique prefix (or 'latest', 'previous')."""
    if prefix in ("latest", "previous"):
        ids = [r[0] for r in store.con.execute(
            "SELECT run_id FROM raw.extraction_runs ORDER BY started_at DESC LIMIT 2").fetchall()]
        index = 0 if prefix == "latest" else 1
        if len(ids) <= index:
            raise DealtapeError(f"there is no {prefix} extraction run", hint="see `dealtape runs`")
        return ids[index]
    ids = [r[0] for r in store.con.execute(
        "SELECT run_id FROM raw.extraction_runs WHERE starts_with(run_id, ?)", [prefix]).fetchall()]
    if not ids:
        raise DealtapeError(f"no extraction run matches {prefix!r}", hint="see `dealtape runs`")
    if len(ids) > 1:
        raise DealtapeError(f"{prefix!r} matches {len(ids)} runs; give more of the id")
    return ids[0]


def diff(store: Store, a: str, b: str) -> pl.DataFrame:
    """Per field, proposed (not abstained) facts added, removed, changed and unchanged from run A to run B.

    Only conversations both runs processed (with the same extractor) are compared, so a run
    over new conversations does not count as having removed the old ones' facts.
    """
    a, b = resolve_run(store, a), resolve_run(store, b)
    return store.query("""
        WITH both_covered AS (
            SELECT conversation_id, extractor FROM raw.extraction_coverage WHERE run_id = $a
            INTERSECT
            SELECT conversation_id, extractor FROM raw.extraction_coverage WHERE run_id = $b
        ), fa AS (
            SELECT e.field, e.fact_key, e.value FROM raw.extractions e JOIN both_covered USING (conversation_id, extractor)
            WHERE e.run_id = $a AND NOT e.abstained
        ), fb AS (
            SELECT e.field, e.fact_key, e.value FROM raw.extractions e JOIN both_covered USING (conversation_id, extractor)
            WHERE e.run_id = $b AND NOT e.abstained
        ), joined AS (
            SELECT coalesce(fa.field, fb.field) AS field,
                   CASE WHEN fa.fact_key IS NULL THEN 'added'
                        WHEN fb.fact_key IS NULL THEN 'removed'
                        WHEN fa.value::VARCHAR <> fb.value::VARCHAR THEN 'changed'
                        ELSE 'unchanged' END AS change
            FROM fa FULL OUTER JOIN fb ON fa.fact_key = fb.fact_key
        )
        SELECT field,
               count(*) FILTER (WHERE change = 'added') AS added,
               count(*) FILTER (WHERE change = 'removed') AS removed,
               count(*) FILTER (WHERE change = 'changed') AS changed,
               count(*) FILTER (WHERE change = 'unchanged') AS unchanged
        FROM joined GROUP BY field ORDER BY field""", {"a": a, "b": b})

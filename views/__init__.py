"""The CRM as SQL, one file per view or derived table, applied in filename order.

A `NN_name.sql` file holds one `CREATE OR REPLACE VIEW name`. A `NN_derived_name.sql` file holds
one `CREATE OR REPLACE TABLE derived.name AS ...` and a `-- key: COLUMN` line: a table the
views read instead of recomputing it from the raw tables on every query. `refresh` rebuilds
them after a write (all of them after ingest or extraction, the rows of a few keys after a
review decision); the store calls it, and `dealtape refresh` does it by hand.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from importlib import resources

import duckdb

_DERIVED = re.compile(r"CREATE OR REPLACE TABLE (derived\.\w+) AS\s", re.I)
_KEY = re.compile(r"^-- key: (\w+)\s*$", re.M)


@dataclass(frozen=True)
class ViewFile:
    name: str   # file stem, e.g. "03_timeline"
    sql: str

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.sql.encode("utf-8")).hexdigest()

    @property
    def object(self) -> str:
        """The view or table it creates: "timeline", "derived.deals"."""
        stem = self.name.split("_", 1)[1]
        return "derived." + stem.removeprefix("derived_") if stem.startswith("derived_") else stem

    @property
    def derived(self) -> bool:
        return self.object.startswith("derived.")

    @property
    def key(self) -> str:
        return _KEY.search(self.sql)[1]

    @property
    def select(self) -> str:
        """The query a derived table is made of."""
        return self.sql[_DERIVED.search(self.sql).end():].strip().rstrip(";")


def view_files() -> list[ViewFile]:
    folder = resources.files("dealtape.views")
    files = sorted(f for f in folder.iterdir() if f.name.endswith(".sql") and f.name[:2].isdigit())
    return [ViewFile(f.name.removesuffix(".sql"), f.read_text(encoding="utf-8")) for f in files]


def _existing(con: duckdb.DuckDBPyConnection) -> set[str]:
    views = con.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal AND schema_name = 'main'").fetchall()
    tables = con.execute("SELECT 'derived.' || table_name FROM duckdb_tables() WHERE schema_name = 'derived'").fetchall()
    return {r[0] for r in views + tables}


def apply(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Create or replace every view whose SQL changed since it was last applied; after a change,
    every derived table that follows is rebuilt too (it may read what changed)."""
    con.execute(
        "CREATE TABLE IF NOT EXISTS _dealtape_views (name VARCHAR, sha256 VARCHAR, applied_at TIMESTAMPTZ)"
    )
    current = dict(con.execute(
        "SELECT name, arg_max(sha256, applied_at) FROM _dealtape_views GROUP BY name"
    ).fetchall())
    existing = _existing(con)
    changed = []
    for view in view_files():
        if current.get(view.name) == view.digest and view.object in existing and not (changed and view.derived):
            continue
        con.execute(view.sql)
        con.execute("INSERT INTO _dealtape_views VALUES (?, ?, now())", [view.name, view.digest])
        changed.append(view.name)
    return changed


def refresh(con: duckdb.DuckDBPyConnection, *, conversation_ids: list[str] | None = None,
            fact_keys: list[str] | None = None) -> None:
    """Rebuild the derived tables from the raw ones: all of them, or only the rows that a
    decision on these conversations (a reassignment) or facts can change, and the rows of their
    deals. The caller holds the transaction."""
    tables = [v for v in view_files() if v.derived]
    assert tables[0].object == "derived.conversation_deals"  # `_refresh_rows` starts from it
    if conversation_ids is None and fact_keys is None:
        for table in tables:
            con.execute(table.sql)
    else:
        _refresh_rows(con, tables, list(conversation_ids or []), list(fact_keys or []))


def _refresh_rows(con, tables: list[ViewFile], conversation_ids: list[str], fact_keys: list[str]) -> None:
    def column(sql: str, values) -> set:
        return {r[0] for r in con.execute(sql, [sorted(values)]).fetchall()} - {None}

    def rebuild(table: ViewFile, values: set) -> None:
        if values:  # one placeholder per value: a list of constants reaches the table scans
            where = f"WHERE {table.key} IN ({', '.join('?' * len(values))})"
            con.execute(f"DELETE FROM {table.object} {where}", sorted(values))
            con.execute(f"INSERT INTO {table.object} BY NAME SELECT * FROM ({table.select}) {where}", sorted(values))

    deals_of = "SELECT deal_id FROM derived.conversation_deals WHERE conversation_id IN (SELECT unnest(?))"
    conversations = set(conversation_ids) | column(
        "SELECT conversation_id FROM derived.fact_states WHERE fact_key IN (SELECT unnest(?))", fact_keys)
    deals = column(deals_of, conversations)
    first, *rest = tables  # derived.conversation_deals: where each conversation is now
    rebuild(first, conversations)
    deals |= column(deals_of, conversations)
    if conversation_ids:  # a reassignment: the deals it left and joined change their last activity,
        conversations |= column(  # which opens or closes next steps of their other conversations
            "SELECT conversation_id FROM derived.conversation_deals WHERE deal_id IN (SELECT unnest(?))", deals)
    for table in rest:
        rebuild(table, conversations if table.key == "conversation_id" else deals)

"""The CRM as SQL: one `CREATE OR REPLACE VIEW` per file, applied in filename order."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from importlib import resources

import duckdb


@dataclass(frozen=True)
class ViewFile:
    name: str   # file stem, e.g. "03_timeline"
    sql: str

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.sql.encode("utf-8")).hexdigest()


def view_files() -> list[ViewFile]:
    folder = resources.files("dealtape.views")
    files = sorted(f for f in folder.iterdir() if f.name.endswith(".sql") and f.name[:2].isdigit())
    return [ViewFile(f.name.removesuffix(".sql"), f.read_text(encoding="utf-8")) for f in files]


def apply(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Create or replace every view whose SQL changed since it was last applied."""
    con.execute(
        "CREATE TABLE IF NOT EXISTS _dealtape_views (name VARCHAR, sha256 VARCHAR, applied_at TIMESTAMPTZ)"
    )
    current = dict(con.execute(
        "SELECT name, arg_max(sha256, applied_at) FROM _dealtape_views GROUP BY name"
    ).fetchall())
    existing = {r[0] for r in con.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall()}
    changed = []
    for view in view_files():
        view_name = view.name.split("_", 1)[1]
        if current.get(view.name) == view.digest and view_name in existing:
            continue
        con.execute(view.sql)
        con.execute("INSERT INTO _dealtape_views VALUES (?, ?, now())", [view.name, view.digest])
        changed.append(view.name)
    return changed

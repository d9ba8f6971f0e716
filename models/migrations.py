"""Numbered SQL migrations, applied in order and recorded in `_dealtape_migrations`."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

import duckdb

TABLE = "_dealtape_migrations"


@dataclass(frozen=True)
class Migration:
    name: str  # e.g. "001_core"
    sql: str


def available() -> list[Migration]:
    folder = resources.files("dealtape.models") / "migrations"
    files = sorted(f for f in folder.iterdir() if f.name.endswith(".sql"))
    return [Migration(f.name.removesuffix(".sql"), f.read_text(encoding="utf-8")) for f in files]


def applied(con: duckdb.DuckDBPyConnection) -> dict[str, object]:
    """Applied migration names mapped to when they were applied (empty for a new file)."""
    exists = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [TABLE]
    ).fetchall()[0][0]
    if not exists:
        return {}
    return dict(con.execute(f"SELECT name, applied_at FROM {TABLE} ORDER BY name").fetchall())


def pending(con: duckdb.DuckDBPyConnection) -> list[Migration]:
    done = applied(con)
    return [m for m in available() if m.name not in done]


def migrate(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Apply pending migrations, one transaction each together with its record."""
    con.execute(f"CREATE TABLE IF NOT EXISTS {TABLE} (name VARCHAR PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL)")
    names = []
    for migration in pending(con):
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(migration.sql)
            con.execute(f"INSERT INTO {TABLE} VALUES (?, now())", [migration.name])
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
        names.append(migration.name)
    return names

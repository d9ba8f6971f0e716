"""Shared fixtures: real DuckDB files in temporary folders, the shared bench material."""

from __future__ import annotations

from pathlib import Path

import pytest

from dealtape.models.config import Config, TeamConfig
from dealtape.models.store import Store

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
# The demo corpus without its recordings: speech-to-text would add a minute to every module that
# ingests it, and the audio tests cover the recordings.
TEXT_DATA = tuple(str(DATA / folder) for folder in ("calls", "email", "slack"))
SHARED = ROOT.parent / "shared"
EXTERNAL = SHARED / "bench" / "external"


RAW_TABLES = ("sources", "conversations", "conversation_keys", "participants", "transcripts", "utterances",
              "ingest_errors")


def raw_counts(store: Store) -> dict[str, int]:
    """Rows in every raw table: what a re-ingest must leave unchanged."""
    return {t: store.scalar(f"SELECT count(*) FROM raw.{t}") for t in RAW_TABLES}


def rows(store: Store, sql: str, params: list | None = None) -> list[tuple]:
    return store.con.execute(sql, params or []).fetchall()


@pytest.fixture
def config() -> Config:
    return Config(team=TeamConfig(internal_domains=("dealtape.example",)))


@pytest.fixture
def store_path(tmp_path) -> Path:
    return tmp_path / "test.duckdb"


@pytest.fixture
def store(store_path, config):
    """A migrated store in a real DuckDB file, closed after the test."""
    s = Store.open(store_path, config=config, create=True)
    yield s
    s.close()


@pytest.fixture
def external() -> Path:
    """../shared/bench/external, or a visible skip when the shared folder is absent."""
    if not EXTERNAL.is_dir():
        pytest.skip(f"shared bench material not found at {EXTERNAL} (CI puts ../shared beside the clone)")
    return EXTERNAL


@pytest.fixture
def count(store):
    """count("utterances") -> rows in that raw table (schema `raw`), or in a view if no such table."""
    raw = {r[0] for r in store.con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'raw'").fetchall()}
    return lambda name: store.scalar(f"SELECT count(*) FROM {'raw.' + name if name in raw else name}")

"""Canned queries for managers: parameterised SQL files in views/queries/.

Each file starts with comment lines: the first is the one-line description, and each
`-- param: NAME TYPE [= DEFAULT] -- help` declares a parameter, bound as `$NAME` (never
formatted into the SQL). A parameter without a default is required.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from importlib import resources

import polars as pl

from .errors import DealtapeError
from .store import Store

TYPES = ("VARCHAR", "INTEGER", "DATE")
_PARAM = re.compile(r"^--\s*param:\s*(\w+)\s+(\w+)(?:\s*=\s*(\S+))?\s*(?:--\s*(.*))?$")


@dataclass(frozen=True)
class Param:
    name: str
    type: str
    default: str | None
    help: str

    @property
    def option(self) -> str:
        return "--" + self.name.replace("_", "-")

    def convert(self, raw) -> object:
        """The bound value: integers, dates (ISO, or `-30d` for 30 days before today), or text."""
        if raw is None:
            return None
        if self.type == "INTEGER":
            try:
                return int(raw)
            except (TypeError, ValueError):
                raise DealtapeError(f"{self.option} must be a whole number, not {raw!r}") from None
        if self.type == "DATE":
            if isinstance(raw, date):
                return raw
            text = str(raw).strip()
            relative = re.fullmatch(r"-(\d+)d", text)
            if relative:
                return date.today() - timedelta(days=int(relative[1]))
            try:
                return date.fromisoformat(text)
            except ValueError:
                raise DealtapeError(f"{self.option} must be a date like 2026-10-01 or -30d, not {raw!r}") from None
        return str(raw)


@dataclass(frozen=True)
class CannedQuery:
    name: str
    description: str
    params: tuple[Param, ...] = field(default_factory=tuple)
    sql: str = ""

    def bind(self, given: dict) -> dict:
        unknown = set(given) - {p.name for p in self.params}
        if unknown:
            raise DealtapeError(f"query {self.name!r} has no parameter {', '.join(sorted(unknown))}",
                                hint=f"its parameters: {', '.join(p.option for p in self.params) or 'none'}")
        bound = {}
        for p in self.params:
            raw = given.get(p.name, p.default)
            if raw is None:
                raise DealtapeError(f"query {self.name!r} needs {p.option} ({p.help})")
            bound[p.name] = p.convert(raw)
        return bound


def _parse(name: str, text: str) -> CannedQuery:
    description, params = "", []
    for line in text.splitlines():
        if not line.startswith("--"):
            break
        match = _PARAM.match(line.strip())
        if match:
            pname, ptype, default, help_ = match.groups()
            if ptype.upper() not in TYPES:
                raise DealtapeError(f"views/queries/{name}.sql: parameter {pname} has unknown type {ptype}")
            params.append(Param(pname, ptype.upper(), default, (help_ or "").strip()))
        elif not description:
            description = line.lstrip("-").strip()
    return CannedQuery(name, description, tuple(params), text)


def available() -> list[CannedQuery]:
    folder = resources.files("dealtape.views") / "queries"
    files = sorted((f for f in folder.iterdir() if f.name.endswith(".sql")), key=lambda f: f.name)
    return [_parse(f.name.removesuffix(".sql"), f.read_text(encoding="utf-8")) for f in files]


def get(name: str) -> CannedQuery:
    queries = {q.name: q for q in available()}
    if name not in queries:
        raise DealtapeError(f"no canned query {name!r}", hint=f"there are: {', '.join(queries)}")
    return queries[name]


def run(store: Store, name: str, params: dict | None = None) -> pl.DataFrame:
    """Run one canned query with its parameters bound."""
    query = get(name)
    return store.query(query.sql, query.bind(params or {}))

"""The package layout and the promises of the CLI's start-up."""

import re
import subprocess
import sys
import tomllib
from pathlib import Path

from conftest import ROOT


def test_every_folder_with_init_is_a_listed_package():
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {"dealtape"} | {
        "dealtape." + ".".join(p.parent.relative_to(ROOT).parts)
        for p in ROOT.rglob("__init__.py")
        if p.parent != ROOT and not {".venv", "tests", "build", "data", "benchmarks"} & set(p.relative_to(ROOT).parts)
    }
    assert found == listed


def test_every_data_file_is_in_the_package_data():
    """A wheel carries only the data files package-data names: views, queries, migrations, heads."""
    patterns = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    data = [p for folder in ("views", "models", "extract", "ingest") for p in (ROOT / folder).rglob("*")
            if p.suffix in (".sql", ".json", ".tsv") and "__pycache__" not in p.parts]
    assert data
    uncovered = []
    for path in data:
        package = "dealtape." + path.relative_to(ROOT).parts[0]
        inner = path.relative_to(ROOT / path.relative_to(ROOT).parts[0])
        if not any(inner.match(pattern) and len(inner.parts) == len(Path(pattern).parts)
                   for pattern in patterns.get(package, [])):
            uncovered.append(str(path.relative_to(ROOT)))
    assert uncovered == []


def test_help_imports_no_database_or_model_code():
    code = ("import sys, dealtape.cli; heavy = {'duckdb', 'polars', 'torch', 'spacy', 'faster_whisper', "
            "'transformers', 'pyarrow'} & set(sys.modules); print(sorted(heavy))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_store_code_never_updates_or_deletes():
    """Raw rows are append-only; only the derived tables are rebuilt (views/__init__.py `refresh`)."""
    statement = re.compile(r"\b(UPDATE\s+\S+\s+SET|DELETE\s+FROM\s+\S+|TRUNCATE\b|DROP\s+TABLE)", re.I)
    offenders = [
        f"{p.relative_to(ROOT)}: {m.group(0)}"
        for folder in ("models", "ingest", "extract", "views")
        for p in (ROOT / folder).rglob("*")
        if p.suffix in (".py", ".sql")
        for m in statement.finditer(p.read_text(encoding="utf-8"))
        if (p.relative_to(ROOT).as_posix(), m.group(0)) != ("views/__init__.py", "DELETE FROM {table.object}")
    ]
    assert offenders == []
    from dealtape import views

    for view in views.view_files():  # `table.object` is only ever a derived table
        creates_table = re.search(r"CREATE OR REPLACE TABLE (\S+)", view.sql)
        assert (creates_table[1] if creates_table else None) == (view.object if view.derived else None), view.name

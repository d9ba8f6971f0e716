"""The package layout and the promises of the CLI's start-up."""

import re
import subprocess
import sys
import tomllib

from conftest import ROOT


def test_every_folder_with_init_is_a_listed_package():
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {"dealtape"} | {
        "dealtape." + ".".join(p.parent.relative_to(ROOT).parts)
        for p in ROOT.rglob("__init__.py")
        if p.parent != ROOT and not {".venv", "tests", "build", "data", "benchmarks"} & set(p.relative_to(ROOT).parts)
    }
    assert found == listed


def test_help_imports_no_database_or_model_code():
    code = ("import sys, dealtape.cli; heavy = {'duckdb', 'polars', 'torch', 'spacy', 'faster_whisper', "
            "'transformers', 'pyarrow'} & set(sys.modules); print(sorted(heavy))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_store_code_never_updates_or_deletes():
    statement = re.compile(r"\b(UPDATE\s+\w+\s+SET|DELETE\s+FROM|TRUNCATE|DROP\s+TABLE)\b", re.I)
    offenders = [
        str(p.relative_to(ROOT))
        for folder in ("models", "ingest", "extract", "views")
        for p in (ROOT / folder).rglob("*")
        if p.suffix in (".py", ".sql") and statement.search(p.read_text(encoding="utf-8"))
    ]
    assert offenders == []

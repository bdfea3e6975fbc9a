"""Exports stream (100,000 results under the export's small memory cap, every format) and are atomic: a failed
export leaves nothing behind. The 1,000,000-result figures are in benchmarks/export_million.py."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
from results_fixtures import make_database

from benchmarks.results_million import build_database
from fwtui import cli
from fwtui.errors import FwtuiError
from fwtui.store import importexport
from fwtui.store.importexport import export_database

ROWS = 100_000


@pytest.fixture(scope="module")
def big_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("export-scale") / "big.duckdb"
    build_database(path, ROWS, 500, 20)
    return path


@pytest.mark.parametrize("fmt", ["parquet", "csv", "json"])
def test_a_large_database_exports_in_every_format_under_the_small_memory_cap(
    big_db: Path, tmp_path: Path, fmt: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Each table fits the export's small DuckDB memory cap (importexport.STREAMING_EXPORT): the roomy fallback,
    # made too small to work, is never needed.
    monkeypatch.setattr(importexport, "ROOMY_EXPORT", importexport.ExportBudget("2MB", threads=1))
    out = tmp_path / "out"
    assert cli.main(["export", "--db", str(big_db), "--format", fmt, "--out", str(out)]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 4
    if fmt == "parquet":
        relation = f"read_parquet('{out / 'results' / '**' / '*.parquet'}', hive_partitioning = true)"
    elif fmt == "csv":
        relation = f"read_csv('{out / 'results.csv'}')"
    else:
        relation = f"read_json('{out / 'results.json'}')"
    assert duckdb.sql(f"SELECT count(*) FROM {relation}").fetchall() == [(ROWS,)]
    assert not list(tmp_path.glob(".out.partial-*"))


def test_a_failed_export_leaves_nothing(tmp_path: Path) -> None:
    db = make_database(tmp_path / "db.duckdb")
    con = duckdb.connect(str(db))
    con.execute("DROP TABLE samples")  # machines, runs and results export; samples then fails
    out = tmp_path / "exports" / "broken"
    with pytest.raises(FwtuiError, match="nothing was written"):
        export_database(con, out, "parquet")
    con.close()
    assert not out.exists()
    assert list((tmp_path / "exports").iterdir()) == []  # no partial directory either


def test_an_export_never_mixes_with_existing_files(tmp_path: Path) -> None:
    db = make_database(tmp_path / "db.duckdb")
    con = duckdb.connect(str(db), read_only=True)
    try:
        busy = tmp_path / "busy"
        busy.mkdir()
        (busy / "keep.txt").write_text("mine")
        with pytest.raises(FwtuiError, match="already holds files"):
            export_database(con, busy, "csv")
        assert [p.name for p in busy.iterdir()] == ["keep.txt"]
        empty = tmp_path / "empty"
        empty.mkdir()
        written = export_database(con, empty, "json")
        assert [p.name for p in written] == ["machines.json", "runs.json", "results.json", "samples.json"]
        first = json.loads((empty / "results.json").read_text().splitlines()[0])
        assert "result_id" in first
        with pytest.raises(FwtuiError, match="not a directory"):
            export_database(con, busy / "keep.txt", "csv")
    finally:
        con.close()

"""`fwtui query` and `fwtui export` answer under a small DuckDB memory cap, so the blocks DuckDB reads are not all
kept cached; what needs more room (a sort, a Parquet file open per machine) is run again under the roomy cap.
The peak-RSS figures on a million results are in benchmarks/query_export_memory.py."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from benchmarks.results_million import build_database
from fwtui import cli
from fwtui.store import importexport
from fwtui.store.errors import OutOfMemory
from fwtui.store.importexport import ExportBudget, export_database
from fwtui.store.sandbox import STREAMING, open_sandbox, stream_query

ROWS = 100_000
SORTED = "SELECT * FROM results ORDER BY p50_ms DESC, result_id"


@pytest.fixture(scope="module")
def big_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("budgets") / "big.duckdb"
    build_database(path, ROWS, 500, 20)
    return path


def _stream_count(path: Path, sql: str) -> int:
    con = open_sandbox(path, STREAMING)
    try:
        with stream_query(con, sql, shared_handle=False) as answer:
            return sum(len(chunk) for chunk in answer.chunks)
    finally:
        con.close()


def test_the_streaming_sandbox_is_locked_with_its_small_cap(big_db: Path) -> None:
    con = open_sandbox(big_db, STREAMING)
    try:
        assert con.execute("SELECT current_setting('threads')").fetchall() == [(1,)]
        for sql in ("SET memory_limit = '8GB'", "SET threads = 8", "SET enable_external_access = true"):
            with pytest.raises(duckdb.Error):
                con.execute(sql)
    finally:
        con.close()


def test_a_plain_answer_streams_under_the_small_cap_and_a_sort_is_rerun_roomier(
    big_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _stream_count(big_db, "SELECT * FROM results") == ROWS
    with pytest.raises(OutOfMemory):  # a sort of every result does not fit the small cap...
        _stream_count(big_db, SORTED)
    # ... so `fwtui query` answers it under the roomy one, with the right rows.
    assert cli.main(["query", SORTED, "--db", str(big_db), "--format", "csv", "--limit", "3"]) == 0
    lines = capsys.readouterr().out.splitlines()
    with duckdb.connect(str(big_db), read_only=True) as con:
        expected = [r[0] for r in con.execute(f"SELECT result_id FROM ({SORTED}) LIMIT 3").fetchall()]
    assert [line.split(",")[0] for line in lines[1:]] == expected


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_a_table_that_does_not_fit_the_small_cap_is_copied_again_roomier(
    big_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: str
) -> None:
    tiny = ExportBudget("2MB", threads=1, flush_rows=2048)
    monkeypatch.setitem(importexport.STREAMING_EXPORT, fmt, tiny)
    con = duckdb.connect(str(big_db), read_only=True)
    try:
        settings = "SELECT current_setting('memory_limit'), current_setting('threads')"
        with pytest.raises(duckdb.OutOfMemoryException):  # the tiny cap is too small for this table
            con.execute("SET memory_limit = '2MB'; SET threads = 1")
            con.execute(f"COPY results TO '{tmp_path / 'probe'}' (FORMAT {fmt})")
        con.execute("SET memory_limit = '1GiB'; SET threads = 2")
        before = con.execute(settings).fetchall()
        export_database(con, tmp_path / "out", fmt)
        assert con.execute(settings).fetchall() == before  # the export gives the settings back
    finally:
        con.close()
    if fmt == "parquet":
        relation = f"read_parquet('{tmp_path / 'out' / 'results' / '**' / '*.parquet'}', hive_partitioning = true)"
    else:
        relation = f"read_csv('{tmp_path / 'out' / 'results.csv'}')"
    check = "SELECT count(*), count(DISTINCT result_id), sum(p50_ms)::DECIMAL(18, 3)"
    exported = duckdb.sql(f"{check} FROM {relation}").fetchall()
    with duckdb.connect(str(big_db), read_only=True) as source:
        assert exported == source.execute(f"{check} FROM results").fetchall()

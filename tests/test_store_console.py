"""The SQL console's rules on a real database: read-only, rolled back, cut to the row limit, clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from results_fixtures import make_database

from fwtui.errors import FwtuiError, UsageError
from fwtui.queries import run_named
from fwtui.store import StoreError, open_store
from fwtui.store.browse import open_source
from fwtui.store.console import ROW_LIMIT, run_console_query


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_database(tmp_path_factory.mktemp("console") / "results.duckdb")


def test_sql_and_named_queries_run(db: Path) -> None:
    source = open_source(db)
    try:
        con = source.cursor()
        result = run_console_query(con, "SELECT framework, count(*) AS n FROM results GROUP BY 1 ORDER BY 1")
        assert result.columns == ("framework", "n")
        assert result.rows == (("jax", 18), ("onnxruntime", 18), ("tensorflow", 36), ("torch", 36))
        assert not result.truncated and result.elapsed_s >= 0
        named = run_console_query(con, "leaderboard")  # with the query's default parameters
        assert list(named.rows) == run_named(con, "leaderboard").rows
        with pytest.raises(UsageError, match="unknown query 'no_such_query'"):
            run_console_query(con, "no_such_query")
    finally:
        source.close()


def test_rows_are_cut_to_the_limit(db: Path) -> None:
    source = open_source(db)
    try:
        con = source.cursor()
        many = run_console_query(con, f"SELECT i FROM range({ROW_LIMIT + 500}) t(i)")
        assert len(many.rows) == ROW_LIMIT and many.truncated
        assert many.rows[-1] == (ROW_LIMIT - 1,)
        exact = run_console_query(con, "SELECT i FROM range(3) t(i)", row_limit=3)
        assert len(exact.rows) == 3 and not exact.truncated
    finally:
        source.close()


@pytest.mark.parametrize(
    "sql",
    ["DELETE FROM results", "DROP TABLE runs", "ATTACH 'x.duckdb'", "SELECT 1; UPDATE results SET cv = 0"],
)
def test_writes_are_refused_before_they_run(db: Path, tmp_path: Path, sql: str) -> None:
    # A writable connection: the refusal, not a read-only file, is what keeps the data intact.
    copy = tmp_path / "copy.duckdb"
    copy.write_bytes(db.read_bytes())
    with open_store(copy) as store:
        with pytest.raises(StoreError, match=r"read-only|one statement at a time"):
            run_console_query(store.cursor(), sql)
        assert store.connection.execute("SELECT count(*) FROM results").fetchone() == (108,)


def test_errors_are_one_line_and_leave_no_transaction_open(db: Path) -> None:
    source = open_source(db)
    try:
        con = source.cursor()
        with pytest.raises(FwtuiError, match=r"^SQL error: Parser Error") as parse_error:
            run_console_query(con, "SELECT [1, 2 FROM results")
        with pytest.raises(FwtuiError, match=r"^SQL error: .*no_such_column") as run_error:
            run_console_query(con, "SELECT no_such_column FROM results")
        assert "\n" not in str(parse_error.value) + str(run_error.value)
        # Each query began and rolled back its own transaction, so the cursor is free for the next one.
        assert run_console_query(con, "SELECT 42").rows == ((42,),)
        with pytest.raises(StoreError, match="nothing to run"):
            run_console_query(con, "  ")
    finally:
        source.close()

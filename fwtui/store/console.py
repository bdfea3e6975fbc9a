"""The SQL console of the Results area: which statements it runs, how, and how many rows it returns.

Typed SQL is untrusted. Only reading statements run, inside a transaction that is always rolled back, and
the result is cut to ``ROW_LIMIT`` rows so a careless ``SELECT *`` cannot fill the screen's memory.

>>> result = run_console_query(cursor, "leaderboard")      # a named query, or SQL text
>>> result.columns, result.rows, result.truncated, result.elapsed_s
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import duckdb

from fwtui.queries import get_query, looks_like_name, sql_error_message
from fwtui.store.errors import StoreError
from fwtui.store.store import first_line

ROW_LIMIT = 1000  # rows the console returns at most
READ_STATEMENTS = frozenset({"SELECT", "EXPLAIN", "SHOW", "DESCRIBE", "SUMMARIZE"})


@dataclass(frozen=True)
class ConsoleResult:
    """What one console query returned: at most the row limit, and whether there were more rows."""

    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]
    truncated: bool
    elapsed_s: float


def validate_read_only_sql(sql: str) -> None:
    """The SQL console only runs queries; anything that would change data is refused up front."""
    try:
        statements = duckdb.extract_statements(sql)
    except duckdb.Error as exc:
        raise StoreError(f"SQL error: {first_line(exc)}") from None
    if not statements:
        raise StoreError("nothing to run")
    for statement in statements:
        kind = str(statement.type).rsplit(".", 1)[-1]
        if kind not in READ_STATEMENTS:
            raise StoreError(f"the SQL console is read-only: {kind} statements are not run here")


def run_console_query(
    con: duckdb.DuckDBPyConnection, text: str, *, row_limit: int = ROW_LIMIT
) -> ConsoleResult:
    """Run a query name (with its default parameters) or read-only SQL; errors are one-line ``FwtuiError``s."""
    started = time.perf_counter()
    params: dict[str, str] = {}
    if looks_like_name(text):
        query = get_query(text)
        sql, params = query.sql, dict(query.params)
    else:
        sql = text
    validate_read_only_sql(sql)
    try:
        con.execute("BEGIN TRANSACTION")  # and roll back: nothing typed here can change the data
        try:
            relation = con.execute(sql, params) if params else con.execute(sql)
            columns = tuple(d[0] for d in relation.description or [])
            rows = relation.fetchmany(row_limit + 1) if columns else []
        finally:
            con.execute("ROLLBACK")
    except duckdb.Error as exc:
        raise StoreError(sql_error_message(exc)) from None
    return ConsoleResult(
        columns=columns,
        rows=tuple(rows[:row_limit]),
        truncated=len(rows) > row_limit,
        elapsed_s=time.perf_counter() - started,
    )

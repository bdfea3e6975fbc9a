"""The SQL console of the Results area: how many rows it returns, through the one SQL sandbox.

Typed SQL is untrusted: it goes through ``sandbox.py`` (the parser gate, a rolled-back transaction on its
own cursor, a bounded stream) like ``fwtui query``. The result is cut to ``ROW_LIMIT`` rows so a careless
``SELECT *`` cannot fill the screen's memory.

>>> result = run_console_query(cursor, "leaderboard")      # a named query, or SQL text
>>> result.columns, result.rows, result.truncated, result.elapsed_s
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import duckdb

from fwtui.store.sandbox import first_rows
from fwtui.store.sql_gate import check_sql

ROW_LIMIT = 1000  # rows the console returns at most


@dataclass(frozen=True)
class ConsoleResult:
    """What one console query returned: at most the row limit, and whether there were more rows."""

    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]
    truncated: bool
    elapsed_s: float


def validate_read_only_sql(sql: str) -> None:
    """Refuse, with one line, anything but one read-only statement over fwtui's tables."""
    check_sql(sql)


def run_console_query(
    con: duckdb.DuckDBPyConnection, text: str, *, row_limit: int = ROW_LIMIT
) -> ConsoleResult:
    """Run a query name (with its default parameters) or read-only SQL; errors are one-line ``FwtuiError``s."""
    started = time.perf_counter()
    columns, _, rows, truncated = first_rows(con, text, limit=row_limit)
    return ConsoleResult(
        columns=columns, rows=tuple(rows), truncated=truncated, elapsed_s=time.perf_counter() - started
    )

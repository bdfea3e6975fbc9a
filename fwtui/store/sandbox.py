"""The one place user SQL runs: the gate, then a locked engine, then a bounded stream of rows.

Both the Results SQL console and ``fwtui query`` come here. Three walls, each enough on its own for the
attacks it names (``docs/security.md``):

1. **The gate** (``sql_gate.check_sql``): DuckDB's parser decides that the text is one read-only statement
   that reads only fwtui's tables, at every nesting level. Shipped named queries skip it (they are ours).
2. **A locked engine** (:func:`lock_down`) wherever the connection serves user SQL alone (``fwtui query``,
   and the console on a stored database or Parquet directory, through :func:`open_sandbox`): an in-memory
   DuckDB that attached the file read-only, checked its catalog, then turned off file access (``enable_external_access``; a Parquet directory stays readable
   through ``allowed_directories``), extension installing and loading, Python replacement scans, and locked
   its configuration, so no statement can ``ATTACH``, ``SET``, ``COPY`` or read a file afterwards.
   The app's own handle on its local database cannot be locked this way (it writes results, exports and
   imports), so there user SQL runs on its own cursor behind the gate, in a transaction that is rolled back.
3. **A bounded stream** (:func:`stream_query`): DuckDB streams the result; rows are fetched in chunks and
   the caller stops at its limit, so a billion-row answer costs one chunk of memory.

DuckDB keeps every block it reads from the attached file cached until its ``memory_limit`` is reached, so
under a roomy cap a scan of a million results leaves the whole table (~100 MB) in memory. A :class:`Budget`
sets that cap: ``fwtui query`` first answers under :data:`STREAMING` and reruns under :data:`ROOMY` only
when DuckDB runs out of memory before the first row (a sort, a join or a large grouping).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from fwtui.errors import UsageError
from fwtui.queries import bind_params, get_query, looks_like_name, sql_error_message
from fwtui.store.catalog import check_catalog
from fwtui.store.errors import OutOfMemory, StoreError
from fwtui.store.sql_gate import check_sql
from fwtui.terminal_text import printable

SANDBOX_ALIAS = "fwtui_data"
SANDBOX_MEMORY_LIMIT = "512MB"
CHUNK_ROWS = 1000


@dataclass(frozen=True)
class Budget:
    """DuckDB's memory cap and worker threads for a sandbox (set before it is locked)."""

    memory_limit: str
    threads: int | None = None  # None: DuckDB's default, one per core


ROOMY = Budget(SANDBOX_MEMORY_LIMIT)
# Rows in, rows out: the cap bounds the block cache. One thread, as a scan pins a block per column per thread.
STREAMING = Budget("32MB", threads=1)
_ENGINE_CONFIG = {"autoinstall_known_extensions": False, "autoload_known_extensions": False}


def lock_down(
    con: duckdb.DuckDBPyConnection, *, allowed_directories: Sequence[Path] = (), budget: Budget = ROOMY
) -> None:
    """Turn off everything user SQL could reach beyond the data, and lock it so no statement turns it on."""
    if allowed_directories:
        listed = ", ".join(_literal(str(Path(d).resolve())) for d in allowed_directories)
        con.execute(f"SET allowed_directories = [{listed}]")
    con.execute(f"SET memory_limit = {_literal(budget.memory_limit)}")
    if budget.threads is not None:
        con.execute(f"SET threads = {int(budget.threads)}")
    con.execute("SET python_enable_replacements = false")
    con.execute("SET autoinstall_known_extensions = false")
    con.execute("SET autoload_known_extensions = false")
    con.execute("SET enable_external_access = false")
    con.execute("SET lock_configuration = true")


def open_sandbox(path: Path, budget: Budget = ROOMY) -> duckdb.DuckDBPyConnection:
    """A locked, read-only connection on a results database or Parquet export directory at ``path``."""
    from fwtui.store.browse import connect_parquet
    from fwtui.store.schema import SCHEMA_VERSION
    from fwtui.store.store import check_database_file, describe_open_error, read_version

    path = Path(path).expanduser()
    if path.is_dir():
        con = connect_parquet(path)
        try:
            lock_down(con, allowed_directories=[path], budget=budget)
        except BaseException:
            con.close()
            raise
        return con
    check_database_file(path)
    con = duckdb.connect(config=dict(_ENGINE_CONFIG))
    try:
        try:
            con.execute(f"ATTACH {_literal(str(path))} AS {SANDBOX_ALIAS} (READ_ONLY)")
        except duckdb.Error as exc:
            raise StoreError(describe_open_error(path, exc)) from None
        check_catalog(con, SANDBOX_ALIAS, path)
        con.execute(f"USE {SANDBOX_ALIAS}")
        version = read_version(con, path)
        con.execute("USE memory")
        if version is None:
            raise StoreError(f"{printable(path)} is not an fwtui results database (it is empty)")
        if version < SCHEMA_VERSION:
            raise StoreError(
                f"{printable(path)} uses an older schema ({version} < {SCHEMA_VERSION}); "
                "open it read-write once (e.g. `fwtui import` it) to upgrade it"
            )
        # Views in the in-memory catalog, not USE: every cursor of this connection (one per thread) starts
        # there, and fwtui's queries resolve their functions there, never in the stored file.
        tables = con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = ?", [SANDBOX_ALIAS]
        ).fetchall()
        for (table,) in tables:
            con.execute(f'CREATE VIEW "{table}" AS SELECT * FROM {SANDBOX_ALIAS}.main."{table}"')
        lock_down(con, budget=budget)
    except BaseException:
        con.close()
        raise
    return con


@dataclass(frozen=True)
class StreamedQuery:
    """An answer being read: its columns and types, and its rows in chunks (read them or close them)."""

    columns: tuple[str, ...]
    types: tuple[str, ...]
    chunks: Iterator[list[tuple[Any, ...]]]


def prepare_text(text: str, params: Mapping[str, str] | None = None) -> tuple[str, dict[str, str]]:
    """A query name (shipped SQL with its parameters bound) or user SQL that passed the gate."""
    if looks_like_name(text):
        query = get_query(text.strip())
        return query.sql, bind_params(query, params or {})
    if params:
        raise UsageError("--param is for named queries; typed SQL takes no parameters")
    return check_sql(text).sql, {}


@contextlib.contextmanager
def stream_query(
    con: duckdb.DuckDBPyConnection,
    text: str,
    params: Mapping[str, str] | None = None,
    *,
    chunk_rows: int = CHUNK_ROWS,
    shared_handle: bool = True,
) -> Iterator[StreamedQuery]:
    """Run ``text`` and yield its rows in chunks.

    ``shared_handle``: ``con`` also serves the app (its local database handle, or a browsed source), so the
    query runs on a cursor of its own inside a transaction that is always rolled back. A sandbox of
    :func:`open_sandbox` is used directly (its default database is set on that connection).
    """
    sql, bound = prepare_text(text, params)
    cursor = con.cursor() if shared_handle else con
    began = False
    try:
        try:
            if shared_handle:
                cursor.execute("BEGIN TRANSACTION")
                began = True
            result = cursor.execute(sql, bound) if bound else cursor.execute(sql)
            description = result.description or []
        except duckdb.Error as exc:
            raise _query_error(exc) from None

        def chunks() -> Iterator[list[tuple[Any, ...]]]:
            if not description:
                return
            while True:
                try:
                    rows = result.fetchmany(chunk_rows)
                except duckdb.Error as exc:
                    raise _query_error(exc) from None
                if not rows:
                    return
                yield rows

        yield StreamedQuery(
            tuple(str(d[0]) for d in description), tuple(str(d[1]) for d in description), chunks()
        )
    finally:
        with contextlib.suppress(duckdb.Error):
            if began:
                cursor.execute("ROLLBACK")
        if shared_handle:
            with contextlib.suppress(duckdb.Error):
                cursor.close()


def first_rows(
    con: duckdb.DuckDBPyConnection,
    text: str,
    params: Mapping[str, str] | None = None,
    *,
    limit: int,
    shared_handle: bool = True,
) -> tuple[tuple[str, ...], tuple[str, ...], list[tuple[Any, ...]], bool]:
    """Columns, types, at most ``limit`` rows, and whether there were more."""
    rows: list[tuple[Any, ...]] = []
    with stream_query(
        con, text, params, chunk_rows=min(CHUNK_ROWS, limit + 1), shared_handle=shared_handle
    ) as answer:
        for chunk in answer.chunks:
            rows.extend(chunk)
            if len(rows) > limit:
                break
        return answer.columns, answer.types, rows[:limit], len(rows) > limit


def _query_error(exc: duckdb.Error) -> StoreError:
    kind = OutOfMemory if isinstance(exc, duckdb.OutOfMemoryException) else StoreError
    return kind(printable(sql_error_message(exc), newlines=False))


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"

"""Where browsing reads from: a stored database or Parquet exports, opened read-only as a :class:`ResultsSource`.

``browse.py`` holds what is read from a source (filters, windows, groups, details); this module only opens one.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from fwtui.store import schema
from fwtui.store.errors import StoreError
from fwtui.store.importexport import parquet_relation
from fwtui.store.store import first_line, open_store

_EMPTY_SCHEMA = "fwtui_empty"
# DuckDB caches what it reads up to its memory limit (80% of RAM by default). Browsing needs only small
# windows and aggregates, so a modest cap keeps the app's memory flat even on a million results.
BROWSE_MEMORY_LIMIT = "64MB"


def connect_parquet(directory: Path) -> duckdb.DuckDBPyConnection:
    """An in-memory database whose tables are views over a Parquet export directory.

    Columns missing from older exports read as NULL, so every query sees the current schema.
    """
    directory = Path(directory).expanduser()
    if parquet_relation(directory, "results") is None:
        raise StoreError(f"{directory} is not a directory of fwtui Parquet exports (no results/*.parquet)")
    relations = {table: parquet_relation(directory, table) for table in schema.TABLE_COLUMNS}
    return connect_relations(relations, f"the Parquet exports in {directory}")


def connect_relations(
    relations: Mapping[str, str | None],
    where: str,
    *,
    prepare: Callable[[duckdb.DuckDBPyConnection], None] | None = None,
    materialise: Collection[str] = (),
) -> duckdb.DuckDBPyConnection:
    """An in-memory database with each table over its relation (a ``read_parquet`` expression, None for an
    empty table), in the current schema. ``prepare`` runs first (a filesystem to register); the tables in
    ``materialise`` are read once into memory instead of on every query (object storage)."""
    con = duckdb.connect()
    try:
        if prepare is not None:
            prepare(con)
        con.execute(f"CREATE SCHEMA {_EMPTY_SCHEMA}; SET schema = '{_EMPTY_SCHEMA}'")
        schema.create_current(con, "parquet export")
        con.execute("SET schema = 'main'")
        con.execute(f"CREATE VIEW schema_info AS SELECT * FROM {_EMPTY_SCHEMA}.schema_info")
        for table in schema.TABLE_COLUMNS:
            relation = relations.get(table)
            if relation is None:
                con.execute(f"CREATE VIEW {table} AS SELECT * FROM {_EMPTY_SCHEMA}.{table}")
                continue
            present = {d[0] for d in con.execute(f"SELECT * FROM {relation} LIMIT 0").description or []}
            types = dict(
                con.execute(
                    "SELECT column_name, data_type FROM duckdb_columns() WHERE schema_name = ? AND table_name = ?",
                    [_EMPTY_SCHEMA, table],
                ).fetchall()
            )
            projection = ", ".join(
                f"CAST({c} AS {types[c]}) AS {c}" if c in present else f"CAST(NULL AS {types[c]}) AS {c}"
                for c in schema.TABLE_COLUMNS[table]
            )
            kind = "TABLE" if table in materialise else "VIEW"
            con.execute(f"CREATE {kind} {table} AS SELECT {projection} FROM {relation}")
    except duckdb.Error as exc:
        con.close()
        raise StoreError(f"cannot read {where}: {first_line(exc)}") from None
    return con


@dataclass
class ResultsSource:
    """Something to browse: a stored database, a Parquet export directory, or the app's local database.

    ``connect`` returns the connection reads go through (the app's local database may have been reopened
    since); ``release`` closes what this source opened, and nothing when it only borrows a handle.
    """

    path: Path
    kind: str  # "database" or "parquet"
    writable: bool
    connect: Callable[[], duckdb.DuckDBPyConnection]
    release: Callable[[], None]
    stored: bool = False  # a file from elsewhere: typed SQL runs in a locked sandbox of its own
    # A fleet store: builds its locked copy (with samples or not); None: ``sandbox.open_sandbox(path)``.
    sandbox_factory: Callable[[bool], duckdb.DuckDBPyConnection] | None = field(default=None, repr=False)
    _sandbox: duckdb.DuckDBPyConnection | None = field(default=None, repr=False)
    _sandbox_samples: bool = field(default=False, repr=False)
    _sandbox_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def connection(self) -> duckdb.DuckDBPyConnection:
        return self.connect()

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """One cursor per thread; DuckDB connections are not shared across threads."""
        return self.connection.cursor()

    def user_sql(self, text: str = "") -> duckdb.DuckDBPyConnection:
        """Where typed SQL (``text``) runs: for a stored database or Parquet directory, a locked sandbox on
        the same files (``sandbox.open_sandbox``, opened on first use); for a fleet store, a locked copy of
        its tables (``fleet_sandbox``; rebuilt with samples the first time ``text`` may read them); for the
        local database, the app's handle, where the gate and a rolled-back transaction hold (it must go on
        writing, so it cannot be locked)."""
        if not self.stored:
            return self.connection
        from fwtui.store.sandbox import open_sandbox

        with self._sandbox_lock:
            if self.sandbox_factory is not None:
                from fwtui.store.fleet_sandbox import needs_samples

                wants = needs_samples(text)
                if self._sandbox is not None and wants and not self._sandbox_samples:
                    with contextlib.suppress(duckdb.Error):
                        self._sandbox.close()
                    self._sandbox = None
                if self._sandbox is None:
                    self._sandbox, self._sandbox_samples = self.sandbox_factory(wants), wants
            elif self._sandbox is None:
                self._sandbox = open_sandbox(self.path)
            return self._sandbox

    def close(self) -> None:
        """Close; a query still running in a worker thread at exit must not turn into an error."""
        with contextlib.suppress(duckdb.Error):
            self.release()
        with self._sandbox_lock:
            sandbox, self._sandbox = self._sandbox, None
        if sandbox is not None:
            with contextlib.suppress(duckdb.Error):
                sandbox.close()


def limit_memory(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(f"SET memory_limit = '{BROWSE_MEMORY_LIMIT}'")


def open_source(path: Path, *, read_only: bool = True) -> ResultsSource:
    """Open a DuckDB results database or a Parquet export directory for browsing."""
    path = Path(path).expanduser()
    if path.is_dir():
        con = connect_parquet(path)
        source = ResultsSource(path, "parquet", False, lambda: con, con.close, stored=True)
    else:
        store = open_store(path, read_only=read_only)
        source = ResultsSource(
            path, "database", not read_only, lambda: store.connection, store.close, stored=read_only
        )
    limit_memory(source.connection)
    return source


# -- filters and windows ----------------------------------------------------------------------------


def open_for_reading(db: str | Path | None) -> ResultsSource:
    """What a read-only command works on: ``db`` (a database or Parquet directory) or the local database.

    The local database is created, or upgraded, first when needed so a fresh install can be queried.
    """
    from fwtui.paths import default_db_path

    if db is not None:
        return open_source(Path(db))
    path = default_db_path()
    if not path.exists() or _needs_upgrade(path):
        open_store(path).close()
    return open_source(path)


def query_path(db: str | Path | None) -> Path:
    """What ``fwtui query`` reads: ``db``, or the local database (created or upgraded first when needed)."""
    from fwtui.paths import default_db_path

    if db is not None:
        return Path(db).expanduser()
    path = default_db_path()
    if not path.exists() or _needs_upgrade(path):
        open_store(path).close()
    return path


def _needs_upgrade(path: Path) -> bool:
    try:
        with open_store(path, read_only=True):
            return False
    except StoreError as exc:
        return "older schema" in str(exc)

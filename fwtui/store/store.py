"""Open the results database and write to it.

Only the parent process writes. Every result and its raw samples go in one transaction, so a crash
never leaves half a result behind.
"""

from __future__ import annotations

import contextlib
import re
import shutil
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb

from fwtui import __version__
from fwtui.bench.result_record import ResultRecord
from fwtui.store import schema
from fwtui.store.catalog import check_catalog
from fwtui.store.errors import DatabaseLocked, StoreError
from fwtui.store.liveness import mark_dead_runs, with_owner
from fwtui.store.rows import insert_row, insert_samples, new_id, result_row, to_timestamp, utc_now
from fwtui.terminal_text import printable

_DUCKDB_MAGIC = b"DUCK"
_MAGIC_OFFSET = 8
_LOCK_PID = re.compile(r"\(PID (\d+)\)")


def fetch_one(result: duckdb.DuckDBPyConnection) -> tuple[Any, ...] | None:
    """The first row, reading the result to its end so the connection is free for the next statement."""
    rows = result.fetchall()
    return rows[0] if rows else None


def first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def is_lock_conflict(exc: BaseException) -> bool:
    """Whether DuckDB refused to open a file because another process holds its lock."""
    message = str(exc)
    return "Could not set lock" in message or "Conflicting lock" in message


def lock_holder(exc: BaseException) -> int | None:
    """The process id DuckDB names as the lock's holder, if it does."""
    match = _LOCK_PID.search(str(exc))
    return int(match.group(1)) if match else None


def describe_open_error(path: Path, exc: BaseException) -> str:
    """Turn DuckDB's open/read failures into one line that says what to do."""
    message = str(exc)
    if is_lock_conflict(exc):
        holder = lock_holder(exc)
        pid = f" (PID {holder})" if holder is not None else ""
        return (
            f"database {path} is in use by another fwtui or DuckDB process{pid}; close it or open read-only"
        )
    if "not a valid DuckDB database" in message:
        return f"{path} is not a DuckDB database"
    if "newer version of DuckDB" in message or "storage version" in message.lower():
        return f"{path} was written by an incompatible DuckDB version: {first_line(exc)}"
    if "Permission denied" in message:
        return f"cannot open {path}: permission denied"
    return f"database {path} is corrupt or unreadable: {first_line(exc)}"


def looks_like_duckdb(path: Path) -> bool:
    """DuckDB files carry 'DUCK' at byte 8; checking first avoids handing DuckDB random files."""
    try:
        with path.open("rb") as handle:
            header = handle.read(_MAGIC_OFFSET + len(_DUCKDB_MAGIC))
    except OSError:
        return False
    return header[_MAGIC_OFFSET:] == _DUCKDB_MAGIC


def _read_version(con: duckdb.DuckDBPyConnection) -> int | None:
    """The schema version of an open database; None for an empty database."""
    tables = {
        row[0]
        for row in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database()"
        ).fetchall()
    }
    if "schema_info" in tables:
        row = fetch_one(con.execute("SELECT value FROM schema_info WHERE key = 'schema_version'"))
        if row is None:
            raise StoreError("schema_info has no schema_version")
        text = str(row[0]).strip() if row[0] is not None else ""
        if not text.isascii() or not text.isdigit():
            raise StoreError(f"its schema_version {printable(repr(row[0]), newlines=False)} is not a whole number")
        return int(text)
    if "results" in tables:
        return 0
    if tables:
        raise StoreError("it holds tables but no fwtui results")
    return None


class Store:
    """An open results database. Construct it with :func:`open_store`."""

    def __init__(
        self,
        path: Path,
        connection: duckdb.DuckDBPyConnection,
        *,
        read_only: bool,
        version: int,
        on_close: Callable[[], None] | None = None,
    ):
        self.path = path
        self.connection = connection
        self.read_only = read_only
        self.schema_version = version
        # DuckDB connections are not safe for concurrent use; writes from worker threads serialise here.
        self._lock = threading.Lock()
        self._on_close = on_close  # called once, after the connection closed (a shared handle's writer)

    # -- lifecycle ----------------------------------------------------------------------------------

    def close(self) -> None:
        try:
            with self._lock:
                self.connection.close()
        finally:
            on_close, self._on_close = self._on_close, None
            if on_close is not None:
                on_close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """A cursor for one thread's reads."""
        return self.connection.cursor()

    # -- settings kept in schema_info ---------------------------------------------------------------

    def get_info(self, key: str) -> str | None:
        with self._lock:
            row = fetch_one(self.connection.execute("SELECT value FROM schema_info WHERE key = ?", [key]))
        return None if row is None else str(row[0])

    def set_info(self, key: str, value: str) -> None:
        self._check_writable()
        with self._lock:
            self.connection.execute("INSERT OR REPLACE INTO schema_info VALUES (?, ?)", [key, value])

    # -- writes -------------------------------------------------------------------------------------

    def _check_writable(self) -> None:
        if self.read_only:
            raise StoreError(
                f"database {self.path} is open read-only; results can only be saved to the local one"
            )

    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """One write transaction: everything inside commits together or not at all."""
        self._check_writable()
        with self._lock:
            con = self.connection
            con.execute("BEGIN TRANSACTION")
            try:
                yield con
            except BaseException:
                con.execute("ROLLBACK")
                raise
            con.execute("COMMIT")

    def upsert_machine(self, machine: Mapping[str, Any]) -> str:
        """Insert or refresh a machine; ``first_seen`` is kept, ``last_seen`` becomes now."""
        machine_id = machine.get("machine_id")
        if not machine_id:
            raise StoreError("a machine record needs a machine_id")
        now = utc_now()
        row = {k: v for k, v in machine.items() if k in schema.MACHINE_COLUMNS}
        row["first_seen"] = to_timestamp(row.get("first_seen")) or now
        row["last_seen"] = to_timestamp(row.get("last_seen")) or now
        row.setdefault("source", "local")
        updates = [c for c in row if c not in ("machine_id", "first_seen")]
        upsert = "ON CONFLICT (machine_id) DO UPDATE SET " + ", ".join(f"{c} = excluded.{c}" for c in updates)
        with self.transaction() as con:
            insert_row(con, "machines", row, upsert=upsert)
        return str(machine_id)

    def begin_run(self, run: Mapping[str, Any]) -> str:
        """Record a run as 'running'; returns its id (generated unless given)."""
        row = {k: v for k, v in run.items() if k in schema.RUN_COLUMNS}
        row["run_id"] = row.get("run_id") or new_id()
        row["started_at"] = to_timestamp(row.get("started_at")) or utc_now()
        row["finished_at"] = to_timestamp(row.get("finished_at"))
        row.setdefault("status", "running")
        row.setdefault("source", "local")
        row.setdefault("fwtui_version", __version__)
        if row["status"] == "running":  # found as interrupted later if this process dies first
            row["environment"] = with_owner(row.get("environment"))
        with self.transaction() as con:
            insert_row(con, "runs", row)
        return str(row["run_id"])

    def finish_run(self, run_id: str, status: str) -> None:
        if status not in ("complete", "cancelled", "failed", "running", "interrupted"):
            raise StoreError(f"unknown run status {status!r}")
        with self.transaction() as con:
            con.execute(
                "UPDATE runs SET status = ?, finished_at = ? WHERE run_id = ?", [status, utc_now(), run_id]
            )

    def save_result(self, record: ResultRecord | Mapping[str, Any], samples_ms: Sequence[float] = ()) -> str:
        """Save one result record and its raw per-call samples atomically; returns the result id."""
        row = result_row(record.to_dict() if isinstance(record, ResultRecord) else record)
        samples = [float(x) for x in samples_ms]
        try:
            with self.transaction() as con:
                insert_row(con, "results", row)
                insert_samples(con, row["result_id"], samples)
        except duckdb.Error as exc:  # a value the schema cannot hold (a batch of 3e9): one line, nothing saved
            raise StoreError(f"result not saved: {printable(first_line(exc), newlines=False)}") from None
        return str(row["result_id"])

    def delete_where_source(self, source: str) -> dict[str, int]:
        """Delete every machine, run and result (with samples) marked with ``source``; returns counts."""
        counts: dict[str, int] = {}
        with self.transaction() as con:
            counts["samples"] = _count_changes(con, "DELETE FROM samples WHERE result_id IN "
                                                     "(SELECT result_id FROM results WHERE source = ?)", source)  # fmt: skip
            counts["results"] = _count_changes(con, "DELETE FROM results WHERE source = ?", source)
            counts["runs"] = _count_changes(con, "DELETE FROM runs WHERE source = ?", source)
            counts["machines"] = _count_changes(con, "DELETE FROM machines WHERE source = ?", source)
        return counts


def _count_changes(con: duckdb.DuckDBPyConnection, sql: str, *params: Any) -> int:
    row = fetch_one(con.execute(sql, list(params)))
    return int(row[0]) if row else 0


def _backup(path: Path, version: int) -> Path:
    stamp = utc_now().strftime("%Y%m%dT%H%M%S")
    target = path.with_name(f"{path.name}.bak-v{version}-{stamp}")
    shutil.copy2(path, target)
    wal = path.with_name(path.name + ".wal")
    if wal.exists():
        shutil.copy2(wal, target.with_name(target.name + ".wal"))
    return target


def _connect(path: Path, read_only: bool) -> duckdb.DuckDBPyConnection:
    try:
        return duckdb.connect(str(path), read_only=read_only)
    except duckdb.Error as exc:
        if is_lock_conflict(exc):
            raise DatabaseLocked(describe_open_error(path, exc), lock_holder(exc)) from None
        raise StoreError(describe_open_error(path, exc)) from None


def open_store(path: str | Path, read_only: bool = False) -> Store:
    """Open (creating or upgrading when writable) the results database at ``path``.

    Raises :class:`StoreError` with one clear line for a missing file (read-only), a file that is not
    DuckDB, a corrupt database, one locked by another writer, or a schema this fwtui cannot write.
    """
    path = Path(path).expanduser()
    exists = path.exists() and not path.is_dir()
    if exists or read_only or path.is_dir():
        check_database_file(path)
    if not exists:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create {path.parent}: {exc.strerror}") from None

    con = _connect(path, read_only)
    try:
        if exists:  # before any of its data is read: a stored view or macro must never run
            row = fetch_one(con.execute("SELECT current_database()"))
            check_catalog(con, str(row[0]) if row else "", path)
        version = _checked_version(path, con)
        if version is None:
            if read_only:
                raise StoreError(f"{path} is not an fwtui results database (it is empty)")
            create_con = con
            create_con.execute("BEGIN TRANSACTION")
            schema.create_current(create_con, f"fwtui {__version__}")
            create_con.execute("COMMIT")
            version = schema.SCHEMA_VERSION
        elif version > schema.SCHEMA_VERSION and not read_only:
            raise StoreError(
                f"{path} was written by a newer fwtui (schema {version} > {schema.SCHEMA_VERSION}): "
                f"open it read-only with `fwtui {path}` or upgrade fwtui"
            )
        elif version < schema.SCHEMA_VERSION:
            if read_only:
                raise StoreError(
                    f"{path} uses an older schema ({version} < {schema.SCHEMA_VERSION}); open it read-write "
                    "once (e.g. `fwtui import` it, or use it with --db) to upgrade it, a backup is kept"
                )
            con = _migrate(path, con, version)
            version = schema.SCHEMA_VERSION
        if not read_only:
            with contextlib.suppress(duckdb.Error):  # a repair of the run list never blocks opening
                mark_dead_runs(con)
    except BaseException:
        con.close()
        raise
    return Store(path, con, read_only=read_only, version=version)


def check_database_file(path: Path) -> None:
    """Refuse, with one line, a path that is not an existing, plausible DuckDB file."""
    shown = printable(path, newlines=False)
    if path.is_dir():
        raise StoreError(f"{shown} is a directory, not a DuckDB database")
    if not path.exists():
        raise StoreError(f"no such database: {shown}")
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise StoreError(f"cannot read {shown}: {exc.strerror}") from None
    if size == 0:
        raise StoreError(f"{shown} is an empty file, not a DuckDB database")
    if not looks_like_duckdb(path):
        raise StoreError(f"{shown} is not a DuckDB database")


def read_version(con: duckdb.DuckDBPyConnection, path: Path) -> int | None:
    """The schema version of the connection's default database (None when empty), or a one-line error."""
    return _checked_version(path, con)


def _checked_version(path: Path, con: duckdb.DuckDBPyConnection) -> int | None:
    try:
        version = _read_version(con)
        if version is not None and version >= 0:
            fetch_one(con.execute("SELECT count(*) FROM results"))  # touches the data: corruption shows here
        return version
    except StoreError as exc:
        raise StoreError(f"{path} is not an fwtui results database: {exc}") from None
    except duckdb.Error as exc:
        raise StoreError(describe_open_error(path, exc)) from None


def _migrate(path: Path, con: duckdb.DuckDBPyConnection, version: int) -> duckdb.DuckDBPyConnection:
    """Back the file up, then apply each migration in its own transaction."""
    try:
        chain = schema.migrations_from(version)
    except LookupError as exc:
        raise StoreError(f"cannot upgrade {path}: {exc}") from None
    con.execute("CHECKPOINT")
    con.close()
    backup = _backup(path, version)
    con = _connect(path, read_only=False)
    for step in chain:
        try:
            con.execute("BEGIN TRANSACTION")
            step.apply(con)
            con.execute(
                "INSERT OR REPLACE INTO schema_info VALUES ('schema_version', ?), ('migrated_from', ?)",
                [str(step.to_version), str(version)],  # the layout the file had before any step
            )
            con.execute("COMMIT")
        except duckdb.Error as exc:
            con.execute("ROLLBACK")
            con.close()
            raise StoreError(
                f"upgrading {path} from schema {step.from_version} failed ({first_line(exc)}); "
                f"the original is kept at {backup}"
            ) from None
    con.execute("INSERT OR IGNORE INTO schema_info VALUES ('created_by', ?)", [f"fwtui {__version__}"])
    con.execute("CHECKPOINT")
    return con

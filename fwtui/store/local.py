"""The app's one handle on its local results database: :class:`LocalDatabase`.

DuckDB lets one process open a file read-write, or several processes open it read-only, and refuses a
second handle of another kind on the same file within one process. So the app opens its local database
once, here, and everything in the process goes through this handle: benchmark results are written through
a :meth:`LocalDatabase.writer`, the Results area and Decide read through :meth:`LocalDatabase.cursor`
(one cursor per thread: a DuckDB connection is not safe to share between threads).

Another process may hold the database. If it only reads, this handle opens read-only: browsing works and
a writer is refused with the reason (the Benchmark area then runs unsaved, as its result-sink policy says).
If it writes, DuckDB lets nothing else open the file, not even to read: the handle then copies the file
(and its write-ahead log, which the copy replays when opened) to a private temporary directory and opens
that snapshot read-only, so a second instance can still browse what was saved up to that moment, and says
so. :meth:`LocalDatabase.reopen` tries again (or takes a fresh snapshot) once the other process may have
let go; a writer tries it too.

The handle opens on first use, in whichever worker thread asks first, so the first paint never waits for
DuckDB; this module imports nothing heavy.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from fwtui.store.errors import DatabaseLocked, StoreError

if TYPE_CHECKING:
    import duckdb

    from fwtui.store.browse import ResultsSource
    from fwtui.store.store import Store

Mode = Literal["read-write", "read-only", "unavailable"]
_RETRY = "(f5 in Results tries again)"


@dataclass(frozen=True)
class DatabaseAccess:
    """What this process can do with its local database now, and why not more."""

    path: Path
    mode: Mode
    reason: str | None = None  # why it is not read-write
    locked: bool = False  # another process holds it (a retry may succeed once that process lets go)
    snapshot: datetime | None = None  # when browsing a copy taken at this time (the file itself was locked)

    @property
    def writable(self) -> bool:
        return self.mode == "read-write"

    @property
    def readable(self) -> bool:
        return self.mode != "unavailable"

    def describe(self) -> str:
        """One line for the user; empty when the database is open read-write."""
        if self.mode == "read-only" and self.snapshot is not None:
            return (
                f"{self.reason} that writes to it: browsing a read-only copy taken at "
                f"{self.snapshot:%H:%M:%S}; benchmarks run unsaved until it is free {_RETRY}"
            )
        if self.mode == "read-only":
            return (
                f"{self.reason} that reads it: browsing it read-only, benchmarks run unsaved until it is free "
                f"{_RETRY}"
            )
        if self.locked:
            return f"{self.reason} that writes to it: it cannot be read until it is free {_RETRY}"
        return self.reason or ""


class LocalDatabase:
    """The local results database, opened once per process and shared by every part of the app."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path).expanduser()
        self._lock = threading.RLock()
        self._store: Store | None = None
        self._access: DatabaseAccess | None = None
        self._writers = 0
        self._closing = False
        self._snapshot_dir: Path | None = None

    # -- opening ------------------------------------------------------------------------------------

    def access(self) -> DatabaseAccess:
        """What is open, opening the database on first use."""
        with self._lock:
            if self._access is None:
                self._open()
            assert self._access is not None
            return self._access

    def current(self) -> DatabaseAccess | None:
        """What is open, without opening anything (None before the first use)."""
        with self._lock:
            return self._access

    def reopen(self) -> DatabaseAccess:
        """Open again unless open read-write already: another process that held the database may have let go
        (or, browsing a snapshot, take a fresh one).

        Connections of the earlier handle close, so reads in flight on it fail; readers take a fresh cursor
        for each read and so go on from the new handle.
        """
        with self._lock:
            if self._access is not None and self._access.writable:
                return self._access
            self._release()
            self._open()
            assert self._access is not None
            return self._access

    def _open(self) -> None:
        from fwtui.store.store import open_store

        if self._closing:
            raise StoreError(f"the results database {self.path} is closed")
        try:
            self._store = open_store(self.path)
            self._access = DatabaseAccess(self.path, "read-write")
            return
        except DatabaseLocked as locked:
            holder = f" (PID {locked.pid})" if locked.pid is not None else ""
            reason = f"the results database {self.path} is locked by another process{holder}"
        except StoreError as exc:
            self._access = DatabaseAccess(self.path, "unavailable", str(exc))
            return
        try:
            self._store = open_store(self.path, read_only=True)  # a process that only reads shares the file
            self._access = DatabaseAccess(self.path, "read-only", reason, locked=True)
            return
        except StoreError:
            pass
        try:
            self._store = self._open_snapshot()  # a writer holds it: browse a copy
            self._access = DatabaseAccess(self.path, "read-only", reason, locked=True, snapshot=datetime.now())
        except (OSError, StoreError) as exc:
            # The copy is opened like any database (catalog check included): a hostile file stays refused.
            self._remove_snapshot()
            why = f"{reason}; {exc}" if isinstance(exc, StoreError) else reason
            self._access = DatabaseAccess(self.path, "unavailable", why, locked=True)

    def _open_snapshot(self) -> Store:
        """A read-only store on a private copy of the file and its write-ahead log."""
        from fwtui.store.store import open_store

        self._snapshot_dir = Path(tempfile.mkdtemp(prefix="fwtui-snapshot-"))
        copy = self._snapshot_dir / self.path.name
        shutil.copyfile(self.path, copy)
        wal = self.path.with_name(self.path.name + ".wal")
        if wal.exists():
            shutil.copyfile(wal, copy.with_name(copy.name + ".wal"))
        return open_store(copy, read_only=True)

    def _remove_snapshot(self) -> None:
        if self._snapshot_dir is not None:
            shutil.rmtree(self._snapshot_dir, ignore_errors=True)
            self._snapshot_dir = None

    # -- using --------------------------------------------------------------------------------------

    def connection(self) -> duckdb.DuckDBPyConnection:
        """The open connection; raises :class:`StoreError` with the reason when nothing could be opened."""
        with self._lock:
            access = self.access()
            if self._store is None:
                raise _refusal(access)
            return self._store.connection

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """A cursor for one thread's reads (close it, or drop it, when done)."""
        with self._lock:
            return self.connection().cursor()

    def writer(self) -> Store:
        """A store on its own cursor, for one thread's writes; close it when done.

        When the database is not open read-write it is reopened first; if it still is not, this raises
        :class:`StoreError` (:class:`DatabaseLocked` when another process holds it) with the reason.
        """
        from fwtui.store.store import Store

        with self._lock:
            access = self.reopen()
            store = self._store
            if not access.writable or store is None:
                raise _refusal(access)
            self._writers += 1
            return Store(
                store.path,
                store.connection.cursor(),
                read_only=False,
                version=store.schema_version,
                on_close=self._writer_closed,
            )

    def results_source(self) -> ResultsSource:
        """The database as the Results area browses it, through this handle (closing it closes nothing)."""
        from fwtui.store.browse import ResultsSource, limit_memory

        access = self.access()
        limit_memory(self.connection())
        return ResultsSource(self.path, "database", access.writable, self.connection, lambda: None)

    # -- closing ------------------------------------------------------------------------------------

    def close(self) -> None:
        """Close now, or as soon as the last writer is done (a queue still saving while the app quits)."""
        with self._lock:
            self._closing = True
            if self._writers == 0:
                self._release()

    def _writer_closed(self) -> None:
        with self._lock:
            self._writers -= 1
            if self._closing and self._writers == 0:
                self._release()

    def _release(self) -> None:
        store, self._store, self._access = self._store, None, None
        if store is not None:
            store.close()
        self._remove_snapshot()


def _refusal(access: DatabaseAccess) -> StoreError:
    """Why this handle gives no connection, or no writer."""
    reason = access.reason or f"the results database {access.path} cannot be opened"
    return DatabaseLocked(reason) if access.locked else StoreError(reason)

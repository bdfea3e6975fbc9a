"""The app's one handle on its local database, with a real second process holding the file's lock."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

import duckdb
import pytest

from fwtui.bench.result_record import ResultRecord
from fwtui.store import open_store
from fwtui.store.errors import DatabaseLocked, StoreError
from fwtui.store.local import LocalDatabase

REPO = Path(__file__).resolve().parents[1]

HOLDER = """
import sys, duckdb
con = duckdb.connect(sys.argv[1], read_only=sys.argv[2] == "read-only")
print("holding", flush=True)
sys.stdin.read()  # until the test lets go
con.close()
"""


@contextmanager
def held_by_another_process(path: Path, *, read_only: bool) -> Iterator[subprocess.Popen[str]]:
    """A second process holding ``path`` open (read-only: a shared lock; else the write lock) until the block
    ends, or until :func:`let_go` is called."""
    mode = "read-only" if read_only else "read-write"
    process = subprocess.Popen([sys.executable, "-c", HOLDER, str(path), mode],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)  # fmt: skip
    try:
        assert process.stdout is not None and process.stdout.readline().strip() == "holding"
        yield process
    finally:
        let_go(process)


def let_go(process: subprocess.Popen[str]) -> None:
    if process.stdin is not None and not process.stdin.closed:
        process.stdin.close()
    process.wait(timeout=30)


def results_database(path: Path, results: int = 0) -> Path:
    with open_store(path) as store:
        for index in range(results):
            store.save_result(_record(f"r{index}"), [1.0, 2.0])
    return path


def _record(result_id: str) -> ResultRecord:
    return ResultRecord.from_dict({
        "result_id": result_id, "run_id": None, "machine_id": None, "created_at": "2026-01-01T00:00:00",
        "framework": "torch", "framework_version": "2", "variant": "eager", "workload": "mlp", "size": "small",
        "mode": "inference", "scenario": "latency", "batch_size": 1, "device": "cpu", "dtype": "float32",
        "threads": 1, "status": "ok", "reason": None,
    })  # fmt: skip


def _count(database: LocalDatabase) -> int:
    with closing(database.cursor()) as cursor:
        row = cursor.execute("SELECT count(*) FROM results").fetchone()
    assert row is not None
    return int(row[0])


def test_one_handle_serves_readers_and_writers_on_their_own_threads(tmp_path: Path) -> None:
    database = LocalDatabase(tmp_path / "fresh" / "results.duckdb")  # created on first use
    errors: list[BaseException] = []

    def write(start: int) -> None:
        try:
            writer = database.writer()
            try:
                for index in range(start, start + 20):
                    writer.save_result(_record(f"r{index}"), [1.0, 2.0, 3.0])
            finally:
                writer.close()
        except BaseException as exc:  # reported below
            errors.append(exc)

    def read() -> None:
        try:
            for _ in range(20):
                _count(database)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(0,)), threading.Thread(target=write, args=(100,)),
               threading.Thread(target=read)]  # fmt: skip
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    try:
        assert errors == []
        assert database.access().writable and _count(database) == 40
    finally:
        database.close()


def test_closing_waits_for_the_last_writer(tmp_path: Path) -> None:
    database = LocalDatabase(results_database(tmp_path / "results.duckdb"))
    writer = database.writer()
    database.close()  # the app quits while a queue still saves
    writer.save_result(_record("last"), [1.0])
    writer.close()
    with pytest.raises(StoreError, match="closed"):
        database.cursor()
    with open_store(tmp_path / "results.duckdb", read_only=True) as store:  # and nothing holds the file
        assert store.connection.execute("SELECT result_id FROM results").fetchall() == [("last",)]


def test_a_process_that_only_reads_leaves_browsing_read_only_until_it_lets_go(tmp_path: Path) -> None:
    path = results_database(tmp_path / "results.duckdb", results=3)
    database = LocalDatabase(path)
    try:
        with held_by_another_process(path, read_only=True) as holder:
            access = database.access()
            assert access.mode == "read-only" and access.locked
            assert f"PID {holder.pid}" in str(access.reason) and "read-only" in access.describe()
            assert _count(database) == 3  # browsing works
            with pytest.raises(DatabaseLocked, match="locked by another process"):
                database.writer()  # so a benchmark runs unsaved
            assert database.access().mode == "read-only"
        writer = database.writer()  # the other process let go: asking for a writer opens it read-write
        writer.save_result(_record("after"), [1.0])
        writer.close()
        assert database.access().writable and _count(database) == 4
    finally:
        database.close()


def test_a_process_that_writes_leaves_a_snapshot_to_browse_until_it_lets_go(tmp_path: Path) -> None:
    path = results_database(tmp_path / "results.duckdb", results=2)
    database = LocalDatabase(path)
    try:
        with held_by_another_process(path, read_only=False) as holder:
            access = database.access()
            # DuckDB refuses even a read-only open while another process writes: a private copy is browsed
            assert access.mode == "read-only" and access.locked and access.snapshot is not None
            text = access.describe()
            assert f"PID {holder.pid}" in text and "read-only copy taken at" in text
            assert "f5 in Results tries again" in text
            assert _count(database) == 2
            with pytest.raises(DatabaseLocked):
                database.writer()  # never written: the copy is not the database
            again = database.reopen()  # still held: a fresh snapshot
            assert again.mode == "read-only" and again.snapshot is not None and _count(database) == 2
        assert database.reopen().writable  # a refresh recovers, no restart
        assert _count(database) == 2
    finally:
        database.close()


def test_a_snapshot_of_a_hostile_database_is_refused_like_the_file(tmp_path: Path) -> None:
    path = results_database(tmp_path / "results.duckdb", results=2)
    con = duckdb.connect(str(path))
    con.execute("CREATE MACRO shown_p50(x) AS x * 2")  # an object fwtui never writes: could run code when read
    con.close()
    database = LocalDatabase(path)
    try:
        with held_by_another_process(path, read_only=False):
            access = database.access()
            assert access.mode == "unavailable" and access.locked and access.snapshot is None
            assert "is refused" in access.describe() and "shown_p50" in access.describe()
            with pytest.raises(StoreError):
                database.connection()
    finally:
        database.close()


def test_a_database_that_is_not_one_says_why(tmp_path: Path) -> None:
    path = tmp_path / "notes.duckdb"
    path.write_text("not a database")
    database = LocalDatabase(path)
    access = database.access()
    assert access.mode == "unavailable" and not access.locked
    assert "is not a DuckDB database" in access.describe()
    with pytest.raises(StoreError, match="not a DuckDB database"):
        database.writer()


def test_the_handle_is_light_to_import() -> None:
    """The app builds its context (and this handle) before the first paint: DuckDB loads only on first use."""
    code = "import sys, screens.context; print(sorted(m for m in ('duckdb', 'numpy') if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=REPO)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"

"""Opening the results database: creation, upgrades, version checks and every way opening can fail."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from results_fixtures import make_database

from fwtui.store import SCHEMA_VERSION, StoreError, open_store
from fwtui.store.schema import DDL_V0


def _result_count(path: Path) -> int:
    with open_store(path, read_only=True) as store:
        return int(store.connection.execute("SELECT count(*) FROM results").fetchall()[0][0])


def test_creates_the_parent_directory_and_the_current_schema(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "deeper" / "results.duckdb"
    with open_store(path) as store:
        assert store.schema_version == SCHEMA_VERSION
        assert store.get_info("schema_version") == str(SCHEMA_VERSION)
        assert (store.get_info("created_by") or "").startswith("fwtui ")
        tables = {r[0] for r in store.connection.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    assert tables == {"schema_info", "machines", "runs", "results", "samples"}
    assert path.is_file()


def test_missing_file_read_only_is_a_clear_error(tmp_path: Path) -> None:
    missing = tmp_path / "nope.duckdb"
    with pytest.raises(StoreError, match=r"^no such database: .*nope\.duckdb$"):
        open_store(missing, read_only=True)
    assert not missing.exists()


def test_a_file_that_is_not_duckdb_is_refused_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "notes.duckdb"
    path.write_text("these are my notes, not a database\n" * 20)
    before = path.read_bytes()
    for read_only in (False, True):
        with pytest.raises(StoreError, match="is not a DuckDB database"):
            open_store(path, read_only=read_only)
    assert path.read_bytes() == before


def test_a_duckdb_file_without_results_is_not_mistaken_for_one(tmp_path: Path) -> None:
    path = tmp_path / "other.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE invoices (id INTEGER)")
    con.close()
    with pytest.raises(StoreError, match="not an fwtui results database"):
        open_store(path)


@pytest.mark.parametrize("damage", ["truncate", "garble"])
def test_a_corrupt_database_is_a_clear_error_and_is_not_modified(tmp_path: Path, damage: str) -> None:
    path = make_database(tmp_path / "results.duckdb")
    data = bytearray(path.read_bytes())
    if damage == "truncate":
        data = data[: len(data) // 3]
    else:
        data[4096 : len(data) - 4096] = b"\x5a" * (len(data) - 8192)
    path.write_bytes(bytes(data))
    with pytest.raises(StoreError) as info:
        open_store(path, read_only=True)
    message = str(info.value)
    assert "corrupt or unreadable" in message
    assert "\n" not in message
    assert path.read_bytes() == bytes(data)  # nothing rewritten or "repaired"


def _hold_write_lock(path: Path) -> subprocess.Popen[str]:
    code = (
        "import sys, duckdb\n"
        "con = duckdb.connect(sys.argv[1])\n"
        "con.execute('SELECT count(*) FROM results').fetchall()\n"
        "print('ready', flush=True)\n"
        "sys.stdin.read()\n"
    )
    child = subprocess.Popen(
        [sys.executable, "-c", code, str(path)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert child.stdout is not None
    assert child.stdout.readline().strip() == "ready"
    return child


def test_a_database_locked_by_another_writing_process(tmp_path: Path) -> None:
    path = make_database(tmp_path / "results.duckdb")
    expected = _result_count(path)
    child = _hold_write_lock(path)
    try:
        for read_only in (False, True):
            with pytest.raises(StoreError) as info:
                open_store(path, read_only=read_only)
            assert str(info.value) == (
                f"database {path} is in use by another fwtui or DuckDB process (PID {child.pid}); "
                "close it or open read-only"
            )
    finally:
        assert child.stdin is not None
        child.stdin.close()
        child.wait(timeout=30)
    assert _result_count(path) == expected  # everything is still there once the other process is gone


def _write_v0_database(path: Path) -> None:
    con = duckdb.connect(str(path))
    con.execute(DDL_V0)
    con.execute(
        "INSERT INTO results (result_id, run_id, machine_id, created_at, framework, variant, workload, mode, "
        "scenario, batch_size, status, n, mean_ms, p50_ms, throughput_samples_per_s) VALUES "
        "('r1', 'run1', 'box', TIMESTAMP '2025-01-02 03:04:05', 'torch', 'eager', 'mlp', 'inference', "
        "'latency', 1, 'ok', 3, 0.5, 0.49, 2000.0), "
        "('r2', 'run1', 'box', TIMESTAMP '2025-01-02 03:05:05', 'jax', 'jit', 'mlp', 'inference', "
        "'latency', 1, 'ok', 3, 0.4, 0.39, 2500.0)"
    )
    con.execute("INSERT INTO samples VALUES ('r1', 0, 0.5), ('r1', 1, 0.49), ('r1', 2, 0.51)")
    con.close()


def test_an_older_database_is_backed_up_then_upgraded(tmp_path: Path) -> None:
    path = tmp_path / "results.duckdb"
    _write_v0_database(path)
    original = path.read_bytes()
    with open_store(path) as store:
        assert store.schema_version == SCHEMA_VERSION
        assert store.get_info("migrated_from") == "0"
        rows = store.connection.execute(
            "SELECT result_id, p50_ms, source, flags, ci95_low_ms FROM results ORDER BY result_id"
        ).fetchall()
        assert rows == [("r1", 0.49, "local", [], None), ("r2", 0.39, "local", [], None)]
        runs = store.connection.execute("SELECT run_id, machine_id, status FROM runs").fetchall()
        assert runs == [("run1", "box", "complete")]
        machines = store.connection.execute("SELECT machine_id FROM machines").fetchall()
        assert machines == [("box",)]
        # The upgraded database takes v1 writes.
        store.save_result(
            {"run_id": "run1", "machine_id": "box", "framework": "torch", "flags": ["x"]}, [1.0]
        )
    backups = list(tmp_path.glob("results.duckdb.bak-v0-*"))
    assert len(backups) == 1
    assert backups[0].read_bytes() == original
    with open_store(path, read_only=True) as store:  # no second upgrade, no second backup
        assert store.schema_version == SCHEMA_VERSION
    assert len(list(tmp_path.glob("results.duckdb.bak-*"))) == 1


def test_an_older_database_opened_read_only_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "old.duckdb"
    _write_v0_database(path)
    before = path.read_bytes()
    with pytest.raises(StoreError, match=r"older schema \(0 < 4\)"):
        open_store(path, read_only=True)
    assert path.read_bytes() == before
    assert not list(tmp_path.glob("*.bak-*"))


def test_a_newer_database_is_refused_read_write_but_browsable(tmp_path: Path) -> None:
    path = make_database(tmp_path / "future.duckdb")
    con = duckdb.connect(str(path))
    con.execute("UPDATE schema_info SET value = '9' WHERE key = 'schema_version'")
    con.close()
    with pytest.raises(StoreError) as info:
        open_store(path)
    assert str(info.value) == (
        f"{path} was written by a newer fwtui (schema 9 > {SCHEMA_VERSION}): open it read-only with `fwtui {path}` or upgrade fwtui"
    )
    with open_store(path, read_only=True) as store:
        assert store.schema_version == 9
        assert store.connection.execute("SELECT count(*) FROM results").fetchall()[0][0] > 0


def test_read_only_store_refuses_writes_with_a_clear_message(tmp_path: Path) -> None:
    path = make_database(tmp_path / "results.duckdb")
    before = _result_count(path)
    with open_store(path, read_only=True) as store:
        assert store.read_only
        with pytest.raises(StoreError, match="is open read-only"):
            store.save_result({"framework": "torch"}, [1.0])
        with pytest.raises(StoreError, match="is open read-only"):
            store.begin_run({"machine_id": "m"})
        with pytest.raises(StoreError, match="is open read-only"):
            store.upsert_machine({"machine_id": "m"})
    assert _result_count(path) == before


def test_a_directory_is_not_a_database(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="is a directory"):
        open_store(tmp_path)

"""Export through DuckDB COPY, and idempotent imports of databases and Parquet exports."""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from results_fixtures import make_database

from fwtui.store import StoreError, open_store
from fwtui.store.browse import open_source
from fwtui.store.importexport import export_database, import_into


def _fwtui(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "fwtui", *args], capture_output=True, text=True, timeout=120)


def _counts(con) -> dict[str, int]:  # type: ignore[no-untyped-def]
    return {
        t: con.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0]
        for t in ("machines", "runs", "results", "samples")
    }


@pytest.fixture(scope="module")
def source_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_database(tmp_path_factory.mktemp("src") / "source.duckdb")


def test_parquet_export_is_partitioned_by_machine_and_browsable(source_db: Path, tmp_path: Path) -> None:
    with open_store(source_db, read_only=True) as store:
        expected = _counts(store.connection)
        export_database(store.connection, tmp_path / "out", "parquet")
    for table in ("machines", "runs", "results", "samples"):
        partitions = sorted(p.name for p in (tmp_path / "out" / table).iterdir())
        assert partitions == ["machine_id=m-cpu-box", "machine_id=m-gpu-box"]
    source = open_source(tmp_path / "out")
    try:
        assert source.kind == "parquet"
        assert _counts(source.connection) == expected
        flags = source.connection.execute("SELECT flags FROM results WHERE len(flags) > 0 LIMIT 1").fetchall()
        assert isinstance(flags[0][0], list)
    finally:
        source.close()


def test_two_machines_exports_dropped_into_one_directory_browse_together(
    source_db: Path, tmp_path: Path
) -> None:
    with open_store(source_db, read_only=True) as store:
        export_database(store.connection, tmp_path / "full", "parquet")
        total = _counts(store.connection)["results"]
    shared = tmp_path / "shared"
    for machine in ("m-cpu-box", "m-gpu-box"):
        for table in ("machines", "runs", "results", "samples"):
            src = tmp_path / "full" / table / f"machine_id={machine}"
            shutil.copytree(src, shared / table / src.name)
    source = open_source(shared)
    try:
        assert _counts(source.connection)["results"] == total
        machines = source.connection.execute("SELECT count(DISTINCT machine_id) FROM results").fetchall()
        assert machines == [(2,)]
    finally:
        source.close()


def test_csv_and_json_exports_hold_every_table(source_db: Path, tmp_path: Path) -> None:
    with open_store(source_db, read_only=True) as store:
        expected = _counts(store.connection)
        export_database(store.connection, tmp_path / "csv", "csv")
        export_database(store.connection, tmp_path / "json", "json")
    with (tmp_path / "csv" / "results.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == expected["results"]
    assert {"result_id", "p50_ms", "flags"} <= set(rows[0])
    lines = (tmp_path / "json" / "samples.json").read_text().splitlines()
    assert len(lines) == expected["samples"]
    assert set(json.loads(lines[0])) == {"result_id", "seq", "ms", "machine_id"}


def test_import_of_a_database_is_idempotent(source_db: Path, tmp_path: Path) -> None:
    with open_store(source_db, read_only=True) as store:
        expected = _counts(store.connection)
    with open_store(tmp_path / "local.duckdb") as local:
        first = import_into(local, source_db)
        assert first.added == expected
        assert set(first.skipped.values()) == {0}
        second = import_into(local, source_db)
        assert set(second.added.values()) == {0}
        assert second.skipped == expected
        assert _counts(local.connection) == expected
        sources = local.connection.execute("SELECT DISTINCT source FROM results").fetchall()
        assert sources == [("import",)]


def test_import_of_a_parquet_export_merges_into_existing_results(source_db: Path, tmp_path: Path) -> None:
    with open_store(source_db, read_only=True) as store:
        export_database(store.connection, tmp_path / "out", "parquet")
        expected = _counts(store.connection)
    with open_store(tmp_path / "local.duckdb") as local:
        local.save_result({"result_id": "mine", "framework": "torch"}, [1.0, 2.0])
        report = import_into(local, tmp_path / "out")
        assert report.added["results"] == expected["results"]
        assert report.added["samples"] == expected["samples"]
        again = import_into(local, tmp_path / "out")
        assert again.added == {"machines": 0, "runs": 0, "results": 0, "samples": 0}
        assert _counts(local.connection)["results"] == expected["results"] + 1
        # Types survive the round trip (ids stay text, flags stay lists); the flags are the engine's, recomputed
        # from the samples, not the fixture's hand-written high_variance.
        row = local.connection.execute(
            "SELECT machine_id, flags FROM results WHERE result_id = 'run-a-005'"
        ).fetchall()
        assert row == [("m-cpu-box", [])]
        assert {r.result_id for r in report.revalidated} >= {"run-a-005"}


def test_import_refuses_what_it_cannot_merge(tmp_path: Path) -> None:
    junk = tmp_path / "junk.bin"
    junk.write_bytes(b"\x00" * 100)
    with open_store(tmp_path / "local.duckdb") as local:
        with pytest.raises(StoreError, match="neither a DuckDB database nor"):
            import_into(local, junk)
        with pytest.raises(StoreError, match="no such database or directory"):
            import_into(local, tmp_path / "missing")
        with pytest.raises(StoreError, match="not an fwtui Parquet export"):
            import_into(local, tmp_path)
        with pytest.raises(StoreError, match="being imported into"):
            import_into(local, tmp_path / "local.duckdb")
        assert _counts(local.connection)["results"] == 0


def test_export_and_import_commands(source_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "exported"
    result = _fwtui("export", "--db", str(source_db), "--format", "parquet", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert (out / "results").is_dir()
    target = tmp_path / "merged.duckdb"
    first = _fwtui("import", str(out), "--db", str(target))
    assert first.returncode == 0, first.stderr
    assert "results: 108 added, 0 skipped" in first.stdout
    second = _fwtui("import", str(out), "--db", str(target))
    assert "results: 0 added, 108 skipped" in second.stdout
    bad = _fwtui("export", "--db", str(source_db), "--format", "xlsx", "--out", str(out))
    assert bad.returncode == 2
    assert "Traceback" not in bad.stderr

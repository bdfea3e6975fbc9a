"""Opening a fleet store reads each push's bundle (``fleet_tables.py``) instead of its manifest and files,
against the real local S3-compatible server: what an export writes, an older export without bundles, a bundle
that does not check out, and a file replaced by a later push."""

from __future__ import annotations

import os
from pathlib import Path

import boto3
import duckdb
import pytest
from fleet_fixtures import REGION, bucket_fixture, machine_database, moto_endpoint_fixture  # noqa: F401

from fwtui.store.fleet import MANIFEST_DIR
from fwtui.store.fleet_push import push
from fwtui.store.fleet_read import EAGER_TABLES, connect_remote, copy_tables, plan_open
from fwtui.store.fleet_tables import TABLES_DIR
from fwtui.store.remote import RemoteLocation, open_filesystem, parse_remote

CPU = "m-cpu-box"
SAMPLES = "SELECT result_id, seq, ms FROM samples ORDER BY result_id, seq"
ROWS = {
    "results": "SELECT result_id, run_id, machine_id, framework, p50_ms FROM results ORDER BY result_id",
    "runs": "SELECT run_id, machine_id, status FROM runs ORDER BY run_id",
    "machines": "SELECT machine_id, label, cpu_brand FROM machines ORDER BY machine_id",
}


def _client() -> object:
    return boto3.client("s3", endpoint_url=os.environ["AWS_ENDPOINT_URL"], region_name=REGION)


def _pushed(path: Path, location: RemoteLocation) -> None:
    with duckdb.connect(str(path), read_only=True) as con:
        push(con, location)


def _rows(con: duckdb.DuckDBPyConnection) -> dict[str, list[tuple[object, ...]]]:
    return {table: con.execute(sql).fetchall() for table, sql in ROWS.items()}


def _local_rows(path: Path) -> dict[str, list[tuple[object, ...]]]:
    with duckdb.connect(str(path), read_only=True) as con:
        return _rows(con)


def _browsed(location: RemoteLocation) -> dict[str, list[tuple[object, ...]]]:
    con, _ = connect_remote(location)
    try:
        return _rows(con)
    finally:
        con.close()


def _copied(location: RemoteLocation) -> dict[str, list[tuple[object, ...]]]:
    """What user SQL sees: the locked copy's tables, samples included."""
    con, _ = copy_tables(location, samples=True)
    try:
        return {**_rows(con), "samples": con.execute(SAMPLES).fetchall()}
    finally:
        con.close()


def _local_copy(path: Path) -> dict[str, list[tuple[object, ...]]]:
    with duckdb.connect(str(path), read_only=True) as con:
        return {**_rows(con), "samples": con.execute(SAMPLES).fetchall()}


def _keys(bucket: str, prefix: str) -> list[str]:
    found = _client().list_objects_v2(Bucket=bucket, Prefix=prefix)  # type: ignore[attr-defined]
    return sorted(item["Key"] for item in found.get("Contents", []))


def test_an_export_writes_what_the_open_reads(bucket: str, tmp_path: Path) -> None:
    db = machine_database(tmp_path / "cpu.duckdb", CPU)
    location = parse_remote(f"s3://{bucket}/fleet")
    _pushed(db, location)
    manifests = _keys(bucket, f"fleet/{MANIFEST_DIR}/")
    bundles = _keys(bucket, f"fleet/{TABLES_DIR}/")
    # One bundle beside each manifest, the same pusher and digest.
    assert [k.removesuffix(".parquet") for k in bundles] == [
        k.replace(MANIFEST_DIR, TABLES_DIR).removesuffix(".json") for k in manifests
    ]
    plan = plan_open(open_filesystem(location), location, tmp_path)
    eager = {f.path for f in plan.listing.files if f.table in EAGER_TABLES}
    assert plan.fetched == () and set(plan.bundled) == eager and len(eager) >= 5  # no data file is fetched
    assert _browsed(location) == _local_rows(db)
    assert _copied(location) == _local_copy(db)


def test_an_older_export_without_bundles_reads_the_same(bucket: str, tmp_path: Path) -> None:
    db = machine_database(tmp_path / "cpu.duckdb", CPU)
    location = parse_remote(f"s3://{bucket}/old")
    _pushed(db, location)
    for key in _keys(bucket, f"old/{TABLES_DIR}/"):  # as an fwtui from before bundles left it
        _client().delete_object(Bucket=bucket, Key=key)  # type: ignore[attr-defined]
    plan = plan_open(open_filesystem(location), location, tmp_path)
    assert plan.bundled == {} and {f.table for f in plan.fetched} == set(EAGER_TABLES)
    assert plan.listing.ignored == ()
    assert _browsed(location) == _local_rows(db)
    assert _copied(location) == _local_copy(db)


@pytest.mark.parametrize("content", [b"not parquet at all", None])
def test_a_bundle_that_does_not_check_out_is_read_as_its_manifest(
    bucket: str, tmp_path: Path, content: bytes | None
) -> None:
    db = machine_database(tmp_path / "cpu.duckdb", CPU)
    location = parse_remote(f"s3://{bucket}/bad")
    _pushed(db, location)
    (bundle,) = _keys(bucket, f"bad/{TABLES_DIR}/")
    expected = _local_rows(db)
    if content is None:  # a real bundle, but another push's: its entries do not give its name's digest
        with duckdb.connect(str(db)) as con:
            con.execute(
                "DELETE FROM samples WHERE result_id IN (SELECT result_id FROM results WHERE run_id = 'run-b')"
            )
            con.execute("DELETE FROM results WHERE run_id = 'run-b'")
        _pushed(db, parse_remote(f"s3://{bucket}/other"))
        (foreign,) = _keys(bucket, f"other/{TABLES_DIR}/")
        content = _client().get_object(Bucket=bucket, Key=foreign)["Body"].read()  # type: ignore[attr-defined]
    _client().put_object(Bucket=bucket, Key=bundle, Body=content)  # type: ignore[attr-defined]
    plan = plan_open(open_filesystem(location), location, tmp_path)
    assert plan.bundled == {} and any("bundle" in line for line in plan.listing.ignored)
    assert _browsed(location) == expected


def test_a_file_replaced_by_a_later_push_is_not_read_from_the_older_bundle(
    bucket: str, tmp_path: Path
) -> None:
    db = machine_database(tmp_path / "cpu.duckdb", CPU)
    location = parse_remote(f"s3://{bucket}/again")
    _pushed(db, location)
    with duckdb.connect(str(db)) as con:  # run-a loses a result: its files change, run-b's stay as they were
        (victim,) = con.execute("SELECT min(result_id) FROM results WHERE run_id = 'run-a'").fetchone() or (
            None,
        )
        con.execute("DELETE FROM samples WHERE result_id = ?", [victim])
        con.execute("DELETE FROM results WHERE result_id = ?", [victim])
    _pushed(db, location)
    assert len(_keys(bucket, f"again/{TABLES_DIR}/")) == 2
    plan = plan_open(open_filesystem(location), location, tmp_path)
    assert plan.fetched == ()
    newest = plan.bundled[f"results/machine_id={CPU}/run-a.parquet"].manifest_path
    assert plan.bundled[f"results/machine_id={CPU}/run-b.parquet"].manifest_path != newest
    browsed = _browsed(location)
    assert browsed == _local_rows(db) and victim not in [r[0] for r in browsed["results"]]


def test_the_app_on_a_prefix_without_an_export_stops_before_it_starts(
    bucket: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from fwtui.cli import main

    _client().put_object(Bucket=bucket, Key="empty/results/stray.parquet", Body=b"x")  # type: ignore[attr-defined]
    assert main([f"s3://{bucket}/empty"]) == 1
    err = capsys.readouterr().err
    assert "no fwtui export here" in err and len(err.strip().splitlines()) == 1

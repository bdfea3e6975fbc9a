"""Object-storage locations, manifests and failure messages, without a server."""

from __future__ import annotations

import json

import numpy as np
import pytest
from rich.console import Console

from fwtui.cli import main
from fwtui.errors import UsageError
from fwtui.store.fleet import FleetFile, Manifest, parse_manifest
from fwtui.store.remote import describe_failure, is_remote_url, parse_remote
from fwtui.terminal_text import printable
from screens.results.render import compare_renderable


def test_urls_are_told_from_paths() -> None:
    assert is_remote_url("s3://bucket/prefix") and is_remote_url("gs://b") and is_remote_url("ftp://x/y")
    assert (
        not is_remote_url("results.duckdb") and not is_remote_url("file:///tmp/x") and not is_remote_url(None)
    )


def test_a_location_and_its_endpoint(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_ENDPOINT_URL_S3", raising=False)
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9000")
    location = parse_remote("s3://bucket//team/fwtui/")
    assert (location.bucket, location.prefix, location.endpoint_url) == (
        "bucket",
        "team/fwtui",
        "http://127.0.0.1:9000",
    )
    assert (
        location.url == "s3://bucket/team/fwtui"
        and location.key("results/x.parquet") == "bucket/team/fwtui/results/x.parquet"
    )
    assert (
        parse_remote("s3://bucket", "https://minio.example:9000").endpoint_url == "https://minio.example:9000"
    )
    assert parse_remote("gs://bucket/p").endpoint_url is None  # the S3 variable is for S3 only
    with pytest.raises(UsageError, match="s3:// locations only"):
        parse_remote("gs://bucket/p", "http://127.0.0.1:9000")
    with pytest.raises(UsageError, match="http"):
        parse_remote("s3://bucket/p", "127.0.0.1:9000")


def test_a_push_of_csv_to_a_store_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["export", "--format", "csv", "--out", "s3://bucket/p"]) == 2
    assert "holds Parquet" in capsys.readouterr().err
    assert main(["import", "x.duckdb", "--endpoint-url", "http://127.0.0.1:1"]) == 2


def test_a_manifest_round_trips_and_its_name_is_what_it_lists() -> None:
    files = (FleetFile("results", "m-1", "run-a", 10), FleetFile("samples", "m-1", "run-a", 400))
    manifest = Manifest("m-1", files)
    assert parse_manifest(manifest.to_json().encode()) == sorted(files, key=lambda f: f.path)
    assert Manifest("m-1", tuple(reversed(files))).path == manifest.path  # order does not matter
    assert Manifest("m-1", (files[0],)).path != manifest.path


@pytest.mark.parametrize(
    ("doc", "reason"),
    [
        ({"format": "other"}, "not an fwtui-fleet manifest"),
        ({"format": "fwtui-fleet", "version": 2, "files": []}, "format version 2"),
        ({"format": "fwtui-fleet", "version": True, "files": []}, "format version"),
        ({"format": "fwtui-fleet", "version": 1, "files": {}}, "no file list"),
        ({"format": "fwtui-fleet", "version": 1, "files": [{"path": "results/machine_id=m/../x.parquet", "rows": 1}]}, "wrong shape"),
        ({"format": "fwtui-fleet", "version": 1, "files": [{"path": "etc/machine_id=m/x.parquet", "rows": 1}]}, "wrong shape"),
        ({"format": "fwtui-fleet", "version": 1, "files": [{"path": "results/machine_id=m/x.parquet", "rows": -1}]}, "wrong shape"),
    ],
)  # fmt: skip
def test_a_manifest_of_the_wrong_shape_is_refused(doc: object, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        parse_manifest(json.dumps(doc).encode())


def test_failures_are_one_printable_line() -> None:
    location = parse_remote("s3://bucket/p", "http://127.0.0.1:1")
    assert "does not exist" in describe_failure(
        location, FileNotFoundError("The specified bucket does not exist")
    )
    denied = describe_failure(location, PermissionError("Access Denied\x1b[2J\nsecond line"))
    assert "access denied" in denied and "\x1b" not in denied and "\n" not in denied
    assert "cannot reach http://127.0.0.1:1" in describe_failure(location, ConnectionRefusedError("refused"))
    shown = printable("a\x07b\u202ec" + "x" * 400, newlines=False, limit=24)
    assert shown == "a\\x07b\\u202ec" + "x" * 10 + "…" and len(shown) == 24


def test_a_comparison_of_marked_results_says_when_versions_differ() -> None:
    base = {"framework": "torch", "variant": "eager", "workload": "mlp", "mode": "inference", "scenario": "latency",
            "batch_size": 1, "p50_ms": 1.0, "status": "ok"}  # fmt: skip
    details = [
        {**base, "framework_version": "2.13.0"},
        {**base, "framework_version": "2.12.1", "p50_ms": 2.0},
    ]
    console = Console(width=140, record=True, color_system=None)
    console.print(compare_renderable(details, [np.array([]), np.array([])]))
    assert "Framework versions differ: torch 2.13.0 (A), 2.12.1 (B)" in console.export_text()
    same = [{**base, "framework_version": "2.13.0"}, {**base, "framework_version": "2.13.0"}]
    console = Console(width=140, record=True, color_system=None)
    console.print(compare_renderable(same, [np.array([]), np.array([])]))
    assert "versions differ" not in console.export_text()

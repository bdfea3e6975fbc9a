"""The fleet store against a real S3-compatible server started locally (moto's server mode on 127.0.0.1):
export (push), browse, query, import, repeated pushes, two machines on one prefix, and the failures."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from fleet_fixtures import bucket_fixture, counts, list_keys, machine_database, moto_endpoint_fixture  # noqa: F401

from fwtui.cli import main
from fwtui.store import StoreError, open_store
from fwtui.store.fleet import MANIFEST_DIR
from fwtui.store.fleet_push import push
from fwtui.store.fleet_read import fleet_listing
from fwtui.store.remote import open_filesystem, parse_remote

CPU, GPU = "m-cpu-box", "m-gpu-box"


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def _query_json(capsys: pytest.CaptureFixture[str], url: str, sql: str) -> list[dict[str, object]]:
    code, out, err = _run(capsys, "query", sql, "--db", url, "--format", "json")
    assert code == 0, err
    return list(json.loads(out))


def test_push_then_query_browse_and_import(
    bucket: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cpu = machine_database(tmp_path / "cpu.duckdb", CPU)
    url = f"s3://{bucket}/fleet"
    code, out, err = _run(capsys, "export", "--db", str(cpu), "--format", "parquet", "--out", url)
    assert code == 0, err
    assert "files uploaded" in out
    # The layout: one file per table, machine and run; one manifest, written by this machine.
    keys = set(list_keys_env(bucket))
    assert f"fleet/results/machine_id={CPU}/run-a.parquet" in keys
    assert f"fleet/samples/machine_id={CPU}/run-b.parquet" in keys
    assert f"fleet/machines/machine_id={CPU}/machine.parquet" in keys
    assert [k for k in keys if k.startswith(f"fleet/{MANIFEST_DIR}/{CPU}/")] != []

    rows = _query_json(capsys, url, "SELECT count(*) AS n, count(DISTINCT run_id) AS runs FROM results")
    expected = counts(cpu)
    assert rows == [{"n": expected["results"], "runs": 2}]
    assert _query_json(capsys, url, "SELECT count(*) AS n FROM samples") == [{"n": expected["samples"]}]
    named = _query_json(capsys, url, "machines")
    assert [r["machine_id"] for r in named] == [CPU]

    local_copy = tmp_path / "copy"  # a fleet store exports to a local directory like any database
    assert _run(capsys, "export", "--db", url, "--format", "csv", "--out", str(local_copy))[0] == 0
    assert len((local_copy / "results.csv").read_text().splitlines()) == expected["results"] + 1

    target = tmp_path / "merged.duckdb"
    code, out, err = _run(capsys, "import", url, "--db", str(target))
    assert code == 0, err
    assert counts(target) == expected
    code, out, _ = _run(capsys, "import", url, "--db", str(target))  # idempotent
    assert "results: 0 added" in out
    assert counts(target) == expected


def list_keys_env(bucket: str) -> dict[str, object]:
    import os

    return dict(list_keys(os.environ["AWS_ENDPOINT_URL"], bucket))


def test_a_repeated_push_changes_nothing(
    bucket: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cpu = machine_database(tmp_path / "cpu.duckdb", CPU)
    url = f"s3://{bucket}/p"
    assert _run(capsys, "export", "--db", str(cpu), "--out", url)[0] == 0
    before = list_keys_env(bucket)
    code, out, _ = _run(capsys, "export", "--db", str(cpu), "--out", url)
    assert code == 0
    assert "already pushed" in out
    assert list_keys_env(bucket) == before  # same keys, same ETags, nothing rewritten
    listing = fleet_listing(parse_remote(url))
    assert listing.manifests == 1
    assert _query_json(capsys, url, "SELECT count(*) AS n FROM results") == [{"n": counts(cpu)["results"]}]


def test_two_machines_push_to_one_prefix_and_never_rewrite_each_other(
    bucket: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cpu = machine_database(tmp_path / "cpu.duckdb", CPU)
    gpu = machine_database(tmp_path / "gpu.duckdb", GPU)
    url = f"s3://{bucket}/shared"
    assert _run(capsys, "export", "--db", str(cpu), "--out", url)[0] == 0
    cpu_objects = {k: v for k, v in list_keys_env(bucket).items() if f"machine_id={CPU}/" in k}
    # The GPU box first takes in the CPU box's results, then pushes: the CPU box's files must stay as they were.
    assert _run(capsys, "import", url, "--db", str(gpu))[0] == 0
    code, _, err = _run(capsys, "export", "--db", str(gpu), "--out", url)
    assert code == 0, err
    after = list_keys_env(bucket)
    assert {k: v for k, v in after.items() if f"machine_id={CPU}/" in k} == cpu_objects
    assert any(f"machine_id={GPU}/" in k for k in after)
    pushers = {k.split("/")[2] for k in after if k.startswith(f"shared/{MANIFEST_DIR}/")}
    assert pushers == {CPU, GPU}
    machines = _query_json(capsys, url, "SELECT machine_id, count(*) AS n FROM results GROUP BY 1 ORDER BY 1")
    assert machines == [
        {"machine_id": CPU, "n": counts(cpu)["results"]},
        {"machine_id": GPU, "n": counts(machine_database(tmp_path / "g2.duckdb", GPU))["results"]},
    ]
    side_by_side = _query_json(capsys, url, "fleet_machines")
    assert [(r["machine_id"], r["runs"]) for r in side_by_side] == [(CPU, 2), (GPU, 1)]
    # No row is read twice although both manifests list the CPU box's files.
    total = _query_json(capsys, url, "SELECT count(*) AS n, count(DISTINCT result_id) AS ids FROM results")
    assert total[0]["n"] == total[0]["ids"]


def test_a_partial_upload_is_never_visible(
    bucket: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cpu = machine_database(tmp_path / "cpu.duckdb", CPU)
    location = parse_remote(f"s3://{bucket}/partial")
    fs = open_filesystem(location)

    def fail(*_: object, **__: object) -> None:
        raise ConnectionError("connection reset while writing the manifest")

    monkeypatch.setattr(fs, "pipe", fail)
    with open_store(cpu, read_only=True) as store, pytest.raises(StoreError, match="push failed"):
        push(store.connection, location, fs)
    assert any("/results/" in k for k in list_keys_env(bucket))  # the data files are there ...
    with pytest.raises(StoreError, match="no fwtui export here"):  # ... but no reader sees them
        fleet_listing(location)
    with open_store(cpu, read_only=True) as store:
        report = push(store.connection, location)
    assert report.uploaded == ()  # the files left behind are reused
    assert len(fleet_listing(location).of("results")) == 2


def test_hostile_manifests_are_left_out(
    bucket: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cpu = machine_database(tmp_path / "cpu.duckdb", CPU)
    url = f"s3://{bucket}/h"
    assert _run(capsys, "export", "--db", str(cpu), "--out", url)[0] == 0
    fs = open_filesystem(parse_remote(url))
    bad = {
        "evil/x.json": {
            "format": "fwtui-fleet",
            "version": 1,
            "files": [{"path": "../../etc/passwd", "rows": 1}],
        },
        "evil/y.json": {"format": "fwtui-fleet", "version": 99, "files": []},
        "evil/z.json": "not a manifest",
    }
    for name, doc in bad.items():
        fs.pipe(f"{bucket}/h/{MANIFEST_DIR}/{name}", json.dumps(doc).encode())
    fs.pipe(f"{bucket}/h/{MANIFEST_DIR}/evil/w.json", b"\x1b[31m{not json")
    listing = fleet_listing(parse_remote(url))
    assert listing.manifests == 1
    assert len(listing.ignored) == 4
    assert all("\x1b" not in line for line in listing.ignored)
    assert _query_json(capsys, url, "SELECT count(*) AS n FROM results") == [{"n": counts(cpu)["results"]}]


def test_a_missing_bucket_is_one_line(
    bucket: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cpu = machine_database(tmp_path / "cpu.duckdb", CPU)
    url = "s3://no-such-bucket-here/prefix"
    for args in (
        ("query", "machines", "--db", url),
        ("import", url),
        (url,),
        ("export", "--db", str(cpu), "--out", url),
    ):
        code, _, err = _run(capsys, *args)
        assert code == 1, args
        assert err.count("\n") == 1 and "does not exist" in err, (args, err)


def test_wrong_credentials_are_one_line(bucket: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                        monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    from moto.core.authorization import enable_iam_authentication

    cpu = machine_database(tmp_path / "cpu.duckdb", CPU)
    url = f"s3://{bucket}/creds"
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAWRONGWRONGWRONG1")
    with enable_iam_authentication():  # moto now checks every request's key, as S3 does
        for args in (("export", "--db", str(cpu), "--out", url), ("query", "machines", "--db", url), (url,),
                     ("import", url, "--db", str(tmp_path / "t.duckdb"))):  # fmt: skip
            code, _, err = _run(capsys, *args)
            assert code == 1, args
            assert err.count("\n") == 1 and "access denied" in err, (args, err)


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("s3:///prefix", "no valid bucket"),
        ("ftp://host/x", "unsupported URL scheme"),
        ("s3://b/../x", "'..'"),
    ],
)
def test_malformed_locations_are_usage_errors(
    url: str, words: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = _run(capsys, "query", "machines", "--db", url)
    assert code == 2
    assert words in err and err.count("\n") == 1


def test_the_command_line_never_shows_a_traceback(bucket: str, moto_endpoint: str) -> None:
    import os

    result = subprocess.run(
        [sys.executable, "-m", "fwtui", "query", "machines", "--db", f"s3://{bucket}-missing/x",
         "--endpoint-url", moto_endpoint],
        capture_output=True, text=True, timeout=120, env={**os.environ, "AWS_ENDPOINT_URL": ""},
    )  # fmt: skip
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("fwtui: s3://") and "does not exist" in result.stderr


def test_no_credentials_at_all_is_one_line(bucket: str, capsys: pytest.CaptureFixture[str],
                                           monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    code, _, err = _run(capsys, "query", "machines", "--db", f"s3://{bucket}/p")
    assert code == 1
    assert err.count("\n") == 1 and "no credentials found" in err

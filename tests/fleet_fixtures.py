"""A local S3-compatible server (moto's server mode on 127.0.0.1) and one database per machine, for the
fleet store tests and benchmarks (never shipped)."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from results_fixtures import build_dataset, populate

from fwtui.store import open_store

REGION = "us-east-1"


def start_moto() -> tuple[Any, str]:
    """A moto S3 server on a free loopback port, and its endpoint URL."""
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one line per request otherwise
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    return server, f"http://{host}:{port}"


def credentials_env(endpoint: str) -> dict[str, str]:
    """Test credentials and the endpoint, with every other source of AWS settings shut off."""
    return {
        "AWS_ACCESS_KEY_ID": "fleet-test-key",
        "AWS_SECRET_ACCESS_KEY": "fleet-test-secret",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_CONFIG_FILE": "/nonexistent/aws-config",
        "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/aws-credentials",
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_ENDPOINT_URL": endpoint,
    }


def make_bucket(endpoint: str, name: str | None = None) -> str:
    import boto3

    bucket = name or f"fleet-{uuid.uuid4().hex[:12]}"
    client = boto3.client(
        "s3", endpoint_url=endpoint, region_name=REGION,
        aws_access_key_id="fleet-test-key", aws_secret_access_key="fleet-test-secret",
    )  # fmt: skip
    client.create_bucket(Bucket=bucket)
    return bucket


def list_keys(endpoint: str, bucket: str) -> dict[str, tuple[str, Any]]:
    """Every object in the bucket: key -> (ETag, LastModified)."""
    import boto3

    client = boto3.client(
        "s3", endpoint_url=endpoint, region_name=REGION,
        aws_access_key_id="fleet-test-key", aws_secret_access_key="fleet-test-secret",
    )  # fmt: skip
    found: dict[str, tuple[str, Any]] = {}
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for item in page.get("Contents", []):
            found[item["Key"]] = (item["ETag"], item["LastModified"])
    return found


def machine_items(machine_id: str) -> list[dict[str, Any]]:
    """The fixture dataset's rows of one machine: what that machine's own database holds."""
    return [item for item in build_dataset() if item.get("machine_id") == machine_id]


def machine_database(path: Path, machine_id: str) -> Path:
    with open_store(path) as store:
        populate(store, machine_items(machine_id))
    return path


def counts(path: Path) -> dict[str, int]:
    with open_store(path, read_only=True) as store:
        con = store.connection
        return {
            t: con.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0]
            for t in ("machines", "runs", "results", "samples")
        }


# Imported by the test modules under these names; the fixtures themselves are moto_endpoint and bucket.
@pytest.fixture(scope="session", name="moto_endpoint")
def moto_endpoint_fixture() -> Iterator[str]:
    pytest.importorskip("moto.server")
    pytest.importorskip("s3fs")
    server, endpoint = start_moto()
    try:
        yield endpoint
    finally:
        server.stop()


@pytest.fixture(name="bucket")
def bucket_fixture(moto_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """A fresh bucket, with the credentials and endpoint in the environment."""
    for name, value in credentials_env(moto_endpoint).items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.delenv("AWS_ENDPOINT_URL_S3", raising=False)
    return make_bucket(moto_endpoint)

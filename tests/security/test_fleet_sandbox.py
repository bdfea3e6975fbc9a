"""User SQL on a fleet store (`fwtui query --db s3://...`, the Results console on a browsed store) meets the
same gate and a locked engine as on a local file, although fwtui's own reads of the store go through the
fsspec filesystem it registers with DuckDB: it reads the store's tables, and no other object of the bucket,
no local file, no setting, no extension; the bucket is left exactly as it was. Text from the store reaches
the terminal escaped, and `fwtui import s3://...` refuses it like a local import does."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import duckdb
import pytest
from fleet_fixtures import (  # noqa: F401
    bucket_fixture,
    list_keys,
    machine_database,
    moto_endpoint_fixture,
)
from hostile import CANARY_TEXT, ESCAPES, Snapshot, canary, sql_text, terminal_safe
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fwtui import cli
from fwtui.errors import FwtuiError
from fwtui.store import open_store
from fwtui.store.console import run_console_query
from fwtui.store.fleet_push import push
from fwtui.store.fleet_read import open_remote_source
from fwtui.store.remote import open_filesystem, parse_remote

CPU = "m-cpu-box"


class Fleet:
    """A bucket with one pushed export under ``fleet/`` and, beside it, objects no user SQL may read."""

    def __init__(self, bucket: str, endpoint: str, root: Path) -> None:
        self.bucket, self.endpoint, self.root = bucket, endpoint, root
        self.url = f"s3://{bucket}/fleet"
        self.canary = canary(root)  # a local file
        self.out = root / "written"
        db = machine_database(root / "cpu.duckdb", CPU)
        with open_store(db, read_only=True) as store:
            push(store.connection, parse_remote(self.url))
            self.samples = store.connection.execute("SELECT count(*) FROM samples").fetchall()[0][0]
        fs = open_filesystem(parse_remote(self.url))
        fs.pipe(f"{bucket}/other/secret.txt", CANARY_TEXT.encode())
        table = duckdb.connect()
        path = root / "secret.parquet"
        table.execute(
            f"COPY (SELECT {sql_text(CANARY_TEXT)} AS secret) TO {sql_text(str(path))} (FORMAT parquet)"
        )
        table.close()
        fs.put(str(path), f"{bucket}/other/secret.parquet")
        path.unlink()
        self.secret_parquet = f"s3://{bucket}/other/secret.parquet"
        self.secret_text = f"s3://{bucket}/other/secret.txt"

    def attacks(self) -> list[str]:
        local = sql_text(str(self.canary))
        pq, txt = sql_text(self.secret_parquet), sql_text(self.secret_text)
        leak = sql_text(f"s3://{self.bucket}/fleet/leak.parquet")
        return [
            f"SELECT * FROM read_parquet({pq})",
            f"SELECT * FROM {pq}",
            f"SELECT * FROM read_text({txt})",
            f"SELECT * FROM read_blob({txt})",
            f"SELECT * FROM read_csv({txt}, header = false)",
            f"SELECT * FROM read_parquet({sql_text(f's3://{self.bucket}/fleet/**/*.parquet')})",
            f"SELECT * FROM glob({sql_text(f's3://{self.bucket}/*')})",
            f"SELECT * FROM read_text({local})",
            f"COPY results TO {leak} (FORMAT parquet)",
            f"COPY (SELECT 1) TO {sql_text(str(self.out / 'x.csv'))}",
            "DELETE FROM results",
            "DROP TABLE samples",
            f"ATTACH {sql_text(f's3://{self.bucket}/fleet/x.duckdb')} AS x",
            "SET enable_external_access = true",
            "SET lock_configuration = false",
            "SET s3_endpoint = 'evil.example'",
            "LOAD httpfs",
            "INSTALL httpfs",
            "SELECT * FROM duckdb_secrets()",
            "SELECT * FROM query('SELECT * FROM read_text(''x'')')",
            "SELECT getenv('AWS_SECRET_ACCESS_KEY')",
            "SELECT count(*) FROM samples",
            "SELECT label FROM machines",
        ]

    def untouched(self, before: tuple[dict[str, Any], Snapshot], shown: str) -> None:
        assert list_keys(self.endpoint, self.bucket) == before[0], "an object changed or appeared"
        assert Snapshot.of(self.root) == before[1], "a local file changed or appeared"
        assert not self.out.exists()
        assert CANARY_TEXT not in shown and "fleet-test-secret" not in shown

    def snapshot(self) -> tuple[dict[str, Any], Snapshot]:
        return list_keys(self.endpoint, self.bucket), Snapshot.of(self.root)


@pytest.fixture
def fleet(bucket: str, moto_endpoint: str, tmp_path: Path) -> Fleet:
    return Fleet(bucket, moto_endpoint, tmp_path)


WRAPPERS = ["{}", "EXPLAIN {}", "EXPLAIN ANALYZE {}", "SELECT * FROM ({})", "WITH x AS ({}) SELECT * FROM x",
            "SELECT 1; {}", "/* c */ {}"]  # fmt: skip
ATTACKS = 23
FUZZ = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def test_every_attack_can_be_drawn(fleet: Fleet) -> None:
    assert len(fleet.attacks()) == ATTACKS


@FUZZ
@given(attack=st.integers(0, ATTACKS - 1), wrapper=st.integers(0, len(WRAPPERS) - 1))
def test_query_command_on_a_fleet_store(
    fleet: Fleet, attack: int, wrapper: int, capsys: pytest.CaptureFixture[str]
) -> None:
    sql = WRAPPERS[wrapper].replace("{}", fleet.attacks()[attack])
    before = fleet.snapshot()
    code = cli.main(["query", sql, "--db", fleet.url, "--format", "csv"])
    out, err = capsys.readouterr()
    assert code in (0, 1, 2)
    assert "Traceback" not in err and len(err.strip().splitlines()) <= 1
    fleet.untouched(before, out + err)


def test_the_engine_wall_holds_on_a_browsed_store_even_without_the_gate(fleet: Fleet) -> None:
    """What the Results console gets on a browsed store: a locked engine with the store's tables (samples
    too) and no filesystem, so statements sent to it directly, past the gate, still read nothing else."""
    source = open_remote_source(parse_remote(fleet.url))
    try:
        # Why it matters: fwtui's own browse connection can read any object of the bucket.
        browse = source.cursor()
        assert browse.execute(
            f"SELECT secret FROM read_parquet({sql_text(fleet.secret_parquet)})"
        ).fetchall() == [(CANARY_TEXT,)]
        con = source.user_sql("SELECT count(*) FROM samples").cursor()
        assert con.execute("SELECT count(*) FROM samples").fetchall() == [(fleet.samples,)]
        assert fleet.samples > 0
        before = fleet.snapshot()
        for sql in (
            f"SELECT * FROM read_parquet({sql_text(fleet.secret_parquet)})",
            f"SELECT * FROM read_text({sql_text(fleet.secret_text)})",
            f"SELECT * FROM read_text({sql_text(str(fleet.canary))})",
            f"COPY (SELECT 1) TO {sql_text(f's3://{fleet.bucket}/fleet/leak.csv')}",
            f"COPY (SELECT 1) TO {sql_text(str(fleet.out / 'x.csv'))}",
            "SET enable_external_access = true",
            "SET lock_configuration = false",
            "LOAD httpfs",
            "INSTALL httpfs",
        ):
            with pytest.raises(duckdb.Error):
                con.execute(sql).fetchall()
        fleet.untouched(before, "")
    finally:
        source.close()


def test_the_console_on_a_browsed_store_copies_samples_only_when_asked(fleet: Fleet) -> None:
    source = open_remote_source(parse_remote(fleet.url))
    try:
        text = "SELECT framework, max(throughput_samples_per_s) FROM results GROUP BY 1"
        assert run_console_query(source.user_sql(text), text).rows
        no_samples = source.user_sql(text)
        assert no_samples.execute("SELECT count(*) FROM samples").fetchall() == [(0,)]  # not copied yet
        text = "SELECT count(*) AS n FROM samples"
        assert run_console_query(source.user_sql(text), text).rows == ((fleet.samples,),)
        with pytest.raises(FwtuiError, match=r"read_parquet\(\) is not allowed"):
            sql = f"SELECT * FROM read_parquet({sql_text(fleet.secret_parquet)})"
            run_console_query(source.user_sql(sql), sql)
    finally:
        source.close()


def test_text_from_a_store_is_escaped_and_its_import_refused(
    bucket: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = machine_database(tmp_path / "hostile.duckdb", CPU)
    with open_store(db) as store:
        store.connection.execute(f"UPDATE machines SET label = 'box' || {sql_text(ESCAPES)}")
        store.connection.execute(f"UPDATE results SET reason = 'why' || {sql_text(ESCAPES)}")
    url = f"s3://{bucket}/hostile"
    assert cli.main(["export", "--db", str(db), "--out", url]) == 0
    capsys.readouterr()
    for fmt in ("table", "csv"):
        assert cli.main(["query", "SELECT label FROM machines", "--db", url, "-f", fmt]) == 0
        out = capsys.readouterr().out
        assert "box" in out and terminal_safe(out), out
    local = tmp_path / "local.duckdb"
    assert cli.main(["import", url, "--db", str(local)]) == 1
    err = capsys.readouterr().err
    assert "control characters" in err and len(err.strip().splitlines()) == 1 and terminal_safe(err)
    with open_store(local, read_only=True) as store:
        assert store.connection.execute("SELECT count(*) FROM results").fetchall() == [(0,)]
    source = open_remote_source(parse_remote(url))
    try:
        from fwtui.store.browse import Filters, fetch_window

        rows = fetch_window(source.cursor(), Filters(), limit=50)
        shown = io.StringIO()
        print(rows, file=shown)
        assert rows and terminal_safe(shown.getvalue())
    finally:
        source.close()

"""The two result-sink policies on a real DuckDB file: the CLI's (abort) and the Benchmark area's (go on unsaved)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from fwtui.bench.events import RunStarted, SessionEvent
from fwtui.bench.session import BenchSession
from fwtui.bench.sink import OnSaveFailure, ResultSink
from fwtui.bench.spec import RunSpec
from fwtui.errors import FwtuiError
from fwtui.store import StoreError, open_store

# Decided by the plan, so no child process is needed: the tests are about where the records go.
SPECS = [
    RunSpec(framework="onnxruntime", workload=workload, mode="training", variant="ort", status="unsupported",
            reason="ONNX Runtime is an inference engine; it does not train general models")
    for workload in ("mlp", "cnn")
]  # fmt: skip


@pytest.fixture
def locked_db(tmp_path: Path) -> Iterator[Path]:
    """A results database held open for writing by another process."""
    path = tmp_path / "locked.duckdb"
    open_store(path).close()
    holder = subprocess.Popen(
        [sys.executable, "-c",
         f"import duckdb, sys; c = duckdb.connect({str(path)!r}); print('ready', flush=True); sys.stdin.read()"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
        yield path
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(timeout=30)


def test_abort_refuses_a_locked_database(locked_db: Path) -> None:
    with pytest.raises(StoreError, match="in use by another"):
        ResultSink.open(locked_db, OnSaveFailure.ABORT)


def test_continue_unsaved_runs_on_without_a_locked_database(locked_db: Path) -> None:
    troubles: list[str] = []
    sink = ResultSink.open(locked_db, OnSaveFailure.CONTINUE_UNSAVED, on_trouble=troubles.append)
    records = BenchSession(SPECS, sink=sink).run()
    assert [(r.workload, r.status) for r in records] == [("mlp", "unsupported"), ("cnn", "unsupported")]
    assert len(troubles) == 1 and "in use by another" in troubles[0]
    assert sink.failed == troubles[0] and sink.saved_count == 0 and not sink.saving


def test_abort_stops_at_the_first_result_that_cannot_be_saved(tmp_path: Path) -> None:
    store = open_store(tmp_path / "results.duckdb")
    saved: list[str] = []
    sink = ResultSink(store, OnSaveFailure.ABORT, on_saved=lambda record: saved.append(record.result_id))

    def on_event(event: SessionEvent) -> None:
        if isinstance(event, RunStarted) and event.index == 0:
            store.connection.close()

    session = BenchSession(SPECS, sink=sink, on_event=on_event)
    with pytest.raises(FwtuiError, match="could not save a result"):
        session.run()
    assert session.records == [] and saved == []


def test_continue_unsaved_keeps_every_result_when_saving_fails_mid_run(tmp_path: Path) -> None:
    path = tmp_path / "results.duckdb"
    store = open_store(path)
    troubles: list[str] = []
    sink = ResultSink(store, OnSaveFailure.CONTINUE_UNSAVED, on_trouble=troubles.append)

    def on_event(event: SessionEvent) -> None:
        if isinstance(event, RunStarted) and event.index == 0:
            store.connection.close()

    session = BenchSession(SPECS, sink=sink, on_event=on_event)
    records = session.run()
    assert len(records) == 2 and all(r.run_id == session.run_id for r in records)
    assert len(troubles) == 1 and sink.saved_count == 0
    with open_store(path, read_only=True) as check:  # the run was recorded before the failure, nothing after
        assert check.connection.execute("SELECT count(*) FROM results").fetchone() == (0,)
        assert check.connection.execute("SELECT status FROM runs").fetchall() == [("running",)]


@pytest.mark.parametrize("policy", list(OnSaveFailure))
def test_a_working_database_saves_every_result_under_either_policy(tmp_path: Path, policy: OnSaveFailure) -> None:
    path = tmp_path / "results.duckdb"
    saved: list[str] = []
    sink = ResultSink.open(path, policy, on_saved=lambda record: saved.append(record.result_id))
    records = BenchSession(SPECS, sink=sink).run()
    sink.close()
    assert saved == [r.result_id for r in records] and sink.failed is None
    with open_store(path, read_only=True) as check:
        assert check.connection.execute("SELECT count(*) FROM results").fetchone() == (2,)
        assert check.connection.execute("SELECT status FROM runs").fetchall() == [("complete",)]

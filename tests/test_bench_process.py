"""Children that crash, raise, hang or run out of memory fail alone; the rest of the session survives.

These run real benchmark children (JAX, the quickest framework to import) with the child's fault-injection
testing aid, and store into a real DuckDB file.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

import pytest

from fwtui.bench.events import ChildEvent, RunPhase, SessionDone, SessionEvent
from fwtui.bench.plan import RunSpec
from fwtui.bench.process import last_meaningful_line, run_child
from fwtui.bench.session import BenchSession
from fwtui.bench.sink import OnSaveFailure, ResultSink
from fwtui.store import open_store

pytestmark = pytest.mark.slow

FAST = {"min_time_s": 0.05, "min_iterations": 5, "max_time_s": 1.0, "warmup_s": 0.02, "threads": 1}


def jax_spec(**changes: Any) -> RunSpec:
    base = RunSpec(
        framework="jax", workload="mlp", mode="inference", variant="jit", device="cpu", timeout_s=120
    )
    return base.with_changes(**{**FAST, **changes})


def test_faulty_children_fail_alone_and_the_rest_is_stored(tmp_path: Path) -> None:
    specs = [
        jax_spec(fault="segfault", fault_phase="build"),
        jax_spec(fault="raise", fault_phase="configure"),
        jax_spec(fault="hang", fault_phase="import", timeout_s=8),
        jax_spec(fault="oom", fault_phase="import", memory_limit_mb=400),
        jax_spec(),
    ]
    store = open_store(tmp_path / "results.duckdb")
    events: list[dict[str, Any]] = []
    sink = ResultSink(store, OnSaveFailure.ABORT)
    session = BenchSession(specs, sink=sink, on_event=lambda e: events.append(e.to_dict()), command="test")
    records = [r.to_dict() for r in session.run()]

    by_run: dict[int, list[dict[str, Any]]] = {}
    for event in events:
        if event["event"] == "result":
            by_run.setdefault(event["index"], []).append(event["record"])
    ends = {e["index"]: e for e in events if e["event"] == "run_end"}

    segfault, raised, hung, oom, good = (by_run[i] for i in range(5))
    assert {r["scenario"] for r in segfault} == {"latency", "throughput"}
    assert all(r["status"] == "failed" for r in segfault)
    assert segfault[0]["reason"] == "crashed with SIGSEGV in phase build"
    assert raised[0]["status"] == "failed"
    assert raised[0]["reason"] == "RuntimeError: injected fault for testing (phase configure)"
    assert hung[0]["status"] == "timeout"
    assert hung[0]["reason"] == "no result within 8 s (phase import)"
    assert oom[0]["status"] == "failed"
    assert oom[0]["reason"].startswith("out of memory (limit 400 MB")
    assert ends[3]["status"] == "failed"
    for record in segfault + raised + hung + oom:
        assert record["latency_ms"] is None and record["throughput_samples_per_s"] is None

    assert [r["status"] for r in good] == ["ok", "ok"]
    assert all(r["n"] >= 5 and r["latency_ms"]["p50"] > 0 for r in good)
    assert len(records) == 10

    con = store.connection
    rows = con.execute("SELECT status, count(*) FROM results GROUP BY status ORDER BY status").fetchall()
    assert rows == [("failed", 6), ("ok", 2), ("timeout", 2)]
    stored_samples = con.execute(
        "SELECT count(*) FROM samples JOIN results USING (result_id) WHERE results.status = 'ok'"
    ).fetchone()[0]
    assert stored_samples == sum(r["n"] for r in good)
    assert con.execute("SELECT status FROM runs").fetchall() == [("complete",)]
    store.close()


def test_cancel_current_kills_the_child_and_the_queue_goes_on() -> None:
    specs = [
        jax_spec(fault="hang", fault_phase="import", timeout_s=120),
        RunSpec(
            framework="onnxruntime",
            workload="mlp",
            mode="training",
            variant="ort",
            status="unsupported",
            reason="ONNX Runtime is an inference engine",
        ),
    ]
    holder: dict[str, BenchSession] = {}

    def on_event(event: SessionEvent) -> None:
        if isinstance(event, RunPhase) and event.phase == "import":
            threading.Timer(0.3, holder["session"].cancel_current).start()

    session = BenchSession(specs, on_event=on_event)
    holder["session"] = session
    records = [r.to_dict() for r in session.run()]
    # stored as cancelled, never as "skipped: cancelled"
    assert [r["status"] for r in records] == ["cancelled", "cancelled", "unsupported"]
    assert records[0]["reason"].startswith("cancelled")
    assert not session.cancelled


def test_cancel_all_stops_the_queue_and_keeps_finished_results(tmp_path: Path) -> None:
    specs = [
        RunSpec(
            framework="onnxruntime",
            workload="mlp",
            mode="training",
            variant="ort",
            status="unsupported",
            reason="ONNX Runtime is an inference engine",
        ),
        jax_spec(fault="hang", fault_phase="import", timeout_s=120),
        jax_spec(),
    ]
    store = open_store(tmp_path / "results.duckdb")
    done: list[dict[str, Any]] = []

    def on_event(event: SessionEvent) -> None:
        if isinstance(event, RunPhase) and event.phase == "import":
            threading.Timer(0.3, session.cancel_all).start()
        if isinstance(event, SessionDone):
            done.append(event.to_dict())

    session = BenchSession(specs, sink=ResultSink(store, OnSaveFailure.ABORT), on_event=on_event)
    records = [r.to_dict() for r in session.run()]
    assert [r["status"] for r in records] == ["unsupported", "cancelled", "cancelled"]
    assert done[0]["cancelled"] is True
    assert store.connection.execute("SELECT status FROM runs").fetchall() == [("cancelled",)]
    assert store.connection.execute("SELECT count(*) FROM results").fetchone()[0] == 3
    store.close()


def test_run_child_reports_events_in_order() -> None:
    events: list[dict[str, Any]] = []
    outcome = run_child(jax_spec(min_time_s=0.5), on_event=lambda e: events.append(e.to_dict()), timeout_s=120)
    assert outcome.status == "ok", outcome.reason
    phases = [e["phase"] for e in events if e["event"] == "phase"]
    # Both scenarios' first calls before the check: the check runs the timed model at a timed batch shape,
    # and a compile done there would be missing from that scenario's first call.
    assert phases[:6] == ["import", "configure", "build", "first_call", "first_call", "check"]
    assert phases[6:10] == ["warmup", "measure", "warmup", "measure"]
    assert [r.scenario for r in outcome.results] == ["latency", "throughput"]
    for result in outcome.results:  # each first call compiled its shape: far slower than a steady call
        assert result.details is not None and result.phases is not None
        assert result.phases.first_call > 5 * result.details.steady_call_ms / 1000
    assert events[-1]["event"] == "done"
    assert outcome.peak_rss_mb and outcome.peak_rss_mb > 10
    progress = [e for e in events if e["event"] == "progress"]
    assert progress, "no progress during a 0.5 s measurement"
    assert all(0.0 <= e["fraction"] <= 1.0 and 0 < len(e["recent_ms"]) <= 64 for e in progress)
    for scenario in ("latency", "throughput"):  # throttled to about 20 per second
        ticks = [e for e in progress if e["scenario"] == scenario]
        assert len(ticks) <= 20 * max(e["elapsed_s"] for e in ticks) + 2


def test_last_meaningful_line_skips_traceback_frames() -> None:
    text = 'Traceback (most recent call last):\n  File "x.py", line 1\n    ^^^^\nValueError: boom\n\n'
    assert last_meaningful_line(text) == "ValueError: boom"
    assert last_meaningful_line("") is None


def test_a_failing_event_callback_does_not_orphan_the_child() -> None:
    import psutil

    def explode(event: ChildEvent) -> None:
        raise RuntimeError("callback bug")

    with pytest.raises(RuntimeError, match="callback bug"):
        run_child(jax_spec(fault="hang", fault_phase="import"), on_event=explode, timeout_s=60)
    leftovers = [
        p for p in psutil.Process().children(recursive=True) if "fwtui.bench." in " ".join(p.cmdline())
    ]
    assert leftovers == []


def test_child_exits_when_its_parent_dies() -> None:
    import json
    import subprocess
    import sys
    import time

    import psutil

    spec = json.dumps(jax_spec(fault="hang", fault_phase="import").to_dict())
    # A middle process starts the child and is killed, as if the app crashed.
    launcher = subprocess.Popen(
        [sys.executable, "-c",
         "import os, subprocess, sys, time; os.environ['FWTUI_BENCH_PARENT_PID'] = str(os.getpid()); "
         "p = subprocess.Popen([sys.executable, '-m', 'fwtui.bench.child', sys.argv[1]], start_new_session=True); "
         "print(p.pid, flush=True); time.sleep(60)", spec],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert launcher.stdout is not None
    child = psutil.Process(int(launcher.stdout.readline()))
    launcher.kill()
    launcher.wait()
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and child.is_running() and child.status() != psutil.STATUS_ZOMBIE:
        time.sleep(0.1)
    assert not child.is_running() or child.status() == psutil.STATUS_ZOMBIE


def test_a_session_leaves_no_temporary_files(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import os

    # TensorFlow's autograph writes a source file per traced function into the temporary directory and never
    # removes it; the children's temporary directory is the session's own, removed at its end.
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", None)  # re-read TMPDIR
    spec = RunSpec(framework="tensorflow", workload="mlp", mode="training", variant="function",
                   min_time_s=0.05, min_iterations=3, warmup_s=0.01, repetitions=2)  # fmt: skip
    records = BenchSession([spec, jax_spec(min_time_s=0.05, repetitions=2)]).run()
    assert len(records) == 3 and all(r.status == "ok" for r in records), [r.reason for r in records]
    assert os.listdir(tmp_path) == []  # autograph's files, the compilation cache: all gone with the session


def test_later_processes_read_the_first_ones_compiles(tmp_path: Path) -> None:
    from fwtui.bench.process import run_runs

    cache = str(tmp_path / "jax-compilation-cache")
    spec = jax_spec(mode="training", repetitions=2)
    first = run_runs([spec], compile_cache=cache)[0].results[0]
    assert os.listdir(cache)  # the first process wrote what it compiled
    later = run_runs([spec.with_changes(repetition=1)], compile_cache=cache)[0].results[0]
    assert first.phases.first_call is not None and later.phases.first_call is not None
    # The first process's first call is a cold compile; a later one loads the executable.
    assert later.phases.first_call < 0.7 * first.phases.first_call, (first.phases, later.phases)

"""The Benchmark area: the form, real queues run to the end, cancelled and crashed, and the finished screen."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import psutil
import pytest
from app_helpers import settle, until
from textual.pilot import Pilot
from textual.widgets import Button, Input, Select, SelectionList, Static

import screens.app as app_module
import screens.hardware.area as hardware_screen
from fwtui import units
from fwtui.bench.events import (
    QueueStarted,
    RunEnded,
    RunProgress,
    RunResult,
    RunStarted,
    SessionDone,
    session_event_from_dict,
)
from fwtui.bench.plan import PRESETS, RunSpec, Selection, expand
from fwtui.bench.progress import BenchState
from fwtui.bench.result_record import ResultRecord
from fwtui.bench.summary import SummaryRow
from fwtui.frameworks import BY_NAME, installed_version
from fwtui.hardware.report import HardwareReport
from fwtui.hardware.system import probe_system
from screens.app import FwtuiApp
from screens.benchmark.area import BenchmarkArea
from screens.benchmark.form import BenchForm
from screens.benchmark.runner import EventPump
from screens.benchmark.summary import BenchSummary
from screens.benchmark.table import BenchResultsTable
from screens.confirm import Confirm
from screens.context import AppContext
from screens.messages import ResultsChanged

SIZE = (80, 24)
CHILD_MARK = "fwtui.bench."  # a benchmark child, or the fork server (its children share its command line)


class QuietHardware(hardware_screen.HardwareSource):
    """The real (fast) system probe but no framework probes, no peak and no live sampling: the
    Benchmark tests then own the CPU, and the device list stays cpu unless a test says otherwise."""

    live = False

    def __init__(self) -> None:
        self._system = probe_system()

    def system(self) -> dict[str, Any]:
        return self._system

    def frameworks(self, on_result: Callable[[str, dict[str, Any]], None]) -> dict[str, dict[str, Any]]:
        return {}

    def cached_peak(self) -> dict[str, Any] | None:
        return None

    def seed_history(self) -> list[tuple[float, float]]:
        return [(0.0, 0.0)]


@pytest.fixture(autouse=True)
def quiet_hardware(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(hardware_screen, "SOURCE", QuietHardware())


class RecordingApp(FwtuiApp):
    """The real app, noting every ResultsChanged it is sent (the app's own handler runs as well)."""

    CSS_PATH = str(
        Path(app_module.__file__).with_name("app.tcss")
    )  # relative paths resolve next to the class

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.changed: list[str | None] = []

    def on_results_changed(self, message: ResultsChanged) -> None:
        self.changed.append(message.run_id)


def make_app(db_path: Path | None = None) -> FwtuiApp:
    path = db_path or Path(os.environ["FWTUI_DB"])
    return FwtuiApp(AppContext(db_path=path), initial_area="benchmark")


def quick_specs(frameworks: list[str], modes: tuple[str, ...] = ("inference",)) -> list[RunSpec]:
    return expand(Selection(frameworks=frameworks, workloads=["mlp"], modes=list(modes), preset="quick"))


async def run_to_end(pilot: Pilot[Any], area: BenchmarkArea, timeout_s: float = 240.0) -> None:
    await until(pilot, lambda: area.state.done and not area.running, timeout_s)
    await settle(pilot, node=area)


def table_statuses(area: BenchmarkArea) -> list[tuple[str, str, str]]:
    table = area.query_one(BenchResultsTable)
    return [(r.framework, r.scenario, r.status) for r in table.records.values()]


def bench_children() -> list[psutil.Process]:
    found = []
    for child in psutil.Process().children(recursive=True):
        with contextlib.suppress(psutil.Error):
            if any(CHILD_MARK in part for part in child.cmdline()):
                found.append(child)
    return found


def in_process_groups(group_ids: set[int]) -> list[int]:
    """Live processes whose process group is one of ``group_ids`` (each child leads its own group)."""
    found = []
    for process in psutil.process_iter():
        with contextlib.suppress(psutil.Error, ProcessLookupError):
            if os.getpgid(process.pid) in group_ids and process.status() != psutil.STATUS_ZOMBIE:
                found.append(process.pid)
    return found


# -- the state model, fed by hand -------------------------------------------------------------------


def test_state_tracks_queue_progress_and_failures() -> None:
    now = [100.0]
    state = BenchState(clock=lambda: now[0])
    specs = quick_specs(["torch", "onnxruntime"])
    state.apply(QueueStarted(tuple(specs)))
    assert [item.status for item in state.items] == ["queued", "queued"]
    state.apply(RunStarted(0, specs[0]))
    state.apply(RunProgress(index=0, scenario="latency", iterations=50, elapsed_s=1.0,
                            fraction=0.5, p50_ms=0.2, recent_ms=(0.2, 0.21)))  # fmt: skip
    now[0] = 110.0
    assert (
        state.live is not None and state.live.iterations == 50 and list(state.live.recent_ms) == [0.2, 0.21]
    )
    assert state.overall_fraction == pytest.approx(0.25)
    assert state.eta_s() == pytest.approx(30.0)
    state.apply(RunEnded(0, "failed", "crashed with SIGSEGV in phase build"))
    # a progress event that arrives late for a finished run changes nothing
    state.apply(RunProgress(index=0, iterations=99, fraction=0.9))
    assert state.items[0].status == "failed" and state.live.iterations == 50
    pending = state.take_pending_records()
    # the run died before any result: it still gets a row, with its reason
    assert [(r.framework, r.status, r.reason) for r in pending] == [
        ("torch", "failed", "crashed with SIGSEGV in phase build")
    ]
    state.apply(SessionDone(cancelled=True))
    assert state.done and state.cancelled and state.items[1].status == "cancelled"
    assert units.duration(125) == "2 min 05 s"


def test_event_pump_keeps_only_the_latest_progress() -> None:
    posted: list[Any] = []
    pump = EventPump(posted.append)
    for i in range(500):
        pump(RunProgress(index=0, iterations=i))
    pump(RunEnded(0, "ok"))
    assert len(posted) == 1 and isinstance(posted[0].event, RunEnded)
    assert pump.take_progress() == RunProgress(index=0, iterations=499)
    assert pump.take_progress() is None


# -- the form ---------------------------------------------------------------------------------------


async def test_form_fills_from_preset_and_estimates_every_change() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        form = app.query_one(BenchForm)
        await until(pilot, lambda: bool(form.specs), 10)
        quick_runs = len(form.specs)
        frameworks = form.query_one("#bench-frameworks", SelectionList)
        preset_of = PRESETS["quick"]
        quick = {fw: v for fw, v in preset_of.variants.items() if installed_version(BY_NAME[fw].distributions)}
        assert set(frameworks.selected) == {"torch", "tensorflow", "jax", "onnxruntime"}
        variants = set(form.query_one("#bench-variants", SelectionList).selected)
        # Keras' quick variant is ticked too, for when Keras is: on JAX, the quickest backend to start
        assert variants == {f"{fw}:{v}" for fw, vs in quick.items() for v in vs} >= {"torch:eager", "keras:jax"}
        assert {(s.framework, s.variant) for s in form.specs} == {
            tuple(v.split(":")) for v in variants if preset_of.runs_framework(v.split(":")[0])
        }
        estimate = str(form.query_one("#bench-estimate", Static).content)
        unsupported = len(form.unsupported)  # ONNX Runtime does not train: said, not counted as a run
        assert unsupported and f"for {quick_runs - unsupported} runs (+{unsupported} unsupported here)" in estimate
        preset = form.query_one("#bench-preset", Select)
        assert preset.value == "quick"

        for name in ("tensorflow", "jax"):
            frameworks.deselect(name)
        await pilot.pause()
        assert {s.framework for s in form.specs} == {"torch", "onnxruntime"}
        runnable = len(form.specs) - len(form.unsupported)
        assert f"for {runnable} runs" in str(form.query_one("#bench-estimate", Static).content)
        assert preset.value == "custom"  # the ticks are the user's own now

        form.query_one("#bench-variants", SelectionList).deselect("torch:eager")
        await pilot.pause()
        assert form.error == "choose a variant for PyTorch"
        assert form.query_one("#bench-run", Button).disabled
        form.query_one("#bench-variants", SelectionList).select("torch:eager")
        await pilot.pause()
        narrowed = set(frameworks.selected)

        preset.value = "standard"  # a preset over the user's ticks asks first ...
        await until(pilot, lambda: isinstance(app.screen, Confirm), 10)
        await pilot.press("n")  # ... and keeping them keeps them
        await pilot.pause()
        assert set(frameworks.selected) == narrowed and preset.value == "custom"

        preset.value = "standard"
        await until(pilot, lambda: isinstance(app.screen, Confirm), 10)
        await pilot.press("y")
        await until(pilot, lambda: form.error is None and len(form.specs) > quick_runs, 10)
        assert ("torch", "compile") in {(s.framework, s.variant) for s in form.specs}
        assert preset.value == "standard"
        frameworks.deselect("jax")
        await pilot.pause()
        kept = set(frameworks.selected)

    # the last selection is there at the next launch, marked custom
    again = make_app()
    async with again.run_test(size=SIZE) as pilot:
        form = again.query_one(BenchForm)
        await until(pilot, lambda: bool(form.specs), 10)
        assert set(form.query_one("#bench-frameworks", SelectionList).selected) == kept
        assert form.query_one("#bench-preset", Select).value == "custom"
        assert ("torch", "compile") in {(s.framework, s.variant) for s in form.specs}


async def test_a_damaged_saved_selection_is_ignored_with_a_note() -> None:
    from fwtui.settings import settings_path

    path = settings_path("benchmark")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("{not json", encoding="utf-8")
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        form = app.query_one(BenchForm)
        await until(pilot, lambda: bool(form.specs), 10)
        assert form.query_one("#bench-preset", Select).value == "quick"  # the defaults, no crash
        assert any("damaged and were ignored" in str(n.message) for n in app._notifications)


async def test_a_selection_of_only_unsupported_runs_says_so() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        form = app.query_one(BenchForm)
        await until(pilot, lambda: bool(form.specs), 10)
        form.query_one("#bench-frameworks", SelectionList).deselect_all()
        form.query_one("#bench-frameworks", SelectionList).select("onnxruntime")
        form.query_one("#bench-modes", SelectionList).deselect("inference")
        await pilot.pause()
        estimate = str(form.query_one("#bench-estimate", Static).content)
        assert "≈" not in estimate and "none of the" in estimate and "can run here" in estimate
        assert form.query_one("#bench-run", Button).disabled


async def test_batch_and_thread_lists_sweep_one_run_per_value() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        form = app.query_one(BenchForm)
        await until(pilot, lambda: bool(form.specs), 10)
        form.query_one("#bench-frameworks", SelectionList).deselect_all()
        form.query_one("#bench-frameworks", SelectionList).select("onnxruntime")
        form.query_one("#bench-workloads", SelectionList).deselect_all()
        form.query_one("#bench-workloads", SelectionList).select("mlp")
        form.query_one("#bench-modes", SelectionList).deselect("training")
        await pilot.pause()  # the area's first focus lands before the test moves it
        form.query_one("#bench-batch", Input).focus()
        await pilot.pause()
        await pilot.press("1", "comma", "8", "comma", "3", "2")
        form.query_one("#bench-threads", Input).value = "1,2"
        await pilot.pause()
        assert sorted({(s.batch, s.threads) for s in form.specs}) == [
            (b, t) for b in (1, 8, 32) for t in (1, 2)
        ]
        assert f"for {len(form.specs)} runs" in str(form.query_one("#bench-estimate", Static).content)
        await pilot.press("x")  # the field takes counts and commas only
        assert form.query_one("#bench-batch", Input).value == "1,8,32"
        form.query_one("#bench-batch", Input).value = "1,0"
        await pilot.pause()
        assert form.error == "batch: expected 1 to 1,048,576, got 0"
        assert form.query_one("#bench-run", Button).disabled


# -- real queues ------------------------------------------------------------------------------------


@pytest.mark.slow
async def test_real_queue_runs_to_the_end_and_saves_every_result() -> None:
    db_path = Path(os.environ["FWTUI_DB"])
    app = RecordingApp(AppContext(db_path=db_path), initial_area="benchmark")
    async with app.run_test(size=SIZE) as pilot:
        area = app.query_one(BenchmarkArea)
        area.start(quick_specs(["onnxruntime", "torch"]))
        await run_to_end(pilot, area)
        statuses = table_statuses(area)
        summary = area.query_one(BenchSummary)
        assert summary.has_class("shown")
        summary_text = summary.text
        run_id = area.state.run_id
        await pilot.press("o")  # open this queue in the Results area
        await pilot.pause()
        assert app.active_area_id == "results"
    assert sorted(statuses) == [
        ("onnxruntime", "latency", "ok"),
        ("onnxruntime", "throughput", "ok"),
        ("torch", "latency", "ok"),
        ("torch", "throughput", "ok"),
    ]
    assert "mlp/small latency:" in summary_text and "faster than" in summary_text
    # one ResultsChanged per saved result (other areas may send their own, without a run)
    assert run_id is not None and [c for c in app.changed if c is not None] == [run_id] * 4
    with duckdb.connect(str(db_path), read_only=True) as con:
        rows = con.execute(
            "SELECT framework, scenario, status, p50_ms FROM results WHERE run_id = ? ORDER BY 1, 2", [run_id]
        ).fetchall()
        run_status = con.execute("SELECT status FROM runs WHERE run_id = ?", [run_id]).fetchone()
        samples = con.execute(
            "SELECT count(*) FROM samples JOIN results USING (result_id) WHERE run_id = ?", [run_id]
        ).fetchone()
    assert [(fw, sc, st) for fw, sc, st, _ in rows] == sorted(statuses)
    assert all(p50 and p50 > 0 for *_, p50 in rows)
    assert run_status == ("complete",)
    assert samples is not None and samples[0] > 0


@pytest.mark.slow
async def test_cancel_run_then_queue_kills_children_and_keeps_finished_results() -> None:
    db_path = Path(os.environ["FWTUI_DB"])
    app = make_app(db_path)
    # The runs the test cancels measure for far longer than the test takes, so `c` and `x` always find them
    # measuring, however loaded the machine is; the first run is a normal quick one and finishes.
    endless = {"min_time_s": 600.0, "max_time_s": 600.0, "timeout_s": 1200.0}
    first, second = quick_specs(["onnxruntime", "torch"])
    assert first.framework == "onnxruntime"
    specs = [first] + [spec.with_changes(**endless) for spec in [second, *quick_specs(["torch"], ("training",))]]
    seen_children: set[int] = set()
    async with app.run_test(size=SIZE) as pilot:
        area = app.query_one(BenchmarkArea)
        area.start(specs)

        def measuring_in_a_child(index: int) -> Callable[[], bool]:
            def check() -> bool:
                children = bench_children()
                seen_children.update(child.pid for child in children)
                items = area.state.items
                return (
                    len(items) == len(specs)
                    and items[index].status == "running"
                    and items[index].phase == "measure"
                    and bool(children)
                )

            return check

        await until(pilot, measuring_in_a_child(1))
        assert area.state.items[0].finished
        # every key works while the queue runs: away to Hardware and back
        await pilot.press("1")
        assert app.active_area_id == "hardware"
        await pilot.press("2")
        await pilot.pause()
        assert app.active_area_id == "benchmark"
        assert area.state.items[1].status == "running"  # still measuring: `x` is for this run
        # A fast run stops at the harness's sample cap within seconds: answer at once.
        await pilot.press("x", "y")  # the current run only, after asking: the queue goes on
        await until(pilot, measuring_in_a_child(2))
        assert area.state.items[1].status == "cancelled"
        await pilot.press("X")  # the rest of the queue, after asking ...
        await until(pilot, lambda: isinstance(app.screen, Confirm))
        await pilot.press("n")  # ... "no" keeps it running
        await pilot.pause()
        assert not isinstance(app.screen, Confirm) and area.state.items[2].status == "running"
        await pilot.press("X", "y")
        await run_to_end(pilot, area, timeout_s=60)
        header = str(area.query_one("#bench-live-title", Static).content)
        statuses = [item.status for item in area.state.items]
        summary_text = area.query_one(BenchSummary).text
        run_id = area.state.run_id
    assert len(seen_children) >= 2
    assert not bench_children()
    assert not [
        pid for pid in seen_children if psutil.pid_exists(pid) and psutil.Process(pid).status() != "zombie"
    ]
    assert not in_process_groups(seen_children)  # nothing the children started survives them either
    assert statuses == ["ok", "cancelled", "cancelled"]
    assert "cancelled: 1 ok, 2 cancelled of 3 runs" in header  # a cancelled run is not counted as finished
    assert "queue cancelled" in summary_text
    with duckdb.connect(str(db_path), read_only=True) as con:
        kept = con.execute(
            "SELECT framework, scenario FROM results WHERE run_id = ? AND status = 'ok' ORDER BY 1, 2", [run_id]
        ).fetchall()
        run_status = con.execute("SELECT status FROM runs WHERE run_id = ?", [run_id]).fetchone()
    # The first run's results are kept; the cancelled runs were cancelled mid-measurement, so they left none.
    assert kept == [("onnxruntime", "latency"), ("onnxruntime", "throughput")]
    assert run_status == ("cancelled",)


@pytest.mark.slow
async def test_crashing_child_shows_a_failed_row_and_the_queue_goes_on() -> None:
    specs = quick_specs(["onnxruntime"])
    crashing = specs[0].with_changes(fault="segfault", fault_phase="build")
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        area = app.query_one(BenchmarkArea)
        area.start([crashing, specs[0]])
        await run_to_end(pilot, area)
        table = area.query_one(BenchResultsTable)
        first_key = next(iter(table.records))
        table.move_cursor(row=0)
        await pilot.pause()
        detail = str(area.query_one("#bench-detail", Static).content)
        first_status = str(table.get_cell(first_key, "status"))
        items = [item.status for item in area.state.items]
        statuses = table_statuses(area)
    assert items == ["failed", "ok"]
    assert statuses[:2] == [("onnxruntime", "latency", "failed"), ("onnxruntime", "throughput", "failed")]
    assert statuses[2:] == [("onnxruntime", "latency", "ok"), ("onnxruntime", "throughput", "ok")]
    assert first_status.startswith("failed: crashed with SIGSEGV")
    assert "SIGSEGV" in detail


async def test_locked_database_runs_on_unsaved_with_a_clear_notice(tmp_path: Path) -> None:
    db_path = tmp_path / "locked.duckdb"
    duckdb.connect(str(db_path)).close()
    holder = subprocess.Popen(
        [sys.executable, "-c", f"import duckdb,sys,time; c=duckdb.connect({str(db_path)!r}); print('ok', flush=True); time.sleep(60)"],
        stdout=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ok"
        app = make_app(db_path)
        async with app.run_test(size=SIZE) as pilot:
            area = app.query_one(BenchmarkArea)
            # ONNX Runtime does not train: the plan marks it unsupported, so no child is needed
            area.start(quick_specs(["onnxruntime"], ("training",)))
            await run_to_end(pilot, area, timeout_s=30)
            notice = str(area.query_one("#bench-notice", Static).content)
            summary_text = area.query_one(BenchSummary).text
            statuses = table_statuses(area)
            can_open = area.check_action("open_results", ())
    finally:
        holder.kill()
        holder.wait()
    assert "NOT being saved" in notice and "lock" in notice.lower()
    assert statuses == [("onnxruntime", "train", "unsupported")]
    assert "not saved" in summary_text
    assert not can_open


# -- the finished screen ----------------------------------------------------------------------------


def _record(
    index: int, framework: str, variant: str, scenario: str, p50: float | None, **extra: Any
) -> dict[str, Any]:
    batch = 1 if scenario == "latency" else 256
    record: dict[str, Any] = {
        "result_id": f"result-{index}",
        "run_id": "run-1",
        "machine_id": "m-1",
        "created_at": "2025-01-01T00:00:00+00:00",
        "threads": 2,
        "framework": framework,
        "variant": variant,
        "workload": "mlp",
        "size": "small",
        "mode": "inference",
        "scenario": scenario,
        "batch_size": batch,
        "device": "cpu",
        "status": "ok",
        "reason": None,
        "latency_ms": None if p50 is None else {"p50": p50, "p99": p50 * 1.4, "mean": p50 * 1.1},
        "throughput_samples_per_s": None if p50 is None else batch * 1000 / (p50 * 1.1),
        "compile_s": None,
        "peak_rss_mb": 412.0,
        "flags": [],
    }
    record.update(extra)
    return record


RECORDED_SPECS = [
    {"framework": "onnxruntime", "variant": "ort", "workload": "mlp", "size": "small", "mode": "inference"},
    {"framework": "torch", "variant": "eager", "workload": "mlp", "size": "small", "mode": "inference"},
    {"framework": "torch", "variant": "compile", "workload": "mlp", "size": "small", "mode": "inference"},
]
RECORDED_RESULTS = [
    (0, _record(0, "onnxruntime", "ort", "latency", 0.061)),
    (0, _record(1, "onnxruntime", "ort", "throughput", 3.9)),
    (1, _record(2, "torch", "eager", "latency", 0.118, flags=["high_variance"])),
    (1, _record(3, "torch", "eager", "throughput", 5.2)),
    (2, _record(4, "torch", "compile", "latency", None, status="failed",
                reason="crashed with SIGSEGV in phase build", peak_rss_mb=None)),
    (2, _record(5, "torch", "compile", "throughput", None, status="failed",
                reason="crashed with SIGSEGV in phase build", peak_rss_mb=None)),
]  # fmt: skip
RECORDED_SUMMARY = [
    {"workload": "mlp", "size": "small", "mode": "inference", "scenario": "latency", "device": "cpu",
     "winner": "onnxruntime/ort", "winner_p50_ms": 0.061, "winner_throughput": 14903.0,
     "runner_up": "torch/eager", "runner_up_p50_ms": 0.118, "speedup": 1.93, "significant": True},
    {"workload": "mlp", "size": "small", "mode": "inference", "scenario": "throughput", "device": "cpu",
     "winner": "onnxruntime/ort", "winner_p50_ms": 3.9, "winner_throughput": 59674.0,
     "runner_up": "torch/eager", "runner_up_p50_ms": 5.2, "speedup": 1.33, "significant": False},
]  # fmt: skip


def replay_finished_queue(area: BenchmarkArea) -> None:
    """Feed a recorded queue with fixed numbers through the same handlers a live one uses."""

    def apply_event(event: dict[str, Any]) -> None:  # recorded as the events' JSON form
        area.apply_event(session_event_from_dict(event))

    area.add_class("form-hidden")
    area.query_one(BenchResultsTable).focus()
    apply_event({"event": "queue", "total": 3, "specs": RECORDED_SPECS})
    for index, spec in enumerate(RECORDED_SPECS):
        apply_event({"event": "run_start", "index": index, "spec": spec})
        apply_event({"event": "phase", "index": index, "phase": "measure", "elapsed_s": 1.5})
        apply_event({"event": "progress", "index": index, "scenario": "throughput", "iterations": 120,
                          "elapsed_s": 2.0, "fraction": 1.0, "p50_ms": 3.9,
                          "recent_ms": [3.9, 4.1, 3.8, 4.4, 3.9, 4.0, 5.1, 3.9]})  # fmt: skip
        for result_index, record in RECORDED_RESULTS:
            if result_index == index:
                apply_event({"event": "result", "index": index, "record": record})
        status = "failed" if index == 2 else "ok"
        apply_event({"event": "run_end", "index": index, "status": status,
                          "reason": "crashed with SIGSEGV in phase build" if status == "failed" else None})  # fmt: skip
    apply_event({"event": "done", "records": [r for _, r in RECORDED_RESULTS], "cancelled": False})
    area.saved_count = len(RECORDED_RESULTS)
    area.show_summary([SummaryRow.from_dict(row) for row in RECORDED_SUMMARY])


async def test_replayed_queue_fills_table_in_place() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        area = app.query_one(BenchmarkArea)
        replay_finished_queue(area)
        await pilot.pause()
        table = area.query_one(BenchResultsTable)
        assert table.row_count == 6
        assert str(table.get_cell("result-2", "status")) == "ok ⚑ high_variance"
        assert str(table.get_cell("result-4", "status")).startswith("failed: crashed with SIGSEGV")
        # a re-sent record updates its row instead of adding one
        record = ResultRecord.from_dict({**RECORDED_RESULTS[0][1], "flags": ["too_few_iterations"]})
        area.apply_event(RunResult(0, record))
        area.paint()
        assert table.row_count == 6 and "too_few_iterations" in str(table.get_cell("result-0", "status"))
        assert "1.93× faster than torch/eager (significant)" in area.query_one(BenchSummary).text
        assert area.check_action("open_results", ())


def test_finished_screen_snapshot(snap_compare: Any) -> None:
    async def finish(pilot: Pilot[Any]) -> None:
        # The Hardware area mounts in the background; wait for it and drop any toast, so the shot does not
        # depend on how far it got.
        await settle(pilot)
        pilot.app.clear_notifications()
        replay_finished_queue(pilot.app.query_one(BenchmarkArea))
        await pilot.pause()

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=finish)


async def test_cuda_is_offered_only_when_a_framework_sees_an_nvidia_gpu() -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        form = app.query_one(BenchForm)
        device = form.query_one("#bench-device")
        await until(pilot, lambda: app.hardware_report is not None, 10)  # the Hardware area's own report
        cpu_only = {
            "nvidia": {"available": False},
            "frameworks": {"torch": {"devices": ["cpu"], "details": {}}},
        }
        app.publish_hardware(HardwareReport.from_dict(cpu_only))
        await pilot.pause()
        assert device.value == "cpu"  # type: ignore[attr-defined]
        gpu = {"nvidia": {"available": True},
               "frameworks": {"torch": {"devices": ["cpu", "cuda:0 NVIDIA H100"], "details": {"gpu_devices": 1}}}}  # fmt: skip
        app.publish_hardware(HardwareReport.from_dict(gpu))
        await pilot.pause()
        assert device.value == "cuda"  # type: ignore[attr-defined]
        assert {spec.device for spec in form.specs} == {"cuda"}


async def test_a_framework_that_is_not_installed_is_shown_disabled_with_its_install_command(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import screens.benchmark.form as form_module
    from fwtui.frameworks import installed_version

    # pretend JAX is absent; everything else is looked up for real
    monkeypatch.setattr(
        form_module, "installed_version", lambda dists: None if "jax" in dists else installed_version(dists)
    )
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        form = app.query_one(BenchForm)
        await until(pilot, lambda: bool(form.specs), 10)
        frameworks = form.query_one("#bench-frameworks", SelectionList)
        jax = next(option for option in frameworks.options if option.value == "jax")
        hints = str(form.query_one("#bench-install-hints", Static).content)
        assert jax.disabled and "not installed" in str(jax.prompt)
        assert "jax" not in frameworks.selected
        assert "JAX: pip install 'fwtui[jax]'" in hints
        assert not [
            o
            for o in form.query_one("#bench-variants", SelectionList).options
            if str(o.value).startswith("jax:")
        ]


# -- your own model -----------------------------------------------------------------------------------


async def test_your_own_model_from_the_form(tmp_path: Path) -> None:
    from model_files import onnx_model

    path = onnx_model(tmp_path / "tiny.onnx")
    db_path = Path(os.environ["FWTUI_DB"])
    app = RecordingApp(AppContext(db_path=db_path), initial_area="benchmark")
    async with app.run_test(size=(100, 40)) as pilot:
        area = app.query_one(BenchmarkArea)
        form = app.query_one(BenchForm)
        await until(pilot, lambda: bool(form.specs), 10)
        form.query_one("#bench-model", Input).value = str(tmp_path / "missing.onnx")
        await pilot.pause()
        assert form.error is not None and "no such file" in form.error
        assert form.query_one("#bench-run", Button).disabled
        form.query_one("#bench-model", Input).value = str(path)
        form.query_one("#bench-input-shapes", Input).value = "x=2by8"
        await pilot.pause()
        assert form.error is not None and "NAME=DIMS" in form.error
        form.query_one("#bench-input-shapes", Input).value = "x=2x8"
        await pilot.pause()
        assert form.error is None and form.model is not None and form.model.input_shapes == {"x": (2, 8)}
        area.action_run()
        await until(pilot, lambda: not area.running and "parameters" in _model_text(area), 600)
        await settle(pilot, node=area)
        text = _model_text(area)
        records = list(area.query_one(BenchResultsTable).records.values())
        summary_text = area.query_one(BenchSummary).text
        run_id = area.model_run_id
        await pilot.press("o")  # the model's run, opened in the Results area
        await pilot.pause()
        assert app.active_area_id == "results"
    # The model's identity is one line; its results are rows of the normal results table.
    assert "tiny.onnx (sha256" in text and "36 parameters, inputs x=2x8" in text
    variants = {r.variant for r in records}
    assert {"cpu-none", "cpu-all", "cpu-fp16", "cpu-int8"} <= variants
    assert {r.workload for r in records} == {"model:tiny.onnx"} and all(r.status == "ok" for r in records)
    assert all("output_mismatch" not in r.flags for r in records)
    assert "model:tiny.onnx" in summary_text
    # ... saved like every result, each announced to the other areas.
    assert run_id is not None and [c for c in app.changed if c is not None] == [run_id] * len(records)
    with duckdb.connect(str(db_path), read_only=True) as con:
        rows = con.execute(
            "SELECT variant, workload, model_name, model_params, model_inputs FROM results WHERE run_id = ?",
            [run_id],
        ).fetchall()
    assert sorted(r[0] for r in rows) == sorted(variants)
    assert {r[1:] for r in rows} == {("model:tiny.onnx", "tiny.onnx", 36, "x=2x8")}


def _model_text(area: BenchmarkArea) -> str:
    return str(area.query_one("#bench-model-results", Static).content)

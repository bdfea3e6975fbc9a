"""The app's one database handle while a real second process holds the local database, and after it lets go."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
from app_helpers import MessageLog, settle
from test_app_benchmark import QuietHardware, quick_specs, run_to_end, table_statuses
from test_store_local import held_by_another_process, let_go, results_database
from textual.pilot import Pilot
from textual.widgets import Static

import screens.hardware.area as hardware_screen
from screens.app import FwtuiApp
from screens.areas import AREAS
from screens.benchmark.area import BenchmarkArea
from screens.context import AppContext
from screens.decide.area import DecideArea
from screens.messages import LocalDatabaseChanged
from screens.results.area import ResultsArea

SIZE = (100, 30)


def _app(path: Path) -> FwtuiApp:
    return FwtuiApp(AppContext(db_path=path), initial_area="results")


async def _all_areas(pilot: Pilot[Any]) -> tuple[ResultsArea, BenchmarkArea, DecideArea]:
    app = pilot.app
    for spec in AREAS:  # the areas not shown yet are built on first visit
        await app.ensure_area(spec.area_id)
    await settle(pilot, ignore_groups={"hw-gpu-sample"})
    return app.query_one(ResultsArea), app.query_one(BenchmarkArea), app.query_one(DecideArea)


def _status(area: ResultsArea) -> Static:
    return area.query_one("#results-status", Static)


async def _run_unsupported_queue(pilot: Pilot[Any], bench: BenchmarkArea) -> None:
    # ONNX Runtime does not train: the plan marks the run unsupported, so no child is needed, and the
    # result is still saved (or not) like any other.
    bench.start(quick_specs(["onnxruntime"], ("training",)))
    await run_to_end(pilot, bench, timeout_s=60)


async def test_a_reader_elsewhere_leaves_the_app_browsing_read_only_until_f5(
    tmp_path: Path, monkeypatch: Any
) -> None:
    monkeypatch.setattr(hardware_screen, "SOURCE", QuietHardware())
    path = results_database(tmp_path / "results.duckdb")
    log = MessageLog()
    with held_by_another_process(path, read_only=True) as holder:
        app = _app(path)
        async with app.run_test(size=SIZE, message_hook=log) as pilot:
            results, bench, decide = await _all_areas(pilot)
            assert "(read-only)" in str(_status(results).content)
            assert any("browsing it read-only" in str(n.message) for n in app._notifications)
            assert "no measured evidence" in decide.evidence.note  # read through the same handle

            await _run_unsupported_queue(pilot, bench)
            notice = str(bench.query_one("#bench-notice", Static).content)
            assert "NOT being saved" in notice and f"locked by another process (PID {holder.pid})" in notice
            assert not bench.check_action("open_results", ())

            let_go(holder)
            await pilot.press("3", "f5")  # Results: open it again
            await settle(pilot, ignore_groups={"hw-gpu-sample"})
            assert "read-only" not in str(_status(results).content)
            assert log.of(LocalDatabaseChanged)[-1].access.writable  # the other areas heard

            await _run_unsupported_queue(pilot, bench)
            assert table_statuses(bench) == [("onnxruntime", "train", "unsupported")]
            assert bench.saved_count == 1 and bench.check_action("open_results", ())
            run_id = bench.state.run_id
    with duckdb.connect(str(path), read_only=True) as con:  # the app let go of the file when it quit
        saved = con.execute("SELECT run_id, status FROM results WHERE source = 'local'").fetchall()
    assert saved == [(run_id, "unsupported")]  # only the queue run after the refresh was saved (and the
    # first launch's sample data, loaded once the app could write)


async def test_a_second_instance_browses_a_snapshot_while_a_writer_holds_the_database(
    tmp_path: Path, monkeypatch: Any
) -> None:
    monkeypatch.setattr(hardware_screen, "SOURCE", QuietHardware())
    path = results_database(tmp_path / "results.duckdb", results=2)
    with held_by_another_process(path, read_only=False) as holder:
        app = _app(path)
        async with app.run_test(size=SIZE) as pilot:
            results, bench, decide = await _all_areas(pilot)
            status = _status(results)
            assert not status.has_class("error") and "rows 1–2 of 2" in str(status.content)
            assert "(read-only)" in str(status.content)
            notices = [str(n.message) for n in app._notifications]
            assert any(f"PID {holder.pid}) that writes to it: browsing a read-only copy" in n for n in notices)

            let_go(holder)
            await pilot.press("3", "f5")
            await settle(pilot, ignore_groups={"hw-gpu-sample"})
            assert "read-only" not in str(status.content) and "rows 1–" in str(status.content)
            await _run_unsupported_queue(pilot, bench)
            assert bench.saved_count == 1
            await settle(pilot, ignore_groups={"hw-gpu-sample"})
            assert decide.evidence.db_path == path and "locked" not in decide.evidence.note

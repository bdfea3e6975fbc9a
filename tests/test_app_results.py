"""The Results area through Pilot: windowed table, filters, sorting, grouping, detail, compare, charts,
the SQL console, export, cross-area messages and clear errors."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import duckdb
import pytest
from app_helpers import MessageLog, settle
from results_fixtures import bundled_sample_results, make_database
from rich.console import Console
from textual.app import App, ComposeResult
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Select, Static
from textual.worker import Worker, WorkerState

from fwtui.bench.flags import FLAG_EXPLANATIONS
from fwtui.store import open_store
from fwtui.store.browse import GROUP_BY, TABLE_COLUMNS, Filters
from screens.app import FwtuiApp
from screens.context import AppContext
from screens.messages import ResultsChanged, ShowResults
from screens.results.area import ResultsArea
from screens.results.export import ExportDialog
from screens.results.grid import ResultsGrid
from screens.results.table import GRID_COLUMNS, ResultsTable

SIZE = (100, 30)


class ResultsHost(App[None]):
    """The Results area on its own (no hardware probing from the other areas)."""

    def __init__(self, context: AppContext) -> None:
        super().__init__()
        self.context = context

    def compose(self) -> ComposeResult:
        yield ResultsArea(self.context)

    def on_mount(self) -> None:
        # What FwtuiApp does when the area is shown.
        self.call_after_refresh(self.query_one(ResultsArea).focus_default)

    def on_unmount(self) -> None:
        self.context.close()  # what FwtuiApp does when it quits


@pytest.fixture(scope="module")
def stored_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_database(tmp_path_factory.mktemp("results-app") / "stored.duckdb")


def _host(db: Path, tmp_path: Path) -> ResultsHost:
    return ResultsHost(AppContext(db_path=tmp_path / "local.duckdb", browse_path=db))


async def _ready(pilot: Pilot[Any]) -> ResultsArea:
    area = pilot.app.query_one(ResultsArea)
    await settle(pilot, node=area)
    return area


async def _next_window(
    pilot: Pilot[Any], area: ResultsArea, action: Callable[[], Awaitable[Any] | Any]
) -> None:
    result = action()
    if hasattr(result, "__await__"):
        await result
    await settle(pilot, node=area)


def _plain(renderable: Any, width: int = 110) -> str:
    console = Console(width=width, record=True, color_system=None)
    console.print(renderable)
    return console.export_text()


def _db_ids(db: Path, sql: str) -> list[str]:
    with open_store(db, read_only=True) as store:
        return [r[0] for r in store.connection.execute(sql).fetchall()]


async def test_shows_the_first_window_and_where_it_is(stored_db: Path, tmp_path: Path) -> None:
    async with _host(stored_db, tmp_path).run_test(size=SIZE) as pilot:
        area = await _ready(pilot)
        grid = area.query_one("#results-table", ResultsGrid)
        assert grid.total == 108 and len(grid.ids) == 108
        status = str(area.query_one("#results-status", Static).content)
        assert status.startswith("rows 1–108 of 108 · row 1 · sort created ↓")
        assert "(read-only)" in status
        newest = _db_ids(stored_db, "SELECT result_id FROM results ORDER BY created_at DESC, rowid LIMIT 3")
        assert grid.ids[:3] == newest
        assert pilot.app.focused is grid


async def test_filter_by_framework_and_date(stored_db: Path, tmp_path: Path) -> None:
    async with _host(stored_db, tmp_path).run_test(size=SIZE) as pilot:
        area = await _ready(pilot)
        select = area.query_one("#filter-framework", Select)
        await _next_window(pilot, area, lambda: setattr(select, "value", "jax"))
        grid = area.query_one("#results-table", ResultsGrid)
        assert grid.total == 18
        assert {row[1] for row in grid.rows} == {"jax"}
        date_from = area.query_one("#filter-from", Input)
        date_from.value = "2026-05-09"
        date_from.focus()
        await _next_window(pilot, area, lambda: pilot.press("enter"))
        assert grid.total == 6  # only the gpu-box run (May 10) is that recent
        date_from.value = "not a date"
        await pilot.press("enter")
        await pilot.pause()
        assert "not a timestamp" in str(area.query_one("#results-status", Static).content)
        assert grid.total == 6  # a bad date keeps the last good filter


async def test_sort_by_clicking_a_header_and_by_keys(stored_db: Path, tmp_path: Path) -> None:
    async with _host(stored_db, tmp_path).run_test(size=(200, 30)) as pilot:
        area = await _ready(pilot)
        grid = area.query_one("#results-table", ResultsGrid)
        x = 0
        for index, column in enumerate(GRID_COLUMNS):
            if column.key == "p50 ms":
                break
            x += grid.widths[index] + 1
        await _next_window(pilot, area, lambda: pilot.click("#results-table", offset=(x + 2, 0)))
        assert (area.sort, area.descending) == ("p50 ms", False)
        fastest = _db_ids(
            stored_db, "SELECT result_id FROM results ORDER BY p50_ms ASC NULLS LAST, rowid LIMIT 5"
        )
        assert grid.ids[:5] == fastest
        await _next_window(pilot, area, lambda: pilot.click("#results-table", offset=(x + 2, 0)))
        assert area.descending is True
        slowest = _db_ids(
            stored_db, "SELECT result_id FROM results ORDER BY p50_ms DESC NULLS LAST, rowid LIMIT 5"
        )
        assert grid.ids[:5] == slowest
        grid.column = [c.key for c in GRID_COLUMNS].index("samples/s")
        await _next_window(pilot, area, lambda: pilot.press("s"))  # the column under the cursor
        assert (area.sort, area.descending) == ("samples/s", True)
        assert "sort samples/s ↓" in str(area.query_one("#results-status", Static).content)


async def test_group_by_then_drill_into_a_group(stored_db: Path, tmp_path: Path) -> None:
    async with _host(stored_db, tmp_path).run_test(size=SIZE) as pilot:
        area = await _ready(pilot)
        await pilot.press("b")
        await settle(pilot, node=area)
        groups = area.query_one("#results-groups", DataTable)
        assert area.view == "results-groups"
        rows = [[str(cell) for cell in groups.get_row_at(i)] for i in range(groups.row_count)]
        assert {row[0] for row in rows} == {"torch", "tensorflow", "jax", "onnxruntime"}
        # one row per framework, scenario and batch: no number mixes latency, throughput and training
        assert len({(row[0], row[1], row[2]) for row in rows}) == len(rows)
        ort = [row for row in rows if row[0] == "onnxruntime"]
        assert sum(int(row[4]) for row in ort) == 12  # ORT training is unsupported, never counted as ok
        assert all(row[4] == "0" for row in ort if row[1] == "train")
        latency = next(i for i, row in enumerate(rows) if row[0] == "onnxruntime" and row[1] == "latency")
        groups.move_cursor(row=latency)
        await _next_window(pilot, area, lambda: pilot.press("enter"))
        assert area.view == "results-table"
        assert (area.filters.framework, area.filters.scenario) == ("onnxruntime", "latency")
        assert area.query_one("#results-table", ResultsGrid).total == int(rows[latency][3])


async def test_group_by_machine_from_the_select_drills_to_its_id(stored_db: Path, tmp_path: Path) -> None:
    async with _host(stored_db, tmp_path).run_test(size=SIZE) as pilot:
        area = await _ready(pilot)
        group = area.query_one("#filter-group", Select)
        group.value = "machine"
        await settle(pilot, node=area)
        groups = area.query_one("#results-groups", DataTable)
        names = [str(groups.get_row_at(i)[0]) for i in range(groups.row_count)]
        assert area.view == "results-groups" and "grouped by machine" in str(
            area.query_one("#results-status", Static).content
        )
        row = names.index("gpu-box (A100)")
        groups.move_cursor(row=row)
        await _next_window(pilot, area, lambda: pilot.press("enter"))
        assert area.filters.machine_id == "m-gpu-box"  # the label shown, turned back into the machine's id
        assert area.query_one("#results-table", ResultsGrid).total == int(str(groups.get_row_at(row)[3]))
        assert area.view == "results-table" and group.value is Select.NULL


async def test_detail_explains_every_flag_and_draws_the_histogram(stored_db: Path, tmp_path: Path) -> None:
    async with _host(stored_db, tmp_path).run_test(size=SIZE) as pilot:
        area = await _ready(pilot)
        await _next_window(pilot, area, lambda: area.set_filters(Filters(framework="tensorflow", workload="cnn",
                                                                          scenario="throughput", run_id="run-a")))  # fmt: skip
        grid = area.query_one("#results-table", ResultsGrid)
        flagged = next(i for i, row in enumerate(grid.rows) if "output_mismatch" in row)
        grid.move_cursor(flagged)
        await pilot.press("enter")
        await settle(pilot, node=area)
        assert area.view == "results-detail"
        text = _plain(area.query_one("#results-detail-body", Static).content)
        assert "tensorflow/function · cnn small · inference/throughput · batch 256" in text
        assert FLAG_EXPLANATIONS["output_mismatch"][:60] in " ".join(text.split())
        assert "Latency histogram (40 raw per-call samples)" in text
        assert "processes" in text and "p50 per process" in text and "between-process cv" in text
        assert "█" in text
        assert "blas" in text  # the run's environment
        await pilot.press("escape")
        assert area.view == "results-table"


async def test_mark_and_compare_with_significance(stored_db: Path, tmp_path: Path) -> None:
    async with _host(stored_db, tmp_path).run_test(size=SIZE) as pilot:
        area = await _ready(pilot)
        filters = Filters(workload="mlp", scenario="latency", run_id="run-a")
        await _next_window(pilot, area, lambda: area.set_filters(filters))
        grid = area.query_one("#results-table", ResultsGrid)
        frameworks = [row[1] for row in grid.rows]
        grid.move_cursor(frameworks.index("onnxruntime"))
        await pilot.press("space")
        grid.move_cursor(frameworks.index("tensorflow"))
        await pilot.press("space")
        assert len(area.marked) == 2
        assert "2 marked" in str(area.query_one("#results-status", Static).content)
        await pilot.press("c")
        await settle(pilot, node=area)
        assert area.view == "results-compare"
        text = _plain(area.query_one("#results-compare-body", Static).content, width=140)
        assert "A: onnxruntime/ort" in text and "B: tensorflow/" in text
        assert "slower" in text  # TensorFlow eager is several times slower than ORT in the fixture
        assert "across processes" in text and "significant (p<0.001)" in text  # Welch on per-process medians


async def test_compare_needs_two_marks(stored_db: Path, tmp_path: Path) -> None:
    async with _host(stored_db, tmp_path).run_test(size=SIZE) as pilot:
        area = await _ready(pilot)
        await pilot.press("c")
        await pilot.pause()
        assert area.view == "results-table"
        assert any("Mark two or more" in str(n.message) for n in pilot.app._notifications)


async def test_charts_use_one_machine(stored_db: Path, tmp_path: Path) -> None:
    async with _host(stored_db, tmp_path).run_test(size=SIZE) as pilot:
        area = await _ready(pilot)
        machine = area.query_one("#filter-machine", Select)
        await _next_window(pilot, area, lambda: setattr(machine, "value", "m-cpu-box"))
        await pilot.press("p")
        await settle(pilot, node=area)
        assert area.view == "results-chart"
        text = _plain(area.query_one("#results-chart-body", Static).content)
        assert text.startswith("cpu-box (EPYC 7B13, 2 cores) · ")
        assert "p50 latency (ms, shorter is better)" in text and "latency percentiles" in text
        assert "onnxruntime/ort" in text and "█" in text


async def test_sql_console_runs_queries_read_only_with_history(stored_db: Path, tmp_path: Path) -> None:
    async with _host(stored_db, tmp_path).run_test(size=SIZE) as pilot:
        area = await _ready(pilot)
        await pilot.press("colon")
        sql_input = area.query_one("#results-sql-input", Input)
        assert pilot.app.focused is sql_input
        message = area.query_one("#results-sql-message", Static)
        table = area.query_one("#results-sql-table", DataTable)

        async def run(text: str) -> str:
            sql_input.value = text
            await pilot.press("enter")
            await settle(pilot, node=area)
            return str(message.content)

        assert (await run("SELECT framework, count(*) AS n FROM results GROUP BY 1 ORDER BY 1")).startswith(
            "4 rows"
        )
        assert table.row_count == 4
        error = await run("SELECT [1, 2 FROM results")
        assert error.startswith("SQL error: Parser Error") and message.has_class("error")
        refused = await run("DELETE FROM results")
        assert "read-only" in refused
        assert (await run("leaderboard")).endswith("ms")  # a named query by name
        await pilot.press("up", "up")
        assert sql_input.value == "DELETE FROM results"
    assert _db_ids(stored_db, "SELECT count(*)::VARCHAR FROM results") == ["108"]


async def test_export_key_writes_parquet(stored_db: Path, tmp_path: Path) -> None:
    async with _host(stored_db, tmp_path).run_test(size=SIZE) as pilot:
        area = await _ready(pilot)
        await pilot.press("e")
        await settle(pilot)
        dialog = pilot.app.screen
        assert isinstance(dialog, ExportDialog)
        dialog.query_one("#export-path", Input).value = str(tmp_path / "exported")
        await pilot.press("enter")
        await settle(pilot, node=area)
        notices = [str(n.message) for n in pilot.app._notifications]
        assert f"exported 4 tables as parquet to {tmp_path / 'exported'}" in notices
    assert sorted(p.name for p in (tmp_path / "exported").iterdir()) == [
        "machines",
        "results",
        "runs",
        "samples",
    ]
    assert (tmp_path / "exported" / "results" / "machine_id=m-cpu-box").is_dir()


async def test_scrolling_moves_the_window_over_many_rows(tmp_path: Path) -> None:
    path = tmp_path / "many.duckdb"
    with open_store(path) as store:
        store.connection.execute(
            "INSERT INTO results (result_id, framework, workload, status, p50_ms, created_at, flags) "
            "SELECT 'r' || lpad(i::VARCHAR, 5, '0'), 'torch', 'mlp', 'ok', i / 10.0, "
            "TIMESTAMP '2026-01-01' + INTERVAL (i) MINUTE, [] FROM range(5000) t(i)"
        )
    async with _host(path, tmp_path).run_test(size=SIZE) as pilot:
        area = await _ready(pilot)
        grid = area.query_one("#results-table", ResultsGrid)
        assert grid.total == 5000 and len(grid.ids) <= 200
        await _next_window(pilot, area, lambda: pilot.press("end"))
        assert (
            grid.cursor == 4999 and grid.current_id == "r00000"
        )  # newest first, so the last row is the oldest
        assert "rows" in str(area.query_one("#results-status", Static).content)
        assert "of 5,000 · row 5,000" in str(area.query_one("#results-status", Static).content)
        await _next_window(pilot, area, lambda: pilot.press("home"))
        assert grid.current_id == "r04999"
        for _ in range(12):  # paging down past the window fetches the next one
            await pilot.press("pagedown")
        await settle(pilot, node=area)
        assert grid.current_id is not None and grid.window_start > 0
        expected = f"r{4999 - grid.cursor:05d}"
        assert grid.current_id == expected


async def test_show_results_filters_to_a_run(stored_db: Path, tmp_path: Path) -> None:
    app = FwtuiApp(AppContext(db_path=tmp_path / "local.duckdb", browse_path=stored_db))
    async with app.run_test(size=SIZE) as pilot:
        area = await _ready(pilot)
        await _next_window(pilot, area, lambda: app.post_message(ShowResults("run-b")))
        assert app.active_area_id == "results"
        assert area.filters.run_id == "run-b"
        assert area.query_one("#results-table", ResultsGrid).total == 36
        await _next_window(pilot, area, lambda: pilot.press("a"))
        assert area.query_one("#results-table", ResultsGrid).total == 108


async def test_first_launch_loads_the_bundled_sample_data(tmp_path: Path) -> None:
    db = tmp_path / "fresh" / "results.duckdb"
    async with ResultsHost(AppContext(db_path=db)).run_test(size=SIZE) as pilot:
        area = await _ready(pilot)
        grid = area.query_one("#results-table", ResultsGrid)
        expected_results, expected_machines = bundled_sample_results()
        assert grid.total == expected_results > 8  # a real quick-preset run and the published table
        notices = [str(n.message) for n in pilot.app._notifications]
        notice = next(text for text in notices if text.startswith("Sample data loaded"))
        assert "`" not in notice and "fwtui sample-data remove" in notice  # no Markdown backticks shown
        assert all(n.timeout >= 20 for n in pilot.app._notifications if "Sample data" in str(n.message))
        # the sample rows say so in the pinned first column, where the eye is
        assert all(row[1].endswith(("(sample)", "(published)")) for row in grid.rows)
        machine_column = [c.key for c in GRID_COLUMNS].index("machine")
        machines = [row[machine_column] for row in grid.rows]
        assert set(machines) <= expected_machines
        assert "external: published blog table (unverified)" in expected_machines


@pytest.mark.parametrize("kind", ["not-duckdb", "corrupt", "locked"])
async def test_unreadable_databases_show_a_clear_error(stored_db: Path, tmp_path: Path, kind: str) -> None:
    import subprocess
    import sys

    path = tmp_path / "bad.duckdb"
    child = None
    if kind == "not-duckdb":
        path.write_text("id,name\n1,x\n")
    elif kind == "corrupt":
        data = bytearray(stored_db.read_bytes())
        data[4096:-4096] = b"\x00" * (len(data) - 8192)
        path.write_bytes(bytes(data))
    else:
        make_database(path)
        code = "import sys, duckdb; c = duckdb.connect(sys.argv[1]); print('ready', flush=True); sys.stdin.read()"
        child = subprocess.Popen([sys.executable, "-c", code, str(path)], stdin=subprocess.PIPE,
                                 stdout=subprocess.PIPE, text=True)  # fmt: skip
        assert child.stdout is not None and child.stdout.readline().strip() == "ready"
    try:
        async with _host(path, tmp_path).run_test(size=SIZE) as pilot:
            area = pilot.app.query_one(ResultsArea)
            status = area.query_one("#results-status", Static)
            await settle(pilot, node=area)
            assert status.has_class("error")
            text = str(status.content)
            expected = {"not-duckdb": "is not a DuckDB database", "corrupt": "corrupt or unreadable",
                        "locked": "in use by another fwtui or DuckDB process"}[kind]  # fmt: skip
            assert expected in text and "\n" not in text
            await pilot.press("c", "p", "g", "slash")  # nothing to act on, and nothing crashes
            await pilot.pause()
    finally:
        if child is not None:
            assert child.stdin is not None
            child.stdin.close()
            child.wait(timeout=30)
    if kind == "locked":
        assert _db_ids(path, "SELECT count(*)::VARCHAR FROM results") == ["108"]


async def test_fits_80x24_in_the_app(stored_db: Path, tmp_path: Path) -> None:
    app = FwtuiApp(AppContext(db_path=tmp_path / "local.duckdb", browse_path=stored_db))
    async with app.run_test(size=(80, 24)) as pilot:
        area = await _ready(pilot)
        grid = area.query_one("#results-table", ResultsGrid)
        assert grid.region.height >= 10 and grid.region.bottom <= 23
        for widget_id in ("#filter-framework", "#filter-device", "#filter-group", "#results-status"):
            region = area.query_one(widget_id).region
            assert region.right <= 80 and region.height >= 1


async def test_results_changed_is_not_echoed_to_its_sender(tmp_path: Path) -> None:
    log = MessageLog()
    app = FwtuiApp(AppContext(db_path=tmp_path / "results.duckdb"), initial_area="results")
    async with app.run_test(size=SIZE, message_hook=log) as pilot:
        area = await _ready(pilot)  # a first launch: it loaded the sample data and told the app
        assert [m.origin for m in log.of(ResultsChanged)][:1] == ["results"]
        shown = len(log.of(ResultsTable.WindowShown))
        app.post_message(ResultsChanged("run-x", origin="results"))
        await settle(pilot, node=area)
        assert len(log.of(ResultsTable.WindowShown)) == shown  # its own results: nothing to reload
        app.post_message(ResultsChanged("run-y", origin="benchmark"))
        await settle(pilot, node=area)
        assert len(log.of(ResultsTable.WindowShown)) == shown + 1  # another area's results: reloaded


def test_sweep_charts_snapshot(snap_compare: Any, tmp_path: Path) -> None:
    from results_fixtures import populate, sweep_items

    db = tmp_path / "sweep.duckdb"
    with open_store(db) as store:
        populate(store, sweep_items())

    async def charts(pilot: Pilot[Any]) -> None:
        area = await _ready(pilot)
        await pilot.press("p")
        await settle(pilot, node=area)
        text = _plain(area.query_one("#results-chart-body", Static).content)
        assert "Sweep over batch" in text and "curves cross between batch 2 and 4" in text

    assert snap_compare(_host(db, tmp_path), terminal_size=(100, 60), run_before=charts)


def test_snapshot_80x24(snap_compare: Any, stored_db: Path, tmp_path: Path) -> None:
    async def settle(pilot: Pilot[Any]) -> None:
        await _ready(pilot)

    assert snap_compare(_host(stored_db, tmp_path), terminal_size=(80, 20), run_before=settle)


def test_parquet_directory_browses_like_a_database(stored_db: Path, tmp_path: Path) -> None:
    from fwtui.store.importexport import export_database

    with open_store(stored_db, read_only=True) as store:
        export_database(store.connection, tmp_path / "pq", "parquet")

    async def check() -> None:
        async with _host(tmp_path / "pq", tmp_path).run_test(size=SIZE) as pilot:
            area = await _ready(pilot)
            assert area.query_one("#results-table", ResultsGrid).total == 108
            assert "parquet pq (read-only)" in str(area.query_one("#results-status", Static).content)

    import asyncio

    asyncio.run(check())
    assert duckdb.__version__


async def test_kept_windows_and_groups_are_read_again_once_the_data_changes(tmp_path: Path) -> None:
    log = MessageLog()
    app = ResultsHost(AppContext(db_path=tmp_path / "results.duckdb"))  # the local database, sample data
    async with app.run_test(size=SIZE, message_hook=log) as pilot:
        area = await _ready(pilot)
        table = area.table
        total, first = table.window.total, table.window.ids

        def reads(group: str) -> int:
            return len(
                [
                    m
                    for m in log.of(Worker.StateChanged)
                    if m.worker.group == group and m.state == WorkerState.SUCCESS
                ]
            )

        windows = reads("results-window")
        area._set_sort(area.sort, toggle=True)
        await settle(pilot, node=area)
        area._set_sort(area.sort, toggle=True)  # back to the first order: shown again without a read
        await settle(pilot, node=area)
        assert reads("results-window") == windows + 1
        assert table.window.ids == first
        area.action_cycle_group()
        await settle(pilot, node=area)
        groups = area.query_one("#results-groups", DataTable)
        counted = sum(int(str(groups.get_row_at(i)[3]).replace(",", "")) for i in range(groups.row_count))
        assert counted == total

        # Another area saves a result: every count, window and group is read again.
        app.context.database.cursor().execute(
            "INSERT INTO results SELECT * REPLACE ('added-result' AS result_id, TIMESTAMP '2100-01-01' AS created_at) "
            "FROM results LIMIT 1"
        )
        area.post_message(ResultsChanged("run-z", origin="benchmark"))
        await settle(pilot, node=area)
        counted = sum(int(str(groups.get_row_at(i)[3]).replace(",", "")) for i in range(groups.row_count))
        assert counted == total + 1
        for _ in range(len(GROUP_BY)):  # ... through every grouping, back to the table
            area.action_cycle_group()
        await settle(pilot, node=area)
        assert area.group_by is None
        assert table.window.total == total + 1
        assert table.window.ids[0] == "added-result"  # the newest first


async def test_your_own_models_results_are_listed_grouped_by_file_and_detailed(tmp_path: Path) -> None:
    from model_files import onnx_model

    from fwtui.bench.byom.model_file import Target, open_model_file
    from fwtui.bench.byom.records import model_records
    from fwtui.bench.byom.run import ModelResult

    (tmp_path / "b").mkdir()
    first = open_model_file(onnx_model(tmp_path / "tiny.onnx"))
    other = open_model_file(onnx_model(tmp_path / "b" / "tiny.onnx", celu=True))  # same name, other file
    db = tmp_path / "models.duckdb"
    samples = tuple(1.0 + 0.001 * (i % 7) for i in range(60))
    with open_store(db) as store:
        for run_id, model in (("r1", first), ("r2", first), ("r3", other)):
            store.begin_run({"run_id": run_id, "status": "complete"})
            shared = {"params": 36, "input_shapes": {"x": [2, 8]}, "samples_ms": samples, "tolerance": 1e-3}
            results = [
                ModelResult(model, Target("onnxruntime", v), "ok", max_abs_diff=0.0, **shared)  # type: ignore[arg-type]
                for v in ("cpu-none", "cpu-all")
            ]
            for record, kept in model_records(results, run_id=run_id, machine_id=None, threads=1):
                store.save_result(record, kept)
    workload = [header for header, _ in TABLE_COLUMNS].index("workload") + 1  # after the mark column
    async with _host(db, tmp_path).run_test(size=SIZE) as pilot:
        area = await _ready(pilot)
        grid = area.query_one("#results-table", ResultsGrid)
        assert grid.total == 6 and {row[workload] for row in grid.rows} == {"model:tiny.onnx"}
        area.query_one("#filter-group", Select).value = "workload"
        await settle(pilot, node=area)
        groups = area.query_one("#results-groups", DataTable)
        rows = [[str(cell) for cell in groups.get_row_at(i)] for i in range(groups.row_count)]
        # two runs of one file make one group; the other file of the same name its own
        assert sorted((row[0], row[3]) for row in rows) == sorted(
            [(f"model:tiny.onnx {first.sha256[:12]}", "4"), (f"model:tiny.onnx {other.sha256[:12]}", "2")]
        )
        groups.move_cursor(row=0)
        await _next_window(pilot, area, lambda: pilot.press("enter"))
        assert area.view == "results-table" and area.filters.workload == "model:tiny.onnx"
        await pilot.press("enter")
        await settle(pilot, node=area)
        text = _plain(area.query_one("#results-detail-body", Static).content)
    assert "Your model" in text and "x=2x8" in text
    assert first.sha256 in text or other.sha256 in text

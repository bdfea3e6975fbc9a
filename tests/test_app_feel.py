"""The app as users of k9s, lazygit, harlequin and btop expect it: state in the glyph, one meaning per key,
vim motions, sort by the column under the cursor, find as you type, every action in the palette, numbers
through the one formatter, and every area at 80x24 and 120x40 (SVG snapshots)."""

from __future__ import annotations

import io
import shutil
import threading
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from app_helpers import screen_text, settle, until
from results_fixtures import make_database
from rich.console import Console
from test_app_hardware import FixedSource
from textual.binding import Binding
from textual.command import CommandList, CommandPalette
from textual.geometry import Region
from textual.pilot import Pilot
from textual.widgets import Checkbox, Input, RadioButton, SelectionList, Static

import screens.hardware.area as hardware_screen
from fwtui import units
from fwtui.settings import settings_path
from screens.app import FwtuiApp
from screens.areas import AREAS, Area
from screens.context import AppContext
from screens.decide.area import DecideArea
from screens.hardware.area import HardwareArea
from screens.keys import KEYMAP
from screens.results.area import ResultsArea
from screens.results.export import ExportDialog
from screens.results.grid import ResultsGrid
from screens.results.table import GRID_COLUMNS
from screens.toggles import CHECKED, CHOSEN, NOT_CHOSEN, UNCHECKED

IGNORED = {"hw-gpu-sample"}


@pytest.fixture(scope="module")
def stored_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_database(tmp_path_factory.mktemp("feel") / "stored.duckdb")


@pytest.fixture(autouse=True)
def fixed_world(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(hardware_screen, "SOURCE", FixedSource())
    monkeypatch.setattr(DecideArea, "clock", staticmethod(lambda: date(2026, 12, 2)))


def _app(tmp_path: Path, stored: Path | None = None, area: str = "results") -> FwtuiApp:
    return FwtuiApp(AppContext(db_path=tmp_path / "local.duckdb", browse_path=stored), initial_area=area)


async def _all_areas(pilot: Pilot[Any]) -> None:
    """Every area built (each is built on its first visit), back on the one the app opened."""
    first = pilot.app.active_area_id
    for spec in AREAS:
        await pilot.press(spec.key)
    await pilot.press(next(spec.key for spec in AREAS if spec.area_id == first))
    await until(pilot, lambda: len(pilot.app.query(Area)) == len(AREAS), 30)
    await settle(pilot, ignore_groups=IGNORED)


def _plain(renderable: Any) -> str:
    console = Console(width=200, record=True, color_system=None, file=io.StringIO())
    console.print(renderable)
    return console.export_text()


# -- 1. state in the glyph ---------------------------------------------------------------------------


async def test_every_toggle_shows_its_state_in_the_glyph(tmp_path: Path) -> None:
    async with _app(tmp_path, area="benchmark").run_test(size=(120, 40)) as pilot:
        await _all_areas(pilot)
        frameworks = pilot.app.query_one("#bench-frameworks", SelectionList)
        lines = [frameworks.render_line(y).text for y in range(frameworks.option_count)]
        ticked = {str(o.value) for o in frameworks.options} & set(frameworks.selected)
        assert sum(line.startswith(CHECKED) for line in lines) == len(ticked) > 0
        frameworks.deselect(next(iter(ticked)))
        await pilot.pause()
        lines = [frameworks.render_line(y).text for y in range(frameworks.option_count)]
        assert sum(line.startswith(UNCHECKED) for line in lines) >= 1  # off is a glyph, not a colour

        await pilot.press("4")
        await settle(pilot, ignore_groups=IGNORED)
        radios = list(pilot.app.query(RadioButton))
        assert radios and all(r.render().plain.startswith((CHOSEN, NOT_CHOSEN)) for r in radios)
        chosen = [r for r in radios if r.value]
        assert chosen and all(r.render().plain.startswith(CHOSEN) for r in chosen)
        for box in pilot.app.query(Checkbox):
            if isinstance(box, RadioButton):
                continue
            assert box.render().plain.startswith(CHECKED if box.value else UNCHECKED)


# -- 2. one meaning per key --------------------------------------------------------------------------


def test_a_key_means_one_thing_in_every_area_and_the_key_map_lists_it() -> None:
    from screens.benchmark.area import BenchmarkArea

    actions: dict[str, set[str]] = {}
    for area in (HardwareArea, BenchmarkArea, ResultsArea, DecideArea):
        for binding in area.BINDINGS:
            assert isinstance(binding, Binding)
            for key in binding.key.split(","):
                actions.setdefault(key, set()).add(binding.action)
    shared = {key: found for key, found in actions.items() if len(found) > 1}
    assert not shared, f"keys with two meanings: {shared}"
    listed = " ".join(meaning.keys for meaning in KEYMAP)
    names = {"slash": "/", "colon": ":", "space": "space", "escape": "escape", "enter": "enter"}
    for key in actions:
        assert names.get(key, key) in listed.split(), f"{key} is not in the key map"
    # the keys the issue found overloaded now mean one thing each
    assert actions["x"] == {"cancel_current"} and actions["e"] == {"export"}
    assert "c" in actions and actions["c"] == {"compare"}


async def test_the_help_lists_the_key_map(tmp_path: Path) -> None:
    async with _app(tmp_path, area="hardware").run_test(size=(120, 40)) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        markdown = pilot.app.screen.query_one("Markdown")
        text = markdown.source  # type: ignore[attr-defined]
        assert all(meaning.does in text for meaning in KEYMAP)
    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    assert all(meaning.does in readme for meaning in KEYMAP)  # the README keeps the same table


# -- 4. numbers through the one formatter ------------------------------------------------------------


async def test_the_results_table_writes_every_number_through_the_formatter(
    stored_db: Path, tmp_path: Path
) -> None:
    import duckdb

    async with _app(tmp_path, stored_db).run_test(size=(200, 30)) as pilot:
        await _all_areas(pilot)
        grid = pilot.app.query_one("#results-table", ResultsGrid)
        keys = [c.key for c in GRID_COLUMNS]
        with duckdb.connect(str(stored_db), read_only=True) as con:
            stored = {
                row[0]: row[1:]
                for row in con.execute(
                    "SELECT result_id, p50_ms, p95_ms, cv, throughput_samples_per_s FROM results"
                ).fetchall()
            }
        for result_id, cells in zip(grid.ids, grid.rows, strict=True):
            p50, p95, cv, throughput = stored[result_id]
            assert cells[keys.index("p50 ms")] == units.latency_ms(p50)
            assert cells[keys.index("p95 ms")] == units.latency_ms(p95)
            assert cells[keys.index("cv")] == units.cv(cv)
            assert cells[keys.index("samples/s")] == units.throughput(throughput, unit=False)
            for index, column in enumerate(GRID_COLUMNS):  # a number is never cut
                if column.numeric:
                    assert len(cells[index]) <= grid.widths[index] and "…" not in cells[index]
        assert any(" µs" in row[keys.index("p50 ms")] for row in grid.rows)
        assert all(row[keys.index("cv")].endswith("%") or row[keys.index("cv")] == "—" for row in grid.rows)
        headers = [c.header for c in GRID_COLUMNS]
        assert "mean samples/s" in headers and "p50" in headers  # what each number is


# -- 6. sort, vim motions, marks, find, pinned column ------------------------------------------------


async def test_sort_by_the_column_under_the_cursor_and_vim_motions(stored_db: Path, tmp_path: Path) -> None:
    async with _app(tmp_path, stored_db).run_test(size=(100, 30)) as pilot:
        await _all_areas(pilot)
        area = pilot.app.query_one(ResultsArea)
        grid = pilot.app.query_one("#results-table", ResultsGrid)
        assert pilot.app.focused is grid
        await pilot.press("j", "j", "k")
        assert grid.cursor == 1
        await pilot.press("G")
        await settle(pilot, node=area)
        assert grid.cursor == grid.total - 1
        await pilot.press("g")
        await settle(pilot, node=area)
        assert grid.cursor == 0

        target = [c.key for c in GRID_COLUMNS].index("p50 ms")
        await pilot.press(*["l"] * (target - grid.column))
        assert grid.current_column == "p50 ms"
        await pilot.press("s")
        await settle(pilot, node=area)
        assert (area.sort, area.descending) == ("p50 ms", False)
        await pilot.press("s")  # the same column again reverses
        await settle(pilot, node=area)
        assert (area.sort, area.descending) == ("p50 ms", True)

        await pilot.press(*["l"] * len(GRID_COLUMNS))  # far right: the first column stays pinned
        assert grid.pan_x > 0
        header = grid.render_line(0).text
        assert header.lstrip().startswith("framework")
        await pilot.press("S")  # the column picker
        await pilot.pause()
        await pilot.press("k", "enter")
        await settle(pilot, node=area)
        assert area.sort != "p50 ms"

        await pilot.press("g", "space")  # marks without moving
        assert grid.cursor == 0 and len(area.marked) == 1


async def test_find_narrows_the_rows_as_you_type(stored_db: Path, tmp_path: Path) -> None:
    async with _app(tmp_path, stored_db).run_test(size=(100, 30)) as pilot:
        await _all_areas(pilot)
        area = pilot.app.query_one(ResultsArea)
        grid = pilot.app.query_one("#results-table", ResultsGrid)
        total = grid.total
        await pilot.press("slash")
        search = pilot.app.query_one("#results-search", Input)
        assert pilot.app.focused is search
        await pilot.press(*"onnx")
        await settle(pilot, node=area)
        assert 0 < grid.total < total and all(row[1].startswith("onnxruntime") for row in grid.rows)
        await pilot.press("enter")  # kept; back in the table
        assert pilot.app.focused is grid and grid.total < total
        await pilot.press("escape")  # cleared
        await settle(pilot, node=area)
        assert grid.total == total and area.filters.search is None
        await pilot.press("colon")  # the SQL console moved to `:`
        assert area.view == "results-sql"


# -- 7. the palette --------------------------------------------------------------------------------


async def test_every_area_action_is_a_palette_command(tmp_path: Path) -> None:
    async with _app(tmp_path, area="hardware").run_test(size=(120, 40)) as pilot:
        await _all_areas(pilot)
        app = pilot.app
        commands = {command.title: command for command in app.get_system_commands(app.screen)}
        assert "Hardware: Measure peak" in commands and "Results: Export results" in commands
        assert "Benchmark: Cancel queue" in commands and "Decide: Reset answers" in commands
        await pilot.press("ctrl+p")
        await until(pilot, lambda: isinstance(app.screen, CommandPalette))
        await pilot.press(*"export res")
        await until(pilot, lambda: app.screen.query_one(CommandList).option_count > 0, 10)
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, ExportDialog), 10)
        assert app.active_area_id == "results"


# -- 8. first launch -------------------------------------------------------------------------------


class SlowProbes(FixedSource):
    """The framework probes answer only when the test lets them."""

    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()

    def frameworks(self, on_result: Any) -> Any:
        self.release.wait(60)
        return super().frameworks(on_result)


async def test_first_paint_says_probing_and_points_onwards(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = SlowProbes()
    monkeypatch.setattr(hardware_screen, "SOURCE", source)
    async with _app(tmp_path, area="hardware").run_test(size=(80, 24)) as pilot:
        area = pilot.app.query_one(HardwareArea)
        summary = area.query_one("#hw-summary", Static)
        await until(pilot, lambda: bool(_plain(summary.content).strip()))
        text = _plain(summary.content)
        assert "probing frameworks" in text and "usable" not in text  # never "0/4 usable" while probing
        table = area.query_one("#hw-framework-table").render_line(1).text
        assert "probing" in table and "not probed" not in table
        assert "2 Benchmark" in _plain(area.query_one("#hw-next", Static).content)
        assert "4 Decide" in _plain(area.query_one("#hw-next", Static).content)
        source.release.set()
        await settle(pilot, node=area, ignore_groups=IGNORED)
        assert "frameworks usable" in _plain(summary.content)


# -- 9. 80x24 --------------------------------------------------------------------------------------


@pytest.mark.parametrize("area_id", [spec.area_id for spec in AREAS])
async def test_every_area_keeps_help_and_quit_in_the_footer_at_80x24(
    area_id: str, stored_db: Path, tmp_path: Path
) -> None:
    async with _app(tmp_path, stored_db, area=area_id).run_test(size=(80, 24)) as pilot:
        await _all_areas(pilot)
        footer = screen_text(pilot, Region(0, 23, 80, 1))
        assert "? Help" in footer and "q Quit" in footer, footer


# -- 10. export ------------------------------------------------------------------------------------


async def test_export_dialog_tab_then_enter_exports(stored_db: Path, tmp_path: Path) -> None:
    async with _app(tmp_path, stored_db).run_test(size=(100, 30)) as pilot:
        await _all_areas(pilot)
        await pilot.press("e")
        await until(pilot, lambda: isinstance(pilot.app.screen, ExportDialog))
        dialog = pilot.app.screen
        dialog.query_one("#export-path", Input).value = str(tmp_path / "out")
        await pilot.press("tab", "enter")
        await settle(pilot, ignore_groups=IGNORED)
        assert any("exported 4 tables" in str(n.message) for n in pilot.app._notifications)
    assert (tmp_path / "out" / "results").is_dir()


# -- 12. filters and sort kept ---------------------------------------------------------------------


async def test_results_filters_and_sort_are_kept_between_launches(tmp_path: Path) -> None:
    local = tmp_path / "local.duckdb"
    shutil.copyfile(make_database(tmp_path / "seed.duckdb"), local)  # the local database this time
    async with _app(tmp_path).run_test(size=(100, 30)) as pilot:
        await _all_areas(pilot)
        area = pilot.app.query_one(ResultsArea)
        area.set_filters(area.filters.with_(framework="jax"))
        await settle(pilot, node=area)
        area._set_sort("p50 ms")
        await settle(pilot, node=area)
    async with _app(tmp_path).run_test(size=(100, 30)) as pilot:
        await _all_areas(pilot)
        area = pilot.app.query_one(ResultsArea)
        assert area.filters.framework == "jax" and area.sort == "p50 ms"
        grid = pilot.app.query_one("#results-table", ResultsGrid)
        assert grid.total > 0 and all(row[1].startswith("jax") for row in grid.rows)
    settings_path("results").write_text("[1, 2", encoding="utf-8")  # damaged: ignored with a note
    async with _app(tmp_path).run_test(size=(100, 30)) as pilot:
        await _all_areas(pilot)
        area = pilot.app.query_one(ResultsArea)
        assert area.filters.framework is None and area.sort == "created"
        assert any("damaged and were ignored" in str(n.message) for n in pilot.app._notifications)


# -- snapshots of every area -----------------------------------------------------------------------


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
@pytest.mark.parametrize("area_id", [spec.area_id for spec in AREAS])
def test_snapshot(
    snap_compare: Any, stored_db: Path, tmp_path: Path, area_id: str, size: tuple[int, int]
) -> None:
    async def ready(pilot: Pilot[Any]) -> None:
        await _all_areas(pilot)
        pilot.app.clear_notifications()
        await pilot.pause()

    assert snap_compare(_app(tmp_path, stored_db, area=area_id), terminal_size=size, run_before=ready)

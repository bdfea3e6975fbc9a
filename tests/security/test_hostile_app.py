"""The app with hostile stored databases, through Pilot: escaped text in the table, the detail view and
the console; a database that carries code refused with one line; an export path holding markup."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from app_helpers import settle
from hostile import CANARY_TEXT, canary, control_text_db, shadowing_macro_db, terminal_safe
from rich.console import Console
from textual.app import App, ComposeResult
from textual.widgets import DataTable, Input, Static

from screens.context import AppContext
from screens.results.area import ResultsArea
from screens.results.export import ExportDialog
from screens.results.grid import ResultsGrid

SIZE = (120, 32)


class ResultsHost(App[None]):
    def __init__(self, context: AppContext) -> None:
        super().__init__()
        self.context = context

    def compose(self) -> ComposeResult:
        yield ResultsArea(self.context)

    def on_mount(self) -> None:
        self.call_after_refresh(self.query_one(ResultsArea).focus_default)  # as the app does

    def on_unmount(self) -> None:
        self.context.close()


def _plain(renderable: Any) -> str:
    console = Console(width=140, record=True, color_system=None)
    console.print(renderable)
    return console.export_text()


def _host(db: Path, tmp_path: Path) -> ResultsHost:
    return ResultsHost(AppContext(db_path=tmp_path / "local.duckdb", browse_path=db))


async def test_text_with_escapes_is_shown_escaped_everywhere(tmp_path: Path) -> None:
    db = control_text_db(tmp_path / "escapes.duckdb")
    async with _host(db, tmp_path).run_test(size=SIZE) as pilot:
        area = pilot.app.query_one(ResultsArea)
        await settle(pilot, node=area)
        grid = area.query_one("#results-table", ResultsGrid)
        cells = [str(cell) for row in grid.rows for cell in row]
        assert grid.rows and all(terminal_safe(cell) for cell in cells)
        assert any("\\x1b]0;pwned" in cell for cell in cells)
        await pilot.press("enter")
        await settle(pilot, node=area)
        assert area.view == "results-detail"
        detail = _plain(area.query_one("#results-detail-body", Static).content)
        assert terminal_safe(detail) and "\\x1b]52;c;" in detail
        await pilot.press("escape", "colon")
        sql_input = area.query_one("#results-sql-input", Input)
        sql_input.value = "SELECT label, cpu_brand FROM machines"
        await pilot.press("enter")
        await settle(pilot, node=area)
        table = area.query_one("#results-sql-table", DataTable)
        shown = [str(table.get_cell_at((r, c))) for r in range(table.row_count) for c in range(2)]
        assert shown and all(terminal_safe(s) for s in shown)
        columns = [str(c.label) for c in table.columns.values()]
        assert columns == ["label", "cpu_brand"]


async def test_a_database_that_carries_code_is_refused_in_one_line(tmp_path: Path) -> None:
    db = shadowing_macro_db(tmp_path / "hostile.duckdb", canary(tmp_path))
    async with _host(db, tmp_path).run_test(size=SIZE) as pilot:
        area = pilot.app.query_one(ResultsArea)
        await settle(pilot, node=area)
        assert area.reader.source is None
        status = str(area.query_one("#results-status", Static).content)
        assert "refused: it holds objects fwtui never writes" in status
        everything = status + " ".join(str(n.message) for n in pilot.app._notifications)
        assert CANARY_TEXT not in everything


async def test_an_export_path_with_markup_does_not_break_the_notice(tmp_path: Path) -> None:
    from results_fixtures import make_database

    db = make_database(tmp_path / "stored.duckdb")
    target = tmp_path / "[/b]odd [bold]name"
    async with _host(db, tmp_path).run_test(size=SIZE) as pilot:
        area = pilot.app.query_one(ResultsArea)
        await settle(pilot, node=area)
        await pilot.press("e")
        await settle(pilot)
        dialog = pilot.app.screen
        assert isinstance(dialog, ExportDialog)
        dialog.query_one("#export-path", Input).value = str(target)
        await pilot.press("enter")
        await settle(pilot, node=area)
        notices = [str(n.message) for n in pilot.app._notifications]
        assert f"exported 4 tables as parquet to {target}" in notices
    assert sorted(p.name for p in target.iterdir()) == ["machines", "results", "runs", "samples"]

"""The app frame: four areas reachable by keys, the tab bar and the palette; help; small terminals.

The framework probes come from a warm cache (one real probe per test session): probing is tested elsewhere.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from app_helpers import settle
from textual.widgets import TabbedContent, Tabs

from screens.app import FwtuiApp
from screens.context import AppContext
from screens.help import HelpScreen
from screens.too_small import TooSmallScreen

pytestmark = pytest.mark.usefixtures("warm_probes")


def _app(tmp_path: Path) -> FwtuiApp:
    return FwtuiApp(AppContext(db_path=tmp_path / "results.duckdb"))


async def test_number_keys_switch_areas(tmp_path: Path) -> None:
    app = _app(tmp_path)
    async with app.run_test(size=(100, 32)) as pilot:
        assert app.active_area_id == "hardware"
        for key, area in (("2", "benchmark"), ("3", "results"), ("4", "decide"), ("1", "hardware")):
            await pilot.press(key)
            await pilot.pause()
            assert app.active_area_id == area
            assert app.query_one("#areas", TabbedContent).active == area


async def test_tab_bar_click_switches_area(tmp_path: Path) -> None:
    app = _app(tmp_path)
    async with app.run_test(size=(100, 32)) as pilot:
        tabs = app.query_one("#areas", TabbedContent).query_one(Tabs)
        decide_tab = next(tab for tab in tabs.query("Tab") if "Decide" in str(tab.label))
        await pilot.click(decide_tab)
        await pilot.pause()
        assert app.active_area_id == "decide"


async def test_command_palette_reaches_an_area(tmp_path: Path) -> None:
    app = _app(tmp_path)
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"Go to Results")
        await settle(pilot, node=app.screen)  # the palette's search
        await pilot.press("enter")
        await pilot.pause()
        assert app.active_area_id == "results"


async def test_question_mark_opens_help_and_escape_closes_it(tmp_path: Path) -> None:
    app = _app(tmp_path)
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, HelpScreen)


async def test_small_terminal_gets_a_clear_message(tmp_path: Path) -> None:
    app = _app(tmp_path)
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.resize_terminal(60, 20)
        await pilot.pause()
        assert isinstance(app.screen, TooSmallScreen)
        message = str(app.screen.query_one("#too-small-message").render())
        assert "60x20" in message and "80x24" in message
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        assert not isinstance(app.screen, TooSmallScreen)


async def test_q_quits(tmp_path: Path) -> None:
    app = _app(tmp_path)
    async with app.run_test(size=(100, 32)) as pilot:
        await pilot.press("q")
        await pilot.pause()
    assert app.return_code in (0, None)
    assert not app.is_running

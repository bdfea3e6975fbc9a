"""Shown instead of a garbled layout when the terminal is smaller than fwtui can draw."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Static

MIN_WIDTH = 80
MIN_HEIGHT = 24


def _message(width: int, height: int) -> str:
    return (
        f"Terminal too small: {width}x{height}.\n"
        f"fwtui needs at least {MIN_WIDTH}x{MIN_HEIGHT}: enlarge the window (or press ctrl+q to quit)."
    )


class TooSmallScreen(Screen[None]):
    DEFAULT_CSS = """
    TooSmallScreen { align: center middle; }
    TooSmallScreen Static { width: auto; max-width: 100%; text-align: center; color: $warning; }
    """

    def compose(self) -> ComposeResult:
        width, height = self.app.size
        yield Static(_message(width, height), id="too-small-message")

    def update_size(self, width: int, height: int) -> None:
        self.query_one("#too-small-message", Static).update(_message(width, height))

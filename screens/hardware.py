"""The Hardware area."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Static

from screens.areas import Area


class HardwareArea(Area):
    area_id = "hardware"
    help_text = ""

    def compose(self) -> ComposeResult:
        yield Static("Hardware")

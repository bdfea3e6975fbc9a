"""The Decide area."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Static

from screens.areas import Area


class DecideArea(Area):
    area_id = "decide"
    help_text = ""

    def compose(self) -> ComposeResult:
        yield Static("Decide")

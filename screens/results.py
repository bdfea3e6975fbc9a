"""The Results area."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Static

from screens.areas import Area


class ResultsArea(Area):
    area_id = "results"
    help_text = ""

    def compose(self) -> ComposeResult:
        yield Static("Results")

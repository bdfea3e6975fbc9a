"""The Benchmark area."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Static

from screens.areas import Area


class BenchmarkArea(Area):
    area_id = "benchmark"
    help_text = ""

    def compose(self) -> ComposeResult:
        yield Static("Benchmark")

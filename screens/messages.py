"""Messages that cross areas. Areas never call each other; the app routes these."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:
    from fwtui.hardware.report import HardwareReport


class HardwareReady(Message, bubble=False):
    """The hardware report was (re)built."""

    def __init__(self, report: HardwareReport) -> None:
        super().__init__()
        self.report = report


# Both are posted to the app, which hands a copy to the areas; a copy must not bubble back to the app.
class ResultsChanged(Message, bubble=False):
    """New results were written to the local database (a benchmark finished, an import ran).

    ``origin`` is the ``area_id`` of the area that wrote them: the app hands copies to the other areas only.
    """

    def __init__(self, run_id: str | None = None, *, origin: str | None = None) -> None:
        super().__init__()
        self.run_id = run_id
        self.origin = origin


class ShowResults(Message, bubble=False):
    """Ask the app to switch to the Results area, filtered to one run."""

    def __init__(self, run_id: str | None = None) -> None:
        super().__init__()
        self.run_id = run_id

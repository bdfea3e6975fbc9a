"""Messages that cross areas. Areas never call each other or the app: they post these to the app, which routes
a copy to every other area (each names the area that sent it, ``origin``, so the sender is not told back)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:
    from fwtui.hardware.report import HardwareReport
    from fwtui.store.local import DatabaseAccess


# Posted to the app, which hands a copy to the areas; a copy must not bubble back to the app.
class HardwareReady(Message, bubble=False):
    """The hardware report was (re)built. An area built later gets the latest one when it is mounted."""

    def __init__(self, report: HardwareReport, *, origin: str | None = None) -> None:
        super().__init__()
        self.report = report
        self.origin = origin


class ResultsChanged(Message, bubble=False):
    """New results were written to the local database (a benchmark finished, an import ran).

    ``origin`` is the ``area_id`` of the area that wrote them: the app hands copies to the other areas only.
    """

    def __init__(self, run_id: str | None = None, *, origin: str | None = None) -> None:
        super().__init__()
        self.run_id = run_id
        self.origin = origin


class LocalDatabaseChanged(Message, bubble=False):
    """The local database was opened again and what the app can do with it changed (another process that
    held it let go, or took it): readers refresh what they show."""

    def __init__(self, access: DatabaseAccess, *, origin: str | None = None) -> None:
        super().__init__()
        self.access = access
        self.origin = origin


class ShowResults(Message, bubble=False):
    """Ask the app to switch to the Results area, filtered to one run."""

    def __init__(self, run_id: str | None = None) -> None:
        super().__init__()
        self.run_id = run_id

"""The Results area's status line: where the cursor is, how the rows are sorted and grouped, or what failed."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.widgets import Static


@dataclass(frozen=True)
class StatusSummary:
    """What the status line says about the table; rows are counted from 1."""

    total: int
    first: int
    last: int
    row: int
    sort: str
    descending: bool
    filtered: bool
    group_by: str | None = None
    run_id: str | None = None
    marked: int = 0
    read_only_source: str | None = None  # "database stored.duckdb" when browsing a stored source

    def text(self) -> str:
        if self.total == 0:
            where = (
                "no results match" if self.filtered else "no results yet: run a benchmark (2) or import some"
            )
        else:
            where = f"rows {self.first:,}–{self.last:,} of {self.total:,} · row {self.row:,}"
        parts = [where, f"sort {self.sort} {'↓' if self.descending else '↑'}"]
        if self.group_by:
            parts.append(f"grouped by {self.group_by}")
        if self.run_id:
            parts.append(f"run {self.run_id[:12]} (a: all)")
        if self.marked:
            parts.append(f"{self.marked} marked")
        if self.read_only_source:
            parts.append(f"{self.read_only_source} (read-only)")
        return " · ".join(parts)


class StatusLine(Static):
    """One line: the table's summary, or an error in the error colour until the next summary."""

    DEFAULT_CSS = """
    StatusLine { height: 1; color: $text-muted; }
    StatusLine.error { color: $error; }
    """

    def show(self, summary: StatusSummary) -> None:
        self._set(summary.text(), error=False)

    def show_error(self, text: str) -> None:
        self._set(text, error=True)

    def _set(self, text: str, *, error: bool) -> None:
        self.update(Text(text))
        self.set_class(error, "error")

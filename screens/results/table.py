"""The windowed results table: only ``WINDOW`` rows are ever fetched, around the cursor.

Moving the cursor near either end of the window fetches the window around it, so the table stays
responsive at millions of results. Each fetch is numbered; only the newest one is shown.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import duckdb
from textual import on
from textual.message import Message

from fwtui import units
from fwtui.store.browse import TABLE_COLUMNS, Filters, count_rows, fetch_window
from screens.results.grid import GridColumn, ResultsGrid
from screens.results.reading import SourceReader

WINDOW = 120  # rows held by the table at once
MARGIN = 20  # when the cursor comes this close to a window edge, fetch the window around it
KEPT_WINDOWS = 16  # windows read lately, shown again without a read until the data changes (a few MB at most)

# How each numeric column is written (fwtui.units); the others are shown as stored.
_NUMBERS: dict[str, Callable[[Any], str]] = {
    "batch": units.count,
    "p50 ms": units.latency_ms,  # with its unit: µs below a millisecond
    "p95 ms": units.latency_ms,
    "samples/s": lambda value: units.throughput(value, unit=False),
    "cv": units.cv,
}
# Headers that say more than the column's key: latencies carry their unit in each cell, and throughput is
# computed from the mean time per call, not from the p50 shown next to it.
_LABELS = {"p50 ms": "p50", "p95 ms": "p95", "samples/s": "mean samples/s"}
_WIDTHS = {"framework": 9, "variant": 7, "workload": 8, "scenario": 8, "status": 6, "created": 16}
# Sample and published rows say so in the pinned first column, where the eye is, not only far right.
_ORIGINS = {"sample": "sample", "external": "published"}
_HIDDEN = {"source"}  # read for the framework cell, not a column of its own
# Text wider than this ends in "…" (the detail view has it whole); flags and machine labels get more room.
_MAX_WIDTHS = {"flags": 48, "machine": 40}
GRID_COLUMNS = [GridColumn(" ", 1)] + [
    GridColumn(
        header, _WIDTHS.get(header, 4), header in _NUMBERS, _MAX_WIDTHS.get(header, 28), _LABELS.get(header, "")
    )
    for header, _ in TABLE_COLUMNS
    if header not in _HIDDEN
]
_HEADERS = [header for header, _ in TABLE_COLUMNS]


def _cell_text(header: str, value: Any) -> str:
    if header in _NUMBERS:
        return _NUMBERS[header](value)
    return units.MISSING if value is None or value == "" else str(value)


def _cells(row: tuple[Any, ...]) -> list[str]:
    values = dict(zip(_HEADERS, row, strict=False))
    cells = ["", *(_cell_text(h, values[h]) for h in _HEADERS if h not in _HIDDEN)]
    origin = _ORIGINS.get(str(values.get("source")))
    if origin:
        cells[1] = f"{cells[1]} ({origin})"
    return cells


@dataclass(frozen=True)
class TableQuery:
    """Which rows the table shows, in which order."""

    filters: Filters
    sort: str = "created"
    descending: bool = True


@dataclass(frozen=True)
class Window:
    """The rows the table holds: ``ids[i]`` is the result at absolute row ``offset + i`` of ``total``."""

    request: TableQuery
    offset: int = 0
    total: int = 0
    ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Fetched:
    total: int
    offset: int
    cells: list[list[str]]
    ids: list[str]


def _fetch(
    con: duckdb.DuckDBPyConnection, query: TableQuery, offset: int, known_total: int | None
) -> _Fetched:
    total = count_rows(con, query.filters) if known_total is None else known_total
    offset = max(0, min(offset, max(0, total - WINDOW)))
    rows = fetch_window(
        con, query.filters, sort=query.sort, descending=query.descending, offset=offset, limit=WINDOW, total=total
    )
    cells = [_cells(row) for row in rows]
    return _Fetched(total, offset, cells, [str(row[-1]) for row in rows])


class _WindowLoaded(Message, bubble=False):
    def __init__(self, generation: int, request: TableQuery, fetched: _Fetched, cursor: int, asked: int) -> None:
        super().__init__()
        self.generation, self.request, self.fetched, self.cursor = generation, request, fetched, cursor
        self.asked = asked  # the offset asked for (the window read may start elsewhere, near the end)


class ResultsTable(ResultsGrid):
    """The results matching a :class:`TableQuery`, one window at a time; announces each window it shows."""

    class WindowShown(Message):
        """A new window is on the table (the area updates its status line)."""

        def __init__(self, table: ResultsTable, window: Window) -> None:
            super().__init__()
            self.table, self.window = table, window

        @property
        def control(self) -> ResultsTable:
            return self.table

    def __init__(self, reader: SourceReader, *, id: str | None = None) -> None:
        super().__init__(GRID_COLUMNS, id=id)
        self.reader = reader
        self.request = TableQuery(Filters())  # the rows asked for last
        self.window = Window(self.request)
        self._generation = 0
        # What was read lately, until the data changes (forget): the count per filters and the windows.
        self._counts: dict[Filters, int] = {}
        self._windows: OrderedDict[tuple[TableQuery, int], _Fetched] = OrderedDict()

    def forget(self) -> None:
        """The data changed (or the source did): read everything again."""
        self._counts.clear()
        self._windows.clear()

    def show(self, query: TableQuery, *, keep_position: bool = False) -> None:
        """Count the rows ``query`` matches and show the first window, or the one around the cursor."""
        position = self.cursor if keep_position else 0
        self._load(query, max(0, position - WINDOW // 2), position, count=True)

    def reorder(self, sort: str, descending: bool) -> None:
        """The same rows in another order, from the top."""
        query = TableQuery(self.request.filters, sort, descending)
        self._load(query, 0, 0, count=self.window.request.filters != query.filters)

    def jump_to(self, absolute_row: int) -> None:
        """Show the window around ``absolute_row`` (negative counts from the end) with the cursor on it."""
        total = self.window.total
        if total == 0:
            return
        row = max(0, min(total - 1, absolute_row if absolute_row >= 0 else total + absolute_row))
        with self.prevent(ResultsGrid.CursorMoved):
            self.move_cursor(row)
        self._load_around(row)

    def _load_around(self, row: int) -> None:
        query = self.request
        self._load(query, max(0, row - WINDOW // 2), row, count=self.window.request.filters != query.filters)

    def _load(self, query: TableQuery, offset: int, cursor: int, *, count: bool) -> None:
        self.request = query
        self._generation += 1
        generation = self._generation
        kept = self._windows.get((query, offset))
        if kept is not None:
            self._windows.move_to_end((query, offset))
            self.post_message(_WindowLoaded(generation, query, kept, cursor, offset))
            return
        # The count only changes with the filters (and the data); a window of known filters reuses it.
        known_total = self._counts.get(query.filters, None if count else self.window.total)
        self.reader.read(
            self,
            "window",
            lambda con: _fetch(con, query, offset, known_total),
            lambda fetched: _WindowLoaded(generation, query, fetched, cursor, offset),
            exclusive=False,  # the generation decides which window is shown
        )

    @on(_WindowLoaded)
    def _window_loaded(self, message: _WindowLoaded) -> None:
        fetched = message.fetched
        self._counts[message.request.filters] = fetched.total
        self._windows[(message.request, message.asked)] = fetched
        while len(self._windows) > KEPT_WINDOWS:
            self._windows.popitem(last=False)
        if message.generation != self._generation:
            return  # a newer request is on its way
        self.set_sort(message.request.sort, message.request.descending)
        self.set_window(fetched.total, fetched.offset, fetched.cells, fetched.ids, message.cursor)
        self.window = Window(message.request, fetched.offset, fetched.total, tuple(fetched.ids))
        self.post_message(self.WindowShown(self, self.window))

    @on(ResultsGrid.CursorMoved)
    def _cursor_moved(self, event: ResultsGrid.CursorMoved) -> None:
        window = self.window
        row = event.row - window.offset
        near_top = row < MARGIN and window.offset > 0
        near_bottom = row >= len(window.ids) - MARGIN and window.offset + len(window.ids) < window.total
        if near_top or near_bottom:
            self._load_around(event.row)

"""The grouped view: counts and best numbers per framework, workload, machine, ... and per scenario and batch
(never one number across scenarios); enter drills into a group."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.binding import BindingType
from textual.message import Message
from textual.widgets import DataTable

from fwtui import units
from fwtui.store.browse import GROUP_COLUMNS, Filters, group_rows
from screens.keys import vim_table_bindings
from screens.results.reading import SourceReader

KEPT_GROUPINGS = 32  # a few dozen rows each


@dataclass(frozen=True)
class GroupsQuery:
    filters: Filters
    by: str


class _GroupsLoaded(Message, bubble=False):
    def __init__(self, request: GroupsQuery, rows: list[tuple[Any, ...]]) -> None:
        super().__init__()
        self.request, self.rows = request, rows


class GroupsView(DataTable[Text]):
    """One row per group of the filtered results."""

    DEFAULT_CSS = "GroupsView { height: 1fr; }"
    BINDINGS: ClassVar[list[BindingType]] = vim_table_bindings()

    class Chosen(Message):
        """Enter on a group: ``value`` of the ``by`` column and its scenario (the area filters to both)."""

        def __init__(self, view: GroupsView, by: str, value: str, scenario: str | None) -> None:
            super().__init__()
            self.view, self.by, self.value, self.scenario = view, by, value, scenario

        @property
        def control(self) -> GroupsView:
            return self.view

    def __init__(self, reader: SourceReader, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True, fixed_columns=1)
        self.reader = reader
        self.request: GroupsQuery | None = None  # the grouping asked for last
        self.values: list[Any] = []  # each row's group value, in row order
        self.scenarios: list[Any] = []  # each row's scenario, in row order
        self._kept: dict[GroupsQuery, list[tuple[Any, ...]]] = {}  # groups read, until the data changes

    def forget(self) -> None:
        """The data changed (or the source did): read the groups again."""
        self._kept.clear()

    def on_mount(self) -> None:
        for header in GROUP_COLUMNS:
            self.add_column(header, key=header)

    def show(self, filters: Filters, by: str) -> None:
        query = self.request = GroupsQuery(filters, by)
        if query in self._kept:
            self.post_message(_GroupsLoaded(query, self._kept[query]))
            return
        self.reader.read(
            self,
            "groups",
            lambda con: group_rows(con, query.filters, query.by),
            lambda rows: _GroupsLoaded(query, rows),
        )

    @on(_GroupsLoaded)
    def _loaded(self, message: _GroupsLoaded) -> None:
        if len(self._kept) >= KEPT_GROUPINGS:
            self._kept.pop(next(iter(self._kept)))
        self._kept[message.request] = message.rows
        if message.request != self.request:
            return  # asked for another grouping meanwhile
        self.clear()
        for index, row in enumerate(message.rows):
            name, scenario, batch, results, ok, median_p50, best_p50, best_thr, flagged = row
            self.add_row(
                Text(units.MISSING if name is None else str(name)),
                Text(units.MISSING if scenario is None else str(scenario)),
                Text(units.count(batch), justify="right"),
                Text(units.count(results), justify="right"),
                Text(units.count(ok), justify="right"),
                Text(units.latency_ms(median_p50), justify="right"),
                Text(units.latency_ms(best_p50), justify="right"),
                Text(units.throughput(best_thr, unit=False), justify="right"),
                Text(units.count(flagged), justify="right"),
                key=f"group-{index}",
                label=None,
            )
        self.values = [row[0] for row in message.rows]
        self.scenarios = [row[1] for row in message.rows]

    @on(DataTable.RowSelected)
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        request, row = self.request, event.cursor_row
        if request is None or row >= len(self.values) or self.values[row] is None:
            return
        scenario = self.scenarios[row]
        self.post_message(self.Chosen(self, request.by, str(self.values[row]), scenario and str(scenario)))

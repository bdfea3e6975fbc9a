"""The Results area: browse, filter, sort, group, chart and compare stored results, and query them in SQL.

Only a window of rows (``WINDOW``) is ever fetched: moving the cursor near either end of the window fetches
the window around it, so the table stays responsive at millions of results. Every database call runs in a
thread worker with its own cursor and posts a message; the handlers own the state.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
from rich.console import RenderableType
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import ContentSwitcher, DataTable, Input, Select, Static

from fwtui.errors import FwtuiError
from fwtui.store.browse import (
    GROUP_BY,
    GROUP_COLUMNS,
    SORT_KEYS,
    TABLE_COLUMNS,
    ChartData,
    Filters,
    ResultsSource,
    chart_data,
    count_rows,
    fetch_window,
    filter_options,
    group_rows,
    open_source,
    parse_date,
    result_detail,
    result_samples,
    results_by_ids,
)
from screens.areas import Area
from screens.context import AppContext
from screens.messages import ResultsChanged, ShowResults
from screens.results_grid import GridColumn, ResultsGrid
from screens.results_render import chart_renderable, compare_renderable, detail_renderable, fmt
from screens.results_widgets import ExportDialog, HistoryInput

WINDOW = 120  # rows held by the table at once
MARGIN = 20  # when the cursor comes this close to a window edge, fetch the window around it

HELP_TEXT = """\
# Results

Every stored result, from this machine and any imported ones. The table holds a window of rows and
fetches more as you scroll, so it stays quick with millions of results.

| key | does |
|---|---|
| `↑` `↓` `pgup` `pgdn` | move; the window follows |
| `home` / `end` | first / last row |
| `←` `→` | pan to the other columns (p95, cv, batch, size, device, machine, date, run) |
| `enter` | details of the result: every statistic, its flags explained, environment, histogram |
| `space` | mark/unmark a result; `c` compares the marked ones (ratios, Mann-Whitney U) |
| `o` / `r` | sort by the next column / reverse the order (or click a column header) |
| `g` | group by framework, workload, machine, scenario, device or variant (enter drills in) |
| `p` | charts: p50 and throughput per framework, and the latency percentiles |
| `/` | SQL console (read-only; `↑` `↓` recall earlier queries; a query name such as `leaderboard` runs it) |
| `x` | export the database (Parquet, CSV or JSON) |
| `a` | show all runs (clear the run filter) |
| `f5` | reload |
| `escape` | back to the table |

**Filters** (top two rows): framework, workload, scenario, device, machine, status and a date range
(`YYYY-MM-DD`, press enter). Flags such as `high_variance` or `output_mismatch` mean a number should
not be trusted; the detail view explains each. Results marked *external* are published numbers kept for
reference, never measured here.

Headless: `fwtui query NAME|SQL`, `fwtui export`, `fwtui import`, `fwtui sample-data`.
"""

_SELECT_FILTERS: tuple[tuple[str, str], ...] = (
    ("framework", "framework"),
    ("workload", "workload"),
    ("scenario", "scenario"),
    ("device", "device"),
    ("machine", "machine_id"),
    ("status", "status"),
)
_NUMERIC = {"batch", "p50 ms", "p95 ms", "samples/s", "cv"}
_WIDTHS = {
    "framework": 11, "variant": 8, "workload": 11, "size": 6, "scenario": 10, "batch": 5, "device": 6,
    "status": 11, "p50 ms": 9, "p95 ms": 9, "samples/s": 10, "cv": 6, "flags": 16, "machine": 20,
    "created": 16, "run": 12,
}  # fmt: skip
GRID_COLUMNS = [GridColumn(" ", 1)] + [
    GridColumn(header, _WIDTHS.get(header, 10), header in _NUMERIC) for header, _ in TABLE_COLUMNS
]


# -- messages posted by the workers ---------------------------------------------------------------


class SourceOpened(Message):
    def __init__(self, source: ResultsSource, options: dict[str, list[str]], note: str | None) -> None:
        super().__init__()
        self.source, self.options, self.note = source, options, note


class OptionsLoaded(Message):
    def __init__(self, options: dict[str, list[str]]) -> None:
        super().__init__()
        self.options = options


class WindowLoaded(Message):
    def __init__(
        self, generation: int, total: int, offset: int, rows: list[tuple[Any, ...]], cursor: int
    ) -> None:
        super().__init__()
        self.generation, self.total, self.offset, self.rows, self.cursor = (
            generation,
            total,
            offset,
            rows,
            cursor,
        )


class GroupsLoaded(Message):
    def __init__(self, generation: int, by: str, rows: list[tuple[Any, ...]]) -> None:
        super().__init__()
        self.generation, self.by, self.rows = generation, by, rows


class ViewLoaded(Message):
    """A detail, comparison or chart view is ready to show."""

    def __init__(self, view: str, renderable: RenderableType) -> None:
        super().__init__()
        self.view, self.renderable = view, renderable


class SqlDone(Message):
    def __init__(self, columns: list[str], rows: list[tuple[Any, ...]], more: bool, elapsed_s: float) -> None:
        super().__init__()
        self.columns, self.rows, self.more, self.elapsed_s = columns, rows, more, elapsed_s


class Exported(Message):
    def __init__(self, fmt: str, out: Path, tables: int) -> None:
        super().__init__()
        self.fmt, self.out, self.tables = fmt, out, tables


class LoadFailed(Message):
    def __init__(self, what: str, error: str) -> None:
        super().__init__()
        self.what, self.error = what, error


@dataclass
class Window:
    """The rows the table holds: ``ids[i]`` is the result at absolute row ``offset + i``."""

    offset: int = 0
    total: int = 0
    ids: tuple[str, ...] = ()


def _cell_text(header: str, value: Any) -> str:
    if header in _NUMERIC:
        return fmt(value)
    return "—" if value is None or value == "" else str(value)


class ResultsArea(Area):
    area_id = "results"
    help_text = HELP_TEXT

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "detail", "Detail", show=False),
        Binding("space", "mark", "Mark"),
        Binding("c", "compare", "Compare"),
        Binding("o", "cycle_sort", "Sort"),
        Binding("r", "reverse_sort", "Reverse", show=False),
        Binding("g", "cycle_group", "Group"),
        Binding("p", "charts", "Charts"),
        Binding("slash", "sql", "SQL", key_display="/"),
        Binding("x", "export", "Export"),
        Binding("a", "all_runs", "All runs", show=False),
        Binding("f5", "reload", "Reload", show=False),
        Binding("escape", "back", "Back", show=False),
    ]

    DEFAULT_CSS = """
    ResultsArea { layout: vertical; }
    ResultsArea #results-filters { height: auto; }
    ResultsArea .filter-row { height: 1; }
    ResultsArea .filter-row > Select { width: 1fr; margin-right: 1; }
    ResultsArea .filter-row > Input { width: 1fr; margin-right: 1; }
    ResultsArea .filter-row > #filter-machine { width: 4fr; }
    ResultsArea .filter-row > #filter-group { width: 3fr; }
    ResultsArea .filter-row > #filter-status { width: 2fr; }
    ResultsArea .filter-row > #filter-from, ResultsArea .filter-row > #filter-to { width: 2fr; }
    ResultsArea #results-status { height: 1; color: $text-muted; }
    ResultsArea #results-status.error { color: $error; }
    ResultsArea #results-views { height: 1fr; }
    ResultsArea DataTable { height: 1fr; }
    ResultsArea #results-sql { height: 1fr; }
    ResultsArea #results-sql-message { height: auto; max-height: 3; }
    ResultsArea #results-sql-message.error { color: $error; }
    """

    def __init__(self, context: AppContext, **kwargs: object) -> None:
        super().__init__(context, **kwargs)
        self.source: ResultsSource | None = None
        self.filters = Filters()
        self.sort = "created"
        self.descending = True
        self.group_by: str | None = None
        self.window = Window()
        self.marked: dict[str, str] = {}  # result id -> short label, in marking order
        self.view = "results-table"
        self.options: dict[str, list[str]] = {}
        self._generation = 0
        self._machine_labels: dict[str, str] = {}
        self._group_values: list[Any] = []
        self.exported_to: Path | None = None
        self.windows_shown = 0  # windows painted so far (tests and benchmarks wait on it)
        self._note: str | None = None
        self.loading = True

    # -- layout ---------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Vertical(id="results-filters"):
            with Horizontal(classes="filter-row"):
                for label, _ in _SELECT_FILTERS[:4]:
                    yield Select([], prompt=label, compact=True, id=f"filter-{label}")
            with Horizontal(classes="filter-row"):
                for label, _ in _SELECT_FILTERS[4:]:
                    yield Select([], prompt=label, compact=True, id=f"filter-{label}")
                yield Input(placeholder="from date", compact=True, id="filter-from")
                yield Input(placeholder="to date", compact=True, id="filter-to")
                yield Select(
                    [(f"by {name}", name) for name in GROUP_BY],
                    prompt="group by",
                    compact=True,
                    id="filter-group",
                )
        yield Static("opening…", id="results-status")
        with ContentSwitcher(initial="results-table", id="results-views"):
            yield ResultsGrid(GRID_COLUMNS, id="results-table")
            yield DataTable(id="results-groups", cursor_type="row", zebra_stripes=True)
            with VerticalScroll(id="results-detail"):
                yield Static(id="results-detail-body")
            with VerticalScroll(id="results-compare"):
                yield Static(id="results-compare-body")
            with VerticalScroll(id="results-chart"):
                yield Static(id="results-chart-body")
            with Vertical(id="results-sql"):
                yield HistoryInput(placeholder="SQL or a query name (leaderboard, speedup, …), enter runs it",
                                   id="results-sql-input")  # fmt: skip
                yield Static("", id="results-sql-message")
                yield DataTable(id="results-sql-table", zebra_stripes=True)

    def on_mount(self) -> None:
        groups = self.query_one("#results-groups", DataTable)
        for header in GROUP_COLUMNS:
            groups.add_column(header, key=header)
        self._open_source()

    def on_unmount(self) -> None:
        if self.source is not None:
            self.source.close()
            self.source = None

    def focus_default(self) -> None:
        widget_id = {"results-sql": "#results-sql-input"}.get(self.view, f"#{self.view}")
        self.query_one(widget_id).focus()

    # -- opening --------------------------------------------------------------------------------

    @work(thread=True, exit_on_error=False, group="results-open")
    def _open_source(self) -> None:
        try:
            source, note = self._connect(self.context)
            options = filter_options(source.cursor())
        except FwtuiError as exc:
            self.post_message(LoadFailed("open", str(exc)))
            return
        except Exception as exc:  # an unexpected failure must not take the app down
            self.post_message(LoadFailed("open", f"cannot open {self.context.results_source}: {exc}"))
            return
        self.post_message(SourceOpened(source, options, note))

    @staticmethod
    def _connect(context: AppContext) -> tuple[ResultsSource, str | None]:
        if context.browsing_stored:
            return open_source(context.results_source, read_only=True), None
        # The local database: the same read-write instance the benchmark writes to (DuckDB refuses a
        # read-only and a read-write handle on one file in one process); this area only reads.
        from fwtui.store.sample import ensure_first_launch

        source = open_source(context.db_path, read_only=False)
        assert source.store is not None
        loaded = ensure_first_launch(source.store)
        note = (
            f"sample data loaded ({loaded.summary()}); `fwtui sample-data remove` deletes it"
            if loaded
            else None
        )
        return source, note

    def on_source_opened(self, message: SourceOpened) -> None:
        self.source = message.source
        self._note = message.note
        self._apply_options(message.options)
        self.loading = False
        self._reload_rows()
        if message.note:
            self.notify(message.note, title="Results")
            self.app.post_message(ResultsChanged(None))

    def on_load_failed(self, message: LoadFailed) -> None:
        self.loading = False
        if message.what in ("open", "window", "groups", "options"):
            self._set_status(message.error, error=True)
        if message.what == "sql":
            self._sql_message(message.error, error=True)
        elif message.what in ("detail", "compare", "chart", "export"):
            self.notify(message.error, severity="error", title="Results")

    # -- filters --------------------------------------------------------------------------------

    def _apply_options(self, options: dict[str, list[str]]) -> None:
        self.options = options
        self._machine_labels = {}
        for label, _ in _SELECT_FILTERS:
            select = self.query_one(f"#filter-{label}", Select)
            current = select.value
            if label == "machine":
                pairs = [tuple(item.split("\t", 1)) for item in options.get("machine", [])]
                self._machine_labels = {mid: name for mid, name in pairs}
                choices = [(name, mid) for mid, name in pairs]
            else:
                choices = [(value, value) for value in options.get(label, [])]
            with select.prevent(Select.Changed):
                select.set_options(choices)
                if current is not Select.NULL and any(current == v for _, v in choices):
                    select.value = current

    def _filters_from_widgets(self) -> Filters:
        values: dict[str, Any] = {}
        for label, field_name in _SELECT_FILTERS:
            value = self.query_one(f"#filter-{label}", Select).value
            values[field_name] = None if value is Select.NULL else str(value)
        values["date_from"] = parse_date(self.query_one("#filter-from", Input).value)
        values["date_to"] = parse_date(self.query_one("#filter-to", Input).value)
        return Filters(run_id=self.filters.run_id, **values)

    @on(Select.Changed)
    def _select_changed(self, event: Select.Changed) -> None:
        if event.select.id == "filter-group":
            event.stop()
            self._set_group(None if event.value is Select.NULL else str(event.value))
        elif event.select.id and event.select.id.startswith("filter-"):
            event.stop()
            self._refilter()

    @on(Input.Submitted, "#filter-from, #filter-to")
    def _date_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._refilter()

    def _refilter(self) -> None:
        try:
            filters = self._filters_from_widgets()
        except FwtuiError as exc:
            self._set_status(f"{exc} (use YYYY-MM-DD or YYYY-MM-DD HH:MM)", error=True)
            return
        if filters != self.filters:
            self.filters = filters
            self._reload_rows()

    def set_filters(self, filters: Filters) -> None:
        """Show exactly ``filters`` (used when another area asks for one run)."""
        self.filters = filters
        for label, field_name in _SELECT_FILTERS:
            select = self.query_one(f"#filter-{label}", Select)
            value = getattr(filters, field_name)
            with select.prevent(Select.Changed):
                if value is None:
                    select.clear()
                else:
                    select.value = value
        for widget_id, value in (("#filter-from", filters.date_from), ("#filter-to", filters.date_to)):
            self.query_one(widget_id, Input).value = "" if value is None else value.isoformat(sep=" ")
        self._reload_rows()

    # -- the windowed table ---------------------------------------------------------------------

    def _reload_rows(self, *, keep_position: bool = False) -> None:
        if self.source is None:
            return
        # The grid's cursor counts over every matching row, not just the fetched window.
        position = self.query_one("#results-table", ResultsGrid).cursor if keep_position else 0
        self._load_window(max(0, position - WINDOW // 2) if keep_position else 0, position, count=True)
        if self.group_by is not None:
            self._load_groups()

    def _next_generation(self) -> int:
        self._generation += 1
        return self._generation

    def _load_window(self, offset: int, absolute_cursor: int, *, count: bool) -> None:
        generation = self._next_generation()
        self._fetch_window(
            generation, self.filters, self.sort, self.descending, offset, absolute_cursor, count
        )

    @work(thread=True, exit_on_error=False, group="results-window")
    def _fetch_window(
        self,
        generation: int,
        filters: Filters,
        sort: str,
        descending: bool,
        offset: int,
        absolute_cursor: int,
        count: bool,
    ) -> None:
        source = self.source
        if source is None:
            return
        try:
            cursor = source.cursor()
            total = count_rows(cursor, filters) if count else self.window.total
            offset = max(0, min(offset, max(0, total - WINDOW)))
            rows = fetch_window(
                cursor, filters, sort=sort, descending=descending, offset=offset, limit=WINDOW
            )
        except Exception as exc:
            self.post_message(LoadFailed("window", self._error_text(exc)))
            return
        self.post_message(WindowLoaded(generation, total, offset, rows, absolute_cursor))

    def on_window_loaded(self, message: WindowLoaded) -> None:
        if message.generation != self._generation:
            return  # a newer request is on its way
        headers = [h for h, _ in TABLE_COLUMNS]
        rows = [["", *(_cell_text(h, row[i]) for i, h in enumerate(headers))] for row in message.rows]
        ids = [str(row[-1]) for row in message.rows]
        grid = self.query_one("#results-table", ResultsGrid)
        grid.marked = set(self.marked)
        grid.set_sort(self.sort, self.descending)
        grid.set_window(message.total, message.offset, rows, ids, message.cursor)
        self.window = Window(message.offset, message.total, tuple(ids))
        self.windows_shown += 1
        self._update_status()

    @on(ResultsGrid.CursorMoved, "#results-table")
    def _cursor_moved(self, event: ResultsGrid.CursorMoved) -> None:
        self._update_status()
        window = self.window
        row = event.row - window.offset
        near_top = row < MARGIN and window.offset > 0
        near_bottom = row >= len(window.ids) - MARGIN and window.offset + len(window.ids) < window.total
        if near_top or near_bottom:
            self._load_window(max(0, event.row - WINDOW // 2), event.row, count=False)

    @on(ResultsGrid.HeaderClicked, "#results-table")
    def _header_clicked(self, event: ResultsGrid.HeaderClicked) -> None:
        if event.key in SORT_KEYS:
            self._set_sort(event.key, toggle=True)

    @on(ResultsGrid.RowChosen, "#results-table")
    def _row_chosen(self, event: ResultsGrid.RowChosen) -> None:
        self.action_detail()

    def jump_to(self, absolute_row: int) -> None:
        """Show the window around ``absolute_row`` (negative counts from the end) with the cursor on it."""
        total = self.window.total
        if total == 0:
            return
        row = max(0, min(total - 1, absolute_row if absolute_row >= 0 else total + absolute_row))
        grid = self.query_one("#results-table", ResultsGrid)
        with grid.prevent(ResultsGrid.CursorMoved):
            grid.move_cursor(row)
        self._load_window(max(0, row - WINDOW // 2), row, count=False)

    def _set_sort(self, key: str, *, toggle: bool = False) -> None:
        if toggle and key == self.sort:
            self.descending = not self.descending
        else:
            self.sort = key
            self.descending = key in ("created", "samples/s", "flags")  # newest, fastest, most flagged first
        self._load_window(0, 0, count=False)

    def action_cycle_sort(self) -> None:
        keys = list(SORT_KEYS)
        self._set_sort(keys[(keys.index(self.sort) + 1) % len(keys)])

    def action_reverse_sort(self) -> None:
        self._set_sort(self.sort, toggle=True)

    # -- grouping -------------------------------------------------------------------------------

    def action_cycle_group(self) -> None:
        choices = [None, *GROUP_BY]
        following = choices[(choices.index(self.group_by) + 1) % len(choices)]
        select = self.query_one("#filter-group", Select)
        with select.prevent(Select.Changed):
            if following is None:
                select.clear()
            else:
                select.value = following
        self._set_group(following)

    def _set_group(self, by: str | None) -> None:
        self.group_by = by
        if by is None:
            self._show("results-table")
        else:
            self._load_groups()
            self._show("results-groups")
        self._update_status()

    def _load_groups(self) -> None:
        if self.source is None or self.group_by is None:
            return
        self._fetch_groups(self._generation, self.filters, self.group_by)

    @work(thread=True, exit_on_error=False, group="results-groups")
    def _fetch_groups(self, generation: int, filters: Filters, by: str) -> None:
        source = self.source
        if source is None:
            return
        try:
            rows = group_rows(source.cursor(), filters, by)
        except Exception as exc:
            self.post_message(LoadFailed("groups", self._error_text(exc)))
            return
        self.post_message(GroupsLoaded(generation, by, rows))

    def on_groups_loaded(self, message: GroupsLoaded) -> None:
        if message.by != self.group_by:
            return
        table = self.query_one("#results-groups", DataTable)
        table.clear()
        for index, row in enumerate(message.rows):
            name, results, ok, median_p50, best_p50, best_thr, flagged = row
            table.add_row(
                Text("—" if name is None else str(name)),
                Text(f"{results:,}", justify="right"),
                Text(f"{ok:,}", justify="right"),
                Text(fmt(median_p50), justify="right"),
                Text(fmt(best_p50), justify="right"),
                Text(fmt(best_thr), justify="right"),
                Text(f"{flagged:,}", justify="right"),
                key=f"group-{index}",
                label=None,
            )
        self._group_values = [row[0] for row in message.rows]
        self._update_status()

    @on(DataTable.RowSelected, "#results-groups")
    def _group_selected(self, event: DataTable.RowSelected) -> None:
        """Enter on a group: filter to it and show its rows."""
        values = self._group_values
        if self.group_by is None or event.cursor_row >= len(values) or values[event.cursor_row] is None:
            return
        value = str(values[event.cursor_row])
        field_name = {
            "framework": "framework",
            "workload": "workload",
            "scenario": "scenario",
            "device": "device",
        }
        if self.group_by in field_name:
            changes = {field_name[self.group_by]: value}
        elif self.group_by == "machine":
            ids = [mid for mid, label in self._machine_labels.items() if label == value] or [value]
            changes = {"machine_id": ids[0]}
        else:
            framework = value.split(" ", 1)[0]
            changes = {"framework": framework}
        select = self.query_one("#filter-group", Select)
        with select.prevent(Select.Changed):
            select.clear()
        self.group_by = None
        self.set_filters(self.filters.with_(**changes))
        self._show("results-table")

    # -- detail, compare, charts ----------------------------------------------------------------

    def _current_result_id(self) -> str | None:
        return self.query_one("#results-table", ResultsGrid).current_id

    def action_detail(self) -> None:
        if self.view != "results-table":
            return
        result_id = self._current_result_id()
        if result_id is not None:
            self._run_view("detail", lambda cursor: self._detail(cursor, result_id))

    @staticmethod
    def _detail(cursor: Any, result_id: str) -> RenderableType:
        from fwtui.store.explain import flag_explanations

        detail = result_detail(cursor, result_id)
        if detail is None:
            raise FwtuiError(f"result {result_id} is no longer in the database")
        return detail_renderable(detail, result_samples(cursor, result_id), flag_explanations())

    def action_mark(self) -> None:
        if self.view != "results-table":
            return
        grid = self.query_one("#results-table", ResultsGrid)
        result_id = grid.current_id
        if result_id is None:
            return
        if result_id in self.marked:
            del self.marked[result_id]
        else:
            self.marked[result_id] = result_id
        grid.toggle_mark(result_id)
        grid.action_move(1)
        self._update_status()

    def action_compare(self) -> None:
        if len(self.marked) < 2:
            self.notify("Mark two or more results with space, then press c.", title="Compare")
            return
        ids = list(self.marked)[:6]
        self._run_view("compare", lambda cursor: self._comparison(cursor, ids))

    @staticmethod
    def _comparison(cursor: Any, ids: list[str]) -> RenderableType:
        details = results_by_ids(cursor, ids)
        if len(details) < 2:
            raise FwtuiError("the marked results are no longer in the database")
        samples: list[np.ndarray] = [result_samples(cursor, str(d["result_id"])) for d in details]
        return compare_renderable(details, samples)

    def action_charts(self) -> None:
        filters = self.filters
        self._run_view("chart", lambda cursor: self._chart(cursor, filters))

    @staticmethod
    def _chart(cursor: Any, filters: Filters) -> RenderableType:
        data: ChartData = chart_data(cursor, filters)
        return chart_renderable(data)

    def _run_view(self, view: str, build: Callable[[Any], RenderableType]) -> None:
        if self.source is None:
            return
        self._build_view(view, build)

    @work(thread=True, exit_on_error=False, group="results-view", exclusive=True)
    def _build_view(self, view: str, build: Callable[[Any], RenderableType]) -> None:
        source = self.source
        if source is None:
            return
        try:
            renderable = build(source.cursor())
        except Exception as exc:
            self.post_message(LoadFailed(view, self._error_text(exc)))
            return
        self.post_message(ViewLoaded(view, renderable))

    def on_view_loaded(self, message: ViewLoaded) -> None:
        self.query_one(f"#results-{message.view}-body", Static).update(message.renderable)
        self._show(f"results-{message.view}")
        self.query_one(f"#results-{message.view}").scroll_home(animate=False)

    # -- SQL console ----------------------------------------------------------------------------

    def action_sql(self) -> None:
        self._show("results-sql")

    @on(Input.Submitted, "#results-sql-input")
    def _sql_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        text = event.value.strip()
        if not text or self.source is None:
            return
        if isinstance(event.input, HistoryInput):
            event.input.remember(text)
        self._sql_message("running…")
        self._run_sql(text)

    @work(thread=True, exit_on_error=False, group="results-sql", exclusive=True)
    def _run_sql(self, text: str) -> None:
        from fwtui.store.console import run_console_query

        source = self.source
        if source is None:
            return
        try:
            result = run_console_query(source.cursor(), text)
        except Exception as exc:
            self.post_message(LoadFailed("sql", self._error_text(exc)))
            return
        self.post_message(SqlDone(list(result.columns), list(result.rows), result.truncated, result.elapsed_s))

    def on_sql_done(self, message: SqlDone) -> None:
        table = self.query_one("#results-sql-table", DataTable)
        table.clear(columns=True)
        for column in message.columns:
            table.add_column(Text(column))
        for row in message.rows:
            table.add_row(
                *(Text(fmt(v), justify="right" if isinstance(v, int | float) else "left") for v in row)
            )
        shown = f"first {len(message.rows):,} rows" if message.more else f"{len(message.rows):,} rows"
        self._sql_message(f"{shown} in {message.elapsed_s * 1000:.0f} ms")

    def _sql_message(self, text: str, *, error: bool = False) -> None:
        widget = self.query_one("#results-sql-message", Static)
        widget.update(Text(text))
        widget.set_class(error, "error")

    # -- export, reload, navigation -------------------------------------------------------------

    def action_export(self) -> None:
        if self.source is None:
            return

        def chosen(answer: tuple[str, Path] | None) -> None:
            if answer is not None:
                self._export(*answer)

        self.app.push_screen(ExportDialog(), chosen)

    @work(thread=True, exit_on_error=False, group="results-export")
    def _export(self, fmt_name: str, out: Path) -> None:
        from fwtui.store.importexport import export_database

        source = self.source
        if source is None:
            return
        try:
            written = export_database(source.cursor(), out, fmt_name)
        except Exception as exc:
            self.post_message(LoadFailed("export", self._error_text(exc)))
            return
        self.post_message(Exported(fmt_name, out, len(written)))

    def on_exported(self, message: Exported) -> None:
        self.exported_to = message.out
        self.notify(f"exported {message.tables} tables as {message.fmt} to {message.out}", title="Export")

    def action_reload(self) -> None:
        self._refresh_options()
        self._reload_rows(keep_position=True)

    @work(thread=True, exit_on_error=False, group="results-options")
    def _refresh_options(self) -> None:
        source = self.source
        if source is None:
            return
        try:
            options = filter_options(source.cursor())
        except Exception as exc:
            self.post_message(LoadFailed("options", self._error_text(exc)))
            return
        self.post_message(OptionsLoaded(options))

    def on_options_loaded(self, message: OptionsLoaded) -> None:
        self._apply_options(message.options)

    def action_all_runs(self) -> None:
        if self.filters.run_id is not None:
            self.filters = self.filters.with_(run_id=None)
            self._reload_rows()

    def action_back(self) -> None:
        self._show("results-groups" if self.group_by else "results-table")

    def _show(self, view: str) -> None:
        self.view = view
        self.query_one("#results-views", ContentSwitcher).current = view
        self.focus_default()

    def on_results_changed(self, message: ResultsChanged) -> None:
        message.stop()  # the app broadcast it to every area; it must not bubble back up
        if not self.context.browsing_stored and self.source is not None:
            self.action_reload()

    def on_show_results(self, message: ShowResults) -> None:
        message.stop()
        self.marked.clear()
        self.group_by = None
        self._show("results-table")
        self.set_filters(Filters(run_id=message.run_id))

    # -- status line ----------------------------------------------------------------------------

    def _set_status(self, text: str, *, error: bool = False) -> None:
        status = self.query_one("#results-status", Static)
        status.update(Text(text))
        status.set_class(error, "error")

    def _update_status(self) -> None:
        window = self.window
        if window.total == 0:
            text = (
                "no results match"
                if self._filtered()
                else "no results yet: run a benchmark (2) or import some"
            )
        else:
            first = window.offset + 1
            last = window.offset + len(window.ids)
            row = self.query_one("#results-table", ResultsGrid).cursor + 1
            text = f"rows {first:,}–{last:,} of {window.total:,} · row {row:,}"
        arrow = "↓" if self.descending else "↑"
        parts = [text, f"sort {self.sort} {arrow}"]
        if self.group_by:
            parts.append(f"grouped by {self.group_by}")
        if self.filters.run_id:
            parts.append(f"run {self.filters.run_id[:12]} (a: all)")
        if self.marked:
            parts.append(f"{len(self.marked)} marked")
        if self.source is not None and not self.source.writable:
            parts.append(f"{self.source.kind} {self.source.path.name} (read-only)")
        self._set_status(" · ".join(parts))

    def _filtered(self) -> bool:
        return self.filters != Filters()

    @staticmethod
    def _error_text(exc: BaseException) -> str:
        import duckdb

        if isinstance(exc, duckdb.Error):
            return f"database error: {str(exc).strip().splitlines()[0]}"
        if isinstance(exc, FwtuiError):
            return str(exc)
        return f"{type(exc).__name__}: {exc}"

"""The Results area: browse, filter, sort, group, chart and compare stored results, and query them in SQL.

The area is a coordinator. It holds what the user asked for (filters, sort, grouping, marks, the view
shown) and hands it to its views, each a widget that reads in its own thread worker and posts messages:
the filter bar, the windowed table, the groups, the detail, compare and chart reports, the SQL console,
the exporter and the status line.
"""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import ContentSwitcher

from fwtui.store.browse import GROUP_BY, SORT_KEYS, Filters, group_workload
from screens.areas import Area
from screens.context import AppContext
from screens.messages import LocalDatabaseChanged, ResultsChanged, ShowResults
from screens.results.console import SqlConsole
from screens.results.export import Exporter
from screens.results.filters import FilterBar
from screens.results.find import FindBar
from screens.results.grid import ResultsGrid
from screens.results.groups import GroupsView
from screens.results.help import HELP_TEXT
from screens.results.machines import MachinesView
from screens.results.opening import SourceOpened, open_browsed
from screens.results.pickers import SortPicker
from screens.results.reading import LoadFailed, SourceReader, run_read
from screens.results.remembered import load_view, save_view
from screens.results.reports import ChartView, CompareView, DetailView, ReportView
from screens.results.status import StatusLine, StatusSummary
from screens.results.table import GRID_COLUMNS, ResultsTable, TableQuery

# Failures of these reads are notified; the others (open, options, window, groups) go on the status line.
_NOTIFIED_FAILURES = frozenset({"detail", "compare", "chart", "export", "machines"})
_MAX_COMPARED = 6


class ResultsArea(Area):
    area_id = "results"
    help_text = HELP_TEXT

    # Footer order: what is used most first; at 80 columns the footer keeps the app's ? Help and q Quit,
    # so only the first few show there (every one is in the help and the command palette).
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "detail", "Detail", show=False),
        Binding("slash", "find", "Find", key_display="/"),
        Binding("s", "sort_current", "Sort"),
        Binding("space", "mark", "Mark", show=False),
        Binding("c", "compare", "Compare marked", show=False),
        Binding("S", "pick_sort", "Sort by column…", show=False),
        Binding("b", "cycle_group", "Group by", show=False),
        Binding("p", "charts", "Charts (plot)", show=False),
        Binding("colon", "sql", "SQL console", key_display=":"),
        Binding("e", "export", "Export results", show=False),
        Binding("M", "machines", "Machines side by side", show=False),
        Binding("a", "all_runs", "All runs", show=False),
        Binding("f5,ctrl+r", "reload", "Reload", show=False),
        Binding("escape", "back", "Back", show=False),
    ]

    DEFAULT_CSS = """
    ResultsArea { layout: vertical; }
    ResultsArea #results-views { height: 1fr; }
    """

    def __init__(self, context: AppContext, **kwargs: object) -> None:
        super().__init__(context, **kwargs)
        self.reader = SourceReader()
        remembered = load_view()
        self.filters = remembered.filters
        self.sort = remembered.sort
        self.descending = remembered.descending
        self._remembered_note = remembered.note
        self.group_by: str | None = None
        self.marked: list[str] = []  # result ids in marking order; compare shows the first six
        self.view = "results-table"  # the id of the view shown
        self._awaited_report: str | None = None  # the report asked for last, shown when it is ready

    def compose(self) -> ComposeResult:
        yield FilterBar(self.reader, id="results-filters")
        yield StatusLine("opening…", id="results-status")
        yield FindBar(id="results-search")
        with ContentSwitcher(initial="results-table", id="results-views"):
            yield ResultsTable(self.reader, id="results-table")
            yield GroupsView(self.reader, id="results-groups")
            yield DetailView(self.reader, id="results-detail")
            yield CompareView(self.reader, id="results-compare")
            yield ChartView(self.reader, id="results-chart")
            yield MachinesView(self.reader, id="results-machines")
            yield SqlConsole(self.reader, id="results-sql")
        yield Exporter(self.reader)

    @property
    def table(self) -> ResultsTable:
        return self.query_one("#results-table", ResultsTable)

    def on_mount(self) -> None:
        if self._remembered_note:
            self.notify(self._remembered_note, title="Results", severity="warning", markup=False, timeout=30)
        self._open_source()

    def _open_source(self, *, retry: bool = False) -> None:
        context = self.context
        run_read(self, "open", lambda: open_browsed(context, retry=retry), lambda opened: opened)

    def on_unmount(self) -> None:
        self.reader.close()

    def focus_default(self) -> None:
        widget_id = {"results-sql": "#results-sql-input"}.get(self.view, f"#{self.view}")
        self.query_one(widget_id).focus()

    @on(SourceOpened)
    def _source_opened(self, message: SourceOpened) -> None:
        self.reader.source = message.source
        bar = self.query_one(FilterBar)
        bar.apply_options(message.options)
        self._forget()
        # Filters kept from the last launch that this source cannot match (another database) are dropped.
        kept = bar.offered(self.filters)
        if kept != self.filters:
            self.filters = kept
            self._remember()
        bar.show(self.filters)
        self._reload_rows()
        local = message.local
        if local is None:
            return
        if local.sample is not None:
            self.notify(
                f"Sample data loaded, so there is something to browse: {local.sample.added['results']:,} "
                "results, marked (sample) next to the framework. Press 2 to measure your own; "
                "fwtui sample-data remove deletes them.",
                title="Results",
                timeout=30,
                markup=False,
            )
            self.app.post_message(ResultsChanged(None, origin=self.area_id))
        if not local.access.writable:
            # What the app can do with its database is worth reading: it stays until read (or 30 s).
            self.notify(local.access.describe(), title="Results", severity="warning", markup=False, timeout=30)
        if local.changed:  # the other areas read (and write) it too
            self.app.post_message(LocalDatabaseChanged(local.access, origin=self.area_id))

    def on_load_failed(self, message: LoadFailed) -> None:
        if message.what in _NOTIFIED_FAILURES:
            self.notify(message.error, severity="error", title="Results", markup=False)
        else:
            self.query_one(StatusLine).show_error(message.error)

    # -- filters --------------------------------------------------------------------------------

    def on_filter_bar_changed(self, message: FilterBar.Changed) -> None:
        filters = message.filters.with_(run_id=self.filters.run_id, search=self.filters.search)
        if filters != self.filters:
            self.filters = filters
            self._remember()
            self._reload_rows()

    def on_filter_bar_invalid(self, message: FilterBar.Invalid) -> None:
        self.query_one(StatusLine).show_error(message.error)

    def set_filters(self, filters: Filters) -> None:
        """Show exactly ``filters`` (used when another area asks for one run)."""
        self.filters = filters
        self.query_one(FilterBar).show(filters)
        self.query_one(FindBar).show_text(filters.search)
        self._remember()
        self._reload_rows()

    def _forget(self) -> None:
        """The data may have changed: the views read again rather than show what they kept."""
        self.table.forget()
        self.query_one(GroupsView).forget()

    def _reload_rows(self, *, keep_position: bool = False) -> None:
        if self.reader.source is None:
            return
        self.table.show(TableQuery(self.filters, self.sort, self.descending), keep_position=keep_position)
        if self.group_by is not None:
            self.query_one(GroupsView).show(self.filters, self.group_by)

    # -- the table ------------------------------------------------------------------------------

    def on_results_table_window_shown(self, _: ResultsTable.WindowShown) -> None:
        self._update_status()

    @on(ResultsGrid.CursorMoved, "#results-table")
    def _cursor_moved(self, _: ResultsGrid.CursorMoved) -> None:
        self._update_status()

    @on(ResultsGrid.HeaderClicked, "#results-table")
    def _header_clicked(self, event: ResultsGrid.HeaderClicked) -> None:
        if event.key in SORT_KEYS:
            self._set_sort(event.key, toggle=True)

    @on(ResultsGrid.RowChosen, "#results-table")
    def _row_chosen(self, _: ResultsGrid.RowChosen) -> None:
        self.action_detail()

    def _set_sort(self, key: str, *, toggle: bool = False) -> None:
        if toggle and key == self.sort:
            self.descending = not self.descending
        else:
            self.sort = key
            self.descending = key in ("created", "samples/s", "flags")  # newest, fastest, most flagged first
        self._remember()
        if self.reader.source is not None:
            self.table.reorder(self.sort, self.descending)

    def action_sort_current(self) -> None:
        """Sort by the column under the cursor; the same column again reverses the order."""
        if self.view != "results-table":
            return
        key = self.table.current_column
        if key not in SORT_KEYS:
            self.notify(f"cannot sort by {key!r}", title="Sort", markup=False)
            return
        self._set_sort(key, toggle=True)

    def action_pick_sort(self) -> None:
        columns = [(c.key, c.header) for c in GRID_COLUMNS if c.key in SORT_KEYS]

        def chosen(key: str | None) -> None:
            if key is not None:
                self._set_sort(key, toggle=True)

        self.app.push_screen(SortPicker(columns, self.sort, self.descending), chosen)

    # -- find as you type (screens/results/find.py) ------------------------------------------------

    def action_find(self) -> None:
        if self.view != "results-table":
            self._show("results-table")
        self.query_one(FindBar).open()

    def on_find_bar_typed(self, message: FindBar.Typed) -> None:
        filters = self.filters.with_(search=message.text)
        if filters != self.filters:
            self.filters = filters
            self._reload_rows()

    def on_find_bar_kept(self, _: FindBar.Kept) -> None:
        self.table.focus()

    # -- grouping -------------------------------------------------------------------------------

    def action_cycle_group(self) -> None:
        choices = [None, *GROUP_BY]
        following = choices[(choices.index(self.group_by) + 1) % len(choices)]
        self.query_one(FilterBar).show_group(following)
        self._set_group(following)

    def on_filter_bar_group_chosen(self, message: FilterBar.GroupChosen) -> None:
        self._set_group(message.by)

    def _set_group(self, by: str | None) -> None:
        self.group_by = by
        if by is None:
            self._show("results-table")
        else:
            if self.reader.source is not None:
                self.query_one(GroupsView).show(self.filters, by)
            self._show("results-groups")
        self._update_status()

    def on_groups_view_chosen(self, message: GroupsView.Chosen) -> None:
        """Enter on a group: filter to it (and its scenario) and show its rows."""
        changes: dict[str, str | None] = {"scenario": message.scenario}
        if message.by == "workload":
            changes["workload"] = group_workload(message.value)  # a model's group names its hash too
        elif message.by in ("framework", "scenario", "device"):
            changes[message.by] = message.value
        elif message.by == "machine":
            changes["machine_id"] = self.query_one(FilterBar).machine_id(message.value)
        else:  # "framework/variant"
            changes["framework"] = message.value.split("/", 1)[0]
        self.query_one(FilterBar).show_group(None)
        self.group_by = None
        self.set_filters(self.filters.with_(**changes))
        self._show("results-table")

    # -- detail, marks, compare, charts ---------------------------------------------------------

    def action_detail(self) -> None:
        result_id = self.table.current_id if self.view == "results-table" else None
        if result_id is not None:
            view = self.query_one(DetailView)
            self._await_report(view, view.show(result_id))

    def action_mark(self) -> None:
        table = self.table
        result_id = table.current_id if self.view == "results-table" else None
        if result_id is None:
            return
        if result_id in self.marked:
            self.marked.remove(result_id)
        else:
            self.marked.append(result_id)
        table.toggle_mark(result_id)  # the cursor stays: marking is not moving
        self._update_status()

    def action_compare(self) -> None:
        if len(self.marked) < 2:
            self.notify("Mark two or more results with space, then press c.", title="Compare")
            return
        view = self.query_one(CompareView)
        self._await_report(view, view.show(self.marked[:_MAX_COMPARED]))

    def action_charts(self) -> None:
        view = self.query_one(ChartView)
        self._await_report(view, view.show(self.filters))

    def action_machines(self) -> None:
        view = self.query_one(MachinesView)
        self._await_report(view, view.show(self.filters))

    def _await_report(self, view: ReportView, started: bool) -> None:
        if started:
            self._awaited_report = view.id

    def on_report_view_ready(self, message: ReportView.Ready) -> None:
        if message.view.id == self._awaited_report and message.view.id is not None:
            self._show(message.view.id)

    # -- SQL console, export, reload, navigation ------------------------------------------------

    def action_sql(self) -> None:
        self._show("results-sql")

    def action_export(self) -> None:
        self.query_one(Exporter).ask()

    def action_reload(self) -> None:
        source = self.reader.source
        if source is None or (not self.context.browsing_stored and not source.writable):
            self._open_source(retry=True)  # whatever held the database may have let go of it
        elif self.context.browse_remote is not None:
            self.reader.close()
            self._open_source()  # a fleet store: read what has been pushed since
        else:
            self.query_one(FilterBar).reload_options()
            self._forget()
            self._reload_rows(keep_position=True)

    def action_all_runs(self) -> None:
        if self.filters.run_id is not None:
            self.filters = self.filters.with_(run_id=None)
            self._reload_rows()

    def action_back(self) -> None:
        if self.view == "results-table" and self.query_one(FindBar).clear_and_hide():
            self.table.focus()
            return
        self._show("results-groups" if self.group_by else "results-table")

    def _show(self, view: str) -> None:
        self.view = view
        self._awaited_report = None  # a report still on its way no longer takes the screen
        self.query_one("#results-views", ContentSwitcher).current = view
        self.focus_default()

    def on_results_changed(self, message: ResultsChanged) -> None:
        if not self.context.browsing_stored:
            self.action_reload()

    def on_local_database_changed(self, message: LocalDatabaseChanged) -> None:
        if not self.context.browsing_stored:
            self._open_source()  # already reopened by the sender: read what it is now

    def on_show_results(self, message: ShowResults) -> None:
        self.marked.clear()
        self.table.set_marks(())
        self.group_by = None
        self.query_one(FilterBar).show_group(None)
        self._show("results-table")
        self.set_filters(Filters(run_id=message.run_id))

    def _read_only_name(self, kind: str, name: str) -> str:
        access = None if self.context.browsing_stored else self.context.database.current()
        if access is not None and access.snapshot is not None:
            return f"a copy of {name} taken at {access.snapshot:%H:%M:%S}"
        return f"{kind} {name}"

    # -- kept between launches -----------------------------------------------------------------

    def _remember(self) -> None:
        if self.context.browsing_stored:
            return  # a stored source's filters are not the local database's
        try:
            save_view(self.filters, self.sort, self.descending)
        except OSError as exc:
            self.notify(f"could not keep the filters for the next launch: {exc}", severity="warning",
                        markup=False)  # fmt: skip

    # -- status line ----------------------------------------------------------------------------

    def _update_status(self) -> None:
        source = self.reader.source
        if source is None:
            return  # "opening…" or why it could not open
        table = self.table
        window = table.window
        self.query_one(StatusLine).show(
            StatusSummary(
                total=window.total,
                first=window.offset + 1,
                last=window.offset + len(window.ids),
                row=table.cursor + 1,
                sort=self.sort,
                descending=self.descending,
                filtered=self.filters != Filters(),
                group_by=self.group_by,
                run_id=self.filters.run_id,
                marked=len(self.marked),
                read_only_source=None if source.writable else self._read_only_name(source.kind, source.path.name),
            )
        )

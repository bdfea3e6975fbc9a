"""The filter bar: a select per column, a date range and the grouping; it says what the user chose."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Input, Select

from fwtui.errors import FwtuiError
from fwtui.store.browse import GROUP_BY, Filters, filter_options, parse_date
from fwtui.terminal_text import printable
from screens.results.reading import SourceReader

# (label, Filters field) for each select, in screen order: four on the first row, the rest on the second.
SELECT_FILTERS: tuple[tuple[str, str], ...] = (
    ("framework", "framework"),
    ("workload", "workload"),
    ("scenario", "scenario"),
    ("device", "device"),
    ("machine", "machine_id"),
    ("precision", "dtype"),
    ("status", "status"),
)


class _OptionsLoaded(Message, bubble=False):
    def __init__(self, options: dict[str, list[str]]) -> None:
        super().__init__()
        self.options = options


class FilterBar(Vertical):
    """Posts :class:`Changed` with the filters shown, :class:`Invalid` for a bad date, :class:`GroupChosen`."""

    DEFAULT_CSS = """
    FilterBar { height: auto; }
    FilterBar .filter-row { height: 1; }
    FilterBar .filter-row > Select { width: 1fr; margin-right: 1; }
    FilterBar .filter-row > Input { width: 1fr; margin-right: 1; }
    FilterBar .filter-row > #filter-machine { width: 4fr; }
    FilterBar .filter-row > #filter-group { width: 3fr; }
    FilterBar .filter-row > #filter-status { width: 2fr; }
    FilterBar .filter-row > #filter-from, FilterBar .filter-row > #filter-to { width: 2fr; }
    """

    class Changed(Message):
        """The user changed a filter; ``filters`` holds every filter the bar shows (no run)."""

        def __init__(self, filters: Filters) -> None:
            super().__init__()
            self.filters = filters

    class Invalid(Message):
        def __init__(self, error: str) -> None:
            super().__init__()
            self.error = error

    class GroupChosen(Message):
        def __init__(self, by: str | None) -> None:
            super().__init__()
            self.by = by

    def __init__(self, reader: SourceReader, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.reader = reader
        self.machine_labels: dict[str, str] = {}  # machine id -> label
        self.choices: dict[str, set[str]] = {}  # the values each select offers

    def compose(self) -> ComposeResult:
        with Horizontal(classes="filter-row"):
            for label, _ in SELECT_FILTERS[:4]:
                yield Select([], prompt=label, compact=True, id=f"filter-{label}")
        with Horizontal(classes="filter-row"):
            for label, _ in SELECT_FILTERS[4:]:
                yield Select([], prompt=label, compact=True, id=f"filter-{label}")
            yield Input(placeholder="from date", compact=True, id="filter-from")
            yield Input(placeholder="to date", compact=True, id="filter-to")
            yield Select(
                [(f"by {name}", name) for name in GROUP_BY],
                prompt="group by",
                compact=True,
                id="filter-group",
            )

    # -- what the selects offer -----------------------------------------------------------------

    def reload_options(self) -> None:
        self.reader.read(self, "options", filter_options, _OptionsLoaded)

    @on(_OptionsLoaded)
    def _options_loaded(self, message: _OptionsLoaded) -> None:
        self.apply_options(message.options)

    def apply_options(self, options: dict[str, list[str]]) -> None:
        """Offer these values; a chosen value that is still offered stays chosen."""
        for label, _ in SELECT_FILTERS:
            select = self.query_one(f"#filter-{label}", Select)
            current = select.value
            if label == "machine":
                pairs = [tuple(item.split("\t", 1)) for item in options.get("machine", [])]
                self.machine_labels = {mid: printable(name, newlines=False) for mid, name in pairs}
                choices = [(Text(printable(name, newlines=False)), mid) for mid, name in pairs]
            else:
                choices = [(Text(printable(value, newlines=False)), value) for value in options.get(label, [])]
            self.choices[label] = {value for _, value in choices}
            with select.prevent(Select.Changed):
                select.set_options(choices)
                if current is not Select.NULL and any(current == v for _, v in choices):
                    select.value = current

    def offered(self, filters: Filters) -> Filters:
        """``filters`` without the values these selects do not offer (a source that cannot match them)."""
        changes: dict[str, Any] = {}
        for label, field_name in SELECT_FILTERS:
            value = getattr(filters, field_name)
            if value is None:
                continue
            if value not in self.choices.get(label, ()):
                changes[field_name] = None
        return filters.with_(**changes) if changes else filters

    def machine_id(self, label: str) -> str:
        """The id of the machine shown as ``label`` (the label itself when none matches)."""
        return next((mid for mid, name in self.machine_labels.items() if name == label), label)

    # -- showing a state the area chose ---------------------------------------------------------

    def show(self, filters: Filters) -> None:
        """Show exactly ``filters``, without announcing it as a change."""
        for label, field_name in SELECT_FILTERS:
            select = self.query_one(f"#filter-{label}", Select)
            value = getattr(filters, field_name)
            with select.prevent(Select.Changed):
                if value is None:
                    select.clear()
                else:
                    select.value = value
        for widget_id, date in (("#filter-from", filters.date_from), ("#filter-to", filters.date_to)):
            self.query_one(widget_id, Input).value = "" if date is None else date.isoformat(sep=" ")

    def show_group(self, by: str | None) -> None:
        select = self.query_one("#filter-group", Select)
        with select.prevent(Select.Changed):
            if by is None:
                select.clear()
            else:
                select.value = by

    # -- the user's changes ---------------------------------------------------------------------

    @on(Select.Changed)
    def _select_changed(self, event: Select.Changed) -> None:
        event.stop()
        if event.select.id == "filter-group":
            self.post_message(self.GroupChosen(None if event.value is Select.NULL else str(event.value)))
        else:
            self._announce()

    @on(Input.Submitted, "#filter-from, #filter-to")
    def _date_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._announce()

    def _announce(self) -> None:
        try:
            filters = self._shown()
        except FwtuiError as exc:
            self.post_message(self.Invalid(f"{exc} (use YYYY-MM-DD or YYYY-MM-DD HH:MM)"))
            return
        self.post_message(self.Changed(filters))

    def _shown(self) -> Filters:
        values: dict[str, Any] = {}
        for label, field_name in SELECT_FILTERS:
            value = self.query_one(f"#filter-{label}", Select).value
            values[field_name] = None if value is Select.NULL else str(value)
        values["date_from"] = parse_date(self.query_one("#filter-from", Input).value)
        values["date_to"] = parse_date(self.query_one("#filter-to", Input).value)
        return Filters(**values)

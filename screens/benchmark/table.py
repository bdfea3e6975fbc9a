"""The table of results that fills in as runs finish, one row per result, keyed so it never jumps."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual.binding import BindingType
from textual.widgets import DataTable
from textual.widgets.data_table import RowDoesNotExist

from fwtui import units
from fwtui.bench.flags import FLAG_EXPLANATIONS
from fwtui.bench.result_record import ResultRecord
from fwtui.terminal_text import printable
from screens.keys import vim_table_bindings

# (column key, header)
# The numbers come right after what names the row, so they show beside the form at 80 columns.
COLUMNS: tuple[tuple[str, str], ...] = (
    ("framework", "framework"),
    ("workload", "workload"),
    ("scenario", "scenario"),
    ("p50", "p50"),  # per call, with its unit: µs below a millisecond
    ("throughput", "mean samples/s"),  # from the mean time per call, not from the p50
    ("variant", "variant"),
    ("batch", "batch"),
    ("p99", "p99"),
    ("compile", "compile s"),
    ("rss", "RSS MB"),
    ("status", "flags/status"),
)

STATUS_STYLES: dict[str, str] = {
    "ok": "green",
    "failed": "bold red",
    "timeout": "bold red",
    "unsupported": "yellow",
    "skipped": "yellow",
    "cancelled": "yellow",
}
REASON_WIDTH = 48


def _number(text: str) -> Text:
    """A right-aligned number; a missing one dimmed."""
    return Text(text, style="dim" if text == units.MISSING else "", justify="right")


def status_text(record: ResultRecord) -> Text:
    """``ok``, ``ok ⚑ high_variance`` or ``failed: <reason>``, coloured by status."""
    status = record.status or "ok"
    text = Text(status, style=STATUS_STYLES.get(status, ""))
    if record.flags:
        text.append(" ⚑ " + ",".join(record.flags), style="yellow")
    reason = record.reason
    if reason and status != "ok":
        short = " ".join(reason.split())
        if len(short) > REASON_WIDTH:
            short = short[: REASON_WIDTH - 1] + "…"
        text.append(f": {short}")
    return text


def row_cells(record: ResultRecord) -> dict[str, Text | str]:
    """The cells of one result row, by column key."""
    latency = record.latency_ms
    return {
        "framework": record.framework or "—",
        "variant": record.variant or "—",
        # Text, never markup: a model's workload holds its file name
        "workload": Text(printable(record.workload, newlines=False)) if record.workload else "—",
        "scenario": record.scenario or record.mode or "—",
        "batch": Text(str(record.batch_size), justify="right"),
        "p50": _number(units.latency_ms(None if latency is None else latency.p50)),
        "p99": _number(units.latency_ms(None if latency is None else latency.p99)),
        "throughput": _number(units.throughput(record.throughput_samples_per_s, unit=False)),
        "compile": _number(units.seconds(record.compile_s, unit=False)),
        "rss": _number(units.megabytes(record.peak_rss_mb, unit=False)),
        "status": status_text(record),
    }


class BenchResultsTable(DataTable[Any]):
    """Results of the current queue; ``show_record`` adds a row or updates it in place."""

    DEFAULT_CSS = """
    BenchResultsTable { height: 1fr; min-height: 4; }
    """

    BINDINGS: ClassVar[list[BindingType]] = vim_table_bindings()

    def __init__(self, **kwargs: Any) -> None:
        # The framework column stays in place when the table pans right.
        super().__init__(cursor_type="row", zebra_stripes=True, fixed_columns=1, **kwargs)
        self.records: dict[str, ResultRecord] = {}

    def on_mount(self) -> None:
        for key, label in COLUMNS:
            self.add_column(label, key=key)

    def reset(self) -> None:
        self.clear()
        self.records.clear()

    def show_record(self, record: ResultRecord) -> None:
        key = record.result_id
        cells = row_cells(record)
        try:
            self.get_row(key)
        except RowDoesNotExist:
            self.records[key] = record
            self.add_row(*(cells[column] for column, _ in COLUMNS), key=key)
            return
        self.records[key] = record
        for column, _ in COLUMNS:
            self.update_cell(key, column, cells[column], update_width=True)

    def highlighted_record(self) -> ResultRecord | None:
        if not self.row_count:
            return None
        try:
            key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value
        except Exception:  # the cursor can briefly point past a cleared table
            return None
        return self.records.get(str(key)) if key is not None else None


def detail_line(record: ResultRecord) -> Text:
    """The highlighted row in full: its status and reason, or what its first flag means."""
    line = Text(f"{record.label}: ")
    status = record.status or "ok"
    if status != "ok":
        line.append(status, style="red" if status in ("failed", "timeout") else "yellow")
        line.append(f": {' '.join((record.reason or 'no reason given').split())}")
        return line
    flags = list(record.flags)
    if not flags:
        line.append("ok", style="green")
        return line
    line.append(flags[0], style="yellow")
    line.append(f": {FLAG_EXPLANATIONS.get(flags[0], '')}")
    return line

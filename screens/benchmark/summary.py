"""The end-of-queue summary: who won each workload and scenario, by how much, and what to distrust."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from fwtui import units

if TYPE_CHECKING:
    from fwtui.bench.result_record import ResultRecord
    from fwtui.bench.summary import SummaryRow


def summary_line(row: SummaryRow) -> Text:
    """One line per group, e.g. ``mlp/small latency: onnxruntime/ort 0.120 ms, 1.80× faster than torch/eager``
    (throughput groups give samples/s instead)."""
    head = f"{row.workload}/{row.size} {row.scenario}"
    if row.device not in (None, "cpu"):
        head += f" {row.device}"
    line = Text(f"{head}: ", style="bold")
    winner = row.winner
    if not winner:
        line.append("no valid result", style="yellow")
        return line
    line.append(winner, style="green")
    if row.scenario == "latency" and row.winner_p50_ms is not None:
        line.append(f" {units.latency_ms(row.winner_p50_ms)}")
    elif row.winner_throughput is not None:
        line.append(f" {units.throughput(row.winner_throughput)}")
    speedup, runner_up = row.speedup, row.runner_up
    if speedup is None or runner_up is None:
        line.append(" (the only valid result)", style="dim")
        return line
    line.append(f", {units.ratio(speedup)} faster than {runner_up}")
    significant = row.significant
    if significant is True:
        line.append(" (significant)", style="green")  # across processes: fwtui.bench.significance
    elif significant is False:
        line.append(" (within noise)", style="yellow")
    else:
        line.append(" (not tested: fewer than 2 processes)", style="dim")
    return line


def flagged_lines(records: Sequence[ResultRecord]) -> list[Text]:
    """Results with flags, failures and timeouts, called out so nobody trusts or misses them."""
    lines: list[Text] = []
    not_run = 0
    for record in records:
        flags = list(record.flags)
        status = record.status or "ok"
        if status in ("unsupported", "skipped"):
            not_run += 1
            continue
        if not flags and status == "ok":
            continue
        line = Text("⚑ ", style="yellow")
        line.append(record.label)
        if status != "ok":
            line.append(f" {status}", style="red")
            if record.reason:
                line.append(f": {' '.join(record.reason.split())}", style="dim")
        if flags:
            line.append(f" [{', '.join(flags)}]", style="yellow")
        lines.append(line)
    if not_run:
        lines.append(Text(f"{not_run} result(s) unsupported or skipped: see their rows for why", style="dim"))
    return lines


def render_summary(
    rows: Sequence[SummaryRow], records: Sequence[ResultRecord], *, saved: bool, cancelled: bool
) -> Text:
    text = Text("Summary", style="bold")
    if cancelled:
        text.append(" (queue cancelled; finished results kept)", style="yellow")
    for row in rows:
        text.append("\n")
        text.append_text(summary_line(row))
    if not rows:
        text.append("\nno results to compare", style="yellow")
    for line in flagged_lines(records):
        text.append("\n")
        text.append_text(line)
    if saved:
        text.append("\npress o to open these results in the Results area", style="dim")
    else:
        text.append("\nthese results were not saved to the database", style="bold red")
    return text


class BenchSummary(VerticalScroll):
    """Hidden until a queue ends; scrolls when there are many groups."""

    DEFAULT_CSS = """
    BenchSummary { height: auto; max-height: 7; padding: 0 1; border-top: hkey $foreground 20%; display: none; }
    BenchSummary.shown { display: block; }
    BenchSummary > Static { height: auto; }
    """

    def compose(self) -> ComposeResult:
        yield Static("", id="bench-summary-text")

    def show_summary(
        self,
        rows: Sequence[SummaryRow],
        records: Sequence[ResultRecord],
        *,
        saved: bool,
        cancelled: bool,
    ) -> None:
        self.query_one("#bench-summary-text", Static).update(
            render_summary(rows, records, saved=saved, cancelled=cancelled)
        )
        self.add_class("shown")

    def hide(self) -> None:
        self.query_one("#bench-summary-text", Static).update("")
        self.remove_class("shown")

    @property
    def text(self) -> str:
        return str(self.query_one("#bench-summary-text", Static).content)

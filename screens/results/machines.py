"""The machines view: every machine side by side, one framework across machines, and the fleet's best.

It runs the named queries ``fleet_machines``, ``fleet_compare`` and ``fleet_best`` (the same ones
``fwtui query`` runs) with the area's filters, in the view's worker. Everything shown may come from a
shared bucket, so stored text is cut to one printable line and put into ``Text``, never into markup.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import duckdb
from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from fwtui import units
from fwtui.queries import run_named
from fwtui.store.browse import Filters
from fwtui.terminal_text import printable
from screens.results.render import value_text
from screens.results.reports import ReportView

MAX_ROWS = 40  # per table; the rest is a query away
_SETTING = ("workload", "size", "mode", "scenario", "dtype", "batch")
DIFFERENT_VERSIONS = "≠ versions"


def _rows(con: duckdb.DuckDBPyConnection, name: str, params: dict[str, str]) -> list[dict[str, Any]]:
    result = run_named(con, name, params)
    return [dict(zip(result.columns, row, strict=True)) for row in result.rows]


def _text(value: Any, limit: int = 60) -> Text:
    return Text(printable(value_text(value), newlines=False, limit=limit))


def _fraction(value: Any) -> str:
    """A fraction of peak as a percentage to two significant digits (0.42%, 7.4%, 63%); unknown is a dash."""
    if value is None or not math.isfinite(float(value)):
        return units.MISSING
    return f"{units.significant(float(value) * 100.0, 2)}%"


def _setting(row: dict[str, Any]) -> str:
    return printable(
        f"{row['workload']}/{row['size'] or '?'} {row['scenario']} {row['dtype']} b{row['batch']}",
        newlines=False,
        limit=60,
    )


def _more(shown: int, total: int, query: str) -> list[RenderableType]:
    if total <= shown:
        return []
    return [Text(f"{total - shown:,} more rows: narrow the filters, or `fwtui query {query}`", style="dim")]


def machines_table(rows: Sequence[dict[str, Any]]) -> RenderableType:
    table = Table(
        title="Machines", title_justify="left", header_style="bold", box=box.SIMPLE_HEAD, expand=False
    )
    for column in (
        "machine",
        "hardware",
        "peak GFLOP/s",
        "fwtui",
        "frameworks",
        "runs",
        "results",
        "last run",
    ):
        table.add_column(
            column, overflow="fold", justify="right" if column in ("runs", "results") else "left"
        )
    for row in rows[:MAX_ROWS]:
        memory = f"{units.count(row['memory_gib'])} GiB" if row["memory_gib"] is not None else units.MISSING
        hardware = ", ".join(
            part
            for part in (
                printable(row["cpu"] or "", newlines=False, limit=40),
                f"{units.count(row['cores'])} cores" if row["cores"] is not None else "",
                memory,
                printable(row["gpus"] or "", newlines=False, limit=60),
            )
            if part
        )
        table.add_row(
            _text(row["machine"], 40),
            Text(hardware),
            _text(row["peak_gflops"], 80),
            _text(row["fwtui_versions"]),
            _text(row["framework_versions"], 120),
            Text(units.count(row["runs"])),
            Text(f"{units.count(row['ok_results'])} ok / {units.count(row['results'])}"),
            _text(row["last_run"]),
        )
    return Group(table, *_more(min(len(rows), MAX_ROWS), len(rows), "fleet_machines"))


def compare_table(rows: Sequence[dict[str, Any]]) -> RenderableType:
    table = Table(
        title="One framework across machines: best valid p50 per machine, and its fraction of that machine's peak",
        title_justify="left",
        header_style="bold",
        box=box.SIMPLE_HEAD,
    )
    for column in ("setting", "framework", "machine", "p50", "vs fastest", "samples/s", "GFLOP/s", "of peak",
                   "version"):  # fmt: skip
        table.add_column(column, overflow="fold", no_wrap=column not in ("setting", "machine", "version"))
    for row in rows[:MAX_ROWS]:
        version = printable(row["framework_version"] or units.MISSING, newlines=False, limit=30)
        table.add_row(
            Text(_setting(row)),
            _text(f"{row['framework']}/{row['variant']}" if row["variant"] else row["framework"], 40),
            _text(row["machine"], 40),
            Text(units.latency_ms(row["p50_ms"])),
            Text(units.ratio(row["ratio_to_fastest"])),
            Text(units.throughput(row["samples_per_s"], unit=False)),
            Text(units.gflops(row["gflops"], unit=False)),
            Text(_fraction(row["fraction_of_peak"])),
            Text(
                f"{version} {DIFFERENT_VERSIONS}" if row["versions_differ"] else version,
                style="yellow" if row["versions_differ"] else "",
            ),
        )
    return Group(table, *_more(min(len(rows), MAX_ROWS), len(rows), "fleet_compare"))


def best_table(rows: Sequence[dict[str, Any]]) -> RenderableType:
    table = Table(
        title="The fleet's best framework per workload (wins = machines where it is fastest)",
        title_justify="left",
        header_style="bold",
        box=box.SIMPLE_HEAD,
    )
    for column in ("setting", "rank", "framework", "wins", "vs fastest", "of peak", "versions"):
        table.add_column(column, overflow="fold", no_wrap=column not in ("setting", "versions"))
    for row in rows[:MAX_ROWS]:
        versions = printable(row["versions"] or units.MISSING, newlines=False, limit=60)
        table.add_row(
            Text(_setting(row)),
            Text(units.count(row["fleet_rank"])),
            _text(f"{row['framework']}/{row['variant']}" if row["variant"] else row["framework"], 40),
            Text(f"{units.count(row['wins'])} of {units.count(row['fleet_machines'])}"),
            Text(units.ratio(row["mean_ratio_to_fastest"])),
            Text(_fraction(row["median_fraction_of_peak"])),
            Text(
                f"{versions} {DIFFERENT_VERSIONS}" if row["versions_differ"] else versions,
                style="yellow" if row["versions_differ"] else "",
            ),
        )
    return Group(table, *_more(min(len(rows), MAX_ROWS), len(rows), "fleet_best"))


def fleet_renderable(con: duckdb.DuckDBPyConnection, filters: Filters) -> RenderableType:
    """The three tables, the comparisons narrowed by the area's framework, workload and scenario filters."""
    narrow = {k: v for k in ("workload", "scenario", "mode") if (v := getattr(filters, k))}
    framework = {"framework": filters.framework} if filters.framework else {}
    parts: list[RenderableType] = [machines_table(_rows(con, "fleet_machines", {}))]
    compare = _rows(con, "fleet_compare", {**narrow, **framework})
    parts += [
        Text(""),
        compare_table(compare) if compare else Text("No valid results to compare.", style="dim"),
    ]
    best = _rows(con, "fleet_best", narrow)
    if best:
        parts += [Text(""), best_table(best)]
    parts.append(
        Text(
            "\nOf peak = achieved GFLOP/s over the machine's measured peak GEMM for that device and precision "
            f"(— when never measured). {DIFFERENT_VERSIONS}: machines ran other versions of the framework, so "
            "the difference is not only the hardware. Filters narrow the comparisons.",
            style="dim",
        )
    )
    return Group(*parts)


class MachinesView(ReportView):
    """Machines side by side (key ``m``)."""

    kind = "machines"

    def show(self, filters: Filters) -> bool:
        return self.build(lambda con: fleet_renderable(con, filters))

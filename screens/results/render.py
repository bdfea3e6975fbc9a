"""Rich renderables for the Results area: the detail view, comparisons, charts and histograms.

User data always goes into ``Text`` objects, never into markup, so a '[' in a label cannot break
rendering.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import numpy as np
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from fwtui import units
from fwtui.bench.spec import contender
from fwtui.store.charts import ChartData
from fwtui.store.curves import Curves, plot
from fwtui.terminal_text import printable

_EIGHTHS = " ▏▎▍▌▋▊▉"
FULL = "█"


def bar(value: float, maximum: float, width: int) -> str:
    """A horizontal bar of ``width`` cells at most, in eighth-cell steps."""
    if maximum <= 0 or value <= 0 or not math.isfinite(value):
        return ""
    eighths = round(min(value / maximum, 1.0) * width * 8)
    full, rest = divmod(eighths, 8)
    return FULL * full + (_EIGHTHS[rest] if rest else "")


def value_text(value: Any) -> str:
    """A stored value of no known quantity as text: NULL as an em dash (never 0), numbers as
    :func:`fwtui.units.number` writes them, timestamps to the second, lists joined."""
    if value is None:
        return units.MISSING
    if isinstance(value, int | float) and not isinstance(value, bool):
        return units.number(value)
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, list):
        return printable(", ".join(str(v) for v in value), newlines=False) or units.MISSING
    return printable(str(value), newlines=False)


def _ms(value: Any) -> str:
    """A latency without its unit, for rows that name the unit once."""
    return units.latency_ms(value, unit=False)


def _ms_series(separator: str, *values: Any) -> str:
    """Latencies that share one unit: ``0.118 / 0.131 / 0.160 ms``."""
    return f"{separator.join(_ms(value) for value in values)} ms"


def histogram_lines(samples: Sequence[float] | np.ndarray, bins: int = 16, width: int = 36) -> list[Text]:
    """Text rows ``low–high ms │█████ count`` for the raw samples."""
    data = np.asarray(samples, dtype=np.float64)
    data = data[np.isfinite(data)]
    if data.size == 0:
        return [Text("no raw samples stored for this result", style="dim")]
    lo, hi = float(data.min()), float(data.max())
    if hi <= lo:
        return [Text(f"all {data.size} samples = {units.latency_ms(lo)}")]
    counts, edges = np.histogram(data, bins=bins, range=(lo, hi))
    peak = int(counts.max())
    lines = []
    for count, left, right in zip(counts, edges[:-1], edges[1:], strict=True):
        line = Text(f"{_ms(left):>9}–{_ms(right):<9}ms │", style="dim")
        line.append(bar(float(count), float(peak), width), style="cyan")
        line.append(f" {int(count)}")
        lines.append(line)
    return lines


def _kv_table(title: str, rows: Sequence[tuple[str, str]]) -> Table:
    table = Table(
        title=Text(title, style="bold"), title_justify="left", show_header=False, box=None, pad_edge=False
    )
    table.add_column(style="dim", no_wrap=True)
    table.add_column(overflow="fold")
    for key, value in rows:
        table.add_row(Text(key), Text(value))
    return table


def _environment_rows(environment: Any) -> list[tuple[str, str]]:
    if environment is None:
        return []
    if isinstance(environment, str):
        try:
            environment = json.loads(environment)
        except json.JSONDecodeError:
            return [("environment", environment)]
    if not isinstance(environment, dict):
        return [("environment", str(environment))]
    return [(str(k), v if isinstance(v, str) else json.dumps(v, default=str)) for k, v in environment.items()]


def _details_text(details: object, key: str) -> str | None:
    """One text field of the stored ``details`` JSON, or None."""
    if isinstance(details, str):
        try:
            details = json.loads(details)
        except ValueError:
            return None
    value = details.get(key) if isinstance(details, dict) else None
    return str(value) if value else None


def _tails_reason(details: object) -> str | None:
    """Why p90/p95/p99 are NULL (too few single-call samples), from the stored ``details`` JSON."""
    return _details_text(details, "tails_reason")


def _energy_rows(d: dict[str, Any]) -> list[tuple[str, str]]:
    """Energy per sample and what the counter covered, or why there is none (never a 0)."""
    rows = [("energy per sample", units.joules(d.get("energy_j_per_sample")))]
    if d.get("energy_j_per_sample") is None and d.get("energy_reason"):
        rows.append(("energy is —", value_text(d.get("energy_reason"))))
    elif (scope := _details_text(d.get("details"), "energy_scope")) is not None:
        rows.append(("energy measured", value_text(scope)))
    return rows


def detail_renderable(
    detail: dict[str, Any], samples: np.ndarray, explanations: dict[str, str]
) -> RenderableType:
    """Everything about one result: statistics, phases, flags explained, environment and a histogram."""
    d = detail
    title = Text(
        f"{_label(d)} · {d.get('workload')} {d.get('size') or ''} · "
        f"{d.get('mode')}/{d.get('scenario')} · batch {units.count(d.get('batch_size'))} · "
        f"{d.get('device') or '?'} {d.get('dtype') or ''}",
        style="bold",
    )
    status = Text(f"status: {d.get('status')}", style="green" if d.get("status") == "ok" else "yellow")
    if d.get("reason"):
        status.append(f" — {d['reason']}")
    stats = [
        ("samples (n)", units.count(d.get("n"))),
        ("calls per sample", units.count(d.get("inner_iterations"))),
        ("p50", units.latency_ms(d.get("p50_ms"))),
        ("95% CI (across processes)", _ms_series(" – ", d.get("ci95_low_ms"), d.get("ci95_high_ms"))),
        ("processes", units.count(d.get("repetitions"))),
        ("p50 per process", _ms_series(" / ", *_processes(d)) if _processes(d) else units.MISSING),
        ("between-process cv", units.cv(d.get("process_cv"))),
        ("p90 / p95 / p99", _ms_series(" / ", d.get("p90_ms"), d.get("p95_ms"), d.get("p99_ms"))),
        *([("tails are —", reason)] if (reason := _tails_reason(d.get("details"))) else []),
        ("mean ± stdev", _ms_series(" ± ", d.get("mean_ms"), d.get("stdev_ms"))),
        ("min / max", _ms_series(" / ", d.get("min_ms"), d.get("max_ms"))),
        ("cv", units.cv(d.get("cv"))),
        ("throughput", units.throughput(d.get("throughput_samples_per_s"))),
        *_energy_rows(d),
        ("compute", units.gflops(d.get("gflops"))),
        ("FLOPs per sample", units.count(d.get("flops_per_sample"))),
    ]
    phases = [
        (name, units.seconds(d.get(f"{key}_s")))
        for name, key in (("import", "import"), ("build", "build"), ("first call", "first_call"),
                          ("compile", "compile"), ("warm-up", "warmup"), ("measure", "measure"))
    ]  # fmt: skip
    break_even = d.get("compile_break_even_calls")
    pays_off = units.MISSING if break_even is None else f"{units.count(break_even)} calls"
    phases.append(("compile pays off after", pays_off))
    checks = [
        ("peak RSS", units.megabytes(d.get("peak_rss_mb"))),
        ("device memory peak", units.megabytes(d.get("device_mem_peak_mb"))),
        ("max abs / rel error", f"{value_text(d.get('max_abs_error'))} / {value_text(d.get('max_rel_error'))}"),
        ("tolerance", value_text(d.get("tolerance"))),
    ]
    parts: list[RenderableType] = [title, status, Text("")]
    if d.get("model_sha256"):  # a user's own model (fwtui bench --model): its identity, as stored
        model = [
            ("file", value_text(d.get("model_name"))),
            ("sha256", value_text(d.get("model_sha256"))),
            ("parameters", units.count(d.get("model_params"))),
            ("inputs", value_text(d.get("model_inputs"))),
        ]
        parts += [_kv_table("Your model", model), Text("")]
    parts += [_kv_table("Timing", stats), Text("")]
    parts += [_kv_table("Phases", phases), Text(""), _kv_table("Memory and correctness", checks), Text("")]
    flags = list(d.get("flags") or [])
    parts.append(Text("Flags", style="bold"))
    if not flags:
        parts.append(Text("none", style="dim"))
    for flag in flags:
        line = Text(f"• {flag}: ", style="yellow")
        line.append(explanations.get(flag, "no explanation recorded for this flag"), style="")
        parts.append(line)
    parts.append(Text(""))
    where = [
        ("machine", f"{d.get('machine_label') or d.get('machine_id')}"),
        ("cpu", value_text(d.get("machine_cpu"))),
        ("gpus", value_text(d.get("machine_gpus"))),
        ("framework version", value_text(d.get("framework_version"))),
        ("threads", value_text(d.get("threads"))),
        ("run", f"{d.get('run_id')} {d.get('run_label') or ''}".strip()),
        ("command", value_text(d.get("run_command"))),
        ("created", value_text(d.get("created_at"))),
        ("source", value_text(d.get("source"))),
        ("result id", value_text(d.get("result_id"))),
        *_environment_rows(d.get("run_environment")),
    ]
    parts += [_kv_table("Environment", where), Text("")]
    parts.append(Text(f"Latency histogram ({samples.size} raw per-call samples)", style="bold"))
    parts += histogram_lines(samples)
    return Group(*parts)


def _label(d: dict[str, Any]) -> str:
    return contender(str(d.get("framework")), d.get("variant"))


def _processes(detail: dict[str, Any]) -> list[float]:
    values = detail.get("process_p50_ms")
    return [float(v) for v in values if isinstance(v, int | float)] if isinstance(values, list) else []


def compare_renderable(
    details: list[dict[str, Any]], samples: list[np.ndarray], sweeps: Sequence[Curves] = ()
) -> RenderableType:
    """Marked results side by side; each against the first (A), tested across processes (Welch's t-test on
    per-process medians, :mod:`fwtui.bench.significance`); then where their batch and thread sweeps cross."""
    from fwtui.bench.significance import METHOD, compare

    letters = [chr(ord("A") + i) for i in range(len(details))]
    table = Table(show_lines=False, header_style="bold")
    table.add_column("", style="dim", no_wrap=True)
    for letter, d in zip(letters, details, strict=True):
        table.add_column(Text(f"{letter}: {_label(d)}"), overflow="fold")
    rows: list[tuple[str, list[str]]] = [
        ("workload", [f"{d.get('workload')} {d.get('size') or ''}" for d in details]),
        ("scenario", [f"{d.get('mode')}/{d.get('scenario')}" for d in details]),
        ("batch", [units.count(d.get("batch_size")) for d in details]),
        ("device", [value_text(d.get("device")) for d in details]),
        ("machine", [value_text(d.get("machine_label") or d.get("machine_id")) for d in details]),
        ("version", [value_text(d.get("framework_version")) for d in details]),
        ("run", [value_text(d.get("run_id")) for d in details]),
        ("status", [value_text(d.get("status")) for d in details]),
        ("p50", [units.latency_ms(d.get("p50_ms")) for d in details]),  # µs below a millisecond, as the table
        ("p95", [units.latency_ms(d.get("p95_ms")) for d in details]),
        ("mean samples/s", [units.throughput(d.get("throughput_samples_per_s"), unit=False) for d in details]),
        ("cv", [units.cv(d.get("cv")) for d in details]),
        ("processes", [units.count(d.get("repetitions")) for d in details]),
        ("process cv", [units.cv(d.get("process_cv")) for d in details]),
        ("flags", [value_text(d.get("flags") or None) for d in details]),
    ]
    versus: list[str] = ["baseline"]
    significance: list[str] = ["—"]
    for d in details[1:]:
        versus.append(_ratio_text(details[0], d))
        result = compare(_processes(details[0]), _processes(d))
        if result.p_value is None:
            significance.append(result.reason)
            continue
        verdict = "significant" if result.significant else "not significant"
        significance.append(f"{verdict} ({units.p_value(result.p_value)})")
    rows += [("vs A (p50)", versus), ("across processes", significance)]
    for name, values in rows:
        table.add_row(Text(name), *(Text(v) for v in values))
    note = Text(
        f"Ratios compare p50 latency; significance: {METHOD} (two-sided, α = 0.05), so a difference must hold "
        "across processes, not only within one. "
        "Results on different machines, batch sizes or scenarios are not like for like.",
        style="dim",
    )
    versions = _differing_versions(details, letters)
    crossing_lines = [line for curves in sweeps for line in sweep_lines(curves)]
    return Group(
        table, Text(""), *([Text(versions, style="yellow")] if versions else []), note,
        *([Text(""), *crossing_lines] if crossing_lines else []),
    )  # fmt: skip


def sweep_lines(curves: Curves) -> list[Text]:
    """Where the compared results' curves cross along a sweep, or who leads throughout."""
    # Labels and the case come from the database: made printable before they reach the terminal.
    lines = [Text(printable(f"Sweep over {curves.axis}: {curves.case}"), style="bold")]
    for c in curves.crossings:
        lines.append(Text(printable(
            f"  curves cross between {curves.axis} {c.x_low} and {c.x_high}: {c.before} leads below, {c.after} above"
        )))  # fmt: skip
    if not curves.crossings:
        xs = sorted({p[0] for s in curves.series for p in s.points})
        best = max(curves.series, key=lambda s: max((p[2] or 0.0) for p in s.points))
        lines.append(Text(printable(
            f"  the curves do not cross between {curves.axis} {xs[0]} and {xs[-1]}: {best.label} leads throughout"
        )))  # fmt: skip
    return lines


def _differing_versions(details: list[dict[str, Any]], letters: list[str]) -> str | None:
    """A line naming each framework compared at more than one version, or None."""
    seen: dict[str, dict[str, list[str]]] = {}
    for letter, d in zip(letters, details, strict=True):
        framework = str(d.get("framework"))
        seen.setdefault(framework, {}).setdefault(value_text(d.get("framework_version")), []).append(letter)
    parts = [
        f"{framework} " + ", ".join(f"{version} ({' '.join(ls)})" for version, ls in versions.items())
        for framework, versions in seen.items()
        if len(versions) > 1
    ]
    return "Framework versions differ: " + "; ".join(parts) if parts else None


def _ratio_text(a: dict[str, Any], b: dict[str, Any]) -> str:
    pa, pb = a.get("p50_ms"), b.get("p50_ms")
    # A stored database may hold NULL, NaN, zero or negative latencies: no ratio, never "nanx".
    if not isinstance(pa, int | float) or not isinstance(pb, int | float):
        return units.MISSING
    if not (math.isfinite(pa) and math.isfinite(pb)) or pa <= 0 or pb <= 0:
        return units.MISSING
    if pb < pa:
        return f"{units.ratio(pa / pb)} faster"
    return f"{units.ratio(pb / pa)} slower" if pb > pa else "same"


def curves_renderable(curves: Curves) -> list[RenderableType]:
    """A sweep's throughput and latency curves (plotext line charts) and where the leaders change."""
    throughput, latency = plot(curves)
    parts: list[RenderableType] = [
        Text(f"Sweep over {curves.axis}: {curves.case}", style="bold underline"),
        Text.from_ansi(throughput),
        Text.from_ansi(latency),
    ]
    return parts + sweep_lines(curves)[1:]


def chart_renderable(
    data: ChartData, curves: Sequence[Curves | None] = (), width: int = 36
) -> RenderableType:
    """p50 latency and throughput per framework, and the latency percentiles, as bar charts; then any sweep's
    curves against batch size and threads."""
    sweeps = [part for c in curves if c is not None for part in [Text(""), *curves_renderable(c)]]
    if not data.rows:
        return Text("No valid results match the filters, so there is nothing to chart.", style="dim")
    heading = Text(
        f"{data.machine} · {data.workload} {data.size or ''} · {data.scenario} — best valid result per "
        "framework/variant (set the machine/workload/scenario filters to chart another case)",
        style="bold",
    )
    label_width = max(len(r[0]) for r in data.rows)
    p50_max = max(r[1] for r in data.rows)
    latency = [Text("p50 latency (ms, shorter is better)", style="bold underline")]
    for label, p50, *_ in data.rows:
        line = Text(f"{label:<{label_width}} ")
        line.append(bar(p50, p50_max, width), style="cyan")
        line.append(f" {_ms(p50)}")
        latency.append(line)
    throughputs = [r[5] for r in data.rows if r[5] is not None]
    throughput = [Text("throughput (samples/s, longer is better)", style="bold underline")]
    for label, *_, thr in data.rows:
        line = Text(f"{label:<{label_width}} ")
        line.append(bar(thr or 0.0, max(throughputs, default=0.0), width), style="green")
        line.append(f" {units.throughput(thr, unit=False)}")
        throughput.append(line)
    pct_max = max(max(v for v in r[1:5] if v is not None) for r in data.rows)
    percentiles = [Text("latency percentiles p50 / p90 / p95 / p99 (ms)", style="bold underline")]
    styles = ("cyan", "blue", "magenta", "red")
    for label, *values, _thr in data.rows:
        for name, value, style in zip(("p50", "p90", "p95", "p99"), values, styles, strict=True):
            prefix = f"{label:<{label_width}}" if name == "p50" else " " * label_width
            line = Text(f"{prefix} {name} ")
            line.append(bar(value or 0.0, pct_max, width), style=style)
            line.append(f" {_ms(value)}")
            percentiles.append(line)
    return Group(heading, Text(""), *latency, Text(""), *throughput, Text(""), *percentiles, *sweeps)

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

from fwtui.store.browse import ChartData

_EIGHTHS = " ▏▎▍▌▋▊▉"
FULL = "█"


def bar(value: float, maximum: float, width: int) -> str:
    """A horizontal bar of ``width`` cells at most, in eighth-cell steps."""
    if maximum <= 0 or value <= 0 or not math.isfinite(value):
        return ""
    eighths = round(min(value / maximum, 1.0) * width * 8)
    full, rest = divmod(eighths, 8)
    return FULL * full + (_EIGHTHS[rest] if rest else "")


def fmt(value: Any, unit: str = "") -> str:
    """Numbers at 4 significant figures, NULL as an em dash (never 0)."""
    if value is None:
        return "—"
    if isinstance(value, float):
        if not math.isfinite(value):
            return "—"
        text = f"{value:.4g}" if abs(value) < 1000 else f"{value:,.0f}"
    elif isinstance(value, datetime):
        text = value.strftime("%Y-%m-%d %H:%M:%S")
    elif isinstance(value, list):
        text = ", ".join(str(v) for v in value) or "—"
    else:
        text = str(value)
    return f"{text} {unit}".rstrip()


def histogram_lines(samples: Sequence[float] | np.ndarray, bins: int = 16, width: int = 36) -> list[Text]:
    """Text rows ``low–high ms │█████ count`` for the raw samples."""
    data = np.asarray(samples, dtype=np.float64)
    data = data[np.isfinite(data)]
    if data.size == 0:
        return [Text("no raw samples stored for this result", style="dim")]
    lo, hi = float(data.min()), float(data.max())
    if hi <= lo:
        return [Text(f"all {data.size} samples = {lo:.4g} ms")]
    counts, edges = np.histogram(data, bins=bins, range=(lo, hi))
    peak = int(counts.max())
    lines = []
    for count, left, right in zip(counts, edges[:-1], edges[1:], strict=True):
        line = Text(f"{left:9.4g}–{right:<9.4g}ms │", style="dim")
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


def detail_renderable(
    detail: dict[str, Any], samples: np.ndarray, explanations: dict[str, str]
) -> RenderableType:
    """Everything about one result: statistics, phases, flags explained, environment and a histogram."""
    d = detail
    title = Text(
        f"{d.get('framework')} {d.get('variant') or ''} · {d.get('workload')} {d.get('size') or ''} · "
        f"{d.get('mode')}/{d.get('scenario')} · batch {fmt(d.get('batch_size'))} · "
        f"{d.get('device') or '?'} {d.get('dtype') or ''}",
        style="bold",
    )
    status = Text(f"status: {d.get('status')}", style="green" if d.get("status") == "ok" else "yellow")
    if d.get("reason"):
        status.append(f" — {d['reason']}")
    stats = [
        ("samples (n)", fmt(d.get("n"))),
        ("calls per sample", fmt(d.get("inner_iterations"))),
        ("p50", fmt(d.get("p50_ms"), "ms")),
        ("95% CI of p50", f"{fmt(d.get('ci95_low_ms'))} – {fmt(d.get('ci95_high_ms'))} ms"),
        ("p90 / p95 / p99", f"{fmt(d.get('p90_ms'))} / {fmt(d.get('p95_ms'))} / {fmt(d.get('p99_ms'))} ms"),
        ("mean ± stdev", f"{fmt(d.get('mean_ms'))} ± {fmt(d.get('stdev_ms'))} ms"),
        ("min / max", f"{fmt(d.get('min_ms'))} / {fmt(d.get('max_ms'))} ms"),
        ("cv", fmt(d.get("cv"))),
        ("throughput", fmt(d.get("throughput_samples_per_s"), "samples/s")),
        ("GFLOP/s", fmt(d.get("gflops"))),
        ("FLOPs per sample", fmt(d.get("flops_per_sample"))),
    ]
    phases = [
        ("import", fmt(d.get("import_s"), "s")),
        ("build", fmt(d.get("build_s"), "s")),
        ("first call", fmt(d.get("first_call_s"), "s")),
        ("compile", fmt(d.get("compile_s"), "s")),
        ("warm-up", fmt(d.get("warmup_s"), "s")),
        ("measure", fmt(d.get("measure_s"), "s")),
        ("compile pays off after", fmt(d.get("compile_break_even_calls"), "calls")),
    ]
    checks = [
        ("peak RSS", fmt(d.get("peak_rss_mb"), "MB")),
        ("device memory peak", fmt(d.get("device_mem_peak_mb"), "MB")),
        ("max abs / rel error", f"{fmt(d.get('max_abs_error'))} / {fmt(d.get('max_rel_error'))}"),
        ("tolerance", fmt(d.get("tolerance"))),
    ]
    parts: list[RenderableType] = [title, status, Text(""), _kv_table("Timing", stats), Text("")]
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
        ("cpu", fmt(d.get("machine_cpu"))),
        ("gpus", fmt(d.get("machine_gpus"))),
        ("framework version", fmt(d.get("framework_version"))),
        ("threads", fmt(d.get("threads"))),
        ("run", f"{d.get('run_id')} {d.get('run_label') or ''}".strip()),
        ("command", fmt(d.get("run_command"))),
        ("created", fmt(d.get("created_at"))),
        ("source", fmt(d.get("source"))),
        ("result id", fmt(d.get("result_id"))),
        *_environment_rows(d.get("run_environment")),
    ]
    parts += [_kv_table("Environment", where), Text("")]
    parts.append(Text(f"Latency histogram ({samples.size} raw per-call samples)", style="bold"))
    parts += histogram_lines(samples)
    return Group(*parts)


def _label(d: dict[str, Any]) -> str:
    return f"{d.get('framework')} {d.get('variant') or ''}".strip()


def compare_renderable(details: list[dict[str, Any]], samples: list[np.ndarray]) -> RenderableType:
    """Marked results side by side; each against the first (A) with a Mann-Whitney U significance test."""
    from fwtui.bench.stats import compare

    letters = [chr(ord("A") + i) for i in range(len(details))]
    table = Table(show_lines=False, header_style="bold")
    table.add_column("", style="dim", no_wrap=True)
    for letter, d in zip(letters, details, strict=True):
        table.add_column(Text(f"{letter}: {_label(d)}"), overflow="fold")
    rows: list[tuple[str, list[str]]] = [
        ("workload", [f"{d.get('workload')} {d.get('size') or ''}" for d in details]),
        ("scenario", [f"{d.get('mode')}/{d.get('scenario')} ×{fmt(d.get('batch_size'))}" for d in details]),
        ("device", [fmt(d.get("device")) for d in details]),
        ("machine", [fmt(d.get("machine_label") or d.get("machine_id")) for d in details]),
        ("version", [fmt(d.get("framework_version")) for d in details]),
        ("run", [fmt(d.get("run_id")) for d in details]),
        ("status", [fmt(d.get("status")) for d in details]),
        ("p50 ms", [fmt(d.get("p50_ms")) for d in details]),
        ("p95 ms", [fmt(d.get("p95_ms")) for d in details]),
        ("samples/s", [fmt(d.get("throughput_samples_per_s")) for d in details]),
        ("cv", [fmt(d.get("cv")) for d in details]),
        ("flags", [fmt(d.get("flags") or None) for d in details]),
    ]
    versus: list[str] = ["baseline"]
    significance: list[str] = ["—"]
    for d, s in zip(details[1:], samples[1:], strict=True):
        versus.append(_ratio_text(details[0], d))
        if samples[0].size == 0 or s.size == 0:
            significance.append("no raw samples")
            continue
        result = compare(samples[0], s)
        p_value = result.get("p_value")
        verdict = "significant" if result.get("significant") else "not significant"
        significance.append(f"{verdict} (p={p_value:.3g})" if isinstance(p_value, float) else verdict)
    rows += [("vs A (p50)", versus), ("Mann-Whitney U", significance)]
    for name, values in rows:
        table.add_row(Text(name), *(Text(v) for v in values))
    note = Text(
        "Ratios compare p50 latency; significance tests the raw samples (two-sided, α = 0.05). "
        "Results on different machines, batch sizes or scenarios are not like for like.",
        style="dim",
    )
    return Group(table, Text(""), note)


def _ratio_text(a: dict[str, Any], b: dict[str, Any]) -> str:
    pa, pb = a.get("p50_ms"), b.get("p50_ms")
    if not pa or not pb:
        return "—"
    if pb < pa:
        return f"{pa / pb:.2f}× faster"
    return f"{pb / pa:.2f}× slower" if pb > pa else "same"


def chart_renderable(data: ChartData, width: int = 36) -> RenderableType:
    """p50 latency and throughput per framework, and the latency percentiles, as bar charts."""
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
        line.append(f" {fmt(p50)}")
        latency.append(line)
    throughputs = [r[5] for r in data.rows if r[5] is not None]
    throughput = [Text("throughput (samples/s, longer is better)", style="bold underline")]
    for label, *_, thr in data.rows:
        line = Text(f"{label:<{label_width}} ")
        line.append(bar(thr or 0.0, max(throughputs, default=0.0), width), style="green")
        line.append(f" {fmt(thr)}")
        throughput.append(line)
    pct_max = max(max(v for v in r[1:5] if v is not None) for r in data.rows)
    percentiles = [Text("latency percentiles p50 / p90 / p95 / p99 (ms)", style="bold underline")]
    styles = ("cyan", "blue", "magenta", "red")
    for label, *values, _thr in data.rows:
        for name, value, style in zip(("p50", "p90", "p95", "p99"), values, styles, strict=True):
            prefix = f"{label:<{label_width}}" if name == "p50" else " " * label_width
            line = Text(f"{prefix} {name} ")
            line.append(bar(value or 0.0, pct_max, width), style=style)
            line.append(f" {fmt(value)}")
            percentiles.append(line)
    return Group(heading, Text(""), *latency, Text(""), *throughput, Text(""), *percentiles)

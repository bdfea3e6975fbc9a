"""Widgets and renderables private to the Hardware area: panels, feature chips, usage bars, absolute-scale
graphs and the content of each panel, drawn from the typed hardware report's parts."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.containers import Horizontal, Vertical
from textual.widget import Widget
from textual.widgets import Label, Static

from fwtui import units
from fwtui.hardware.format import (
    cores_text,
    framework_devices_text,
    framework_status_text,
    gpu_summary,
    os_text,
    peak_table,
    python_text,
)
from fwtui.hardware.model import CpuInfo, FrameworkProbe, GpuInfo, HardwareWarning, PeakEntry, SystemInfo

BLOCKS = " ▁▂▃▄▅▆▇█"


def level_style(percent: float) -> str:
    if percent >= 90:
        return "red"
    if percent >= 70:
        return "yellow"
    return "green"


def usage_bar(fraction: float | None, width: int = 20) -> Text:
    """``██████░░░░ 62%``; an unknown fraction renders as a dim placeholder."""
    if fraction is None:
        return Text("░" * width + "   —", style="dim")
    fraction = min(max(fraction, 0.0), 1.0)
    filled = round(fraction * width)
    text = Text("█" * filled, style=level_style(fraction * 100))
    text.append("░" * (width - filled), style="dim")
    text.append(f" {fraction * 100:3.0f}%")
    return text


def feature_chips(present: Iterable[str], missing: Iterable[str]) -> Text:
    """Present features as highlighted chips, missing ones dimmed, so gaps are visible at a glance."""
    text = Text()
    for name in present:
        text.append(f" {name} ", style="bold black on green")
        text.append(" ")
    missing = list(missing)
    if missing:
        # Spelled out as well as dimmed, so the gap reads right without colour (logs, screen readers, NO_COLOR).
        text.append("\nlacks: ", style="dim")
        text.append("  ".join(missing), style="dim strike")
    text.rstrip()
    return text


class PercentGraph(Static):
    """A one-line history of a percentage on a fixed 0-100 scale, newest sample on the right.

    Unlike ``Sparkline``, which stretches its data between the series' own min and max, a fixed
    scale keeps 3% looking like 3%.
    """

    DEFAULT_CSS = """
    PercentGraph { height: 1; width: 1fr; }
    """

    def __init__(self, values: Iterable[float] = (), **kwargs: object) -> None:
        super().__init__("", **kwargs)  # type: ignore[arg-type]
        self._values = list(values)

    def set_values(self, values: Iterable[float]) -> None:
        self._values = list(values)
        self.refresh()

    @property
    def values(self) -> list[float]:
        return list(self._values)

    def render(self) -> Text:
        width = max(self.size.width, 1)
        shown = self._values[-width:]
        text = Text(" " * (width - len(shown)))
        for value in shown:
            clamped = min(max(value, 0.0), 100.0)
            index = max(1, round(clamped / 100 * (len(BLOCKS) - 1)))  # 0% still shows a floor
            text.append(BLOCKS[index], style=level_style(clamped))
        return text


class Panel(Vertical):
    """A bordered, titled section."""

    def __init__(self, title: str, *children: Widget, **kwargs: Any) -> None:
        super().__init__(*children, classes="hw-panel", **kwargs)
        self.border_title = title


def live_rows(nvidia_gpus: Iterable[GpuInfo]) -> list[Horizontal]:
    """One graph row each for CPU, memory and every NVIDIA GPU (the ones NVML can sample)."""
    rows = [("cpu", "CPU"), ("memory", "Memory")]
    rows += [(f"gpu{gpu.index}", f"GPU {gpu.index}") for gpu in nvidia_gpus]
    return [
        Horizontal(
            Label(label, classes="hw-live-label"),
            PercentGraph(id=f"hw-graph-{key}"),
            Static("—", id=f"hw-value-{key}", classes="hw-live-value"),
            classes="hw-live-row",
        )
        for key, label in rows
    ]


def grid(rows: list[tuple[str, RenderableType]]) -> Table:
    table = Table.grid(padding=(0, 1))
    table.add_column(style="bold", no_wrap=True)
    table.add_column(overflow="fold")
    for key, value in rows:
        table.add_row(key, value)
    return table


def system_renderable(system: SystemInfo) -> Table:
    return grid(
        [("Host", Text(system.hostname or "?")), ("OS", Text(os_text(system))), ("Python", Text(python_text(system)))]
    )


def cpu_renderable(cpu: CpuInfo) -> Table:
    return grid([("Model", Text(cpu.brand or "?")), ("Cores", Text(cores_text(cpu)))])


def memory_renderable(total: int | None, used_fraction: float | None) -> Table:
    used = total * used_fraction if total and used_fraction is not None else None
    return grid(
        [
            ("RAM", Text(f"{units.binary_bytes(total)} total, {units.binary_bytes(used)} in use")),
            ("In use", usage_bar(used_fraction)),
        ]
    )


def accelerators_renderable(system: SystemInfo) -> Group:
    parts: list[RenderableType] = []
    for gpu in system.gpus:
        total, used = gpu.memory_total_bytes, gpu.memory_used_bytes
        fraction = used / total if total and used is not None else None
        parts.append(Text(f"{gpu.vendor} GPU {gpu.index}: {gpu.name}", style="bold"))
        parts.append(grid([("Memory", usage_bar(fraction)), ("", Text(gpu_summary(gpu)))]))
    nvidia = system.nvidia
    if nvidia.available:
        driver = f"NVIDIA driver {nvidia.driver_version}, CUDA {nvidia.cuda_driver_version or '?'}"
        parts.append(Text(driver, style="dim"))
    elif not system.gpus:
        parts.append(Text(nvidia.reason or "no GPU found", style="dim"))
    for tpu in system.tpus:
        parts.append(Text(f"TPU {tpu.index}: {tpu.accelerator_type or tpu.pci_address}"))
    if system.apple_mps:
        parts.append(Text("Apple GPU: Metal Performance Shaders (MPS) capable"))
    return Group(*parts)


def framework_cells(result: FrameworkProbe) -> tuple[Text, Text, Text, Text]:
    style = {"ok": "green", "crashed": "red", "timeout": "red", "probing": "yellow"}.get(result.status, "dim")
    return (
        Text(result.display, style="bold"),
        Text(result.version or "—"),
        Text(framework_status_text(result), style=style),
        Text(framework_devices_text(result)),
    )


def summary_text(
    system: SystemInfo, frameworks: Mapping[str, FrameworkProbe], warnings: Iterable[HardwareWarning]
) -> Text:
    """The one-line headline: CPU, threads, RAM, GPUs, usable frameworks and the warning count."""
    cpu, gpus = system.cpu, system.gpus
    accel = f"{len(gpus)} GPU{'s' if len(gpus) != 1 else ''}" if gpus else "no GPU"
    statuses = [result.status for result in frameworks.values()]
    if "probing" in statuses:
        fw_text = Text("probing frameworks…", style="yellow")
    else:
        usable = sum(status == "ok" for status in statuses)
        fw_text = Text(f"{usable}/{len(statuses)} frameworks usable", style="green" if usable else "red")
    serious = [w for w in warnings if w.level == "warning"]
    text = Text(f"{cpu.brand or '?'} · {cpu.logical_cores or '?'} threads · ", style="bold")
    text.append(f"{units.binary_bytes(system.memory.total_bytes)} RAM · {accel} · ")
    text.append_text(fw_text)
    if serious:
        text.append(f" · {len(serious)} warning{'s' if len(serious) != 1 else ''}", style="bold yellow")
    return text


def warnings_renderable(warnings: Sequence[HardwareWarning], probing: bool) -> Text:
    if not warnings:
        return Text("checking…" if probing else "none: the setup looks healthy", style="dim")
    content = Text()
    for warning in warnings:
        if content:
            content.append("\n")
        if warning.level == "warning":
            content.append("⚠ ", style="bold yellow")
        else:
            content.append("ℹ ", style="bold blue")
        content.append(warning.message)
    return content


def peak_renderable(
    peak: PeakEntry | None, system: SystemInfo, measuring: bool, now: datetime | None = None
) -> RenderableType:
    """The peaks table: per device and dtype the measured peak, the class ceiling, who measured it and when,
    or why a dtype is missing (the device lacks it natively, or it was never measured)."""
    table = Table(box=None, padding=(0, 1), show_edge=False, header_style="dim", pad_edge=False)
    table.add_column("dtype", no_wrap=True)
    table.add_column("peak", justify="right", no_wrap=True)
    table.add_column("ceiling", justify="right", no_wrap=True)
    table.add_column("measured by · when", overflow="fold")
    device = None
    for row in peak_table(peak, system, "press m", now):
        if row.device != device:  # a heading per device keeps the dtype column narrow
            device = row.device
            table.add_row(Text(device, style="bold"))
        if row.framework:
            source = Text(f"{row.framework} · {row.age}")
            if row.note:
                source.append(f" · {row.note}", style="yellow")
        else:
            source = Text(row.note, style="dim")
        rate = Text(row.rate, style="bold" if row.measured else "dim")
        table.add_row(f" {row.dtype}", rate, Text(row.ceiling, style="dim"), source)
    if measuring:
        note = Text("measuring… (a square matrix multiply per device and native dtype, in a child process)")
        note.stylize("yellow")
    elif peak is None:
        note = Text("not measured — press m to measure every native dtype", style="dim")
    elif peak.busy is not None:
        note = Text(f"last measurement not used, the machine was busy ({peak.busy}) · m re-measures", style="yellow")
    else:
        note = Text("m re-measures every native dtype · ceiling: the most a device of its class can do", style="dim")
    return Group(note, table)

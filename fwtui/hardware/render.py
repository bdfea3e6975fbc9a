"""Rich tables of a hardware report, for ``fwtui hw``."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime, timezone

from rich import box
from rich.console import RenderableType
from rich.table import Table
from rich.text import Text

from fwtui import units
from fwtui.hardware.cpu import ARM_FEATURES, X86_FEATURES
from fwtui.hardware.format import (
    cached_probe_text,
    cores_text,
    framework_devices_text,
    framework_status_text,
    gpu_summary,
    os_text,
    peak_table,
    python_text,
)
from fwtui.hardware.model import CpuInfo, FrameworkProbe, HardwareWarning, PeakEntry, SystemInfo
from fwtui.hardware.report import HardwareReport

_STATUS_STYLE = {
    "ok": "green",
    "crashed": "red",
    "timeout": "red",
    "not_installed": "dim",
    "not_probed": "dim",
}


def _key_value(title: str, rows: list[tuple[str, str | Text]]) -> Table:
    table = Table(title=title, title_justify="left", title_style="bold", box=box.SIMPLE, show_header=False)
    table.add_column(style="cyan", no_wrap=True)
    table.add_column(overflow="fold")
    for key, value in rows:
        table.add_row(key, value)
    return table


def feature_sets(cpu: CpuInfo) -> tuple[list[str], list[str]]:
    """``(present, missing)`` ML-relevant features for this CPU's architecture, in display order."""
    present = set(cpu.flags)
    arm = cpu.arch in ("aarch64", "arm64") or bool(present & set(ARM_FEATURES))
    candidates = ARM_FEATURES if arm else X86_FEATURES
    return [f for f in candidates if f in present], [f for f in candidates if f not in present]


def _feature_rows(cpu: CpuInfo) -> list[tuple[str, str | Text]]:
    present, missing = feature_sets(cpu)
    return [
        ("features", Text(" ".join(present) or "none of the tracked ones", style="green")),
        ("missing", Text(" ".join(missing) or "none", style="dim")),
    ]


def report_renderables(report: HardwareReport) -> Iterator[RenderableType]:
    system = report.system
    cpu, memory = system.cpu, system.memory
    yield _key_value(
        "System",
        [
            ("host", system.hostname),
            ("OS", os_text(system)),
            ("Python", python_text(system)),
            ("machine id", report.machine_id),
        ],
    )
    yield _key_value("CPU", [("model", cpu.brand), ("cores", cores_text(cpu)), *_feature_rows(cpu)])
    yield _key_value(
        "Memory",
        [
            ("total", units.binary_bytes(memory.total_bytes)),
            ("available", units.binary_bytes(memory.available_bytes)),
        ],
    )
    yield _accelerators(report)
    yield _frameworks(report.frameworks, _probe_caption(report))
    yield _peak(report.peak, system)
    yield _warnings(report.warnings)


def _accelerators(report: HardwareReport) -> Table:
    system = report.system
    nvidia = system.nvidia
    rows: list[tuple[str, str | Text]] = []
    for gpu in system.gpus:
        rows.append((f"{gpu.vendor} GPU {gpu.index}", f"{gpu.name} · {gpu_summary(gpu)}"))
    if nvidia.available:
        rows.append(("NVIDIA driver", f"{nvidia.driver_version} (CUDA {nvidia.cuda_driver_version or '?'})"))
    else:
        rows.append(("NVIDIA", Text(str(nvidia.reason), style="dim")))
    for tpu in system.tpus:
        rows.append((f"TPU {tpu.index}", str(tpu.accelerator_type or tpu.pci_address)))
    if system.apple_mps:
        rows.append(("Apple GPU", "Metal Performance Shaders (MPS) capable"))
    return _key_value("Accelerators", rows)


def _probe_caption(report: HardwareReport) -> str | None:
    if report.probes_source != "cache" or report.probed_at is None:
        return None
    try:
        probed_at = datetime.fromisoformat(report.probed_at)
        age_s = (datetime.now(timezone.utc) - probed_at).total_seconds()
    except (ValueError, TypeError):
        return None
    return cached_probe_text(age_s, "fwtui hw --fresh")


def _section(title: str, caption: str | None, caption_style: str) -> Table:
    """A titled table of the report, its caption under it."""
    return Table(
        title=title,
        title_justify="left",
        title_style="bold",
        box=box.SIMPLE_HEAD,
        caption=caption,
        caption_justify="left",
        caption_style=caption_style,
    )


def _frameworks(frameworks: Mapping[str, FrameworkProbe], caption: str | None = None) -> Table:
    table = _section("Frameworks", caption, "dim")
    table.add_column("framework", style="cyan", no_wrap=True)
    table.add_column("version", no_wrap=True)
    table.add_column("status", no_wrap=True)
    table.add_column("devices / reason", overflow="fold")
    for result in frameworks.values():
        table.add_row(
            result.display,
            result.version or "—",
            Text(framework_status_text(result), style=_STATUS_STYLE.get(result.status, "")),
            framework_devices_text(result),
        )
    return table


def _peak(peak: PeakEntry | None, system: SystemInfo) -> Table:
    """Every dtype of every device: the measured peak, the ceiling, who measured it and when, or why not."""
    hint = "run fwtui hw --measure-peak"
    caption = None
    if peak is None:
        caption = f"not measured: {hint}"
    elif peak.busy is not None:
        caption = f"the last measurement is not used, the machine was busy ({peak.busy}): {hint} when it is idle"
    table = _section("Peak compute (square GEMM, per dtype)", caption, "yellow" if peak is not None else "dim")
    for column in ("device", "dtype", "peak", "ceiling", "by", "measured", "note"):
        table.add_column(
            column, justify="right" if column in ("peak", "ceiling") else "left", no_wrap=column != "note"
        )
    for row in peak_table(peak, system, hint):
        table.add_row(
            row.device, row.dtype, Text(row.rate, style="" if row.measured else "dim"), Text(row.ceiling, style="dim"),
            row.framework, row.age, Text(row.note, style="dim" if not row.measured else ""),
        )  # fmt: skip
    return table


def _warnings(warnings: tuple[HardwareWarning, ...]) -> Table:
    if not warnings:
        return _key_value("Warnings", [("", Text("none", style="green"))])
    table = Table(
        title="Warnings", title_justify="left", title_style="bold", box=box.SIMPLE, show_header=False
    )
    table.add_column(no_wrap=True)
    table.add_column(overflow="fold")
    for warning in warnings:
        style = "yellow" if warning.level == "warning" else "blue"
        table.add_row(Text(warning.level, style=style), warning.message)
    return table

"""Plain-text descriptions shared by ``fwtui hw`` and the Hardware screen; numbers with units are
:mod:`fwtui.units`' to write."""

from __future__ import annotations

from collections.abc import Mapping

from fwtui import units
from fwtui.hardware.model import CpuInfo, FrameworkProbe, GpuInfo, SystemInfo

STATUS_TEXT: dict[str, str] = {
    "ok": "ok",
    "crashed": "crashed",
    "timeout": "timed out",
    "not_installed": "not installed",
    "not_probed": "not probed",
    "probing": "probing…",
}


def optional(value: object, suffix: str = "", digits: int = 0) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.{digits}f}{suffix}"
    return f"{value}{suffix}"


def cores_text(cpu: CpuInfo) -> str:
    return f"{optional(cpu.physical_cores)} physical / {optional(cpu.logical_cores)} logical"


def os_text(system: SystemInfo) -> str:
    os_info = system.os
    return f"{os_info.name or '?'} · kernel {os_info.kernel or '?'} · {os_info.arch or '?'}"


def python_text(system: SystemInfo) -> str:
    python = system.python
    return f"{python.implementation or 'Python'} {python.version or '?'}"


def framework_devices_text(result: FrameworkProbe) -> str:
    if result.status == "ok":
        return ", ".join(result.devices) or "no devices"
    return result.reason or ""


def framework_status_text(result: FrameworkProbe) -> str:
    return STATUS_TEXT.get(result.status, result.status)


def gpu_summary(gpu: GpuInfo) -> str:
    """One line: memory, utilisation, temperature, power, compute capability."""
    parts = []
    total, used = gpu.memory_total_bytes, gpu.memory_used_bytes
    if total is not None:
        size = units.binary_bytes(total)
        parts.append(f"{units.binary_bytes(used)} / {size}" if used is not None else size)
    if gpu.utilization_percent is not None:
        parts.append(f"util {units.percent(gpu.utilization_percent)}")
    if gpu.temperature_c is not None:
        parts.append(f"{gpu.temperature_c:.0f}°C")
    if gpu.power_w is not None:
        parts.append(f"{gpu.power_w:.0f} W")
    if gpu.compute_capability:
        parts.append(f"sm {gpu.compute_capability}")
    return " · ".join(parts) or "no details available"


def peak_rows(peak_devices: Mapping[str, Mapping[str, float | None]] | None) -> list[tuple[str, str, str]]:
    """``(device, dtype, GFLOP/s text)`` for every measured value."""
    rows = []
    for device, values in (peak_devices or {}).items():
        for dtype, value in values.items():
            if value is not None:
                rows.append((device, dtype, units.gflops(value)))
    return rows


def cached_probe_text(age_s: float, again: str) -> str:
    """How old reused framework probes are, and how to probe again (``again``: a key or a flag)."""
    return (
        f"from the cached probe of {units.duration(age_s)} ago (packages, driver and environment unchanged); "
        f"{again} probes again"
    )

"""Plain-text formatting shared by ``fwtui hw`` and the Hardware screen."""

from __future__ import annotations

from collections.abc import Mapping

from fwtui.hardware.model import CpuInfo, FrameworkProbe, GpuInfo, SystemInfo

STATUS_TEXT: dict[str, str] = {
    "ok": "ok",
    "crashed": "crashed",
    "timeout": "timed out",
    "not_installed": "not installed",
    "not_probed": "not probed",
    "probing": "probing…",
}


def human_bytes(value: int | float | None) -> str:
    if value is None:
        return "—"
    size = float(value)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if size < 1024 or unit == "TiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} TiB"  # pragma: no cover - loop always returns


def gflops_text(value: float | None) -> str:
    if value is None:
        return "—"
    if value >= 1000:
        return f"{value / 1000:.2f} TFLOP/s"
    return f"{value:.1f} GFLOP/s"


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
        parts.append(
            f"{human_bytes(used)} / {human_bytes(total)}" if used is not None else human_bytes(total)
        )
    if gpu.utilization_percent is not None:
        parts.append(f"util {gpu.utilization_percent:.0f}%")
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
                rows.append((device, dtype, gflops_text(value)))
    return rows

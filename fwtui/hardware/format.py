"""Plain-text formatting shared by ``fwtui hw`` and the Hardware screen."""

from __future__ import annotations

from typing import Any

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


def optional(value: Any, suffix: str = "", digits: int = 0) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.{digits}f}{suffix}"
    return f"{value}{suffix}"


def cores_text(cpu: dict[str, Any]) -> str:
    physical, logical = cpu.get("physical_cores"), cpu.get("logical_cores")
    return f"{optional(physical)} physical / {optional(logical)} logical"


def os_text(system: dict[str, Any]) -> str:
    os_info = system.get("os", {})
    return f"{os_info.get('name', '?')} · kernel {os_info.get('kernel', '?')} · {os_info.get('arch', '?')}"


def python_text(system: dict[str, Any]) -> str:
    python = system.get("python", {})
    return f"{python.get('implementation', 'Python')} {python.get('version', '?')}"


def framework_devices_text(result: dict[str, Any]) -> str:
    if result.get("status") == "ok":
        return ", ".join(result.get("devices", [])) or "no devices"
    return result.get("reason") or ""


def framework_status_text(result: dict[str, Any]) -> str:
    return STATUS_TEXT.get(result.get("status", ""), str(result.get("status")))


def gpu_summary(gpu: dict[str, Any]) -> str:
    """One line: memory, utilisation, temperature, power, compute capability."""
    parts = []
    total, used = gpu.get("memory_total_bytes"), gpu.get("memory_used_bytes")
    if total is not None:
        parts.append(
            f"{human_bytes(used)} / {human_bytes(total)}" if used is not None else human_bytes(total)
        )
    if gpu.get("utilization_percent") is not None:
        parts.append(f"util {gpu['utilization_percent']:.0f}%")
    if gpu.get("temperature_c") is not None:
        parts.append(f"{gpu['temperature_c']:.0f}°C")
    if gpu.get("power_w") is not None:
        parts.append(f"{gpu['power_w']:.0f} W")
    if gpu.get("compute_capability"):
        parts.append(f"sm {gpu['compute_capability']}")
    return " · ".join(parts) or "no details available"


def peak_rows(peak_devices: dict[str, dict[str, Any]] | None) -> list[tuple[str, str, str]]:
    """``(device, dtype, GFLOP/s text)`` for every measured value."""
    rows = []
    for device, values in (peak_devices or {}).items():
        for dtype, value in values.items():
            if value is not None:
                rows.append((device, dtype, gflops_text(float(value))))
    return rows

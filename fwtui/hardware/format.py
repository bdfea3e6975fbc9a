"""Plain-text descriptions shared by ``fwtui hw`` and the Hardware screen; numbers with units are
:mod:`fwtui.units`' to write."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from fwtui import units
from fwtui.hardware.model import CpuInfo, FrameworkProbe, GpuInfo, PeakEntry, SystemInfo
from fwtui.hardware.peak_plan import INTEGER_DTYPES
from fwtui.terminal_text import printable

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


@dataclass(frozen=True)
class PeakRow:
    """One line of the peaks table, as ``fwtui hw`` and the Hardware area show it."""

    device: str
    dtype: str
    rate: str  # "412 GFLOP/s", "1.2 TOPS" (int8), "—"
    ceiling: str  # the most any device of its class could do (fwtui.bench.flags.ceiling_gflops)
    framework: str  # who measured it; "" when not measured
    age: str  # "3 min ago"; "" when not measured
    note: str  # why missing (the device lacks it, never measured, failed) or "busy: not used"; "" when fine
    measured: bool  # a usable figure


def rate_text(dtype: str, value: float | None) -> str:
    return units.int_ops(value) if dtype in INTEGER_DTYPES else units.gflops(value)


def peak_table(
    peak: PeakEntry | None, system: SystemInfo, measure_hint: str, now: datetime | None = None
) -> list[PeakRow]:
    """Every device's dtypes: measured figures with who measured them and when, and why each other is missing.

    ``measure_hint`` says how to measure ("press m", "run fwtui hw --measure-peak").
    """
    from fwtui.bench.flags import ceiling_gflops
    from fwtui.hardware.peak_plan import peak_plan

    now = now or datetime.now(timezone.utc)
    cpus = system.cpu.logical_cores or None
    plans = {plan.key: plan for plan in peak_plan(system, None, torch_installed=True)}
    keys = list(plans)
    for device, values in (peak.devices if peak else {}).items():
        keys += [f"{device}/{dtype}" for dtype in values if f"{device}/{dtype}" not in plans]
    rows = []
    for key in keys:
        device, _, dtype = key.partition("/")
        value = peak.gflops(device, dtype) if peak else None
        ceiling = rate_text(dtype, ceiling_gflops(device, "float16" if dtype == "tf32" else dtype, cpus))
        if value is not None and peak is not None:
            busy = key in peak.busy_keys
            rows.append(
                PeakRow(
                    printable(device), printable(dtype), rate_text(dtype, value), ceiling,
                    printable(peak.frameworks.get(key, ""), newlines=False),
                    _age_text(peak.measured_at_of(key), now), "busy: not used" if busy else "",
                    not busy,
                )
            )  # fmt: skip
            continue
        plan = plans.get(key)
        if plan is not None and plan.framework is None:
            note = plan.reason or ""  # the device lacks it: no key measures it
        elif peak is not None and key in peak.unsupported:
            note = peak.unsupported[key]
        elif peak is not None and key in peak.errors:
            note = f"failed: {peak.errors[key]}; {measure_hint}"
        else:
            note = f"not measured: {measure_hint}"
        rows.append(
            PeakRow(device, dtype, units.MISSING, ceiling, "", "", printable(note, newlines=False), False)
        )
    return rows


def _age_text(measured_at: str, now: datetime) -> str:
    try:
        then = datetime.fromisoformat(measured_at)
        return f"{units.duration((now - then).total_seconds())} ago"
    except (ValueError, TypeError):
        return "?"


def cached_probe_text(age_s: float, again: str) -> str:
    """How old reused framework probes are, and how to probe again (``again``: a key or a flag)."""
    return (
        f"from the cached probe of {units.duration(age_s)} ago (packages, driver and environment unchanged); "
        f"{again} probes again"
    )

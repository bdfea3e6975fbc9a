"""Peak compute per device and dtype, measured by a GEMM child and cached per machine and software versions.

The benchmark engine compares every result with these numbers: a result faster than the machine's best
square GEMM is flagged rather than trusted. A benchmark that needs the peak measures it the first time
(:func:`benchmark_peak`). A figure is only kept as a peak when it is plausible: each value must lie between
:data:`MIN_PLAUSIBLE_GFLOPS` and the device class's ceiling (``fwtui.bench.flags.ceiling_gflops``), and a
measurement taken while other processes used the CPU (the same window counters the benchmark child reads)
is marked ``busy`` and never used, since a peak measured under load is too low and would flag honest
results. A busy measurement is retried after :data:`BUSY_RETRY_S`.

Each dtype the device runs natively is measured (:mod:`fwtui.hardware.peak_plan` decides which, and in which
framework); one it lacks is recorded with the reason and never measured, since its emulated path is no peak.
A benchmark in a reduced precision is held to that precision's peak, measured the first time it is needed.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from datetime import datetime, timezone
from pathlib import Path

from fwtui import paths
from fwtui.errors import FwtuiError
from fwtui.frameworks import installed_version
from fwtui.hardware.machine import local_machine_id, local_system
from fwtui.hardware.model import PeakEntry
from fwtui.hardware.peak_plan import DtypePlan, peak_plan
from fwtui.json_fields import json_object

PEAK_TIMEOUT_S = 600.0
AUTOMATIC_TIMEOUT_S = 180.0
MIN_PLAUSIBLE_GFLOPS = 0.1  # any CPU of this century does more on a float32 GEMM
BUSY_RETRY_S = 3600.0
_attempted: set[str] = set()  # a benchmark process measures each figure at most once


def software_key() -> str:
    """The versions a peak depends on: fwtui's, NumPy's (its BLAS), PyTorch's (bf16 and CUDA kernels)."""
    from fwtui import __version__

    return (
        ",".join(f"{name}={installed_version(name) or '-'}" for name in ("numpy", "torch"))
        + f",fwtui={__version__}"
    )


def cache_path(machine: str | None = None) -> Path:
    digest = hashlib.sha256(software_key().encode()).hexdigest()[:12]
    return paths.cache_dir() / f"peak-{machine or local_machine_id()}-{digest}.json"


def load_peak(machine: str | None = None) -> PeakEntry | None:
    """The cached measurement for this machine (or ``machine``), or None if it was never measured."""
    try:
        data = json.loads(cache_path(machine).read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("devices"), dict):
        return None
    return PeakEntry.from_dict(data)


def peak_gflops(device: str = "cpu", dtype: str = "float32") -> float | None:
    """Cached GFLOP/s for one device and dtype; None if never measured, measured busy or not applicable."""
    peak = load_peak()
    return peak.usable(device, dtype) if peak is not None else None


def benchmark_peak(device: str = "cpu", dtype: str = "float32") -> float | None:
    """The peak a benchmark in ``dtype`` compares with, measured now if this machine and software lack it.

    Only ``dtype`` is measured, the first time a benchmark needs it (or again when it was measured busy over
    :data:`BUSY_RETRY_S` ago): a float32 benchmark never waits for a bfloat16 or int8 measurement, nor for
    the import of the framework that runs them (``fwtui hw --measure-peak`` measures every native dtype). None when it cannot be had (the device lacks the dtype natively, the
    measurement failed, or the machine was busy): the device class's ceiling then applies alone.
    """
    peak = load_peak()
    key = f"{device}/{dtype}"
    if peak is not None and (key in peak.unsupported or peak.usable(device, dtype) is not None):
        return peak.usable(device, dtype)
    stale_busy = (
        peak is not None and key in peak.busy_keys and _age_s(peak.measured_at_of(key)) > BUSY_RETRY_S
    )
    never = peak is None or (peak.gflops(device, dtype) is None and key not in peak.errors)
    attempt = f"{cache_path().name}:{key}"
    if not any(plan.key == key and plan.framework for plan in measurement_plan((dtype,), device)):
        return None  # a device or dtype this machine cannot measure natively
    if (never or stale_busy) and attempt not in _attempted:
        _attempted.add(attempt)
        try:
            peak = measure_peak(force=True, timeout_s=AUTOMATIC_TIMEOUT_S, dtypes=(dtype,), device=device)
        except FwtuiError:
            return None
    return peak.usable(device, dtype) if peak is not None else None


def _age_s(measured_at: str) -> float:
    try:
        then = datetime.fromisoformat(measured_at)
    except ValueError:
        return float("inf")
    return (datetime.now(timezone.utc) - then).total_seconds()


def plausible(
    devices: Mapping[str, Mapping[str, float | None]], cpus: int | None
) -> tuple[dict[str, dict[str, float | None]], dict[str, str]]:
    """The figures inside the sanity range, and why each other one was dropped."""
    from fwtui.bench.flags import ceiling_gflops

    kept: dict[str, dict[str, float | None]] = {}
    dropped: dict[str, str] = {}
    for device, per_dtype in devices.items():
        kept[device] = {}
        for dtype, value in per_dtype.items():
            ceiling = ceiling_gflops(device, dtype if dtype != "tf32" else "float16", cpus)
            if value is not None and not MIN_PLAUSIBLE_GFLOPS <= value <= ceiling:
                dropped[f"{device}/{dtype}"] = (
                    f"{value:.4g} GFLOP/s is outside the plausible range {MIN_PLAUSIBLE_GFLOPS:g}-{ceiling:.4g}"
                )
                value = None
            kept[device][dtype] = value
    return kept, dropped


def busy_reason(contention: object) -> str | None:
    """Why the measurement window was contended, or None (read from the child's window counters)."""
    from fwtui.bench.contention import Window

    if not isinstance(contention, Mapping):
        return None
    try:
        window = Window.from_dict(json_object(contention))
    except ValueError:
        return None
    if not window.contended():
        return None
    others = "?" if window.other_cpus is None else f"{window.other_cpus:.2f}"
    steal = "?" if window.steal_share is None else f"{window.steal_share:.0%}"
    return f"other processes used {others} CPUs and steal was {steal} while it measured"


def measurement_plan(dtypes: tuple[str, ...] | None = None, device: str | None = None) -> list[DtypePlan]:
    """What a measurement of ``dtypes`` (all when None) on ``device`` (all when None) would do on this machine."""
    plans = peak_plan(local_system(), dtypes, installed_version("torch") is not None)
    return [plan for plan in plans if device is None or plan.device == device]


def _write_atomically(path: Path, data: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".peak-", suffix=".json")
    with os.fdopen(fd, "w") as handle:
        json.dump(data, handle, indent=2)
    os.replace(tmp, path)


def measure_peak(
    force: bool = False,
    timeout_s: float = PEAK_TIMEOUT_S,
    dtypes: tuple[str, ...] | None = None,
    device: str | None = None,
    max_size: int | None = None,
) -> PeakEntry:
    """Measure (or, unless ``force``, reuse the cached) peak GEMM GFLOP/s per device and native dtype.

    ``dtypes`` and ``device`` narrow what is measured; the cached figures of the others are kept.
    ``max_size`` caps the matrix (tests use a tiny one).
    """
    if not force:
        cached = load_peak()
        if cached is not None:
            return cached
    plans = measurement_plan(dtypes, device)
    native = [plan for plan in plans if plan.framework is not None]
    result: Mapping[str, object] = _run_child(native, timeout_s, max_size) if native else {}
    system = local_system()
    raw = PeakEntry.from_dict({"devices": result.get("devices")})
    devices, dropped = plausible(raw.devices, system.cpu.logical_cores or None)
    busy = busy_reason(result.get("contention"))
    now = datetime.now(timezone.utc).isoformat(timespec="seconds")
    old = load_peak()
    measured_keys = {plan.key for plan in native}
    touched = measured_keys | {plan.key for plan in plans}

    def kept(mapping: Mapping[str, object]) -> dict[str, object]:
        """The old entry's per-figure facts for the figures not measured now."""
        return {key: value for key, value in mapping.items() if key not in touched}

    merged_devices: dict[str, dict[str, float | None]] = {}
    if old is not None:
        for dev, values in old.devices.items():
            for dtype, value in values.items():
                if f"{dev}/{dtype}" not in touched and value is not None:
                    merged_devices.setdefault(dev, {})[dtype] = value
    for dev, values in devices.items():
        for dtype, value in values.items():
            if value is not None:
                merged_devices.setdefault(dev, {})[dtype] = value
    new_keys = {
        f"{dev}/{dtype}" for dev, values in devices.items() for dtype, v in values.items() if v is not None
    }
    from fwtui import __version__

    entry = PeakEntry.from_dict(
        {
            "machine_id": local_machine_id(),
            "measured_at": now,
            "fwtui_version": __version__,
            "devices": merged_devices,
            "sizes": {**kept(old.sizes if old else {}), **json_object(result.get("sizes"))},
            "errors": {**kept(old.errors if old else {}), **json_object(result.get("errors")), **dropped},
            "medians": {**kept(old.medians if old else {}), **json_object(result.get("medians"))},
            "busy": busy,
            "software": software_key(),
            "frameworks": {**kept(old.frameworks if old else {}), **json_object(result.get("frameworks"))},
            "measured_ats": {**_kept_times(old, touched), **{key: now for key in new_keys}},
            "busy_keys": {
                **kept(old.busy_keys if old else {}),
                **({key: busy for key in new_keys} if busy else {}),
            },
            "unsupported": {
                **kept(old.unsupported if old else {}),
                **{plan.key: plan.reason for plan in plans if plan.framework is None and plan.reason},
            },
        }
    )
    _write_atomically(cache_path(), entry.to_dict())
    return entry


def _kept_times(old: PeakEntry | None, touched: set[str]) -> dict[str, str]:
    """When each old figure that is kept was measured."""
    if old is None:
        return {}
    keys = [f"{dev}/{dtype}" for dev, values in old.devices.items() for dtype in values]
    return {key: old.measured_at_of(key) for key in keys if key not in touched}


def _run_child(native: list[DtypePlan], timeout_s: float, max_size: int | None) -> Mapping[str, object]:
    plan = ",".join(f"{p.key}={p.framework}" for p in native)
    command = [sys.executable, "-m", "fwtui.hardware.peak_child", "--plan", plan]
    if max_size is not None:
        command += ["--max-size", str(max_size)]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout_s, check=False)
    except subprocess.TimeoutExpired:
        raise FwtuiError(f"peak measurement did not finish within {timeout_s:g} s") from None
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        tail = (done.stderr.strip().splitlines() or [f"exit status {done.returncode}"])[-1]
        raise FwtuiError(f"peak measurement failed: {tail}")
    return json_object(json.loads(lines[-1]))

"""Peak compute per device and dtype, measured by a GEMM child and cached per machine and software versions.

The benchmark engine compares every result with these numbers: a result faster than the machine's best
square GEMM is flagged rather than trusted. A benchmark that needs the peak measures it the first time
(:func:`benchmark_peak`). A figure is only kept as a peak when it is plausible: each value must lie between
:data:`MIN_PLAUSIBLE_GFLOPS` and the device class's ceiling (``fwtui.bench.flags.ceiling_gflops``), and a
measurement taken while other processes used the CPU (the same window counters the benchmark child reads)
is marked ``busy`` and never used, since a peak measured under load is too low and would flag honest
results. A busy measurement is retried after :data:`BUSY_RETRY_S`.
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
from fwtui.hardware.model import PeakEntry, SystemInfo
from fwtui.json_fields import json_object

PEAK_TIMEOUT_S = 600.0
AUTOMATIC_TIMEOUT_S = 180.0
BF16_CPU_FEATURES = frozenset({"avx512_bf16", "amx_bf16"})
MIN_PLAUSIBLE_GFLOPS = 0.1  # any CPU of this century does more on a float32 GEMM
BUSY_RETRY_S = 3600.0
_attempted: set[str] = set()  # a benchmark process measures at most once


def software_key() -> str:
    """The versions a peak depends on: fwtui's, NumPy's (its BLAS), PyTorch's (bf16 and CUDA kernels)."""
    from fwtui import __version__

    return ",".join(
        f"{name}={installed_version(name) or '-'}" for name in ("numpy", "torch")
    ) + f",fwtui={__version__}"


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
    return peak.gflops(device, dtype) if peak is not None and peak.busy is None else None


def benchmark_peak(device: str = "cpu", dtype: str = "float32") -> float | None:
    """The peak a benchmark compares with, measured now if this machine and software have none yet.

    None when it cannot be had (the measurement failed, or the machine was busy): the device class's
    ceiling then applies alone.
    """
    peak = load_peak()
    stale_busy = peak is not None and peak.busy is not None and _age_s(peak.measured_at) > BUSY_RETRY_S
    if (peak is None or stale_busy) and cache_path().name not in _attempted:
        _attempted.add(cache_path().name)
        try:
            peak = measure_peak(force=True, timeout_s=AUTOMATIC_TIMEOUT_S)
        except FwtuiError:
            return None
    return peak.gflops(device, dtype) if peak is not None and peak.busy is None else None


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


def _child_args(system: SystemInfo) -> list[str]:
    args = []
    torch_installed = installed_version("torch") is not None
    if torch_installed and BF16_CPU_FEATURES & set(system.cpu.flags):
        args.append("--bf16")
    if torch_installed and system.nvidia.available and system.gpus:
        args.append("--cuda")
    return args


def _write_atomically(path: Path, data: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".peak-", suffix=".json")
    with os.fdopen(fd, "w") as handle:
        json.dump(data, handle, indent=2)
    os.replace(tmp, path)


def measure_peak(force: bool = False, timeout_s: float = PEAK_TIMEOUT_S) -> PeakEntry:
    """Measure (or, unless ``force``, reuse the cached) peak GEMM GFLOP/s per device and dtype."""
    if not force:
        cached = load_peak()
        if cached is not None:
            return cached
    system = local_system()
    command = [sys.executable, "-m", "fwtui.hardware.peak_child", *_child_args(system)]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout_s, check=False)
    except subprocess.TimeoutExpired:
        raise FwtuiError(f"peak measurement did not finish within {timeout_s:g} s") from None
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        tail = (done.stderr.strip().splitlines() or [f"exit status {done.returncode}"])[-1]
        raise FwtuiError(f"peak measurement failed: {tail}")
    result = json_object(json.loads(lines[-1]))
    from fwtui import __version__

    raw = PeakEntry.from_dict({"devices": result.get("devices")})
    devices, dropped = plausible(raw.devices, system.cpu.logical_cores or None)
    errors = {**json_object(result.get("errors")), **dropped}
    entry = PeakEntry.from_dict(
        {
            "machine_id": local_machine_id(),
            "measured_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "fwtui_version": __version__,
            "devices": devices,
            "sizes": result.get("sizes"),
            "errors": errors,
            "medians": result.get("medians"),
            "busy": busy_reason(result.get("contention")),
            "software": software_key(),
        }
    )
    _write_atomically(cache_path(), entry.to_dict())
    return entry

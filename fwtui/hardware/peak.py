"""Peak compute per device, measured once by a GEMM child and cached per machine.

The benchmark engine compares every result with these numbers: a result faster than the
machine's best square GEMM is flagged as suspicious rather than trusted.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path

from fwtui import paths
from fwtui.errors import FwtuiError
from fwtui.frameworks import installed_version
from fwtui.hardware.machine import local_machine_id, local_system
from fwtui.hardware.model import PeakEntry, SystemInfo
from fwtui.json_fields import json_object

PEAK_TIMEOUT_S = 600.0
BF16_CPU_FEATURES = frozenset({"avx512_bf16", "amx_bf16"})


def cache_path(machine: str | None = None) -> Path:
    return paths.cache_dir() / f"peak-{machine or local_machine_id()}.json"


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
    """Cached GFLOP/s for one device and dtype; None if never measured or not applicable."""
    peak = load_peak()
    return peak.gflops(device, dtype) if peak is not None else None


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

    entry = PeakEntry.from_dict(
        {
            "machine_id": local_machine_id(),
            "measured_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "fwtui_version": __version__,
            "devices": result.get("devices"),
            "sizes": result.get("sizes"),
            "errors": result.get("errors"),
        }
    )
    _write_atomically(cache_path(), entry.to_dict())
    return entry

"""Energy spent while a benchmark's timed samples ran: RAPL on Linux CPUs, NVML on NVIDIA GPUs.

The benchmark child reads a cumulative energy counter right before and right after the timed samples
(:func:`meter_for`, then :meth:`EnergyMeter.start` and :meth:`EnergyMeter.stop`). Both counters measure a
whole piece of hardware, not one process: RAPL's package domains cover every core and the uncore of each CPU
package, NVML's total energy the whole GPU board, so whatever else runs on the machine during the measurement
is counted too (:attr:`EnergyReading.scope` says which). When no counter can be read the reading has no
joules and says why; a figure is never 0 for "unknown".

RAPL is read from ``/sys/class/powercap/intel-rapl:<n>/energy_uj`` (AMD's CPUs use the same interface);
``$FWTUI_POWERCAP_ROOT`` or ``powercap_root`` points elsewhere, which is how the tests build a fake tree. Since
Linux 5.10 those files are readable by root only unless an administrator opens them up.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fwtui.bench.runner import parse_device

POWERCAP_ROOT_ENV = "FWTUI_POWERCAP_ROOT"
DEFAULT_POWERCAP_ROOT = Path("/sys/class/powercap")
# Package domains only: their sub-domains (``intel-rapl:0:0``, cores, uncore, dram) are parts of the package or
# outside it, and ``intel-rapl-mmio`` repeats a package, so summing any of them would count energy twice.
_PACKAGE_DOMAIN = re.compile(r"intel-rapl:\d+")

NO_RAPL = "no RAPL interface on this machine"
RAPL_ROOT_ONLY = "RAPL energy counters are readable by root only"
NO_NVML = "no NVML (the nvidia-ml-py package is not installed)"
NVML_UNSUPPORTED = "this GPU does not report its energy through NVML (Volta or newer is needed)"
NOT_ADVANCED = "the energy counter did not advance during the measurement (too short to read)"
RAPL_SCOPE = "RAPL package domains: every CPU package as a whole, other processes included"


@dataclass(frozen=True)
class EnergyReading:
    """Joules spent between start and stop, or None with the reason; ``scope`` says what was measured."""

    joules: float | None
    reason: str | None = None
    scope: str | None = None

    def per_sample(self, samples: int) -> tuple[float | None, str | None]:
        """Joules per input sample (``samples`` = timed samples x calls per sample x batch), or None and why."""
        if self.joules is None:
            return None, self.reason or "no energy reading"
        if samples <= 0:
            return None, "no samples were measured"
        return self.joules / samples, None


class EnergyMeter:
    """A counter read at :meth:`start` and :meth:`stop`; a meter that cannot read says why at :meth:`stop`."""

    scope: str | None = None

    def start(self) -> None:
        """Read the counter now."""

    def stop(self) -> EnergyReading:
        """The energy spent since :meth:`start`."""
        raise NotImplementedError


class Unavailable(EnergyMeter):
    """No counter on this machine or for this device: every reading is the reason."""

    def __init__(self, reason: str) -> None:
        self.reason = reason

    def stop(self) -> EnergyReading:
        return EnergyReading(None, self.reason)


class RaplMeter(EnergyMeter):
    """The sum of every RAPL package domain's ``energy_uj``, wrap-around included."""

    scope = RAPL_SCOPE

    def __init__(self, domains: list[Path]) -> None:
        self.domains = domains
        self._before: list[int] | None = None
        self._failure: str | None = None

    def start(self) -> None:
        self._before, self._failure = None, None
        try:
            self._before = [_read_counter(domain / "energy_uj") for domain in self.domains]
        except _CounterError as exc:
            self._failure = str(exc)

    def stop(self) -> EnergyReading:
        if self._before is None:
            return EnergyReading(None, self._failure or "the energy counter was not started")
        try:
            after = [_read_counter(domain / "energy_uj") for domain in self.domains]
            total_uj = 0
            for domain, first, last in zip(self.domains, self._before, after, strict=True):
                spent = last - first
                if spent < 0:  # the counter wrapped at its range (every few minutes to hours under load)
                    spent += _read_counter(domain / "max_energy_range_uj")
                total_uj += spent
        except _CounterError as exc:
            return EnergyReading(None, str(exc), self.scope)
        if total_uj <= 0:
            return EnergyReading(None, NOT_ADVANCED, self.scope)
        return EnergyReading(total_uj / 1e6, None, self.scope)


class _CounterError(Exception):
    """A counter could not be read; the message is the reason a result shows."""


def _read_counter(path: Path) -> int:
    try:
        text = path.read_text(encoding="ascii").strip()
    except PermissionError:
        raise _CounterError(RAPL_ROOT_ONLY) from None
    except (OSError, UnicodeDecodeError) as exc:
        why = exc.strerror if isinstance(exc, OSError) and exc.strerror else type(exc).__name__
        raise _CounterError(f"RAPL counter {path.parent.name}/{path.name} unreadable: {why}") from None
    if not text.isdigit():
        raise _CounterError(f"RAPL counter {path.parent.name}/{path.name} is not a number")
    return int(text)


def rapl_domains(powercap_root: Path | None = None) -> list[Path]:
    """The package domains under the powercap root (``$FWTUI_POWERCAP_ROOT``, else /sys/class/powercap)."""
    root = powercap_root or Path(os.environ.get(POWERCAP_ROOT_ENV) or DEFAULT_POWERCAP_ROOT)
    try:
        entries = list(root.iterdir())
    except OSError:
        return []
    return sorted((entry for entry in entries if _PACKAGE_DOMAIN.fullmatch(entry.name)), key=lambda p: p.name)


class NvmlMeter(EnergyMeter):
    """One GPU's total energy since the driver loaded (``nvmlDeviceGetTotalEnergyConsumption``, mJ)."""

    def __init__(self, nvml: Any, handle: Any, index: int) -> None:
        self.nvml, self.handle = nvml, handle
        self.scope = f"NVML: the whole of GPU {index}, other processes on it included"
        self._before: int | None = None
        self._failure: str | None = None

    def _read_mj(self) -> int:
        try:
            return int(self.nvml.nvmlDeviceGetTotalEnergyConsumption(self.handle))
        except self.nvml.NVMLError_NotSupported:
            raise _CounterError(NVML_UNSUPPORTED) from None
        except self.nvml.NVMLError as exc:
            raise _CounterError(f"NVML energy read failed: {exc}") from None

    def start(self) -> None:
        self._before, self._failure = None, None
        try:
            self._before = self._read_mj()
        except _CounterError as exc:
            self._failure = str(exc)

    def stop(self) -> EnergyReading:
        if self._before is None:
            return EnergyReading(None, self._failure or "the energy counter was not started", self.scope)
        try:
            spent_mj = self._read_mj() - self._before
        except _CounterError as exc:
            return EnergyReading(None, str(exc), self.scope)
        if spent_mj <= 0:
            return EnergyReading(None, NOT_ADVANCED, self.scope)
        return EnergyReading(spent_mj / 1e3, None, self.scope)


def _nvml_meter(cuda_index: int) -> EnergyMeter:
    try:
        import pynvml  # noqa: F401  (only whether it is installed)
    except ImportError:
        return Unavailable(NO_NVML)
    from fwtui.hardware.gpus import _nvml_init, _nvml_reason

    try:
        nvml = _nvml_init(os.environ.get("FWTUI_NVML_LIBRARY") or None)
        handle, index = _visible_gpu(nvml, cuda_index)
    except Exception as exc:  # any NVML failure is a reason, never a failed benchmark
        return Unavailable(_nvml_reason(exc))
    return NvmlMeter(nvml, handle, index)


def _visible_gpu(nvml: Any, cuda_index: int) -> tuple[Any, int]:
    """NVML's handle for CUDA device ``cuda_index``, through ``$CUDA_VISIBLE_DEVICES`` when it renumbers them."""
    visible = [v.strip() for v in os.environ.get("CUDA_VISIBLE_DEVICES", "").split(",") if v.strip()]
    if cuda_index < len(visible):
        entry = visible[cuda_index]
        if entry.isdigit():
            return nvml.nvmlDeviceGetHandleByIndex(int(entry)), int(entry)
        handle = nvml.nvmlDeviceGetHandleByUUID(entry)
        return handle, int(nvml.nvmlDeviceGetIndex(handle))
    return nvml.nvmlDeviceGetHandleByIndex(cuda_index), cuda_index


def meter_for(device: str, *, powercap_root: Path | None = None) -> EnergyMeter:
    """The counter that covers ``device``: RAPL for ``cpu``, NVML for ``cuda[:n]``; else one that says why not."""
    try:
        kind, index = parse_device(device)
    except ValueError:
        return Unavailable(f"no energy counter for device {device!r}")
    if kind == "cuda":
        return _nvml_meter(index)
    if kind != "cpu":
        return Unavailable(f"no energy counter for device {kind!r}")
    domains = rapl_domains(powercap_root)
    return RaplMeter(domains) if domains else Unavailable(NO_RAPL)

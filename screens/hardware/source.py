"""Where the Hardware area gets its data. Tests replace ``screens.hardware.area.SOURCE`` with fixed data."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone

from fwtui.hardware.model import FrameworkProbe, PeakEntry, SystemInfo
from fwtui.hardware.probe_cache import CachedProbes


class HardwareSource:
    """Where the area gets its data. Tests replace :data:`SOURCE` to get fixed, deterministic data."""

    live = True  # sample CPU/memory/GPU use every second
    probe_timeout_s = 60.0

    def system(self) -> SystemInfo:
        # The per-process probe, shared with the peak cache lookup, so start-up probes only once.
        from fwtui.hardware.machine import local_system

        return local_system()

    def frameworks(self, on_result: Callable[[str, FrameworkProbe], None]) -> dict[str, FrameworkProbe]:
        from fwtui.hardware.frameworks_probe import probe_frameworks

        return probe_frameworks(timeout_s=self.probe_timeout_s, on_result=on_result)

    def cached_frameworks(self, system: SystemInfo) -> CachedProbes | None:
        """An earlier probe made under the same packages, driver and environment, if there is one."""
        from fwtui.hardware import probe_cache

        return probe_cache.load(system)

    def save_frameworks(self, system: SystemInfo, results: dict[str, FrameworkProbe]) -> None:
        from fwtui.hardware import probe_cache

        probe_cache.save(system, results)

    def cached_peak(self) -> PeakEntry | None:
        from fwtui.hardware.peak import load_peak

        return load_peak()

    def measure_peak(self) -> PeakEntry:
        from fwtui.hardware.peak import measure_peak

        return measure_peak(force=True)

    def now(self) -> datetime:
        """The time measurement ages are counted to; fixed sources fix it to stay deterministic."""
        return datetime.now(timezone.utc)

    def seed_history(self) -> list[tuple[float, float]]:
        """(cpu %, memory %) samples to start the graphs with; fixed sources use it to stay deterministic."""
        return []

    def sample_host(self) -> tuple[float, float]:
        from fwtui.hardware.live import sample_host

        return sample_host()

    def sample_gpus(self) -> list[float | None]:
        from fwtui.hardware.live import sample_gpus

        return sample_gpus()

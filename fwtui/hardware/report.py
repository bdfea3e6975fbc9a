"""The full hardware report: what ``fwtui hw --json`` prints and what the app shares between areas."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone

from fwtui.hardware.frameworks_probe import ResultCallback, not_probed, probe_frameworks
from fwtui.hardware.machine import machine_id
from fwtui.hardware.model import FrameworkProbe, HardwareWarning, PeakEntry, SystemInfo
from fwtui.hardware.peak import load_peak, measure_peak
from fwtui.hardware.system import probe_system
from fwtui.hardware.warnings import collect_warnings
from fwtui.json_fields import JsonObject, integer, items, json_object, optional_text, text, to_json

REPORT_VERSION = 1
PROBE_SOURCES = ("probed", "cache", "skipped")


@dataclass(frozen=True)
class HardwareReport:
    """This machine, what each framework sees of it, its peak compute and the configuration warnings.

    Its JSON form (``to_dict``) is flat: the system's fields sit at the top level next to the report's own.
    """

    system: SystemInfo
    frameworks: Mapping[str, FrameworkProbe]  # by framework name, in registry order
    peak: PeakEntry | None
    warnings: tuple[HardwareWarning, ...]
    machine_id: str
    generated_at: str  # ISO 8601, UTC
    fwtui_version: str
    report_version: int = REPORT_VERSION
    # Where the framework probes came from: "probed" (children just ran), "cache" (an earlier probe under the
    # same packages, driver and environment: fwtui/hardware/probe_cache.py) or "skipped" (metadata only).
    probes_source: str = "probed"
    probed_at: str | None = None  # ISO 8601, UTC: when the children ran; None when skipped

    @property
    def peak_gflops(self) -> Mapping[str, Mapping[str, float | None]] | None:
        """The usable figures; one measured while the machine was busy is no peak (``peak.busy_keys`` say why)."""
        return (self.peak.usable_devices() or None) if self.peak is not None else None

    def cuda_seen(self) -> bool:
        """Whether the report shows a usable NVIDIA driver and a framework that sees a GPU through it."""
        if not self.system.nvidia.available:
            return False
        return any(
            probe.gpu_devices or any(device.lower().startswith(("cuda", "gpu")) for device in probe.devices)
            for probe in self.frameworks.values()
        )

    def to_dict(self) -> JsonObject:
        return {
            "report_version": self.report_version,
            "fwtui_version": self.fwtui_version,
            "generated_at": self.generated_at,
            "machine_id": self.machine_id,
            **self.system.to_dict(),
            "frameworks": {name: probe.to_dict() for name, probe in self.frameworks.items()},
            "peak_gflops": to_json(self.peak_gflops),
            "peak": self.peak.to_dict() if self.peak is not None else None,
            "warnings": [warning.to_dict() for warning in self.warnings],
            "probes_source": self.probes_source,
            "probed_at": self.probed_at,
        }

    @classmethod
    def from_dict(cls, data: object) -> HardwareReport:
        """Read a report's JSON form; what an older or partial report lacks is derived or left unknown."""
        d = json_object(data)
        system = SystemInfo.from_dict(d)
        frameworks = {
            name: FrameworkProbe.from_dict(entry, name) for name, entry in json_object(d.get("frameworks")).items()
        }
        peak = None
        if isinstance(d.get("peak"), Mapping):
            peak = PeakEntry.from_dict(d["peak"])
        elif isinstance(d.get("peak_gflops"), Mapping):
            peak = PeakEntry.from_dict({"devices": d["peak_gflops"]})
        warnings = (
            items(d, "warnings", HardwareWarning.from_dict)
            if "warnings" in d
            else tuple(collect_warnings(system, frameworks))
        )
        return cls(
            system=system,
            frameworks=frameworks,
            peak=peak,
            warnings=warnings,
            machine_id=text(d, "machine_id") or machine_id(system),
            generated_at=text(d, "generated_at"),
            fwtui_version=text(d, "fwtui_version"),
            report_version=integer(d, "report_version", REPORT_VERSION),
            probes_source=next((s for s in PROBE_SOURCES if s == d.get("probes_source")), "probed"),
            probed_at=optional_text(d, "probed_at"),
        )


def assemble_report(
    system: SystemInfo,
    frameworks: Mapping[str, FrameworkProbe],
    peak: PeakEntry | None,
    *,
    probes_source: str = "probed",
    probed_at: datetime | None = None,
) -> HardwareReport:
    """Combine already-collected parts (the screen probes them separately) into a report."""
    from fwtui import __version__

    now = datetime.now(timezone.utc)
    if probes_source == "probed" and probed_at is None:
        probed_at = now
    return HardwareReport(
        system=system,
        frameworks=dict(frameworks),
        peak=peak,
        warnings=tuple(collect_warnings(system, frameworks)),
        machine_id=machine_id(system),
        generated_at=now.isoformat(timespec="seconds"),
        fwtui_version=__version__,
        probes_source=probes_source,
        probed_at=probed_at.isoformat(timespec="seconds") if probed_at is not None else None,
    )


def build_report(
    *,
    frameworks: bool = True,
    peak: bool = True,
    timeout_s: float = 60.0,
    measure: bool = False,
    measure_dtypes: tuple[str, ...] | None = None,
    fresh: bool = False,
    on_framework: ResultCallback | None = None,
) -> HardwareReport:
    """Probe everything. ``frameworks=False`` skips the child probes (versions come from metadata);
    the probes' cached results are used when nothing they depend on changed, unless ``fresh``;
    ``peak`` includes the cached peak compute; ``measure`` (re)measures it first, every native dtype or
    ``measure_dtypes``."""
    from fwtui.hardware import probe_cache

    system = probe_system()
    peak_entry = measure_peak(force=True, dtypes=measure_dtypes) if measure else (load_peak(machine_id(system)) if peak else None)
    if not frameworks:
        return assemble_report(system, not_probed(), peak_entry, probes_source="skipped")
    cached = None if fresh else probe_cache.load(system)
    if cached is not None:
        return assemble_report(
            system, cached.frameworks, peak_entry, probes_source="cache", probed_at=cached.probed_at
        )
    probed = probe_frameworks(timeout_s=timeout_s, on_result=on_framework)
    probe_cache.save(system, probed)
    return assemble_report(system, probed, peak_entry)

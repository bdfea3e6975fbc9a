"""The full hardware report: what ``fwtui hw --json`` prints and what the app shares between areas."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from fwtui.hardware.frameworks_probe import ResultCallback, not_probed, probe_frameworks
from fwtui.hardware.machine import machine_id
from fwtui.hardware.peak import load_peak, measure_peak
from fwtui.hardware.system import probe_system
from fwtui.hardware.warnings import collect_warnings

REPORT_VERSION = 1


def assemble_report(
    system: dict[str, Any],
    frameworks: dict[str, dict[str, Any]],
    peak: dict[str, Any] | None,
) -> dict[str, Any]:
    """Combine already-collected parts (the screen probes them separately) into a report."""
    from fwtui import __version__

    return {
        "report_version": REPORT_VERSION,
        "fwtui_version": __version__,
        "generated_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine_id": machine_id(system),
        **system,
        "frameworks": frameworks,
        "peak_gflops": peak["devices"] if peak else None,
        "peak": peak,
        "warnings": collect_warnings(system, frameworks),
    }


def build_report(
    *,
    frameworks: bool = True,
    peak: bool = True,
    timeout_s: float = 60.0,
    measure: bool = False,
    on_framework: ResultCallback | None = None,
) -> dict[str, Any]:
    """Probe everything. ``frameworks=False`` skips the child probes (versions come from metadata);
    ``peak`` includes the cached peak compute; ``measure`` (re)measures it first."""
    system = probe_system()
    probed = probe_frameworks(timeout_s=timeout_s, on_result=on_framework) if frameworks else not_probed()
    peak_entry = measure_peak(force=True) if measure else (load_peak() if peak else None)
    return assemble_report(system, probed, peak_entry)

"""What this machine has and what each framework can use of it.

``probe_system()`` is fast and imports no framework; ``probe_frameworks()`` asks each framework in
a child process; ``build_report()`` combines both with the cached peak compute and the warnings into a
typed ``HardwareReport`` (its JSON form is ``report.to_dict()``; ``HardwareReport.from_dict()`` reads one back).
"""

from __future__ import annotations

from fwtui.hardware.frameworks_probe import probe_frameworks
from fwtui.hardware.machine import local_system, machine_id, machine_record
from fwtui.hardware.model import FrameworkProbe, HardwareWarning, PeakEntry, SystemInfo
from fwtui.hardware.report import HardwareReport, assemble_report, build_report
from fwtui.hardware.system import probe_system
from fwtui.hardware.warnings import collect_warnings

__all__ = [
    "FrameworkProbe",
    "HardwareReport",
    "HardwareWarning",
    "PeakEntry",
    "SystemInfo",
    "assemble_report",
    "build_report",
    "collect_warnings",
    "local_system",
    "machine_id",
    "machine_record",
    "probe_frameworks",
    "probe_system",
]

"""What this machine has and what each framework can use of it.

``probe_system()`` is fast and imports no framework; ``probe_frameworks()`` asks each framework in
a child process; ``build_report()`` combines both with the cached peak compute and the warnings.
"""

from __future__ import annotations

from fwtui.hardware.frameworks_probe import probe_frameworks
from fwtui.hardware.machine import machine_id, machine_record
from fwtui.hardware.report import assemble_report, build_report
from fwtui.hardware.system import probe_system
from fwtui.hardware.warnings import collect_warnings

__all__ = [
    "assemble_report",
    "build_report",
    "collect_warnings",
    "machine_id",
    "machine_record",
    "probe_frameworks",
    "probe_system",
]

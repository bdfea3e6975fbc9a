"""A benchmark child's own memory accounting, per run: the kernel's peak-RSS mark, reset between runs.

A persistent child runs several runs in turn; ``ru_maxrss`` only ever grows, so it would charge every run with the
largest earlier one. Linux keeps a resettable mark instead (``VmHWM`` in /proc/self/status, reset by writing 5
to /proc/self/clear_refs); elsewhere the figure falls back to the process's peak so far.
"""

from __future__ import annotations

import contextlib
import resource
import sys


def _status_mb(field: str) -> float | None:
    """A ``kB`` field of /proc/self/status in MB (Linux), or None."""
    with contextlib.suppress(OSError, ValueError), open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return None


def reset_peak_rss() -> bool:
    """Reset the kernel's peak-RSS mark (VmHWM) so the next run's peak is its own; False where impossible."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as refs:
            refs.write("5")
        return True
    except OSError:
        return False


def peak_rss_mb() -> float:
    """Peak resident memory since the last :func:`reset_peak_rss` (Linux), else since the process started."""
    since_reset = _status_mb("VmHWM")
    if since_reset is not None:
        return since_reset
    usage = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return usage / (1024 * 1024) if sys.platform == "darwin" else usage / 1024


def resident_mb() -> float | None:
    """Resident memory now (Linux), or None."""
    return _status_mb("VmRSS")

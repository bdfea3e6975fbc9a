"""What else the machine did while a phase was timed: the child's own CPU time, other processes' CPU, steal.

A lagging load average cannot say whether *this* measurement was contended (the 1-minute average of a hog
started 10 s ago is still small, and one that stopped 10 s ago still counts), so the child reads the
counters that cover exactly the timed window: ``/proc/stat`` (every CPU's busy and steal ticks) and its own
``getrusage`` CPU time, at the start and the end of each phase. Other processes' CPU is the machine's busy
time minus the child's own. Where ``/proc/stat`` is missing (macOS) only the child's own CPU time is known,
and nothing is flagged from what could not be seen.

Runs inside the benchmark child and the peak child; pure standard library.
"""

from __future__ import annotations

import os
import resource
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from fwtui.json_fields import Fields, JsonObject

PROC_STAT = Path("/proc/stat")
CPUFREQ = Path("/sys/devices/system/cpu/cpu0/cpufreq")
# Thresholds, with the measurement behind each in README "Validity flags":
# other processes used at least this many CPUs on average during the window: half of one busy process
# (this 2-core VM with other benchmarks running read 0.9-1.8)
OTHER_CPUS_CONTENDED = 0.5
# the hypervisor took at least this share of the machine's CPU time (read here: 0-21% under load)
STEAL_SHARE_CONTENDED = 0.05
# windows shorter than this hold too few clock ticks (10 ms each) to say anything
MIN_WINDOW_S = 0.2


@dataclass(frozen=True)
class Snapshot:
    """Counters at one instant: wall clock, own CPU seconds, machine busy/steal/total seconds (None: unknown)."""

    wall_s: float
    own_cpu_s: float
    busy_s: float | None
    steal_s: float | None
    total_s: float | None


def _proc_stat() -> tuple[float, float, float] | None:
    """(busy, steal, total) seconds summed over every CPU since boot, or None where /proc/stat is absent."""
    try:
        first = PROC_STAT.read_text().split("\n", 1)[0].split()
    except OSError:
        return None
    if not first or first[0] != "cpu" or len(first) < 5:
        return None
    ticks = [int(v) for v in first[1:]]
    hz = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    # user nice system idle iowait irq softirq steal guest guest_nice; guest time is already in user.
    idle = ticks[3] + (ticks[4] if len(ticks) > 4 else 0)
    steal = ticks[7] if len(ticks) > 7 else 0
    total = sum(ticks[:8])
    return (total - idle - steal) / hz, steal / hz, total / hz


def snapshot() -> Snapshot:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    machine = _proc_stat()
    return Snapshot(
        wall_s=time.perf_counter(),
        own_cpu_s=usage.ru_utime + usage.ru_stime,
        busy_s=None if machine is None else machine[0],
        steal_s=None if machine is None else machine[1],
        total_s=None if machine is None else machine[2],
    )


def cpu_frequency() -> JsonObject:
    """The governor and current/maximum frequency of cpu0 where the kernel exposes them ({} elsewhere)."""
    found: JsonObject = {}
    for key, name in (("governor", "scaling_governor"), ("cur_khz", "scaling_cur_freq"), ("max_khz", "cpuinfo_max_freq")):
        try:
            text = (CPUFREQ / name).read_text().strip()
        except OSError:
            continue
        found[key] = int(text) if text.isdigit() else text
    return found


@dataclass(frozen=True)
class Window:
    """What happened between two snapshots: the evidence behind the ``busy_machine`` flag."""

    wall_s: float
    own_cpus: float  # the child's CPU seconds per wall second (its busy threads on average)
    other_cpus: float | None  # other processes' busy CPUs on average; None where /proc/stat is absent
    steal_share: float | None  # share of the machine's CPU time the hypervisor took
    cpus: int

    @classmethod
    def between(cls, start: Snapshot, end: Snapshot) -> Window:
        wall = max(end.wall_s - start.wall_s, 1e-9)
        own = max(end.own_cpu_s - start.own_cpu_s, 0.0)
        other = steal = None
        if None not in (start.busy_s, end.busy_s, start.total_s, end.total_s):
            assert start.busy_s is not None and end.busy_s is not None
            assert start.total_s is not None and end.total_s is not None
            other = max(0.0, (end.busy_s - start.busy_s) - own) / wall
            total = end.total_s - start.total_s
            if start.steal_s is not None and end.steal_s is not None and total > 0:
                steal = max(0.0, end.steal_s - start.steal_s) / total
        return cls(wall, own / wall, other, steal, os.cpu_count() or 1)

    def contended(self) -> bool:
        """Others took a real share of the machine, or the hypervisor did, during this window."""
        if self.wall_s < MIN_WINDOW_S:
            return False
        others = self.other_cpus is not None and self.other_cpus >= OTHER_CPUS_CONTENDED
        stolen = self.steal_share is not None and self.steal_share >= STEAL_SHARE_CONTENDED
        return others or stolen

    def to_dict(self) -> JsonObject:
        return {
            "wall_s": self.wall_s,
            "own_cpus": self.own_cpus,
            "other_cpus": self.other_cpus,
            "steal_share": self.steal_share,
            "cpus": self.cpus,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> Window:
        f = Fields(data, "contention window")
        return cls(
            wall_s=f.number("wall_s"),
            own_cpus=f.number("own_cpus"),
            other_cpus=f.opt_number("other_cpus"),
            steal_share=f.opt_number("steal_share"),
            cpus=int(f.number("cpus")),
        )


class Watch:
    """Snapshots at ``start()``/``stop()``; ``window`` is what was seen in between."""

    def __init__(self) -> None:
        self._start = snapshot()

    def stop(self) -> Window:
        return Window.between(self._start, snapshot())

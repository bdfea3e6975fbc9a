"""Live utilisation samples for the Hardware screen's graphs.

CPU and memory come from psutil without blocking (``cpu_percent(interval=None)`` reports the use
since the previous call); GPU utilisation comes from NVML, which can stall, so callers sample it
off the UI thread.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from fwtui.hardware.gpus import sample_nvidia_utilization

HISTORY = 60  # samples kept per series: a minute at one sample a second


@dataclass
class LiveHistory:
    """Rolling series of percentages (0-100)."""

    cpu: deque[float] = field(default_factory=lambda: deque(maxlen=HISTORY))
    memory: deque[float] = field(default_factory=lambda: deque(maxlen=HISTORY))
    gpus: dict[int, deque[float]] = field(default_factory=dict)

    def add_host(self, cpu_percent: float, memory_percent: float) -> None:
        self.cpu.append(cpu_percent)
        self.memory.append(memory_percent)

    def add_gpus(self, utilisation: list[float | None]) -> None:
        for index, value in enumerate(utilisation):
            if value is not None:
                self.gpus.setdefault(index, deque(maxlen=HISTORY)).append(value)


def sample_host() -> tuple[float, float]:
    """``(cpu %, memory %)`` right now; never blocks."""
    import psutil

    return float(psutil.cpu_percent(interval=None)), float(psutil.virtual_memory().percent)


def sample_gpus() -> list[float | None]:
    """Per-GPU utilisation %; may take a few milliseconds (call it from a thread)."""
    return sample_nvidia_utilization()

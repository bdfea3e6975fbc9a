"""How the Benchmark area marks a run's status.

The state itself (:class:`fwtui.bench.progress.BenchState`) is engine code and lives in ``fwtui/bench``;
numbers and durations are written by :mod:`fwtui.units`.
"""

from __future__ import annotations

STATUS_ICONS: dict[str, str] = {
    "queued": "·",
    "running": "▶",
    "ok": "✓",
    "complete": "✓",
    "failed": "✗",
    "timeout": "⏱",
    "unsupported": "–",
    "skipped": "»",
    "cancelled": "⊘",
}


def status_icon(status: str) -> str:
    return STATUS_ICONS.get(status, "?")

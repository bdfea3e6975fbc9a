"""How the Benchmark area shows a queue's state: status icons and the duration and time formats.

The state itself (:class:`fwtui.bench.progress.BenchState`) is engine code and lives in ``fwtui/bench``.
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


def format_duration(seconds: float | None) -> str:
    """``42 s``, ``3 min 05 s``, ``1 h 02 min``; an em dash when unknown."""
    if seconds is None:
        return "—"
    seconds = max(seconds, 0.0)
    if seconds < 60:
        return f"{seconds:.0f} s"
    minutes, secs = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {secs:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def format_ms(value: float | None) -> str:
    """A per-call time with about three significant digits."""
    if value is None:
        return "—"
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:.1f}"
    if value >= 1:
        return f"{value:.2f}"
    return f"{value:.3f}"

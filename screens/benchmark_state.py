"""What the Benchmark area knows about a run in progress, built only from the engine's events.

Pure Python (no widgets): the area feeds every event through :meth:`BenchState.apply` on the UI thread
and paints from the state on a timer, so the view can be tested with recorded events.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

# Statuses a queued run or a result can end in; anything else is still going.
FINISHED = frozenset({"ok", "complete", "failed", "timeout", "unsupported", "skipped", "cancelled"})

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

RECENT_SAMPLES = 64


def spec_field(spec: Any, name: str, default: Any = None) -> Any:
    """A field of a run spec, whether it arrives as a dict or as a dataclass."""
    if isinstance(spec, Mapping):
        return spec.get(name, default)
    return getattr(spec, name, default)


def spec_label(spec: Any) -> str:
    """A short one-line description of a run: ``torch/eager mlp/small inference b32``."""
    framework = spec_field(spec, "framework", "?")
    variant = spec_field(spec, "variant")
    workload = spec_field(spec, "workload", "?")
    size = spec_field(spec, "size")
    mode = spec_field(spec, "mode")
    parts = [
        f"{framework}/{variant}" if variant else str(framework),
        f"{workload}/{size}" if size else workload,
    ]
    if mode:
        parts.append(str(mode))
    batch = spec_field(spec, "batch") or spec_field(spec, "batch_size")
    if batch:
        parts.append(f"b{batch}")
    device = spec_field(spec, "device")
    if device and device != "cpu":
        parts.append(str(device))
    return " ".join(str(p) for p in parts)


@dataclass
class QueueItem:
    """One run of the queue and how far it got."""

    index: int
    label: str
    status: str = "queued"
    reason: str | None = None
    phase: str | None = None
    fraction: float = 0.0
    spec: Any = None
    result_count: int = 0

    @property
    def finished(self) -> bool:
        return self.status in FINISHED

    @property
    def icon(self) -> str:
        return STATUS_ICONS.get(self.status, "?")


@dataclass
class LiveRun:
    """The run being measured right now, as shown in the live panel."""

    index: int
    label: str
    phase: str = "starting"
    scenario: str | None = None
    iterations: int = 0
    elapsed_s: float = 0.0
    fraction: float = 0.0
    p50_ms: float | None = None
    recent_ms: deque[float] = field(default_factory=lambda: deque(maxlen=RECENT_SAMPLES))


@dataclass
class BenchState:
    """The queue, the live run, the finished records and whether the whole thing is over."""

    clock: Callable[[], float] = time.monotonic
    items: list[QueueItem] = field(default_factory=list)
    live: LiveRun | None = None
    records: list[dict[str, Any]] = field(default_factory=list)
    started_at: float | None = None
    done: bool = False
    cancelled: bool = False
    run_id: str | None = None
    # Set by apply(), cleared by the painter: what needs repainting.
    queue_dirty: bool = False
    live_dirty: bool = False
    pending_records: list[dict[str, Any]] = field(default_factory=list)

    # -- feeding ----------------------------------------------------------------------------------

    def apply(self, event: Mapping[str, Any]) -> None:
        """Update the state from one engine event; unknown events are ignored."""
        handler = getattr(self, f"_on_{event.get('event')}", None)
        if handler is not None:
            handler(event)

    def _on_queue(self, event: Mapping[str, Any]) -> None:
        specs = list(event.get("specs") or [])
        total = int(event.get("total") or len(specs))
        self.items = [
            QueueItem(i, spec_label(specs[i]), spec=specs[i])
            if i < len(specs)
            else QueueItem(i, f"run {i + 1}")
            for i in range(total)
        ]
        self.live = None
        self.records = []
        self.done = self.cancelled = False
        self.started_at = self.clock()
        self.queue_dirty = self.live_dirty = True

    def _item(self, event: Mapping[str, Any]) -> QueueItem | None:
        index = event.get("index")
        if isinstance(index, int) and 0 <= index < len(self.items):
            return self.items[index]
        return None

    def _on_run_start(self, event: Mapping[str, Any]) -> None:
        item = self._item(event)
        if item is None:
            return
        if event.get("spec") is not None:
            item.spec = event["spec"]
            item.label = spec_label(item.spec)
        item.status, item.phase, item.fraction = "running", "starting", 0.0
        self.live = LiveRun(item.index, item.label)
        self.queue_dirty = self.live_dirty = True

    def _live_for(self, event: Mapping[str, Any]) -> LiveRun | None:
        # Progress is coalesced on its way here, so a late one for a finished run is dropped.
        item = self._item(event)
        if item is None or item.status != "running" or self.live is None or self.live.index != item.index:
            return None
        return self.live

    def _on_phase(self, event: Mapping[str, Any]) -> None:
        live = self._live_for(event)
        if live is None:
            return
        live.phase = str(event.get("phase") or live.phase)
        live.elapsed_s = float(event.get("elapsed_s") or live.elapsed_s)
        self.items[live.index].phase = live.phase
        self.live_dirty = self.queue_dirty = True

    def _on_progress(self, event: Mapping[str, Any]) -> None:
        live = self._live_for(event)
        if live is None:
            return
        if event.get("scenario") and event.get("scenario") != live.scenario:
            live.scenario = str(event["scenario"])
            live.recent_ms.clear()
        live.phase = "measure" if live.phase in ("starting", None) else live.phase
        live.iterations = int(event.get("iterations") or 0)
        live.elapsed_s = float(event.get("elapsed_s") or live.elapsed_s)
        fraction = event.get("fraction")
        if fraction is not None:
            live.fraction = min(max(float(fraction), 0.0), 1.0)
            self.items[live.index].fraction = live.fraction
        if event.get("p50_ms") is not None:
            live.p50_ms = float(event["p50_ms"])
        live.recent_ms.extend(float(ms) for ms in event.get("recent_ms") or [])
        self.live_dirty = True

    def _on_error(self, event: Mapping[str, Any]) -> None:
        item = self._item(event)
        if item is not None and event.get("message"):
            item.reason = str(event["message"])
            self.queue_dirty = True

    def _on_result(self, event: Mapping[str, Any]) -> None:
        record = event.get("record")
        if not isinstance(record, Mapping):
            return
        record = dict(record)
        item = self._item(event)
        if item is not None:
            item.result_count += 1
        self.records.append(record)
        self.pending_records.append(record)
        self.run_id = record.get("run_id") or self.run_id

    def _on_run_end(self, event: Mapping[str, Any]) -> None:
        item = self._item(event)
        if item is None:
            return
        item.status = str(event.get("status") or "ok")
        item.reason = event.get("reason") or item.reason
        item.fraction = 1.0
        if item.status not in ("ok", "complete", "cancelled") and item.result_count == 0:
            # The run died before producing a record: give it a row of its own so the failure shows.
            self.pending_records.append(placeholder_record(item))
        if self.live is not None and self.live.index == item.index:
            self.live.fraction = 1.0
            self.live.phase = item.status
        self.queue_dirty = self.live_dirty = True

    def _on_done(self, event: Mapping[str, Any]) -> None:
        self.done = True
        self.cancelled = bool(event.get("cancelled"))
        for item in self.items:
            if not item.finished:
                item.status = "cancelled"
        known = {r.get("result_id") for r in self.records}
        for record in event.get("records") or []:
            if isinstance(record, Mapping) and record.get("result_id") not in known:
                self.records.append(dict(record))
                self.pending_records.append(dict(record))
        self.queue_dirty = self.live_dirty = True

    # -- reading ----------------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return bool(self.items) and not self.done

    @property
    def finished_count(self) -> int:
        return sum(item.finished for item in self.items)

    @property
    def overall_fraction(self) -> float:
        if not self.items:
            return 0.0
        partial = sum(item.fraction for item in self.items if item.status == "running")
        return min((self.finished_count + partial) / len(self.items), 1.0)

    def eta_s(self) -> float | None:
        """Seconds left at the pace so far; None until there is a pace to go by."""
        if self.started_at is None or self.done:
            return None
        fraction = self.overall_fraction
        elapsed = self.clock() - self.started_at
        if fraction <= 0.02 or elapsed <= 0:
            return None
        return elapsed * (1.0 - fraction) / fraction

    def take_pending_records(self) -> list[dict[str, Any]]:
        pending, self.pending_records = self.pending_records, []
        return pending


def placeholder_record(item: QueueItem) -> dict[str, Any]:
    """A record-shaped row for a run that ended without a result (its child crashed, say)."""
    spec = item.spec
    return {
        "result_id": f"run-{item.index}",
        "framework": spec_field(spec, "framework"),
        "variant": spec_field(spec, "variant"),
        "workload": spec_field(spec, "workload"),
        "mode": spec_field(spec, "mode"),
        "scenario": spec_field(spec, "scenario"),
        "batch_size": spec_field(spec, "batch") or spec_field(spec, "batch_size"),
        "status": item.status,
        "reason": item.reason,
    }


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

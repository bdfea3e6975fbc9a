"""What a caller knows about a queue in progress, built only from the session's events: :class:`BenchState`.

Pure Python (no widgets): the Benchmark area feeds every event through :meth:`BenchState.apply` on its UI
thread and paints from the state on a timer, so the view can be tested with recorded events.
"""

from __future__ import annotations

import dataclasses
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from fwtui.bench.events import (
    QueueStarted,
    RunEnded,
    RunError,
    RunPhase,
    RunProgress,
    RunResult,
    RunStarted,
    SessionDone,
    SessionEvent,
)
from fwtui.bench.result_record import ResultRecord, not_run_record
from fwtui.bench.spec import RunSpec

# Statuses a queued run or a result can end in; anything else is still going.
FINISHED = frozenset({"ok", "complete", "failed", "timeout", "unsupported", "skipped", "cancelled"})

RECENT_SAMPLES = 64


@dataclass
class QueueItem:
    """One run of the queue and how far it got."""

    index: int
    spec: RunSpec
    status: str = "queued"
    reason: str | None = None
    phase: str | None = None
    fraction: float = 0.0
    result_count: int = 0

    @property
    def label(self) -> str:
        return self.spec.label

    @property
    def finished(self) -> bool:
        return self.status in FINISHED


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
    records: list[ResultRecord] = field(default_factory=list)
    started_at: float | None = None
    done: bool = False
    cancelled: bool = False
    run_id: str | None = None
    # Set by apply(), cleared by the painter: what needs repainting.
    queue_dirty: bool = False
    live_dirty: bool = False
    pending_records: list[ResultRecord] = field(default_factory=list)

    # -- feeding ----------------------------------------------------------------------------------

    def apply(self, event: SessionEvent) -> None:
        """Update the state from one session event."""
        if isinstance(event, QueueStarted):
            self._on_queue(event)
        elif isinstance(event, RunStarted):
            self._on_run_start(event)
        elif isinstance(event, RunPhase):
            self._on_phase(event)
        elif isinstance(event, RunProgress):
            self._on_progress(event)
        elif isinstance(event, RunError):
            self._on_error(event)
        elif isinstance(event, RunResult):
            self._on_result(event)
        elif isinstance(event, RunEnded):
            self._on_run_end(event)
        elif isinstance(event, SessionDone):
            self._on_done(event)

    def _on_queue(self, event: QueueStarted) -> None:
        self.items = [QueueItem(i, spec) for i, spec in enumerate(event.specs)]
        self.live = None
        self.records = []
        self.done = self.cancelled = False
        self.started_at = self.clock()
        self.queue_dirty = self.live_dirty = True

    def _item(self, index: int) -> QueueItem | None:
        return self.items[index] if 0 <= index < len(self.items) else None

    def _on_run_start(self, event: RunStarted) -> None:
        item = self._item(event.index)
        if item is None:
            return
        previous = self._item(self.live.index) if self.live is not None else None
        if previous is not None and previous is not item and previous.status == "running":
            previous.phase = "waiting for its next process"  # its framework's other runs go first
        item.spec = event.spec
        item.status, item.phase, item.fraction = "running", "starting", 0.0
        label = item.label
        if event.repetitions > 1:
            label = f"{label} · process {event.repetition + 1} of {event.repetitions}"
        self.live = LiveRun(item.index, label)
        self.queue_dirty = self.live_dirty = True

    def _live_for(self, index: int) -> LiveRun | None:
        # Progress is coalesced on its way here, so a late one for a finished run is dropped.
        item = self._item(index)
        if item is None or item.status != "running" or self.live is None or self.live.index != item.index:
            return None
        return self.live

    def _on_phase(self, event: RunPhase) -> None:
        live = self._live_for(event.index)
        if live is None:
            return
        live.phase = event.phase or live.phase
        live.elapsed_s = event.elapsed_s or live.elapsed_s
        self.items[live.index].phase = live.phase
        self.live_dirty = self.queue_dirty = True

    def _on_progress(self, event: RunProgress) -> None:
        live = self._live_for(event.index)
        if live is None:
            return
        if event.scenario and event.scenario != live.scenario:
            live.scenario = event.scenario
            live.recent_ms.clear()
        live.phase = "measure" if live.phase in ("starting", None) else live.phase
        live.iterations = event.iterations
        live.elapsed_s = event.elapsed_s or live.elapsed_s
        if event.fraction is not None:
            live.fraction = min(max(event.fraction, 0.0), 1.0)
            self.items[live.index].fraction = live.fraction
        if event.p50_ms is not None:
            live.p50_ms = event.p50_ms
        live.recent_ms.extend(event.recent_ms)
        self.live_dirty = True

    def _on_error(self, event: RunError) -> None:
        item = self._item(event.index)
        if item is not None and event.message:
            item.reason = event.message
            self.queue_dirty = True

    def _on_result(self, event: RunResult) -> None:
        item = self._item(event.index)
        if item is not None:
            item.result_count += 1
        self.records.append(event.record)
        self.pending_records.append(event.record)
        self.run_id = event.record.run_id or self.run_id

    def _on_run_end(self, event: RunEnded) -> None:
        item = self._item(event.index)
        if item is None:
            return
        item.status = event.status or "ok"
        item.reason = event.reason or item.reason
        item.fraction = 1.0
        if item.status not in ("ok", "complete", "cancelled") and item.result_count == 0:
            # The run died before producing a record: give it a row of its own so the failure shows.
            self.pending_records.append(placeholder_record(item))
        if self.live is not None and self.live.index == item.index:
            self.live.fraction = 1.0
            self.live.phase = item.status
        self.queue_dirty = self.live_dirty = True

    def _on_done(self, event: SessionDone) -> None:
        self.done = True
        self.cancelled = event.cancelled
        for item in self.items:
            if not item.finished:
                item.status = "cancelled"
        known = {r.result_id for r in self.records}
        for record in event.records:
            if record.result_id not in known:
                self.records.append(record)
                self.pending_records.append(record)
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

    def take_pending_records(self) -> list[ResultRecord]:
        pending, self.pending_records = self.pending_records, []
        return pending


def placeholder_record(item: QueueItem) -> ResultRecord:
    """A not-run record for a run that ended without a result (its child crashed, say), never saved."""
    record = not_run_record(item.spec, item.spec.scenarios[0], item.status, item.reason)
    return dataclasses.replace(record, result_id=f"run-{item.index}")

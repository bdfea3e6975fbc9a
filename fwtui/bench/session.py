"""The benchmark queue: runs specs one after another (never in parallel: benchmarks must not share the CPU),
saves each result in its own transaction as it arrives, and can be cancelled from any thread.

>>> sink = ResultSink.open(path, OnSaveFailure.ABORT)
>>> session = BenchSession(expand(Selection(frameworks=["onnxruntime"])), sink=sink, on_event=print)
>>> records = session.run()          # blocking; call from a worker thread in the UI
>>> session.cancel_all()             # from any other thread

``on_event`` receives the typed session events of :mod:`fwtui.bench.events`, in order: ``QueueStarted``,
then per run ``RunStarted``, ``RunPhase``/``RunProgress``/``RunError`` as the child reports them,
``RunResult`` (already saved) and ``RunEnded``; finally ``SessionDone``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence

from fwtui.bench.events import (
    ChildError,
    ChildEvent,
    ChildPhase,
    ChildProgress,
    ChildResult,
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
from fwtui.bench.process import ChildOutcome, run_child
from fwtui.bench.records import apply_break_even, measured_record
from fwtui.bench.result_record import ResultRecord, not_run_record
from fwtui.bench.sink import ResultSink
from fwtui.bench.spec import RunSpec
from fwtui.bench.summary import SummaryRow, summarize
from fwtui.frameworks import BY_NAME
from fwtui.json_fields import JsonObject

__all__ = ["BenchSession", "SummaryRow", "cached_peak_gflops", "summarize"]

EventCallback = Callable[[SessionEvent], None]
PeakLookup = Callable[[str], "float | None"]
_SAME_MEASUREMENT = ("workload", "size", "mode", "scenario", "batch_size", "device")


def cached_peak_gflops(device: str) -> float | None:
    """The measured peak for ``device`` from the hardware cache; None when never measured."""
    try:
        from fwtui.hardware.peak import peak_gflops

        key = "cuda:0" if device == "cuda" else device
        return peak_gflops(key, "float32")
    except Exception:
        return None


class BenchSession:
    """Runs a list of specs; ``sink=None`` keeps everything in memory."""

    def __init__(
        self,
        specs: Sequence[RunSpec],
        sink: ResultSink | None = None,
        on_event: EventCallback | None = None,
        *,
        command: str | None = None,
        label: str | None = None,
        peak_lookup: PeakLookup | None = None,
    ) -> None:
        self.specs = list(specs)
        self.sink = sink
        self.on_event = on_event
        self.command = command
        self.label = label
        self.peak_lookup = peak_lookup or cached_peak_gflops
        self.run_id: str | None = None
        self.machine_id: str | None = None
        self.records: list[ResultRecord] = []
        self.samples: dict[str, list[float]] = {}  # result_id -> raw per-call samples (ms)
        self._cancel_current = threading.Event()
        self._cancel_all = threading.Event()
        self._lock = threading.Lock()

    # --- control (any thread) ------------------------------------------------------------------------------

    def cancel_current(self) -> None:
        """Stop the running child (its process group); the queue goes on with the next spec."""
        self._cancel_current.set()

    def cancel_all(self) -> None:
        """Stop the running child and every spec after it; finished results are kept."""
        self._cancel_all.set()
        self._cancel_current.set()

    @property
    def cancelled(self) -> bool:
        return self._cancel_all.is_set()

    # --- running ---------------------------------------------------------------------------------------------

    def _emit(self, event: SessionEvent) -> None:
        if self.on_event is not None:
            self.on_event(event)

    def _begin(self) -> None:
        if self.sink is None or self.sink.store is None:
            return
        from fwtui.bench.environment import machine, run_environment

        hw = machine()
        first = self.specs[0] if self.specs else None
        run: JsonObject = {
            "command": self.command,
            "preset": first.preset if first else None,
            "size": ",".join(sorted({s.size for s in self.specs})) or None,
            "device": ",".join(sorted({s.device for s in self.specs})) or None,
            "threads": first.threads if first else None,
            "status": "running",
            "source": "local",
            "label": self.label,
            "environment": run_environment(self.specs, self.command, hw),
        }
        self.machine_id, self.run_id = self.sink.begin_run(hw, run)

    def run(self) -> list[ResultRecord]:
        """Run the whole queue; returns every record (also passed one by one to ``on_event``)."""
        self._emit(QueueStarted(tuple(self.specs)))
        self._begin()
        status = "failed"
        try:
            for index, spec in enumerate(self.specs):
                if self._cancel_all.is_set():
                    break
                self._cancel_current.clear()
                if self._cancel_all.is_set():  # cancel_all raced with the clear above
                    break
                self._run_one(index, spec)
            status = "cancelled" if self._cancel_all.is_set() else "complete"
        finally:
            if self.sink is not None:
                self.sink.finish_run(self.run_id, status)
        self._emit(SessionDone(tuple(self.records), self._cancel_all.is_set()))
        return self.records

    def _run_one(self, index: int, spec: RunSpec) -> None:
        self._emit(RunStarted(index, spec))
        if spec.status is not None:  # decided by the plan: not installed or unsupported
            for scenario in spec.scenarios:
                record = not_run_record(
                    spec, scenario, spec.status, spec.reason, run_id=self.run_id, machine_id=self.machine_id
                )
                self._save(index, record, [])
            self._emit(RunEnded(index, spec.status, spec.reason))
            return

        def forward(event: ChildEvent) -> None:
            if isinstance(event, ChildPhase):
                self._emit(RunPhase.of(index, event))
            elif isinstance(event, ChildProgress):
                self._emit(RunProgress.of(index, event))
            elif isinstance(event, ChildError):
                self._emit(RunError(index, event.phase, event.message))
            elif isinstance(event, ChildResult):
                self._record_result(index, spec, event)

        outcome = run_child(
            spec,
            on_event=forward,
            timeout_s=spec.timeout_s,
            memory_limit_mb=spec.memory_limit_mb,
            cancel=self._cancel_current,
        )
        self._finish_child(index, spec, outcome)

    def _record_result(self, index: int, spec: RunSpec, event: ChildResult) -> None:
        record, samples = measured_record(
            spec, event, peak_gflops=self.peak_lookup(spec.device), run_id=self.run_id, machine_id=self.machine_id
        )
        baseline = self._baseline_for(record)
        if baseline is not None:
            record = apply_break_even(record, baseline)
        self._save(index, record, samples)

    def _baseline_for(self, record: ResultRecord) -> ResultRecord | None:
        """The same framework's baseline variant (eager) for the same workload/scenario/batch, if measured."""
        fw = BY_NAME.get(record.framework)
        if fw is None or record.status != "ok" or record.variant == fw.baseline:
            return None
        for other in self.records:
            if (
                other.status == "ok"
                and other.framework == record.framework
                and other.variant == fw.baseline
                and all(getattr(other, k) == getattr(record, k) for k in _SAME_MEASUREMENT)
            ):
                return other
        return None

    def _finish_child(self, index: int, spec: RunSpec, outcome: ChildOutcome) -> None:
        done = {result.scenario for result in outcome.results}
        status = outcome.status
        if status == "ok":
            missing = [s for s in spec.scenarios if s not in done]
            if missing:  # exited cleanly without reporting everything: treat as a failure
                status = "failed"
                outcome.reason = "the benchmark process ended without reporting a result"
        if status != "ok":
            # "cancelled" is stored as it is, never as "skipped": the help and the filters list it.
            stderr_tail = outcome.stderr_tail[-2000:] if outcome.stderr_tail.strip() else None
            for scenario in spec.scenarios:
                if scenario not in done:
                    record = not_run_record(
                        spec,
                        scenario,
                        status,
                        outcome.reason,
                        stderr_tail=stderr_tail,
                        peak_rss_mb=outcome.peak_rss_mb,
                        run_id=self.run_id,
                        machine_id=self.machine_id,
                    )
                    self._save(index, record, [])
        reason = outcome.reason
        reported = {result.status for result in outcome.results}
        if status == "ok" and len(reported) == 1 and reported != {"ok"}:
            # The runner declined the whole run (unsupported here, device missing): say so, not "ok".
            status = reported.pop()
            reason = next((r.reason for r in outcome.results if r.reason), None)
        self._emit(RunEnded(index, status, reason))

    def _save(self, index: int, record: ResultRecord, samples: list[float]) -> None:
        if self.sink is not None:
            self.sink.save(record, samples)
        with self._lock:
            self.records.append(record)
            if samples:
                self.samples[record.result_id] = samples
        self._emit(RunResult(index, record))

    def summary(self) -> list[SummaryRow]:
        return summarize(self.records, self.samples)

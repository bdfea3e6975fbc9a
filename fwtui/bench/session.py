"""The benchmark queue: runs specs one after another (never in parallel: benchmarks must not share the CPU),
saves each result in its own transaction, and can be cancelled from any thread.

Each spec is measured in ``spec.repetitions`` independent processes. A framework's runs share a child per
repetition (one import), in an order rotated between repetitions; a crash, hang or out-of-memory ends only
the run it happened in, and a fresh child takes the runs after it. A run's records are built once every
repetition of its framework is done, from all its processes (:mod:`fwtui.bench.repetition`).

>>> sink = ResultSink.open(path, OnSaveFailure.ABORT)
>>> session = BenchSession(expand(Selection(frameworks=["onnxruntime"])), sink=sink, on_event=print)
>>> records = session.run()          # blocking; call from a worker thread in the UI
>>> session.cancel_all()             # from any other thread

``on_event`` receives the typed session events of :mod:`fwtui.bench.events`, in order: ``QueueStarted``,
then per run and repetition ``RunStarted``, ``RunPhase``/``RunProgress``/``RunError`` as the child reports
them; per run, once its framework is done, ``RunResult`` (already saved) and ``RunEnded``; finally
``SessionDone``.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
from collections.abc import Callable, Sequence

from fwtui.bench.events import (
    ChildError,
    ChildEvent,
    ChildPhase,
    ChildProgress,
    ChildResult,
    ChildRunStart,
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
from fwtui.bench.process import ChildOutcome, child_environment, run_runs
from fwtui.bench.records import apply_break_even, measured_record
from fwtui.bench.repetition import combine, rotation, with_processes
from fwtui.bench.result_record import ResultRecord, not_run_record
from fwtui.bench.sink import ResultSink
from fwtui.bench.spec import RunSpec
from fwtui.bench.summary import SummaryRow, summarize
from fwtui.bench.zygote import Zygote
from fwtui.bench.zygote import supported as zygote_supported
from fwtui.frameworks import BY_NAME
from fwtui.json_fields import JsonObject

__all__ = ["BenchSession", "SummaryRow", "cached_peak_gflops", "summarize"]

EventCallback = Callable[[SessionEvent], None]
PeakLookup = Callable[[str], "float | None"]
_SAME_MEASUREMENT = ("workload", "size", "mode", "scenario", "batch_size", "device")


def cached_peak_gflops(device: str, dtype: str = "float32") -> float | None:
    """The measured peak for ``device`` in ``dtype`` (measured now the first time); None when it cannot be had."""
    try:
        from fwtui.hardware.peak import benchmark_peak

        key = "cuda:0" if device == "cuda" else device
        return benchmark_peak(key, dtype)
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
        child_per_run: bool = False,
    ) -> None:
        self.specs = list(specs)
        self.sink = sink
        self.on_event = on_event
        self.command = command
        self.label = label
        self.peak_lookup = peak_lookup or cached_peak_gflops
        # One child per framework per repetition runs that framework's runs in turn; child_per_run=True gives
        # each run a child of its own (the older way, kept to show the two time the same).
        self.child_per_run = child_per_run
        self.run_id: str | None = None
        self.machine_id: str | None = None
        self.records: list[ResultRecord] = []
        self.samples: dict[str, list[float]] = {}  # result_id -> raw per-call samples (ms)
        self._cancel_current = threading.Event()
        self._cancel_all = threading.Event()
        self._lock = threading.Lock()
        self._scratch: str | None = None  # the children's temporary directory, removed at the end

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
            # In queue order; a framework's runs all go when its first one is reached (they share children).
            groups = self._groups([i for i, spec in enumerate(self.specs) if spec.status is None])
            first_of = {group[0]: group for group in groups}
            for index, spec in enumerate(self.specs):
                if self._cancel_all.is_set():
                    break
                if spec.status is not None:
                    self._not_run(index, spec)
                elif index in first_of:
                    self._run_group(first_of[index])
            status = "cancelled" if self._cancel_all.is_set() else "complete"
        finally:
            if self.sink is not None:
                self.sink.finish_run(self.run_id, status)
            if self._scratch is not None:
                shutil.rmtree(self._scratch, ignore_errors=True)
                self._scratch = None
        self._emit(SessionDone(tuple(self.records), self._cancel_all.is_set()))
        return self.records

    def _groups(self, indices: list[int]) -> list[list[int]]:
        """Runs that can share a child: one process key (framework, runner, Keras' backend), threads and
        repetitions, in queue order."""
        groups: dict[tuple[object, ...], list[int]] = {}
        for index in indices:
            spec = self.specs[index]
            key = (*spec.process_key, spec.threads, spec.repetitions)
            groups.setdefault(key, []).append(index)
        return list(groups.values())

    def _not_run(self, index: int, spec: RunSpec) -> None:
        """A spec the plan decided (not installed, unsupported): its records, without a child."""
        self._emit(RunStarted(index, spec))
        for scenario in spec.scenarios:
            record = not_run_record(
                spec, scenario, spec.status or "skipped", spec.reason, run_id=self.run_id, machine_id=self.machine_id
            )
            self._save(index, record, [])
        self._emit(RunEnded(index, spec.status or "skipped", spec.reason))

    def _run_group(self, group: list[int]) -> None:
        """Every repetition of one framework's runs (each repetition's child forked by one fork server that
        imported the framework once), then each run's records from all its processes."""
        zygote = self._zygote_for(self.specs[group[0]])
        try:
            self._run_repetitions(group, zygote)
        finally:
            if zygote is not None:
                zygote.close()

    def _zygote_for(self, spec: RunSpec) -> Zygote | None:
        if self.child_per_run or not zygote_supported():
            return None
        env = child_environment(spec.threads or 1, compile_cache=self._compile_cache(), scratch=self._scratch_dir())
        return Zygote(spec.process_key, env)

    def _run_repetitions(self, group: list[int], zygote: Zygote | None) -> None:
        repetitions = max(1, self.specs[group[0]].repetitions)
        outcomes: dict[int, list[ChildOutcome]] = {index: [] for index in group}
        settled: set[int] = set()  # failed, cancelled, or declined by the runner: not repeated
        for repetition in range(repetitions):
            todo = [group[k] for k in rotation(len(group), repetition, repetitions)]
            todo = [index for index in todo if index not in settled]
            while todo and not self._cancel_all.is_set():
                self._cancel_current.clear()
                if self._cancel_all.is_set():  # cancel_all raced with the clear above
                    break
                batch = todo[:1] if self.child_per_run else list(todo)
                launched = self._launch(batch, repetition, repetitions, zygote)
                for index, outcome in zip(batch, launched, strict=False):
                    outcomes[index].append(outcome)
                    declined = bool(outcome.results) and all(r.status != "ok" for r in outcome.results)
                    if outcome.status != "ok" or declined:
                        # Failed, cancelled or declined: its record will say so whatever the other processes
                        # measure, so it is not repeated (a hang would cost its timeout again) and ends now.
                        settled.add(index)
                        self._finish(index, self.specs[index], outcomes[index], repetitions)
                    todo.remove(index)
        # The rest once every repetition is done (a compiled variant's break-even needs its baseline's record).
        for index in group:
            if outcomes[index] and index not in settled:
                self._finish(index, self.specs[index], outcomes[index], repetitions)

    def _launch(
        self, batch: list[int], repetition: int, repetitions: int, zygote: Zygote | None = None
    ) -> list[ChildOutcome]:
        """One child for ``batch`` (in that order); the outcomes of the runs it started."""
        self._emit(RunStarted(batch[0], self.specs[batch[0]], repetition, repetitions))

        def forward(position: int, event: ChildEvent) -> None:
            index = batch[position]
            if isinstance(event, ChildRunStart) and position > 0:
                self._emit(RunStarted(index, self.specs[index], repetition, repetitions))
            elif isinstance(event, ChildPhase):
                self._emit(RunPhase.of(index, event))
            elif isinstance(event, ChildProgress):
                self._emit(RunProgress.of(index, event))
            elif isinstance(event, ChildError):
                self._emit(RunError(index, event.phase, event.message))

        specs = [self.specs[i].with_changes(repetition=repetition) for i in batch]
        return run_runs(
            specs,
            on_event=forward,
            cancel=self._cancel_current,
            compile_cache=self._compile_cache(),
            scratch=self._scratch_dir(),
            zygote=zygote,
        )

    def _scratch_dir(self) -> str:
        if self._scratch is None:
            self._scratch = tempfile.mkdtemp(prefix="fwtui-bench-")
        return self._scratch

    def _compile_cache(self) -> str:
        """JAX's compilation cache, kept for this session only.

        A result's second and later processes compile exactly what its first did, so they read the executables
        from disk instead (JAX and Keras on JAX: a full-size model's training step takes tens of seconds to
        compile), and so does the first process's training check, which builds the timed step afresh. The first
        process finds nothing there for its own timed step, so the compile time a result reports (the first
        process's) is a cold compile, plus writing the executable; the cache lives in the session's scratch
        directory, deleted at its end.
        """
        return os.path.join(self._scratch_dir(), "jax-compilation-cache")

    def _peak(self, spec: RunSpec) -> float | None:
        """The peak of the precision in use: a reduced precision is only held to its own measured peak (a
        bfloat16 step may well beat the float32 peak), and to none when that was never measured."""
        if spec.precision == "float32":
            return self.peak_lookup(spec.device)
        return cached_peak_gflops(spec.device, spec.precision)

    def _finish(self, index: int, spec: RunSpec, outcomes: list[ChildOutcome], repetitions: int) -> None:
        """The run's records: per scenario, one result from every process that measured it, or why not."""
        status, reason = "ok", None
        declined: list[ChildResult] = []
        for scenario in spec.scenarios:
            measured: list[ChildResult] = []
            failure: tuple[int, ChildOutcome] | None = None
            for number, outcome in enumerate(outcomes, start=1):
                result = next((r for r in outcome.results if r.scenario == scenario), None)
                if result is None:
                    failure = failure or (number, outcome)
                elif result.status != "ok":
                    declined.append(result)
                    break
                else:
                    measured.append(result)
            else:
                if failure is None and len(measured) < repetitions:
                    # The run ended early (failed or cancelled after this scenario was measured): a result from
                    # fewer processes than asked is not kept as if it were complete.
                    failure = next(((n, o) for n, o in enumerate(outcomes, start=1) if o.status != "ok"), None)
                if failure is None:
                    self._record_result(index, spec, measured)
                    continue
            if failure is not None and not (declined and declined[-1].scenario == scenario):
                number, outcome = failure
                # "cancelled" is stored as it is, never as "skipped": the help and the filters list it.
                failed = outcome.status
                if failed == "ok":  # exited cleanly without reporting everything: a failure
                    failed, outcome.reason = "failed", "the benchmark process ended without reporting a result"
                why = outcome.reason
                if repetitions > 1:
                    why = f"{why}; in process {number} of {repetitions}"
                status = failed
                reason = reason or outcome.reason
                tail = outcome.stderr_tail[-2000:] if outcome.stderr_tail.strip() else None
                record = not_run_record(
                    spec, scenario, failed, why, stderr_tail=tail, peak_rss_mb=outcome.peak_rss_mb,
                    run_id=self.run_id, machine_id=self.machine_id,
                )  # fmt: skip
                self._save(index, record, [])
            else:
                self._record_result(index, spec, [declined[-1]])
        if status == "ok" and declined and len(declined) == len(spec.scenarios):
            # The runner declined the whole run (unsupported here, device missing): say so, not "ok".
            status = declined[0].status
            reason = next((r.reason for r in declined if r.reason), None)
        self._emit(RunEnded(index, status, reason))

    def _record_result(self, index: int, spec: RunSpec, results: list[ChildResult]) -> None:
        event = results[0] if results[0].status != "ok" else combine(results)
        record, samples = measured_record(
            spec, event, peak_gflops=self._peak(spec), run_id=self.run_id, machine_id=self.machine_id
        )
        if record.status == "ok":
            record = with_processes(record, results)
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

"""The benchmark queue: runs specs one after another (never in parallel: benchmarks must not share the CPU),
saves each result in its own transaction as it arrives, and can be cancelled from any thread.

>>> session = BenchSession(expand(Selection(frameworks=["onnxruntime"])), store=store, on_event=print)
>>> records = session.run()          # blocking; call from a worker thread in the UI
>>> session.cancel_all()             # from any other thread

Events passed to ``on_event`` (dicts with key ``"event"``): ``queue`` {total, specs}, ``run_start`` {index,
spec}, ``phase`` {index, phase, scenario, elapsed_s}, ``progress`` {index, scenario, iterations, elapsed_s,
fraction, p50_ms, recent_ms}, ``error`` {index, phase, message}, ``result`` {index, record} (already saved),
``run_end`` {index, status, reason}, ``done`` {records, cancelled}.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any

from fwtui.bench import flags, stats
from fwtui.bench.plan import RunSpec
from fwtui.bench.process import ChildOutcome, run_child
from fwtui.bench.records import apply_break_even, measured_record, not_run_record
from fwtui.errors import FwtuiError
from fwtui.frameworks import BY_NAME

EventCallback = Callable[[dict[str, Any]], None]
PeakLookup = Callable[[str], "float | None"]


def cached_peak_gflops(device: str) -> float | None:
    """The measured peak for ``device`` from the hardware cache; None when never measured."""
    try:
        from fwtui.hardware.peak import peak_gflops

        key = "cuda:0" if device == "cuda" else device
        return peak_gflops(key, "float32")
    except Exception:
        return None


class BenchSession:
    """Runs a list of specs; ``store=None`` keeps everything in memory."""

    def __init__(
        self,
        specs: Sequence[RunSpec],
        store: Any | None = None,
        on_event: EventCallback | None = None,
        *,
        command: str | None = None,
        label: str | None = None,
        peak_lookup: PeakLookup | None = None,
    ) -> None:
        self.specs = list(specs)
        self.store = store
        self.on_event = on_event
        self.command = command
        self.label = label
        self.peak_lookup = peak_lookup or cached_peak_gflops
        self.run_id: str | None = None
        self.machine_id: str | None = None
        self.records: list[dict[str, Any]] = []
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

    def _emit(self, event: str, **fields: Any) -> None:
        if self.on_event is not None:
            self.on_event({"event": event, **fields})

    def _begin(self) -> None:
        if self.store is None:
            return
        from fwtui.bench.environment import machine, run_environment

        hw = machine()
        self.machine_id = self.store.upsert_machine(hw)
        first = self.specs[0] if self.specs else None
        self.run_id = self.store.begin_run(
            {
                "machine_id": self.machine_id,
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
        )

    def run(self) -> list[dict[str, Any]]:
        """Run the whole queue; returns every record (also passed one by one to ``on_event``)."""
        self._emit("queue", total=len(self.specs), specs=[s.to_dict() for s in self.specs])
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
            if self.store is not None and self.run_id is not None:
                try:
                    self.store.finish_run(self.run_id, status)
                except Exception:
                    if status != "failed":
                        raise
        self._emit("done", records=self.records, cancelled=self._cancel_all.is_set())
        return self.records

    def _run_one(self, index: int, spec: RunSpec) -> None:
        self._emit("run_start", index=index, spec=spec.to_dict())
        if spec.status is not None:  # decided by the plan: not installed or unsupported
            for scenario in spec.scenarios:
                self._save(index, not_run_record(spec, scenario, spec.status, spec.reason, **self._ids()), [])
            self._emit("run_end", index=index, status=spec.status, reason=spec.reason)
            return

        def forward(event: dict[str, Any]) -> None:
            kind = event.get("event")
            if kind in ("phase", "progress", "error"):
                self._emit(kind, index=index, **{k: v for k, v in event.items() if k != "event"})
            elif kind == "result":
                self._record_result(index, spec, event)

        outcome = run_child(
            spec.to_dict(),
            on_event=forward,
            timeout_s=spec.timeout_s,
            memory_limit_mb=spec.memory_limit_mb,
            cancel=self._cancel_current,
        )
        self._finish_child(index, spec, outcome)

    def _ids(self) -> dict[str, str | None]:
        return {"run_id": self.run_id, "machine_id": self.machine_id}

    def _record_result(self, index: int, spec: RunSpec, event: dict[str, Any]) -> None:
        record, samples = measured_record(
            spec, event, peak_gflops=self.peak_lookup(spec.device), **self._ids()
        )
        baseline = self._baseline_for(record)
        if baseline is not None:
            apply_break_even(record, baseline)
        self._save(index, record, samples)

    def _baseline_for(self, record: dict[str, Any]) -> dict[str, Any] | None:
        """The same framework's baseline variant (eager) for the same workload/scenario/batch, if measured."""
        fw = BY_NAME.get(record["framework"])
        if fw is None or record["status"] != "ok" or record["variant"] == fw.variants[0]:
            return None
        for other in self.records:
            if (
                other["status"] == "ok"
                and other["framework"] == record["framework"]
                and other["variant"] == fw.variants[0]
                and all(
                    other[k] == record[k]
                    for k in ("workload", "size", "mode", "scenario", "batch_size", "device")
                )
            ):
                return other
        return None

    def _finish_child(self, index: int, spec: RunSpec, outcome: ChildOutcome) -> None:
        done = {str(e.get("scenario")) for e in outcome.results}
        status = outcome.status
        if status == "ok":
            missing = [s for s in spec.scenarios if s not in done]
            if missing:  # exited cleanly without reporting everything: treat as a failure
                status = "failed"
                outcome.reason = "the benchmark process ended without reporting a result"
        if status != "ok":
            result_status = "skipped" if status == "cancelled" else status
            details = {"stderr_tail": outcome.stderr_tail[-2000:]} if outcome.stderr_tail.strip() else None
            for scenario in spec.scenarios:
                if scenario not in done:
                    record = not_run_record(
                        spec, scenario, result_status, outcome.reason, details=details, **self._ids()
                    )
                    record["peak_rss_mb"] = outcome.peak_rss_mb
                    self._save(index, record, [])
        reason = outcome.reason
        reported = {str(e.get("status")) for e in outcome.results}
        if status == "ok" and len(reported) == 1 and reported != {"ok"}:
            # The runner declined the whole run (unsupported here, device missing): say so, not "ok".
            status = reported.pop()
            reason = next((e.get("reason") for e in outcome.results if e.get("reason")), None)
        self._emit("run_end", index=index, status=status, reason=reason)

    def _save(self, index: int, record: dict[str, Any], samples: list[float]) -> None:
        if self.store is not None:
            try:
                self.store.save_result(record, samples)
            except FwtuiError:
                raise
            except Exception as exc:
                raise FwtuiError(f"could not save a result: {exc}") from exc
        with self._lock:
            self.records.append(record)
            if samples:
                self.samples[record["result_id"]] = samples
        self._emit("result", index=index, record=record)

    def summary(self) -> list[dict[str, Any]]:
        return summarize(self.records, self.samples)


def summarize(
    records: Sequence[dict[str, Any]], samples: dict[str, Sequence[float]] | None = None
) -> list[dict[str, Any]]:
    """For each workload/size/mode/scenario/device: the fastest valid framework/variant and its margin.

    Only ``status == ok`` results without an invalidating flag compete. ``speedup`` is the runner-up's median
    per-call time over the winner's; ``significant`` comes from :func:`stats.compare` on the raw samples when
    both are available, else from non-overlapping 95% confidence intervals of the medians.
    """
    groups: dict[tuple, list[dict[str, Any]]] = {}
    for record in records:
        key = (record["workload"], record["size"], record["mode"], record["scenario"], record["device"])
        groups.setdefault(key, []).append(record)
    summary: list[dict[str, Any]] = []
    for (workload, size, mode, scenario, device), group in groups.items():
        valid = sorted(
            (r for r in group if flags.is_rankable(r) and (r.get("latency_ms") or {}).get("p50")),
            key=lambda r: r["latency_ms"]["p50"],
        )
        excluded = [
            {
                "name": f"{r['framework']}/{r['variant']}",
                "status": r["status"],
                "reason": r.get("reason"),
                "flags": [f for f in r.get("flags") or [] if f in flags.INVALIDATING_FLAGS],
            }
            for r in group
            if r not in valid
        ]
        entry: dict[str, Any] = {
            "workload": workload,
            "size": size,
            "mode": mode,
            "scenario": scenario,
            "device": device,
            "winner": None,
            "winner_p50_ms": None,
            "winner_throughput": None,
            "runner_up": None,
            "runner_up_p50_ms": None,
            "speedup": None,
            "significant": None,
            "p_value": None,
            "excluded": excluded,
        }
        if valid:
            best = valid[0]
            entry.update(
                winner=f"{best['framework']}/{best['variant']}",
                winner_p50_ms=best["latency_ms"]["p50"],
                winner_throughput=best["throughput_samples_per_s"],
            )
        if len(valid) > 1:
            best, second = valid[0], valid[1]
            entry.update(
                runner_up=f"{second['framework']}/{second['variant']}",
                runner_up_p50_ms=second["latency_ms"]["p50"],
                speedup=second["latency_ms"]["p50"] / best["latency_ms"]["p50"],
            )
            a = (samples or {}).get(best["result_id"])
            b = (samples or {}).get(second["result_id"])
            if a and b:
                result = stats.compare(a, b)
                entry["significant"] = bool(result["significant"])
                entry["p_value"] = result["p_value"]
            elif best.get("ci95_ms") and second.get("ci95_ms"):
                entry["significant"] = best["ci95_ms"][1] < second["ci95_ms"][0]
        summary.append(entry)
    return summary

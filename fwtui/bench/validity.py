"""The one place a result's validity flags are decided: from its raw samples and what was observed.

The same function runs for a result just measured, a result imported from another database or export, and
the sample data loaded on first launch, so a stored flag is always what this engine says, never what a file
claims. Everything it reads is in the ``results`` row (or the record) and its ``samples``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from fwtui.bench import flags, stats
from fwtui.bench.significance import per_process_medians, spread
from fwtui.bench.step_checks import StepChecks

# Stored figures and the ones recomputed from the stored samples may differ by float rounding only.
STATS_RELATIVE_SLACK = 1e-6
# Figures published without samples are rounded: latency and throughput must agree within 10%.
PUBLISHED_SLACK = 0.1


@dataclass(frozen=True)
class Evidence:
    """What the flags are computed from: the result's metadata and its observations."""

    status: str
    device: str
    dtype: str
    batch_size: int
    inner_iterations: int
    timer_resolution_ns: float | None
    flops_per_sample: float | None
    max_abs_error: float | None
    tolerance: float | None
    isolated_call_ms: float | None
    checks: StepChecks | None
    stored_p50_ms: float | None
    stored_mean_ms: float | None
    stored_throughput: float | None
    min_iterations: int = flags.MIN_ITERATIONS
    batch_stated: bool = True  # False: unknown batch (a published table); 1 is then only a lower bound
    # Repetition across processes, as stored: checked against the samples (a forged spread would make
    # anything significant). None/() for a result measured before results recorded their processes.
    repetitions: int | None = None
    process_p50_ms: tuple[float, ...] = ()
    process_cv: float | None = None
    ci95_ms: tuple[float, float] | None = None
    process_n: tuple[int, ...] | None = None

    @classmethod
    def from_row(cls, row: Mapping[str, object]) -> Evidence:
        """From a ``results`` row (``details`` as JSON text or an object); tolerant of missing columns."""
        details = row.get("details")
        if isinstance(details, str):
            try:
                details = json.loads(details)
            except ValueError:
                details = None
        found = details if isinstance(details, Mapping) else {}
        raw_checks = found.get("checks")
        try:
            checks = StepChecks.from_dict(raw_checks) if isinstance(raw_checks, Mapping) else None
        except ValueError:
            checks = None
        return cls(
            status=str(row.get("status") or "ok"),
            device=str(row.get("device") or "cpu"),
            dtype=str(row.get("dtype") or "float32"),
            batch_size=_int(row.get("batch_size"), 1),
            inner_iterations=_int(row.get("inner_iterations"), 1),
            timer_resolution_ns=_float(found.get("timer_resolution_ns")),
            flops_per_sample=_float(row.get("flops_per_sample")),
            max_abs_error=_float(row.get("max_abs_error")),
            tolerance=_float(row.get("tolerance")),
            isolated_call_ms=_float(found.get("isolated_call_ms")),
            checks=checks,
            stored_p50_ms=_float(row.get("p50_ms")),
            stored_mean_ms=_float(row.get("mean_ms")),
            stored_throughput=_float(row.get("throughput_samples_per_s")),
            batch_stated=row.get("batch_size") is not None,
            repetitions=_int(row.get("repetitions"), 0) if row.get("repetitions") is not None else None,
            process_p50_ms=_floats(row.get("process_p50_ms")),
            process_cv=_float(row.get("process_cv")),
            ci95_ms=_interval(row.get("ci95_low_ms"), row.get("ci95_high_ms")),
            process_n=tuple(int(v) for v in _floats(found.get("process_n"))) if "process_n" in found else None,
        )


def _float(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def _floats(value: object) -> tuple[float, ...]:
    if not isinstance(value, (list, tuple)):
        return ()
    return tuple(v for v in (_float(item) for item in value) if v is not None)


def _interval(low: object, high: object) -> tuple[float, float] | None:
    lo, hi = _float(low), _float(high)
    return None if lo is None or hi is None else (lo, hi)


def _int(value: object, default: int) -> int:
    return int(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else default


def _differs(stored: float | None, computed: float | None) -> bool:
    if stored is None or computed is None:
        return False
    return not math.isclose(stored, computed, rel_tol=STATS_RELATIVE_SLACK, abs_tol=1e-12)


def compute(
    evidence: Evidence,
    samples_ms: Sequence[float],
    *,
    peak_gflops: float | None,
    logical_cpus: int | None,
) -> tuple[str, ...]:
    """Every flag that applies, in a stable order. Not-run results carry none."""
    if evidence.status != "ok":
        return ()
    if not samples_ms:
        # Nothing can be verified; stored latency and throughput can still contradict each other.
        stored_mean = evidence.stored_mean_ms
        implied = evidence.batch_size * 1000.0 / stored_mean if stored_mean else None
        if implied is not None and evidence.stored_throughput is not None:
            low = evidence.stored_throughput < implied * (1 - PUBLISHED_SLACK)  # under one sample per call
            high = evidence.batch_stated and evidence.stored_throughput > implied * (1 + PUBLISHED_SLACK)
            if low or high:
                return ("no_samples", "inconsistent_stats")
        return ("no_samples",)
    found: list[str] = []
    summary = stats.summarize(samples_ms)
    mean = summary["mean"]
    mean_ms = float(mean) if mean is not None else None
    p50 = summary["p50"]
    checks = evidence.checks or StepChecks()
    if len(samples_ms) < evidence.min_iterations:
        found.append("too_few_iterations")
    if flags.high_variance(flags.spread(samples_ms)):
        found.append("high_variance")
    if flags.timer_quantised(samples_ms, evidence.inner_iterations, evidence.timer_resolution_ns or 1.0):
        found.append("timer_quantised")
    dtype = checks.dtype_used or evidence.dtype
    gflops = flags.implied_gflops(evidence.flops_per_sample, evidence.batch_size, mean_ms)
    ceiling = flags.ceiling_gflops(evidence.device, dtype, logical_cpus)
    # The peak is the float32 (or the record's dtype's) figure: another dtype is held to its own ceiling only.
    peak = peak_gflops if dtype == evidence.dtype else None
    if flags.faster_than_peak(gflops, peak, ceiling):
        found.append("faster_than_peak")
    timed_bad = flags.output_mismatch(checks.timed_output_error, checks.timed_output_tolerance)
    if flags.output_mismatch(evidence.max_abs_error, evidence.tolerance) or timed_bad:
        found.append("output_mismatch")
    lone_call_ms = checks.lone_call_ms if checks.lone_call_ms is not None else evidence.isolated_call_ms
    if flags.unsynced_step(
        checks.async_dispatch, lone_call_ms, checks.materialise_ms, checks.fetch_ratio, checks.pending_share
    ):
        found.append("unsynced_step")
    if checks.compiles_measure is not None and checks.compiles_measure > 0:
        found.append("recompiled")
    if checks.dtype_used is not None and checks.dtype_used != evidence.dtype:
        found.append("dtype_mismatch")
    if evidence.checks is not None and checks.timed_output is None:
        found.append("unchecked_step")
    if flags.busy_machine(checks.contention):
        found.append("busy_machine")
    throughput = evidence.batch_size * 1000.0 / mean_ms if mean_ms else None
    if (
        _differs(evidence.stored_p50_ms, float(p50) if p50 is not None else None)
        or _differs(evidence.stored_mean_ms, mean_ms)
        or _differs(evidence.stored_throughput, throughput)
        or _processes_inconsistent(evidence, samples_ms)
    ):
        found.append("inconsistent_stats")
    return tuple(found)


def _processes_inconsistent(evidence: Evidence, samples_ms: Sequence[float]) -> bool:
    """Whether the stored per-process figures do not follow from the samples.

    With ``details.process_n`` (samples per process, in stored order) every process median is recomputed;
    without it, each claimed median must lie within the samples and the pooled median between the claimed
    ones (a median of a union always does). The spread and the interval must be the medians' own.
    """
    medians = evidence.process_p50_ms
    if evidence.repetitions is None and not medians:
        return False  # measured before results recorded their processes: nothing is claimed
    if evidence.repetitions is not None and evidence.repetitions != len(medians):
        return True
    if evidence.process_n is not None:
        if len(evidence.process_n) != len(medians) or sum(evidence.process_n) != len(samples_ms):
            return True
        parts, start = [], 0
        for count in evidence.process_n:
            parts.append(samples_ms[start : start + count])
            start += count
        if any(_differs(m, c) for m, c in zip(medians, per_process_medians(parts), strict=True)):
            return True
    elif medians:
        low, high = min(samples_ms), max(samples_ms)
        pooled = float(stats.summarize(samples_ms)["p50"] or 0.0)
        slack = STATS_RELATIVE_SLACK * max(abs(high), 1e-12)
        if any(m < low - slack or m > high + slack for m in medians):
            return True
        if not min(medians) - slack <= pooled <= max(medians) + slack:
            return True
    found = spread(medians)
    if evidence.process_cv is not None and (found.cv is None or _differs(evidence.process_cv, found.cv)):
        return True
    if evidence.ci95_ms is not None:
        if found.ci95_ms is None:
            return True
        return any(_differs(a, b) for a, b in zip(evidence.ci95_ms, found.ci95_ms, strict=True))
    return False


def record_row(record: Mapping[str, object]) -> dict[str, object]:
    """The columns :meth:`Evidence.from_row` reads, from a record in the ``fwtui bench --json`` shape."""
    latency = record.get("latency_ms")
    latency = latency if isinstance(latency, Mapping) else {}
    row = {key: record.get(key) for key in (
        "status", "device", "dtype", "batch_size", "inner_iterations", "flops_per_sample", "max_abs_error",
        "tolerance", "throughput_samples_per_s", "details",
    )}  # fmt: skip
    row["p50_ms"], row["mean_ms"] = latency.get("p50"), latency.get("mean")
    row["repetitions"], row["process_p50_ms"] = record.get("repetitions"), record.get("process_p50_ms")
    row["process_cv"] = record.get("process_cv")
    ci = record.get("ci95_ms")
    if isinstance(ci, (list, tuple)) and len(ci) == 2 and record.get("repetitions") is not None:
        row["ci95_low_ms"], row["ci95_high_ms"] = ci[0], ci[1]
    return row


# --- a user's own model: its engines checked against each other ------------------------------------------------

MISMATCH = "output_mismatch"


def disagrees(status: str | None, max_abs_error: float | None, tolerance: float | None) -> bool:
    """Whether one engine's outputs disagreed with the reference engine's: an error above the tolerance, or
    a tolerance with no finite error (outputs of another shape, or not finite: stored as NULL)."""
    if status != "ok" or tolerance is None:
        return False  # not run, or nothing to check against (no float32 engine ran)
    return max_abs_error is None or not max_abs_error <= tolerance


def cross_checked(
    results: Sequence[tuple[str | None, float | None, float | None, tuple[str, ...]]],
) -> list[tuple[str, ...]]:
    """The flags of one model's results, each ``(status, max_abs_error, tolerance, flags)``, cross-checked.

    A user's model has no float64 reference, so its engines are checked against the first one that ran at
    float32: one disagreement flags every ok result of the model ``output_mismatch`` (which of them is
    right cannot be known). The same rule holds for a result just measured and one re-validated from a file.
    """
    if not any(disagrees(status, error, tolerance) for status, error, tolerance, _ in results):
        return [found for *_, found in results]
    return [
        found if status != "ok" or MISMATCH in found else (*found, MISMATCH)
        for status, _, _, found in results
    ]

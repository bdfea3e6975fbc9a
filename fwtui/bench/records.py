"""Result records (the ``fwtui bench --json`` shape) built in the parent from what a child reported.

Statistics and flags are computed here, from the raw samples, so the numbers stored and the samples stored
can never disagree; throughput is always ``batch_size * 1000 / mean_ms`` of those same samples.
"""

from __future__ import annotations

import dataclasses
import os
import uuid
from collections.abc import Mapping

from fwtui.bench import flags, stats, validity
from fwtui.bench.events import ChildResult
from fwtui.bench.result_record import (
    LATENCY_KEYS,
    LatencyStats,
    MeasurementDetails,
    RecordDetails,
    ResultRecord,
    not_run_record,
    now_iso,
)
from fwtui.bench.spec import RunSpec

__all__ = ["apply_break_even", "measured_record", "not_run_record"]


def measured_record(
    spec: RunSpec,
    child_result: ChildResult,
    *,
    run_id: str | None = None,
    machine_id: str | None = None,
    peak_gflops: float | None = None,
    logical_cpus: int | None = None,
) -> tuple[ResultRecord, list[float]]:
    """The record for a child's ``result`` event, and the raw samples to store with it."""
    scenario = child_result.scenario
    batch = child_result.batch_size or spec.batch_for(scenario)
    if child_result.status != "ok":
        record = not_run_record(
            spec,
            scenario,
            child_result.status,
            child_result.reason,
            run_id=run_id,
            machine_id=machine_id,
            framework_version=child_result.framework_version,
            batch=batch,
        )
        return record, []

    samples = list(child_result.samples_ms)
    inner = child_result.inner_iterations or 1
    summary = stats.summarize(samples, inner)
    mean = _stat(summary, "mean")
    cv = _stat(summary, "cv")
    low, high = _stat(summary, "ci95_low"), _stat(summary, "ci95_high")
    flops = child_result.flops_per_sample
    gflops = flags.implied_gflops(flops, batch, mean)
    details = child_result.details or MeasurementDetails()
    record = ResultRecord(
        result_id=uuid.uuid4().hex,
        run_id=run_id,
        machine_id=machine_id,
        created_at=now_iso(),
        framework=spec.framework,
        framework_version=child_result.framework_version,
        variant=spec.variant,
        workload=spec.workload,
        size=spec.size,
        mode=spec.mode,
        scenario=scenario,
        batch_size=batch,
        device=spec.device,
        dtype=spec.precision,  # the child checked that the timed step computes in it
        threads=spec.threads,
        status="ok",
        reason=None,
        n=int(summary["n"] or 0),
        inner_iterations=inner,
        latency_ms=LatencyStats(**{key: _stat(summary, key) for key in LATENCY_KEYS}),
        cv=cv,
        ci95_ms=None if low is None or high is None else (low, high),
        throughput_samples_per_s=batch * 1000.0 / mean if mean else None,
        gflops=gflops,
        flops_per_sample=flops,
        phases_s=child_result.phases,
        compile_s=child_result.phases.compile,
        peak_rss_mb=child_result.peak_rss_mb,
        device_mem_peak_mb=child_result.device_mem_peak_mb,
        energy_j_per_sample=child_result.energy_j_per_sample,
        energy_reason=child_result.energy_reason,
        max_abs_error=child_result.max_abs_error,
        max_rel_error=child_result.max_rel_error,
        tolerance=child_result.tolerance,
        flags=(),
        details=RecordDetails(
            preset=spec.preset,
            measurement=details,
            timer_resolution_ns=child_result.timer_resolution_ns,
            isolated_call_ms=child_result.isolated_call_ms,
            peak_gflops=peak_gflops,
            tails_reason=stats.tails_reason(len(samples), inner),
        ),
    )
    evidence = validity.Evidence.from_row(validity.record_row(record.to_dict()))
    found = validity.compute(
        evidence, samples, peak_gflops=peak_gflops, logical_cpus=logical_cpus or os.cpu_count()
    )
    if child_result.check_ok is False and "output_mismatch" not in found:
        found = (*found, "output_mismatch")
    return dataclasses.replace(record, flags=found), samples


def _stat(summary: Mapping[str, float | None], key: str) -> float | None:
    value = summary[key]
    return None if value is None else float(value)


def apply_break_even(compiled: ResultRecord, baseline: ResultRecord) -> ResultRecord:
    """``compiled`` with ``compile_break_even_calls`` filled from its baseline's record."""
    calls, reason = flags.compile_break_even(compiled.compile_s, baseline.p50_ms, compiled.p50_ms)
    details = dataclasses.replace(
        compiled.details, break_even_baseline=baseline.variant, break_even_reason=reason
    )
    return dataclasses.replace(compiled, compile_break_even_calls=calls, details=details)

"""Result records (the ``fwtui bench --json`` shape) built in the parent from what a child reported.

Statistics and flags are computed here, from the raw samples, so the numbers stored and the samples stored
can never disagree; throughput is always ``batch_size * 1000 / mean_ms`` of those same samples.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timezone
from typing import Any

import numpy as np

from fwtui.bench import flags, stats
from fwtui.bench.plan import RunSpec
from fwtui.frameworks import BY_NAME, installed_version

DTYPE = "float32"
SAMPLES_NOTE = "each sample is the mean per-call time of inner_iterations back-to-back calls"


def _now() -> str:
    return datetime.now(timezone.utc).isoformat()


def default_batch(spec: RunSpec, scenario: str) -> int:
    """The batch a scenario uses, as the child would choose it."""
    if scenario == "latency":
        return spec.latency_batch
    if spec.workload == "gemm":
        return 1
    if spec.batch:
        return spec.batch
    from fwtui.bench.workloads import get_spec

    wspec = get_spec(spec.workload, spec.size)
    return wspec.train_batch if scenario == "train" else wspec.throughput_batch


def _base(
    spec: RunSpec, scenario: str, batch: int, run_id: str | None, machine_id: str | None
) -> dict[str, Any]:
    return {
        "result_id": uuid.uuid4().hex,
        "run_id": run_id,
        "machine_id": machine_id,
        "created_at": _now(),
        "framework": spec.framework,
        "framework_version": None,
        "variant": spec.variant,
        "workload": spec.workload,
        "size": spec.size,
        "mode": spec.mode,
        "scenario": scenario,
        "batch_size": batch,
        "device": spec.device,
        "dtype": DTYPE,
        "threads": spec.threads,
        "status": "ok",
        "reason": None,
        "n": None,
        "inner_iterations": None,
        "latency_ms": None,
        "cv": None,
        "ci95_ms": None,
        "throughput_samples_per_s": None,
        "gflops": None,
        "flops_per_sample": None,
        "phases_s": dict.fromkeys(("import", "build", "first_call", "compile", "warmup", "measure")),
        "compile_s": None,
        "compile_break_even_calls": None,
        "peak_rss_mb": None,
        "device_mem_peak_mb": None,
        "max_abs_error": None,
        "max_rel_error": None,
        "tolerance": None,
        "flags": [],
        "source": "local",
        "details": {"preset": spec.preset},
    }


def not_run_record(
    spec: RunSpec,
    scenario: str,
    status: str,
    reason: str | None,
    *,
    run_id: str | None = None,
    machine_id: str | None = None,
    framework_version: str | None = None,
    batch: int | None = None,
    details: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A record with no numbers: skipped, unsupported, failed or timed out, with the reason."""
    record = _base(
        spec, scenario, batch if batch is not None else default_batch(spec, scenario), run_id, machine_id
    )
    record["status"] = status
    record["reason"] = reason
    fw = BY_NAME.get(spec.framework)
    if framework_version is None and fw is not None and status not in ("skipped",):
        framework_version = installed_version(fw.distributions)
    record["framework_version"] = framework_version
    if details:
        record["details"].update(details)
    return record


def measured_record(
    spec: RunSpec,
    child_result: dict[str, Any],
    *,
    run_id: str | None = None,
    machine_id: str | None = None,
    peak_gflops: float | None = None,
) -> tuple[dict[str, Any], list[float]]:
    """The record for a child's ``result`` event, and the raw samples to store with it."""
    scenario = str(child_result["scenario"])
    status = str(child_result.get("status") or "failed")
    batch = int(child_result.get("batch_size") or default_batch(spec, scenario))
    if status != "ok":
        record = not_run_record(
            spec,
            scenario,
            status,
            child_result.get("reason"),
            run_id=run_id,
            machine_id=machine_id,
            framework_version=child_result.get("framework_version"),
            batch=batch,
        )
        return record, []

    samples = [float(s) for s in child_result.get("samples_ms") or []]
    summary = stats.summarize(samples)
    record = _base(spec, scenario, batch, run_id, machine_id)
    mean = summary["mean"]
    flops = child_result.get("flops_per_sample")
    gflops = flags.implied_gflops(flops, batch, mean)
    inner = int(child_result.get("inner_iterations") or 1)
    details = dict(child_result.get("details") or {})
    record.update(
        framework_version=child_result.get("framework_version"),
        n=summary["n"],
        inner_iterations=inner,
        latency_ms={k: summary[k] for k in ("p50", "p90", "p95", "p99", "mean", "stdev", "min", "max")},
        cv=summary["cv"],
        ci95_ms=[summary["ci95_low"], summary["ci95_high"]] if summary["ci95_low"] is not None else None,
        throughput_samples_per_s=batch * 1000.0 / mean if mean else None,
        gflops=gflops,
        flops_per_sample=flops,
        compile_s=(child_result.get("phases_s") or {}).get("compile"),
        peak_rss_mb=child_result.get("peak_rss_mb"),
        device_mem_peak_mb=child_result.get("device_mem_peak_mb"),
        max_abs_error=child_result.get("max_abs_error"),
        max_rel_error=child_result.get("max_rel_error"),
        tolerance=child_result.get("tolerance"),
    )
    record["phases_s"].update(child_result.get("phases_s") or {})
    record["flags"] = flags.compute_flags(
        samples_ms=samples,
        cv=summary["cv"],
        inner_iterations=inner,
        timer_resolution_ns=float(child_result.get("timer_resolution_ns") or 1.0),
        gflops=gflops,
        peak_gflops=peak_gflops,
        max_abs_error=record["max_abs_error"],
        tolerance=record["tolerance"],
        isolated_call_ms=child_result.get("isolated_call_ms"),
        fastest_call_ms=float(np.percentile(samples, 10)) if samples else None,
        min_iterations=spec.min_iterations,
    )
    load = (details.get("load_average") or [None])[0]
    if spec.device == "cpu" and flags.busy_machine(load, spec.threads):
        record["flags"].append("busy_machine")
    if child_result.get("check_ok") is False and "output_mismatch" not in record["flags"]:
        record["flags"].append("output_mismatch")
    details.update(
        timer_resolution_ns=child_result.get("timer_resolution_ns"),
        isolated_call_ms=child_result.get("isolated_call_ms"),
        peak_gflops=peak_gflops,
        samples_note=SAMPLES_NOTE,
        preset=spec.preset,
    )
    record["details"] = details
    return record, samples


def apply_break_even(compiled: dict[str, Any], baseline: dict[str, Any]) -> None:
    """Fill ``compile_break_even_calls`` of a compiled variant's record from its baseline's record."""
    baseline_ms = (baseline.get("latency_ms") or {}).get("p50")  # medians: robust to a busy moment
    compiled_ms = (compiled.get("latency_ms") or {}).get("p50")
    calls, reason = flags.compile_break_even(compiled.get("compile_s"), baseline_ms, compiled_ms)
    compiled["compile_break_even_calls"] = calls
    compiled["details"]["break_even_baseline"] = baseline.get("variant")
    if reason:
        compiled["details"]["break_even_reason"] = reason

"""Records built from child results, the end-of-session summary and the stored environment (no children)."""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pytest

from fwtui.bench.environment import machine, run_environment
from fwtui.bench.events import ChildResult
from fwtui.bench.plan import RunSpec
from fwtui.bench.records import apply_break_even, measured_record, not_run_record
from fwtui.bench.repetition import with_processes
from fwtui.bench.result_record import ResultRecord
from fwtui.bench.session import BenchSession, summarize

SPEC = RunSpec(framework="torch", workload="mlp", mode="inference", variant="eager", device="cpu", threads=2)


def child_result(samples: list[float], **extra: Any) -> ChildResult:
    result = {
        "event": "result",
        "scenario": "throughput",
        "batch_size": 256,
        "status": "ok",
        "framework_version": "2.13.0",
        "samples_ms": samples,
        "inner_iterations": 1,
        "timer_resolution_ns": 50.0,
        "isolated_call_ms": samples[0],
        "flops_per_sample": 1e6,
        "phases_s": {
            "import": 1.0,
            "build": 0.1,
            "first_call": 0.2,
            "compile": 0.15,
            "warmup": 0.1,
            "measure": 1,
        },
        "max_abs_error": 1e-6,
        "max_rel_error": 1e-7,
        "tolerance": 1e-4,
        "check_ok": True,
        "peak_rss_mb": 300.0,
        "device_mem_peak_mb": None,
        "details": {"steady_call_ms": float(np.median(samples)), "settings": {"threads": 2}},
    }
    result.update(extra)
    return ChildResult.from_dict(result)


def measured(spec: RunSpec, result: ChildResult, **kwargs: Any) -> tuple[dict[str, Any], list[float]]:
    """The record as its ``--json`` dict, and the samples."""
    record, samples = measured_record(spec, result, **kwargs)
    return record.to_dict(), samples


def _thirds(samples: list[float]) -> list[ChildResult]:
    return [child_result(samples[i::3]) for i in range(3)]


def make(samples: list[float], **changes: Any) -> ResultRecord:
    spec = SPEC.with_changes(**changes)
    record, _ = measured_record(spec, child_result(samples), run_id="r1", machine_id="m1")
    return record


def test_measured_record_statistics_and_consistent_throughput() -> None:
    samples = list(np.random.default_rng(0).normal(4.0, 0.04, 100))
    record, stored = measured(
        SPEC, child_result(samples), run_id="r1", machine_id="m1", peak_gflops=400.0
    )
    assert stored == samples
    assert record["n"] == 100 and record["status"] == "ok"
    assert record["latency_ms"]["p50"] == pytest.approx(np.median(samples))
    assert record["throughput_samples_per_s"] == pytest.approx(256 * 1000 / np.mean(samples))
    assert record["gflops"] == pytest.approx(1e6 * 256 / (np.mean(samples) / 1000) / 1e9)
    low, high = record["ci95_ms"]
    assert low <= record["latency_ms"]["p50"] <= high
    assert record["compile_s"] == 0.15 and record["phases_s"]["import"] == 1.0
    assert record["flags"] == []
    assert record["run_id"] == "r1" and record["machine_id"] == "m1" and record["dtype"] == "float32"


def test_child_check_failure_marks_output_mismatch() -> None:
    record, _ = measured(
        SPEC, child_result([1.0] * 3 + [1.1] * 20, check_ok=False, max_abs_error=None)
    )
    assert "output_mismatch" in record["flags"]


def test_busy_machine_is_flagged_from_the_load_average() -> None:
    samples = [1.0] * 5 + [1.01] * 20
    busy, _ = measured(SPEC, child_result(samples, details={"load_average": [6.0, 5.0, 4.0]}))
    idle, _ = measured(SPEC, child_result(samples, details={"load_average": [2.2, 2.0, 2.0]}))
    assert "busy_machine" in busy["flags"] and "busy_machine" not in idle["flags"]


def test_not_run_record_has_nulls_and_reason() -> None:
    record = not_run_record(SPEC.with_changes(mode="training"), "train", "unsupported", "cannot train").to_dict()
    assert record["status"] == "unsupported" and record["reason"] == "cannot train"
    assert record["batch_size"] == 64  # the mlp's training batch
    assert record["latency_ms"] is None and record["throughput_samples_per_s"] is None and record["n"] is None


def test_break_even_uses_the_baseline_medians() -> None:
    eager = make([1.0] * 30)
    compiled = apply_break_even(make([0.5] * 30, variant="compile"), eager).to_dict()
    assert compiled["compile_break_even_calls"] == pytest.approx(0.15 * 1000 / 0.5)
    slower = apply_break_even(make([2.0] * 30, variant="compile"), eager).to_dict()
    assert slower["compile_break_even_calls"] is None
    assert "never pays off" in slower["details"]["break_even_reason"]


def test_summarize_ranks_only_valid_results() -> None:
    rng = np.random.default_rng(3)
    fast_samples = list(rng.normal(1.0, 0.01, 50))
    slow_samples = list(rng.normal(2.0, 0.02, 50))
    # Each result as three processes, a third of the samples each: the summary tests across processes.
    fast = with_processes(make(fast_samples, framework="jax", variant="jit"), _thirds(fast_samples))
    slow = with_processes(make(slow_samples), _thirds(slow_samples))
    broken = make([0.1] * 50, framework="tensorflow", variant="function")
    broken = dataclasses.replace(broken, flags=("output_mismatch",))
    unsupported = not_run_record(
        SPEC.with_changes(framework="onnxruntime", variant="ort"), "throughput", "failed", "crashed"
    )
    samples = {fast.result_id: fast_samples, slow.result_id: slow_samples}
    (row,) = [r.to_dict() for r in summarize([slow, broken, fast, unsupported], samples)]
    assert row["winner"] == "jax/jit" and row["runner_up"] == "torch/eager"
    assert row["speedup"] == pytest.approx(2.0, rel=0.05)
    assert row["significant"] is True and row["p_value"] < 0.01
    assert {e["name"] for e in row["excluded"]} == {"tensorflow/function", "onnxruntime/ort"}
    # The verdict comes from the per-process values, with or without the raw samples...
    (row,) = [r.to_dict() for r in summarize([slow, fast])]
    assert row["significant"] is True
    # ...and results measured in one process each are not tested at all, however many samples they hold.
    (row,) = summarize([make(slow_samples), make(fast_samples, framework="jax", variant="jit")], samples)
    assert row.significant is None and row.p_value is None and row.winner == "jax/jit"


def test_session_without_children_or_store() -> None:
    specs = [SPEC.with_changes(status="skipped", reason="not installed: pip install 'fwtui[torch]'")]
    events: list[dict[str, Any]] = []
    records = [r.to_dict() for r in BenchSession(specs, on_event=lambda e: events.append(e.to_dict())).run()]
    assert [r["status"] for r in records] == ["skipped", "skipped"]
    assert records[0]["reason"].endswith("pip install 'fwtui[torch]'")
    assert [e["event"] for e in events] == ["queue", "run_start", "result", "result", "run_end", "done"]


def test_environment_records_versions_threads_and_blas() -> None:
    env = run_environment([SPEC], "fwtui bench", machine())
    assert env["versions"]["torch"] and env["versions"]["numpy"]
    assert env["child_environment"]["OMP_NUM_THREADS"] == "2"
    assert env["child_environment"]["XLA_PYTHON_CLIENT_PREALLOCATE"] == "false"
    assert env["numpy_blas"]["blas"]["name"]
    assert env["command"] == "fwtui bench" and env["hardware"]["logical_cores"]
    assert machine()["machine_id"].startswith("m-")

"""Every validity flag trips on crafted evidence and stays quiet on clean evidence (the engine in validity.py)."""

from __future__ import annotations

import dataclasses

import numpy as np

from fwtui.bench import flags, stats, validity
from fwtui.bench.contention import Window
from fwtui.bench.step_checks import StepChecks

QUIET = Window(wall_s=2.0, own_cpus=1.0, other_cpus=0.05, steal_share=0.0, cpus=2)


def _clean_samples(n: int = 200) -> list[float]:
    rng = np.random.default_rng(0)
    return list(rng.normal(2.0, 0.02, n))


def _evidence(samples: list[float], **overrides: object) -> validity.Evidence:
    mean = float(np.mean(samples)) if samples else None
    base = validity.Evidence(
        status="ok", device="cpu", dtype="float32", batch_size=1, inner_iterations=1, timer_resolution_ns=50.0,
        flops_per_sample=2e7, max_abs_error=1e-6, tolerance=1e-4, isolated_call_ms=2.5,
        checks=StepChecks(timed_output="outputs", timed_output_error=1e-6, timed_output_tolerance=1e-4,
                          dtype_used="float32", contention=QUIET),
        stored_p50_ms=float(np.median(samples)) if samples else None, stored_mean_ms=mean,
        stored_throughput=1000.0 / mean if mean else None,
    )  # fmt: skip
    return dataclasses.replace(base, **overrides)  # type: ignore[arg-type]


def _flags(samples: list[float] | None = None, peak: float | None = 400.0, **overrides: object) -> tuple[str, ...]:
    samples = _clean_samples() if samples is None else samples
    return validity.compute(_evidence(samples, **overrides), samples, peak_gflops=peak, logical_cpus=2)


def _checks(**changes: object) -> StepChecks:
    return dataclasses.replace(_evidence(_clean_samples()).checks or StepChecks(), **changes)  # type: ignore[arg-type]


def test_clean_result_has_no_flags() -> None:
    assert _flags() == ()


def test_too_few_iterations_invalidates() -> None:
    assert "too_few_iterations" in _flags(_clean_samples(5))
    assert "too_few_iterations" in flags.INVALIDATING_FLAGS


def test_high_variance_uses_the_quartile_spread() -> None:
    one_outlier = [*_clean_samples(), 20.0]  # one slow sample: stdev/mean jumps, the quartiles do not
    assert "high_variance" not in _flags(one_outlier, stored_p50_ms=None, stored_mean_ms=None, stored_throughput=None)
    wide = list(np.random.default_rng(1).uniform(1.0, 5.0, 200))
    assert "high_variance" in _flags(wide, stored_p50_ms=None, stored_mean_ms=None, stored_throughput=None)


def test_timer_quantised() -> None:
    assert flags.timer_quantised([0.002] * 3 + [0.0021] * 3, 1, 50.0)
    assert not flags.timer_quantised([2.0, 2.1, 2.05], 1, 50.0)
    assert not flags.timer_quantised([0.002, 0.0021, 0.00205], 1000, 50.0)
    assert flags.timer_quantised([0.05] * 80 + [0.1] * 20, 1000, 50.0)


def test_faster_than_peak_and_the_ceiling_without_a_peak() -> None:
    # 2e7 FLOPs in 2 ms is 10 GFLOP/s: fine against 400, flagged against a peak of 5.
    assert "faster_than_peak" in _flags(peak=5.0)
    assert not flags.faster_than_peak(420.0, 400.0)
    # No peak on a new machine: the class ceiling still catches a cached output (2 cpus: 768 GFLOP/s).
    assert "faster_than_peak" in _flags(peak=None, flops_per_sample=2e10)
    assert "faster_than_peak" not in _flags(peak=None)
    # An implausible stored peak is not trusted.
    assert "faster_than_peak" in _flags(peak=1e9, flops_per_sample=2e10)


def test_output_mismatch_of_the_check_or_the_timed_output() -> None:
    assert "output_mismatch" in _flags(max_abs_error=1e-2)
    assert "output_mismatch" in _flags(checks=_checks(timed_output_error=1e-2))
    assert flags.output_mismatch(float("nan"), 1e-4)


def test_unsynced_step_only_where_dispatch_is_asynchronous() -> None:
    lazy = _checks(materialise_ms=5.0, async_dispatch=True)
    assert "unsynced_step" in _flags(isolated_call_ms=0.02, checks=lazy)
    # The same numbers on a synchronous framework (CPU PyTorch under contention) never raise it.
    assert "unsynced_step" not in _flags(isolated_call_ms=0.02, checks=_checks(materialise_ms=5.0))
    # No floor: a tiny call that only dispatches is caught too.
    assert flags.unsynced_step(True, 0.004, 0.05, None)
    assert not flags.unsynced_step(True, 2.5, 0.01, 0.9)
    assert flags.unsynced_step(True, 2.5, 0.01, 0.1)  # back-to-back calls far quicker than call + fetch
    # The direct evidence: calls that returned while their work still ran, whatever the timings say.
    assert flags.unsynced_step(True, 2.5, 0.01, 0.9, pending_share=1.0)
    assert not flags.unsynced_step(True, 2.5, 0.01, 0.9, pending_share=0.0)
    # At batch 1 an unsynchronised mlp's work often ends before it is asked: 3 of 20 calls still prove it.
    assert flags.unsynced_step(True, 0.03, 0.03, 0.9, pending_share=0.15)
    assert not flags.unsynced_step(True, 0.03, 0.03, 0.9, pending_share=0.05)
    assert not flags.unsynced_step(False, 2.5, 0.01, 0.9, pending_share=1.0)  # a synchronous framework


def test_recompiled_dtype_unchecked_and_busy() -> None:
    assert "recompiled" in _flags(checks=_checks(compiles_measure=3))
    assert "dtype_mismatch" in _flags(checks=_checks(dtype_used="bfloat16"))
    assert "unchecked_step" in _flags(checks=_checks(timed_output=None))
    busy = Window(wall_s=2.0, own_cpus=1.0, other_cpus=1.2, steal_share=0.0, cpus=2)
    assert "busy_machine" in _flags(checks=_checks(contention=busy))
    stolen = Window(wall_s=2.0, own_cpus=1.0, other_cpus=0.0, steal_share=0.2, cpus=2)
    assert "busy_machine" in _flags(checks=_checks(contention=stolen))


def test_stored_figures_must_follow_from_the_samples() -> None:
    assert "inconsistent_stats" in _flags(stored_p50_ms=0.0001)
    assert validity.compute(_evidence([]), [], peak_gflops=None, logical_cpus=2) == ("no_samples",)


def test_tails_need_enough_single_call_samples() -> None:
    assert stats.MIN_SAMPLES_FOR_TAIL == {"p90": 36, "p95": 72, "p99": 368}
    few = stats.summarize(_clean_samples(50))
    assert few["p90"] is not None and few["p95"] is None and few["p99"] is None
    assert stats.summarize(_clean_samples(400), inner_iterations=4)["p90"] is None
    assert "averages 4 calls" in (stats.tails_reason(400, 4) or "")
    assert stats.tails_reason(400, 1) is None


def test_compile_break_even() -> None:
    calls, reason = flags.compile_break_even(2.0, baseline_ms=1.0, compiled_ms=0.5)
    assert calls == 4000.0 and reason is None
    calls, reason = flags.compile_break_even(2.0, baseline_ms=0.5, compiled_ms=0.6)
    assert calls is None and reason is not None and "never pays off" in reason


def test_rankable_and_explanations() -> None:
    assert flags.is_rankable({"status": "ok", "flags": ["high_variance"]})
    assert not flags.is_rankable({"status": "ok", "flags": ["output_mismatch"]})
    assert not flags.is_rankable({"status": "unsupported", "flags": []})
    for name, text in flags.FLAG_EXPLANATIONS.items():
        assert text.endswith("."), name
    assert flags.FLAG_EXPLANATIONS.keys() >= flags.INVALIDATING_FLAGS

"""Every validity flag trips on crafted samples and stays quiet on clean ones."""

from __future__ import annotations

import numpy as np

from fwtui.bench import flags


def _clean_samples(n: int = 200) -> list[float]:
    rng = np.random.default_rng(0)
    return list(rng.normal(2.0, 0.02, n))


def _flags(**overrides: object) -> list[str]:
    samples = overrides.pop("samples_ms", _clean_samples())
    args = {
        "samples_ms": samples,
        "cv": float(np.std(samples, ddof=1) / np.mean(samples)),
        "inner_iterations": 1,
        "timer_resolution_ns": 50.0,
        "gflops": 10.0,
        "peak_gflops": 400.0,
        "max_abs_error": 1e-6,
        "tolerance": 1e-4,
        "isolated_call_ms": 2.5,
        "fastest_call_ms": 1.9,
    }
    args.update(overrides)
    return flags.compute_flags(**args)  # type: ignore[arg-type]


def test_clean_result_has_no_flags() -> None:
    assert _flags() == []


def test_too_few_iterations() -> None:
    assert "too_few_iterations" in _flags(samples_ms=_clean_samples(5))
    assert not flags.too_few_iterations(10)


def test_high_variance() -> None:
    assert "high_variance" in _flags(cv=0.25)
    assert not flags.high_variance(0.05)
    assert not flags.high_variance(None)


def test_timer_quantised_by_short_samples() -> None:
    # 0.002 ms per sample with a 50 ns clock: 40 ticks, far below 100 ticks.
    assert flags.timer_quantised([0.002] * 3 + [0.0021] * 3, 1, 50.0)
    assert not flags.timer_quantised([2.0, 2.1, 2.05], 1, 50.0)
    # Same per-call time, but each sample spans 1000 calls: long enough.
    assert not flags.timer_quantised([0.002, 0.0021, 0.00205], 1000, 50.0)


def test_timer_quantised_by_repeated_values() -> None:
    # The "round 20,000 samples/s" pattern: most samples are the same value.
    samples = [0.05] * 80 + [0.1] * 20
    assert "timer_quantised" in _flags(samples_ms=samples, inner_iterations=1000, cv=0.1)


def test_faster_than_peak() -> None:
    assert "faster_than_peak" in _flags(gflops=900.0, peak_gflops=400.0)
    assert not flags.faster_than_peak(420.0, 400.0)  # within the margin
    assert not flags.faster_than_peak(900.0, None)  # no peak measured: no verdict
    assert flags.implied_gflops(2 * 1024**3, 1, 10.0) == 2 * 1024**3 / 0.01 / 1e9


def test_output_mismatch() -> None:
    assert "output_mismatch" in _flags(max_abs_error=1e-2, tolerance=1e-4)
    assert flags.output_mismatch(float("nan"), 1e-4)
    assert not flags.output_mismatch(None, None)


def test_unsynced_step() -> None:
    assert "unsynced_step" in _flags(isolated_call_ms=0.02, fastest_call_ms=5.0)
    assert not flags.unsynced_step(6.0, 5.0)  # alone it is slower (cold): normal
    assert not flags.unsynced_step(0.001, 0.01)  # too small to tell dispatch from work


def test_compile_break_even() -> None:
    calls, reason = flags.compile_break_even(2.0, baseline_ms=1.0, compiled_ms=0.5)
    assert calls == 4000.0 and reason is None
    calls, reason = flags.compile_break_even(2.0, baseline_ms=0.5, compiled_ms=0.6)
    assert calls is None and "never pays off" in reason


def test_rankable_and_explanations() -> None:
    assert flags.is_rankable({"status": "ok", "flags": ["high_variance"]})
    assert not flags.is_rankable({"status": "ok", "flags": ["output_mismatch"]})
    assert not flags.is_rankable({"status": "unsupported", "flags": []})
    for name in (
        "too_few_iterations",
        "high_variance",
        "timer_quantised",
        "faster_than_peak",
        "output_mismatch",
    ):
        assert flags.FLAG_EXPLANATIONS[name].endswith(".")
    assert flags.FLAG_EXPLANATIONS.keys() >= flags.INVALIDATING_FLAGS


def test_busy_machine() -> None:
    assert flags.busy_machine(5.0, threads=2)
    assert not flags.busy_machine(2.5, threads=2)  # the benchmark's own threads load the machine too
    assert not flags.busy_machine(None, threads=2)

"""Statistics on known inputs."""

from __future__ import annotations

import math

import numpy as np
import pytest

from fwtui.bench import stats


def test_summarize_known_values() -> None:
    samples = [float(v) for v in range(1, 101)] * 4  # 1..100 ms, 400 samples: enough for p99
    s = stats.summarize(samples)
    assert s["n"] == 400
    assert s["mean"] == pytest.approx(50.5)
    assert s["p50"] == pytest.approx(50.5)
    assert s["p90"] == pytest.approx(np.percentile(samples, 90))
    assert s["p99"] == pytest.approx(np.percentile(samples, 99))
    assert s["min"] == 1.0 and s["max"] == 100.0
    assert s["stdev"] == pytest.approx(np.std(samples, ddof=1))
    assert s["cv"] == pytest.approx(s["stdev"] / 50.5)
    assert s["ci95_low"] <= s["p50"] <= s["ci95_high"]


def test_summarize_empty_and_single() -> None:
    empty = stats.summarize([])
    assert empty["n"] == 0 and empty["mean"] is None and empty["ci95_low"] is None
    one = stats.summarize([2.0])
    assert one["n"] == 1 and one["stdev"] == 0.0 and one["ci95_low"] is None  # no 95% CI from one sample


def test_median_ci_order_statistics() -> None:
    # n = 10: P(X <= 1) = 11/1024 <= 0.025 < P(X <= 2) = 56/1024, so the interval is (x_(2), x_(9)).
    values = [10.0, 1.0, 9.0, 2.0, 8.0, 3.0, 7.0, 4.0, 6.0, 5.0]
    assert stats.median_ci(values) == (2.0, 9.0)
    assert stats.median_ci([1.0, 2.0, 3.0, 4.0, 5.0]) is None  # too few for 95%


def test_median_ci_covers_true_median_about_95_percent() -> None:
    rng = np.random.default_rng(0)
    hits = 0
    trials = 400
    for _ in range(trials):
        sample = rng.exponential(1.0, size=30)
        low, high = stats.median_ci(sample)
        hits += low <= math.log(2) <= high
    assert 0.92 <= hits / trials <= 0.995


def test_mann_whitney_matches_textbook_value() -> None:
    # U = 0; normal approximation with continuity correction: z = 12 / sqrt(22.9167) -> p = 0.01219
    p = stats.mann_whitney_p([1, 2, 3, 4, 5], [6, 7, 8, 9, 10])
    assert p == pytest.approx(0.01219, abs=2e-4)


def test_compare_detects_real_difference_and_direction() -> None:
    rng = np.random.default_rng(1)
    fast = rng.normal(1.0, 0.05, 200)
    slow = rng.normal(1.2, 0.05, 200)
    result = stats.compare(fast, slow)
    assert result["significant"] is True
    assert result["faster"] == "a"
    assert result["ratio"] == pytest.approx(1.2, rel=0.03)
    assert stats.compare(slow, fast)["faster"] == "b"


def test_compare_same_distribution_not_significant() -> None:
    rng = np.random.default_rng(2)
    a = rng.normal(1.0, 0.1, 100)
    b = rng.normal(1.0, 0.1, 100)
    assert stats.compare(a, b)["significant"] is False
    identical = stats.compare([1.0] * 20, [1.0] * 20)
    assert identical["significant"] is False and identical["p_value"] == 1.0
    assert stats.compare([], [1.0])["ratio"] is None

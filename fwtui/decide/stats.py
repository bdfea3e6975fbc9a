"""The significance test behind measured evidence: the benchmark engine's two-sided Mann-Whitney U.

A thin adapter over :func:`fwtui.bench.stats.compare`, so Decide and the Results area judge a difference
between two sets of timings the same way.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from fwtui.bench import stats as bench_stats


@dataclass(frozen=True)
class Comparison:
    median_a: float
    median_b: float
    ratio: float  # slower median / faster median, >= 1
    p_value: float
    faster: str  # "a" or "b" by median (whether or not significant); "" when the medians are equal


def compare(a: Sequence[float], b: Sequence[float]) -> Comparison:
    result = bench_stats.compare(a, b)
    median_a = float(result.get("median_a_ms") or 0.0)
    median_b = float(result.get("median_b_ms") or 0.0)
    p_value = result.get("p_value")
    low, high = sorted((median_a, median_b))
    ratio = high / low if low > 0 else math.inf
    faster = "" if median_a == median_b else ("a" if median_a < median_b else "b")
    return Comparison(median_a, median_b, ratio, float(p_value) if p_value is not None else 1.0, faster)

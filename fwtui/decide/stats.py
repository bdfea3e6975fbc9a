"""The one test of whether a measured difference between two frameworks counts: :func:`judge`.

The rule: a difference counts when it is *significant across processes* and *large*. Significant: Welch's
t-test on the two results' per-process medians (the benchmark engine's
:func:`fwtui.bench.significance.compare`, the same the Benchmark summary and the Results area's compare use)
gives ``p < policy.significance_level``; a result measured in fewer than two processes (an older result, or
one run with ``--repetitions 1``) can never be significant, whatever its samples inside the one process say,
because those are autocorrelated and share that process's luck. Large: the slower median is at least
``policy.min_speedup`` times the faster one. Both results must be eligible (:mod:`fwtui.decide.selection`):
finite, positive samples. The medians compared for size are the medians of all samples.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from fwtui import units
from fwtui.bench import significance
from fwtui.decide.evidence import Measured
from fwtui.decide.knowledge import ScoringPolicy


@dataclass(frozen=True)
class Judgement:
    faster: str  # "a" or "b" by median (significant or not); "" when the medians are equal
    median_a: float
    median_b: float
    ratio: float  # slower median / faster median, >= 1; 1.0 when equal
    p_value: float  # 1.0 when there were too few processes to test
    counts: bool  # significant and large
    verdict: str  # "counts", or why not: "not significant (p=0.312)", "under 1.2x", "equal medians"


def _median(samples: tuple[float | None, ...]) -> float:
    values = sorted(float(s) for s in samples if s is not None)
    if not values:
        return 0.0
    mid = len(values) // 2
    return values[mid] if len(values) % 2 else (values[mid - 1] + values[mid]) / 2


def judge(a: Measured, b: Measured, policy: ScoringPolicy) -> Judgement:
    median_a, median_b = _median(a.samples_ms), _median(b.samples_ms)
    result = significance.compare(a.process_p50_ms, b.process_p50_ms, alpha=policy.significance_level)
    p_value = result.p_value if result.p_value is not None and math.isfinite(result.p_value) else 1.0
    low, high = sorted((median_a, median_b))
    if low <= 0 or not math.isfinite(high) or median_a == median_b:
        return Judgement("", median_a, median_b, 1.0, p_value, False, "equal medians")
    ratio = high / low
    faster = "a" if median_a < median_b else "b"
    if result.p_value is None:
        verdict = f"not tested: {result.reason}"
    elif p_value >= policy.significance_level:
        verdict = f"not significant across processes ({units.p_value(p_value)})"
    elif result.faster != faster:
        verdict = "processes disagree with the medians"
    elif ratio < policy.min_speedup:
        verdict = f"under {units.ratio(policy.min_speedup)}"
    else:
        verdict = "counts"
    return Judgement(faster, median_a, median_b, ratio, p_value, verdict == "counts", verdict)

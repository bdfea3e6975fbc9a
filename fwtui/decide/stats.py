"""The one test of whether a measured difference between two frameworks counts: :func:`judge`.

The rule: a difference counts when it is *significant* and *large*. Significant: the two-sided Mann-Whitney U
test (the benchmark engine's :func:`fwtui.bench.stats.compare`, the same the Results area uses) gives
``p < policy.significance_level``. Large: the slower median is at least ``policy.min_speedup`` times the
faster one. Both results must be eligible (:mod:`fwtui.decide.selection`): finite, positive samples.

Today each result is one child process and its samples are per-call times within that process, so the test
says the difference held within those two processes. When results carry per-process values (repeated runs), a
difference must hold across processes: only this function changes, to test those values instead; the rest of
the engine reads its :class:`Judgement`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from fwtui import units
from fwtui.bench import stats as bench_stats
from fwtui.decide.evidence import Measured
from fwtui.decide.knowledge import ScoringPolicy


@dataclass(frozen=True)
class Judgement:
    faster: str  # "a" or "b" by median (significant or not); "" when the medians are equal
    median_a: float
    median_b: float
    ratio: float  # slower median / faster median, >= 1; 1.0 when equal
    p_value: float
    counts: bool  # significant and large
    verdict: str  # "counts", or why not: "not significant (p=0.312)", "under 1.2x", "equal medians"


def judge(a: Measured, b: Measured, policy: ScoringPolicy) -> Judgement:
    samples_a = [float(s) for s in a.samples_ms if s is not None]
    samples_b = [float(s) for s in b.samples_ms if s is not None]
    result = bench_stats.compare(samples_a, samples_b)
    median_a = float(result.get("median_a_ms") or 0.0)
    median_b = float(result.get("median_b_ms") or 0.0)
    raw_p = result.get("p_value")
    p_value = float(raw_p) if isinstance(raw_p, int | float) and math.isfinite(raw_p) else 1.0
    low, high = sorted((median_a, median_b))
    if low <= 0 or not math.isfinite(high) or median_a == median_b:
        return Judgement("", median_a, median_b, 1.0, p_value, False, "equal medians")
    ratio = high / low
    faster = "a" if median_a < median_b else "b"
    if p_value >= policy.significance_level:
        verdict = f"not significant ({units.p_value(p_value)})"
    elif ratio < policy.min_speedup:
        verdict = f"under {units.ratio(policy.min_speedup)}"
    else:
        verdict = "counts"
    return Judgement(faster, median_a, median_b, ratio, p_value, verdict == "counts", verdict)


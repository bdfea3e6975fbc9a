"""Statistics over raw timing samples (milliseconds per call). Pure NumPy.

The confidence interval of the median is the distribution-free order-statistic interval, so it holds for the
skewed, long-tailed distributions timings have. :func:`compare` is a two-sided Mann-Whitney U test, the same
test asv uses to decide whether a change in speed is real.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

MIN_SAMPLES_FOR_CI = 6  # below this no pair of order statistics covers the median with 95% confidence
SIGNIFICANCE_LEVEL = 0.05
TAIL_CONFIDENCE = 0.95
TAILS = {"p90": 0.90, "p95": 0.95, "p99": 0.99}


def min_samples_for_percentile(q: float, confidence: float = TAIL_CONFIDENCE) -> int:
    """The fewest single-call samples for which a distribution-free confidence interval of the ``q`` quantile
    exists at all: the sample maximum must exceed the quantile with probability ``1 - (1 - confidence)/2``,
    i.e. ``q**n <= (1 - confidence) / 2``. p90 needs 36, p95 72, p99 368 (the rule behind MLPerf LoadGen's
    minimum query counts, at a looser margin). Below it a tail percentile is an interpolation between the
    largest few samples, not an estimate.
    """
    return math.ceil(math.log((1.0 - confidence) / 2.0) / math.log(q))


MIN_SAMPLES_FOR_TAIL = {key: min_samples_for_percentile(q) for key, q in TAILS.items()}


def tails_reason(n: int, inner_iterations: int) -> str | None:
    """Why some tail percentiles are NULL for ``n`` samples of ``inner_iterations`` calls each, or None."""
    if inner_iterations > 1:
        return (
            f"each sample averages {inner_iterations} calls, so tail percentiles would describe averages, "
            "not single calls"
        )
    missing = [key for key, minimum in MIN_SAMPLES_FOR_TAIL.items() if n < minimum]
    if not missing:
        return None
    needs = ", ".join(f"{key} needs {MIN_SAMPLES_FOR_TAIL[key]}" for key in missing)
    return f"{n} single-call samples: {needs}"


def summarize(samples_ms: Sequence[float], inner_iterations: int = 1) -> dict[str, float | int | None]:
    """n, mean, p50/p90/p95/p99, stdev (sample), min, max, cv and the 95% CI of the median.

    Empty input gives n = 0 and None everywhere else. A tail percentile is None unless the samples are single
    calls and there are at least :data:`MIN_SAMPLES_FOR_TAIL` of them (:func:`tails_reason` says why).
    """
    values = np.asarray(samples_ms, dtype=np.float64)
    n = int(values.size)
    keys = ("mean", "p50", "p90", "p95", "p99", "stdev", "min", "max", "cv", "ci95_low", "ci95_high")
    if n == 0:
        return {"n": 0, **dict.fromkeys(keys)}
    p50, p90, p95, p99 = (float(v) for v in np.percentile(values, [50, 90, 95, 99]))
    mean = float(values.mean())
    stdev = float(values.std(ddof=1)) if n > 1 else 0.0
    ci = median_ci(values)
    tails = {"p90": p90, "p95": p95, "p99": p99}
    return {
        "n": n,
        "mean": mean,
        "p50": p50,
        **{
            key: value if inner_iterations <= 1 and n >= MIN_SAMPLES_FOR_TAIL[key] else None
            for key, value in tails.items()
        },
        "stdev": stdev,
        "min": float(values.min()),
        "max": float(values.max()),
        "cv": stdev / mean if mean > 0 else None,
        "ci95_low": ci[0] if ci else None,
        "ci95_high": ci[1] if ci else None,
    }


def _binomial_half_cdf(n: int) -> np.ndarray:
    """P(X <= j) for X ~ Binomial(n, 1/2), j = 0..n, computed in log space (exact enough for any n)."""
    j = np.arange(n + 1)
    log_pmf = np.array(
        [math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1) for k in j]
    ) - n * math.log(2)
    return np.cumsum(np.exp(log_pmf))


def median_ci(samples_ms: Sequence[float] | np.ndarray, level: float = 0.95) -> tuple[float, float] | None:
    """The distribution-free confidence interval of the median: ``(x_(l), x_(u))`` with coverage >= level.

    Returns None when there are too few samples for any interval to reach the level.
    """
    values = np.sort(np.asarray(samples_ms, dtype=np.float64))
    n = int(values.size)
    if n < MIN_SAMPLES_FOR_CI:
        return None
    alpha = (1.0 - level) / 2.0
    cdf = _binomial_half_cdf(n)
    # Largest l (1-based) with P(X <= l - 1) <= alpha; the interval is symmetric: u = n + 1 - l.
    candidates = np.nonzero(cdf <= alpha)[0]
    if candidates.size == 0:
        return None
    lower = int(candidates[-1]) + 1
    upper = n + 1 - lower
    return float(values[lower - 1]), float(values[upper - 1])


def _average_ranks(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Ranks 1..n with ties given their average rank, and the size of every tie group."""
    order = np.argsort(values, kind="mergesort")
    sorted_values = values[order]
    _, starts, counts = np.unique(sorted_values, return_index=True, return_counts=True)
    group_ranks = starts + (counts + 1) / 2.0  # average of 1-based ranks start+1 .. start+count
    ranks_sorted = np.repeat(group_ranks, counts)
    ranks = np.empty_like(ranks_sorted)
    ranks[order] = ranks_sorted
    return ranks, counts


def mann_whitney_p(a: Sequence[float] | np.ndarray, b: Sequence[float] | np.ndarray) -> float:
    """Two-sided p-value of the Mann-Whitney U test (normal approximation, tie and continuity corrected)."""
    x = np.asarray(a, dtype=np.float64)
    y = np.asarray(b, dtype=np.float64)
    n1, n2 = x.size, y.size
    if n1 == 0 or n2 == 0:
        return 1.0
    ranks, ties = _average_ranks(np.concatenate([x, y]))
    u1 = float(ranks[:n1].sum()) - n1 * (n1 + 1) / 2.0
    mean_u = n1 * n2 / 2.0
    n = n1 + n2
    tie_term = float(np.sum(ties**3 - ties)) / (n * (n - 1)) if n > 1 else 0.0
    variance = n1 * n2 / 12.0 * ((n + 1) - tie_term)
    if variance <= 0:
        return 1.0  # every value identical: no evidence of any difference
    z = (abs(u1 - mean_u) - 0.5) / math.sqrt(variance)
    return float(min(1.0, math.erfc(max(z, 0.0) / math.sqrt(2.0))))


def compare(
    samples_a: Sequence[float], samples_b: Sequence[float], alpha: float = SIGNIFICANCE_LEVEL
) -> dict[str, float | bool | str | None]:
    """Is A faster than B? Compares per-call times (lower is faster).

    ``ratio`` = median(B) / median(A): above 1 means A is that many times faster. ``significant`` is True when
    the Mann-Whitney p-value is below ``alpha``; ``faster`` names the faster side ("a"/"b") or None.
    """
    a = np.asarray(samples_a, dtype=np.float64)
    b = np.asarray(samples_b, dtype=np.float64)
    if a.size == 0 or b.size == 0:
        return {"ratio": None, "p_value": None, "significant": False, "faster": None}
    median_a, median_b = float(np.median(a)), float(np.median(b))
    ratio = median_b / median_a if median_a > 0 else None
    p_value = mann_whitney_p(a, b)
    significant = p_value < alpha and median_a != median_b
    faster = ("a" if median_a < median_b else "b") if significant else None
    return {
        "ratio": ratio,
        "p_value": p_value,
        "significant": significant,
        "faster": faster,
        "median_a_ms": median_a,
        "median_b_ms": median_b,
    }

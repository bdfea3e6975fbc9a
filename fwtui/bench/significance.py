"""Confidence intervals and significance across processes: the only statistics a comparison is judged by.

Samples inside one process are autocorrelated and share that process's luck (memory layout, thread placement,
CPU frequency, what else ran), so a test on them reports certainty that a second process contradicts. As in
pyperf, a result is several independent processes and the unit of evidence is one process's value: its median
per-call time. With ``k`` processes:

* the 95% confidence interval is Student's t-interval on the per-process medians (``k - 1`` degrees of freedom);
* two results differ significantly when Welch's t-test on the logarithms of their per-process medians gives
  ``p < alpha`` (a test of the ratio of geometric means that does not assume equal spread); with fewer than two
  processes on either side nothing is significant, whatever the samples inside the processes say.

Welch on per-process values is used rather than Mann-Whitney because with three processes a side the smallest
two-sided Mann-Whitney p-value is 0.1: it could never call anything significant at the quick preset.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

SIGNIFICANCE_LEVEL = 0.05
CONFIDENCE = 0.95
MIN_PROCESSES = 2
METHOD = "Welch's t-test on log per-process medians"
CI_METHOD = "t-interval on per-process medians"


@dataclass(frozen=True)
class ProcessSpread:
    """What the processes of one result say together."""

    processes: int
    medians_ms: tuple[float, ...]  # one per process, in the order they ran
    cv: float | None  # between-process coefficient of variation of the medians
    ci95_ms: tuple[float, float] | None  # t-interval of the mean of the per-process medians

    @property
    def center_ms(self) -> float | None:
        return float(np.mean(self.medians_ms)) if self.medians_ms else None


def _clean(values: Sequence[float | None]) -> np.ndarray:
    array = np.asarray([float(v) for v in values if v is not None], dtype=np.float64)
    return array[np.isfinite(array) & (array > 0)]


def spread(medians_ms: Sequence[float]) -> ProcessSpread:
    """The between-process spread and the 95% t-interval of per-process medians (None below two processes)."""
    values = _clean(medians_ms)
    k = int(values.size)
    if k < MIN_PROCESSES:
        return ProcessSpread(k, tuple(float(v) for v in values), None, None)
    from scipy import stats as scipy_stats  # type: ignore[import-untyped, unused-ignore]  # slow: when needed

    mean = float(values.mean())
    sd = float(values.std(ddof=1))
    half = float(scipy_stats.t.ppf(0.5 + CONFIDENCE / 2, k - 1)) * sd / math.sqrt(k)
    return ProcessSpread(k, tuple(float(v) for v in values), sd / mean, (max(mean - half, 0.0), mean + half))


def per_process_medians(samples_by_process: Sequence[Sequence[float]]) -> tuple[float, ...]:
    """Each process's median per-call time; a process without samples is left out."""
    return tuple(float(np.median(s)) for s in samples_by_process if len(s))


@dataclass(frozen=True)
class Comparison:
    """A against B across processes (lower per-call time is faster)."""

    ratio: float | None  # B's mean per-process median over A's: above 1, A is that many times faster
    p_value: float | None  # None when either side has fewer than two processes
    significant: bool
    faster: str | None  # "a" or "b" when significant
    processes: tuple[int, int]
    center_a_ms: float | None
    center_b_ms: float | None
    reason: str  # why not significant, or "significant"


def compare(
    medians_a: Sequence[float | None], medians_b: Sequence[float | None], alpha: float = SIGNIFICANCE_LEVEL
) -> Comparison:
    """Welch's t-test on the log per-process medians of A and B (see the module docstring)."""
    a, b = _clean(medians_a), _clean(medians_b)
    counts = (int(a.size), int(b.size))
    center_a = float(a.mean()) if a.size else None
    center_b = float(b.mean()) if b.size else None
    ratio = center_b / center_a if center_a and center_b else None
    if min(counts) < MIN_PROCESSES:
        why = f"fewer than {MIN_PROCESSES} processes ({counts[0]} vs {counts[1]})"
        return Comparison(ratio, None, False, None, counts, center_a, center_b, why)
    log_a, log_b = np.log(a), np.log(b)
    if np.ptp(log_a) == 0 and np.ptp(log_b) == 0:
        # No spread on either side: the test is undefined; identical values are no evidence of a difference.
        equal = bool(log_a[0] == log_b[0])
        p_value = 1.0 if equal else 0.0
    else:
        from scipy import stats as scipy_stats  # type: ignore[import-untyped, unused-ignore]

        p_value = float(scipy_stats.ttest_ind(log_a, log_b, equal_var=False).pvalue)
        if not math.isfinite(p_value):
            p_value = 1.0
    significant = p_value < alpha and center_a != center_b
    faster = (("a" if (center_a or 0) < (center_b or 0) else "b") if significant else None)
    reason = "significant" if significant else f"not significant across {counts[0]}+{counts[1]} processes"
    return Comparison(ratio, p_value, significant, faster, counts, center_a, center_b, reason)

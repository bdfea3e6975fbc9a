"""Confidence intervals and significance across processes: the only statistics a comparison is judged by.

Samples inside one process are autocorrelated and share that process's luck (memory layout, thread placement,
CPU frequency, what else ran), so a test on them reports certainty that a second process contradicts. As in
pyperf, a result is several independent processes and the unit of evidence is one process's value: its median
per-call time. Per-process medians are skewed (a process that lands on a slow core is slow throughout), so
everything is computed on their logarithms: a result's centre is their geometric mean. With ``k`` processes:

* the 95% confidence interval is Student's t-interval (``k - 1`` degrees of freedom) on the log per-process
  medians, widened by the run-to-run drift (below) and exponentiated back to milliseconds;
* two results differ significantly when Welch's t-test on the logarithms of their per-process medians, with
  the drift added to each side's variance, gives ``p < alpha`` (a test of the ratio of geometric means that
  does not assume equal spread); with fewer than two processes on either side nothing is significant,
  whatever the samples inside the processes say.

The processes of one result run within seconds of each other, so their spread misses what changes between
sessions minutes apart (the host's other tenants, frequency, thermal state): on an idle 2-core VM three
sessions of the quick preset differed by more than their processes did. ``RUN_DRIFT_SD`` is that run-level
component, measured (see the constant) and added as a known variance.

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
# The run-to-run component of a result's log time (a standard deviation, about 3%): three quick-preset
# sessions on an idle 2-core VM, 37 results, 3 processes each; per result the variance of the sessions' mean
# log medians minus the within-session share (s_between^2 - s_within^2 / k), averaged over the results:
# 0.00093, sd 0.030. Without it a session's interval held another session's estimate 85-87% of the time
# against the 91% a true interval from 3 processes does (benchmarks/repeatability.py); with it, on three new
# sessions, 93%.
RUN_DRIFT_SD = 0.03
METHOD = "Welch's t-test on log per-process medians, with run-to-run drift"
CI_METHOD = "t-interval on log per-process medians, with run-to-run drift"


@dataclass(frozen=True)
class ProcessSpread:
    """What the processes of one result say together."""

    processes: int
    medians_ms: tuple[float, ...]  # one per process, in the order they ran
    cv: float | None  # between-process coefficient of variation of the medians
    ci95_ms: tuple[float, float] | None  # the interval of their geometric mean (module docstring)

    @property
    def center_ms(self) -> float | None:
        """The geometric mean of the per-process medians."""
        return geometric_mean(self.medians_ms)


def geometric_mean(values: Sequence[float] | np.ndarray) -> float | None:
    clean = _clean(values)
    return float(np.exp(np.log(clean).mean())) if clean.size else None


def _clean(values: Sequence[float | None] | np.ndarray) -> np.ndarray:
    array = np.asarray([float(v) for v in values if v is not None], dtype=np.float64)
    return array[np.isfinite(array) & (array > 0)]


def spread(medians_ms: Sequence[float]) -> ProcessSpread:
    """The between-process spread and the 95% interval of per-process medians (None below two processes)."""
    values = _clean(medians_ms)
    k = int(values.size)
    if k < MIN_PROCESSES:
        return ProcessSpread(k, tuple(float(v) for v in values), None, None)
    from scipy import stats as scipy_stats  # type: ignore[import-untyped, unused-ignore]  # slow: when needed

    logs = np.log(values)
    centre = float(logs.mean())
    standard_error = math.sqrt(float(logs.var(ddof=1)) / k + RUN_DRIFT_SD**2)
    half = float(scipy_stats.t.ppf(0.5 + CONFIDENCE / 2, k - 1)) * standard_error
    cv = float(values.std(ddof=1) / values.mean())
    return ProcessSpread(k, tuple(float(v) for v in values), cv, (math.exp(centre - half), math.exp(centre + half)))


def per_process_medians(samples_by_process: Sequence[Sequence[float]]) -> tuple[float, ...]:
    """Each process's median per-call time; a process without samples is left out."""
    return tuple(float(np.median(s)) for s in samples_by_process if len(s))


@dataclass(frozen=True)
class Comparison:
    """A against B across processes (lower per-call time is faster)."""

    ratio: float | None  # B's geometric mean per-process median over A's: above 1, A is that many times faster
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
    center_a, center_b = geometric_mean(a), geometric_mean(b)
    ratio = center_b / center_a if center_a and center_b else None
    if min(counts) < MIN_PROCESSES:
        why = f"fewer than {MIN_PROCESSES} processes ({counts[0]} vs {counts[1]})"
        return Comparison(ratio, None, False, None, counts, center_a, center_b, why)
    p_value = _welch_with_drift(np.log(a), np.log(b))
    significant = p_value < alpha and center_a != center_b
    faster = (("a" if (center_a or 0) < (center_b or 0) else "b") if significant else None)
    reason = "significant" if significant else f"not significant across {counts[0]}+{counts[1]} processes"
    return Comparison(ratio, p_value, significant, faster, counts, center_a, center_b, reason)


def _welch_with_drift(log_a: np.ndarray, log_b: np.ndarray) -> float:
    """Two-sided p-value of Welch's t-test on two sets of log medians, each side's variance of its mean
    widened by ``RUN_DRIFT_SD**2``. The degrees of freedom are Welch-Satterthwaite's on the sampled parts
    alone (the drift is a known variance: leaving it out errs towards fewer degrees, the cautious side)."""
    from scipy import stats as scipy_stats  # type: ignore[import-untyped, unused-ignore]

    var_a = float(log_a.var(ddof=1)) / log_a.size
    var_b = float(log_b.var(ddof=1)) / log_b.size
    standard_error = math.sqrt(var_a + var_b + 2 * RUN_DRIFT_SD**2)
    if var_a + var_b > 0:
        df = (var_a + var_b) ** 2 / (var_a**2 / (log_a.size - 1) + var_b**2 / (log_b.size - 1))
    else:
        df = float(log_a.size + log_b.size - 2)
    if standard_error == 0:
        return 1.0 if float(log_a.mean()) == float(log_b.mean()) else 0.0
    t = abs(float(log_a.mean()) - float(log_b.mean())) / standard_error
    p_value = float(2 * scipy_stats.t.sf(t, df))
    return p_value if math.isfinite(p_value) else 1.0

"""Repetition across processes: the order runs take in each repetition, and one result from several processes.

A result is measured in ``repetitions`` independent child processes (each with its own import, build, warm-up
and measurement); :func:`fwtui.bench.significance.spread` turns their per-process medians into the result's
between-process spread and confidence interval. Each repetition runs a framework's runs in one child, in an
order rotated from the previous repetition's, so no run always comes first (after the import) or last.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np

from fwtui.bench.events import ChildResult
from fwtui.bench.result_record import ResultRecord
from fwtui.bench.significance import per_process_medians, spread
from fwtui.bench.step_checks import pooled

__all__ = ["combine", "rotation", "with_processes"]


def rotation(count: int, repetition: int, repetitions: int) -> list[int]:
    """Positions 0..count-1 in the order repetition ``repetition`` of ``repetitions`` runs them.

    The start moves by ``count / repetitions`` each repetition, so over the repetitions the first run (the one
    right after the import) is a different configuration each time.
    """
    if count <= 0:
        return []
    offset = (repetition * count) // max(repetitions, 1)
    return [(i + offset) % count for i in range(count)]


def _largest(values: Sequence[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return max(present) if present else None


def _energy(results: Sequence[ChildResult]) -> tuple[float | None, str | None]:
    """The median of the processes' energy per sample; None with the first reason when any process has none
    (a median of the processes that could read the counter would not be the result's)."""
    for r in results:
        if r.energy_j_per_sample is None:
            return None, r.energy_reason or "a process reported no energy reading"
    return float(np.median([r.energy_j_per_sample for r in results])), None


def combine(results: Sequence[ChildResult]) -> ChildResult:
    """One scenario's ok results from several processes as one: every process's samples in process order,
    the worst correctness error, the largest memory peak, the worst of each step observation
    (:func:`fwtui.bench.step_checks.pooled`), so the engine flags the pooled result whenever it would flag one
    of its processes; the most inner iterations (a tail needs every sample to be a single call); the median
    energy per sample; the rest (phases, settings) from the first process.
    """
    if not results:
        raise ValueError("no results to combine")
    first = results[0]
    if len(results) == 1:
        return first
    isolated = [r.isolated_call_ms for r in results if r.isolated_call_ms is not None]
    checks = [r.check_ok for r in results if r.check_ok is not None]
    details = first.details
    if details is not None:
        observed = [(r.isolated_call_ms, r.details.checks if r.details else None) for r in results]
        details = dataclasses.replace(details, checks=pooled(observed))
    inners = [r.inner_iterations for r in results if r.inner_iterations is not None]
    energy, energy_reason = _energy(results)
    return dataclasses.replace(
        first,
        details=details,
        inner_iterations=max(inners) if inners else first.inner_iterations,
        samples_ms=tuple(s for r in results for s in r.samples_ms),
        isolated_call_ms=float(np.median(isolated)) if isolated else None,
        max_abs_error=_largest([r.max_abs_error for r in results]),
        max_rel_error=_largest([r.max_rel_error for r in results]),
        check_ok=all(checks) if checks else None,
        peak_rss_mb=_largest([r.peak_rss_mb for r in results]),
        device_mem_peak_mb=_largest([r.device_mem_peak_mb for r in results]),
        energy_j_per_sample=energy,
        energy_reason=energy_reason,
    )


def with_processes(record: ResultRecord, results: Sequence[ChildResult]) -> ResultRecord:
    """``record`` with its per-process medians, between-process spread and the across-process 95% CI.

    With one process there is no interval: a within-process interval would overstate certainty (its samples
    are autocorrelated and share that process's luck), so ``ci95_ms`` is None rather than a misleading one.
    """
    found = spread(per_process_medians([r.samples_ms for r in results]))
    details = dataclasses.replace(
        record.details, process_n=tuple(len(r.samples_ms) for r in results if r.samples_ms)
    )
    return dataclasses.replace(
        record,
        details=details,
        repetitions=found.processes,
        process_p50_ms=found.medians_ms,
        process_cv=found.cv,
        ci95_ms=found.ci95_ms,
    )

"""Validity flags: pure functions that say why a measured number should not be trusted.

Each flag function takes plain numbers or samples, so it can be tested on crafted inputs. A result with an
*invalidating* flag is never ranked against others (see :data:`INVALIDATING_FLAGS`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence

MIN_ITERATIONS = 10  # fewer timed samples than this and percentiles are guesses
HIGH_CV = 0.10  # coefficient of variation above which the machine was probably busy
QUANTISED_RESOLUTION_FACTOR = 100  # a timed sample shorter than this many timer ticks is quantised
# More than this share of identical samples means the clock, not the work, decided the figure.
QUANTISED_REPEAT_SHARE = 0.5
PEAK_MARGIN = 1.15  # measured peaks vary by a few percent; only flag a clear excess
# A lone call this much faster than the loop's fast samples returned before its work ended.
UNSYNCED_RATIO = 0.3
UNSYNCED_MIN_MS = 0.05  # below this per-call time, dispatch overhead and work are indistinguishable

FLAG_EXPLANATIONS: dict[str, str] = {
    "too_few_iterations": "Fewer timed samples than the minimum were taken, so the percentiles are unreliable.",
    "high_variance": "The samples vary by more than 10% (coefficient of variation); the machine may have been busy.",
    "timer_quantised": (
        "Each timed sample lasted only a few clock ticks or many samples were identical, so the figure "
        "reflects the timer's resolution rather than the work."
    ),
    "faster_than_peak": (
        "The implied GFLOP/s exceeds the measured peak of this device, which is impossible: the work was "
        "probably not all timed (missing device sync) or skipped."
    ),
    "output_mismatch": (
        "The outputs (or training losses) differ from the float64 NumPy reference beyond the tolerance, so "
        "this framework did not compute the same thing and its speed is not comparable."
    ),
    "unsynced_step": (
        "A single call returned much sooner than calls in steady state take, so the call returns before its "
        "work finishes (asynchronous dispatch without a sync); the timing cannot be trusted."
    ),
    "busy_machine": (
        "Other processes kept the CPU busy during the measurement (the load average exceeded the benchmark's "
        "thread count), so the times are probably inflated; rerun on an idle machine."
    ),
}

# Flags after which a result must not be ranked or recommended.
INVALIDATING_FLAGS: frozenset[str] = frozenset({"output_mismatch", "faster_than_peak", "unsynced_step"})


def too_few_iterations(n: int, minimum: int = MIN_ITERATIONS) -> bool:
    return n < minimum


def high_variance(cv: float | None, threshold: float = HIGH_CV) -> bool:
    return cv is not None and cv > threshold


def timer_quantised(samples_ms: Sequence[float], inner_iterations: int, timer_resolution_ns: float) -> bool:
    """True when each timed sample (``inner_iterations`` calls) spans few timer ticks, or values repeat a lot.

    ``samples_ms`` are per-call times, so a timed sample lasted ``ms * inner_iterations``.
    """
    if not samples_ms:
        return False
    ordered = sorted(samples_ms)
    median_sample_ns = ordered[len(ordered) // 2] * inner_iterations * 1e6
    if median_sample_ns < QUANTISED_RESOLUTION_FACTOR * max(timer_resolution_ns, 1.0):
        return True
    if len(samples_ms) >= MIN_ITERATIONS:
        _, most_common = Counter(samples_ms).most_common(1)[0]
        if most_common / len(samples_ms) > QUANTISED_REPEAT_SHARE:
            return True
    return False


def implied_gflops(flops_per_sample: float | None, batch_size: int, mean_ms: float | None) -> float | None:
    """GFLOP/s implied by a per-call time: FLOPs per sample x samples per call / seconds per call."""
    if not flops_per_sample or not mean_ms or mean_ms <= 0:
        return None
    return flops_per_sample * batch_size / (mean_ms / 1000.0) / 1e9


def faster_than_peak(gflops: float | None, peak_gflops: float | None, margin: float = PEAK_MARGIN) -> bool:
    """True when the implied GFLOP/s beats the measured peak by more than ``margin``; False without a peak."""
    return (
        gflops is not None and peak_gflops is not None and peak_gflops > 0 and gflops > peak_gflops * margin
    )


def output_mismatch(max_abs_error: float | None, tolerance: float | None) -> bool:
    """True when the error is above the tolerance (NaN/inf errors count as a mismatch)."""
    if max_abs_error is None or tolerance is None:
        return False
    return not (max_abs_error <= tolerance)


def unsynced_step(isolated_call_ms: float | None, fastest_call_ms: float | None) -> bool:
    """True when one call timed alone (after the device went idle) is far quicker than any sample of the loop.

    A synchronised call alone is never much faster than in a loop (it is usually slower: cold caches). A call
    that only *enqueues* work returns in microseconds while the loop, throttled by the runtime's bounded
    queue, shows the real cost: the signature of a missing ``block_until_ready``/``synchronize``. Comparing
    with the loop's fastest samples (its 10th percentile, not its median) keeps a busy machine, which slows
    the loop but not a lone call after a pause, from tripping the flag.
    """
    if isolated_call_ms is None or fastest_call_ms is None or fastest_call_ms < UNSYNCED_MIN_MS:
        return False
    return isolated_call_ms < UNSYNCED_RATIO * fastest_call_ms


def busy_machine(load_average_1min: float | None, threads: int, slack: float = 1.0) -> bool:
    """True when the 1-minute load average exceeds the benchmark's own threads by more than ``slack``."""
    return load_average_1min is not None and load_average_1min > threads + slack


def compile_break_even(
    compile_s: float | None, baseline_ms: float | None, compiled_ms: float | None
) -> tuple[float | None, str | None]:
    """Calls after which a compiled variant has paid back its compile time: compile / (baseline - compiled).

    Returns ``(calls, None)``, or ``(None, reason)`` when it never pays off or the inputs are missing.
    """
    if compile_s is None or baseline_ms is None or compiled_ms is None:
        return None, "compile time or a baseline timing is missing"
    saving_ms = baseline_ms - compiled_ms
    if saving_ms <= 0:
        return (
            None,
            "the compiled variant is not faster per call than the baseline, so compiling never pays off",
        )
    return max(compile_s, 0.0) * 1000.0 / saving_ms, None


def compute_flags(
    *,
    samples_ms: Sequence[float],
    cv: float | None,
    inner_iterations: int,
    timer_resolution_ns: float,
    gflops: float | None,
    peak_gflops: float | None,
    max_abs_error: float | None,
    tolerance: float | None,
    isolated_call_ms: float | None,
    fastest_call_ms: float | None,
    min_iterations: int = MIN_ITERATIONS,
) -> list[str]:
    """Every flag that applies to one measured result, in a stable order."""
    flags: list[str] = []
    if too_few_iterations(len(samples_ms), min_iterations):
        flags.append("too_few_iterations")
    if high_variance(cv):
        flags.append("high_variance")
    if timer_quantised(samples_ms, inner_iterations, timer_resolution_ns):
        flags.append("timer_quantised")
    if faster_than_peak(gflops, peak_gflops):
        flags.append("faster_than_peak")
    if output_mismatch(max_abs_error, tolerance):
        flags.append("output_mismatch")
    if unsynced_step(isolated_call_ms, fastest_call_ms):
        flags.append("unsynced_step")
    return flags


def rankable(status: str, flags: Iterable[str]) -> bool:
    """A result that may be compared and recommended: status ok and no invalidating flag."""
    return status == "ok" and not INVALIDATING_FLAGS.intersection(flags)


def is_rankable(record: Mapping[str, object]) -> bool:
    """:func:`rankable` for a stored or ``--json`` record."""
    found = record.get("flags")
    return rankable(str(record.get("status")), [str(f) for f in found] if isinstance(found, list) else ())

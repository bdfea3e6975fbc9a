"""Validity flags: pure functions that say why a measured number should not be trusted.

Each flag function takes plain numbers or samples, so it can be tested on crafted inputs. A result with an
*invalidating* flag is never ranked against others (see :data:`INVALIDATING_FLAGS`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence

from fwtui.bench.contention import Window

# Every threshold, with the measurement behind it, is listed in README "Validity flags".
MIN_ITERATIONS = 10  # fewer timed samples than this and even the median is a guess
# Spread is the quartile coefficient (p75 - p25) / p50: robust to the rare slow outlier that made the old
# stdev/mean coefficient exceed 0.10 on 33 of 33 results. The bundled quick-preset run (2-core VM, 37
# measured results): median 0.07, max 0.36; a machine alternating between idle and a hog: above 0.5.
HIGH_SPREAD = 0.5
QUANTISED_RESOLUTION_FACTOR = 100  # a timed sample shorter than this many timer ticks is quantised
# More than this share of identical samples means the clock, not the work, decided the figure.
QUANTISED_REPEAT_SHARE = 0.5
PEAK_MARGIN = 1.15  # best-of and median peaks differ by up to ~5% here; only flag a clear excess
# A call timed alone that is this much quicker than its work (its output fetched, or the loop's mean)
# returned before the work ended.
UNSYNCED_RATIO = 0.3
# Back-to-back calls this much quicker than the same calls followed by reading their output (less what reading
# a finished output costs) only enqueue the work. JAX on this 2-core VM with a test suite running beside it:
# synchronised steps 0.93-1.21; without block_until_ready 0.002-0.40, mlp at batch 1 the highest (its dispatch
# takes about as long as its work). The copy correction keeps a large output's read from pulling a
# synchronised step down (the gemm's 4 MB made it 0.40 before the correction).
UNSYNCED_FETCH_RATIO = 0.6
# Share of calls that may return with their work still running. A synchronised step's is 0 by construction;
# JAX without block_until_ready: 500 of 500 calls at most sizes, but the mlp at batch 1 (where the timing
# signatures above are least certain: its dispatch takes as long as its work) 0.15-1.0 of 20 calls per process
# (five processes; 0.5 missed it in two test suite runs). More than two calls in 20 are proof enough.
UNSYNCED_PENDING_SHARE = 0.1
# Absolute ceilings for when no peak was measured (or a stored one is implausible): FLOPs per cycle per
# logical core at a 6 GHz clock, above any CPU sold (2 AVX-512 FMA units: 64 float32 FLOPs per cycle;
# AMX: 1024 bfloat16, 2048 int8 operations), and per GPU above any accelerator's dense figure (B200 fp8 ~4.5 PFLOP/s).
CEILING_GHZ = 6.0
CPU_FLOPS_PER_CYCLE = {"float32": 64.0, "float16": 128.0, "bfloat16": 1024.0, "int8": 2048.0}
GPU_CEILING_GFLOPS = 1.0e7

FLAG_EXPLANATIONS: dict[str, str] = {
    "too_few_iterations": "Fewer timed samples than the minimum were taken, so the percentiles are unreliable.",
    "high_variance": (
        "The middle half of the samples spans more than half the median ((p75 - p25) / p50), which a quiet "
        "run does not show; the machine may have been busy."
    ),
    "timer_quantised": (
        "Each timed sample lasted only a few clock ticks or many samples were identical, so the figure "
        "reflects the timer's resolution rather than the work."
    ),
    "faster_than_peak": (
        "The implied GFLOP/s exceeds the measured peak of this device and dtype (or, without one, the most "
        "any device of its class can do), which is impossible: the work was not all timed or was skipped."
    ),
    "output_mismatch": (
        "The outputs (or training losses) differ from the float64 NumPy reference beyond the tolerance, so "
        "this framework did not compute the same thing and its speed is not comparable."
    ),
    "unsynced_step": (
        "On a framework that dispatches asynchronously, calls returned long before their output could be read: "
        "the timed step does not wait for its work."
    ),
    "busy_machine": (
        "During the timed samples other processes used at least half a CPU, or the hypervisor took 5% of the "
        "machine (read from /proc/stat for that window), so the times are probably inflated."
    ),
    "recompiled": (
        "The framework traced or compiled during the timed samples, so they mix compiling with running: "
        "steady state was never reached."
    ),
    "dtype_mismatch": "The timed step produced another dtype than the result claims.",
    "unchecked_step": "The timed step returned no output, so what it computed could not be checked.",
    "no_samples": "No raw samples are stored with this result, so none of its figures can be verified.",
    "inconsistent_stats": (
        "The stored statistics do not follow from the stored samples (median, mean or throughput differ), "
        "so the figures were not produced by this engine."
    ),
}

# Flags after which a result must not be ranked or recommended.
INVALIDATING_FLAGS: frozenset[str] = frozenset(
    {
        "too_few_iterations",
        "output_mismatch",
        "faster_than_peak",
        "unsynced_step",
        "recompiled",
        "dtype_mismatch",
        "no_samples",
        "inconsistent_stats",
    }
)


def too_few_iterations(n: int, minimum: int = MIN_ITERATIONS) -> bool:
    return n < minimum


def spread(samples_ms: Sequence[float]) -> float | None:
    """The quartile coefficient (p75 - p25) / p50 of the samples; None for fewer than 4."""
    import numpy as np  # here: the UI imports this module for its explanations

    if len(samples_ms) < 4:
        return None
    p25, p50, p75 = (float(v) for v in np.percentile(np.asarray(samples_ms, dtype=np.float64), [25, 50, 75]))
    return (p75 - p25) / p50 if p50 > 0 else None


def high_variance(spread_value: float | None, threshold: float = HIGH_SPREAD) -> bool:
    return spread_value is not None and spread_value > threshold


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


def ceiling_gflops(device: str, dtype: str, logical_cpus: int | None) -> float:
    """The most any device of this class could do: the bound that applies when no peak was measured."""
    if device.split(":")[0] != "cpu":
        return GPU_CEILING_GFLOPS
    per_cycle = CPU_FLOPS_PER_CYCLE.get(dtype, CPU_FLOPS_PER_CYCLE["bfloat16"])
    return max(logical_cpus or 1, 1) * CEILING_GHZ * per_cycle


def faster_than_peak(
    gflops: float | None, peak_gflops: float | None, ceiling: float | None = None, margin: float = PEAK_MARGIN
) -> bool:
    """True when the implied GFLOP/s beats the measured peak by more than ``margin``, or the ceiling.

    A peak above the ceiling is itself implausible (a stored or imported number) and is not used.
    """
    if gflops is None:
        return False
    if ceiling is not None and gflops > ceiling:
        return True
    usable = peak_gflops is not None and peak_gflops > 0 and (ceiling is None or peak_gflops <= ceiling)
    return usable and peak_gflops is not None and gflops > peak_gflops * margin


def output_mismatch(max_abs_error: float | None, tolerance: float | None) -> bool:
    """True when the error is above the tolerance (NaN/inf errors count as a mismatch)."""
    if max_abs_error is None or tolerance is None:
        return False
    return not (max_abs_error <= tolerance)


def unsynced_step(
    async_dispatch: bool,
    isolated_call_ms: float | None,
    materialise_ms: float | None,
    fetch_ratio: float | None,
    pending_share: float | None = None,
) -> bool:
    """True when, on a framework that dispatches asynchronously, calls return before their work ends.

    The direct evidence, where the framework can tell: more than :data:`UNSYNCED_PENDING_SHARE` of the calls
    returned an output still being computed (JAX's ``is_ready``, the CUDA stream's ``query``; 0 for a step
    that waits, by construction). Two timing signatures, no floor on the call's length: a lone call (after a
    pause) took under
    :data:`UNSYNCED_RATIO` of itself plus reading its output to the host, or back-to-back calls took under
    :data:`UNSYNCED_FETCH_RATIO` of the same calls followed by that read (pairs interleaved, so contention
    slows both alike; the loop's own fast samples are no reference, as they can be dispatch-only). A
    synchronous framework (CPU PyTorch, ONNX Runtime) returns finished work by construction, so contention
    there can never raise this flag.
    """
    if not async_dispatch:
        return False
    if pending_share is not None and pending_share > UNSYNCED_PENDING_SHARE:
        return True
    if (
        isolated_call_ms is not None
        and materialise_ms is not None
        and isolated_call_ms < UNSYNCED_RATIO * (isolated_call_ms + materialise_ms)
    ):
        return True
    return fetch_ratio is not None and fetch_ratio < UNSYNCED_FETCH_RATIO


def busy_machine(contention: Window | None) -> bool:
    """Other processes (or the hypervisor) took a real share of the CPU during the timed window."""
    return contention is not None and contention.contended()


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


def rankable(status: str, flags: Iterable[str]) -> bool:
    """A result that may be compared and recommended: status ok and no invalidating flag."""
    return status == "ok" and not INVALIDATING_FLAGS.intersection(flags)


def is_rankable(record: Mapping[str, object]) -> bool:
    """:func:`rankable` for a stored or ``--json`` record."""
    found = record.get("flags")
    return rankable(str(record.get("status")), [str(f) for f in found] if isinstance(found, list) else ())

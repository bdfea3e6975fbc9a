"""Calibration and the timing loop (runs inside the benchmark child, next to the framework).

A timed sample is ``k`` back-to-back calls of the step between two ``perf_counter_ns`` reads; ``k`` is
calibrated so a sample lasts far longer than the clock's resolution (the "round 20,000 samples/s" bug). The
loop runs until BOTH a minimum time and a minimum sample count are met, capped by a maximum time, and keeps
every sample. Nothing but the step runs between the two clock reads.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

Step = Callable[[], object]
ProgressCallback = Callable[[list[float], float, float], None]  # samples_ms, elapsed_s, fraction

# Each timed sample lasts at least 1000 clock ticks and at least 0.2 ms: far above the clock's resolution (the
# quantisation error stays below 0.1%), yet short enough that samples of fast calls stay close to single calls
# and a short measurement still collects hundreds of them.
MIN_SAMPLE_NS = 200_000
RESOLUTION_MULTIPLE = 1000
MAX_INNER = 1_000_000
MAX_SAMPLES = 20_000  # keeps the raw sample list storable; reached only by very long min times
PROGRESS_INTERVAL_NS = 50_000_000  # ~20 progress events per second


@dataclass(frozen=True)
class TimingConfig:
    min_time_s: float
    min_iterations: int
    max_time_s: float
    warmup_s: float


def timer_resolution_ns(trials: int = 200) -> float:
    """The smallest observable step of ``perf_counter_ns`` (measured, not the advertised 1 ns)."""
    best = math.inf
    for _ in range(trials):
        start = time.perf_counter_ns()
        now = time.perf_counter_ns()
        while now == start:
            now = time.perf_counter_ns()
        best = min(best, now - start)
    return float(best)


def target_sample_ns(resolution_ns: float) -> int:
    return int(max(MIN_SAMPLE_NS, RESOLUTION_MULTIPLE * resolution_ns))


def time_calls(step: Step, calls: range) -> int:
    """Nanoseconds for ``len(calls)`` calls of ``step``: the whole timed region."""
    start = time.perf_counter_ns()
    for _ in calls:
        step()
    return time.perf_counter_ns() - start


def warmup(step: Step, duration_s: float, min_calls: int = 1) -> tuple[float, float]:
    """Run the step for ``duration_s`` (at least ``min_calls`` times); returns (seconds spent, ms per call).

    It follows the first call, which compiled, traced or tuned whatever the framework does lazily, so one more
    call is enough for a step longer than ``duration_s`` (a full-size model's training step takes seconds)."""
    calls = 0
    start = time.perf_counter_ns()
    deadline = start + int(duration_s * 1e9)
    while calls < min_calls or time.perf_counter_ns() < deadline:
        step()
        calls += 1
    spent_ns = time.perf_counter_ns() - start
    return spent_ns / 1e9, spent_ns / calls / 1e6


def calibrate(step: Step, target_ns: int, estimate_ms: float | None = None) -> int:
    """The inner loop count ``k`` that makes one timed sample last at least ``target_ns``."""
    k = 1
    if estimate_ms and estimate_ms > 0:
        if estimate_ms * 1e6 >= 2 * target_ns:
            # One call is clearly long enough (a real model's step): timing one more only costs its length.
            return 1
        k = max(1, math.ceil(target_ns / (estimate_ms * 1e6)))
    while k < MAX_INNER:
        elapsed = time_calls(step, range(k))
        if elapsed >= target_ns:
            return k
        grow = target_ns / max(elapsed, 1) * 1.2
        k = min(MAX_INNER, max(k * 2, math.ceil(k * grow)))
    return MAX_INNER


def measure(
    step: Step, inner: int, config: TimingConfig, on_progress: ProgressCallback | None = None
) -> list[float]:
    """Timed samples (ms per call) until min time AND min samples are met, or the max time is reached."""
    calls = range(inner)
    samples: list[float] = []
    per_call_divisor = inner * 1e6
    min_ns = int(config.min_time_s * 1e9)
    max_ns = int(config.max_time_s * 1e9)
    start = last_progress = time.perf_counter_ns()
    while True:
        t0 = time.perf_counter_ns()
        for _ in calls:
            step()
        t1 = time.perf_counter_ns()
        samples.append((t1 - t0) / per_call_divisor)
        elapsed = t1 - start
        if (elapsed >= min_ns and len(samples) >= config.min_iterations) or elapsed >= max_ns:
            break
        if len(samples) >= MAX_SAMPLES:
            break
        if on_progress is not None and t1 - last_progress >= PROGRESS_INTERVAL_NS:
            last_progress = t1
            on_progress(samples, elapsed / 1e9, progress_fraction(elapsed, len(samples), config))
    return samples


def progress_fraction(elapsed_ns: int, n: int, config: TimingConfig) -> float:
    """How far the measure phase is: both stop conditions must be met, or the time cap reached."""
    by_min = min(elapsed_ns / max(config.min_time_s * 1e9, 1), n / max(config.min_iterations, 1))
    by_cap = elapsed_ns / max(config.max_time_s * 1e9, 1)
    return min(1.0, max(by_min, by_cap))

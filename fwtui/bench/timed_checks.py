"""Checks on the timed step itself, run in the benchmark child around the measurement.

The correctness check of :mod:`fwtui.bench.child` calls the runner's ``infer``; a runner whose timed step
does something else (a bfloat16 fast path, 1/16 of the batch, a forward-only "training" step, a cached
output) would pass it. So the step that is timed also returns what it computed, and that is checked:

- inference: the output of a timed call on the timed batch, against the float64 reference (rows spread
  across the batch, the whole shape);
- training: the loss each call of a freshly built timed step returns, over a few calls, against the
  reference's SGD trajectory, which only matches when the step really updates the weights as it should;
- the framework's own trace/compile counter, read before and after the timed samples (``compile_count()``
  on the prepared workload, where the framework has one);
- the time a lone call takes against the time its output then takes to reach the host (a step that only
  enqueued its work pays for it there).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from fwtui.bench import workload_data
from fwtui.bench.harness import TimingConfig
from fwtui.bench.runner import Prepared, Runner
from fwtui.bench.workloads import WorkloadSpec

CHECK_ROWS = 8  # rows of the timed batch compared with the reference: first, last and spread between
CHECKED_ELSEWHERE = "checked in the result's first process (same code, weights and inputs)"


def to_host(output: object) -> np.ndarray | None:
    """A step's output as a NumPy array (waits for unfinished device work), or None for no output.

    A reduced-precision output keeps its dtype where NumPy has it (float16; bfloat16 through ml_dtypes); a
    torch bfloat16 tensor, which has no NumPy form, arrives as float32 (:func:`output_dtype` reads its dtype).
    """
    if output is None:
        return None
    value = output
    if str(getattr(value, "dtype", "")) == "torch.bfloat16":
        value = value.float()  # type: ignore[attr-defined]
    for method in ("detach", "cpu", "numpy"):  # torch (also on CUDA), TensorFlow; JAX arrays take asarray
        call = getattr(value, method, None)
        if callable(call):
            value = call()
    return np.asarray(value)


def output_dtype(output: object) -> str | None:
    """The dtype a step's output was computed in (``torch.bfloat16`` -> ``bfloat16``), or None."""
    dtype = getattr(output, "dtype", None)
    if dtype is None:
        return None
    name = getattr(dtype, "name", None)  # NumPy, JAX and TensorFlow dtypes; torch's have none
    return name if isinstance(name, str) else str(dtype).removeprefix("torch.")


@dataclass(frozen=True)
class IsolatedCall:
    call_ms: float  # the slowest of a few lone calls, each after a pause
    materialise_ms: float | None  # then fetching that call's output to the host
    output: np.ndarray | None
    dtype: str | None = None  # what the output was computed in, read before it reached the host


def isolated_call(step: Callable[[], object], steady_ms: float) -> IsolatedCall:
    """A few single calls after a pause of a few call lengths (the device idle, a dispatch queue empty)."""
    pause_s = min(0.2, max(0.005, 3 * steady_ms / 1000.0))
    trials = 3 if steady_ms <= 10.0 else 1
    slowest = IsolatedCall(-1.0, None, None)
    for _ in range(trials):
        time.sleep(pause_s)
        t0 = time.perf_counter_ns()
        output = step()
        t1 = time.perf_counter_ns()
        host = to_host(output)
        t2 = time.perf_counter_ns()
        if (t1 - t0) / 1e6 > slowest.call_ms:
            slowest = IsolatedCall(
                (t1 - t0) / 1e6, None if output is None else (t2 - t1) / 1e6, host, output_dtype(output)
            )
    return slowest


PAIRED_S = 0.3  # the most time spent on paired calls; at least PAIRED_MIN pairs, at most PAIRED_MAX
# A step of 15 ms or more gets fewer pairs than 10 (down to 3): an unsynchronised step that long returns in
# microseconds, orders of magnitude from its synchronised time, so three pairs tell as clearly as ten, and ten
# of a full-size model's 4-second training step would cost 80 s per process.
PAIRED_MIN, PAIRED_MAX = 3, 200
PENDING_MIN, PENDING_MAX = 3, 20  # calls whose output is checked for unfinished work, by the same budget


def pending_calls(steady_ms: float, budget_s: float = PAIRED_S) -> int:
    """How many calls :func:`pending_share` checks: 20 for steps up to 15 ms, fewer (at least 3) beyond."""
    return int(min(PENDING_MAX, max(PENDING_MIN, budget_s * 1000.0 / max(steady_ms, 1e-3))))


def fetch_ratio(step: Callable[[], object], steady_ms: float, budget_s: float = PAIRED_S) -> float | None:
    """Median of plain calls over the median of calls whose output is then fetched to the host, less what
    reading a finished output costs; interleaved.

    Each round: a plain call (A), a call whose output is fetched (B), then A's output read (A's work ended
    before B's, so that read is the copy alone). A step that waits for its work costs about the same either
    way, so the ratio is near 1 whatever its output's size; a step that only enqueues it pays in the fetch for
    its own work and A's, so the ratio falls far below 1. Rounds run back to back, so contention slows every
    part alike.
    """
    budget_s = min(budget_s, PAIRED_S)
    pairs = int(min(PAIRED_MAX, max(PAIRED_MIN, budget_s * 1000.0 / max(steady_ms, 1e-3) / 2)))
    plain: list[int] = []
    fetched: list[int] = []
    copies: list[int] = []
    for _ in range(pairs):
        t0 = time.perf_counter_ns()
        first = step()
        t1 = time.perf_counter_ns()
        if to_host(step()) is None:
            return None
        t2 = time.perf_counter_ns()
        to_host(first)
        t3 = time.perf_counter_ns()
        plain.append(t1 - t0)
        fetched.append(t2 - t1)
        copies.append(t3 - t2)
    # Less the copy: a large output (the gemm's, a device-to-host read) would make a synchronised step look
    # unsynchronised.
    denominator = float(np.median(fetched)) - float(np.median(copies))
    if denominator <= 0:  # the read alone took as long as call + read: nothing was left to wait for
        return 1.0
    return float(np.median(plain)) / denominator


def pending_share(
    step: Callable[[], object], pending: Callable[[object], bool | None], calls: int
) -> float | None:
    """The share of ``calls`` calls whose output was still being computed when the call returned (each
    output is then read, so no work piles up), or None when the framework cannot tell."""
    seen = 0
    for _ in range(calls):
        output = step()
        state = pending(output)
        to_host(output)
        if state is None:
            return None
        seen += state
    return seen / calls


@dataclass(frozen=True)
class StepObservation:
    """How the timed step behaved outside the samples: a lone call, and for a framework that dispatches
    asynchronously, its pending outputs and the fetch ratio."""

    lone: IsolatedCall
    pending_share: float | None
    fetch_ratio: float | None


def observe_step(
    runner: Runner, step: Callable[[], object], steady_ms: float, device: str, config: TimingConfig
) -> StepObservation:
    lone = isolated_call(step, steady_ms)
    paired = pending = None
    if runner.dispatches_asynchronously(device):
        pending = pending_share(step, lambda output: runner.output_pending(output, device), pending_calls(steady_ms))
        if pending is None or steady_ms < PAIRED_S * 1000.0:
            # Timing evidence, where the framework cannot tell directly; for a step longer than the paired
            # budget (a real model's) the direct evidence and the lone call suffice, and pairs cost seconds.
            paired = fetch_ratio(step, steady_ms, config.min_time_s)
    return StepObservation(lone, pending, paired)


def check_rows(batch: int) -> np.ndarray:
    return np.unique(np.linspace(0, batch - 1, min(batch, CHECK_ROWS)).astype(int))


@dataclass(frozen=True)
class TimedOutput:
    what: str | None  # None: nothing could be checked
    error: float | None
    tolerance: float | None
    dtype: str | None


def check_timed(
    prepared: Prepared,
    spec: WorkloadSpec,
    weights: dict[str, np.ndarray],
    x: np.ndarray,
    lone: IsolatedCall,
    *,
    precision: str = "float32",
    scenario: str = "",
) -> TimedOutput:
    """A timed inference call's output, held to ``precision``'s tolerance. (Training's timed step is checked
    by :func:`fwtui.bench.reference_checks.training_check`, which is also its correctness check.)"""
    dtype = _computed_dtype(prepared, lone.dtype, precision)
    if spec.new_tokens:
        return check_generation_output(spec, weights, x, lone.output, scenario, precision, dtype)
    return check_inference_output(spec, weights, x, lone.output, precision, dtype)


def _computed_dtype(prepared: Prepared, seen: str | None, precision: str) -> str | None:
    """What the timed step computed in: its output's dtype, unless a reduced precision hands back float32
    outputs by design (int8's dynamically quantised layers dequantise; the mixed-precision rule computes the
    logits in float32). Then it is what the runner found in the built step (its quantised layers, the
    compute dtype inside it), the same evidence a build is refused on when it does not match."""
    if precision != "float32" and seen == "float32":
        reader = getattr(prepared, "compute_precision", None)
        return str(reader()) if callable(reader) else seen
    return seen


def check_inference_output(
    spec: WorkloadSpec,
    weights: dict[str, np.ndarray],
    x: np.ndarray,
    output: np.ndarray | None,
    precision: str = "float32",
    dtype: str | None = None,
) -> TimedOutput:
    """The output of a timed call on ``x`` against the reference, on a spread of its rows."""
    if output is None:
        return TimedOutput(None, None, None, None)
    dtype = dtype or str(output.dtype)
    expected_shape = (x.shape[0], spec.num_classes) if spec.name != "gemm" else x.shape
    if output.shape != expected_shape:
        return TimedOutput(
            f"timed output shape {output.shape}, expected {expected_shape}", float("inf"), 0.0, dtype
        )
    rows = check_rows(x.shape[0])
    expected = workload_data.reference_forward(spec, weights, x[rows])
    check = workload_data.check_output(spec, np.asarray(output[rows], dtype=np.float64), expected, precision)
    return TimedOutput(
        f"timed call's output, {rows.size} of {x.shape[0]} rows vs float64 NumPy", check.max_abs_error,
        check.tolerance, dtype,
    )  # fmt: skip


def check_generation_output(
    spec: WorkloadSpec,
    weights: dict[str, np.ndarray],
    x: np.ndarray,
    output: np.ndarray | None,
    scenario: str,
    precision: str,
    dtype: str | None,
) -> TimedOutput:
    """A generating model's timed call: ``prefill`` returns the first new token's logits, checked against the
    reference's; a decode step returns the logits at its place in the greedy loop, which moves from call to
    call, so only their shape and finiteness are checked (the teacher-forced check covers every position)."""
    if output is None:
        return TimedOutput(None, None, None, None)
    expected_shape = (x.shape[0], spec.vocab)
    if output.shape != expected_shape:
        return TimedOutput(
            f"timed output shape {output.shape}, expected {expected_shape}", float("inf"), 0.0, dtype
        )
    values = np.asarray(output, dtype=np.float64)
    if scenario != "prefill":
        finite = bool(np.isfinite(values).all())
        return TimedOutput(
            "timed decode call's logits: shape and finiteness (its position varies)", 0.0 if finite else float("inf"),
            0.0, dtype,
        )  # fmt: skip
    rows = check_rows(x.shape[0])
    expected = workload_data.reference_forward(spec, weights, x[rows])[:, 0]
    check = workload_data.check_output(spec, values[rows], expected, precision)
    return TimedOutput(
        f"timed prefill's first-token logits, {rows.size} of {x.shape[0]} prompts vs float64 NumPy",
        check.max_abs_error, check.tolerance, dtype,
    )  # fmt: skip


def compile_count(prepared: Prepared) -> tuple[int | None, str]:
    """The framework's trace/compile count for this workload, and what was read (or why nothing)."""
    reader = getattr(prepared, "compile_count", None)
    if not callable(reader):
        return None, "the runner exposes no compile counter"
    found = reader()
    if found is None:
        return None, "nothing compiles in this variant"
    if isinstance(found, str):  # the runner's reason it cannot read the counter
        return None, found
    count, name = found
    return int(count), str(name)

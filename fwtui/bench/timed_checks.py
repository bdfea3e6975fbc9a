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
from fwtui.bench.runner import Prepared, Runner
from fwtui.bench.workloads import WorkloadSpec

CHECK_ROWS = 8  # rows of the timed batch compared with the reference: first, last and spread between
TRAIN_STEPS = 3


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


PAIRED_S = 0.3  # time spent on paired calls; at least PAIRED_MIN pairs, at most PAIRED_MAX
PAIRED_MIN, PAIRED_MAX = 10, 200


def fetch_ratio(step: Callable[[], object], steady_ms: float) -> float | None:
    """Median of plain calls over the median of calls whose output is then fetched to the host, interleaved.

    A step that waits for its work costs about the same either way (the fetch is a copy of a finished
    output); a step that only enqueues it pays for the work in the fetch, so the ratio falls far below 1.
    Pairs run back to back, so contention slows both sides alike.
    """
    pairs = int(min(PAIRED_MAX, max(PAIRED_MIN, PAIRED_S * 1000.0 / max(steady_ms, 1e-3) / 2)))
    plain: list[int] = []
    fetched: list[int] = []
    for _ in range(pairs):
        t0 = time.perf_counter_ns()
        step()
        t1 = time.perf_counter_ns()
        if to_host(step()) is None:
            return None
        t2 = time.perf_counter_ns()
        plain.append(t1 - t0)
        fetched.append(t2 - t1)
    denominator = float(np.median(fetched))
    return float(np.median(plain)) / denominator if denominator > 0 else None


def check_rows(batch: int) -> np.ndarray:
    return np.unique(np.linspace(0, batch - 1, min(batch, CHECK_ROWS)).astype(int))


@dataclass(frozen=True)
class TimedOutput:
    what: str | None  # None: nothing could be checked
    error: float | None
    tolerance: float | None
    dtype: str | None


def check_timed(
    runner: Runner,
    prepared: Prepared,
    spec: WorkloadSpec,
    weights: dict[str, np.ndarray],
    x: np.ndarray,
    lone: IsolatedCall,
    *,
    mode: str,
    variant: str,
    device: str,
    precision: str = "float32",
    scenario: str = "",
) -> TimedOutput:
    """The check that fits the run: a timed call's output (inference), the losses of timed-step calls
    (training); in ``precision``, held to that precision's tolerance."""
    if mode != "inference":
        return check_training_step(runner, spec, weights, variant=variant, device=device, precision=precision)
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
        return TimedOutput(f"timed output shape {output.shape}, expected {expected_shape}", float("inf"), 0.0, dtype)
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
        return TimedOutput(f"timed output shape {output.shape}, expected {expected_shape}", float("inf"), 0.0, dtype)
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


def check_training_step(
    runner: Runner,
    spec: WorkloadSpec,
    weights: dict[str, np.ndarray],
    *,
    variant: str,
    device: str,
    batch: int | None = None,
    precision: str = "float32",
) -> TimedOutput:
    """Losses returned by calls of a freshly built timed step against the reference trajectory (a full-size
    model on its reduced size, as the correctness check: float64 NumPy training of it would take minutes)."""
    batch = batch or min(8, spec.train_batch)
    checked = workload_data.training_check_spec(spec, batch, TRAIN_STEPS)
    if checked is not spec:
        weights, batch = workload_data.make_weights(checked), min(8, checked.train_batch)
    x, y = workload_data.make_batch(checked, batch, seed=2)
    if y is None:
        return TimedOutput(None, None, None, None)
    fresh = runner.build(checked, weights, mode="training", variant=variant, device=device, precision=precision)
    step = fresh.make_step(x, y)
    losses: list[float] = []
    for _ in range(TRAIN_STEPS):
        host = to_host(step())
        if host is None:
            return TimedOutput(None, None, None, None)
        losses.append(float(np.asarray(host, dtype=np.float64).reshape(-1)[0]))
    expected = workload_data.reference_train_losses(checked, weights, x, y, TRAIN_STEPS)
    check = workload_data.check_losses(checked, losses, expected, precision)
    reduced = "" if checked is spec else f" ({checked.key})"
    # The loss itself is computed in float32 whatever the precision; what the step computes in is the build's.
    used = fresh.compute_precision() if hasattr(fresh, "compute_precision") else "float32"
    return TimedOutput(
        f"losses returned by {TRAIN_STEPS} timed-step calls vs float64 NumPy SGD{reduced}", check.max_rel_error,
        check.tolerance, str(used) if precision != "float32" else "float32",
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

"""The correctness checks against the float64 NumPy reference, run once per result, in its first process.

- inference: the outputs of a seeded batch, in a shape the run times anyway (so a tracing framework compiles
  nothing for the check alone), or for a generating model the teacher-forced prompt and tokens;
- training: the losses returned by calls of a freshly built *timed step* against the reference's SGD
  trajectory (a full-size model on its reduced size). That one check is both the correctness check and the
  timed-step check of training (:mod:`fwtui.bench.timed_checks`), so it costs one build, not two.

Every process of a result runs the same code on the same seeded weights and inputs, so the later processes
repeat only the timing (and the cheap check of a timed inference call's output); their records say where the
check ran. :func:`fwtui.bench.repetition.combine` keeps the first process's check and the worst error seen.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from fwtui.bench import generation, workload_data
from fwtui.bench.runner import Prepared, Runner
from fwtui.bench.timed_checks import CHECKED_ELSEWHERE, TimedOutput, to_host
from fwtui.bench.workloads import WorkloadSpec, flops_per_sample

CHECK_BATCH = 4  # the smallest batch an inference check would like to see
# The float64 NumPy reference of a timed batch costs this many FLOPs at most (a fraction of a second); a real
# model's timed batch would take the reference seconds to minutes, so it is checked on CHECK_BATCH samples.
REFERENCE_BUDGET_FLOPS = 2e9
CHECK_TRAIN_STEPS = 3


@dataclass(frozen=True)
class CheckOutcome:
    """The correctness check against the float64 NumPy reference, and what it compared."""

    check: workload_data.OutputCheck | None  # None: checked in another process of the result
    what: str
    agreement: float | None = None  # share of samples (gpt2: positions) whose top-1 matches the reference
    timed: TimedOutput | None = None  # training: the same check, as the timed step's


def checked_elsewhere(mode: str) -> CheckOutcome:
    """A later process's outcome: nothing re-checked; a training step's timed check is the first process's."""
    timed = TimedOutput(CHECKED_ELSEWHERE, None, None, None) if mode != "inference" else None
    return CheckOutcome(None, CHECKED_ELSEWHERE, None, timed)


def check_batch(spec: WorkloadSpec, planned_batches: Sequence[int]) -> int:
    """The batch the inference check uses: the smallest timed batch of at least :data:`CHECK_BATCH` (else the
    largest timed one), so a framework that compiles per shape reuses the compiled step. A generating model
    keeps :data:`CHECK_BATCH` (its check feeds prompt and tokens, a shape no timed call has), and so does a
    batch too costly for the reference (:data:`REFERENCE_BUDGET_FLOPS`)."""
    if spec.new_tokens or spec.name == "gemm" or not planned_batches:
        return CHECK_BATCH
    large_enough = [b for b in planned_batches if b >= CHECK_BATCH]
    batch = min(large_enough) if large_enough else max(planned_batches)
    return batch if batch * flops_per_sample(spec, "inference") <= REFERENCE_BUDGET_FLOPS else CHECK_BATCH


def inference_check(
    prepared: Prepared,
    spec: WorkloadSpec,
    weights: dict[str, np.ndarray],
    batch: int,
    precision: str = "float32",
) -> CheckOutcome:
    """Outputs of a seeded batch (not the timed one) against the reference."""
    x, _ = workload_data.make_batch(spec, batch, seed=2)
    expected = workload_data.reference_forward(spec, weights, x)
    actual = prepared.infer(generation.check_input(spec, x, expected))
    check = workload_data.check_output(spec, actual, expected, precision)
    agreement = None if spec.name == "gemm" else generation.next_token_agreement(actual, expected)
    size = x.shape[0] if spec.name != "gemm" else 1
    return CheckOutcome(check, f"outputs of a batch of {size} vs float64 NumPy", agreement)


def training_check(
    runner: Runner,
    spec: WorkloadSpec,
    weights: dict[str, np.ndarray],
    *,
    variant: str,
    device: str,
    precision: str = "float32",
) -> CheckOutcome:
    """Losses returned by calls of a freshly built timed step against the reference SGD trajectory.

    Training mutates the weights, so this is a build of its own. A step that returns no loss cannot be checked
    as timed (``timed`` then says nothing was checked) and falls back to the runner's ``train_losses``.
    """
    batch = min(CHECK_BATCH * 2, spec.train_batch)
    checked = workload_data.training_check_spec(spec, batch, CHECK_TRAIN_STEPS)
    if checked is not spec:  # a full-size model: its reduced size, through the same code
        weights, batch = workload_data.make_weights(checked), min(CHECK_BATCH * 2, checked.train_batch)
    x, y = workload_data.make_batch(checked, batch, seed=2)
    if y is None:
        raise ValueError(f"{spec.name} has no labels to train on")
    fresh = runner.build(
        checked, weights, mode="training", variant=variant, device=device, precision=precision
    )
    expected = workload_data.reference_train_losses(checked, weights, x, y, CHECK_TRAIN_STEPS)
    reduced = "" if checked is spec else f" ({checked.key}: the full size is too costly to train in NumPy)"
    if not workload_data.trajectory_compared(checked, precision):
        reduced += f"; chaotic in {precision}: the first loss, and the fall to the last within {workload_data.FALL_FACTOR:g}x the reference's"
    losses = _timed_step_losses(fresh, x, y)
    if losses is None:
        check = workload_data.check_losses(
            checked, fresh.train_losses(x, y, CHECK_TRAIN_STEPS), expected, precision
        )
        what = f"losses over {CHECK_TRAIN_STEPS} SGD steps vs float64 NumPy{reduced}"
        return CheckOutcome(check, what, timed=TimedOutput(None, None, None, None))
    check = workload_data.check_losses(checked, losses, expected, precision)
    # The loss itself is computed in float32 whatever the precision; what the step computes in is the build's.
    used = fresh.compute_precision() if hasattr(fresh, "compute_precision") else "float32"
    what = f"losses returned by {CHECK_TRAIN_STEPS} timed-step calls vs float64 NumPy SGD{reduced}"
    timed = TimedOutput(
        what, check.max_rel_error, check.tolerance, str(used) if precision != "float32" else "float32"
    )
    return CheckOutcome(check, what, timed=timed)


def _timed_step_losses(prepared: Prepared, x: np.ndarray, y: np.ndarray) -> list[float] | None:
    step = prepared.make_step(x, y)
    losses: list[float] = []
    for _ in range(CHECK_TRAIN_STEPS):
        host = to_host(step())
        if host is None:
            return None
        losses.append(float(np.asarray(host, dtype=np.float64).reshape(-1)[0]))
    return losses

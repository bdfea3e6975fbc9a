"""The numbers of a workload: seeded weights and inputs, the float64 references and the output checks.

Plain NumPy, so every child process produces the same weights and inputs whichever framework it runs. The
shapes, names and conventions are those of :mod:`fwtui.bench.workloads`.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from fwtui.bench.workloads import WorkloadSpec, flops_per_sample, weight_shapes

# --- data ----------------------------------------------------------------------------------------------------


def _rng(seed: int, name: str) -> np.random.Generator:
    # One stream per (seed, name): a weight's values do not depend on which other weights exist.
    return np.random.default_rng([seed, zlib.crc32(name.encode())])


EMBEDDINGS = frozenset({"emb.token", "emb.position", "wte", "wpe"})


def _init(name: str, shape: tuple[int, ...], spec: WorkloadSpec, rng: np.random.Generator) -> np.ndarray:
    leaf = name.rsplit(".", 1)[-1]
    modules = name.split(".")[:-1]
    is_norm = any(m.startswith(("bn", "ln")) or m.endswith("_bn") for m in modules)
    if spec.name == "gemm":
        return rng.standard_normal(shape)
    if name in EMBEDDINGS:
        # Embedding rows of norm about 1 keep gpt2's tied logits O(1), as trained models roughly are.
        return rng.normal(0.0, 1.0 / np.sqrt(shape[1]), shape)
    if is_norm:
        if leaf == "weight":
            return rng.uniform(0.8, 1.2, shape)
        if leaf == "bias":
            return rng.uniform(-0.1, 0.1, shape)
        if leaf == "running_mean":
            return rng.normal(0.0, 0.1, shape)
        return rng.uniform(0.5, 1.5, shape)  # running_var, strictly positive
    if leaf == "bias":
        return rng.uniform(-0.1, 0.1, shape)
    # Weights: He-style scale on the fan-in keeps activations O(1) through ReLU stacks.
    fan_in = shape[0] if len(shape) == 2 else int(np.prod(shape[1:]))
    gain = 1.0 if spec.name in ("transformer", "bert-base", "gpt2") else 2.0
    return rng.normal(0.0, np.sqrt(gain / fan_in), shape)


def make_weights(spec: WorkloadSpec, seed: int = 0) -> dict[str, np.ndarray]:
    """Deterministic float32 weights in the canonical layouts (see the module docstring)."""
    return {
        name: _init(name, shape, spec, _rng(seed, name)).astype(np.float32)
        for name, shape in weight_shapes(spec).items()
    }


def make_batch(spec: WorkloadSpec, batch: int, seed: int = 1) -> tuple[np.ndarray, np.ndarray | None]:
    """A deterministic input batch ``(x float32, y int64 labels)``; ``x`` is int64 token ids for token models.

    For gemm the batch size is ignored: ``x`` is the ``(n, n)`` matrix ``A`` and there are no labels.
    """
    rng = np.random.default_rng([seed, zlib.crc32(spec.key.encode())])
    if spec.name == "gemm":
        return rng.standard_normal(spec.input_shape).astype(np.float32), None
    if batch < 1:
        raise ValueError("batch must be at least 1")
    if spec.tokens:  # token ids: bert-base's sequences, gpt2's prompts
        x = rng.integers(0, spec.vocab, size=(batch, *spec.input_shape)).astype(np.int64)
    else:
        x = rng.standard_normal((batch, *spec.input_shape)).astype(np.float32)
    y = rng.integers(0, spec.num_classes, size=batch).astype(np.int64)
    return x, y


# --- references (float64 NumPy; implemented in fwtui.bench.reference) ---------------------------------------


def reference_forward(spec: WorkloadSpec, weights: dict[str, np.ndarray], x: np.ndarray) -> np.ndarray:
    """The float64 reference output (logits; the product for gemm). Large ones are cached on disk."""
    from fwtui.bench import reference

    work = flops_per_sample(spec, "inference") * (1 if spec.name == "gemm" else len(x))
    return cached(
        "forward",
        spec,
        {**weights, "<x>": x},
        work,
        lambda: reference.forward(spec, weights, x, training=False),
    )


def reference_train_losses(
    spec: WorkloadSpec, weights: dict[str, np.ndarray], x: np.ndarray, y: np.ndarray, steps: int
) -> list[float]:
    """The loss before each of ``steps`` SGD-with-momentum steps, from ``weights`` (not modified)."""
    from fwtui.bench import reference

    if not spec.trainable:
        raise ValueError(f"{spec.name} does not train")
    work = flops_per_sample(spec, "training") * len(x) * steps
    losses = cached(
        f"train{steps}",
        spec,
        {**weights, "<x>": x, "<y>": y},
        work,
        lambda: np.asarray(reference.train_losses(spec, weights, x, y, steps)),
    )
    return [float(v) for v in losses]


# Above this much float64 work (about a minute of NumPy on one core), a training check runs on the same
# architecture reduced (its ``small`` size): the framework's code path is the same, and the full-size model
# is still checked in inference.
TRAIN_CHECK_MAX_FLOPS = 5e10


def training_check_spec(spec: WorkloadSpec, batch: int, steps: int) -> WorkloadSpec:
    """The spec whose training losses a run's correctness check compares: ``spec`` or its reduced size.

    A real model (ResNet-50, BERT-base) trains through the same code at every size, and is checked at its small
    size: at medium size ResNet-50's 3-step float32 trajectory already parts from the float64 reference's by 2%
    (torch, batch 8: ReLU and max-pool switches flip on rounding), past any tolerance that catches a wrong step.
    """
    from fwtui.bench.models import MODEL_WORKLOADS
    from fwtui.bench.workloads import get_spec

    if spec.name in MODEL_WORKLOADS and spec.size != "small":
        return get_spec(spec.name, "small")
    if flops_per_sample(spec, "training") * batch * steps <= TRAIN_CHECK_MAX_FLOPS:
        return spec
    return get_spec(spec.name, "small")


# --- correctness checks ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OutputCheck:
    max_abs_error: float
    max_rel_error: float  # max_abs_error / max|reference| (norm-wise, robust to near-zero entries)
    tolerance: float  # the absolute bound max_abs_error was held to
    ok: bool


# Relative tolerances (of max|reference|) per reduced precision: bfloat16 keeps 8 significant bits, float16 11,
# int8 dynamic quantisation about 7 per weight and activation; the errors add up over a model's depth.
PRECISION_TOLERANCE_REL: dict[str, float] = {"bfloat16": 0.1, "float16": 0.03, "int8": 0.15}
# Training in bfloat16 (`python benchmarks/tolerances.py --precision bfloat16 --frameworks torch,tensorflow,jax
# --workloads mlp,cnn,transformer,bert-base --seeds 1,2,3,4,5,6`): honest runs err by at most 1.3e-2 (TensorFlow,
# mlp, seed 3); keeping the weights in bfloat16, so that updates are rounded away, errs by 3.2e-2 to 1.0e-1 on mlp
# and bert-base (tests/test_precision.py; on cnn by 4e-3 only, below what any bound here could catch). The 10x
# rule cannot hold between the two: 2% is their geometric middle. float16 does not train (TRAINING_PRECISION_REASONS).
PRECISION_TRAIN_TOLERANCE_REL: dict[str, float] = {"bfloat16": 0.02, "float16": 0.02}
# Cross-entropy in nats below which a loss's error is taken relative to this floor: a batch the model has
# memorised drives its loss toward zero, where a relative error explodes (mlp, small: 0.026 at the third step,
# where bfloat16 erred by 1.8e-2 relative, 4.7e-4 absolute).
LOSS_FLOOR = 0.1
# Where a reduced precision's trajectory is chaotic (WorkloadSpec.reduced_train_trajectory), the last loss must
# have fallen from the first by between 1/FALL_FACTOR and FALL_FACTOR times the reference's fall. Measured on
# resnet50 (small) in bfloat16 over six seeded batches: the honest frameworks fall 0.61x to 1.43x as far (after
# the first update alone, -0.12x to 1.43x: not a usable bound); a step that never updates, 0x.
FALL_FACTOR = 3.0


def tolerance_rel(spec: WorkloadSpec, mode: str, precision: str = "float32") -> float:
    """The relative tolerance a result of ``spec`` in ``precision`` is held to (outputs, or training losses)."""
    if mode == "training" and not trajectory_compared(spec, precision):
        return tolerance_rel(spec, "inference", precision)  # only the first loss is compared: a forward
    if mode == "training":
        return max(spec.train_tolerance_rel, PRECISION_TRAIN_TOLERANCE_REL.get(precision, 0.0))
    return max(spec.tolerance_rel, PRECISION_TOLERANCE_REL.get(precision, 0.0))


def check_output(
    spec: WorkloadSpec, actual: np.ndarray, expected: np.ndarray, precision: str = "float32"
) -> OutputCheck:
    """Compare a framework's output with the float64 reference under the tolerance of the spec and precision."""
    actual64 = np.asarray(actual, dtype=np.float64)
    expected64 = np.asarray(expected, dtype=np.float64)
    if actual64.shape != expected64.shape:
        return OutputCheck(float("inf"), float("inf"), 0.0, False)
    scale = float(np.max(np.abs(expected64))) if expected64.size else 0.0
    max_abs = float(np.max(np.abs(actual64 - expected64))) if expected64.size else 0.0
    if not np.all(np.isfinite(actual64)):
        max_abs = float("inf")
    tolerance = spec.tolerance_abs + tolerance_rel(spec, "inference", precision) * scale
    max_rel = max_abs / scale if scale > 0 else max_abs
    return OutputCheck(max_abs, max_rel, tolerance, max_abs <= tolerance)


def check_losses(
    spec: WorkloadSpec, actual: Sequence[float], expected: Sequence[float], precision: str = "float32"
) -> OutputCheck:
    """Compare training losses step by step with the reference (relative error per step; a loss below
    :data:`LOSS_FLOOR` is compared relative to the floor).

    In a reduced precision where the workload's trajectory is chaotic (``spec.reduced_train_trajectory`` is
    False), only the first loss (the training-mode forward, before any update) is compared, under the forward's
    tolerance, and the last loss must have fallen from the first within :data:`FALL_FACTOR` of the reference's
    fall: a step that does not update, or updates the wrong way, fails, with the error of its worst loss.
    """
    bound = tolerance_rel(spec, "training", precision)
    a = np.asarray(list(actual), dtype=np.float64)
    e = np.asarray(list(expected), dtype=np.float64)
    if a.shape != e.shape or a.size == 0:
        return OutputCheck(float("inf"), float("inf"), bound, False)
    if not np.all(np.isfinite(a)):
        return OutputCheck(float("inf"), float("inf"), bound, False)
    abs_err = np.abs(a - e)
    rel_err = abs_err / np.maximum(np.abs(e), LOSS_FLOOR)
    if trajectory_compared(spec, precision):
        max_rel = float(np.max(rel_err))
        return OutputCheck(float(np.max(abs_err)), max_rel, bound, max_rel <= bound)
    fall, reference_fall = a[0] - a[-1], e[0] - e[-1]
    if reference_fall > 0 and reference_fall / FALL_FACTOR <= fall <= reference_fall * FALL_FACTOR:
        return OutputCheck(float(abs_err[0]), float(rel_err[0]), bound, float(rel_err[0]) <= bound)
    return OutputCheck(float(np.max(abs_err)), float(np.max(rel_err)), bound, False)


def trajectory_compared(spec: WorkloadSpec, precision: str) -> bool:
    """Whether :func:`check_losses` compares every step's loss (else the first, and the fall after it)."""
    return precision == "float32" or spec.reduced_train_trajectory


# --- disk cache ----------------------------------------------------------------------------------------------

# Every framework and variant is checked against the same reference in its own child process, so a reference
# that takes seconds to compute is computed once and reused. Below this much work, recomputing is cheaper than
# hashing the inputs and reading the file.
CACHE_MIN_FLOPS = 2e9
# Bump when the reference arithmetic changes, so stale results are never reused.
REFERENCE_VERSION = 1


def _cache_file(kind: str, spec: WorkloadSpec, arrays: dict[str, np.ndarray]) -> Path:
    from fwtui.paths import cache_dir

    digest = hashlib.sha256(f"{REFERENCE_VERSION}|{kind}|{spec!r}".encode())
    for name in sorted(arrays):
        value = np.ascontiguousarray(arrays[name])
        digest.update(f"|{name}|{value.dtype.str}|{value.shape}|".encode())
        digest.update(value.data)
    return cache_dir() / "reference" / f"{spec.name}-{spec.size}-{kind}-{digest.hexdigest()[:32]}.npy"


def cached(
    kind: str, spec: WorkloadSpec, arrays: dict[str, np.ndarray], work_flops: float, compute: Callable[[], np.ndarray]
) -> np.ndarray:
    """``compute()``, memoised on disk by the content of ``arrays`` when it is expensive.

    The cache is best effort: an unreadable or unwritable cache directory only means recomputing.
    """
    if work_flops < CACHE_MIN_FLOPS or os.environ.get("FWTUI_REFERENCE_CACHE") == "0":
        return compute()
    path = _cache_file(kind, spec, arrays)
    with contextlib.suppress(OSError, ValueError):
        return np.asarray(np.load(path, allow_pickle=False))
    result = np.asarray(compute(), dtype=np.float64)
    with contextlib.suppress(OSError):
        path.parent.mkdir(parents=True, exist_ok=True)
        # Write then rename: children checking other frameworks may read the same file concurrently.
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as handle:
                np.save(handle, result, allow_pickle=False)
            os.replace(tmp, path)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
    return result

"""The scikit-learn runner against the float64 NumPy reference: the mlp workload only, the others refused."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("sklearn")

from fwtui.bench.plan import Selection, expand
from fwtui.bench.runner import load_runner
from fwtui.bench.workload_data import (
    check_losses,
    check_output,
    make_batch,
    make_weights,
    reference_forward,
    reference_train_losses,
)
from fwtui.bench.workloads import get_spec

runner = load_runner("sklearn")
SPEC = get_spec("mlp")


def test_inference_is_the_mlp_logits() -> None:
    weights = make_weights(SPEC)
    x, _ = make_batch(SPEC, 5)
    prepared = runner.build(SPEC, weights, mode="inference", variant="mlp", device="cpu")
    out = prepared.infer(x)
    assert out.shape == (5, SPEC.num_classes) and out.dtype == np.float32
    check = check_output(SPEC, out, reference_forward(SPEC, weights, x))
    assert check.ok, check


def test_sgd_with_momentum_matches_the_reference_losses() -> None:
    weights = make_weights(SPEC)
    x, y = make_batch(SPEC, 8)
    assert y is not None
    prepared = runner.build(SPEC, weights, mode="training", variant="mlp", device="cpu")
    losses = prepared.train_losses(x, y, 4)
    check = check_losses(SPEC, losses, reference_train_losses(SPEC, weights, x, y, 4))
    assert check.ok, (losses, check)
    assert losses[-1] < losses[0]
    # Running it again starts from the canonical weights and zero velocity: the same losses.
    assert prepared.train_losses(x, y, 4) == pytest.approx(losses, rel=1e-6)


def test_the_timed_training_step_is_one_update() -> None:
    weights = make_weights(SPEC)
    x, y = make_batch(SPEC, SPEC.train_batch)
    prepared = runner.build(SPEC, weights, mode="training", variant="mlp", device="cpu")
    before = prepared.estimator.coefs_[0].copy()
    prepared.make_step(x, y)()
    assert not np.array_equal(prepared.estimator.coefs_[0], before)
    with pytest.raises(ValueError, match="labels"):
        prepared.make_step(x, None)


@pytest.mark.parametrize("workload", ["cnn", "transformer", "gemm"])
def test_other_workloads_are_refused_with_the_reason(workload: str) -> None:
    spec = get_spec(workload)
    with pytest.raises(ValueError, match="mlp workload only"):
        runner.build(spec, make_weights(spec), mode="inference", variant="mlp", device="cpu")


def test_the_plan_marks_other_workloads_unsupported_without_a_child() -> None:
    specs = expand(Selection(frameworks=["sklearn"], modes=["inference", "training"]))
    by_key = {(s.workload, s.mode): s for s in specs}
    assert by_key[("mlp", "inference")].status is None and by_key[("mlp", "training")].status is None
    for workload in ("cnn", "transformer", "gemm"):
        spec = by_key[(workload, "inference")]
        assert spec.status == "unsupported" and "mlp workload only" in (spec.reason or "")


def test_configure_limits_the_blas_threads() -> None:
    settings = runner.configure(1, "cpu")
    assert settings["intra_op_threads"] == 1

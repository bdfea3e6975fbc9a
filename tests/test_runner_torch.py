"""The PyTorch runner against the float64 NumPy reference, on real PyTorch at small sizes."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from fwtui.bench import reference as ref  # noqa: E402
from fwtui.bench.runner import load_runner  # noqa: E402
from fwtui.bench.runners import torch as torch_runner  # noqa: E402
from fwtui.bench.runners.torch_models import canonical_to_torch_names  # noqa: E402
from fwtui.bench.workload_data import (  # noqa: E402
    check_losses,
    check_output,
    make_batch,
    make_weights,
    reference_forward,
    reference_train_losses,
)
from fwtui.bench.workloads import GEMM_TRAINING_REASON, TOY_WORKLOADS, get_spec  # noqa: E402

runner = load_runner("torch")
TRAINABLE = ["mlp", "cnn", "transformer"]
STEPS = 4


def test_the_runner_imports_the_real_torch() -> None:
    assert type(runner).__module__ == "fwtui.bench.runners.torch"
    assert torch_runner.torch is torch
    assert "fwtui" not in Path(torch.__file__).parts
    assert runner.framework_version() == torch.__version__


def test_configure_sets_and_reports_threads() -> None:
    settings = runner.configure(1, "cpu")
    assert settings["intra_op_threads"] == 1 == torch.get_num_threads()
    assert isinstance(settings["inter_op_threads"], int)
    assert settings["parallel_backend"]  # e.g. "OpenMP"
    assert settings["blas_info"]  # e.g. "mkl"
    # Inter-op threads can only be set once per process: a second call must not raise.
    assert runner.configure(2, "cpu")["intra_op_threads"] == 2


def test_device_availability() -> None:
    assert runner.device_available("cpu") is None
    assert "not support" in runner.device_available("tpu")
    assert "bad device" in runner.device_available("cuda:x")
    if not torch.cuda.is_available():
        reason = runner.device_available("cuda")
        assert reason is not None and "CUDA" in reason


def test_unsupported_reasons() -> None:
    assert runner.unsupported_reason("inference", "eager", "cpu") is None
    assert runner.unsupported_reason("training", "eager", "cpu") is None
    assert "no variant 'xla'" in runner.unsupported_reason("inference", "xla", "cpu")
    if shutil.which("g++") or shutil.which("clang++"):
        assert runner.unsupported_reason("inference", "compile", "cpu") is None


def test_gemm_training_is_refused_with_the_reason() -> None:
    spec = get_spec("gemm")
    with pytest.raises(ValueError, match=GEMM_TRAINING_REASON):
        runner.build(spec, make_weights(spec), mode="training", variant="eager", device="cpu")


def test_mismatched_weights_are_rejected() -> None:
    spec = get_spec("mlp")
    weights = make_weights(spec)
    del weights["fc2.bias"]
    with pytest.raises(ValueError, match=r"fc2\.bias"):
        runner.build(spec, weights, mode="inference", variant="eager", device="cpu")


@pytest.mark.parametrize("name", TOY_WORKLOADS)
def test_eager_inference_matches_the_reference(name: str) -> None:
    spec = get_spec(name)
    weights = make_weights(spec)
    x, _ = make_batch(spec, 3)
    prepared = runner.build(spec, weights, mode="inference", variant="eager", device="cpu")
    check = check_output(spec, prepared.infer(x), reference_forward(spec, weights, x))
    assert check.ok, check
    assert prepared.device_memory_peak_mb() is None  # CPU


@pytest.mark.parametrize("name", TRAINABLE)
def test_eager_training_losses_match_the_reference(name: str) -> None:
    spec = get_spec(name)
    weights = make_weights(spec)
    x, y = make_batch(spec, 4)
    assert y is not None
    prepared = runner.build(spec, weights, mode="training", variant="eager", device="cpu")
    losses = prepared.train_losses(x, y, STEPS)
    check = check_losses(spec, losses, reference_train_losses(spec, weights, x, y, STEPS))
    assert check.ok, (losses, check)
    assert losses[-1] < losses[0]


@pytest.mark.parametrize("name", TRAINABLE)
def test_reference_gradients_match_torch_autograd(name: str) -> None:
    spec = get_spec(name)
    weights = make_weights(spec)
    x, y = make_batch(spec, 4)
    assert y is not None
    _, expected = ref.loss_and_gradients(spec, weights, x, y)
    prepared = runner.build(spec, weights, mode="training", variant="eager", device="cpu")
    module = prepared.module.double()
    loss = torch.nn.functional.cross_entropy(module(torch.from_numpy(x).double()), torch.from_numpy(y))
    loss.backward()
    params = dict(module.named_parameters())
    for canonical, key in canonical_to_torch_names(spec).items():
        if canonical not in expected:
            continue  # batch-norm running statistics are buffers, not trained
        grad = params[key].grad.numpy()
        if grad.ndim == 2:
            grad = grad.T  # nn.Linear stores (out, in)
        np.testing.assert_allclose(grad, expected[canonical], rtol=1e-6, atol=1e-9, err_msg=canonical)


def test_inference_step_runs_without_changing_the_model() -> None:
    spec = get_spec("mlp")
    weights = make_weights(spec)
    x, _ = make_batch(spec, spec.throughput_batch)
    prepared = runner.build(spec, weights, mode="inference", variant="eager", device="cpu")
    before = prepared.infer(x[:2])
    step = prepared.make_step(x, None)
    assert step() is not None
    step()
    np.testing.assert_array_equal(prepared.infer(x[:2]), before)


def test_training_step_updates_the_weights() -> None:
    spec = get_spec("cnn")
    weights = make_weights(spec)
    x, y = make_batch(spec, 4)
    prepared = runner.build(spec, weights, mode="training", variant="eager", device="cpu")
    before = prepared.module.fc.weight.detach().clone()
    step = prepared.make_step(x, y)
    step()
    step()
    assert not torch.equal(prepared.module.fc.weight.detach(), before)
    with pytest.raises(ValueError, match="labels"):
        prepared.make_step(x, None)


def test_inference_build_cannot_train() -> None:
    spec = get_spec("mlp")
    prepared = runner.build(spec, make_weights(spec), mode="inference", variant="eager", device="cpu")
    with pytest.raises(RuntimeError, match="mode='training'"):
        prepared.train_losses(*make_batch(spec, 2), steps=1)


@pytest.mark.slow
@pytest.mark.parametrize("name", TOY_WORKLOADS)
def test_compiled_inference_matches_the_reference(name: str) -> None:
    spec = get_spec(name)
    weights = make_weights(spec)
    x, _ = make_batch(spec, 2)
    prepared = runner.build(spec, weights, mode="inference", variant="compile", device="cpu")
    check = check_output(spec, prepared.infer(x), reference_forward(spec, weights, x))
    assert check.ok, check
    prepared.make_step(x, None)()  # the timed step reuses the graph compiled for this batch


@pytest.mark.slow
def test_compiled_training_matches_the_reference() -> None:
    spec = get_spec("mlp")
    weights = make_weights(spec)
    x, y = make_batch(spec, 4)
    assert y is not None
    prepared = runner.build(spec, weights, mode="training", variant="compile", device="cpu")
    losses = prepared.train_losses(x, y, STEPS)
    check = check_losses(spec, losses, reference_train_losses(spec, weights, x, y, STEPS))
    assert check.ok, (losses, check)


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device visible to torch")
def test_cuda_inference_and_memory() -> None:
    runner.configure(0, "cuda")
    spec = get_spec("cnn")
    weights = make_weights(spec)
    x, y = make_batch(spec, 4)
    prepared = runner.build(spec, weights, mode="inference", variant="eager", device="cuda")
    assert check_output(spec, prepared.infer(x), reference_forward(spec, weights, x)).ok
    prepared.make_step(x, y)()
    peak = prepared.device_memory_peak_mb()
    assert peak is not None and peak > 0

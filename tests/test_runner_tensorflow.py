"""The TensorFlow runner against the float64 NumPy reference, on the real framework at small sizes.

Importing TensorFlow takes seconds, so everything runs in this one module, configured once (before any op
runs) by a module-scoped fixture, as the benchmark child process would do.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from fwtui.bench import workload_data, workloads
from fwtui.bench.runner import Runner, load_runner

pytest.importorskip("tensorflow")

THREADS = 2
TRAIN_STEPS = 3
VARIANTS = ("eager", "function", "xla")


@pytest.fixture(scope="module")
def configured() -> tuple[Runner, dict[str, Any]]:
    runner = load_runner("tensorflow")

    runner.device_available("cuda")  # the benchmark child asks this before configuring
    return runner, runner.configure(THREADS, "cpu")


@pytest.fixture(scope="module")
def runner(configured: tuple[Runner, dict[str, Any]]) -> Runner:
    return configured[0]


def test_configure_reports_thread_settings_in_force(configured: tuple[Runner, dict[str, Any]]) -> None:
    runner, settings = configured
    assert settings["tensor_float_32"] is False
    if "note" not in settings:  # nothing started TensorFlow before the fixture did
        assert settings["intra_op_threads"] == settings["inter_op_threads"] == THREADS
    # Once ops have run the pools are fixed: a later call says so and reports the values in force.
    spec = workloads.get_spec("gemm")
    runner.build(spec, workload_data.make_weights(spec), mode="inference", variant="eager", device="cpu")
    again = runner.configure(THREADS + 1, "cpu")
    assert again["intra_op_threads"] == settings["intra_op_threads"]
    assert "already started" in again["note"]


def test_version_and_devices(runner: Runner) -> None:
    import tensorflow as tf

    assert runner.framework_version() == tf.__version__
    assert runner.device_available("cpu") is None
    assert "does not support device" in runner.device_available("tpu-ish")
    if not tf.config.list_physical_devices("GPU"):
        assert "GPU" in runner.device_available("cuda") or "CUDA" in runner.device_available("cuda")


def test_unknown_variant_and_gemm_training_are_refused(runner: Runner) -> None:
    for variant in VARIANTS:
        assert runner.unsupported_reason("training", variant, "cpu") is None
    assert "no variant 'jit'" in runner.unsupported_reason("inference", "jit", "cpu")
    spec = workloads.get_spec("gemm")
    with pytest.raises(ValueError, match="no parameters to train"):
        runner.build(spec, workload_data.make_weights(spec), mode="training", variant="function", device="cpu")


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("name", workloads.TOY_WORKLOADS)
def test_inference_matches_reference(runner: Runner, name: str, variant: str) -> None:
    spec = workloads.get_spec(name, "small")
    weights = workload_data.make_weights(spec)
    x, y = workload_data.make_batch(spec, 3)
    prepared = runner.build(spec, weights, mode="inference", variant=variant, device="cpu")
    out = prepared.infer(x)
    check = workload_data.check_output(spec, out, workload_data.reference_forward(spec, weights, x))
    assert out.dtype == np.float32
    assert check.ok, check
    assert prepared.make_step(x, y)() is not None  # the step returns what it computed
    assert prepared.device_memory_peak_mb() is None  # the CPU has no device memory to report


@pytest.mark.parametrize(
    ("name", "variant"),
    [
        ("mlp", "eager"),
        ("mlp", "function"),
        ("mlp", "xla"),
        ("cnn", "function"),
        ("cnn", "xla"),
        ("transformer", "function"),
        ("transformer", "xla"),
    ],
)
def test_training_losses_match_reference(runner: Runner, name: str, variant: str) -> None:
    spec = workloads.get_spec(name, "small")
    weights = workload_data.make_weights(spec)
    x, y = workload_data.make_batch(spec, 4)
    prepared = runner.build(spec, weights, mode="training", variant=variant, device="cpu")
    losses = prepared.train_losses(x, y, TRAIN_STEPS)
    expected = workload_data.reference_train_losses(spec, weights, x, y, TRAIN_STEPS)
    check = workload_data.check_losses(spec, losses, expected)
    assert check.ok, (losses, expected)
    assert losses[-1] < losses[0]  # the optimiser really updates the weights


def test_training_step_trains_on_and_train_losses_restart(runner: Runner) -> None:
    spec = workloads.get_spec("mlp", "small")
    weights = workload_data.make_weights(spec)
    x, y = workload_data.make_batch(spec, 8)
    prepared = runner.build(spec, weights, mode="training", variant="function", device="cpu")
    first = prepared.train_losses(x, y, TRAIN_STEPS)
    before = prepared._params["fc1.weight"].numpy().copy()
    step = prepared.make_step(x, y)
    assert step() is not None
    assert not np.array_equal(prepared._params["fc1.weight"].numpy(), before)  # a full update ran
    assert prepared.train_losses(x, y, TRAIN_STEPS) == first


def test_convolution_layout_is_converted_outside_the_step(runner: Runner) -> None:
    spec = workloads.get_spec("cnn", "small")
    x, _ = workload_data.make_batch(spec, 2)
    nhwc = runner.prepare_input(spec, x)
    assert nhwc.shape == (2, *spec.input_shape[1:], spec.input_shape[0])
    np.testing.assert_array_equal(nhwc[1, 5, 7, :], x[1, :, 5, 7])


@pytest.mark.gpu
def test_gpu_training_matches_reference_and_reports_memory(runner: Runner) -> None:
    reason = runner.device_available("cuda")
    if reason is not None:
        pytest.skip(reason)
    spec = workloads.get_spec("mlp", "small")
    weights = workload_data.make_weights(spec)
    x, y = workload_data.make_batch(spec, 16)
    prepared = runner.build(spec, weights, mode="training", variant="function", device="cuda")
    losses = prepared.train_losses(x, y, TRAIN_STEPS)
    expected = workload_data.reference_train_losses(spec, weights, x, y, TRAIN_STEPS)
    assert workload_data.check_losses(spec, losses, expected).ok
    check = workload_data.check_output(spec, prepared.infer(x), workload_data.reference_forward(spec, weights, x))
    assert check.ok, check
    assert prepared.make_step(x, y)() is not None  # the step returns what it computed
    peak = prepared.device_memory_peak_mb()
    assert peak is not None and peak > 0

"""The JAX runner against the float64 NumPy reference, on the real framework at small sizes.

Everything runs in this one process: the runner is configured once (before JAX's backend starts) by a
module-scoped fixture, as the benchmark child process would do.
"""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import numpy as np
import pytest

from fwtui.bench import workload_data, workloads
from fwtui.bench.runner import Runner, load_runner

pytest.importorskip("jax")

THREADS = 2
TRAIN_STEPS = 3


@pytest.fixture(scope="module")
def configured() -> tuple[Runner, dict[str, Any]]:
    runner = load_runner("jax")

    runner.device_available("cuda")  # the benchmark child asks this before configuring
    return runner, runner.configure(THREADS, "cpu")


@pytest.fixture(scope="module")
def runner(configured: tuple[Runner, dict[str, Any]]) -> Runner:
    return configured[0]


def test_configure_reports_thread_settings_in_force(configured: tuple[Runner, dict[str, Any]]) -> None:
    runner, settings = configured
    assert settings["backend"] == "cpu"
    assert settings["matmul_precision"] == "highest"
    if "note" not in settings:  # nothing started JAX before the fixture did
        assert settings["threads"] == settings["intra_op_threads"] == THREADS
        assert settings["NPROC"] == str(THREADS)
        if sys.platform == "linux":
            assert settings["xla_cpu_pool_threads"] == THREADS
    # A second call cannot resize the running backend: it says so and reports what is in force.
    again = runner.configure(THREADS + 1, "cpu")
    assert again["threads"] == settings["threads"]
    assert "already started" in again["note"]


def test_version_and_devices(runner: Runner) -> None:
    import jax

    assert runner.framework_version().startswith(jax.__version__)
    assert runner.device_available("cpu") is None
    assert "does not support device" in runner.device_available("tpu-ish")
    if not any(d.platform == "gpu" for d in jax.devices()):
        assert "GPU" in runner.device_available("cuda")


def test_unsupported_variants_and_gemm_training_are_refused(runner: Runner) -> None:
    assert runner.unsupported_reason("inference", "jit", "cpu") is None
    assert runner.unsupported_reason("training", "jit", "cpu") is None
    assert "no variant 'eager'" in runner.unsupported_reason("inference", "eager", "cpu")
    spec = workloads.get_spec("gemm")
    with pytest.raises(ValueError, match="no parameters to train"):
        runner.build(spec, workload_data.make_weights(spec), mode="training", variant="jit", device="cpu")


@pytest.mark.parametrize("name", workloads.TOY_WORKLOADS)
def test_inference_matches_reference(runner: Runner, name: str) -> None:
    spec = workloads.get_spec(name, "small")
    weights = workload_data.make_weights(spec)
    x, y = workload_data.make_batch(spec, 3)
    prepared = runner.build(spec, weights, mode="inference", variant="jit", device="cpu")
    out = prepared.infer(x)
    check = workload_data.check_output(spec, out, workload_data.reference_forward(spec, weights, x))
    assert out.dtype == np.float32
    assert check.ok, check
    assert prepared.make_step(x, y)() is not None  # the step returns what it computed
    assert prepared.device_memory_peak_mb() is None  # the CPU has no device memory to report


@pytest.mark.parametrize("name", ["mlp", "cnn", "transformer"])
def test_training_losses_match_reference(runner: Runner, name: str) -> None:
    spec = workloads.get_spec(name, "small")
    weights = workload_data.make_weights(spec)
    x, y = workload_data.make_batch(spec, 4)
    prepared = runner.build(spec, weights, mode="training", variant="jit", device="cpu")
    losses = prepared.train_losses(x, y, TRAIN_STEPS)
    expected = workload_data.reference_train_losses(spec, weights, x, y, TRAIN_STEPS)
    check = workload_data.check_losses(spec, losses, expected)
    assert check.ok, (losses, expected)
    assert losses[-1] < losses[0]  # the optimiser really updates the weights


def test_training_step_waits_for_its_work_and_train_losses_restart(runner: Runner) -> None:
    import jax

    spec = workloads.get_spec("mlp", "small")
    weights = workload_data.make_weights(spec)
    x, y = workload_data.make_batch(spec, 8)
    prepared = runner.build(spec, weights, mode="training", variant="jit", device="cpu")
    first = prepared.train_losses(x, y, TRAIN_STEPS)
    step = prepared.make_step(x, y)
    for _ in range(3):
        assert step() is not None
        # The step returned only after every updated parameter and momentum buffer was computed.
        leaves = jax.tree.leaves((prepared._params, prepared._velocity))
        assert leaves and all(leaf.is_ready() for leaf in leaves)
    # The timed steps trained on; train_losses starts again from the initial weights.
    assert prepared.train_losses(x, y, TRAIN_STEPS) == first


def test_unsynced_testing_step_does_the_same_work_without_waiting(runner: Runner) -> None:
    spec = workloads.get_spec("mlp", "small")
    weights = workload_data.make_weights(spec)
    x, y = workload_data.make_batch(spec, 8)
    prepared = runner.build(spec, weights, mode="training", variant="jit", device="cpu")
    expected = prepared.train_losses(x, y, 3)
    prepared.reset()
    unsynced = runner.make_unsynced_step_for_testing(prepared, x, y)
    assert unsynced() is not None
    assert unsynced() is not None
    # Two unsynced steps really trained: the next loss is the reference's third.
    x_dev, y_dev = prepared.put_input(x, y)
    assert float(prepared.train_once(x_dev, y_dev)) == pytest.approx(expected[2], rel=1e-6)

    inference = runner.build(spec, weights, mode="inference", variant="jit", device="cpu")
    assert runner.make_unsynced_step_for_testing(inference, x)() is not None


@pytest.mark.gpu
def test_gpu_inference_matches_reference_and_reports_memory(runner: Runner) -> None:
    reason = runner.device_available("cuda")
    if reason is not None:
        pytest.skip(reason)
    spec = workloads.get_spec("mlp", "small")
    weights = workload_data.make_weights(spec)
    x, y = workload_data.make_batch(spec, 16)
    prepared = runner.build(spec, weights, mode="training", variant="jit", device="cuda")
    losses = prepared.train_losses(x, y, TRAIN_STEPS)
    assert workload_data.check_losses(spec, losses, workload_data.reference_train_losses(spec, weights, x, y, 3)).ok
    check = workload_data.check_output(spec, prepared.infer(x), workload_data.reference_forward(spec, weights, x))
    assert check.ok, check
    assert prepared.make_step(x, y)() is not None  # the step returns what it computed
    peak = prepared.device_memory_peak_mb()
    assert peak is not None and peak > 0


def test_thread_settings_reach_a_fresh_process() -> None:
    # A fresh interpreter, as in the benchmark child: importing the runner, asking its version and whether
    # a GPU is there must not start JAX's backend, so configure can still size its CPU thread pool.
    script = (
        "import json\n"
        "from fwtui.bench.runner import load_runner\n"
        "runner = load_runner('jax')\n"
        "from jax._src import xla_bridge\n"
        "runner.framework_version()\n"
        "reason = runner.device_available('cuda')\n"
        "started_early = xla_bridge.backends_are_initialized()\n"
        "print(json.dumps({'reason': reason, 'started_early': started_early,\n"
        "                  'settings': runner.configure(1, 'cpu')}))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True
    )
    report = json.loads(done.stdout.strip().splitlines()[-1])
    if report["reason"] is None:
        pytest.skip("a GPU is visible: checking it starts the backend by design")
    settings = report["settings"]
    assert report["started_early"] is False
    assert "note" not in settings
    assert settings["threads"] == 1
    assert settings["NPROC"] == "1"
    assert "--xla_cpu_multi_thread_eigen=false" in settings["XLA_FLAGS"]
    if sys.platform == "linux":  # the running pool really has the size asked for
        assert settings["xla_cpu_pool_threads"] == 1

"""The Runner contract: every registered runner, installed here, passes the same checks on its real framework.

One module-scoped fixture is parametrised over the whole registry (``fwtui.frameworks.BENCHMARK_FRAMEWORKS``,
plugins included), so a new framework is checked as soon as its registry line exists; frameworks that are
not installed are skipped. Each runner is configured once, as a benchmark child would.
"""

from __future__ import annotations

import json
import re

import pytest

from fwtui.bench.runner import Runner, load_runner
from fwtui.bench.workload_data import (
    check_losses,
    check_output,
    make_batch,
    make_weights,
    reference_forward,
    reference_train_losses,
)
from fwtui.bench.workloads import GEMM_TRAINING_REASON, WORKLOADS, get_spec
from fwtui.frameworks import BENCHMARK_FRAMEWORKS, MODES, Framework, installed_version

TRAINABLE = [name for name in WORKLOADS if get_spec(name).trainable]
TRAIN_STEPS = 3


@pytest.fixture(scope="module", params=[pytest.param(fw, id=fw.name) for fw in BENCHMARK_FRAMEWORKS])
def runner(request: pytest.FixtureRequest) -> Runner:
    framework: Framework = request.param
    if installed_version(framework.distributions) is None:
        pytest.skip(f"{framework.display} is not installed")
    return load_runner(framework)


def test_declares_its_facts_from_the_registry(runner: Runner) -> None:
    assert isinstance(runner, Runner)
    assert runner.variants and all(isinstance(v, str) and v for v in runner.variants)
    assert set(runner.compiled_variants) <= set(runner.variants)
    assert "inference" in runner.modes and set(runner.modes) <= set(MODES)
    assert "float32" in runner.precisions
    assert "cpu" in runner.devices
    version = runner.framework_version()
    assert isinstance(version, str) and version.strip()


def test_unsupported_reasons_are_sentences(runner: Runner) -> None:
    for reason in (
        runner.unsupported_reason("inference", "no-such-variant", "cpu"),
        runner.unsupported_reason("serving", runner.variants[0], "cpu"),
    ):
        assert isinstance(reason, str) and reason.strip()
    for mode in MODES:
        for variant in runner.variants:
            reason = runner.unsupported_reason(mode, variant, "cpu")
            assert reason is None or (isinstance(reason, str) and reason.strip())
    if not runner.framework.trains:
        assert runner.unsupported_reason("training", runner.variants[0], "cpu") == runner.framework.cannot_train


def test_configure_returns_the_settings_in_force(runner: Runner) -> None:
    settings = runner.configure(1, "cpu")
    assert isinstance(settings, dict) and settings
    json.dumps(settings)  # stored with every result
    threads = settings.get("intra_op_threads")
    assert isinstance(threads, int) and threads >= 1


def test_devices(runner: Runner) -> None:
    assert runner.device_available("cpu") is None
    for bogus in ("quantum", "cuda:x"):
        reason = runner.device_available(bogus)
        assert isinstance(reason, str) and reason.strip()


@pytest.mark.parametrize("workload", WORKLOADS)
def test_inference_agrees_with_the_reference_and_the_step_runs(runner: Runner, workload: str) -> None:
    spec = get_spec(workload)
    weights = make_weights(spec)
    x, y = make_batch(spec, 3)
    if _refused(runner, workload, "inference"):
        return
    prepared = runner.build(spec, weights, mode="inference", variant=runner.variants[0], device="cpu")
    check = check_output(spec, prepared.infer(x), reference_forward(spec, weights, x))
    assert check.ok, check
    assert prepared.make_step(x, y)() is None
    assert prepared.device_memory_peak_mb() is None  # the CPU has no device memory to report


@pytest.mark.parametrize("workload", TRAINABLE)
def test_training_losses_agree_with_the_reference_and_the_step_runs(runner: Runner, workload: str) -> None:
    spec = get_spec(workload)
    weights = make_weights(spec)
    x, y = make_batch(spec, 4)
    assert y is not None
    variant = runner.variants[0]
    if _refused(runner, workload, "training"):
        return
    if not runner.framework.trains:
        with pytest.raises(ValueError, match=runner.framework.cannot_train or ""):
            runner.build(spec, weights, mode="training", variant=variant, device="cpu")
        return
    prepared = runner.build(spec, weights, mode="training", variant=variant, device="cpu")
    losses = prepared.train_losses(x, y, TRAIN_STEPS)
    check = check_losses(spec, losses, reference_train_losses(spec, weights, x, y, TRAIN_STEPS))
    assert check.ok, (losses, check)
    assert prepared.make_step(x, y)() is None


def _refused(runner: Runner, workload: str, mode: str) -> bool:
    """A workload the framework never runs is refused with its registry reason; True when it was."""
    reason = runner.framework.workload_reason(workload)
    if reason is None:
        return False
    spec = get_spec(workload)
    with pytest.raises(ValueError, match=re.escape(reason)):
        runner.build(spec, make_weights(spec), mode=mode, variant=runner.variants[0], device="cpu")
    return True


def test_gemm_does_not_train(runner: Runner) -> None:
    spec = get_spec("gemm")
    if _refused(runner, "gemm", "training"):
        return
    with pytest.raises(ValueError, match=runner.framework.cannot_train or GEMM_TRAINING_REASON):
        runner.build(spec, make_weights(spec), mode="training", variant=runner.variants[0], device="cpu")


@pytest.mark.slow
def test_every_variant_agrees_with_the_reference(runner: Runner) -> None:
    spec = get_spec("mlp")
    weights = make_weights(spec)
    x, y = make_batch(spec, 2)
    for variant in runner.variants:
        if runner.unsupported_reason("inference", variant, "cpu") is not None:
            continue  # unavailable here (no compiler, say), with its reason
        prepared = runner.build(spec, weights, mode="inference", variant=variant, device="cpu")
        check = check_output(spec, prepared.infer(x), reference_forward(spec, weights, x))
        assert check.ok, (variant, check)
        assert prepared.make_step(x, y)() is None

"""Precision as a dimension: every (framework, precision) pair gives a result in that precision that meets the
precision's tolerance, or a clear reason; a build never falls back to float32 silently; results record it."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from fwtui.bench.generation import check_input, next_token_agreement, scenario_step
from fwtui.bench.plan import Selection, expand
from fwtui.bench.reference_checks import training_check
from fwtui.bench.runner import Runner, load_runner
from fwtui.bench.spec import RunSpec
from fwtui.bench.workload_data import (
    OutputCheck,
    check_losses,
    check_output,
    make_batch,
    make_weights,
    reference_forward,
    reference_train_losses,
    tolerance_rel,
)
from fwtui.bench.workloads import get_spec
from fwtui.errors import UsageError
from fwtui.frameworks import ALL_PRECISIONS, BENCHMARK_FRAMEWORKS, BY_NAME, Framework, installed_version

REDUCED = ("bfloat16", "float16", "int8")


@pytest.fixture(scope="module", params=[pytest.param(fw, id=fw.name) for fw in BENCHMARK_FRAMEWORKS])
def runner(request: pytest.FixtureRequest) -> Runner:
    framework: Framework = request.param
    if installed_version(framework.distributions) is None:
        pytest.skip(f"{framework.display} is not installed")
    loaded = load_runner(framework)
    loaded.configure(1, "cpu")
    return loaded


@pytest.mark.parametrize("workload", ["mlp", "bert-base", "gpt2"])
@pytest.mark.parametrize("precision", REDUCED)
def test_each_precision_runs_in_it_or_says_why(runner: Runner, precision: str, workload: str) -> None:
    spec = get_spec(workload)
    reason = runner.precision_reason(spec, precision, mode="inference", device="cpu")
    weights = make_weights(spec)
    never = runner.framework.workload_reason(workload)
    if never is not None:
        # A workload the framework never runs is refused for that reason first, whatever the precision.
        with pytest.raises(ValueError, match=re.escape(never)):
            runner.build(spec, weights, mode="inference", variant=runner.variants[0], device="cpu",
                         precision=precision)
        return
    if reason is not None:
        # Not declared by the framework, or not for this model (PyTorch's int8 covers linear layers only).
        assert reason.strip()
        assert precision not in runner.precisions or "linear" in reason
        with pytest.raises(ValueError, match=re.escape(reason)):
            runner.build(spec, weights, mode="inference", variant=runner.variants[0], device="cpu",
                         precision=precision)
        return
    prepared = runner.build(spec, weights, mode="inference", variant=runner.variants[0], device="cpu",
                            precision=precision)
    assert prepared.compute_precision() == precision  # type: ignore[attr-defined]
    x, y = make_batch(spec, 3)
    expected = reference_forward(spec, weights, x)
    actual = prepared.infer(check_input(spec, x, expected))
    check = check_output(spec, actual, expected, precision)
    assert check.ok, check
    # Reduced precision is not float32: the error is visible, and bounded by the precision's tolerance.
    assert check.max_rel_error > 1e-5
    assert check.tolerance > check_output(spec, expected, expected).tolerance
    assert next_token_agreement(actual, expected) >= 0.75
    for measurement in RunSpec(runner.name, workload, "inference", runner.variants[0]).measurements():
        assert scenario_step(prepared, measurement.scenario, x, y)() is not None  # what it computed


@pytest.mark.parametrize("workload", ["mlp", "bert-base", "resnet50"])
def test_bfloat16_training_follows_the_reference_or_says_why(runner: Runner, workload: str) -> None:
    spec = get_spec(workload)
    reason = runner.precision_reason(spec, "bfloat16", mode="training", device="cpu")
    if not runner.framework.trains or reason is not None:
        assert reason or runner.framework.cannot_train
        return
    weights = make_weights(spec)
    x, y = make_batch(spec, 4)
    assert y is not None
    prepared = runner.build(spec, weights, mode="training", variant=runner.variants[0], device="cpu",
                            precision="bfloat16")
    assert prepared.compute_precision() == "bfloat16"  # type: ignore[attr-defined]
    losses = prepared.train_losses(x, y, 3)
    check = check_losses(spec, losses, reference_train_losses(spec, weights, x, y, 3), "bfloat16")
    assert check.ok and check.max_rel_error > 1e-6, (losses, check)


def _torch_bfloat16_losses(workload: str, *, weights_dtype: str = "float32", update: bool = True) -> OutputCheck:
    """A PyTorch bfloat16 training path, honest (autocast over float32 weights) or with one thing wrong, and its
    check against the reference."""
    torch = pytest.importorskip("torch")
    import torch.nn.functional as F

    from fwtui.bench.runners.torch_models import load_weights, make_module

    spec = get_spec(workload)
    weights = make_weights(spec)
    x, y = make_batch(spec, 4, seed=2)
    assert y is not None
    module = make_module(spec)
    load_weights(module, spec, weights)
    module.train().to(getattr(torch, weights_dtype))
    optimiser = torch.optim.SGD([p for p in module.parameters() if p.requires_grad], lr=spec.learning_rate,
                                momentum=spec.momentum)
    losses = []
    for _ in range(3):
        optimiser.zero_grad()
        with torch.autocast("cpu", dtype=torch.bfloat16):
            loss = F.cross_entropy(module(torch.from_numpy(x)).float(), torch.from_numpy(y))
        if update:
            loss.backward()
            optimiser.step()
        losses.append(float(loss.detach()))
    return check_losses(spec, losses, reference_train_losses(spec, weights, x, y, 3), "bfloat16")


@pytest.mark.parametrize("workload", ["mlp", "bert-base"])
def test_a_bfloat16_training_path_that_loses_its_updates_to_rounding_is_caught(workload: str) -> None:
    assert _torch_bfloat16_losses(workload).ok
    # Weights kept in bfloat16: each small update is rounded away (the reference updates float64 weights).
    assert not _torch_bfloat16_losses(workload, weights_dtype="bfloat16").ok


def test_a_bfloat16_resnet_step_that_never_updates_is_caught() -> None:
    assert _torch_bfloat16_losses("resnet50").ok
    assert not _torch_bfloat16_losses("resnet50", update=False).ok


@pytest.mark.parametrize("workload", ["resnet50", "bert-base"])
def test_the_benchmark_checks_bfloat16_training_on_the_timed_step(runner: Runner, workload: str) -> None:
    """The check a benchmark runs (a fresh timed step's losses): ResNet-50 on its first loss and fall, BERT step
    by step, and both pass honestly."""
    spec = get_spec(workload)
    if runner.precision_reason(spec, "bfloat16", mode="training", device="cpu") or not runner.framework.trains:
        return
    outcome = training_check(runner, spec, make_weights(spec), variant=runner.variants[0], device="cpu",
                             precision="bfloat16")
    assert outcome.check is not None and outcome.check.ok, outcome
    assert ("chaotic in bfloat16" in outcome.what) == (workload == "resnet50")
    assert outcome.check.tolerance == tolerance_rel(spec, "training", "bfloat16")


def test_reduced_precisions_do_not_train_in_float16_or_int8(runner: Runner) -> None:
    spec = get_spec("mlp")
    for precision in ("float16", "int8"):
        reason = runner.precision_reason(spec, precision, mode="training", device="cpu")
        assert reason and reason.strip()


def test_the_registry_gives_a_reason_for_every_precision_it_does_not_declare() -> None:
    for fw in BENCHMARK_FRAMEWORKS:
        for precision in ALL_PRECISIONS:
            reason = fw.precision_reason(precision)
            assert (reason is None) == (precision in fw.precisions), (fw.name, precision)
    assert BY_NAME["onnxruntime"].precision_reason("bfloat16")
    assert "unknown precision" in (BY_NAME["torch"].precision_reason("float8") or "")


def test_tolerances_grow_as_precision_shrinks() -> None:
    spec = get_spec("mlp")
    values = [tolerance_rel(spec, "inference", p) for p in ("float32", "float16", "bfloat16", "int8")]
    assert values == sorted(values) and len(set(values)) == 4


def test_the_plan_expands_precisions_and_marks_what_a_framework_never_runs() -> None:
    specs = expand(Selection(frameworks=["onnxruntime", "jax"], workloads=["mlp"], modes=["inference"],
                             precisions=["float32,bfloat16", "int8"], device="cpu"))
    by = {(s.framework, s.precision): s for s in specs}
    assert set(by) == {(f, p) for f in ("onnxruntime", "jax") for p in ("float32", "bfloat16", "int8")}
    assert by[("onnxruntime", "bfloat16")].status == "unsupported"
    assert by[("onnxruntime", "bfloat16")].reason == BY_NAME["onnxruntime"].precision_reason("bfloat16")
    assert by[("jax", "int8")].status == "unsupported"
    assert by[("onnxruntime", "int8")].status is None
    assert RunSpec.from_dict(json.loads(json.dumps(by[("jax", "bfloat16")].to_dict()))).precision == "bfloat16"
    assert "bfloat16" in by[("jax", "bfloat16")].label
    with pytest.raises(UsageError, match="unknown precision 'fp8'"):
        expand(Selection(precisions=["fp8"]))


@pytest.mark.slow
def test_results_record_the_precision_and_the_accuracy(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "fwtui", "bench", "-f", "onnxruntime", "-w", "mlp", "-m", "inference",
         "--precision", "int8,bfloat16", "--db", str(tmp_path / "r.duckdb"), "--json", "--repetitions", "1"],
        capture_output=True, text=True, timeout=600, env=os.environ,
    )
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    by = {(r["dtype"], r["scenario"]): r for r in records}
    assert by[("bfloat16", "latency")]["status"] == "unsupported" and by[("bfloat16", "latency")]["reason"]
    int8 = by[("int8", "latency")]
    assert int8["status"] == "ok", int8["reason"]
    assert 0 < int8["max_rel_error"] <= int8["details"]["tolerance_rel"] == tolerance_rel(get_spec("mlp"), "inference", "int8")
    # Top-1 agreement over the check batch (the smallest timed batch of at least 4: the throughput batch here):
    # int8 may flip a near-tie, never many.
    assert 0.95 <= int8["details"]["agreement"] <= 1.0
    assert f"batch of {by[('int8', 'throughput')]['batch_size']} " in int8["details"]["check"]

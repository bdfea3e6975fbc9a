"""The real models (ResNet-50 v1.5, BERT-base, GPT-2 small): their structure at full size, the float64
reference's new operations and generation, and one full-size inference check per model in PyTorch.

The reduced configurations run in every framework through tests/test_runner_contract.py.
"""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from fwtui.bench import reference as ref
from fwtui.bench.generation import check_input, next_token_agreement
from fwtui.bench.models import reference as model_ref
from fwtui.bench.models import resnet
from fwtui.bench.spec import RunSpec
from fwtui.bench.workload_data import check_output, make_batch, make_weights, reference_forward
from fwtui.bench.workloads import flops_per_sample, get_spec, parameter_count, training_unsupported_reason


def test_full_sizes_are_the_published_models() -> None:
    # torchvision's resnet50, Hugging Face's gpt2; BERT-base without token types but with a 2-class head.
    assert parameter_count(get_spec("resnet50", "large")) == 25_557_032
    assert parameter_count(get_spec("gpt2", "large")) == 124_439_808
    assert parameter_count(get_spec("bert-base", "large")) == 109_482_240 - 2 * 768 + (768 * 2 + 2)
    # ResNet-50 is about 4.1 GMACs per 224x224 image.
    assert 8.0e9 < flops_per_sample(get_spec("resnet50", "large"), "inference") < 8.4e9
    bert = get_spec("bert-base", "large")
    assert (bert.layers, bert.width, bert.heads, bert.seq_len) == (12, 768, 12, 128)
    blocks = resnet.blocks(get_spec("resnet50", "large"))
    assert [b.stride for b in blocks if b.has_projection] == [1, 2, 2, 2]
    assert len(blocks) == 16 and blocks[-1].out_channels == 2048 and blocks[-1].out_size == 7


def test_gpt2_measures_prefill_and_decode_and_does_not_train() -> None:
    spec = get_spec("gpt2")
    scenarios = [m.scenario for m in RunSpec("torch", "gpt2", "inference", "eager").measurements()]
    assert scenarios == ["prefill", "decode", "throughput"]
    assert flops_per_sample(spec, "inference", "prefill") > spec.seq_len * flops_per_sample(spec, "inference", "decode") / 2
    assert training_unsupported_reason(spec) == spec.training_reason and "not trained" in spec.training_reason


def _tiny(name: str) -> object:
    if name == "resnet50":
        return dataclasses.replace(
            get_spec(name), image_size=16, input_shape=(3, 16, 16), stem_channels=2, stages=((1, 1), (1, 1)),
            num_classes=3,
        )
    return dataclasses.replace(get_spec(name), vocab=11, positions=6, seq_len=5, input_shape=(5,), width=4,
                               heads=2, layers=1, ffn_hidden=6)


@pytest.mark.parametrize("name", ["resnet50", "bert-base"])
def test_reference_gradients_match_finite_differences(name: str) -> None:
    spec = _tiny(name)
    weights = {k: v.astype(np.float64) for k, v in make_weights(spec).items()}  # type: ignore[arg-type]
    x, y = make_batch(spec, 2)  # type: ignore[arg-type]
    assert y is not None
    _, grads = ref.loss_and_gradients(spec, weights, x, y)  # type: ignore[arg-type]
    rng = np.random.default_rng(0)
    eps, worst = 1e-6, 0.0
    with ref.blas_threads_limited():
        for name_, grad in grads.items():
            for flat in rng.choice(grad.size, size=min(grad.size, 4), replace=False):
                idx = np.unravel_index(flat, grad.shape)
                plus, minus = dict(weights), dict(weights)
                plus[name_], minus[name_] = weights[name_].copy(), weights[name_].copy()
                plus[name_][idx] += eps
                minus[name_][idx] -= eps
                numeric = (ref.loss_and_gradients(spec, plus, x, y)[0]  # type: ignore[arg-type]
                           - ref.loss_and_gradients(spec, minus, x, y)[0]) / (2 * eps)  # type: ignore[arg-type]
                worst = max(worst, abs(numeric - grad[idx]) / max(1e-3, abs(numeric) + abs(grad[idx])))
    assert worst < 1e-5


def test_max_pool_ignores_padding_and_routes_the_gradient_to_the_maximum() -> None:
    x = -np.arange(16, dtype=np.float64).reshape(1, 1, 4, 4) - 1.0  # all negative: zero padding would win
    t = ref.Tensor(x)
    out = model_ref.max_pool(t, 3, 2, 1)
    np.testing.assert_array_equal(out.value[0, 0], [[-1.0, -2.0], [-5.0, -6.0]])
    ref.backward(out)
    assert t.grad is not None and t.grad.sum() == 4 and t.grad[0, 0, 0, 0] == 1


def test_gpt2_cache_gives_what_recomputing_the_whole_sequence_gives() -> None:
    spec = get_spec("gpt2")
    weights = {k: v.astype(np.float64) for k, v in make_weights(spec).items()}
    prompt, _ = make_batch(spec, 2)
    logits = model_ref.gpt2_generate(spec, weights, prompt)
    fed = check_input(spec, prompt, logits)
    assert fed.shape == (2, spec.seq_len + spec.new_tokens - 1)
    for i in range(spec.new_tokens):
        recomputed, _ = model_ref.gpt2_step(spec, weights, fed[:, : spec.seq_len + i], None)
        np.testing.assert_allclose(recomputed, logits[:, i], rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(model_ref.gpt2_teacher_forced(spec, weights, fed), logits, rtol=1e-10, atol=1e-10)
    assert next_token_agreement(logits, logits) == 1.0
    assert next_token_agreement(-logits, logits) < 1.0


@pytest.mark.slow
@pytest.mark.parametrize("name", ["resnet50", "bert-base", "gpt2"])
def test_full_size_inference_in_pytorch_agrees_with_the_reference(name: str) -> None:
    from fwtui.bench.runner import load_runner

    spec = get_spec(name, "large")
    weights = make_weights(spec)
    x, _ = make_batch(spec, 1)
    runner = load_runner("torch")
    runner.configure(2, "cpu")
    prepared = runner.build(spec, weights, mode="inference", variant="eager", device="cpu")
    expected = reference_forward(spec, weights, x)
    actual = prepared.infer(check_input(spec, x, expected))
    check = check_output(spec, actual, expected)
    assert check.ok, check
    assert next_token_agreement(actual, expected) == 1.0


@pytest.mark.slow
def test_bench_records_generation_scenarios_and_model_size(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "fwtui", "bench", "-f", "onnxruntime", "-w", "gpt2", "-m", "inference",
         "--db", str(tmp_path / "r.duckdb"), "--json", "--repetitions", "1"],
        capture_output=True, text=True, timeout=600, env=os.environ,
    )
    assert result.returncode == 0, result.stderr
    records = {r["scenario"]: r for r in map(json.loads, result.stdout.splitlines())}
    assert set(records) == {"prefill", "decode", "throughput"}
    spec = get_spec("gpt2")
    for scenario, record in records.items():
        assert record["status"] == "ok", record["reason"]
        assert record["flops_per_sample"] == flops_per_sample(spec, "inference", scenario)
        assert record["details"]["parameters"] == parameter_count(spec)
        assert record["details"]["weight_bytes"] == 4 * sum(w.size for w in make_weights(spec).values())
        assert record["peak_rss_mb"] > 0
    assert records["throughput"]["batch_size"] == spec.throughput_batch

"""Each workload's tolerance catches the corruptions that used to pass, and still passes honest float32.

The corrupted outputs are the float64 reference computed with one thing wrong, rounded to float32 like any
framework's output: weights rounded to float16, GELU's tanh approximation instead of erf, LayerNorm with
eps 1e-3 instead of 1e-5. A float32 evaluation of the correct model (the weights and inputs are float32
already, so only the arithmetic differs) is the honest side: torch in float32 stands in for every framework.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from fwtui.bench import reference, workload_data, workloads

CASES = [(name, size) for name in ("mlp", "cnn", "transformer") for size in ("small", "medium")]


def _check(spec: workloads.WorkloadSpec, output: np.ndarray, expected: np.ndarray) -> workload_data.OutputCheck:
    return workload_data.check_output(spec, output.astype(np.float32), expected)


def _inputs(name: str, size: str) -> tuple[workloads.WorkloadSpec, dict[str, np.ndarray], np.ndarray, np.ndarray]:
    spec = workloads.get_spec(name, size)
    weights = workload_data.make_weights(spec)
    x, _ = workload_data.make_batch(spec, 4, seed=2)
    return spec, weights, x, reference.forward(spec, weights, x)


def _tanh_gelu(t: reference.Tensor) -> reference.Tensor:
    v = t.value
    return reference.Tensor(0.5 * v * (1.0 + np.tanh(math.sqrt(2.0 / math.pi) * (v + 0.044715 * v**3))))


@pytest.mark.parametrize(("name", "size"), CASES)
def test_float16_rounded_weights_are_caught(name: str, size: str) -> None:
    spec, weights, x, expected = _inputs(name, size)
    rounded = {k: w.astype(np.float16).astype(np.float32) for k, w in weights.items()}
    assert not _check(spec, reference.forward(spec, rounded, x), expected).ok


@pytest.mark.parametrize("size", ["small", "medium"])
def test_tanh_gelu_is_caught(monkeypatch: pytest.MonkeyPatch, size: str) -> None:
    spec, weights, x, expected = _inputs("transformer", size)
    monkeypatch.setattr(reference, "gelu", _tanh_gelu)
    assert not _check(spec, reference.forward(spec, weights, x), expected).ok


@pytest.mark.parametrize("size", ["small", "medium"])
def test_layer_norm_eps_1e_3_is_caught(monkeypatch: pytest.MonkeyPatch, size: str) -> None:
    spec, weights, x, expected = _inputs("transformer", size)
    monkeypatch.setattr(reference, "LN_EPS", 1e-3)
    assert not _check(spec, reference.forward(spec, weights, x), expected).ok


@pytest.mark.parametrize(("name", "size"), CASES)
def test_honest_float32_passes(name: str, size: str) -> None:
    torch = pytest.importorskip("torch")
    from fwtui.bench.runners.torch_models import load_weights, make_module

    spec, weights, x, expected = _inputs(name, size)
    module = make_module(spec)
    load_weights(module, spec, weights)
    module.eval()
    with torch.inference_mode():
        output = module(torch.from_numpy(x)).numpy()
    check = _check(spec, output, expected)
    assert check.ok, check

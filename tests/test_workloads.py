"""The workload definitions and the float64 NumPy reference (forward, gradients, SGD training)."""

from __future__ import annotations

import dataclasses
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fwtui.bench import reference as ref
from fwtui.bench.workload_data import (
    LOSS_FLOOR,
    check_losses,
    check_output,
    make_batch,
    make_weights,
    reference_forward,
    reference_train_losses,
    tolerance_rel,
)
from fwtui.bench.workloads import (
    GEMM_TRAINING_REASON,
    SIZES,
    WORKLOADS,
    all_specs,
    cnn_blocks,
    flops_per_sample,
    get_spec,
    trainable_names,
    training_unsupported_reason,
    weight_shapes,
)

# Tiny versions of each trainable workload: every op and both kinds of residual block, small enough to
# check every gradient entry by finite differences.
TINY = {
    "mlp": dataclasses.replace(get_spec("mlp"), input_shape=(5,), hidden=(7, 6), num_classes=4),
    "cnn": dataclasses.replace(
        get_spec("cnn"),
        input_shape=(2, 6, 6),
        image_size=6,
        stem_channels=2,
        stages=((2, 1), (3, 1)),
        num_classes=3,
    ),
    "transformer": dataclasses.replace(
        get_spec("transformer"),
        input_shape=(4, 8),
        seq_len=4,
        width=8,
        heads=2,
        layers=2,
        ffn_hidden=12,
        num_classes=3,
    ),
}


@pytest.fixture(autouse=True, scope="module")
def _single_threaded_blas():
    # The finite-difference checks run thousands of tiny products, which BLAS threads only slow down.
    with ref.blas_threads_limited():
        yield


def test_every_workload_has_every_size() -> None:
    for name in WORKLOADS:
        for size in SIZES:
            spec = get_spec(name, size)
            assert (spec.name, spec.size) == (name, size)
            assert spec.key == f"{name}/{size}"
    assert len(all_specs()) == len(WORKLOADS) * len(SIZES)
    assert {s.name for s in all_specs("small")} == set(WORKLOADS)


def test_unknown_names_raise_with_the_valid_choices() -> None:
    with pytest.raises(KeyError, match="mlp, cnn, transformer, gemm"):
        get_spec("resnet")
    with pytest.raises(KeyError, match="small, medium, large"):
        get_spec("mlp", "huge")


def test_sizes_grow() -> None:
    for name in WORKLOADS:
        flops = [flops_per_sample(get_spec(name, size), "inference") for size in SIZES]
        assert flops == sorted(flops) and len(set(flops)) == 3, name


def test_small_shapes_follow_the_definition() -> None:
    assert get_spec("mlp").input_shape == (256,)
    assert get_spec("cnn").input_shape == (3, 32, 32)
    transformer = get_spec("transformer")
    assert transformer.input_shape == (transformer.seq_len, transformer.width)
    assert transformer.width % transformer.heads == 0
    assert get_spec("gemm").input_shape == (1024, 1024)


def test_gemm_does_not_train() -> None:
    gemm = get_spec("gemm")
    assert not gemm.trainable
    assert training_unsupported_reason(gemm) == GEMM_TRAINING_REASON
    assert trainable_names(gemm) == []
    assert training_unsupported_reason(get_spec("mlp")) is None
    with pytest.raises(ValueError, match="does not train"):
        reference_train_losses(gemm, make_weights(gemm), *make_batch(gemm, 1), steps=1)  # type: ignore[arg-type]


def test_mlp_weights_use_in_out_layout() -> None:
    shapes = weight_shapes(get_spec("mlp"))
    assert shapes == {
        "fc1.weight": (256, 512),
        "fc1.bias": (512,),
        "fc2.weight": (512, 512),
        "fc2.bias": (512,),
        "fc3.weight": (512, 10),
        "fc3.bias": (10,),
    }


def test_cnn_structure_has_a_downsampling_projection_block() -> None:
    spec = get_spec("cnn")
    blocks = cnn_blocks(spec)
    assert [(b.in_channels, b.out_channels, b.stride, b.has_projection) for b in blocks] == [
        (16, 16, 1, False),
        (16, 32, 2, True),
    ]
    shapes = weight_shapes(spec)
    assert shapes["stem.conv.weight"] == (16, 3, 3, 3)  # OIHW
    assert shapes["block1.proj.weight"] == (32, 16, 1, 1)
    assert "block0.proj.weight" not in shapes
    assert shapes["fc.weight"] == (32, 10)
    assert "block1.proj_bn.running_var" in shapes
    assert "block1.proj_bn.running_var" not in trainable_names(spec)


def test_transformer_weight_names() -> None:
    spec = get_spec("transformer")
    shapes = weight_shapes(spec)
    width = spec.width
    for layer in range(spec.layers):
        for proj in "qkvo":
            assert shapes[f"layer{layer}.attn.{proj}.weight"] == (width, width)
        assert shapes[f"layer{layer}.ffn.fc1.weight"] == (width, 4 * width)
        assert shapes[f"layer{layer}.ln2.bias"] == (width,)
    assert shapes["head.weight"] == (width, spec.num_classes)


@pytest.mark.parametrize("name", WORKLOADS)
def test_weights_are_deterministic_float32_with_the_declared_shapes(name: str) -> None:
    spec = get_spec(name)
    first, again, other = make_weights(spec), make_weights(spec), make_weights(spec, seed=7)
    assert list(first) == list(weight_shapes(spec))
    for key, value in first.items():
        assert value.dtype == np.float32
        assert value.shape == weight_shapes(spec)[key]
        assert np.array_equal(value, again[key])
        assert not np.array_equal(value, other[key])
        if key.endswith("running_var"):
            assert value.min() > 0


@pytest.mark.parametrize("name", WORKLOADS)
def test_batches_are_deterministic(name: str) -> None:
    spec = get_spec(name)
    x, y = make_batch(spec, 3)
    x2, y2 = make_batch(spec, 3)
    x3, _ = make_batch(spec, 3, seed=2)
    assert x.dtype == (np.int64 if spec.tokens else np.float32)
    if spec.tokens:
        assert x.min() >= 0 and x.max() < spec.vocab
    assert np.array_equal(x, x2)
    assert not np.array_equal(x, x3)
    if name == "gemm":
        assert x.shape == spec.input_shape and y is None
        assert make_batch(spec, 64)[0].shape == spec.input_shape  # the batch size does not apply to gemm
    else:
        assert y is not None and y2 is not None
        assert x.shape == (3, *spec.input_shape)
        assert y.dtype == np.int64 and np.array_equal(y, y2)
        assert y.min() >= 0 and y.max() < spec.num_classes


def test_bad_batch_size_is_rejected() -> None:
    with pytest.raises(ValueError):
        make_batch(get_spec("mlp"), 0)


@pytest.mark.parametrize("name", WORKLOADS)
def test_reference_forward_shapes_and_scale(name: str) -> None:
    spec = get_spec(name)
    weights = make_weights(spec)
    x, _ = make_batch(spec, 2)
    out = reference_forward(spec, weights, x)
    assert out.dtype == np.float64
    if name == "gemm":
        assert out.shape == (spec.n, spec.n)
        np.testing.assert_allclose(out, x.astype(np.float64) @ weights["b"].astype(np.float64))
    elif spec.new_tokens:  # gpt2: the logits that chose each generated token
        assert out.shape == (2, spec.new_tokens, spec.vocab)
        assert 0.05 < np.abs(out).max() < 50
    else:
        assert out.shape == (2, spec.num_classes)
        # The initialisation keeps logits O(1): neither vanishing nor exploding through the depth.
        assert 0.05 < np.abs(out).max() < 50
        # Each sample's logits depend only on that sample.
        np.testing.assert_allclose(reference_forward(spec, weights, x[:1]), out[:1], rtol=1e-12, atol=1e-12)


def test_mlp_reference_is_the_textbook_formula() -> None:
    spec = get_spec("mlp")
    w = {k: v.astype(np.float64) for k, v in make_weights(spec).items()}
    x, _ = make_batch(spec, 4)
    h = np.maximum(x @ w["fc1.weight"] + w["fc1.bias"], 0)
    h = np.maximum(h @ w["fc2.weight"] + w["fc2.bias"], 0)
    np.testing.assert_allclose(reference_forward(spec, w, x), h @ w["fc3.weight"] + w["fc3.bias"], rtol=1e-12)


def _naive_conv(x: np.ndarray, w: np.ndarray, stride: int, pad: int) -> np.ndarray:
    n, _, h, wd = x.shape
    o, _, kh, kw = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    ho, wo = (h + 2 * pad - kh) // stride + 1, (wd + 2 * pad - kw) // stride + 1
    out = np.zeros((n, o, ho, wo))
    for i in range(ho):
        for j in range(wo):
            patch = xp[:, :, i * stride : i * stride + kh, j * stride : j * stride + kw]
            out[:, :, i, j] = np.einsum("nchw,ochw->no", patch, w)
    return out


@settings(max_examples=25, deadline=None)
@given(
    n=st.integers(1, 2),
    c=st.integers(1, 3),
    o=st.integers(1, 3),
    size=st.integers(3, 7),
    kernel=st.sampled_from([1, 3]),
    stride=st.integers(1, 2),
    pad=st.integers(0, 1),
)
def test_conv_matches_the_direct_definition(
    n: int, c: int, o: int, size: int, kernel: int, stride: int, pad: int
) -> None:
    rng = np.random.default_rng(n * 1000 + c * 100 + o * 10 + size)
    x = rng.standard_normal((n, c, size, size))
    w = rng.standard_normal((o, c, kernel, kernel))
    out = ref.conv2d(ref.Tensor(x), ref.Tensor(w), stride, pad).value
    np.testing.assert_allclose(out, _naive_conv(x, w, stride, pad), rtol=1e-10, atol=1e-10)


def _finite_difference_check(spec, weights, x, y, eps: float = 1e-6) -> float:
    """Worst relative disagreement between analytic and central-difference gradients over all entries."""
    _, grads = ref.loss_and_gradients(spec, weights, x, y)
    worst = 0.0
    for name, grad in grads.items():
        for idx in np.ndindex(grad.shape):
            plus = dict(weights)
            minus = dict(weights)
            plus[name] = weights[name].copy()
            minus[name] = weights[name].copy()
            plus[name][idx] += eps
            minus[name][idx] -= eps
            numeric = (
                ref.loss_and_gradients(spec, plus, x, y)[0] - ref.loss_and_gradients(spec, minus, x, y)[0]
            ) / (2 * eps)
            worst = max(worst, abs(numeric - grad[idx]) / max(1e-3, abs(numeric) + abs(grad[idx])))
    return worst


@pytest.mark.parametrize("name", list(TINY))
def test_reference_gradients_match_finite_differences(name: str) -> None:
    spec = TINY[name]
    weights = {k: v.astype(np.float64) for k, v in make_weights(spec).items()}
    x, y = make_batch(spec, 3)
    assert y is not None
    assert _finite_difference_check(spec, weights, x.astype(np.float64), y) < 1e-6


def test_every_trainable_weight_gets_a_gradient() -> None:
    for spec in TINY.values():
        weights = make_weights(spec)
        x, y = make_batch(spec, 3)
        assert y is not None
        _, grads = ref.loss_and_gradients(spec, weights, x, y)
        assert set(grads) == set(trainable_names(spec))
        assert all(np.isfinite(g).all() for g in grads.values())


def test_cross_entropy_of_uniform_logits_is_log_classes() -> None:
    loss = ref.cross_entropy(ref.Tensor(np.zeros((4, 10))), np.array([0, 3, 9, 2]))
    assert float(loss.value) == pytest.approx(math.log(10))


def test_batch_norm_inference_uses_running_statistics() -> None:
    x = np.random.default_rng(0).standard_normal((2, 3, 4, 4))
    gamma, beta = np.array([1.0, 2.0, 0.5]), np.array([0.0, 0.1, -0.1])
    mean, var = np.array([0.1, -0.2, 0.3]), np.array([0.5, 1.0, 2.0])
    out = ref.batch_norm(ref.Tensor(x), ref.Tensor(gamma), ref.Tensor(beta), mean, var, training=False).value
    expected = (x - mean[None, :, None, None]) / np.sqrt(var[None, :, None, None] + 1e-5)
    expected = expected * gamma[None, :, None, None] + beta[None, :, None, None]
    np.testing.assert_allclose(out, expected, rtol=1e-12)
    train = ref.batch_norm(
        ref.Tensor(x), ref.Tensor(np.ones(3)), ref.Tensor(np.zeros(3)), mean, var, training=True
    )
    np.testing.assert_allclose(train.value.mean(axis=(0, 2, 3)), 0, atol=1e-12)


@pytest.mark.parametrize("name", ["mlp", "cnn", "transformer"])
def test_reference_training_descends_and_leaves_weights_alone(name: str) -> None:
    spec = get_spec(name)
    weights = make_weights(spec)
    before = {k: v.copy() for k, v in weights.items()}
    x, y = make_batch(spec, 4)
    assert y is not None
    losses = reference_train_losses(spec, weights, x, y, steps=3)
    assert len(losses) == 3
    assert losses[0] == pytest.approx(ref.loss_and_gradients(spec, weights, x, y)[0], rel=1e-12)
    assert losses[-1] < losses[0]
    assert all(np.array_equal(before[k], weights[k]) for k in weights)


def test_momentum_follows_the_pytorch_sgd_rule() -> None:
    spec = TINY["mlp"]
    weights = {k: v.astype(np.float64) for k, v in make_weights(spec).items()}
    x, y = make_batch(spec, 4)
    assert y is not None
    lr, m = spec.learning_rate, spec.momentum
    # By hand: v1 = g0, w1 = w0 - lr v1; v2 = m v1 + g1, w2 = w1 - lr v2.
    loss0, g0 = ref.loss_and_gradients(spec, weights, x, y)
    w1 = {k: weights[k] - lr * g0[k] for k in weights}
    loss1, g1 = ref.loss_and_gradients(spec, w1, x, y)
    w2 = {k: w1[k] - lr * (m * g0[k] + g1[k]) for k in weights}
    loss2, _ = ref.loss_and_gradients(spec, w2, x, y)
    assert reference_train_losses(spec, weights, x, y, steps=3) == pytest.approx(
        [loss0, loss1, loss2], rel=1e-12
    )


def test_flops_per_sample() -> None:
    mlp = get_spec("mlp")
    assert flops_per_sample(mlp, "inference") == 2 * (256 * 512 + 512 * 512 + 512 * 10)
    assert flops_per_sample(mlp, "training") == 3 * flops_per_sample(mlp, "inference")
    gemm = get_spec("gemm", "medium")
    assert flops_per_sample(gemm, "inference") == 2 * 2048**3
    transformer = get_spec("transformer")
    s, w = transformer.seq_len, transformer.width
    per_layer = 8 * s * w * w + 4 * s * s * w + 4 * s * w * 4 * w
    assert flops_per_sample(transformer, "inference") == transformer.layers * per_layer + 2 * w * 10
    with pytest.raises(ValueError, match="unknown mode"):
        flops_per_sample(mlp, "serving")


def test_cnn_flops_count_every_convolution() -> None:
    spec = get_spec("cnn")
    stem = 2 * 3 * 16 * 9 * 32 * 32
    block0 = 2 * (2 * 16 * 16 * 9 * 32 * 32)
    block1 = 2 * 16 * 32 * 9 * 16 * 16 + 2 * 32 * 32 * 9 * 16 * 16 + 2 * 16 * 32 * 16 * 16
    assert flops_per_sample(spec, "inference") == stem + block0 + block1 + 2 * 32 * 10


def test_check_output_accepts_float32_rounding_and_rejects_real_differences() -> None:
    spec = get_spec("mlp")
    weights = make_weights(spec)
    x, _ = make_batch(spec, 4)
    expected = reference_forward(spec, weights, x)
    good = check_output(spec, expected.astype(np.float32), expected)
    assert good.ok and good.max_abs_error < 1e-5 and good.tolerance > 0
    wrong = expected.copy()
    wrong[0, 0] += 0.05
    bad = check_output(spec, wrong, expected)
    assert not bad.ok and bad.max_abs_error == pytest.approx(0.05)
    assert bad.max_rel_error == pytest.approx(0.05 / np.abs(expected).max())
    assert not check_output(spec, expected[:2], expected).ok
    nan = expected.copy()
    nan[1, 1] = np.nan
    assert not check_output(spec, nan, expected).ok


def test_check_losses() -> None:
    spec = get_spec("mlp")
    assert check_losses(spec, [2.0, 1.5], [2.0, 1.5 * (1 + 1e-5)]).ok
    assert not check_losses(spec, [2.0, 1.4], [2.0, 1.5]).ok
    assert not check_losses(spec, [2.0], [2.0, 1.5]).ok
    assert not check_losses(spec, [2.0, float("nan")], [2.0, 1.5]).ok
    # A loss near zero (a memorised batch) is compared relative to LOSS_FLOOR, not to itself.
    near_zero = check_losses(spec, [2.0, 0.02 + 5e-6], [2.0, 0.02])
    assert near_zero.ok and near_zero.max_rel_error == pytest.approx(5e-6 / LOSS_FLOOR)
    assert not check_losses(spec, [2.0, 0.03], [2.0, 0.02]).ok


def test_a_chaotic_reduced_precision_trajectory_is_checked_on_its_first_loss_and_its_fall() -> None:
    spec = get_spec("resnet50")
    assert not spec.reduced_train_trajectory and get_spec("bert-base").reduced_train_trajectory
    assert tolerance_rel(spec, "training", "bfloat16") == tolerance_rel(spec, "inference", "bfloat16")
    expected = [2.7, 1.9, 1.6]
    # Honest bfloat16 (torch's losses): far from the reference after the first update, yet falling about as far.
    honest = check_losses(spec, [2.674, 1.544, 1.072], expected, "bfloat16")
    assert honest.ok and honest.max_rel_error == pytest.approx(0.026 / 2.7)
    assert not check_losses(spec, [2.674, 1.544, 1.072], expected).ok  # float32 keeps every step
    assert not check_losses(spec, [3.1, 1.544, 1.072], expected, "bfloat16").ok  # a wrong first loss
    never = check_losses(spec, [2.674, 2.674, 2.674], expected, "bfloat16")  # no update
    assert not never.ok and never.max_rel_error == pytest.approx(1.074 / 1.6)
    assert not check_losses(spec, [2.674, 1.544, 2.5], expected, "bfloat16").ok  # the fall undone
    assert not check_losses(spec, [2.68, 1.5, 1.0], [2.7, 2.5, 2.4], "bfloat16").ok  # 5.6x the reference's fall


def test_importing_the_workloads_loads_no_framework() -> None:
    code = (
        "import sys, fwtui.bench.workloads, fwtui.bench.reference, fwtui.bench.runners;"
        "heavy = {'torch','tensorflow','jax','jaxlib','onnxruntime','onnx','keras','sklearn'} & set(sys.modules);"
        "print(sorted(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_expensive_references_are_cached_on_disk(isolated_dirs: Path) -> None:
    spec = get_spec("gemm")  # 2 GFLOP: above the caching threshold
    weights = make_weights(spec)
    x, _ = make_batch(spec, 1)
    first = reference_forward(spec, weights, x)
    files = list((isolated_dirs / "cache" / "reference").glob("gemm-small-forward-*.npy"))
    assert len(files) == 1
    # The second call reads the file rather than recomputing: prove it by planting a marker there.
    np.save(files[0], np.full((2, 2), 7.0))
    assert np.array_equal(reference_forward(spec, weights, x), np.full((2, 2), 7.0))
    # Different inputs mean a different entry.
    x2, _ = make_batch(spec, 1, seed=5)
    np.testing.assert_allclose(reference_forward(spec, weights, x2), x2.astype(np.float64) @ weights["b"])
    # A damaged file is recomputed and replaced.
    files[0].write_bytes(b"not numpy")
    np.testing.assert_array_equal(reference_forward(spec, weights, x), first)


def test_cheap_references_are_not_cached(isolated_dirs: Path) -> None:
    spec = get_spec("mlp")
    weights = make_weights(spec)
    x, y = make_batch(spec, 4)
    assert y is not None
    reference_forward(spec, weights, x)
    reference_train_losses(spec, weights, x, y, steps=2)
    assert not (isolated_dirs / "cache" / "reference").exists()


def test_a_real_models_training_is_checked_at_its_small_size() -> None:
    from fwtui.bench.workload_data import training_check_spec

    for name in ("resnet50", "bert-base"):
        for size in ("medium", "large"):
            assert training_check_spec(get_spec(name, size), 8, 3) == get_spec(name, "small")
        assert training_check_spec(get_spec(name, "small"), 8, 3) == get_spec(name, "small")
    assert training_check_spec(get_spec("mlp", "medium"), 8, 3) == get_spec("mlp", "medium")

"""The benchmark workloads: one definition, shared by every framework.

Everything here is plain NumPy so the same weights, inputs and float64 reference outputs can be produced in
any child process, whichever framework it runs. The runners copy the canonical weights below into their own
layers; the harness compares their outputs (and training losses) with the float64 reference.

Canonical conventions every runner follows
------------------------------------------
* All tensors are float32; labels are int64. Runners compute in IEEE float32: TF32 tensor-core math, which
  some frameworks switch on by default on NVIDIA Ampere and later, is turned off so every framework does the
  same arithmetic and meets the same tolerance.
* Linear layers: ``y = x @ W + b`` with ``W`` stored as ``(in, out)`` (PyTorch's ``nn.Linear.weight`` is the
  transpose) and ``b`` as ``(out,)``.
* Convolutions: weights ``(out, in, kh, kw)`` (OIHW), no bias, inputs NCHW. Every 3x3 convolution uses explicit
  symmetric zero padding of 1 on each side, also at stride 2; 1x1 projections use no padding. (TensorFlow's
  ``padding="SAME"`` pads asymmetrically at stride 2, so it is not equivalent: pad explicitly.)
* Batch norm (``eps = 1e-5``): inference normalises with the stored ``running_mean``/``running_var``; training
  normalises with the batch statistics over (N, H, W), biased variance, and never updates the running stats
  (the training loss does not depend on them, so all frameworks agree).
* Layer norm over the last axis, ``eps = 1e-5``, with ``weight``/``bias``.
* Attention heads are contiguous slices of the width: ``q.reshape(batch, seq, heads, width // heads)``;
  scores are ``softmax(q k^T / sqrt(width // heads))``; no mask, no dropout anywhere.
* GELU is the exact erf form ``0.5 x (1 + erf(x / sqrt(2)))``.
* Loss: mean softmax cross-entropy over integer labels. Optimiser: SGD with momentum in PyTorch's form
  ``v = momentum * v + g; w -= lr * v`` (``v`` starts at zero, so the first step is ``w -= lr * g``),
  no weight decay, no nesterov; every parameter trains, including batch-norm and layer-norm affine parameters.
* ``gemm`` is the roofline kernel ``C = A @ B``: the input ``x`` is ``A`` with shape ``(n, n)`` and the single
  weight ``"b"`` is ``B``. The batch size is meaningless for it: one call is one matmul and counts as one
  sample, so samples/s = matmuls/s and ``flops_per_sample = 2 n^3``. It does not train.

Weight names per workload (see :func:`weight_shapes` for the exact shapes)
--------------------------------------------------------------------------
* ``mlp``: ``fc1.weight``, ``fc1.bias``, ... ``fc{L}.weight``, ``fc{L}.bias``; ReLU after every layer but the last.
* ``cnn``: ``stem.conv.weight``, ``stem.bn.{weight,bias,running_mean,running_var}``; then residual blocks
  ``block{i}`` (i from 0) with ``conv1.weight``, ``bn1.*``, ``conv2.weight``, ``bn2.*`` and, when the block
  changes shape, ``proj.weight`` (1x1, same stride) and ``proj_bn.*``; finally ``fc.weight``/``fc.bias``.
  Block: ``relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x))`` where ``conv1`` carries the stride and
  ``shortcut`` is the identity or ``proj_bn(proj(x))``. Global average pool over H, W before ``fc``.
* ``transformer``: per layer ``layer{l}`` (l from 0): ``attn.{q,k,v,o}.{weight,bias}``, ``ln1.{weight,bias}``,
  ``ffn.fc1.{weight,bias}``, ``ffn.fc2.{weight,bias}``, ``ln2.{weight,bias}``; then ``head.{weight,bias}``.
  Post-LN (BERT): ``h = ln1(x + o(attn(x))); x = ln2(h + fc2(gelu(fc1(h))))``; mean-pool over the sequence,
  then ``head``.
* ``gemm``: ``b``.
"""

from __future__ import annotations

import itertools
import zlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from collections.abc import Sequence

WORKLOADS: tuple[str, ...] = ("mlp", "cnn", "transformer", "gemm")
SIZES: tuple[str, ...] = ("small", "medium", "large")
MODES: tuple[str, ...] = ("inference", "training")

BN_EPS = 1e-5
LN_EPS = 1e-5

GEMM_TRAINING_REASON = "gemm is a roofline kernel with no parameters to train"


@dataclass(frozen=True)
class WorkloadSpec:
    """One workload at one size. Fields that do not apply to the workload keep their zero defaults."""

    name: str
    size: str
    input_shape: tuple[int, ...]  # per sample; gemm: the whole (n, n) input
    num_classes: int
    throughput_batch: int  # batch for the offline/throughput scenario (latency is always batch 1)
    train_batch: int
    trainable: bool
    tolerance_abs: float  # inference check: max|out - ref| <= tolerance_abs + tolerance_rel * max|ref|
    tolerance_rel: float
    learning_rate: float
    momentum: float
    train_tolerance_rel: float = 1e-3  # training check: max |loss - ref| / |ref| over the steps
    description: str = ""
    # mlp
    hidden: tuple[int, ...] = ()
    # cnn
    image_size: int = 0
    stem_channels: int = 0
    # (channels, blocks) per stage; every stage after the first starts with a stride-2 block
    stages: tuple[tuple[int, int], ...] = ()
    # transformer
    seq_len: int = 0
    width: int = 0
    heads: int = 0
    layers: int = 0
    ffn_hidden: int = 0
    # gemm
    n: int = 0

    @property
    def key(self) -> str:
        return f"{self.name}/{self.size}"


@dataclass(frozen=True)
class ResidualBlock:
    """One residual block of the cnn workload, in execution order."""

    prefix: str  # weight-name prefix, e.g. "block0"
    in_channels: int
    out_channels: int
    stride: int
    in_size: int  # spatial size (H = W) of the block's input

    @property
    def has_projection(self) -> bool:
        return self.stride != 1 or self.in_channels != self.out_channels

    @property
    def out_size(self) -> int:
        return conv_out_size(self.in_size, 3, self.stride, 1)


def conv_out_size(size: int, kernel: int, stride: int, pad: int) -> int:
    return (size + 2 * pad - kernel) // stride + 1


_SPECS: dict[tuple[str, str], WorkloadSpec] = {}


def _register(spec: WorkloadSpec) -> None:
    _SPECS[(spec.name, spec.size)] = spec


# Sizes: ``small`` keeps one call at a few milliseconds on a 2-core laptop CPU, so the quick preset (every
# framework, workload and mode) finishes in minutes; ``medium`` suits workstation CPUs and small GPUs;
# ``large`` is sized for data-centre GPUs. Latency is always measured at batch 1; ``throughput_batch`` and
# ``train_batch`` are the offline and training batches.
_TRAIN = {"learning_rate": 0.01, "momentum": 0.9}

for _size, _inp, _hidden, _tb, _trb in (
    ("small", 256, (512, 512), 256, 64),
    ("medium", 1024, (2048, 2048), 1024, 256),
    ("large", 2048, (4096, 4096, 4096), 2048, 512),
):
    _register(
        WorkloadSpec(
            name="mlp",
            size=_size,
            input_shape=(_inp,),
            num_classes=10,
            throughput_batch=_tb,
            train_batch=_trb,
            trainable=True,
            tolerance_abs=1e-4,
            tolerance_rel=1e-4,
            hidden=_hidden,
            description=f"tabular MLP {_inp} → {' → '.join(map(str, _hidden))} → 10, ReLU",
            **_TRAIN,
        )
    )

for _size, _img, _stem, _stages, _tb, _trb in (
    ("small", 32, 16, ((16, 1), (32, 1)), 16, 8),
    ("medium", 32, 32, ((32, 2), (64, 2)), 64, 32),
    ("large", 64, 64, ((64, 2), (128, 2), (256, 2)), 64, 32),
):
    _register(
        WorkloadSpec(
            name="cnn",
            size=_size,
            input_shape=(3, _img, _img),
            num_classes=10,
            throughput_batch=_tb,
            train_batch=_trb,
            trainable=True,
            tolerance_abs=1e-3,
            tolerance_rel=1e-3,
            image_size=_img,
            stem_channels=_stem,
            stages=_stages,
            description=(
                f"ResNet-style CNN on 3x{_img}x{_img}, stem {_stem}, "
                + ", ".join(f"{b}x{c}ch" for c, b in _stages)
                + " residual blocks, batch norm"
            ),
            **_TRAIN,
        )
    )

for _size, _seq, _w, _h, _layers, _tb, _trb in (
    ("small", 64, 128, 4, 2, 8, 4),
    ("medium", 128, 256, 4, 2, 16, 8),
    ("large", 256, 512, 8, 4, 32, 16),
):
    _register(
        WorkloadSpec(
            name="transformer",
            size=_size,
            input_shape=(_seq, _w),
            num_classes=10,
            throughput_batch=_tb,
            train_batch=_trb,
            trainable=True,
            tolerance_abs=1e-3,
            tolerance_rel=1e-3,
            seq_len=_seq,
            width=_w,
            heads=_h,
            layers=_layers,
            ffn_hidden=4 * _w,
            description=f"BERT-style encoder, seq {_seq}, width {_w}, {_h} heads, {_layers} layers, GELU FFN",
            **_TRAIN,
        )
    )

for _size, _n in (("small", 1024), ("medium", 2048), ("large", 4096)):
    _register(
        WorkloadSpec(
            name="gemm",
            size=_size,
            input_shape=(_n, _n),
            num_classes=0,
            throughput_batch=1,
            train_batch=1,
            trainable=False,
            tolerance_abs=0.0,
            tolerance_rel=1e-4,
            learning_rate=0.0,
            momentum=0.0,
            n=_n,
            description=f"square float32 matmul C = A @ B, n = {_n} (one matmul = one sample)",
        )
    )


def get_spec(name: str, size: str = "small") -> WorkloadSpec:
    """The spec for a workload at a size; raises ``KeyError`` naming the valid choices."""
    if name not in WORKLOADS:
        raise KeyError(f"unknown workload {name!r}; choose from {', '.join(WORKLOADS)}")
    if size not in SIZES:
        raise KeyError(f"unknown size {size!r}; choose from {', '.join(SIZES)}")
    return _SPECS[(name, size)]


def all_specs(size: str | None = None) -> list[WorkloadSpec]:
    return [s for s in _SPECS.values() if size is None or s.size == size]


def training_unsupported_reason(spec: WorkloadSpec) -> str | None:
    """Why the workload cannot train in any framework, or None."""
    return None if spec.trainable else GEMM_TRAINING_REASON


# --- structure ---------------------------------------------------------------------------------------------


def mlp_dims(spec: WorkloadSpec) -> list[int]:
    """Layer widths from input to classes, e.g. [256, 512, 512, 10]."""
    return [spec.input_shape[0], *spec.hidden, spec.num_classes]


def cnn_blocks(spec: WorkloadSpec) -> list[ResidualBlock]:
    blocks: list[ResidualBlock] = []
    channels, size = spec.stem_channels, spec.image_size
    for stage_index, (out_channels, count) in enumerate(spec.stages):
        for block_index in range(count):
            stride = 2 if stage_index > 0 and block_index == 0 else 1
            block = ResidualBlock(f"block{len(blocks)}", channels, out_channels, stride, size)
            blocks.append(block)
            channels, size = out_channels, block.out_size
    return blocks


def _bn_shapes(prefix: str, channels: int) -> dict[str, tuple[int, ...]]:
    return {f"{prefix}.{part}": (channels,) for part in ("weight", "bias", "running_mean", "running_var")}


def weight_shapes(spec: WorkloadSpec) -> dict[str, tuple[int, ...]]:
    """Every weight's name and canonical shape, in a fixed order."""
    shapes: dict[str, tuple[int, ...]] = {}
    if spec.name == "mlp":
        dims = mlp_dims(spec)
        for i, (d_in, d_out) in enumerate(itertools.pairwise(dims), start=1):
            shapes[f"fc{i}.weight"] = (d_in, d_out)
            shapes[f"fc{i}.bias"] = (d_out,)
    elif spec.name == "cnn":
        shapes["stem.conv.weight"] = (spec.stem_channels, spec.input_shape[0], 3, 3)
        shapes.update(_bn_shapes("stem.bn", spec.stem_channels))
        blocks = cnn_blocks(spec)
        for b in blocks:
            shapes[f"{b.prefix}.conv1.weight"] = (b.out_channels, b.in_channels, 3, 3)
            shapes.update(_bn_shapes(f"{b.prefix}.bn1", b.out_channels))
            shapes[f"{b.prefix}.conv2.weight"] = (b.out_channels, b.out_channels, 3, 3)
            shapes.update(_bn_shapes(f"{b.prefix}.bn2", b.out_channels))
            if b.has_projection:
                shapes[f"{b.prefix}.proj.weight"] = (b.out_channels, b.in_channels, 1, 1)
                shapes.update(_bn_shapes(f"{b.prefix}.proj_bn", b.out_channels))
        shapes["fc.weight"] = (blocks[-1].out_channels, spec.num_classes)
        shapes["fc.bias"] = (spec.num_classes,)
    elif spec.name == "transformer":
        w, f = spec.width, spec.ffn_hidden
        for layer in range(spec.layers):
            p = f"layer{layer}"
            for proj in ("q", "k", "v", "o"):
                shapes[f"{p}.attn.{proj}.weight"] = (w, w)
                shapes[f"{p}.attn.{proj}.bias"] = (w,)
            shapes[f"{p}.ln1.weight"] = (w,)
            shapes[f"{p}.ln1.bias"] = (w,)
            shapes[f"{p}.ffn.fc1.weight"] = (w, f)
            shapes[f"{p}.ffn.fc1.bias"] = (f,)
            shapes[f"{p}.ffn.fc2.weight"] = (f, w)
            shapes[f"{p}.ffn.fc2.bias"] = (w,)
            shapes[f"{p}.ln2.weight"] = (w,)
            shapes[f"{p}.ln2.bias"] = (w,)
        shapes["head.weight"] = (w, spec.num_classes)
        shapes["head.bias"] = (spec.num_classes,)
    elif spec.name == "gemm":
        shapes["b"] = (spec.n, spec.n)
    else:  # pragma: no cover - get_spec guards the names
        raise KeyError(spec.name)
    return shapes


def trainable_names(spec: WorkloadSpec) -> list[str]:
    """The weights the optimiser updates (everything but batch-norm running statistics)."""
    if not spec.trainable:
        return []
    return [n for n in weight_shapes(spec) if not n.endswith(("running_mean", "running_var"))]


# --- data ----------------------------------------------------------------------------------------------------


def _rng(seed: int, name: str) -> np.random.Generator:
    # One stream per (seed, name): a weight's values do not depend on which other weights exist.
    return np.random.default_rng([seed, zlib.crc32(name.encode())])


def _init(name: str, shape: tuple[int, ...], spec: WorkloadSpec, rng: np.random.Generator) -> np.ndarray:
    leaf = name.rsplit(".", 1)[-1]
    modules = name.split(".")[:-1]
    is_norm = any(m.startswith(("bn", "ln")) or m.endswith("_bn") for m in modules)
    if spec.name == "gemm":
        return rng.standard_normal(shape)
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
    gain = 1.0 if spec.name == "transformer" else 2.0
    return rng.normal(0.0, np.sqrt(gain / fan_in), shape)


def make_weights(spec: WorkloadSpec, seed: int = 0) -> dict[str, np.ndarray]:
    """Deterministic float32 weights in the canonical layouts (see the module docstring)."""
    return {
        name: _init(name, shape, spec, _rng(seed, name)).astype(np.float32)
        for name, shape in weight_shapes(spec).items()
    }


def make_batch(spec: WorkloadSpec, batch: int, seed: int = 1) -> tuple[np.ndarray, np.ndarray | None]:
    """A deterministic input batch ``(x float32, y int64 labels)``.

    For gemm the batch size is ignored: ``x`` is the ``(n, n)`` matrix ``A`` and there are no labels.
    """
    rng = np.random.default_rng([seed, zlib.crc32(spec.key.encode())])
    if spec.name == "gemm":
        return rng.standard_normal(spec.input_shape).astype(np.float32), None
    if batch < 1:
        raise ValueError("batch must be at least 1")
    x = rng.standard_normal((batch, *spec.input_shape)).astype(np.float32)
    y = rng.integers(0, spec.num_classes, size=batch).astype(np.int64)
    return x, y


# --- references (float64 NumPy; implemented in fwtui.bench.reference) ---------------------------------------


def reference_forward(spec: WorkloadSpec, weights: dict[str, np.ndarray], x: np.ndarray) -> np.ndarray:
    """The float64 reference output (logits; the product for gemm). Large ones are cached on disk."""
    from fwtui.bench import reference

    work = flops_per_sample(spec, "inference") * (1 if spec.name == "gemm" else len(x))
    return reference.cached(
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
    losses = reference.cached(
        f"train{steps}",
        spec,
        {**weights, "<x>": x, "<y>": y},
        work,
        lambda: np.asarray(reference.train_losses(spec, weights, x, y, steps)),
    )
    return [float(v) for v in losses]


# --- accounting ------------------------------------------------------------------------------------------------


def _forward_flops(spec: WorkloadSpec) -> float:
    """Forward FLOPs per sample: 2 x multiply-adds of matmuls and convolutions (elementwise work not counted)."""
    if spec.name == "mlp":
        dims = mlp_dims(spec)
        return float(sum(2 * a * b for a, b in itertools.pairwise(dims)))
    if spec.name == "cnn":
        size = spec.image_size
        flops = 2 * spec.input_shape[0] * spec.stem_channels * 9 * size * size
        for b in cnn_blocks(spec):
            out = b.out_size
            flops += 2 * b.in_channels * b.out_channels * 9 * out * out
            flops += 2 * b.out_channels * b.out_channels * 9 * out * out
            if b.has_projection:
                flops += 2 * b.in_channels * b.out_channels * out * out
        flops += 2 * cnn_blocks(spec)[-1].out_channels * spec.num_classes
        return float(flops)
    if spec.name == "transformer":
        s, w, f = spec.seq_len, spec.width, spec.ffn_hidden
        per_layer = 2 * s * w * w * 4 + 2 * s * s * w * 2 + 2 * s * w * f * 2
        return float(spec.layers * per_layer + 2 * w * spec.num_classes)
    if spec.name == "gemm":
        return 2.0 * spec.n**3
    raise KeyError(spec.name)  # pragma: no cover


def flops_per_sample(spec: WorkloadSpec, mode: str) -> float:
    """Forward FLOPs per sample; a training step counts 3x (forward + backward ≈ 2x forward)."""
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}; choose from {', '.join(MODES)}")
    forward = _forward_flops(spec)
    return forward if mode == "inference" else 3.0 * forward


# --- correctness checks ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OutputCheck:
    max_abs_error: float
    max_rel_error: float  # max_abs_error / max|reference| (norm-wise, robust to near-zero entries)
    tolerance: float  # the absolute bound max_abs_error was held to
    ok: bool


def check_output(spec: WorkloadSpec, actual: np.ndarray, expected: np.ndarray) -> OutputCheck:
    """Compare a framework's output with the float64 reference under the spec's tolerance."""
    actual64 = np.asarray(actual, dtype=np.float64)
    expected64 = np.asarray(expected, dtype=np.float64)
    if actual64.shape != expected64.shape:
        return OutputCheck(float("inf"), float("inf"), 0.0, False)
    scale = float(np.max(np.abs(expected64))) if expected64.size else 0.0
    max_abs = float(np.max(np.abs(actual64 - expected64))) if expected64.size else 0.0
    if not np.all(np.isfinite(actual64)):
        max_abs = float("inf")
    tolerance = spec.tolerance_abs + spec.tolerance_rel * scale
    max_rel = max_abs / scale if scale > 0 else max_abs
    return OutputCheck(max_abs, max_rel, tolerance, max_abs <= tolerance)


def check_losses(spec: WorkloadSpec, actual: Sequence[float], expected: Sequence[float]) -> OutputCheck:
    """Compare training losses step by step with the reference (relative error per step)."""
    a = np.asarray(list(actual), dtype=np.float64)
    e = np.asarray(list(expected), dtype=np.float64)
    if a.shape != e.shape or a.size == 0:
        return OutputCheck(float("inf"), float("inf"), spec.train_tolerance_rel, False)
    abs_err = np.abs(a - e)
    rel_err = abs_err / np.maximum(np.abs(e), 1e-12)
    max_abs = float(np.max(abs_err)) if np.all(np.isfinite(a)) else float("inf")
    max_rel = float(np.max(rel_err)) if np.all(np.isfinite(a)) else float("inf")
    return OutputCheck(max_abs, max_rel, spec.train_tolerance_rel, max_rel <= spec.train_tolerance_rel)

"""The benchmark workloads: one definition, shared by every framework.

This module is the catalogue (shapes, names, sizes, FLOP counts) and imports nothing heavy, so the planner and
the UI can read it; the numbers themselves (seeded weights and inputs, the float64 reference outputs and the
checks) are in :mod:`fwtui.bench.workload_data`. The runners copy the canonical weights below into their own
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
import math
from dataclasses import dataclass

from fwtui.bench import models
from fwtui.bench.models import MODEL_WORKLOADS as MODEL_WORKLOADS
from fwtui.bench.workload_spec import INFERENCE_TOLERANCE_REL as INFERENCE_TOLERANCE_REL
from fwtui.bench.workload_spec import TRAIN_TOLERANCE_REL as TRAIN_TOLERANCE_REL
from fwtui.bench.workload_spec import WorkloadSpec as WorkloadSpec
from fwtui.frameworks import MODES

TOY_WORKLOADS: tuple[str, ...] = ("mlp", "cnn", "transformer", "gemm")
# The real models (ResNet-50, BERT-base, GPT-2 small): their structure lives in fwtui.bench.models.
WORKLOADS: tuple[str, ...] = (*TOY_WORKLOADS, *MODEL_WORKLOADS)
SIZES: tuple[str, ...] = ("small", "medium", "large")

BN_EPS = 1e-5
LN_EPS = 1e-5

GEMM_TRAINING_REASON = "gemm is a roofline kernel with no parameters to train"


# The toy workloads' tolerances (measured: see fwtui.bench.workload_spec).


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
_LEARNING_RATE = 0.01
_MOMENTUM = 0.9

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
            tolerance_abs=0.0,
            tolerance_rel=INFERENCE_TOLERANCE_REL,
            hidden=_hidden,
            description=f"tabular MLP {_inp} → {' → '.join(map(str, _hidden))} → 10, ReLU",
            learning_rate=_LEARNING_RATE,
            momentum=_MOMENTUM,
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
            tolerance_abs=0.0,
            tolerance_rel=INFERENCE_TOLERANCE_REL,
            image_size=_img,
            stem_channels=_stem,
            stages=_stages,
            description=(
                f"ResNet-style CNN on 3x{_img}x{_img}, stem {_stem}, "
                + ", ".join(f"{b}x{c}ch" for c, b in _stages)
                + " residual blocks, batch norm"
            ),
            learning_rate=_LEARNING_RATE,
            momentum=_MOMENTUM,
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
            tolerance_abs=0.0,
            tolerance_rel=INFERENCE_TOLERANCE_REL,
            seq_len=_seq,
            width=_w,
            heads=_h,
            layers=_layers,
            ffn_hidden=4 * _w,
            description=f"BERT-style encoder, seq {_seq}, width {_w}, {_h} heads, {_layers} layers, GELU FFN",
            learning_rate=_LEARNING_RATE,
            momentum=_MOMENTUM,
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
            tolerance_rel=INFERENCE_TOLERANCE_REL,
            learning_rate=0.0,
            momentum=0.0,
            n=_n,
            description=f"square float32 matmul C = A @ B, n = {_n} (one matmul = one sample)",
        )
    )


for _spec in models.specs():
    _register(_spec)


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
    if spec.trainable:
        return None
    return spec.training_reason or GEMM_TRAINING_REASON


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
    if spec.name in MODEL_WORKLOADS:
        return models.weight_shapes(spec)
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


def parameter_count(spec: WorkloadSpec) -> int:
    """The model's parameters: every weight but batch-norm running statistics (gemm: its matrix)."""
    total = 0
    for name, shape in weight_shapes(spec).items():
        if not name.endswith(("running_mean", "running_var")):
            total += math.prod(shape)
    return total


def trainable_names(spec: WorkloadSpec) -> list[str]:
    """The weights the optimiser updates (everything but batch-norm running statistics)."""
    if not spec.trainable:
        return []
    return [n for n in weight_shapes(spec) if not n.endswith(("running_mean", "running_var"))]


# --- accounting ------------------------------------------------------------------------------------------------


def _forward_flops(spec: WorkloadSpec, scenario: str | None) -> float:
    """Forward FLOPs per sample: 2 x multiply-adds of matmuls and convolutions (elementwise work not counted)."""
    if spec.name in MODEL_WORKLOADS:
        return models.forward_flops(spec, scenario)
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


def flops_per_sample(spec: WorkloadSpec, mode: str, scenario: str | None = None) -> float:
    """Forward FLOPs per sample; a training step counts 3x (forward + backward ≈ 2x forward).

    gpt2's sample is its scenario's: a prompt for ``prefill``, one new token for the decode scenarios.
    """
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}; choose from {', '.join(MODES)}")
    forward = _forward_flops(spec, scenario)
    return forward if mode == "inference" else 3.0 * forward

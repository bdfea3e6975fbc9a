"""The PyTorch runner's models: one ``nn.Module`` per workload and the canonical weights loaded into it.

Imported only inside a benchmark child, by :mod:`fwtui.bench.runners.torch`.
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from fwtui.bench.runners._models_torch import MODULES, CanonicalModel
from fwtui.bench.workloads import BN_EPS, LN_EPS, cnn_blocks, mlp_dims

if TYPE_CHECKING:
    from fwtui.bench.workloads import WorkloadSpec


# --- models --------------------------------------------------------------------------------------------------


class MLP(nn.Module):  # type: ignore[misc]
    def __init__(self, dims: list[int]) -> None:
        super().__init__()
        self.layers = nn.ModuleList(nn.Linear(a, b) for a, b in itertools.pairwise(dims))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for i, layer in enumerate(self.layers):
            x = layer(x)
            if i < len(self.layers) - 1:
                x = F.relu(x)
        return x


class ResidualBlock(nn.Module):  # type: ignore[misc]
    def __init__(self, in_channels: int, out_channels: int, stride: int, projection: bool) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, out_channels, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(out_channels, eps=BN_EPS)
        self.conv2 = nn.Conv2d(out_channels, out_channels, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(out_channels, eps=BN_EPS)
        self.proj: nn.Module | None = None
        self.proj_bn: nn.Module | None = None
        if projection:
            self.proj = nn.Conv2d(in_channels, out_channels, 1, stride=stride, bias=False)
            self.proj_bn = nn.BatchNorm2d(out_channels, eps=BN_EPS)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = F.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        shortcut = x if self.proj is None or self.proj_bn is None else self.proj_bn(self.proj(x))
        return F.relu(y + shortcut)


class CNN(nn.Module):  # type: ignore[misc]
    def __init__(self, spec: WorkloadSpec) -> None:
        super().__init__()
        blocks = cnn_blocks(spec)
        self.stem_conv = nn.Conv2d(spec.input_shape[0], spec.stem_channels, 3, padding=1, bias=False)
        self.stem_bn = nn.BatchNorm2d(spec.stem_channels, eps=BN_EPS)
        self.blocks = nn.Sequential(
            *(ResidualBlock(b.in_channels, b.out_channels, b.stride, b.has_projection) for b in blocks)
        )
        self.fc = nn.Linear(blocks[-1].out_channels, spec.num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.relu(self.stem_bn(self.stem_conv(x)))
        x = self.blocks(x)
        return self.fc(x.mean(dim=(2, 3)))


class EncoderLayer(nn.Module):  # type: ignore[misc]
    """Post-LN BERT layer; attention through ``scaled_dot_product_attention`` (fused kernels where available)."""

    def __init__(self, width: int, heads: int, ffn_hidden: int) -> None:
        super().__init__()
        self.heads = heads
        self.q = nn.Linear(width, width)
        self.k = nn.Linear(width, width)
        self.v = nn.Linear(width, width)
        self.o = nn.Linear(width, width)
        self.ln1 = nn.LayerNorm(width, eps=LN_EPS)
        self.fc1 = nn.Linear(width, ffn_hidden)
        self.fc2 = nn.Linear(ffn_hidden, width)
        self.ln2 = nn.LayerNorm(width, eps=LN_EPS)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, s, w = x.shape
        d = w // self.heads

        def split(t: torch.Tensor) -> torch.Tensor:
            return t.view(b, s, self.heads, d).transpose(1, 2)

        ctx = F.scaled_dot_product_attention(split(self.q(x)), split(self.k(x)), split(self.v(x)))
        h = self.ln1(x + self.o(ctx.transpose(1, 2).reshape(b, s, w)))
        return self.ln2(h + self.fc2(F.gelu(self.fc1(h))))


class Transformer(nn.Module):  # type: ignore[misc]
    def __init__(self, spec: WorkloadSpec) -> None:
        super().__init__()
        self.layers = nn.Sequential(
            *(EncoderLayer(spec.width, spec.heads, spec.ffn_hidden) for _ in range(spec.layers))
        )
        self.head = nn.Linear(spec.width, spec.num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.layers(x).mean(dim=1))


class Gemm(nn.Module):  # type: ignore[misc]
    def __init__(self, n: int) -> None:
        super().__init__()
        self.b = nn.Parameter(torch.empty(n, n), requires_grad=False)

    def forward(self, a: torch.Tensor) -> torch.Tensor:
        return a @ self.b


def canonical_to_torch_names(spec: WorkloadSpec) -> dict[str, str]:
    """Canonical weight name -> state_dict key of the module built by :func:`make_module`."""
    mapping: dict[str, str] = {}
    if spec.name == "mlp":
        for i in range(1, len(mlp_dims(spec))):
            mapping[f"fc{i}.weight"] = f"layers.{i - 1}.weight"
            mapping[f"fc{i}.bias"] = f"layers.{i - 1}.bias"
    elif spec.name == "cnn":
        bn_parts = ("weight", "bias", "running_mean", "running_var")
        mapping["stem.conv.weight"] = "stem_conv.weight"
        mapping.update({f"stem.bn.{p}": f"stem_bn.{p}" for p in bn_parts})
        for i, blk in enumerate(cnn_blocks(spec)):
            convs = ["conv1", "conv2", *(["proj"] if blk.has_projection else [])]
            bns = ["bn1", "bn2", *(["proj_bn"] if blk.has_projection else [])]
            mapping.update({f"{blk.prefix}.{c}.weight": f"blocks.{i}.{c}.weight" for c in convs})
            mapping.update({f"{blk.prefix}.{b}.{p}": f"blocks.{i}.{b}.{p}" for b in bns for p in bn_parts})
        mapping["fc.weight"] = "fc.weight"
        mapping["fc.bias"] = "fc.bias"
    elif spec.name == "transformer":
        for layer in range(spec.layers):
            src, dst = f"layer{layer}", f"layers.{layer}"
            for part in ("weight", "bias"):
                for proj in ("q", "k", "v", "o"):
                    mapping[f"{src}.attn.{proj}.{part}"] = f"{dst}.{proj}.{part}"
                for sub in ("ln1", "ln2"):
                    mapping[f"{src}.{sub}.{part}"] = f"{dst}.{sub}.{part}"
                for sub in ("fc1", "fc2"):
                    mapping[f"{src}.ffn.{sub}.{part}"] = f"{dst}.{sub}.{part}"
        mapping["head.weight"] = "head.weight"
        mapping["head.bias"] = "head.bias"
    elif spec.name == "gemm":
        mapping["b"] = "b"
    return mapping


def make_module(spec: WorkloadSpec) -> nn.Module:
    if spec.name in MODULES:
        return MODULES[spec.name](spec)
    if spec.name == "mlp":
        return MLP(mlp_dims(spec))
    if spec.name == "cnn":
        return CNN(spec)
    if spec.name == "transformer":
        return Transformer(spec)
    if spec.name == "gemm":
        return Gemm(spec.n)
    raise KeyError(spec.name)


def load_weights(module: nn.Module, spec: WorkloadSpec, weights: dict[str, np.ndarray]) -> None:
    """Copy the canonical weights into ``module`` (transposing linear weights)."""
    if isinstance(module, CanonicalModel):
        module.load_canonical(weights)
        return
    state = module.state_dict()
    mapping = canonical_to_torch_names(spec)
    missing = set(mapping) ^ set(weights)
    if missing:
        raise ValueError(f"weights do not match the {spec.key} layout: {sorted(missing)[:5]}")
    with torch.no_grad():
        for canonical, key in mapping.items():
            value = torch.from_numpy(np.ascontiguousarray(weights[canonical], dtype=np.float32))
            target = state[key]
            if value.ndim == 2 and spec.name != "gemm":  # canonical (in, out); nn.Linear stores (out, in)
                value = value.T
            if tuple(value.shape) != tuple(target.shape):
                raise ValueError(
                    f"{canonical}: shape {tuple(value.shape)} does not fit {key} {tuple(target.shape)}"
                )
            target.copy_(value)

"""PyTorch runner: eager ``nn.Module`` and ``torch.compile`` variants on CPU or CUDA.

Imported only inside a benchmark child. Absolute imports mean ``import torch`` below is the real PyTorch, not
this module.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import re
import shutil
import warnings
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from fwtui.bench.jsonio import JsonObject
from fwtui.bench.runner import Runner, parse_device
from fwtui.bench.workloads import BN_EPS, LN_EPS, cnn_blocks, mlp_dims

if TYPE_CHECKING:
    from fwtui.bench.workloads import WorkloadSpec


# --- environment ---------------------------------------------------------------------------------------------


def _parallel_summary() -> dict[str, str]:
    """The threading backend and math libraries torch was built with, from ``parallel_info()``."""
    info: dict[str, str] = {}
    for raw in torch.__config__.parallel_info().splitlines():
        line = raw.strip()
        if line.startswith("ATen parallel backend:"):
            info["parallel_backend"] = line.split(":", 1)[1].strip()
        elif line.startswith("OpenMP"):
            info["openmp"] = line
        elif "Math Kernel Library" in line or line.startswith("MKL "):
            info["mkl"] = line
        elif "MKL-DNN" in line or "oneDNN" in line:
            info["onednn"] = line
    build = torch.__config__.show()
    for key, value in re.findall(r"\b(BLAS_INFO|LAPACK_INFO)=([^,\s]*)", build):
        info[key.lower()] = value
    capability = re.search(r"CPU capability usage:\s*(\S+)", build)
    if capability:
        info["cpu_capability"] = capability.group(1)
    return info


def _use_ieee_float32() -> JsonObject:
    """Turn TF32 off for matmuls and convolutions.

    cuDNN convolutions default to TF32 on Ampere and later, which is not the float32 arithmetic the workloads
    specify (and would fail the float32 tolerance); every framework is held to real float32.
    """
    matmul = torch.backends.cuda.matmul
    conv = getattr(torch.backends.cudnn, "conv", None)
    if hasattr(matmul, "fp32_precision") and conv is not None and hasattr(conv, "fp32_precision"):
        matmul.fp32_precision = "ieee"
        conv.fp32_precision = "ieee"
        return {"matmul_fp32_precision": matmul.fp32_precision, "conv_fp32_precision": conv.fp32_precision}
    # Older releases; the two APIs must not be mixed, so only one is ever touched.
    matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    return {"matmul_tf32": False, "cudnn_tf32": False}


def _disable_compile_caches() -> None:
    """Make every compile a cold start.

    Inductor caches compiled graphs on disk, so a second run can compile several times faster than the first;
    the compile time (and the break-even point derived from it) would then depend on what ran before. A cold
    compile is what a fresh deployment pays, and it is reproducible.
    """
    import torch._inductor.config as inductor_config

    inductor_config.force_disable_caches = True
    # Disabling the caches also disables profile-guided dynamic shapes, which torch announces on every compile.
    warnings.filterwarnings(
        "ignore", message=".*force disabled by torch.compiler.config.force_disable_caches"
    )


def _compile_unavailable_reason(kind: str) -> str | None:
    """Why ``torch.compile`` cannot work here, or None.

    Inductor generates C++ on CPU (needs a compiler) and Triton kernels on CUDA (needs triton).
    """
    is_supported = getattr(torch._dynamo, "is_dynamo_supported", None)
    if is_supported is not None and not is_supported():
        return "torch.compile (TorchDynamo) is not supported on this Python/platform"
    if kind == "cpu":
        compiler = os.environ.get("CXX") or "g++"
        if not any(shutil.which(c) for c in (compiler, "g++", "c++", "clang++")):
            return "torch.compile needs a C++ compiler (g++ or clang++) on PATH for its CPU code generator"
    elif kind == "cuda":
        try:
            from torch.utils._triton import has_triton
        except ImportError:
            return None
        if not has_triton():
            return "torch.compile on CUDA needs the triton package (pip install triton)"
    return None


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


def _canonical_to_torch_names(spec: WorkloadSpec) -> dict[str, str]:
    """Canonical weight name -> state_dict key of the module built by :func:`_make_module`."""
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


def _make_module(spec: WorkloadSpec) -> nn.Module:
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
    state = module.state_dict()
    mapping = _canonical_to_torch_names(spec)
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


# --- prepared workload ---------------------------------------------------------------------------------------


class TorchPrepared:
    """A workload as a torch module on its device, plus an optimiser when training."""

    def __init__(
        self, spec: WorkloadSpec, weights: dict[str, np.ndarray], *, mode: str, variant: str, device: str
    ):
        kind, index = parse_device(device)
        self.device = torch.device(f"{kind}:{index}" if kind == "cuda" else kind)
        self.is_cuda = self.device.type == "cuda"
        self.spec = spec
        self.mode = mode
        module = _make_module(spec)
        load_weights(module, spec, weights)
        self.module = module.to(self.device)
        self.module.train(mode == "training")
        if variant == "compile":
            _disable_compile_caches()
        self.model: Callable[[torch.Tensor], torch.Tensor] = (
            # Static shapes: the timed batch gets a graph specialised to it, as a deployment would, instead of
            # the dynamic-shape graph torch.compile switches to once it has seen a second batch size.
            torch.compile(self.module, dynamic=False) if variant == "compile" else self.module
        )
        self.optimizer: torch.optim.Optimizer | None = None
        if mode == "training":
            self.optimizer = torch.optim.SGD(
                [p for p in self.module.parameters() if p.requires_grad],
                lr=spec.learning_rate,
                momentum=spec.momentum,
            )
        if self.is_cuda:
            torch.cuda.reset_peak_memory_stats(self.device)

    def _to_device(self, array: np.ndarray) -> torch.Tensor:
        return torch.from_numpy(np.ascontiguousarray(array)).to(self.device)

    def _sync(self) -> None:
        if self.is_cuda:
            torch.cuda.synchronize(self.device)

    def infer(self, x: np.ndarray) -> np.ndarray:
        xd = self._to_device(x)
        with torch.inference_mode():
            out = self.model(xd)
        return np.asarray(out.detach().cpu().numpy())

    def _train_step(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        assert self.optimizer is not None
        self.optimizer.zero_grad(set_to_none=True)
        loss = F.cross_entropy(self.model(x), y)
        loss.backward()
        self.optimizer.step()
        return loss

    def train_losses(self, x: np.ndarray, y: np.ndarray, steps: int) -> list[float]:
        if self.optimizer is None:
            raise RuntimeError("built for inference; build with mode='training' to train")
        xd, yd = self._to_device(x), self._to_device(y)
        return [float(self._train_step(xd, yd).detach()) for _ in range(steps)]

    def make_step(self, x: np.ndarray, y: np.ndarray | None) -> Callable[[], None]:
        xd = self._to_device(x)
        model, sync = self.model, self._sync
        if self.mode == "inference":

            def infer_step() -> None:
                with torch.inference_mode():
                    model(xd)
                sync()

            return infer_step
        if y is None:
            raise ValueError("training needs labels")
        yd = self._to_device(y)
        train_step = self._train_step

        def training_step() -> None:
            train_step(xd, yd)
            sync()

        return training_step

    def device_memory_peak_mb(self) -> float | None:
        if not self.is_cuda:
            return None
        return float(torch.cuda.max_memory_allocated(self.device)) / 2**20


# --- the runner ------------------------------------------------------------------------------------------------


class TorchRunner(Runner):
    """PyTorch: an ``nn.Module`` per workload, eager or through ``torch.compile``."""

    def framework_version(self) -> str:
        return str(torch.__version__)

    def configure(self, threads: int, device: str) -> JsonObject:
        """Set intra- and inter-op thread counts (``threads <= 0`` keeps torch's defaults) before any work."""
        if threads > 0:
            torch.set_num_threads(threads)
            # Raises once parallel work has started in this process; the record then shows what is in force.
            with contextlib.suppress(RuntimeError):
                torch.set_num_interop_threads(threads)
        settings: JsonObject = {
            "intra_op_threads": torch.get_num_threads(),
            "inter_op_threads": torch.get_num_interop_threads(),
            "cuda": torch.version.cuda,
            "compile_caches": "disabled: torch.compile times are cold starts",
            **_parallel_summary(),
        }
        kind, _ = parse_device(device)
        if kind == "cuda" and torch.cuda.is_available():
            settings["cudnn"] = torch.backends.cudnn.version()
            settings["cudnn_benchmark"] = torch.backends.cudnn.benchmark
            settings.update(_use_ieee_float32())
        return settings

    def accelerator_reason(self, kind: str, index: int) -> str | None:
        if kind == "cuda":
            if torch.version.cuda is None and getattr(torch.version, "hip", None) is None:
                return f"this PyTorch build ({torch.__version__}) has no CUDA support"
            if not torch.cuda.is_available():
                return "torch sees no CUDA device"
            if index >= torch.cuda.device_count():
                return f"torch sees {torch.cuda.device_count()} CUDA device(s); there is no cuda:{index}"
            return None
        if kind == "mps":
            return None if torch.backends.mps.is_available() else "torch sees no Apple MPS device"
        return super().accelerator_reason(kind, index)

    def unavailable_reason(self, mode: str, variant: str, device: str) -> str | None:
        return _compile_unavailable_reason(parse_device(device)[0]) if variant == "compile" else None

    def prepare(
        self, spec: WorkloadSpec, weights: dict[str, np.ndarray], *, mode: str, variant: str, device: str
    ) -> TorchPrepared:
        return TorchPrepared(spec, weights, mode=mode, variant=variant, device=device)

"""PyTorch runner: eager ``nn.Module`` and ``torch.compile`` variants on CPU or CUDA.

Imported only inside a benchmark child. Absolute imports mean ``import torch`` below is the real PyTorch, not
this module.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import warnings
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
import torch
import torch._dynamo  # an optimiser's first construction imports it (a second): counted as the import
import torch.nn.functional as F

from fwtui.bench import workload_data
from fwtui.bench.models import gpt2
from fwtui.bench.runner import Runner, parse_device
from fwtui.bench.runners._models_torch import TORCH_DTYPES, CanonicalModel, TorchGeneration, dtype_name
from fwtui.bench.runners.torch_models import load_weights, make_module
from fwtui.json_fields import JsonObject

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


# --- prepared workload ---------------------------------------------------------------------------------------


class TorchPrepared:
    """A workload as a torch module on its device, plus an optimiser when training."""

    def __init__(
        self,
        spec: WorkloadSpec,
        weights: dict[str, np.ndarray],
        *,
        mode: str,
        variant: str,
        device: str,
        precision: str = "float32",
    ):
        kind, index = parse_device(device)
        self.device = torch.device(f"{kind}:{index}" if kind == "cuda" else kind)
        self.is_cuda = self.device.type == "cuda"
        self.spec = spec
        self.mode = mode
        self.variant = variant
        module = make_module(spec)
        load_weights(module, spec, weights)
        self.module = module.to(self.device)
        self.module.train(mode == "training")
        self.precision = precision
        # bfloat16/float16 through autocast, as PyTorch users run mixed precision; int8 by dynamic quantisation.
        self.autocast_dtype = TORCH_DTYPES.get(precision)
        self.int8_layers = 0
        if precision == "int8":
            if isinstance(self.module, CanonicalModel):
                self.int8_layers = self.module.quantize_dense()
            else:
                self.module = torch.ao.quantization.quantize_dynamic(self.module, {torch.nn.Linear}, torch.qint8)
                self.int8_layers = sum("quantized" in type(m).__module__ for m in self.module.modules())
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

    def _precision(self) -> contextlib.AbstractContextManager[object]:
        if self.autocast_dtype is None:
            return contextlib.nullcontext()
        autocast: contextlib.AbstractContextManager[object] = torch.autocast(
            self.device.type, dtype=self.autocast_dtype
        )
        return autocast

    def compute_precision(self) -> str:
        """What the timed path computes in: the quantised layers, or the dtype autocast gives the outputs."""
        if self.precision == "int8":
            return "int8" if self.int8_layers else "float32"
        x, _ = workload_data.make_batch(self.spec, 2)  # two: batch statistics need more than one value
        with torch.inference_mode(), self._precision():
            return dtype_name(self.module(self._to_device(x)).dtype)  # eager: never starts a compile

    def _to_device(self, array: np.ndarray) -> torch.Tensor:
        return torch.from_numpy(np.ascontiguousarray(array)).to(self.device)

    def _sync(self) -> None:
        if self.is_cuda:
            torch.cuda.synchronize(self.device)

    def infer(self, x: np.ndarray) -> np.ndarray:
        xd = self._to_device(x)
        with torch.inference_mode(), self._precision():
            out = self.model(xd)
        return np.asarray(out.detach().float().cpu().numpy())

    def _train_step(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        assert self.optimizer is not None
        self.optimizer.zero_grad(set_to_none=True)
        with self._precision():
            loss = F.cross_entropy(self.model(x), y)
        loss.backward()
        self.optimizer.step()
        return loss

    def train_losses(self, x: np.ndarray, y: np.ndarray, steps: int) -> list[float]:
        if self.optimizer is None:
            raise RuntimeError("built for inference; build with mode='training' to train")
        xd, yd = self._to_device(x), self._to_device(y)
        return [float(self._train_step(xd, yd).detach()) for _ in range(steps)]

    def make_step(self, x: np.ndarray, y: np.ndarray | None) -> Callable[[], torch.Tensor]:
        xd = self._to_device(x)
        model, sync, precision = self.model, self._sync, self._precision
        if self.mode == "inference":

            def infer_step() -> torch.Tensor:
                with torch.inference_mode(), precision():
                    out = model(xd)
                sync()
                return out

            return infer_step
        if y is None:
            raise ValueError("training needs labels")
        yd = self._to_device(y)
        train_step = self._train_step

        def training_step() -> torch.Tensor:
            loss = train_step(xd, yd)
            sync()
            return loss

        return training_step

    def compile_count(self) -> tuple[int, str] | None:
        """Dynamo's count of graphs it compiled (``torch._dynamo`` counters); None for eager."""
        if self.variant != "compile":
            return None
        from torch._dynamo.utils import counters

        return int(counters["stats"]["unique_graphs"]), "torch._dynamo counters: unique_graphs"

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

    def dispatches_asynchronously(self, device: str) -> bool:
        return parse_device(device)[0] in ("cuda", "mps")

    def output_pending(self, output: object, device: str) -> bool | None:
        """On a GPU: whether the stream still has queued work (a synchronised step leaves it empty)."""
        if parse_device(device)[0] != "cuda":
            return None
        return not torch.cuda.current_stream().query()

    def unavailable_reason(self, mode: str, variant: str, device: str) -> str | None:
        return _compile_unavailable_reason(parse_device(device)[0]) if variant == "compile" else None

    def prepare(
        self, spec: WorkloadSpec, weights: dict[str, np.ndarray], *, mode: str, variant: str, device: str
    ) -> TorchPrepared | TorchGeneration:
        if spec.name == gpt2.NAME:
            kind, index = parse_device(device)
            target = torch.device(f"{kind}:{index}" if kind == "cuda" else kind)

            def sync() -> None:
                if target.type == "cuda":
                    torch.cuda.synchronize(target)

            return TorchGeneration(
                spec, weights, target, sync, compile_model=variant == "compile", precision=self.precision
            )
        return TorchPrepared(spec, weights, mode=mode, variant=variant, device=device, precision=self.precision)

    def precision_unavailable(self, spec: WorkloadSpec, precision: str, *, mode: str, device: str) -> str | None:
        if precision != "int8":
            return None
        if parse_device(device)[0] != "cpu":
            return "PyTorch's dynamic int8 quantisation runs on the CPU only"
        if spec.name in ("cnn", "resnet50", "gemm"):
            return "PyTorch's dynamic int8 quantisation covers linear layers only; this model would stay float32"
        return None

"""Per-framework runners: build each workload in one framework and expose the timed step.

One module per framework, named after it (``fwtui.bench.runners.torch`` etc.). A runner module imports its
framework at module level, so it is only ever imported inside a benchmark child process, never in the UI.
Every runner module provides::

    configure(threads: int, device: str) -> dict
    framework_version() -> str
    unsupported_reason(mode: str, variant: str, device: str) -> str | None
    device_available(device: str) -> str | None
    build(spec, weights, *, mode: str, variant: str, device: str) -> Prepared

This package itself imports nothing heavy.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from collections.abc import Callable

    import numpy as np

    from fwtui.bench.workloads import WorkloadSpec

RUNNER_FRAMEWORKS: tuple[str, ...] = ("torch", "tensorflow", "jax", "onnxruntime")

ORT_TRAINING_REASON = "ONNX Runtime is an inference engine; it does not train general models"


class Prepared(Protocol):
    """A workload built in one framework, ready to run on its device."""

    def infer(self, x: np.ndarray) -> np.ndarray: ...

    def train_losses(self, x: np.ndarray, y: np.ndarray, steps: int) -> list[float]: ...

    def make_step(self, x: np.ndarray, y: np.ndarray | None) -> Callable[[], None]: ...

    def device_memory_peak_mb(self) -> float | None: ...


def load_runner(framework: str) -> ModuleType:
    """Import the runner for ``framework`` (imports the framework itself: call only in a child process)."""
    if framework not in RUNNER_FRAMEWORKS:
        raise KeyError(f"no runner for {framework!r}; choose from {', '.join(RUNNER_FRAMEWORKS)}")
    return importlib.import_module(f"{__name__}.{framework}")


def parse_device(device: str) -> tuple[str, int]:
    """Split ``"cuda:1"`` into ``("cuda", 1)``; a bare ``"cuda"`` means index 0."""
    kind, _, index = device.partition(":")
    kind = kind.strip().lower()
    if not index:
        return kind, 0
    if not index.isdigit():
        raise ValueError(f"bad device {device!r}: expected e.g. cpu, cuda or cuda:0")
    return kind, int(index)


def to_channels_last_weight(value: np.ndarray) -> np.ndarray:
    """A canonical weight in the channels-last layout TensorFlow and JAX use (conv kernels OIHW -> HWIO)."""
    import numpy as np

    if value.ndim == 4:
        return np.ascontiguousarray(value.transpose(2, 3, 1, 0))
    return value


def to_channels_last_input(spec: WorkloadSpec, x: np.ndarray) -> np.ndarray:
    """The canonical input in the channels-last layout (NCHW images -> NHWC); other inputs unchanged."""
    import numpy as np

    x = np.asarray(x, dtype=np.float32)
    if spec.name == "cnn":
        return np.ascontiguousarray(x.transpose(0, 2, 3, 1))
    return x


def is_gpu_device(device: str) -> bool:
    """Whether a device string names an NVIDIA/ROCm GPU (``cuda``, ``cuda:1``, ``gpu``)."""
    return parse_device(device)[0] in ("cuda", "gpu")

"""Per-framework runners: one :class:`fwtui.bench.runner.Runner` subclass per module, named after it.

``fwtui.bench.runners.torch`` and its siblings import their framework at module level, so they are only ever
imported inside a benchmark child process (by :func:`fwtui.bench.runner.load_runner`), never in the UI.
The registry in :mod:`fwtui.frameworks` names each one by a string target.

This package itself imports nothing heavy: it holds the layout helpers the channels-last runners share.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

    from fwtui.bench.workloads import WorkloadSpec


def to_channels_last_weight(value: np.ndarray) -> np.ndarray:
    """A canonical weight in the channels-last layout TensorFlow and JAX use (conv kernels OIHW -> HWIO)."""
    import numpy as np

    if value.ndim == 4:
        return np.ascontiguousarray(value.transpose(2, 3, 1, 0))
    return value


def to_channels_last_input(spec: WorkloadSpec, x: np.ndarray) -> np.ndarray:
    """The canonical input in the channels-last layout (NCHW images -> NHWC); other inputs unchanged."""
    import numpy as np

    if spec.tokens:
        return np.asarray(x, dtype=np.int32)  # token ids: JAX and TensorFlow index with int32
    x = np.asarray(x, dtype=np.float32)
    if spec.name in ("cnn", "resnet50"):
        return np.ascontiguousarray(x.transpose(0, 2, 3, 1))
    return x

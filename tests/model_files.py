"""The example models the tests run: the same builders as `fwtui sample-data models` (nothing is downloaded)."""

from __future__ import annotations

from fwtui.bench.byom.examples import KERAS_MODEL, PT2_MODEL, built_in_child, onnx_model

__all__ = ["KERAS_MODEL", "PT2_MODEL", "built_in_child", "onnx_model"]

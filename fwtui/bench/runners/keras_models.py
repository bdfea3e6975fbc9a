"""The Keras runner's models: each workload as a Keras 3 functional model, channels-last, canonical weights.

Imported only inside a benchmark child, by :mod:`fwtui.bench.runners.keras`, after the backend is chosen.
The layers are Keras' own (``Dense``, ``Conv2D``, ``BatchNormalization``, ``MultiHeadAttention``,
``LayerNormalization``), so the timed code is what a Keras user runs; the canonical weights are copied in
with ``set_weights`` in each layer's own layout.
"""

from __future__ import annotations

from typing import Any

import keras
import numpy as np

from fwtui.bench import workloads
from fwtui.bench.runners import to_channels_last_weight
from fwtui.bench.workloads import BN_EPS, LN_EPS, WorkloadSpec

Weights = dict[str, np.ndarray]


def _f32(value: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(value, dtype=np.float32)


BN_PARTS = (
    "weight",
    "bias",
    "running_mean",
    "running_var",
)  # Keras' order: gamma, beta, moving mean, variance


class _Builder:
    """Builds layers and remembers the weights each one takes once the model exists."""

    def __init__(self, weights: Weights) -> None:
        self._weights = weights
        self.assignments: list[tuple[Any, list[np.ndarray]]] = []
        self.used: set[str] = set()  # canonical names taken, to refuse weights of another layout

    def w(self, name: str) -> np.ndarray:
        self.used.add(name)
        return self._weights[name]

    def dense(self, x: Any, prefix: str, activation: Any = None) -> Any:
        kernel = self.w(f"{prefix}.weight")
        layer = keras.layers.Dense(kernel.shape[1], activation=activation, name=prefix.replace(".", "_"))
        self.assignments.append((layer, [_f32(kernel), _f32(self.w(f"{prefix}.bias"))]))
        return layer(x)

    def conv_bn(self, x: Any, conv: str, bn: str, stride: int) -> Any:
        kernel = self.w(f"{conv}.weight")
        # Explicit symmetric padding: padding="same" pads asymmetrically at stride 2 (see workloads.py).
        pad = (kernel.shape[2] - 1) // 2
        if pad:
            x = keras.layers.ZeroPadding2D(pad)(x)
        layer = keras.layers.Conv2D(
            kernel.shape[0], kernel.shape[2:], strides=stride, padding="valid", use_bias=False,
            name=conv.replace(".", "_"),
        )  # fmt: skip
        self.assignments.append((layer, [_f32(to_channels_last_weight(kernel))]))
        norm = keras.layers.BatchNormalization(epsilon=BN_EPS, name=bn.replace(".", "_"))
        self.assignments.append((norm, [_f32(self.w(f"{bn}.{p}")) for p in BN_PARTS]))
        return norm(layer(x))

    def layer_norm(self, x: Any, prefix: str) -> Any:
        layer = keras.layers.LayerNormalization(epsilon=LN_EPS, name=prefix.replace(".", "_"))
        self.assignments.append((layer, [_f32(self.w(f"{prefix}.weight")), _f32(self.w(f"{prefix}.bias"))]))
        return layer(x)

    def attention(self, x: Any, prefix: str, heads: int) -> Any:
        width = self.w(f"{prefix}.q.weight").shape[0]
        d = width // heads
        layer = keras.layers.MultiHeadAttention(heads, d, name=prefix.replace(".", "_"))
        w = self.w
        # Heads are contiguous slices of the width: (width, width) -> (width, heads, d); output (heads, d, width).
        values = []
        for proj in ("q", "k", "v"):
            values += [_f32(w(f"{prefix}.{proj}.weight").reshape(width, heads, d)),
                       _f32(w(f"{prefix}.{proj}.bias").reshape(heads, d))]  # fmt: skip
        values += [_f32(w(f"{prefix}.o.weight").reshape(heads, d, width)), _f32(w(f"{prefix}.o.bias"))]
        self.assignments.append((layer, values))
        return layer(x, x)


def _gelu(x: Any) -> Any:
    return keras.activations.gelu(x, approximate=False)  # the exact erf form


class MatMul(keras.layers.Layer):  # type: ignore[misc]
    """The gemm kernel ``x @ b`` with ``b`` a frozen weight."""

    def __init__(self, n: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.n = n

    def build(self, input_shape: Any) -> None:
        self.b = self.add_weight(shape=(self.n, self.n), initializer="zeros", trainable=False, name="b")

    def call(self, x: Any) -> Any:
        return keras.ops.matmul(x, self.b)


def make_model(spec: WorkloadSpec, weights: Weights) -> keras.Model:
    """The workload as a Keras model holding the canonical ``weights``."""
    build = _Builder(weights)
    if spec.name == "gemm":
        inputs = keras.Input(shape=(spec.n,), name="x")  # the (n, n) input is n rows of n
        layer = MatMul(spec.n, name="gemm")
        out = layer(inputs)
        build.assignments.append((layer, [_f32(build.w("b"))]))
    elif spec.name == "mlp":
        inputs = keras.Input(shape=spec.input_shape, name="x")
        layers = len(workloads.mlp_dims(spec)) - 1
        out = inputs
        for i in range(1, layers + 1):
            out = build.dense(out, f"fc{i}", "relu" if i < layers else None)
    elif spec.name == "cnn":
        channels, size = spec.input_shape[0], spec.image_size
        inputs = keras.Input(shape=(size, size, channels), name="x")
        out = keras.layers.ReLU()(build.conv_bn(inputs, "stem.conv", "stem.bn", 1))
        for blk in workloads.cnn_blocks(spec):
            p = blk.prefix
            h = keras.layers.ReLU()(build.conv_bn(out, f"{p}.conv1", f"{p}.bn1", blk.stride))
            h = build.conv_bn(h, f"{p}.conv2", f"{p}.bn2", 1)
            shortcut = (
                build.conv_bn(out, f"{p}.proj", f"{p}.proj_bn", blk.stride) if blk.has_projection else out
            )
            out = keras.layers.ReLU()(keras.layers.Add()([h, shortcut]))
        out = build.dense(keras.layers.GlobalAveragePooling2D()(out), "fc")
    elif spec.name == "transformer":
        inputs = keras.Input(shape=spec.input_shape, name="x")
        h = inputs
        for layer_index in range(spec.layers):
            p = f"layer{layer_index}"
            attn = build.attention(h, f"{p}.attn", spec.heads)
            h = build.layer_norm(keras.layers.Add()([h, attn]), f"{p}.ln1")
            ffn = build.dense(build.dense(h, f"{p}.ffn.fc1", _gelu), f"{p}.ffn.fc2")
            h = build.layer_norm(keras.layers.Add()([h, ffn]), f"{p}.ln2")
        out = build.dense(keras.layers.GlobalAveragePooling1D()(h), "head")
    else:  # pragma: no cover - get_spec guards the names
        raise KeyError(spec.name)
    model = keras.Model(inputs, out, name=f"fwtui_{spec.name}_{spec.size}")
    _assign(build.assignments)
    missing = set(weights) ^ build.used
    if missing:
        raise ValueError(f"weights do not match the {spec.key} layout: {sorted(missing)[:5]}")
    return model


def _assign(assignments: list[tuple[Any, list[np.ndarray]]]) -> None:
    """Set every layer's weights, refusing any that do not fit the layer's own shapes."""
    for layer, values in assignments:
        expected = [tuple(v.shape) for v in layer.get_weights()]
        if expected != [tuple(v.shape) for v in values]:
            raise ValueError(f"{layer.name}: weights {[v.shape for v in values]} do not fit {expected}")
        layer.set_weights(values)

"""The JAX runner's models: each workload's forward pass in plain ``jax.numpy``, channels-last.

Imported only inside a benchmark child, by :mod:`fwtui.bench.runners.jax`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from fwtui.bench import workloads
from fwtui.bench.runners._models_jax import FORWARDS as MODEL_FORWARDS
from fwtui.bench.runners._models_jax import batch_norm as _batch_norm
from fwtui.bench.runners._models_jax import layer_norm as _layer_norm
from fwtui.bench.workloads import WorkloadSpec

Params = dict[str, Any]  # weight name -> jax.Array


# --- models ----------------------------------------------------------------------------------------------------


def _linear(p: Params, name: str, x: jax.Array) -> jax.Array:
    return x @ p[f"{name}.weight"] + p[f"{name}.bias"]


def _mlp(spec: WorkloadSpec, p: Params, x: jax.Array, training: bool) -> jax.Array:
    layers = len(workloads.mlp_dims(spec)) - 1
    for i in range(1, layers + 1):
        x = _linear(p, f"fc{i}", x)
        if i < layers:
            x = jax.nn.relu(x)
    return x


def _conv(x: jax.Array, kernel: jax.Array, stride: int) -> jax.Array:
    pad = (kernel.shape[0] - 1) // 2  # 3x3 -> 1 on each side (also at stride 2), 1x1 -> 0
    return lax.conv_general_dilated(
        x,
        kernel,
        window_strides=(stride, stride),
        padding=((pad, pad), (pad, pad)),
        dimension_numbers=("NHWC", "HWIO", "NHWC"),
    )


def _cnn(spec: WorkloadSpec, p: Params, x: jax.Array, training: bool) -> jax.Array:
    x = jax.nn.relu(_batch_norm(p, "stem.bn", _conv(x, p["stem.conv.weight"], 1), training))
    for block in workloads.cnn_blocks(spec):
        b = block.prefix
        h = jax.nn.relu(_batch_norm(p, f"{b}.bn1", _conv(x, p[f"{b}.conv1.weight"], block.stride), training))
        h = _batch_norm(p, f"{b}.bn2", _conv(h, p[f"{b}.conv2.weight"], 1), training)
        if block.has_projection:
            shortcut = _batch_norm(p, f"{b}.proj_bn", _conv(x, p[f"{b}.proj.weight"], block.stride), training)
        else:
            shortcut = x
        x = jax.nn.relu(h + shortcut)
    return _linear(p, "fc", jnp.mean(x, axis=(1, 2)))


def _transformer(spec: WorkloadSpec, p: Params, x: jax.Array, training: bool) -> jax.Array:
    batch, seq, width = x.shape
    heads, head_dim = spec.heads, spec.width // spec.heads
    h = x.reshape(batch * seq, width)  # every dense layer works on (tokens, width)

    def split_heads(t: jax.Array) -> jax.Array:  # (tokens, width) -> (batch, heads, seq, head_dim)
        return t.reshape(batch, seq, heads, head_dim).transpose(0, 2, 1, 3)

    for layer in range(spec.layers):
        a = f"layer{layer}"
        q = split_heads(_linear(p, f"{a}.attn.q", h))
        k = split_heads(_linear(p, f"{a}.attn.k", h))
        v = split_heads(_linear(p, f"{a}.attn.v", h))
        scores = (q @ k.transpose(0, 1, 3, 2)) * (1.0 / float(np.sqrt(head_dim)))  # weakly typed: keeps the dtype
        context = jax.nn.softmax(scores, axis=-1) @ v
        context = context.transpose(0, 2, 1, 3).reshape(batch * seq, width)
        h = _layer_norm(p, f"{a}.ln1", h + _linear(p, f"{a}.attn.o", context))
        ffn = _linear(p, f"{a}.ffn.fc2", jax.nn.gelu(_linear(p, f"{a}.ffn.fc1", h), approximate=False))
        h = _layer_norm(p, f"{a}.ln2", h + ffn)
    pooled = jnp.mean(h.reshape(batch, seq, width), axis=1)
    return _linear(p, "head", pooled)


def _gemm(spec: WorkloadSpec, p: Params, x: jax.Array, training: bool) -> jax.Array:
    return x @ p["b"]


FORWARDS: dict[str, Callable[[WorkloadSpec, Params, Any, bool], Any]] = {
    "mlp": _mlp,
    "cnn": _cnn,
    "transformer": _transformer,
    "gemm": _gemm,
    **MODEL_FORWARDS,
}


def cross_entropy(logits: jax.Array, labels: jax.Array) -> jax.Array:
    log_probs = jax.nn.log_softmax(logits, axis=-1)
    return -jnp.mean(jnp.take_along_axis(log_probs, labels[:, None], axis=-1))

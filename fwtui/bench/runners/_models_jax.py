"""The real models in JAX: ResNet-50 (NHWC) and BERT-base forwards, and GPT-2 generating with a
preallocated KV cache.

Imported only inside a benchmark child. GPT-2's cache has room for the prompt and every new token; a jitted
decode step writes one position in place (the cache is donated) and masks the positions not written yet, so
one compiled step serves every position, the way JAX generation loops are written.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from fwtui.bench.models import gpt2 as gpt2_spec
from fwtui.bench.models import resnet
from fwtui.bench.workload_spec import WorkloadSpec
from fwtui.bench.workloads import BN_EPS, LN_EPS

Params = dict[str, Any]


def _dense(p: Params, name: str, x: jax.Array) -> jax.Array:
    return x @ p[f"{name}.weight"] + p[f"{name}.bias"]


# Normalisations compute their statistics in float32 whatever the compute dtype, and return that dtype: Flax's
# BatchNorm and LayerNorm do, as Keras' do under a mixed policy. In bfloat16 the batch statistics alone moved
# ResNet-50's first training loss by 2.4e-2 (small, batch 4); in float32 statistics by 4.5e-3.
def _f32(p: Params, name: str) -> jax.Array:
    return p[name].astype(jnp.float32)


def layer_norm(p: Params, name: str, x: jax.Array) -> jax.Array:
    dtype, x = x.dtype, x.astype(jnp.float32)
    mean = jnp.mean(x, axis=-1, keepdims=True)
    var = jnp.mean(jnp.square(x - mean), axis=-1, keepdims=True)
    return ((x - mean) * lax.rsqrt(var + LN_EPS) * _f32(p, f"{name}.weight") + _f32(p, f"{name}.bias")).astype(dtype)


def batch_norm(p: Params, name: str, x: jax.Array, training: bool) -> jax.Array:
    dtype, x = x.dtype, x.astype(jnp.float32)
    if training:
        mean = jnp.mean(x, axis=(0, 1, 2))
        var = jnp.mean(jnp.square(x - mean), axis=(0, 1, 2))  # biased, as in the normalisation
    else:
        mean, var = _f32(p, f"{name}.running_mean"), _f32(p, f"{name}.running_var")
    scale = _f32(p, f"{name}.weight") * lax.rsqrt(var + BN_EPS)
    return ((x - mean) * scale + _f32(p, f"{name}.bias")).astype(dtype)


def _conv(x: jax.Array, kernel: jax.Array, stride: int, pad: int) -> jax.Array:
    return lax.conv_general_dilated(
        x, kernel, (stride, stride), ((pad, pad), (pad, pad)), dimension_numbers=("NHWC", "HWIO", "NHWC")
    )


def resnet50(spec: WorkloadSpec, p: Params, x: jax.Array, training: bool) -> jax.Array:
    h = _conv(x, p["stem.conv.weight"], resnet.STEM_STRIDE, resnet.STEM_PAD)
    h = jax.nn.relu(batch_norm(p, "stem.bn", h, training))
    k, s, pad = resnet.POOL_KERNEL, resnet.POOL_STRIDE, resnet.POOL_PAD
    h = lax.reduce_window(h, -jnp.inf, lax.max, (1, k, k, 1), (1, s, s, 1), ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    for b in resnet.blocks(spec):
        n = b.prefix
        y = jax.nn.relu(batch_norm(p, f"{n}.bn1", _conv(h, p[f"{n}.conv1.weight"], 1, 0), training))
        y = jax.nn.relu(batch_norm(p, f"{n}.bn2", _conv(y, p[f"{n}.conv2.weight"], b.stride, 1), training))
        y = batch_norm(p, f"{n}.bn3", _conv(y, p[f"{n}.conv3.weight"], 1, 0), training)
        shortcut = h
        if b.has_projection:
            shortcut = batch_norm(p, f"{n}.proj_bn", _conv(h, p[f"{n}.proj.weight"], b.stride, 0), training)
        h = jax.nn.relu(y + shortcut)
    return _dense(p, "fc", jnp.mean(h, axis=(1, 2)))


def _attention(q: jax.Array, k: jax.Array, v: jax.Array, mask: jax.Array | None) -> jax.Array:
    scores = (q @ k.transpose(0, 1, 3, 2)) * (1.0 / float(np.sqrt(q.shape[-1])))  # weakly typed: keeps the dtype
    if mask is not None:
        scores = jnp.where(mask, scores, -jnp.inf)
    return jax.nn.softmax(scores, axis=-1) @ v


def _heads(t: jax.Array, heads: int) -> jax.Array:
    b, s, w = t.shape
    return t.reshape(b, s, heads, w // heads).transpose(0, 2, 1, 3)


def _merge(t: jax.Array) -> jax.Array:
    b, h, s, d = t.shape
    return t.transpose(0, 2, 1, 3).reshape(b, s, h * d)


def bert(spec: WorkloadSpec, p: Params, ids: jax.Array, training: bool) -> jax.Array:
    h = p["emb.token"][ids] + p["emb.position"][: ids.shape[1]]
    h = layer_norm(p, "emb.ln", h)
    for layer in range(spec.layers):
        a = f"layer{layer}"
        q, k, v = (_heads(_dense(p, f"{a}.attn.{x}", h), spec.heads) for x in "qkv")
        h = layer_norm(p, f"{a}.ln1", h + _dense(p, f"{a}.attn.o", _merge(_attention(q, k, v, None))))
        ff = _dense(p, f"{a}.ffn.fc2", jax.nn.gelu(_dense(p, f"{a}.ffn.fc1", h), approximate=False))
        h = layer_norm(p, f"{a}.ln2", h + ff)
    return _dense(p, "head", jnp.tanh(_dense(p, "pool", h[:, 0])))


FORWARDS: dict[str, Callable[[WorkloadSpec, Params, Any, bool], Any]] = {resnet.NAME: resnet50, "bert-base": bert}


# --- GPT-2 --------------------------------------------------------------------------------------------------------


def gpt2_tokens(spec: WorkloadSpec, p: Params, ids: jax.Array, cache: jax.Array, pos: jax.Array) -> tuple[
    jax.Array, jax.Array
]:
    """Tokens ``ids`` (batch, t) at positions ``pos..pos+t-1``; ``cache`` is (layers, 2, batch, heads, length,
    head_dim) and gets their keys and values; the last token's logits and the cache."""
    t, length = ids.shape[1], cache.shape[4]
    positions = pos + jnp.arange(t)
    h = p["wte"][ids] + p["wpe"][positions]
    mask = jnp.arange(length)[None, :] <= positions[:, None]  # (t, length): written and not in the future
    for layer in range(spec.layers):
        n = f"h{layer}"
        a = layer_norm(p, f"{n}.ln1", h)
        q, k, v = (_heads(_dense(p, f"{n}.attn.{x}", a), spec.heads) for x in "qkv")
        cache = lax.dynamic_update_slice(cache, k[None, None], (layer, 0, 0, 0, pos, 0))
        cache = lax.dynamic_update_slice(cache, v[None, None], (layer, 1, 0, 0, pos, 0))
        ctx = _attention(q, cache[layer, 0], cache[layer, 1], mask)
        h = h + _dense(p, f"{n}.attn.o", _merge(ctx))
        m = layer_norm(p, f"{n}.ln2", h)
        h = h + _dense(p, f"{n}.ffn.fc2", jax.nn.gelu(_dense(p, f"{n}.ffn.fc1", m), approximate=False))
    return layer_norm(p, "ln_f", h[:, -1]) @ p["wte"].T, cache


@dataclass
class _Loop:
    cache: jax.Array
    token: jax.Array
    made: int = 0


class JaxGeneration:
    """GPT-2 generating greedily: jitted prefill and decode steps over a preallocated, donated cache."""

    def __init__(self, spec: WorkloadSpec, weights: dict[str, np.ndarray], device: jax.Device,
                 dtype: Any = jnp.float32) -> None:
        self.spec, self.device, self.dtype = spec, device, dtype
        self.params = {n: jax.device_put(jnp.asarray(w, dtype=dtype), device) for n, w in weights.items()}
        self.length = spec.seq_len + spec.new_tokens

        def step(p: Params, ids: jax.Array, cache: jax.Array, pos: jax.Array) -> tuple[jax.Array, jax.Array, jax.Array]:
            logits, cache = gpt2_tokens(spec, p, ids, cache, pos)
            return logits, jnp.argmax(logits, axis=-1)[:, None], cache

        self._step = jax.jit(step, donate_argnums=(2,))

    def _cache(self, batch: int) -> jax.Array:
        s = self.spec
        shape = (s.layers, 2, batch, s.heads, self.length, s.width // s.heads)
        return jax.device_put(jnp.zeros(shape, self.dtype), self.device)

    def _ids(self, x: np.ndarray) -> jax.Array:
        return jax.device_put(np.ascontiguousarray(x, dtype=np.int32), self.device)

    def infer(self, x: np.ndarray) -> np.ndarray:
        ids, prompt = self._ids(x), self.spec.seq_len
        logits, _, cache = self._step(self.params, ids[:, :prompt], self._cache(x.shape[0]), jnp.int32(0))
        found = [logits]
        for i in range(prompt, x.shape[1]):
            logits, _, cache = self._step(self.params, ids[:, i : i + 1], cache, jnp.int32(i))
            found.append(logits)
        return np.asarray(jnp.stack(found, axis=1), dtype=np.float32)

    def make_scenario_step(self, scenario: str, x: np.ndarray) -> Callable[[], jax.Array]:
        ids, params, step, batch = self._ids(x), self.params, self._step, x.shape[0]
        zero = jnp.int32(0)
        if scenario == gpt2_spec.PREFILL:
            spare = [self._cache(batch)]

            def prefill() -> jax.Array:
                logits, token, spare[0] = step(params, ids, spare[0], zero)
                jax.block_until_ready((logits, token, spare[0]))
                return logits  # what it computed: the timed call's output is checked

            return prefill
        _, first, cache = step(params, ids, self._cache(batch), zero)
        # Positions past the prompt are rewritten by each generation; the prompt's keys and values stay.
        state = _Loop(cache, first)
        steps, prompt = max(self.spec.new_tokens - 1, 1), self.spec.seq_len
        positions = [jnp.int32(prompt + i) for i in range(steps)]

        def decode() -> jax.Array:
            if state.made == steps:
                state.token, state.made = first, 0
            logits, state.token, state.cache = step(params, state.token, state.cache, positions[state.made])
            state.made += 1
            jax.block_until_ready((logits, state.token, state.cache))
            return logits

        return decode

    def make_step(self, x: np.ndarray, y: np.ndarray | None = None) -> Callable[[], jax.Array]:
        return self.make_scenario_step(gpt2_spec.DECODE, x)

    def compute_precision(self) -> str:
        ids = self._ids(np.zeros((1, self.spec.seq_len), dtype=np.int64))
        logits = jax.eval_shape(self._step, self.params, ids, self._cache(1), jnp.int32(0))[0]
        return str(logits.dtype)

    def train_losses(self, x: np.ndarray, y: np.ndarray, steps: int) -> list[float]:
        raise NotImplementedError(gpt2_spec.TRAINING_REASON)

    def device_memory_peak_mb(self) -> float | None:
        stats = self.device.memory_stats() if self.device.platform != "cpu" else None
        if not stats or "peak_bytes_in_use" not in stats:
            return None
        return float(stats["peak_bytes_in_use"]) / 2**20

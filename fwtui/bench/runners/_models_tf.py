"""The real models in TensorFlow: ResNet-50 (NHWC) and BERT-base forwards, and GPT-2 generating with a KV
cache held in ``tf.Variable``s.

Imported only inside a benchmark child. GPT-2's cache variables have room for the prompt and every new token;
each step writes its keys and values in place at its position and masks the positions not written yet, so one
traced (or XLA-compiled) step serves every position.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import tensorflow as tf

from fwtui.bench.models import gpt2 as gpt2_spec
from fwtui.bench.models import resnet
from fwtui.bench.workload_spec import WorkloadSpec
from fwtui.bench.workloads import BN_EPS, LN_EPS

Params = dict[str, Any]


def _dense(p: Params, name: str, x: tf.Tensor) -> tf.Tensor:
    return tf.matmul(x, p[f"{name}.weight"]) + p[f"{name}.bias"]


# Normalisations compute their statistics in float32 whatever the compute dtype, and return that dtype, as Keras'
# BatchNormalization and LayerNormalization do under a mixed policy. In bfloat16 the batch statistics alone
# moved ResNet-50's first training loss by 1.4e-2 (small, batch 4); in float32 statistics by 7.0e-3.
def _f32(p: Params, name: str) -> tf.Tensor:
    return tf.cast(p[name], tf.float32)


def layer_norm(p: Params, name: str, x: tf.Tensor) -> tf.Tensor:
    dtype, x = x.dtype, tf.cast(x, tf.float32)
    mean = tf.reduce_mean(x, axis=-1, keepdims=True)
    centred = x - mean
    var = tf.reduce_mean(tf.square(centred), axis=-1, keepdims=True)
    return tf.cast(centred * tf.math.rsqrt(var + LN_EPS) * _f32(p, f"{name}.weight") + _f32(p, f"{name}.bias"), dtype)


def batch_norm(p: Params, name: str, x: tf.Tensor, training: bool) -> tf.Tensor:
    dtype, x = x.dtype, tf.cast(x, tf.float32)
    if training:
        mean, var = tf.nn.moments(x, axes=[0, 1, 2])  # biased variance, as the normalisation uses
    else:
        mean, var = _f32(p, f"{name}.running_mean"), _f32(p, f"{name}.running_var")
    out = tf.nn.batch_normalization(x, mean, var, _f32(p, f"{name}.bias"), _f32(p, f"{name}.weight"), BN_EPS)
    return tf.cast(out, dtype)


def _conv(x: tf.Tensor, kernel: Any, stride: int, pad: int) -> tf.Tensor:
    # Explicit symmetric padding: "SAME" pads asymmetrically at stride 2 and would not match the reference.
    return tf.nn.conv2d(x, kernel, strides=stride, padding=[[0, 0], [pad, pad], [pad, pad], [0, 0]])


def resnet50(spec: WorkloadSpec, p: Params, x: tf.Tensor, training: bool) -> tf.Tensor:
    h = _conv(x, p["stem.conv.weight"], resnet.STEM_STRIDE, resnet.STEM_PAD)
    h = tf.nn.relu(batch_norm(p, "stem.bn", h, training))
    pad = resnet.POOL_PAD
    # After a ReLU every value is >= 0, so zero padding never wins the max: the same as -inf padding.
    h = tf.pad(h, [[0, 0], [pad, pad], [pad, pad], [0, 0]])
    h = tf.nn.max_pool2d(h, resnet.POOL_KERNEL, resnet.POOL_STRIDE, "VALID")
    for b in resnet.blocks(spec):
        n = b.prefix
        y = tf.nn.relu(batch_norm(p, f"{n}.bn1", _conv(h, p[f"{n}.conv1.weight"], 1, 0), training))
        y = tf.nn.relu(batch_norm(p, f"{n}.bn2", _conv(y, p[f"{n}.conv2.weight"], b.stride, 1), training))
        y = batch_norm(p, f"{n}.bn3", _conv(y, p[f"{n}.conv3.weight"], 1, 0), training)
        shortcut = h
        if b.has_projection:
            shortcut = batch_norm(p, f"{n}.proj_bn", _conv(h, p[f"{n}.proj.weight"], b.stride, 0), training)
        h = tf.nn.relu(y + shortcut)
    return _dense(p, "fc", tf.reduce_mean(h, axis=[1, 2]))


def _heads(t: tf.Tensor, heads: int) -> tf.Tensor:
    b, s, w = tf.shape(t)[0], tf.shape(t)[1], t.shape[-1]
    return tf.transpose(tf.reshape(t, (b, s, heads, w // heads)), (0, 2, 1, 3))


def _merge(t: tf.Tensor) -> tf.Tensor:
    b, s = tf.shape(t)[0], tf.shape(t)[2]
    return tf.reshape(tf.transpose(t, (0, 2, 1, 3)), (b, s, t.shape[1] * t.shape[3]))


def _attention(q: tf.Tensor, k: tf.Tensor, v: tf.Tensor, mask: tf.Tensor | None) -> tf.Tensor:
    scores = tf.matmul(q, k, transpose_b=True) * tf.cast(1.0 / np.sqrt(q.shape[-1]), q.dtype)
    if mask is not None:
        scores = tf.where(mask, scores, tf.cast(-np.inf, scores.dtype))
    return tf.matmul(tf.nn.softmax(scores, axis=-1), v)


def bert(spec: WorkloadSpec, p: Params, ids: tf.Tensor, training: bool) -> tf.Tensor:
    h = tf.gather(p["emb.token"], ids) + p["emb.position"][: ids.shape[1]]
    h = layer_norm(p, "emb.ln", h)
    for layer in range(spec.layers):
        a = f"layer{layer}"
        q, k, v = (_heads(_dense(p, f"{a}.attn.{x}", h), spec.heads) for x in "qkv")
        h = layer_norm(p, f"{a}.ln1", h + _dense(p, f"{a}.attn.o", _merge(_attention(q, k, v, None))))
        ff = _dense(p, f"{a}.ffn.fc2", tf.nn.gelu(_dense(p, f"{a}.ffn.fc1", h), approximate=False))
        h = layer_norm(p, f"{a}.ln2", h + ff)
    return _dense(p, "head", tf.tanh(_dense(p, "pool", h[:, 0])))


FORWARDS: dict[str, Callable[[WorkloadSpec, Params, Any, bool], Any]] = {resnet.NAME: resnet50, "bert-base": bert}


# --- GPT-2 --------------------------------------------------------------------------------------------------------


@dataclass
class _Loop:
    token: Any
    made: int = 0


class TensorFlowGeneration:
    """GPT-2 generating greedily; ``compile`` wraps each step in ``tf.function`` (``jit_compile`` for XLA)."""

    def __init__(self, spec: WorkloadSpec, weights: dict[str, np.ndarray], device: str,
                 compile_step: Callable[[Callable[..., Any]], Callable[..., Any]], dtype: Any = tf.float32) -> None:
        self.spec, self.device, self.dtype, self.compile_step = spec, device, dtype, compile_step
        self.length = spec.seq_len + spec.new_tokens
        with tf.device(device):
            self.params = {n: tf.Variable(tf.cast(w, dtype), trainable=False) for n, w in weights.items()}

    def _step_fn(self, batch: int) -> Callable[[tf.Tensor, tf.Tensor], tuple[tf.Tensor, tf.Tensor]]:
        """A step with its own cache variables: tokens (batch, t) at ``pos`` -> (logits, next token)."""
        s, p, device = self.spec, self.params, self.device
        shape = (batch, s.heads, self.length, s.width // s.heads)
        with tf.device(device):
            cache = [(tf.Variable(tf.zeros(shape, self.dtype)), tf.Variable(tf.zeros(shape, self.dtype)))
                     for _ in range(s.layers)]

        def step(ids: tf.Tensor, pos: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
            with tf.device(device):
                t = tf.shape(ids)[1]
                positions = pos + tf.range(t)
                h = tf.gather(p["wte"], ids) + tf.gather(p["wpe"], positions)
                mask = tf.range(self.length)[None, :] <= positions[:, None]
                for layer in range(s.layers):
                    n = f"h{layer}"
                    a = layer_norm(p, f"{n}.ln1", h)
                    q, k, v = (_heads(_dense(p, f"{n}.attn.{x}", a), s.heads) for x in "qkv")
                    k_var, v_var = cache[layer]
                    k_var[:, :, pos : pos + t, :].assign(k)
                    v_var[:, :, pos : pos + t, :].assign(v)
                    h = h + _dense(p, f"{n}.attn.o", _merge(_attention(q, k_var, v_var, mask)))
                    m = layer_norm(p, f"{n}.ln2", h)
                    ff = tf.nn.gelu(_dense(p, f"{n}.ffn.fc1", m), approximate=False)
                    h = h + _dense(p, f"{n}.ffn.fc2", ff)
                logits = tf.matmul(layer_norm(p, "ln_f", h[:, -1]), p["wte"], transpose_b=True)
                return logits, tf.argmax(logits, axis=-1, output_type=tf.int32)[:, None]

        return self.compile_step(step)

    def _ids(self, x: np.ndarray) -> tf.Tensor:
        with tf.device(self.device):
            return tf.identity(tf.constant(np.asarray(x, dtype=np.int32)))

    def infer(self, x: np.ndarray) -> np.ndarray:
        step, ids, prompt = self._step_fn(x.shape[0]), self._ids(x), self.spec.seq_len
        logits, _ = step(ids[:, :prompt], tf.constant(0))
        found = [logits]
        for i in range(prompt, x.shape[1]):
            logits, _ = step(ids[:, i : i + 1], tf.constant(i))
            found.append(logits)
        return np.asarray(tf.cast(tf.stack(found, axis=1), tf.float32).numpy())

    def make_scenario_step(self, scenario: str, x: np.ndarray) -> Callable[[], tf.Tensor]:
        step, ids, zero = self._step_fn(x.shape[0]), self._ids(x), tf.constant(0)
        if scenario == gpt2_spec.PREFILL:

            def prefill() -> tf.Tensor:
                logits, token = step(ids, zero)
                token.numpy()  # the first new token, on the host: everything before it ran
                return logits  # what it computed: the timed call's output is checked

            return prefill
        first = step(ids, zero)[1]
        state = _Loop(first)
        steps, prompt = max(self.spec.new_tokens - 1, 1), self.spec.seq_len
        positions = [tf.constant(prompt + i) for i in range(steps)]

        def decode() -> tf.Tensor:
            if state.made == steps:  # a new generation: the prompt's keys and values are still in the cache
                state.token, state.made = first, 0
            logits, state.token = step(state.token, positions[state.made])
            state.made += 1
            state.token.numpy()
            return logits

        return decode

    def make_step(self, x: np.ndarray, y: np.ndarray | None = None) -> Callable[[], tf.Tensor]:
        return self.make_scenario_step(gpt2_spec.DECODE, x)

    def compute_precision(self) -> str:
        return str(self.params["wte"].dtype.name)  # every weight, activation and cache entry is in it

    def train_losses(self, x: np.ndarray, y: np.ndarray, steps: int) -> list[float]:
        raise NotImplementedError(gpt2_spec.TRAINING_REASON)

    def device_memory_peak_mb(self) -> float | None:
        if not self.device.startswith("/GPU"):
            return None
        return float(tf.config.experimental.get_memory_info(self.device.lstrip("/"))["peak"]) / 2**20

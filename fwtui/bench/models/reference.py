"""Float64 NumPy reference of the real models (ResNet-50, BERT-base: forward and gradients; GPT-2: greedy
generation with a KV cache).

ResNet-50 and BERT-base are built from the reverse-mode operations of :mod:`fwtui.bench.reference`, plus the
few they add here (max pool, embedding look-up, first-token selection, tanh), each with a hand-written
backward rule checked against finite differences in the tests. GPT-2 is only run forward, so it is plain
NumPy: the prompt, then one token at a time from the cache, exactly as the frameworks generate.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from fwtui.bench import reference as ops
from fwtui.bench.models import resnet
from fwtui.bench.reference import Tensor
from fwtui.bench.workloads import LN_EPS

if TYPE_CHECKING:
    from fwtui.bench.workload_spec import WorkloadSpec

Array = np.ndarray


# --- operations the real models add ------------------------------------------------------------------------------


def max_pool(x: Tensor, kernel: int, stride: int, pad: int) -> Tensor:
    """NCHW max pool; padding never wins (it is -inf); the gradient goes to the first maximum of a window."""
    n, c, h, w = x.value.shape
    xp = np.pad(x.value, ((0, 0), (0, 0), (pad, pad), (pad, pad)), constant_values=-np.inf)
    ho = (h + 2 * pad - kernel) // stride + 1
    wo = (w + 2 * pad - kernel) // stride + 1

    def window(arr: Array, i: int, j: int) -> Array:
        return arr[:, :, i : i + stride * (ho - 1) + 1 : stride, j : j + stride * (wo - 1) + 1 : stride]

    out = np.full((n, c, ho, wo), -np.inf)
    for i in range(kernel):
        for j in range(kernel):
            out = np.maximum(out, window(xp, i, j))

    def back(g: Array) -> tuple[Array]:
        dxp = np.zeros_like(xp)
        taken = np.zeros(out.shape, dtype=bool)
        for i in range(kernel):
            for j in range(kernel):
                hit = (window(xp, i, j) == out) & ~taken
                window(dxp, i, j)[...] += np.where(hit, g, 0.0)
                taken |= hit
        return (dxp[:, :, pad : pad + h, pad : pad + w],)

    return Tensor(out, (x,), back)


def embedding(table: Tensor, ids: Array) -> Tensor:
    """Rows of ``table`` for integer ``ids`` of any shape."""
    rows = table.value.shape[0]

    def back(g: Array) -> tuple[Array]:
        grad = np.zeros_like(table.value)
        np.add.at(grad, ids.reshape(-1), g.reshape(-1, g.shape[-1]))
        return (grad,)

    if ids.min() < 0 or ids.max() >= rows:
        raise ValueError(f"token ids must lie in [0, {rows})")
    return Tensor(table.value[ids], (table,), back)


def first_token(x: Tensor) -> Tensor:
    """``x[:, 0]`` of a (batch, seq, width) tensor."""

    def back(g: Array) -> tuple[Array]:
        grad = np.zeros_like(x.value)
        grad[:, 0] = g
        return (grad,)

    return Tensor(x.value[:, 0], (x,), back)


def tanh(x: Tensor) -> Tensor:
    out = np.tanh(x.value)
    return Tensor(out, (x,), lambda g: (g * (1.0 - out * out),))


# --- ResNet-50 and BERT-base ---------------------------------------------------------------------------------------


def _bn(params: dict[str, Tensor], raw: dict[str, Array], prefix: str, x: Tensor, training: bool) -> Tensor:
    return ops.batch_norm(
        x,
        params[f"{prefix}.weight"],
        params[f"{prefix}.bias"],
        raw[f"{prefix}.running_mean"],
        raw[f"{prefix}.running_var"],
        training=training,
    )


def resnet50(spec: WorkloadSpec, p: dict[str, Tensor], raw: dict[str, Array], x: Tensor, training: bool) -> Tensor:
    h = ops.conv2d(x, p["stem.conv.weight"], resnet.STEM_STRIDE, resnet.STEM_PAD)
    h = ops.relu(_bn(p, raw, "stem.bn", h, training))
    h = max_pool(h, resnet.POOL_KERNEL, resnet.POOL_STRIDE, resnet.POOL_PAD)
    for b in resnet.blocks(spec):
        n = b.prefix
        y = ops.relu(_bn(p, raw, f"{n}.bn1", ops.conv2d(h, p[f"{n}.conv1.weight"], 1, 0), training))
        y = ops.relu(_bn(p, raw, f"{n}.bn2", ops.conv2d(y, p[f"{n}.conv2.weight"], b.stride, 1), training))
        y = _bn(p, raw, f"{n}.bn3", ops.conv2d(y, p[f"{n}.conv3.weight"], 1, 0), training)
        shortcut = h
        if b.has_projection:
            shortcut = _bn(p, raw, f"{n}.proj_bn", ops.conv2d(h, p[f"{n}.proj.weight"], b.stride, 0), training)
        h = ops.relu(ops.add(y, shortcut))
    return ops.linear(ops.mean_over(h, (2, 3)), p["fc.weight"], p["fc.bias"])


def bert(spec: WorkloadSpec, p: dict[str, Tensor], x: Array) -> Tensor:
    ids = np.asarray(x, dtype=np.int64)
    positions = np.broadcast_to(np.arange(ids.shape[1]), ids.shape)
    h = ops.add(embedding(p["emb.token"], ids), embedding(p["emb.position"], positions))
    h = ops.layer_norm(h, p["emb.ln.weight"], p["emb.ln.bias"])
    for layer in range(spec.layers):
        a = f"layer{layer}"

        def proj(inp: Tensor, name: str, a: str = a) -> Tensor:
            return ops.linear(inp, p[f"{a}.{name}.weight"], p[f"{a}.{name}.bias"])

        ctx = ops.attention(proj(h, "attn.q"), proj(h, "attn.k"), proj(h, "attn.v"), spec.heads)
        h = ops.layer_norm(ops.add(h, proj(ctx, "attn.o")), p[f"{a}.ln1.weight"], p[f"{a}.ln1.bias"])
        ff = proj(ops.gelu(proj(h, "ffn.fc1")), "ffn.fc2")
        h = ops.layer_norm(ops.add(h, ff), p[f"{a}.ln2.weight"], p[f"{a}.ln2.bias"])
    pooled = tanh(ops.linear(first_token(h), p["pool.weight"], p["pool.bias"]))
    return ops.linear(pooled, p["head.weight"], p["head.bias"])


def model(spec: WorkloadSpec, p: dict[str, Tensor], raw: dict[str, Array], x: Tensor, training: bool) -> Tensor:
    """The forward graph of a real model that trains (resnet50, bert-base)."""
    if spec.name == resnet.NAME:
        return resnet50(spec, p, raw, x, training)
    return bert(spec, p, x.value)


# --- GPT-2 -----------------------------------------------------------------------------------------------------------


def _layer_norm(x: Array, w: dict[str, Array], name: str) -> Array:
    mean = x.mean(axis=-1, keepdims=True)
    var = x.var(axis=-1, keepdims=True)
    out: Array = (x - mean) / np.sqrt(var + LN_EPS) * w[f"{name}.weight"] + w[f"{name}.bias"]
    return out


def _dense(x: Array, w: dict[str, Array], name: str) -> Array:
    out: Array = x @ w[f"{name}.weight"] + w[f"{name}.bias"]
    return out


def gpt2_step(
    spec: WorkloadSpec, w: dict[str, Array], ids: Array, cache: list[tuple[Array, Array]] | None
) -> tuple[Array, list[tuple[Array, Array]]]:
    """New tokens ``ids`` (batch, t) after the ``cache``'s tokens: the last position's logits and the cache
    with the new keys and values appended ((batch, heads, length, head_dim) per layer)."""
    b, t = ids.shape
    start = 0 if cache is None else cache[0][0].shape[2]
    heads, d = spec.heads, spec.width // spec.heads
    h = w["wte"][ids] + w["wpe"][start : start + t]
    # Query i (absolute position start + i) sees keys 0 .. start + i.
    allowed = np.arange(start + t)[None, :] <= (start + np.arange(t))[:, None]
    new_cache = []
    for layer in range(spec.layers):
        n = f"h{layer}"
        a = _layer_norm(h, w, f"{n}.ln1")

        def split(v: Array) -> Array:
            return np.asarray(v.reshape(b, t, heads, d).transpose(0, 2, 1, 3))

        q, k, v = (split(_dense(a, w, f"{n}.attn.{x}")) for x in "qkv")
        if cache is not None:
            k = np.concatenate([cache[layer][0], k], axis=2)
            v = np.concatenate([cache[layer][1], v], axis=2)
        new_cache.append((k, v))
        scores = q @ k.transpose(0, 1, 3, 2) / math.sqrt(d)
        scores = np.where(allowed, scores, -np.inf)
        scores -= scores.max(axis=-1, keepdims=True)
        probs = np.exp(scores)
        probs /= probs.sum(axis=-1, keepdims=True)
        ctx = (probs @ v).transpose(0, 2, 1, 3).reshape(b, t, spec.width)
        h = h + _dense(ctx, w, f"{n}.attn.o")
        m = _layer_norm(h, w, f"{n}.ln2")
        f1 = _dense(m, w, f"{n}.ffn.fc1")
        h = h + _dense(0.5 * f1 * (1.0 + ops.erf(f1 / math.sqrt(2.0))), w, f"{n}.ffn.fc2")
    last = _layer_norm(h[:, -1], w, "ln_f")
    return last @ w["wte"].T, new_cache


def gpt2_generate(spec: WorkloadSpec, weights: dict[str, Array], prompt: Array) -> Array:
    """Greedy generation of ``new_tokens`` after ``prompt``: the logits that chose each new token, (batch,
    new_tokens, vocab). The tokens are their argmax."""
    w = {n: np.asarray(v, dtype=np.float64) for n, v in weights.items()}
    with ops.blas_threads_limited():
        logits, cache = gpt2_step(spec, w, np.asarray(prompt, dtype=np.int64), None)
        found = [logits]
        for _ in range(spec.new_tokens - 1):
            token = np.argmax(found[-1], axis=-1)[:, None]
            logits, cache = gpt2_step(spec, w, token, cache)
            found.append(logits)
    return np.stack(found, axis=1)


def gpt2_teacher_forced(spec: WorkloadSpec, weights: dict[str, Array], tokens: Array) -> Array:
    """The logits of every new token when fed ``tokens`` (the prompt, then the tokens to feed): what a
    generating model's ``infer`` returns for the correctness check, (batch, new_tokens, vocab)."""
    w = {n: np.asarray(v, dtype=np.float64) for n, v in weights.items()}
    ids = np.asarray(tokens, dtype=np.int64)
    with ops.blas_threads_limited():
        logits, cache = gpt2_step(spec, w, ids[:, : spec.seq_len], None)
        found = [logits]
        for i in range(spec.seq_len, ids.shape[1]):
            logits, cache = gpt2_step(spec, w, ids[:, i : i + 1], cache)
            found.append(logits)
    return np.stack(found, axis=1)


def teacher_forced_tokens(prompt: Array, logits: Array) -> Array:
    """The prompt and every generated token but the last, (batch, seq_len + new_tokens - 1): what a framework
    is fed to reproduce ``logits`` step by step, whatever tokens its own arithmetic would have chosen."""
    generated = np.argmax(logits, axis=-1)[:, :-1]
    return np.concatenate([np.asarray(prompt, dtype=np.int64), generated.astype(np.int64)], axis=1)

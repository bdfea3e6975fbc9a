"""Float64 NumPy reference for every workload: forward pass, gradients and SGD-with-momentum training.

A deliberately small reverse-mode autodiff: each operation computes its float64 output and records a closure
that maps the output's gradient to its inputs' gradients. Every backward rule is hand-written (and checked
against finite differences in the tests), so the reference depends on nothing but NumPy and the standard
library. The conventions (layouts, padding, batch-norm statistics, GELU form) are those documented in
:mod:`fwtui.bench.workloads`.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from fwtui.bench.workloads import BN_EPS, LN_EPS, MODEL_WORKLOADS, cnn_blocks, mlp_dims, trainable_names

if TYPE_CHECKING:
    from fwtui.bench.workloads import WorkloadSpec

Array = np.ndarray


class Tensor:
    """A float64 value plus how to push its gradient back to the tensors it was computed from."""

    __slots__ = ("_backward", "grad", "parents", "value")

    def __init__(
        self,
        value: Array,
        parents: tuple[Tensor, ...] = (),
        backward: Callable[[Array], tuple[Array | None, ...]] | None = None,
    ) -> None:
        self.value = value
        self.parents = parents
        self._backward = backward
        self.grad: Array | None = None

    def accumulate(self, grad: Array) -> None:
        self.grad = grad if self.grad is None else self.grad + grad


def backward(loss: Tensor) -> None:
    """Fill ``.grad`` of every tensor ``loss`` depends on (reverse topological order)."""
    order: list[Tensor] = []
    seen: set[int] = set()
    stack: list[tuple[Tensor, bool]] = [(loss, False)]
    while stack:  # iterative DFS: deep graphs must not hit the recursion limit
        node, expanded = stack.pop()
        if expanded:
            order.append(node)
            continue
        if id(node) in seen:
            continue
        seen.add(id(node))
        stack.append((node, True))
        stack.extend((p, False) for p in node.parents if id(p) not in seen)
    loss.grad = np.ones_like(loss.value)
    for node in reversed(order):
        if node._backward is None or node.grad is None:
            continue
        for parent, grad in zip(node.parents, node._backward(node.grad), strict=True):
            if grad is not None:
                parent.accumulate(grad)


# --- operations --------------------------------------------------------------------------------------------


def linear(x: Tensor, w: Tensor, b: Tensor) -> Tensor:
    """``x @ w + b`` over the last axis of ``x`` (any leading axes)."""
    out = x.value @ w.value + b.value

    def back(g: Array) -> tuple[Array, Array, Array]:
        x2 = x.value.reshape(-1, x.value.shape[-1])
        g2 = g.reshape(-1, g.shape[-1])
        return g @ w.value.T, x2.T @ g2, g2.sum(axis=0)

    return Tensor(out, (x, w, b), back)


def add(a: Tensor, b: Tensor) -> Tensor:
    return Tensor(a.value + b.value, (a, b), lambda g: (g, g))


def relu(x: Tensor) -> Tensor:
    mask = x.value > 0
    return Tensor(np.where(mask, x.value, 0.0), (x,), lambda g: (g * mask,))


_math_erf = np.frompyfunc(math.erf, 1, 1)


def erf(values: Array) -> Array:
    """Float64 erf: SciPy's vectorised one when installed, else the standard library's element by element."""
    try:
        from scipy.special import erf as scipy_erf  # type: ignore[import-untyped, unused-ignore]
    except ImportError:
        return np.asarray(_math_erf(values), dtype=np.float64)
    result: Array = np.asarray(scipy_erf(values), dtype=np.float64)
    return result


def gelu(x: Tensor) -> Tensor:
    """Exact GELU, ``x * Phi(x)``."""
    v = x.value
    cdf = 0.5 * (1.0 + erf(v / math.sqrt(2.0)))
    pdf = np.exp(-0.5 * v * v) / math.sqrt(2.0 * math.pi)
    return Tensor(v * cdf, (x,), lambda g: (g * (cdf + v * pdf),))


def conv2d(x: Tensor, w: Tensor, stride: int, pad: int) -> Tensor:
    """NCHW x OIHW convolution, no bias, symmetric zero padding.

    Computed as a sum over kernel offsets of strided input views contracted with ``w[:, :, i, j]`` — the same
    arithmetic as im2col without materialising the column matrix, so large sizes fit in memory.
    """
    n, _, h, wd = x.value.shape
    o, _, kh, kw = w.value.shape
    xp = np.pad(x.value, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    ho = (h + 2 * pad - kh) // stride + 1
    wo = (wd + 2 * pad - kw) // stride + 1

    def window(arr: Array, i: int, j: int) -> Array:
        return arr[:, :, i : i + stride * (ho - 1) + 1 : stride, j : j + stride * (wo - 1) + 1 : stride]

    out = np.zeros((n, ho, wo, o))
    for i in range(kh):
        for j in range(kw):
            out += np.tensordot(window(xp, i, j), w.value[:, :, i, j], axes=([1], [1]))

    def back(g: Array) -> tuple[Array, Array]:
        g_nhwc = g.transpose(0, 2, 3, 1)
        dxp = np.zeros_like(xp)
        dw = np.zeros_like(w.value)
        for i in range(kh):
            for j in range(kw):
                dw[:, :, i, j] = np.tensordot(g_nhwc, window(xp, i, j), axes=([0, 1, 2], [0, 2, 3]))
                contrib = np.tensordot(g_nhwc, w.value[:, :, i, j], axes=([3], [0]))  # (n, ho, wo, c)
                window(dxp, i, j)[...] += contrib.transpose(0, 3, 1, 2)
        return dxp[:, :, pad : pad + h, pad : pad + wd], dw

    return Tensor(out.transpose(0, 3, 1, 2), (x, w), back)


def batch_norm(
    x: Tensor, gamma: Tensor, beta: Tensor, running_mean: Array, running_var: Array, *, training: bool
) -> Tensor:
    """Per-channel batch norm on NCHW: batch statistics (biased variance) when training, stored ones otherwise."""
    axes = (0, 2, 3)
    shape = (1, -1, 1, 1)
    if training:
        mean = x.value.mean(axis=axes)
        var = x.value.var(axis=axes)
    else:
        mean, var = running_mean.astype(np.float64), running_var.astype(np.float64)
    inv_std = 1.0 / np.sqrt(var + BN_EPS)
    xhat = (x.value - mean.reshape(shape)) * inv_std.reshape(shape)
    out = xhat * gamma.value.reshape(shape) + beta.value.reshape(shape)
    count = x.value.size // x.value.shape[1]

    def back(g: Array) -> tuple[Array, Array, Array]:
        dgamma = (g * xhat).sum(axis=axes)
        dbeta = g.sum(axis=axes)
        dxhat = g * gamma.value.reshape(shape)
        if training:
            dx = (
                inv_std.reshape(shape)
                / count
                * (
                    count * dxhat
                    - dxhat.sum(axis=axes).reshape(shape)
                    - xhat * (dxhat * xhat).sum(axis=axes).reshape(shape)
                )
            )
        else:
            dx = dxhat * inv_std.reshape(shape)
        return dx, dgamma, dbeta

    return Tensor(out, (x, gamma, beta), back)


def layer_norm(x: Tensor, gamma: Tensor, beta: Tensor) -> Tensor:
    v = x.value
    width = v.shape[-1]
    mean = v.mean(axis=-1, keepdims=True)
    inv_std = 1.0 / np.sqrt(v.var(axis=-1, keepdims=True) + LN_EPS)
    xhat = (v - mean) * inv_std

    def back(g: Array) -> tuple[Array, Array, Array]:
        lead = tuple(range(g.ndim - 1))
        dxhat = g * gamma.value
        dx = (
            inv_std
            / width
            * (
                width * dxhat
                - dxhat.sum(axis=-1, keepdims=True)
                - xhat * (dxhat * xhat).sum(axis=-1, keepdims=True)
            )
        )
        return dx, (g * xhat).sum(axis=lead), g.sum(axis=lead)

    return Tensor(xhat * gamma.value + beta.value, (x, gamma, beta), back)


def mean_over(x: Tensor, axes: tuple[int, ...]) -> Tensor:
    """Mean over ``axes`` (global average pool, sequence mean-pool)."""
    count = math.prod(x.value.shape[a] for a in axes)
    shape = x.value.shape

    def back(g: Array) -> tuple[Array]:
        return (np.broadcast_to(np.expand_dims(g, axes), shape) / count,)

    return Tensor(x.value.mean(axis=axes), (x,), back)


def attention(q: Tensor, k: Tensor, v: Tensor, heads: int) -> Tensor:
    """Multi-head scaled dot-product attention on (batch, seq, width) projections; heads merged back."""
    b, s, width = q.value.shape
    d = width // heads
    scale = 1.0 / math.sqrt(d)

    def split(a: Array) -> Array:
        return np.asarray(a.reshape(b, s, heads, d).transpose(0, 2, 1, 3))

    def merge(a: Array) -> Array:
        return np.asarray(a.transpose(0, 2, 1, 3).reshape(b, s, width))

    qh, kh, vh = split(q.value), split(k.value), split(v.value)
    scores = qh @ kh.transpose(0, 1, 3, 2) * scale
    scores -= scores.max(axis=-1, keepdims=True)
    p = np.exp(scores)
    p /= p.sum(axis=-1, keepdims=True)
    out = merge(p @ vh)

    def back(g: Array) -> tuple[Array, Array, Array]:
        gh = split(g)
        dv = p.transpose(0, 1, 3, 2) @ gh
        dp = gh @ vh.transpose(0, 1, 3, 2)
        dscores = p * (dp - (dp * p).sum(axis=-1, keepdims=True)) * scale
        return merge(dscores @ kh), merge(dscores.transpose(0, 1, 3, 2) @ qh), merge(dv)

    return Tensor(out, (q, k, v), back)


def cross_entropy(logits: Tensor, labels: Array) -> Tensor:
    """Mean softmax cross-entropy over integer labels."""
    z = logits.value - logits.value.max(axis=1, keepdims=True)
    log_probs = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    batch = z.shape[0]
    rows = np.arange(batch)
    loss = -log_probs[rows, labels].mean()

    def back(g: Array) -> tuple[Array]:
        d = np.exp(log_probs)
        d[rows, labels] -= 1.0
        return (d * (g / batch),)

    return Tensor(np.asarray(loss), (logits,), back)


# --- models ------------------------------------------------------------------------------------------------------


def _bn(params: dict[str, Tensor], raw: dict[str, Array], prefix: str, x: Tensor, training: bool) -> Tensor:
    return batch_norm(
        x,
        params[f"{prefix}.weight"],
        params[f"{prefix}.bias"],
        raw[f"{prefix}.running_mean"],
        raw[f"{prefix}.running_var"],
        training=training,
    )


def model(
    spec: WorkloadSpec, params: dict[str, Tensor], raw: dict[str, Array], x: Tensor, training: bool
) -> Tensor:
    """The workload's forward graph on float64 tensors (``raw`` holds non-trainable arrays)."""
    if spec.name in MODEL_WORKLOADS:
        from fwtui.bench.models import reference as models_reference

        return models_reference.model(spec, params, raw, x, training)
    if spec.name == "mlp":
        h = x
        layers = len(mlp_dims(spec)) - 1
        for i in range(1, layers + 1):
            h = linear(h, params[f"fc{i}.weight"], params[f"fc{i}.bias"])
            if i < layers:
                h = relu(h)
        return h
    if spec.name == "cnn":
        h = relu(_bn(params, raw, "stem.bn", conv2d(x, params["stem.conv.weight"], 1, 1), training))
        for blk in cnn_blocks(spec):
            p = blk.prefix
            y = relu(
                _bn(params, raw, f"{p}.bn1", conv2d(h, params[f"{p}.conv1.weight"], blk.stride, 1), training)
            )
            y = _bn(params, raw, f"{p}.bn2", conv2d(y, params[f"{p}.conv2.weight"], 1, 1), training)
            shortcut = h
            if blk.has_projection:
                shortcut = _bn(
                    params,
                    raw,
                    f"{p}.proj_bn",
                    conv2d(h, params[f"{p}.proj.weight"], blk.stride, 0),
                    training,
                )
            h = relu(add(y, shortcut))
        pooled = mean_over(h, (2, 3))
        return linear(pooled, params["fc.weight"], params["fc.bias"])
    if spec.name == "transformer":
        h = x
        for layer in range(spec.layers):
            p = f"layer{layer}"

            def proj(inp: Tensor, name: str, p: str = p) -> Tensor:
                return linear(inp, params[f"{p}.{name}.weight"], params[f"{p}.{name}.bias"])

            ctx = attention(proj(h, "attn.q"), proj(h, "attn.k"), proj(h, "attn.v"), spec.heads)
            h = layer_norm(add(h, proj(ctx, "attn.o")), params[f"{p}.ln1.weight"], params[f"{p}.ln1.bias"])
            ff = proj(gelu(proj(h, "ffn.fc1")), "ffn.fc2")
            h = layer_norm(add(h, ff), params[f"{p}.ln2.weight"], params[f"{p}.ln2.bias"])
        return linear(mean_over(h, (1,)), params["head.weight"], params["head.bias"])
    if spec.name == "gemm":
        return Tensor(x.value @ params["b"].value)
    raise KeyError(spec.name)


def _split(spec: WorkloadSpec, weights: dict[str, Array]) -> tuple[dict[str, Tensor], dict[str, Array]]:
    trainable = set(trainable_names(spec)) if spec.trainable else set(weights)
    params = {n: Tensor(np.asarray(w, dtype=np.float64)) for n, w in weights.items() if n in trainable}
    raw = {n: w for n, w in weights.items() if n not in trainable}
    return params, raw


def blas_threads_limited() -> contextlib.AbstractContextManager[object]:
    """Run NumPy's BLAS on one thread, when threadpoolctl is installed to say so.

    The reference is a long chain of small matrix products, where BLAS threads mostly spin and, on a busy
    machine, make it many times slower; one thread also leaves the cores to the framework being measured.
    """
    try:
        from threadpoolctl import threadpool_limits  # type: ignore[import-untyped, unused-ignore]
    except ImportError:
        return contextlib.nullcontext()
    limits: contextlib.AbstractContextManager[object] = threadpool_limits(limits=1, user_api="blas")
    return limits


def forward(spec: WorkloadSpec, weights: dict[str, Array], x: Array, *, training: bool = False) -> Array:
    """Float64 output of the workload (logits, or the matrix product for gemm)."""
    if spec.name == "gpt2":
        from fwtui.bench.models import reference as models_reference

        return models_reference.gpt2_generate(spec, weights, x)
    params, raw = _split(spec, weights)
    with blas_threads_limited():
        return model(spec, params, raw, Tensor(np.asarray(x, dtype=np.float64)), training).value


def loss_and_gradients(
    spec: WorkloadSpec, weights: dict[str, Array], x: Array, y: Array
) -> tuple[float, dict[str, Array]]:
    """Training-mode loss and its gradient for every trainable weight."""
    if not spec.trainable:
        raise ValueError(f"{spec.name} does not train")
    params, raw = _split(spec, weights)
    loss = cross_entropy(model(spec, params, raw, Tensor(np.asarray(x, dtype=np.float64)), True), y)
    backward(loss)
    grads = {n: t.grad if t.grad is not None else np.zeros_like(t.value) for n, t in params.items()}
    return float(loss.value), grads


def train_losses(
    spec: WorkloadSpec, weights: dict[str, Array], x: Array, y: Array, steps: int
) -> list[float]:
    """The loss before each of ``steps`` SGD-with-momentum steps (PyTorch semantics), in float64."""
    if not spec.trainable:
        raise ValueError(f"{spec.name} does not train")
    current = {n: np.asarray(w, dtype=np.float64) for n, w in weights.items()}
    velocity = {n: np.zeros_like(current[n]) for n in trainable_names(spec)}
    losses: list[float] = []
    with blas_threads_limited():
        for _ in range(steps):
            loss, grads = loss_and_gradients(spec, current, x, y)
            losses.append(loss)
            for name, grad in grads.items():
                velocity[name] = spec.momentum * velocity[name] + grad
                current[name] = current[name] - spec.learning_rate * velocity[name]
    return losses

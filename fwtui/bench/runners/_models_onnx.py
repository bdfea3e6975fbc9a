"""The real models as ONNX graphs (built with ``onnx.helper`` from the canonical weights, no export): ResNet-50,
BERT-base, and GPT-2 as a decoder with past key/value inputs, generating greedily in ONNX Runtime.

Imported only inside a benchmark child, by :mod:`fwtui.bench.runners.onnxruntime`. GPT-2's graph takes the
new tokens ``ids`` (batch, t) and ``past_{l}_{k,v}`` (batch, heads, past, head_dim; past 0 for the prompt) and
returns the last token's ``logits`` and ``present_{l}_{k,v}`` (the past with the new keys and values), which
the next step is fed, as ONNX Runtime's generation loops do.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import onnxruntime as ort
from onnx import TensorProto, helper

from fwtui.bench.models import gpt2 as gpt2_spec
from fwtui.bench.models import resnet
from fwtui.bench.runners.onnxruntime import _conv_bn, _Graph, _linear, _weight
from fwtui.bench.workload_spec import WorkloadSpec
from fwtui.bench.workloads import LN_EPS


def resnet50(g: _Graph, spec: WorkloadSpec, w: dict[str, np.ndarray], x: str) -> str:
    s, p = resnet.STEM_STRIDE, resnet.STEM_PAD
    h = g.op("Relu", [_conv_bn(g, w, x, "stem.conv", "stem.bn", stride=s, pad=p)])
    k, s, p = resnet.POOL_KERNEL, resnet.POOL_STRIDE, resnet.POOL_PAD
    h = g.op("MaxPool", [h], kernel_shape=[k, k], strides=[s, s], pads=[p, p, p, p])
    for b in resnet.blocks(spec):
        n = b.prefix
        y = g.op("Relu", [_conv_bn(g, w, h, f"{n}.conv1", f"{n}.bn1", stride=1, pad=0)])
        y = g.op("Relu", [_conv_bn(g, w, y, f"{n}.conv2", f"{n}.bn2", stride=b.stride, pad=1)])
        y = _conv_bn(g, w, y, f"{n}.conv3", f"{n}.bn3", stride=1, pad=0)
        shortcut = h
        if b.has_projection:
            shortcut = _conv_bn(g, w, h, f"{n}.proj", f"{n}.proj_bn", stride=b.stride, pad=0)
        h = g.op("Relu", [g.op("Add", [y, shortcut])])
    pooled = g.op("Flatten", [g.op("GlobalAveragePool", [h])], axis=1)
    return _linear(g, w, pooled, "fc")


class _Layers:
    """Shared pieces of the transformer graphs: constants made once, layer norm, GELU, head split/merge."""

    def __init__(self, g: _Graph, spec: WorkloadSpec, w: dict[str, np.ndarray]) -> None:
        self.g, self.w, self.spec = g, w, spec
        d = spec.width // spec.heads
        self.split = g.const("m.split", np.array([0, 0, spec.heads, d], dtype=np.int64))
        self.merge = g.const("m.merge", np.array([0, 0, spec.width], dtype=np.int64))
        self.scale = g.const("m.scale", np.array(1.0 / math.sqrt(d), dtype=np.float32))
        self.inv_sqrt2 = g.const("m.inv_sqrt2", np.array(1.0 / math.sqrt(2.0), dtype=np.float32))
        self.one = g.const("m.one", np.array(1.0, dtype=np.float32))
        self.half = g.const("m.half", np.array(0.5, dtype=np.float32))

    def norm(self, x: str, name: str) -> str:
        g, w = self.g, self.w
        scale, bias = _weight(g, w, f"{name}.weight"), _weight(g, w, f"{name}.bias")
        return g.op("LayerNormalization", [x, scale, bias], axis=-1, epsilon=LN_EPS)

    def heads(self, x: str) -> str:
        return self.g.op("Transpose", [self.g.op("Reshape", [x, self.split])], perm=[0, 2, 1, 3])

    def attend(self, q: str, k: str, v: str, prefix: str, allowed: str | None = None) -> str:
        g = self.g
        scores = g.op("Mul", [g.op("MatMul", [q, g.op("Transpose", [k], perm=[0, 1, 3, 2])]), self.scale])
        if allowed is not None:
            minus_inf = g.const(f"{prefix}.minus_inf", np.array(-np.inf, dtype=np.float32))
            scores = g.op("Where", [allowed, scores, minus_inf])
        ctx = g.op("Transpose", [g.op("MatMul", [g.op("Softmax", [scores], axis=-1), v])], perm=[0, 2, 1, 3])
        return _linear(g, self.w, g.op("Reshape", [ctx, self.merge]), f"{prefix}.attn.o")

    def ffn(self, x: str, prefix: str) -> str:
        g = self.g
        f1 = _linear(g, self.w, x, f"{prefix}.ffn.fc1")
        erf = g.op("Erf", [g.op("Mul", [f1, self.inv_sqrt2])])
        gelu = g.op("Mul", [g.op("Mul", [f1, g.op("Add", [erf, self.one])]), self.half])
        return _linear(g, self.w, gelu, f"{prefix}.ffn.fc2")


def bert(g: _Graph, spec: WorkloadSpec, w: dict[str, np.ndarray], ids: str) -> str:
    t = _Layers(g, spec, w)
    positions = g.const("m.positions", np.arange(spec.seq_len, dtype=np.int64))
    h = g.op("Add", [g.op("Gather", [_weight(g, w, "emb.token"), ids]),
                     g.op("Gather", [_weight(g, w, "emb.position"), positions])])
    h = t.norm(h, "emb.ln")
    for layer in range(spec.layers):
        a = f"layer{layer}"
        q, k, v = (t.heads(_linear(g, w, h, f"{a}.attn.{x}")) for x in "qkv")
        h = t.norm(g.op("Add", [h, t.attend(q, k, v, a)]), f"{a}.ln1")
        h = t.norm(g.op("Add", [h, t.ffn(h, a)]), f"{a}.ln2")
    first = g.op("Gather", [h, g.const("m.first", np.array(0, dtype=np.int64))], axis=1)
    return _linear(g, w, g.op("Tanh", [_linear(g, w, first, "pool")]), "head")


BUILDERS: dict[str, Callable[[_Graph, WorkloadSpec, dict[str, np.ndarray], str], str]] = {
    resnet.NAME: resnet50,
    "bert-base": bert,
}


# --- GPT-2 ----------------------------------------------------------------------------------------------------------


def _i64(value: int | list[int]) -> np.ndarray:
    return np.array(value, dtype=np.int64)


def gpt2_graph(g: _Graph, spec: WorkloadSpec, w: dict[str, np.ndarray]) -> list[str]:
    """The decoder's nodes; returns its outputs in order: logits, then present k, v per layer."""
    t = _Layers(g, spec, w)
    start = g.op("Squeeze", [g.op("Shape", ["past_0_k"], start=2, end=3)])
    total = g.op("Add", [start, g.op("Squeeze", [g.op("Shape", ["ids"], start=1, end=2)])])
    one = g.const("m.i1", _i64(1))
    positions = g.op("Range", [start, total, one])
    # Query i (absolute position start + i) sees keys 0 .. start + i.
    keys = g.op("Unsqueeze", [g.op("Range", [g.const("m.i0", _i64(0)), total, one]),
                              g.const("m.ax0", _i64([0]))])
    queries = g.op("Unsqueeze", [positions, g.const("m.ax1", _i64([1]))])
    allowed = g.op("LessOrEqual", [keys, queries])
    h = g.op("Add", [g.op("Gather", [_weight(g, w, "wte"), "ids"]), g.op("Gather", [_weight(g, w, "wpe"), positions])])
    outputs = []
    for layer in range(spec.layers):
        n = f"h{layer}"
        a = t.norm(h, f"{n}.ln1")
        q, k, v = (t.heads(_linear(g, w, a, f"{n}.attn.{x}")) for x in "qkv")
        k_all = g.op("Concat", [f"past_{layer}_k", k], axis=2)
        v_all = g.op("Concat", [f"past_{layer}_v", v], axis=2)
        outputs += [k_all, v_all]
        h = g.op("Add", [h, t.attend(q, k_all, v_all, n, allowed)])
        h = g.op("Add", [h, t.ffn(t.norm(h, f"{n}.ln2"), n)])
    last = g.op("Squeeze", [g.op("Slice", [h, g.const("m.m1", _i64([-1])),
                                           g.const("m.end", _i64([2**62])), g.const("m.ax1b", _i64([1]))]),
                            g.const("m.ax1c", _i64([1]))])
    logits = g.op("Gemm", [t.norm(last, "ln_f"), "wte"], transB=1)
    return [logits, *outputs]


def gpt2_io(spec: WorkloadSpec) -> tuple[list[Any], list[Any], list[str]]:
    d = spec.width // spec.heads
    kv = ["batch", spec.heads, "past", d]
    inputs = [helper.make_tensor_value_info("ids", TensorProto.INT64, ["batch", "new"])]
    outputs = [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", spec.vocab])]
    names = ["logits"]
    for layer in range(spec.layers):
        for part in "kv":
            inputs.append(helper.make_tensor_value_info(f"past_{layer}_{part}", TensorProto.FLOAT, kv))
            outputs.append(helper.make_tensor_value_info(f"present_{layer}_{part}", TensorProto.FLOAT,
                                                         ["batch", spec.heads, "total", d]))
            names.append(f"present_{layer}_{part}")
    return inputs, outputs, names


@dataclass
class _Loop:
    feed: dict[str, np.ndarray] = field(default_factory=dict)
    made: int = 0


class OrtGeneration:
    """GPT-2 generating greedily in an inference session: each step is fed the previous step's present."""

    def __init__(self, spec: WorkloadSpec, session: ort.InferenceSession, precision: str = "float32") -> None:
        self.spec, self.session, self.precision = spec, session, precision
        self.outputs = [o.name for o in session.get_outputs()]

    def _feed(self, ids: np.ndarray, present: list[np.ndarray] | None) -> dict[str, np.ndarray]:
        s = self.spec
        empty = np.zeros((ids.shape[0], s.heads, 0, s.width // s.heads), dtype=np.float32)
        feed: dict[str, np.ndarray] = {"ids": np.ascontiguousarray(ids, dtype=np.int64)}
        for i in range(2 * s.layers):
            feed[f"past_{i // 2}_{'kv'[i % 2]}"] = empty if present is None else present[i]
        return feed

    def _run(self, ids: np.ndarray, present: list[np.ndarray] | None) -> tuple[np.ndarray, list[np.ndarray]]:
        logits, *new = self.session.run(self.outputs, self._feed(ids, present))
        return logits, new

    def infer(self, x: np.ndarray) -> np.ndarray:
        prompt = self.spec.seq_len
        logits, present = self._run(x[:, :prompt], None)
        found = [logits]
        for i in range(prompt, x.shape[1]):
            logits, present = self._run(x[:, i : i + 1], present)
            found.append(logits)
        return np.stack(found, axis=1)

    def make_scenario_step(self, scenario: str, x: np.ndarray) -> Callable[[], np.ndarray]:
        run, outputs = self.session.run, self.outputs
        if scenario == gpt2_spec.PREFILL:
            feed = self._feed(x, None)

            def prefill() -> np.ndarray:
                logits: np.ndarray = run(outputs, feed)[0]
                np.argmax(logits, axis=-1)  # the first new token: time to first token
                return logits  # what it computed: the timed call's output is checked

            return prefill
        logits, prompt_present = self._run(x, None)
        first = self._feed(np.argmax(logits, axis=-1)[:, None], prompt_present)
        state = _Loop(dict(first))
        steps, names = max(self.spec.new_tokens - 1, 1), list(first)[1:]

        def decode() -> np.ndarray:
            if state.made == steps:
                state.feed, state.made = dict(first), 0
            logits, *present = run(outputs, state.feed)
            state.feed = {"ids": np.argmax(logits, axis=-1)[:, None], **dict(zip(names, present, strict=True))}
            state.made += 1
            return np.asarray(logits)

        return decode

    def make_step(self, x: np.ndarray, y: np.ndarray | None = None) -> Callable[[], np.ndarray]:
        return self.make_scenario_step(gpt2_spec.DECODE, x)

    def compute_precision(self) -> str:
        return self.precision

    def train_losses(self, x: np.ndarray, y: np.ndarray, steps: int) -> list[float]:
        raise NotImplementedError(gpt2_spec.TRAINING_REASON)

    def device_memory_peak_mb(self) -> float | None:
        return None

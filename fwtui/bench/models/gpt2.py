"""GPT-2 small: the structure, weight names and FLOP counts of the ``gpt2`` workload, and its scenarios.

Token and position embeddings (``wte`` (vocab, width), ``wpe`` (positions, width)), pre-LN decoder layers
``h = x + o(attn(ln1(x)))`` (causal), ``x = h + fc2(gelu(fc1(ln2(h))))`` with the layer names of
:func:`fwtui.bench.models.bert.layer_shapes` under ``h{l}``, a final ``ln_f`` and logits ``ln_f(x) @ wte.T``
(tied embeddings). GELU is the exact erf form, like every workload's (GPT-2 shipped the tanh approximation).

It generates greedily with a KV cache. Scenarios: ``prefill`` (the prompt of ``seq_len`` tokens through the
model and the first new token chosen: time to first token), ``decode`` (one new token from the cache, in a
real greedy loop that restarts from the prompt's cache every ``new_tokens`` tokens: per-token latency) and
``throughput`` (the same decode step at a larger batch: tokens/s). It does not train here.
"""

from __future__ import annotations

from fwtui.bench.models.bert import layer_flops, layer_shapes
from fwtui.bench.workload_spec import INFERENCE_TOLERANCE_REL, WorkloadSpec

NAME = "gpt2"
PREFILL, DECODE = "prefill", "decode"
TRAINING_REASON = "gpt2 is measured generating text (prefill and decode); it is not trained here"


def weight_shapes(spec: WorkloadSpec) -> dict[str, tuple[int, ...]]:
    w = spec.width
    shapes: dict[str, tuple[int, ...]] = {"wte": (spec.vocab, w), "wpe": (spec.positions, w)}
    for layer in range(spec.layers):
        shapes.update(layer_shapes(f"h{layer}", w, spec.ffn_hidden))
    shapes["ln_f.weight"] = (w,)
    shapes["ln_f.bias"] = (w,)
    return shapes


def prefill_flops(spec: WorkloadSpec) -> float:
    """The prompt through every layer (causal: each query sees half the prompt on average) and one token's
    logits."""
    s, w = spec.seq_len, spec.width
    layers = spec.layers * layer_flops(s, (s + 1) // 2, w, spec.ffn_hidden)
    return float(layers + 2 * w * spec.vocab)


def decode_flops(spec: WorkloadSpec) -> float:
    """One new token at the middle of the generation (the context grows from the prompt by ``new_tokens``)."""
    context = spec.seq_len + (spec.new_tokens + 1) // 2
    layers = spec.layers * layer_flops(1, context, spec.width, spec.ffn_hidden)
    return float(layers + 2 * spec.width * spec.vocab)


def specs() -> list[WorkloadSpec]:
    """``small`` is the architecture reduced for tests (seconds); ``large`` is GPT-2 small itself."""
    found = []
    for size, vocab, positions, prompt, new, width, heads, layers, tb in (
        ("small", 128, 32, 8, 6, 64, 4, 2, 4),
        ("medium", 8192, 256, 32, 16, 256, 4, 4, 4),
        ("large", 50257, 1024, 64, 32, 768, 12, 12, 4),
    ):
        found.append(
            WorkloadSpec(
                name=NAME,
                size=size,
                input_shape=(prompt,),
                num_classes=vocab,
                throughput_batch=tb,
                train_batch=1,
                trainable=False,
                training_reason=TRAINING_REASON,
                tolerance_abs=0.0,
                tolerance_rel=INFERENCE_TOLERANCE_REL,  # measured: see fwtui.bench.workload_spec
                learning_rate=0.0,
                momentum=0.0,
                seq_len=prompt,
                width=width,
                heads=heads,
                layers=layers,
                ffn_hidden=4 * width,
                vocab=vocab,
                positions=positions,
                new_tokens=new,
                description=(
                    ("GPT-2 small" if size == "large" else "GPT-2 architecture, reduced")
                    + f": {layers} layers, width {width}, {heads} heads, vocabulary {vocab}; greedy generation"
                    + f" of {new} tokens after a {prompt}-token prompt, KV cache"
                ),
            )
        )
    return found

"""BERT-base: the structure, weight names and FLOP count of the ``bert-base`` workload.

The BERT encoder: token and position embeddings, summed, then layer norm; post-LN encoder layers exactly as
the ``transformer`` workload's (``layer{l}.attn.{q,k,v,o}``, ``ln1``, ``ffn.fc1``, ``ffn.fc2``, ``ln2``, no
attention mask: every sequence is full length); BERT's pooler ``tanh(pool(h[:, 0]))`` on the first token and a
classifier ``head``. Weight names: ``emb.token`` (vocab, width), ``emb.position`` (positions, width),
``emb.ln.{weight,bias}``, the layers, ``pool.{weight,bias}``, ``head.{weight,bias}``. The input is token ids.
"""

from __future__ import annotations

from fwtui.bench.workload_spec import INFERENCE_TOLERANCE_REL, WorkloadSpec

NAME = "bert-base"


def layer_shapes(prefix: str, width: int, ffn: int) -> dict[str, tuple[int, ...]]:
    """One post-LN (BERT) or pre-LN (GPT-2) transformer layer; the names are the same."""
    shapes: dict[str, tuple[int, ...]] = {}
    for proj in ("q", "k", "v", "o"):
        shapes[f"{prefix}.attn.{proj}.weight"] = (width, width)
        shapes[f"{prefix}.attn.{proj}.bias"] = (width,)
    shapes[f"{prefix}.ln1.weight"] = (width,)
    shapes[f"{prefix}.ln1.bias"] = (width,)
    shapes[f"{prefix}.ffn.fc1.weight"] = (width, ffn)
    shapes[f"{prefix}.ffn.fc1.bias"] = (ffn,)
    shapes[f"{prefix}.ffn.fc2.weight"] = (ffn, width)
    shapes[f"{prefix}.ffn.fc2.bias"] = (width,)
    shapes[f"{prefix}.ln2.weight"] = (width,)
    shapes[f"{prefix}.ln2.bias"] = (width,)
    return shapes


def weight_shapes(spec: WorkloadSpec) -> dict[str, tuple[int, ...]]:
    w = spec.width
    shapes: dict[str, tuple[int, ...]] = {
        "emb.token": (spec.vocab, w),
        "emb.position": (spec.positions, w),
        "emb.ln.weight": (w,),
        "emb.ln.bias": (w,),
    }
    for layer in range(spec.layers):
        shapes.update(layer_shapes(f"layer{layer}", w, spec.ffn_hidden))
    shapes["pool.weight"] = (w, w)
    shapes["pool.bias"] = (w,)
    shapes["head.weight"] = (w, spec.num_classes)
    shapes["head.bias"] = (spec.num_classes,)
    return shapes


def layer_flops(tokens: int, context: int, width: int, ffn: int) -> int:
    """2 x multiply-adds of one layer for ``tokens`` queries attending over ``context`` keys."""
    return 2 * tokens * width * width * 4 + 2 * tokens * context * width * 2 + 2 * tokens * width * ffn * 2


def forward_flops(spec: WorkloadSpec) -> float:
    """Per sequence (about 22 GFLOPs for BERT-base at sequence 128); embedding look-ups are not counted."""
    s, w = spec.seq_len, spec.width
    per_layer = layer_flops(s, s, w, spec.ffn_hidden)
    return float(spec.layers * per_layer + 2 * w * w + 2 * w * spec.num_classes)


def specs() -> list[WorkloadSpec]:
    """``small`` is the architecture reduced for tests (seconds); ``large`` is BERT-base itself."""
    found = []
    for size, vocab, positions, seq, width, heads, layers, tb, trb in (
        ("small", 128, 32, 16, 64, 4, 2, 8, 4),
        ("medium", 8192, 256, 128, 256, 4, 4, 8, 8),
        # Full size: throughput at batch 4 and training at batch 2, so that the models preset fits a 2-core CPU
        # (a BERT-base training step at batch 2 takes seconds there); on a GPU, sweep larger ones with --batch.
        ("large", 30522, 512, 128, 768, 12, 12, 4, 2),
    ):
        found.append(
            WorkloadSpec(
                name=NAME,
                size=size,
                input_shape=(seq,),
                num_classes=2,
                throughput_batch=tb,
                train_batch=trb,
                trainable=True,
                tolerance_abs=0.0,
                tolerance_rel=INFERENCE_TOLERANCE_REL,  # measured: see fwtui.bench.workload_spec
                # Twelve layer norms and softmaxes deep at full size: the catalogue's 1e-4 leaves no room.
                train_tolerance_rel=1e-3,
                learning_rate=0.01,
                momentum=0.9,
                seq_len=seq,
                width=width,
                heads=heads,
                layers=layers,
                ffn_hidden=4 * width,
                vocab=vocab,
                positions=positions,
                description=(
                    ("BERT-base" if size == "large" else "BERT-base architecture, reduced")
                    + f": {layers} layers, width {width}, {heads} heads, sequence {seq}, vocabulary {vocab}"
                ),
            )
        )
    return found

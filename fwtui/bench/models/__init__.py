"""The real models: ResNet-50 v1.5, BERT-base and GPT-2 small, each parameterised by size.

One module per architecture holds its structure, weight names and FLOP count (:mod:`.resnet`, :mod:`.bert`,
:mod:`.gpt2`); :mod:`.reference` is their float64 NumPy reference. Every framework builds them from the same
seeded NumPy weights (:mod:`fwtui.bench.workload_data`). ``small`` is each architecture reduced so that a
correctness test takes seconds; ``large`` is the published model. Imports nothing heavy.
"""

from __future__ import annotations

from collections.abc import Callable

from fwtui.bench.models import bert, gpt2, resnet
from fwtui.bench.workload_spec import WorkloadSpec

MODEL_WORKLOADS: tuple[str, ...] = (resnet.NAME, bert.NAME, gpt2.NAME)
_SHAPES: dict[str, Callable[[WorkloadSpec], dict[str, tuple[int, ...]]]] = {
    resnet.NAME: resnet.weight_shapes,
    bert.NAME: bert.weight_shapes,
    gpt2.NAME: gpt2.weight_shapes,
}
_SPECS: tuple[Callable[[], list[WorkloadSpec]], ...] = (resnet.specs, bert.specs, gpt2.specs)


def specs() -> list[WorkloadSpec]:
    return [spec for make in _SPECS for spec in make()]


def weight_shapes(spec: WorkloadSpec) -> dict[str, tuple[int, ...]]:
    return _SHAPES[spec.name](spec)


def forward_flops(spec: WorkloadSpec, scenario: str | None = None) -> float:
    """Forward FLOPs per sample; for gpt2 per prompt (``prefill``) or per new token (the decode scenarios)."""
    if spec.name == gpt2.NAME:
        return gpt2.prefill_flops(spec) if scenario == gpt2.PREFILL else gpt2.decode_flops(spec)
    return resnet.forward_flops(spec) if spec.name == resnet.NAME else bert.forward_flops(spec)

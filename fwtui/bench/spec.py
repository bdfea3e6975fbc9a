"""One benchmark child's job: :class:`RunSpec`, and the one rule for what it measures.

A spec is one (framework, workload, mode, variant); :meth:`RunSpec.measurements` says which (scenario,
batch) pairs it times. The planner, the child and the records all ask the spec, so they cannot disagree.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace
from typing import Any

from fwtui.bench.workloads import get_spec
from fwtui.frameworks import BY_NAME
from fwtui.json_fields import Fields, JsonObject

LATENCY, THROUGHPUT, TRAIN = "latency", "throughput", "train"
PREFILL, DECODE = "prefill", "decode"  # gpt2's generation: time to first token, then per new token


def contender(framework: str, variant: str | None) -> str:
    """A framework and variant as every list of results names them: ``torch/eager``; a framework whose
    variants are the frameworks it runs on (Keras and its backends) as ``Keras (jax)``."""
    entry = BY_NAME.get(framework)
    if entry is not None and entry.variant_env and variant:
        return f"{entry.display} ({variant})"
    return f"{framework}/{variant}" if variant else framework


def run_label(
    framework: str,
    variant: str | None,
    workload: str,
    size: str | None,
    what: str,
    *,
    batch: int | None = None,
    device: str | None = "cpu",
    precision: str | None = "float32",
) -> str:
    """A run, or one result of it, in one line: ``torch/eager mlp/small inference b32 cuda``.

    ``what`` is the mode for a run and the scenario for a result; the batch is named only when it was chosen
    (a result's scenario implies it), the precision only when it is not float32 and the device only when it is
    not the cpu. The CLI and every area name runs and results this way.
    """
    parts = [contender(framework, variant), f"{workload}/{size}" if size else workload, what]
    if batch:
        parts.append(f"b{batch}")
    if precision and precision != "float32":
        parts.append(precision)
    if device and device != "cpu":
        parts.append(device)
    return " ".join(parts)


@dataclass(frozen=True)
class Measurement:
    """One timed scenario of a run and the batch it uses."""

    scenario: str  # "latency" | "throughput" | "train"
    batch: int


@dataclass(frozen=True)
class RunSpec:
    """One child process: one framework, workload, mode and variant (its scenarios run inside it)."""

    framework: str
    workload: str
    mode: str
    variant: str
    size: str = "small"
    device: str = "cpu"
    threads: int = 1
    latency_batch: int = 1
    batch: int | None = None  # throughput/training batch; None = the workload's default
    preset: str = "quick"
    timeout_s: float = 180.0
    min_time_s: float = 0.3
    min_iterations: int = 10
    max_time_s: float = 3.0
    warmup_s: float = 0.1
    memory_limit_mb: float | None = None
    seed: int = 0  # of the weights; inputs have their own fixed seeds
    precision: str = "float32"  # float32 | bfloat16 | float16 | int8: what the timed step computes in
    # Independent processes that measure this run (fwtui.bench.repetition); min_time_s, min_iterations and
    # max_time_s are the result's whole budget, shared between them.
    repetitions: int = 1
    # Which of those processes this child is (0-based): the checks against the reference run in process 0 only
    # (fwtui.bench.reference_checks), since every process runs the same code on the same seeded data.
    repetition: int = 0
    # Set when no child needs to run: the result is recorded with this status and reason directly.
    status: str | None = None  # None | "skipped" | "unsupported"
    reason: str | None = None
    # Testing aids, honoured by the child (see fwtui.bench.child).
    fault: str | None = None
    fault_phase: str | None = None
    runner: str | None = None  # a Runner target ("module:Class" or "/path/file.py:Class") instead of the registry's

    @property
    def process_key(self) -> tuple[str, str | None, str | None]:
        """What runs that share a child must have in common: the framework and runner, and for a framework
        that picks what it runs on before its import (Keras' backend), the variant too."""
        entry = BY_NAME.get(self.framework)
        chosen_at_import = self.variant if entry is not None and entry.variant_env else None
        return (self.framework, self.runner, chosen_at_import)

    @property
    def label(self) -> str:
        """The run in one line (see :func:`run_label`)."""
        return run_label(
            self.framework, self.variant, self.workload, self.size, self.mode,
            batch=self.batch, device=self.device, precision=self.precision,
        )  # fmt: skip

    def measurements(self) -> tuple[Measurement, ...]:
        """(scenario, batch) pairs: latency at the latency batch and throughput at the big batch, or one
        training scenario at the training batch. ``gemm`` is one matmul whatever the batch: one scenario,
        batch 1. A generating model (gpt2) measures ``prefill`` and ``decode`` at the latency batch and
        decoding at the throughput batch (``throughput``: new tokens per second)."""
        if self.workload == "gemm":
            return (Measurement(TRAIN if self.mode == "training" else THROUGHPUT, 1),)
        workload = get_spec(self.workload, self.size)
        if workload.new_tokens and self.mode == "inference":
            # Generation: the prompt, one new token at a time, and new tokens at the throughput batch.
            return (
                Measurement(PREFILL, self.latency_batch),
                Measurement(DECODE, self.latency_batch),
                Measurement(THROUGHPUT, self.batch or workload.throughput_batch),
            )
        if self.mode == "training":
            return (Measurement(TRAIN, self.batch or workload.train_batch),)
        return (
            Measurement(LATENCY, self.latency_batch),
            Measurement(THROUGHPUT, self.batch or workload.throughput_batch),
        )

    @property
    def scenarios(self) -> tuple[str, ...]:
        return tuple(m.scenario for m in self.measurements())

    def batch_for(self, scenario: str) -> int:
        """The batch ``scenario`` uses; raises ``KeyError`` for a scenario this spec does not measure."""
        for measurement in self.measurements():
            if measurement.scenario == scenario:
                return measurement.batch
        raise KeyError(f"{self.label} does not measure {scenario!r}")

    def to_dict(self) -> JsonObject:
        return dict(asdict(self))

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> RunSpec:
        """A spec from its JSON form; fields it does not know are ignored, missing ones take defaults."""
        f = Fields(data, "run spec")
        d = _DEFAULTS
        return cls(
            framework=f.text("framework"),
            workload=f.text("workload"),
            mode=f.text("mode"),
            variant=f.text("variant"),
            size=f.text("size", d.size),
            device=f.text("device", d.device),
            threads=f.integer("threads", 1),
            latency_batch=f.integer("latency_batch", 1),
            batch=f.opt_integer("batch"),
            preset=f.text("preset", d.preset),
            timeout_s=f.number("timeout_s", d.timeout_s),
            min_time_s=f.number("min_time_s", d.min_time_s),
            min_iterations=f.integer("min_iterations", d.min_iterations),
            max_time_s=f.number("max_time_s", d.max_time_s),
            warmup_s=f.number("warmup_s", d.warmup_s),
            memory_limit_mb=f.opt_number("memory_limit_mb"),
            seed=f.integer("seed", 0),
            precision=f.text("precision", d.precision),
            repetitions=f.integer("repetitions", 1),
            repetition=f.integer("repetition", 0),
            status=f.opt_text("status"),
            reason=f.opt_text("reason"),
            fault=f.opt_text("fault"),
            fault_phase=f.opt_text("fault_phase"),
            runner=f.opt_text("runner"),
        )

    def with_changes(self, **changes: Any) -> RunSpec:  # Any: dataclasses.replace takes any field
        return replace(self, **changes)


_DEFAULTS = RunSpec(framework="", workload="", mode="", variant="")

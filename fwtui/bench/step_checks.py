"""What the child observed about the timed step itself, beyond its times: the raw evidence behind the flags.

The flags are never decided in the child: it reports these observations with the samples, and the engine
(:mod:`fwtui.bench.validity`) turns them into flags, the same way for a fresh result, an import or sample data.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from fwtui.bench.contention import Window
from fwtui.json_fields import Fields, JsonObject


@dataclass(frozen=True)
class StepChecks:
    async_dispatch: bool = False  # the framework returns before the device work ends (JAX, torch/TF on GPU)
    materialise_ms: float | None = None  # fetching the isolated call's output to the host, after the call
    fetch_ratio: float | None = None  # median plain call / median call + fetch of its output, interleaved
    timed_output: str | None = None  # what of a timed call's output was checked, or why nothing was
    timed_output_error: float | None = None  # its max abs (inference) or rel (training) error
    timed_output_tolerance: float | None = None
    compiles_warmup: int | None = None  # traces/compiles the framework counted during warm-up
    compiles_measure: int | None = None  # ...and during the timed samples: steady state must have none
    compile_counter: str | None = None  # which counter was read, or why none could be
    dtype_used: str | None = None  # the dtype of the timed output (peak and FLOP/s are per dtype)
    contention: Window | None = None  # the measure phase's window (the one flags are decided on)
    warmup_contention: Window | None = None  # the warm-up's, for the record
    cpu_frequency: JsonObject | None = None

    def to_dict(self) -> JsonObject:
        data: JsonObject = {
            "async_dispatch": self.async_dispatch,
            "materialise_ms": self.materialise_ms,
            "fetch_ratio": self.fetch_ratio,
            "timed_output": self.timed_output,
            "timed_output_error": self.timed_output_error,
            "timed_output_tolerance": self.timed_output_tolerance,
            "compiles_warmup": self.compiles_warmup,
            "compiles_measure": self.compiles_measure,
            "compile_counter": self.compile_counter,
            "dtype_used": self.dtype_used,
            "contention": None if self.contention is None else self.contention.to_dict(),
            "warmup_contention": None if self.warmup_contention is None else self.warmup_contention.to_dict(),
            "cpu_frequency": self.cpu_frequency,
        }
        return {key: value for key, value in data.items() if value is not None}

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> StepChecks:
        f = Fields(data, "step checks")
        contention = f.opt_object("contention")
        warmup = f.opt_object("warmup_contention")
        return cls(
            async_dispatch=f.flag("async_dispatch", False),
            materialise_ms=f.opt_number("materialise_ms"),
            fetch_ratio=f.opt_number("fetch_ratio"),
            timed_output=f.opt_text("timed_output"),
            timed_output_error=f.opt_number("timed_output_error"),
            timed_output_tolerance=f.opt_number("timed_output_tolerance"),
            compiles_warmup=f.opt_integer("compiles_warmup"),
            compiles_measure=f.opt_integer("compiles_measure"),
            compile_counter=f.opt_text("compile_counter"),
            dtype_used=f.opt_text("dtype_used"),
            contention=None if contention is None else Window.from_dict(contention),
            warmup_contention=None if warmup is None else Window.from_dict(warmup),
            cpu_frequency=f.opt_object("cpu_frequency"),
        )

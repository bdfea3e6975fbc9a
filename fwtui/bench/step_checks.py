"""What the child observed about the timed step itself, beyond its times: the raw evidence behind the flags.

The flags are never decided in the child: it reports these observations with the samples, and the engine
(:mod:`fwtui.bench.validity`) turns them into flags, the same way for a fresh result, an import or sample data.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from fwtui.bench.contention import Window
from fwtui.json_fields import Fields, JsonObject


@dataclass(frozen=True)
class StepChecks:
    async_dispatch: bool = False  # the framework returns before the device work ends (JAX, torch/TF on GPU)
    materialise_ms: float | None = None  # fetching the isolated call's output to the host, after the call
    # The isolated call materialise_ms belongs to, when it is not the result's own isolated_call_ms (a result
    # pooled from several processes keeps the median call but the pair of the most suspicious process).
    lone_call_ms: float | None = None
    fetch_ratio: float | None = None  # median plain call / median call + fetch of its output, interleaved
    # Share of calls whose output was still being computed when the call returned (None: the framework
    # cannot tell). A synchronised step's is 0 by construction.
    pending_share: float | None = None
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
            "lone_call_ms": self.lone_call_ms,
            "fetch_ratio": self.fetch_ratio,
            "pending_share": self.pending_share,
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
            lone_call_ms=f.opt_number("lone_call_ms"),
            fetch_ratio=f.opt_number("fetch_ratio"),
            pending_share=f.opt_number("pending_share"),
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


def _lone_ratio(call_ms: float | None, checks: StepChecks) -> float:
    """A lone call's share of call + fetch (lower is more suspicious); 1 when either is unknown."""
    if call_ms is None or checks.materialise_ms is None or call_ms + checks.materialise_ms <= 0:
        return 1.0
    return call_ms / (call_ms + checks.materialise_ms)


def _window_load(window: Window | None) -> tuple[bool, float, float]:
    """How contended a window was, for ranking: contended first, then other processes' CPUs, then steal."""
    if window is None:
        return (False, -1.0, -1.0)
    return (window.contended(), window.other_cpus or 0.0, window.steal_share or 0.0)


def _error_share(checks: StepChecks) -> float:
    """A timed output's error over its tolerance; an unchecked output ranks above any error."""
    if checks.timed_output is None:
        return float("inf")
    if checks.timed_output_error is None or not checks.timed_output_tolerance:
        return 0.0
    return checks.timed_output_error / checks.timed_output_tolerance


def _total(values: Sequence[int | None]) -> int | None:
    present = [v for v in values if v is not None]
    return sum(present) if present else None


def pooled(observed: Sequence[tuple[float | None, StepChecks | None]]) -> StepChecks | None:
    """One result's observations from several processes, as ``(isolated_call_ms, checks)`` per process.

    Each observation is the worst any process showed, so the engine flags a pooled result whenever it would
    have flagged one of its processes: the timed output with the largest error for its tolerance (or one that
    was not checked), the compile counts summed, the lone call with the smallest share of call + fetch (kept
    with its own call time in ``lone_call_ms``), the smallest fetch ratio, the largest share of pending outputs, the most contended windows, and a
    dtype that differs between processes as both names (which can never equal the claimed dtype).
    """
    present = [(call, c) for call, c in observed if c is not None]
    if not present:
        return None
    if len(present) == 1 and len(observed) == 1:
        return present[0][1]
    checks = [c for _, c in present]
    output = max(checks, key=_error_share)
    lone_call, lone = min(present, key=lambda pair: _lone_ratio(*pair))
    ratios = [c.fetch_ratio for c in checks if c.fetch_ratio is not None]
    pending = [c.pending_share for c in checks if c.pending_share is not None]
    dtypes = sorted({c.dtype_used for c in checks if c.dtype_used is not None})
    return StepChecks(
        async_dispatch=any(c.async_dispatch for c in checks),
        materialise_ms=lone.materialise_ms,
        lone_call_ms=lone.lone_call_ms if lone.lone_call_ms is not None else lone_call,
        fetch_ratio=min(ratios) if ratios else None,
        pending_share=max(pending) if pending else None,
        timed_output=output.timed_output,
        timed_output_error=output.timed_output_error,
        timed_output_tolerance=output.timed_output_tolerance,
        compiles_warmup=_total([c.compiles_warmup for c in checks]),
        compiles_measure=_total([c.compiles_measure for c in checks]),
        compile_counter=next((c.compile_counter for c in checks if c.compile_counter), None),
        dtype_used="/".join(dtypes) if dtypes else None,
        contention=max((c.contention for c in checks), key=_window_load),
        warmup_contention=max((c.warmup_contention for c in checks), key=_window_load),
        cpu_frequency=checks[0].cpu_frequency,
    )

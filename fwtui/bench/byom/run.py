"""Running a user's model in every engine that can, each in a child, and cross-checking the engines' outputs.

A user's model has no float64 reference, so the engines are checked against each other: the first target
that ran at float32 is the reference, every other output must agree within its precision's tolerance, and
one disagreement flags every result of that model (``output_mismatch``). The other flags are the engine's
(:func:`fwtui.bench.validity.compute` on the samples, their timer resolution and contention window). A target that cannot load or
convert the model is ``unsupported`` with the reason, and the others go on; a model whose input has a
dynamic dimension that ``--input-shape`` does not fix stops the run with a usage error naming it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from fwtui.bench import stats, validity
from fwtui.bench.byom.model_file import ModelError, ModelFile, Target, child_environment, targets
from fwtui.bench.contention import Window
from fwtui.bench.step_checks import StepChecks
from fwtui.errors import UsageError
from fwtui.frameworks import installed_version
from fwtui.json_fields import JsonObject, JsonValue

MISMATCH = validity.MISMATCH
# Agreement with the reference: max|out - ref| <= abs + rel * max|ref|, by the target's precision.
TOLERANCE: dict[str, tuple[float, float]] = {
    "float32": (1e-4, 1e-3),  # another engine's kernels sum in another order
    "float16": (1e-3, 2e-2),
    "int8": (1e-2, 1e-1),  # dynamic quantisation of the weights
}


@dataclass(frozen=True)
class ModelResult:
    """One target's result for one model file."""

    model: ModelFile
    target: Target
    status: str  # ok | unsupported | error | timeout
    reason: str | None = None
    precision: str = "float32"
    params: int | None = None
    input_shapes: dict[str, list[int]] = field(default_factory=dict)
    samples_ms: tuple[float, ...] = ()
    first_call_s: float | None = None
    load_s: float | None = None
    version: str | None = None
    max_abs_diff: float | None = None  # against the reference target's outputs
    tolerance: float | None = None
    flags: tuple[str, ...] = ()
    # How the samples were taken, for the validity engine (and stored with the result's details).
    inner_iterations: int = 1
    timer_resolution_ns: float | None = None
    contention: Window | None = None
    # Joules spent over the timed samples (fwtui.bench.energy), or None and why; what the counter covered.
    energy_j: float | None = None
    energy_reason: str | None = None
    energy_scope: str | None = None

    @property
    def p50_ms(self) -> float | None:
        return float(np.median(self.samples_ms)) if self.samples_ms else None

    def to_dict(self) -> JsonObject:
        summary: JsonObject | None = dict(stats.summarize(self.samples_ms)) if self.samples_ms else None
        return {
            "model": self.model.name,
            "model_sha256": self.model.sha256,
            "model_kind": self.model.kind,
            "engine": self.target.engine,
            "variant": self.target.variant,
            "framework_version": self.version,
            "status": self.status,
            "reason": self.reason,
            "precision": self.precision,
            "params": self.params,
            "input_shapes": {name: list[JsonValue](dims) for name, dims in self.input_shapes.items()},
            "latency_ms": summary,
            "first_call_s": self.first_call_s,
            "load_s": self.load_s,
            "max_abs_diff": self.max_abs_diff,
            "tolerance": self.tolerance,
            "flags": list(self.flags),
        }


def model_targets(model: ModelFile) -> list[Target]:
    """The targets of this model here (the CUDA provider only with onnxruntime-gpu installed)."""
    providers = ["CPUExecutionProvider"]
    if installed_version("onnxruntime-gpu"):
        providers.append("CUDAExecutionProvider")
    return targets(model.kind, tuple(providers))


def run_model(
    model: ModelFile,
    input_shapes: dict[str, tuple[int, ...]],
    *,
    threads: int = 1,
    timeout_s: float = 300.0,
    quick: bool = True,
    only: list[str] | None = None,
    on_result: Callable[[ModelResult], None] | None = None,
    on_start: Callable[[int, int, str], None] | None = None,
) -> list[ModelResult]:
    """Every target's result, cross-checked; raises :class:`UsageError` when an input shape is missing."""
    results: list[ModelResult] = []
    outputs: dict[str, list[np.ndarray]] = {}
    chosen = [t for t in model_targets(model) if only is None or t.engine in only or t.name in only]
    if not chosen:
        raise UsageError(f"no engine among {', '.join(only or [])} runs a .{model.kind} model")
    timing = {"min_time_s": 0.2, "min_iterations": 10, "max_time_s": 2.0, "warmup_s": 0.05} if quick else {
        "min_time_s": 1.0, "min_iterations": 20, "max_time_s": 10.0, "warmup_s": 0.3}  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="fwtui-model-") as tmp:
        for index, target in enumerate(chosen):
            if on_start is not None:
                on_start(index, len(chosen), target.name)
            workdir = Path(tmp) / str(index)
            workdir.mkdir()
            job: JsonObject = {
                "path": model.path, "kind": model.kind, "engine": target.engine, "variant": target.variant,
                "workdir": str(workdir), "threads": threads, "seed": 0,
                "input_shapes": {k: list(v) for k, v in input_shapes.items()}, **timing,
            }  # fmt: skip
            result, out = _run_child(model, target, job, timeout_s)
            if out is not None:
                outputs[target.name] = out
            results.append(result)
    if not any(r.status == "ok" for r in results):
        first = results[0].reason or results[0].status if results else "nothing ran"
        raise ModelError(
            f"{model.name}: none of {len(results)} engines could run it; {results[0].target.name}: {first}"
        )
    checked = cross_check(results, outputs)
    for result in checked:
        if on_result is not None:
            on_result(result)
    return checked


def _run_child(
    model: ModelFile, target: Target, job: JsonObject, timeout_s: float
) -> tuple[ModelResult, list[np.ndarray] | None]:
    # Temporary files in the run's own directory, removed with it (TensorFlow's autograph leaves a file per traced
    # function in the temporary directory).
    env = {**os.environ, **child_environment(target), "TF_CPP_MIN_LOG_LEVEL": "2", "TMPDIR": str(job["workdir"])}
    try:
        done = subprocess.run(
            [sys.executable, "-m", "fwtui.bench.byom.child", json.dumps(job)],
            capture_output=True, text=True, timeout=timeout_s, env=env, start_new_session=True,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        return ModelResult(model, target, "timeout", f"no result within {timeout_s:g} s (killed)"), None
    lines = done.stdout.strip().splitlines()
    if not lines:
        tail = (done.stderr.strip().splitlines() or [f"exit status {done.returncode}"])[-1]
        return ModelResult(model, target, "error", f"the model child died: {tail[:300]}"), None
    data = json.loads(lines[-1])
    status = str(data.get("status"))
    if status == "needs_input_shape":
        raise UsageError(f"{model.name}: {data.get('reason')}")
    if status != "ok":
        return ModelResult(model, target, status, str(data.get("reason") or "")), None
    out_file = Path(str(job["workdir"])) / "outputs.npz"
    with np.load(out_file, allow_pickle=False) as saved:
        out = [saved[f"arr_{i}"] for i in range(len(saved.files))]
    result = ModelResult(
        model, target, "ok", **_observed(data),
        precision=str(data.get("precision", "float32")),
        params=data.get("params"),
        input_shapes={str(k): [int(d) for d in v] for k, v in dict(data.get("inputs") or {}).items()},
        samples_ms=tuple(float(s) for s in data.get("samples_ms") or ()),
        first_call_s=data.get("first_call_s"),
        load_s=data.get("load_s"),
        version=data.get("version"),
    )  # fmt: skip
    return replace(result, flags=engine_flags(result, data)), out


def _observed(data: JsonObject) -> dict[str, Any]:
    """How the child took its samples (the :class:`ModelResult` fields of the same names)."""
    raw_window = data.get("contention")
    inner = data.get("inner_iterations")
    resolution = data.get("timer_resolution_ns")
    joules, reason, scope = data.get("energy_j"), data.get("energy_reason"), data.get("energy_scope")
    return {
        "energy_j": float(joules) if isinstance(joules, (int, float)) and joules > 0 else None,
        "energy_reason": reason if isinstance(reason, str) else None,
        "energy_scope": scope if isinstance(scope, str) else None,
        "contention": Window.from_dict(raw_window) if isinstance(raw_window, dict) else None,
        "inner_iterations": inner if isinstance(inner, int) and inner > 0 else 1,
        "timer_resolution_ns": float(resolution) if isinstance(resolution, (int, float)) else None,
    }


TIMED_OUTPUT = "a timed call's outputs, cross-checked between engines"


def step_checks(result: ModelResult) -> StepChecks:
    """What the model child observed about its timed step: its outputs are kept, and the contention window."""
    return StepChecks(timed_output=TIMED_OUTPUT, contention=result.contention)


def engine_flags(result: ModelResult, data: JsonObject) -> tuple[str, ...]:
    """The validity engine's flags for a model's samples (its outputs are cross-checked separately)."""
    result = replace(result, **_observed(data))
    evidence = validity.Evidence(
        status="ok", device="cpu", dtype=result.precision, batch_size=1,
        inner_iterations=result.inner_iterations, timer_resolution_ns=result.timer_resolution_ns,
        flops_per_sample=None, max_abs_error=None, tolerance=None, isolated_call_ms=None,
        checks=step_checks(result), stored_p50_ms=None, stored_mean_ms=None, stored_throughput=None,
    )  # fmt: skip
    return validity.compute(evidence, result.samples_ms, peak_gflops=None, logical_cpus=os.cpu_count())


def cross_check(results: list[ModelResult], outputs: dict[str, list[np.ndarray]]) -> list[ModelResult]:
    """Each result's distance to the reference (the first float32 result); a disagreement flags them all."""
    reference = next(
        (r for r in results if r.status == "ok" and r.precision == "float32" and r.target.name in outputs),
        None,
    )
    if reference is None:
        return results
    expected = outputs[reference.target.name]
    scale = max((float(np.max(np.abs(e))) for e in expected if e.size), default=0.0)
    checked: list[ModelResult] = []
    for result in results:
        got = outputs.get(result.target.name)
        if result.status != "ok" or got is None:
            checked.append(result)
            continue
        absolute, relative = TOLERANCE.get(result.precision, TOLERANCE["float32"])
        tolerance = absolute + relative * scale
        checked.append(replace(result, max_abs_diff=_max_abs_diff(got, expected), tolerance=tolerance))
    found = validity.cross_checked([(r.status, r.max_abs_diff, r.tolerance, r.flags) for r in checked])
    return [replace(r, flags=f) for r, f in zip(checked, found, strict=True)]


def _max_abs_diff(got: list[np.ndarray], expected: list[np.ndarray]) -> float:
    if len(got) != len(expected) or any(g.shape != e.shape for g, e in zip(got, expected, strict=True)):
        return float("inf")
    diffs = [
        float(np.max(np.abs(g.astype(np.float64) - e.astype(np.float64))))
        for g, e in zip(got, expected, strict=True)
        if g.size
    ]
    return max(diffs, default=0.0) if all(np.isfinite(diffs)) else float("inf")


def result_line(result: ModelResult) -> str:
    """One target's result in one line, as the CLI and the Benchmark area show it."""
    from fwtui import units

    if result.status != "ok":
        return f"{result.target.name}: {result.status}: {result.reason}"
    flags = f"  [{', '.join(result.flags)}]" if result.flags else ""
    return (
        f"{result.target.name:<28} p50 {units.latency_ms(result.p50_ms):>12}  {result.precision:<8}"
        f" max|Δ| {units.number(result.max_abs_diff)} (tolerance {units.number(result.tolerance)}){flags}"
    )


def summary_lines(model: ModelFile, results: list[ModelResult]) -> list[str]:
    """The model, then every target's line, then its inputs, size and the reference."""
    from fwtui import units
    from fwtui.terminal_text import printable

    name = printable(model.name, newlines=False)
    lines = [f"{name} ({model.kind}, sha256 {model.short_hash}, {units.count(model.size_bytes)} bytes)"]
    lines += [f"  {result_line(r)}" for r in results]
    first = next((r for r in results if r.status == "ok"), None)
    if first is not None:
        shapes = ", ".join(f"{k}={'x'.join(map(str, v))}" for k, v in first.input_shapes.items())
        lines.append(
            f"inputs {shapes}; {units.count(first.params)} parameters; reference {first.target.name}"
        )
    return lines

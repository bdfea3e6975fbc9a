"""A user's model's results as result records, stored like every result, with the model's identity.

Each target's :class:`~fwtui.bench.byom.run.ModelResult` becomes a :class:`ResultRecord` whose workload is
``model:<file name>`` and whose size is the first 12 hex digits of the file's sha256, so every comparison
fwtui makes on (workload, size) puts two runs of the same file together and never two different files, even
of the same name. The identity is in its own columns (``model_name``, ``model_sha256``, ``model_params``,
``model_inputs``). Statistics come from the samples and the flags from the validity engine, computed from the
record itself, then cross-checked between the model's engines (:func:`fwtui.bench.validity.cross_checked`):
what re-validation of a stored or imported record recomputes is exactly what was stored.
"""

from __future__ import annotations

import dataclasses
import math
import os
import uuid
from collections.abc import Mapping, Sequence

from fwtui.bench import stats, validity
from fwtui.bench.byom.model_file import ModelFile
from fwtui.bench.byom.run import ModelResult, step_checks
from fwtui.bench.energy import EnergyReading
from fwtui.bench.result_record import (
    LATENCY_KEYS,
    LatencyStats,
    MeasurementDetails,
    Phases,
    RecordDetails,
    ResultRecord,
    now_iso,
)
from fwtui.bench.significance import per_process_medians, spread
from fwtui.terminal_text import printable

WORKLOAD_PREFIX = "model:"
NAME_LIMIT = 120  # characters of a file name kept in results
SIZE_DIGITS = 12  # hex digits of the sha256 in the size column (48 bits: no two files a user has collide)
MODE, SCENARIO = "inference", "latency"  # one forward call, timed per call
# A model child's status as a result's status.
STATUSES: dict[str, str] = {"ok": "ok", "error": "failed", "timeout": "timeout", "unsupported": "unsupported"}


def model_name(name: str) -> str:
    """A file name as results keep it: no directory, nothing a terminal acts on, at most NAME_LIMIT long."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    shown = printable(base, newlines=False)
    return shown if len(shown) <= NAME_LIMIT else shown[: NAME_LIMIT - 1] + "…"


def model_workload(model: ModelFile) -> str:
    """``model:resnet.onnx``: what the Results area's workload column shows."""
    return WORKLOAD_PREFIX + model_name(model.name)


def model_size(model: ModelFile) -> str:
    return model.sha256[:SIZE_DIGITS]


def inputs_text(shapes: Mapping[str, Sequence[int]]) -> str | None:
    """``{"x": [1, 3, 224, 224]}`` -> ``x=1x3x224x224`` (several inputs joined by ``, ``)."""
    if not shapes:
        return None
    return ", ".join(
        f"{model_name(name)}={'x'.join(str(int(d)) for d in dims)}" for name, dims in shapes.items()
    )


def _batch(shapes: Mapping[str, Sequence[int]]) -> int:
    """The first input's leading dimension (the batch, for a batch-first model); 1 without one."""
    first = next(iter(shapes.values()), None)
    return int(first[0]) if first else 1


def _stat(summary: Mapping[str, float | int | None], key: str) -> float | None:
    value = summary[key]
    return None if value is None else float(value)


def model_record(
    result: ModelResult,
    *,
    run_id: str | None,
    machine_id: str | None,
    threads: int,
    reference: str | None = None,
    params: int | None = None,
    shapes: Mapping[str, Sequence[int]] | None = None,
) -> ResultRecord:
    """One target's record (flags from its own evidence only: :func:`model_records` cross-checks them).

    ``params`` is the model's parameter count as the reference engine counts it (a quantised copy counts
    its scales too: that target's own count is in ``details.parameters``); ``shapes`` the inputs every target
    was given (a target that did not run reports none)."""
    shapes = result.input_shapes or shapes or {}
    model = result.model
    samples = list(result.samples_ms) if result.status == "ok" else []
    inner = result.inner_iterations
    summary = stats.summarize(samples, inner)
    mean = _stat(summary, "mean")
    batch = _batch(shapes)
    processes = spread(per_process_medians([samples])) if samples else None
    measured = bool(samples)
    spent = EnergyReading(result.energy_j, result.energy_reason, result.energy_scope)
    energy_j, energy_reason = spent.per_sample(len(samples) * inner * batch) if measured else (None, None)
    details = RecordDetails(
        measurement=MeasurementDetails(
            check=f"outputs of a timed call against the reference engine's ({reference or 'none'})",
            parameters=result.params,
            checks=step_checks(result),
            energy_scope=spent.scope,
        )
        if measured
        else None,
        timer_resolution_ns=result.timer_resolution_ns,
        tails_reason=stats.tails_reason(len(samples), inner) if measured else None,
        process_n=(len(samples),) if measured else None,
    )
    return ResultRecord(
        result_id=uuid.uuid4().hex,
        run_id=run_id,
        machine_id=machine_id,
        created_at=now_iso(),
        framework=result.target.engine,
        framework_version=result.version,
        variant=result.target.variant,
        workload=model_workload(model),
        size=model_size(model),
        mode=MODE,
        scenario=SCENARIO,
        batch_size=batch,
        device="cuda" if result.target.variant.startswith("cuda-") else "cpu",
        dtype=result.precision,
        threads=threads,
        status=STATUSES.get(result.status, "failed"),
        reason=None if result.status == "ok" else result.reason,
        n=int(summary["n"] or 0) if measured else None,
        inner_iterations=inner if measured else None,
        latency_ms=LatencyStats(**{key: _stat(summary, key) for key in LATENCY_KEYS}) if measured else None,
        cv=_stat(summary, "cv"),
        repetitions=processes.processes if processes else None,
        process_p50_ms=processes.medians_ms if processes else (),
        process_cv=processes.cv if processes else None,
        throughput_samples_per_s=batch * 1000.0 / mean if mean else None,
        phases_s=Phases(build=result.load_s, first_call=result.first_call_s),
        energy_j_per_sample=energy_j,
        energy_reason=energy_reason,
        # Outputs of another shape or not finite (an infinite distance) are stored as NULL, which the
        # cross-check reads as a disagreement (a tolerance with no finite error).
        max_abs_error=result.max_abs_diff
        if result.max_abs_diff is not None and math.isfinite(result.max_abs_diff)
        else None,
        tolerance=result.tolerance,
        details=details,
        model_name=model_name(model.name),
        model_sha256=model.sha256,
        model_params=params if params is not None else result.params,
        model_inputs=inputs_text(shapes),
    )


def record_flags(record: ResultRecord, samples_ms: Sequence[float]) -> tuple[str, ...]:
    """The validity engine's flags for one record, from the record itself (as re-validation reads it)."""
    evidence = validity.Evidence.from_row(validity.record_row(record.to_dict()))
    return validity.compute(evidence, samples_ms, peak_gflops=None, logical_cpus=os.cpu_count())


def model_records(
    results: Sequence[ModelResult], *, run_id: str | None, machine_id: str | None, threads: int
) -> list[tuple[ResultRecord, list[float]]]:
    """Every target's record and samples, flagged by the engine and cross-checked between the engines."""
    ran = [r for r in results if r.status == "ok"]
    first = next(
        (r for r in ran if r.precision == "float32" and r.tolerance is not None), ran[0] if ran else None
    )
    reference = first.target.name if first is not None and first.tolerance is not None else None
    params = first.params if first is not None else None
    built = [
        model_record(
            r,
            run_id=run_id,
            machine_id=machine_id,
            threads=threads,
            reference=reference,
            params=params,
            shapes=first.input_shapes if first is not None else None,
        )
        for r in results
    ]
    samples = [list(r.samples_ms) if r.status == "ok" else [] for r in results]
    own = [record_flags(record, s) for record, s in zip(built, samples, strict=True)]
    found = validity.cross_checked(
        [(r.status, r.max_abs_error, r.tolerance, f) for r, f in zip(built, own, strict=True)]
    )
    return [
        (dataclasses.replace(record, flags=f), s) for record, f, s in zip(built, found, samples, strict=True)
    ]

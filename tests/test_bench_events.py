"""The engine's typed contracts: every event, record, spec and summary row survives its one JSON round trip,
malformed input is refused with the field named, and RunSpec is the one rule for what a run measures."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import numpy as np
import pytest

from fwtui.bench.events import (
    ChildDone,
    ChildError,
    ChildPhase,
    ChildProgress,
    ChildResult,
    QueueStarted,
    RunEnded,
    RunError,
    RunPhase,
    RunProgress,
    RunResult,
    RunStarted,
    SessionDone,
    child_event_from_dict,
    session_event_from_dict,
)
from fwtui.bench.records import apply_break_even, measured_record
from fwtui.bench.repetition import with_processes
from fwtui.bench.result_record import MeasurementDetails, Phases, ResultRecord, not_run_record
from fwtui.bench.spec import Measurement, RunSpec
from fwtui.bench.summary import summarize

SPEC = RunSpec(framework="torch", workload="mlp", mode="inference", variant="eager", threads=2, batch=32)
SAMPLES = tuple(float(v) for v in np.random.default_rng(1).normal(2.0, 0.05, 40))
MEASURED = ChildResult(
    scenario="throughput",
    batch_size=32,
    status="ok",
    framework_version="2.13.0",
    phases=Phases(import_s=1.0, build=0.1, first_call=0.2, compile=None, warmup=0.1, measure=1.0),
    samples_ms=SAMPLES,
    inner_iterations=3,
    timer_resolution_ns=40.0,
    isolated_call_ms=2.1,
    flops_per_sample=1e6,
    max_abs_error=1e-6,
    max_rel_error=1e-7,
    tolerance=1e-4,
    check_ok=True,
    peak_rss_mb=310.0,
    energy_j_per_sample=0.0021,
    details=MeasurementDetails(
        settings={"intra_op_threads": 2, "providers": ["cpu"]},
        configure_s=0.01,
        check_s=0.2,
        check="outputs of a batch of 4 vs float64 NumPy",
        steady_call_ms=2.0,
        load_average=(0.5, 0.4, 0.3),
        tolerance_rel=1e-4,
        energy_scope="RAPL package domains",
    ),
)


def _through_json(data: dict[str, Any]) -> dict[str, Any]:
    decoded: dict[str, Any] = json.loads(json.dumps(data, allow_nan=False))
    return decoded


def test_child_events_round_trip() -> None:
    events = [
        ChildPhase("measure", "latency", 1.5),
        ChildProgress("latency", 120, 2.0, 0.5, 0.2, (0.2, 0.21)),
        MEASURED,
        ChildResult("train", 64, "unsupported", "cannot train", "1.0", Phases(import_s=0.3)),
        ChildError("build", "RuntimeError: boom"),
        ChildDone(),
    ]
    for event in events:
        assert child_event_from_dict(_through_json(event.to_dict())) == event


def test_session_events_round_trip() -> None:
    record, _ = measured_record(SPEC, MEASURED, run_id="r1", machine_id="m1", peak_gflops=50.0)
    events = [
        QueueStarted((SPEC, SPEC.with_changes(mode="training"))),
        RunStarted(0, SPEC),
        RunPhase(0, "build", None, 0.5),
        RunProgress(0, "throughput", 10, 0.3, 0.1, 2.0, (2.0, 2.1)),
        RunError(0, "build", "ValueError: bad"),
        RunResult(0, record),
        RunEnded(0, "failed", "crashed with SIGSEGV in phase build"),
        SessionDone((record,), cancelled=True),
    ]
    for event in events:
        assert session_event_from_dict(_through_json(event.to_dict())) == event


def test_result_records_round_trip_in_the_json_shape() -> None:
    eager, _ = measured_record(SPEC, MEASURED, run_id="r1", machine_id="m1")
    compiled, _ = measured_record(SPEC.with_changes(variant="compile"), MEASURED)
    compiled = apply_break_even(compiled, eager)
    not_run = not_run_record(SPEC, "latency", "failed", "timed out", stderr_tail="Traceback ...")
    for record in (eager, compiled, not_run):
        data = _through_json(record.to_dict())
        assert ResultRecord.from_dict(data) == record
        assert list(data) == list(ResultRecord.__dataclass_fields__)
    data = eager.to_dict()
    p50 = float(np.percentile(SAMPLES, 50))
    assert "averages 3 calls" in data["details"]["tails_reason"]  # tails of averages are not single calls
    expected = {"p50": p50, "p90": None, "p95": None, "p99": None, "mean": float(np.mean(SAMPLES)),
                "stdev": float(np.std(SAMPLES, ddof=1)), "min": min(SAMPLES), "max": max(SAMPLES)}  # fmt: skip
    assert data["latency_ms"] == pytest.approx(expected)
    assert data["phases_s"] == {"import": 1.0, "build": 0.1, "first_call": 0.2, "compile": None,
                                "warmup": 0.1, "measure": 1.0}  # fmt: skip
    assert data["details"]["settings"] == {"intra_op_threads": 2, "providers": ["cpu"]}
    assert data["details"]["preset"] == "quick" and "samples_note" in data["details"]
    assert not_run.to_dict()["details"] == {"preset": "quick", "stderr_tail": "Traceback ..."}
    assert (data["energy_j_per_sample"], data["energy_reason"]) == (0.0021, None)
    assert data["details"]["energy_scope"] == "RAPL package domains"
    assert (not_run.energy_j_per_sample, not_run.energy_reason) == (None, None)  # nothing was measured


def _three_processes(result: ChildResult) -> list[ChildResult]:
    """``result``'s samples as if three processes had measured a third each."""
    return [dataclasses.replace(result, samples_ms=result.samples_ms[i::3]) for i in range(3)]


def test_summary_rows_round_trip() -> None:
    record, samples = measured_record(SPEC, MEASURED)
    record = with_processes(record, _three_processes(MEASURED))
    doubled = ChildResult(**{**MEASURED.__dict__, "samples_ms": tuple(s * 2 for s in SAMPLES)})
    slower, slow_samples = measured_record(SPEC.with_changes(framework="jax", variant="jit"), doubled)
    slower = with_processes(slower, _three_processes(doubled))
    (row,) = summarize([slower, record], {record.result_id: samples, slower.result_id: slow_samples})
    assert row.winner == "torch/eager" and row.runner_up == "jax/jit" and row.significant is True
    assert type(row).from_dict(_through_json(row.to_dict())) == row


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"event": "teleport"}, "unknown child event 'teleport'"),
        ({"event": "phase", "phase": 3}, "field 'phase' should be a string"),
        ({"event": "progress", "iterations": "many"}, "field 'iterations' should be a whole number"),
        ({"event": "result", "scenario": "latency", "samples_ms": [1, "x"]}, "field 'samples_ms'"),
        ({"event": "result", "scenario": "latency", "check_ok": "yes"}, "field 'check_ok' should be true or false"),
    ],
)
def test_malformed_child_events_are_refused_with_the_field(data: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        child_event_from_dict(data)


def test_runspec_is_the_one_rule_for_what_a_run_measures() -> None:
    assert SPEC.measurements() == (Measurement("latency", 1), Measurement("throughput", 32))
    assert SPEC.with_changes(batch=None).measurements()[1] == Measurement("throughput", 256)
    assert SPEC.with_changes(mode="training", batch=None).measurements() == (Measurement("train", 64),)
    gemm = SPEC.with_changes(workload="gemm")
    assert gemm.measurements() == (Measurement("throughput", 1),)  # one matmul whatever the batch
    assert gemm.with_changes(mode="training").measurements() == (Measurement("train", 1),)
    assert SPEC.batch_for("throughput") == 32
    with pytest.raises(KeyError, match="does not measure 'train'"):
        SPEC.batch_for("train")
    assert RunSpec.from_dict(_through_json(SPEC.to_dict())) == SPEC

"""A result measured in several processes is flagged when any of its processes would have been."""

from __future__ import annotations

from fwtui.bench import validity
from fwtui.bench.byom.model_file import ModelFile, Target
from fwtui.bench.byom.run import ModelResult, engine_flags
from fwtui.bench.contention import Window
from fwtui.bench.step_checks import StepChecks, pooled

QUIET = Window(wall_s=1.0, own_cpus=1.0, other_cpus=0.05, steal_share=0.0, cpus=2)
BUSY = Window(wall_s=1.0, own_cpus=1.0, other_cpus=1.5, steal_share=0.0, cpus=2)
SAMPLES = [1.0 + 0.001 * (i % 7) for i in range(60)]


def _checks(**changes: object) -> StepChecks:
    base = StepChecks(
        timed_output="timed call's output", timed_output_error=1e-7, timed_output_tolerance=1e-5,
        compiles_measure=0, dtype_used="float32", contention=QUIET,
    )  # fmt: skip
    return StepChecks(**{**base.__dict__, **changes})  # type: ignore[arg-type]


def _flags(checks: StepChecks | None, isolated_call_ms: float | None = 1.0) -> tuple[str, ...]:
    evidence = validity.Evidence(
        status="ok", device="cpu", dtype="float32", batch_size=1, inner_iterations=1, timer_resolution_ns=1.0,
        flops_per_sample=None, max_abs_error=None, tolerance=None, isolated_call_ms=isolated_call_ms,
        checks=checks, stored_p50_ms=None, stored_mean_ms=None, stored_throughput=None,
    )  # fmt: skip
    return validity.compute(evidence, SAMPLES, peak_gflops=None, logical_cpus=2)


def test_quiet_processes_pool_to_no_flag() -> None:
    merged = pooled([(1.0, _checks()), (1.1, _checks()), (0.9, _checks())])
    assert merged is not None and _flags(merged) == ()


def test_one_bad_process_flags_the_pooled_result() -> None:
    cases = {
        "busy_machine": _checks(contention=BUSY),
        "output_mismatch": _checks(timed_output_error=1e-3),
        "recompiled": _checks(compiles_measure=2),
        "dtype_mismatch": _checks(dtype_used="bfloat16"),
        "unchecked_step": _checks(timed_output=None, timed_output_error=None, timed_output_tolerance=None),
    }
    for flag, bad in cases.items():
        merged = pooled([(1.0, _checks()), (1.0, bad), (1.0, _checks())])
        assert merged is not None and flag in _flags(merged), flag
        # ... and it survives a round trip through the stored details
        assert flag in _flags(StepChecks.from_dict(merged.to_dict())), flag


def test_a_later_process_that_did_not_recheck_never_hides_the_first_processs_check() -> None:
    from fwtui.bench.reference_checks import CHECKED_ELSEWHERE

    elsewhere = _checks(timed_output=CHECKED_ELSEWHERE, timed_output_error=None, timed_output_tolerance=None)
    assert _flags(pooled([(1.0, _checks()), (1.0, elsewhere), (1.0, elsewhere)])) == ()
    wrong = _checks(timed_output_error=1e-3)
    assert "output_mismatch" in _flags(pooled([(1.0, wrong), (1.0, elsewhere), (1.0, elsewhere)]))
    unchecked = _checks(timed_output=None, timed_output_error=None, timed_output_tolerance=None)
    assert "unchecked_step" in _flags(pooled([(1.0, unchecked), (1.0, elsewhere)]))


def test_one_process_whose_calls_returned_unfinished_work_flags_the_result() -> None:
    synced = _checks(async_dispatch=True, materialise_ms=0.01, pending_share=0.0, fetch_ratio=0.95)
    pending = _checks(async_dispatch=True, materialise_ms=0.01, pending_share=1.0, fetch_ratio=0.95)
    merged = pooled([(1.0, synced), (1.0, pending), (1.0, synced)])
    assert merged is not None and merged.pending_share == 1.0
    assert "unsynced_step" in _flags(merged)
    assert "unsynced_step" in _flags(StepChecks.from_dict(merged.to_dict()))
    assert "unsynced_step" not in _flags(pooled([(1.0, synced), (1.0, synced)]))


def test_an_unsynced_process_keeps_its_own_lone_call() -> None:
    synced = _checks(async_dispatch=True, materialise_ms=0.01)
    unsynced = _checks(async_dispatch=True, materialise_ms=5.0)  # its 0.02 ms call left 5 ms of work behind
    merged = pooled([(1.0, synced), (0.02, unsynced), (1.0, synced)])
    assert merged is not None and merged.lone_call_ms == 0.02
    # The result's isolated call is the processes' median (1 ms): the pair still comes from one process.
    assert "unsynced_step" in _flags(merged, isolated_call_ms=1.0)
    assert "unsynced_step" not in _flags(pooled([(1.0, synced), (1.0, synced)]), isolated_call_ms=1.0)


def test_a_models_flags_are_the_engines() -> None:
    model = ModelFile(path="m.onnx", kind="onnx", name="m.onnx", sha256="0" * 64, size_bytes=1)
    result = ModelResult(model, Target("onnxruntime", "cpu-all"), "ok", samples_ms=tuple(SAMPLES))
    quiet = {"inner_iterations": 1, "timer_resolution_ns": 1.0, "contention": QUIET.to_dict()}
    assert engine_flags(result, quiet) == ()
    assert engine_flags(result, {**quiet, "contention": BUSY.to_dict()}) == ("busy_machine",)
    few = ModelResult(model, Target("onnxruntime", "cpu-all"), "ok", samples_ms=(1.0, 1.1, 1.2))
    assert "too_few_iterations" in engine_flags(few, quiet)

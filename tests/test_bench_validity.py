"""The methodology bugs fwtui exists to prevent are caught: missing sync, wrong outputs, unsupported as 0."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest

from fwtui.bench.flags import UNSYNCED_PENDING_SHARE
from fwtui.bench.plan import RunSpec
from fwtui.bench.session import BenchSession, summarize
from fwtui.bench.sink import OnSaveFailure, ResultSink

pytestmark = pytest.mark.slow

FAST = {"min_time_s": 0.2, "min_iterations": 10, "max_time_s": 3.0, "warmup_s": 0.05, "threads": 1}

# A stand-in framework whose numbers are known in advance: its outputs can be made wrong on purpose and its
# steps take a fixed time (busy waits), so the flags and the compile break-even can be checked exactly.
FAKE_RUNNER = textwrap.dedent(
    """
    import time
    import numpy as np
    from fwtui.bench import workload_data
    from fwtui.bench.runner import Runner

    ERROR = {error}
    STEP_MS = {{"eager": 1.0, "function": 0.5}}
    FIRST_CALL_S = {{"eager": 0.0, "function": 0.3}}

    class FakeRunner(Runner):
        def configure(self, threads, device):
            return {{"threads": threads}}

        def framework_version(self):
            return "0.0-test"

        def unsupported_reason(self, mode, variant, device):
            return None

        def device_available(self, device):
            return None if device == "cpu" else "the test framework only has a CPU"

        def prepare(self, spec, weights, *, mode, variant, device):
            return Prepared(spec, weights, variant)

    def _busy(ms):
        end = time.perf_counter() + ms / 1000
        while time.perf_counter() < end:
            pass

    class Prepared:
        def __init__(self, spec, weights, variant):
            self.spec, self.weights, self.variant = spec, weights, variant

        def infer(self, x):
            return (workload_data.reference_forward(self.spec, self.weights, x) * (1 + ERROR)).astype(np.float32)

        def train_losses(self, x, y, steps):
            ref = workload_data.reference_train_losses(self.spec, self.weights, x, y, steps)
            return [v * (1 + ERROR) for v in ref]

        def make_step(self, x, y):
            state = {{"first": True}}

            def step():
                if state["first"]:
                    state["first"] = False
                    _busy(FIRST_CALL_S[self.variant] * 1000)
                _busy(STEP_MS[self.variant])

            return step

        def device_memory_peak_mb(self):
            return None
    """
)


def fake_runner(tmp_path: Path, error: float) -> str:
    path = tmp_path / f"fake_runner_{int(error * 1000)}.py"
    path.write_text(FAKE_RUNNER.format(error=error))
    return f"{path}:FakeRunner"


def run_session(specs: list[RunSpec], **kwargs: Any) -> BenchSession:
    session = BenchSession(specs, **kwargs)
    session.run()
    return session


def test_removing_the_jax_sync_is_caught() -> None:
    """The classic "JAX: 0.00 s" bug: a jitted call returns before the matmul has run."""
    base = RunSpec(
        framework="jax", workload="gemm", mode="inference", variant="jit", device="cpu", timeout_s=300
    )
    specs = [base.with_changes(**FAST), base.with_changes(**FAST, fault="no_sync")]
    session = run_session(specs)
    synced, unsynced = (r.to_dict() for r in session.records)
    assert synced["status"] == unsynced["status"] == "ok"
    assert "unsynced_step" not in synced["flags"]
    assert "unsynced_step" in unsynced["flags"]
    # The decisive evidence: every unsynchronised call returned with its work still running, no synced one did.
    assert synced["details"]["checks"]["pending_share"] == 0.0
    assert unsynced["details"]["checks"]["pending_share"] > UNSYNCED_PENDING_SHARE
    assert unsynced["details"]["isolated_call_ms"] < 0.3 * unsynced["latency_ms"]["p50"]
    # The broken result never wins.
    (row,) = [r.to_dict() for r in summarize(session.records)]
    assert row["winner"] == "jax/jit"
    assert row["excluded"][0]["flags"] == ["unsynced_step"]
    assert row["runner_up"] is None


def test_faster_than_the_measured_peak_is_flagged_and_not_ranked() -> None:
    spec = RunSpec(
        framework="jax", workload="gemm", mode="inference", variant="jit", device="cpu", timeout_s=300
    )
    session = run_session([spec.with_changes(**FAST)], peak_lookup=lambda device: 0.001)
    (record,) = (r.to_dict() for r in session.records)
    assert record["gflops"] > 0.001 and "faster_than_peak" in record["flags"]
    assert summarize(session.records)[0].to_dict()["winner"] is None


def test_wrong_outputs_and_losses_are_output_mismatch(tmp_path: Path) -> None:
    wrong = fake_runner(tmp_path, error=0.05)
    right = fake_runner(tmp_path, error=0.0)
    base = RunSpec(framework="torch", workload="mlp", mode="inference", variant="eager", device="cpu", **FAST)
    specs = [
        base.with_changes(runner=wrong),
        base.with_changes(runner=right),
        base.with_changes(runner=wrong, mode="training"),
    ]
    # Records come in the order their children finish (both wrong runs share a child): pick them by what they are.
    records = [r.to_dict() for r in run_session(specs).records]
    inference = [r for r in records if r["mode"] == "inference"]
    infer_wrong = [r for r in inference if r["max_abs_error"] > 0.01]
    infer_right = [r for r in inference if r["max_abs_error"] <= 0.01]
    assert len(infer_wrong) == 2 and len(infer_right) == 2
    assert all("output_mismatch" in r["flags"] for r in infer_wrong)
    assert all(r["max_abs_error"] > r["tolerance"] for r in infer_wrong)
    assert all("output_mismatch" not in r["flags"] for r in infer_right)
    [train] = [r for r in records if r["mode"] == "training"]
    assert train["scenario"] == "train" and "output_mismatch" in train["flags"]
    assert train["max_rel_error"] == pytest.approx(0.05, rel=1e-3)


def test_compile_break_even_against_the_baseline_in_the_same_session(tmp_path: Path) -> None:
    runner = fake_runner(tmp_path, error=0.0)
    base = RunSpec(
        framework="tensorflow",
        workload="mlp",
        mode="inference",
        variant="eager",
        device="cpu",
        runner=runner,
        **{**FAST, "min_time_s": 0.3},
    )
    records = [r.to_dict() for r in run_session([base, base.with_changes(variant="function")]).records]
    eager = [r for r in records if r["variant"] == "eager"]
    function = [r for r in records if r["variant"] == "function"]
    for record in eager:
        assert record["compile_break_even_calls"] is None
    for record in function:
        assert record["latency_ms"]["p50"] == pytest.approx(0.5, rel=0.3)
        assert record["compile_s"] == pytest.approx(0.3, rel=0.3)
        # 0.3 s of compile recovered at ~0.5 ms per call: ~600 calls
        assert 300 < record["compile_break_even_calls"] < 1200
        assert record["details"]["break_even_baseline"] == "eager"
    # Latency and throughput come from the same samples, so they cannot contradict each other.
    for record in records:
        assert record["throughput_samples_per_s"] == pytest.approx(
            record["batch_size"] * 1000 / record["latency_ms"]["mean"]
        )


def test_device_unavailable_is_skipped_with_reason(tmp_path: Path) -> None:
    spec = RunSpec(
        framework="torch",
        workload="mlp",
        mode="inference",
        variant="eager",
        device="cuda",
        runner=fake_runner(tmp_path, 0.0),
        **FAST,
    )
    events: list[dict[str, Any]] = []
    records = [r.to_dict() for r in run_session([spec], on_event=lambda e: events.append(e.to_dict())).records]
    assert [r["status"] for r in records] == ["skipped", "skipped"]
    assert records[0]["reason"] == "the test framework only has a CPU"
    (end,) = [e for e in events if e["event"] == "run_end"]
    assert (end["status"], end["reason"]) == ("skipped", "the test framework only has a CPU")


def test_real_torch_matches_the_reference_and_ort_training_is_unsupported(tmp_path: Path) -> None:
    base = RunSpec(framework="torch", workload="mlp", mode="inference", variant="eager", device="cpu", **FAST)
    ort = RunSpec(
        framework="onnxruntime",
        workload="mlp",
        mode="training",
        variant="ort",
        device="cpu",
        status="unsupported",
        reason="ONNX Runtime is an inference engine; it does not train general models",
    )
    from fwtui.store import open_store

    store = open_store(tmp_path / "r.duckdb")
    sink = ResultSink(store, OnSaveFailure.ABORT)
    records = [r.to_dict() for r in run_session([base, base.with_changes(mode="training"), ort], sink=sink).records]
    measured = [r for r in records if r["framework"] == "torch"]
    assert [r["scenario"] for r in measured] == ["latency", "throughput", "train"]
    for record in measured:
        assert record["status"] == "ok"
        assert record["max_abs_error"] <= record["tolerance"]
        assert "output_mismatch" not in record["flags"]
        assert record["phases_s"]["import"] > 0 and record["phases_s"]["measure"] > 0
        assert record["peak_rss_mb"] > 50
        assert record["n"] >= 10 and record["details"]["settings"]
    unsupported = records[-1]
    assert unsupported["status"] == "unsupported" and "does not train" in unsupported["reason"]
    row = store.connection.execute(
        "SELECT p50_ms, mean_ms, throughput_samples_per_s, n, reason FROM results WHERE framework = 'onnxruntime'"
    ).fetchone()
    assert row[:4] == (None, None, None, None)  # N/A, never 0
    assert "does not train" in row[4]
    store.close()


def _cuda_visible() -> bool:
    try:
        from fwtui.bench.plan import resolve_device

        return resolve_device("auto") == "cuda"
    except Exception:
        return False


@pytest.mark.gpu
@pytest.mark.skipif(not _cuda_visible(), reason="needs an NVIDIA GPU with a working driver")
def test_cuda_runs_are_measured_or_skipped_with_reason() -> None:
    specs = [
        RunSpec(framework=fw, workload="mlp", mode="inference", variant=variant, device="cuda", **FAST)
        for fw, variant in (("torch", "eager"), ("jax", "jit"))
    ]
    for record in (r.to_dict() for r in run_session(specs).records):
        # A CPU-only build of a framework on a GPU machine is skipped with its reason, never timed as 0.
        assert record["status"] in ("ok", "skipped"), record["reason"]
        if record["status"] == "ok":
            assert record["device"] == "cuda" and "output_mismatch" not in record["flags"]
        else:
            assert record["reason"]


def test_removing_the_jax_sync_at_batch_1_is_caught() -> None:
    """At batch 1 a dispatch and the work take similar times: the paired fetch check still tells them apart."""
    base = RunSpec(framework="jax", workload="mlp", mode="inference", variant="jit", timeout_s=300, **FAST)
    session = run_session([base, base.with_changes(fault="no_sync")], peak_lookup=lambda device: None)
    latency = [r.to_dict() for r in session.records if r.scenario == "latency"]
    assert [r["batch_size"] for r in latency] == [1, 1]
    synced, unsynced = latency
    assert "unsynced_step" not in synced["flags"]
    assert "unsynced_step" in unsynced["flags"]
    # The decisive evidence: every unsynchronised call returned with its work still running, no synced one did.
    assert synced["details"]["checks"]["pending_share"] == 0.0
    assert unsynced["details"]["checks"]["pending_share"] > UNSYNCED_PENDING_SHARE

"""Repetition across processes: a persistent child per framework, restarts after a failure, per-run memory, the
per-process values stored and read back, and the significance test that the summary and Decide use.

The child tests run a test-only framework registered the way a framework kept outside fwtui is (a runner
module, a registry line and its entry point, on the children's path): NumPy computing the float64 reference.
Its ``configure`` reports the child's process id, so a test can see which runs shared a child.
"""

from __future__ import annotations

import dataclasses
import math
import textwrap
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pytest
from scipy import stats as scipy_stats

from fwtui.bench import significance
from fwtui.bench.events import QueueStarted, RunResult, RunStarted, SessionEvent
from fwtui.bench.progress import BenchState
from fwtui.bench.repetition import rotation
from fwtui.bench.result_record import LatencyStats, ResultRecord
from fwtui.bench.session import BenchSession
from fwtui.bench.sink import OnSaveFailure, ResultSink
from fwtui.bench.spec import RunSpec
from fwtui.bench.summary import summarize
from fwtui.decide.evidence import Measured
from fwtui.decide.knowledge import ScoringPolicy
from fwtui.decide.stats import judge
from fwtui.store import SCHEMA_VERSION, open_store

REPO = Path(__file__).resolve().parents[1]
HOG_MB = 300

TOY_RUNNER = f'''
import os

import numpy as np

from fwtui.bench import reference
from fwtui.bench.runner import Runner


class Prepared:
    def __init__(self, spec, weights, mode):
        self.spec, self.mode = spec, mode
        self.weights = {{name: w.astype(np.float64) for name, w in weights.items()}}
        # gemm holds {HOG_MB} MB while it runs: the next run in the same child must not be charged for it
        self.hog = np.ones({HOG_MB} * 1024 * 128) if spec.name == "gemm" else None

    def infer(self, x):
        return reference.forward(self.spec, self.weights, x).astype(np.float32)

    def train_losses(self, x, y, steps):
        weights, velocity, losses = dict(self.weights), {{}}, []
        for _ in range(steps):
            loss, grads = reference.loss_and_gradients(self.spec, weights, x, y)
            for name, grad in grads.items():
                velocity[name] = self.spec.momentum * velocity.get(name, 0.0) + grad
                weights[name] = weights[name] - self.spec.learning_rate * velocity[name]
            losses.append(loss)
        return losses

    def make_step(self, x, y):
        if self.mode != "training":
            return lambda: self.infer(x)
        weights, velocity = dict(self.weights), {{}}

        def train_step():  # one SGD step; returns the batch's loss before the update, as every runner's does
            loss, grads = reference.loss_and_gradients(self.spec, weights, x, y)
            for name, grad in grads.items():
                velocity[name] = self.spec.momentum * velocity.get(name, 0.0) + grad
                weights[name] = weights[name] - self.spec.learning_rate * velocity[name]
            return loss

        return train_step

    def device_memory_peak_mb(self):
        return None


class RepToyRunner(Runner):
    def framework_version(self):
        return np.__version__

    def configure(self, threads, device):
        return {{"intra_op_threads": threads, "pid": os.getpid()}}

    def prepare(self, spec, weights, *, mode, variant, device):
        return Prepared(spec, weights, mode)
'''
TOY_REGISTRY = '''
from fwtui.frameworks import Framework

REPTOY = Framework(name="reptoy", display="RepToy", import_name="numpy", distributions=("numpy",), extra="reptoy",
                   runner="reptoy_runner:RepToyRunner", variants=("numpy",))
'''
FAST = {"min_time_s": 0.02, "min_iterations": 5, "max_time_s": 0.5, "warmup_s": 0.01, "threads": 1}


@pytest.fixture
def toy_framework(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """The test framework on every child's path (the children inherit this process's environment)."""
    root = tmp_path_factory.mktemp("reptoy")
    (root / "reptoy_runner.py").write_text(textwrap.dedent(TOY_RUNNER))
    (root / "reptoy_registry.py").write_text(textwrap.dedent(TOY_REGISTRY))
    dist = root / "reptoy-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: reptoy\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text("[fwtui.frameworks]\nreptoy = reptoy_registry:REPTOY\n")
    monkeypatch.setenv("PYTHONPATH", f"{root}:{REPO}")


def toy(workload: str, **changes: Any) -> RunSpec:
    base = RunSpec(framework="reptoy", workload=workload, mode="inference", variant="numpy", timeout_s=60)
    return base.with_changes(**{**FAST, **changes})


def _pid(record: ResultRecord) -> int:
    settings = record.details.measurement.settings if record.details.measurement else None
    assert settings is not None
    pid = settings["pid"]
    assert isinstance(pid, int)
    return pid


def _run(specs: list[RunSpec], **kwargs: Any) -> tuple[list[ResultRecord], list[SessionEvent]]:
    events: list[SessionEvent] = []
    records = BenchSession(specs, on_event=events.append, **kwargs).run()
    return records, events


# --- the persistent child ------------------------------------------------------------------------------------


@pytest.mark.usefixtures("toy_framework")
def test_one_child_per_repetition_runs_every_config_and_each_result_is_right() -> None:
    specs = [toy("mlp", repetitions=2), toy("gemm", repetitions=2), toy("mlp", mode="training", repetitions=2)]
    records, events = _run(specs)
    assert [(r.workload, r.mode, r.scenario) for r in records] == [
        ("mlp", "inference", "latency"), ("mlp", "inference", "throughput"), ("gemm", "inference", "throughput"),
        ("mlp", "training", "train"),
    ]  # fmt: skip
    for record in records:
        assert record.status == "ok", record.reason
        assert record.max_abs_error is not None and record.tolerance is not None
        assert record.max_abs_error <= record.tolerance and "output_mismatch" not in record.flags
        assert record.repetitions == 2 and len(record.process_p50_ms) == 2
        assert record.n is not None and record.n >= 2  # samples from both processes
        assert record.p50_ms is not None and min(record.process_p50_ms) <= record.p50_ms * 1.5
        # The first process checked against the reference; each watched its own window; the pooled checks keep
        # the worst.
        measured = record.details.measurement
        assert measured is not None and measured.checks is not None
        assert measured.checks.timed_output is not None and measured.checks.contention is not None
        assert measured.checks.timed_output_error is not None and measured.checks.timed_output_tolerance is not None
        assert measured.checks.timed_output_error <= measured.checks.timed_output_tolerance
        assert record.details.process_n is not None and len(record.details.process_n) == 2
        assert sum(record.details.process_n) == record.n
    # All three runs of a repetition came from one child; the two repetitions from two children.
    starts = [e for e in events if isinstance(e, RunStarted)]
    assert [(e.index, e.repetition) for e in starts] == [(0, 0), (1, 0), (2, 0), (1, 1), (2, 1), (0, 1)]
    pids = {_pid(r) for r in records}
    assert len(pids) == 1  # settings come from the first repetition's child, which ran them all


@pytest.mark.usefixtures("toy_framework")
def test_only_the_first_process_of_a_result_runs_the_reference_checks() -> None:
    """Every process runs the same code on the same seeded data: later ones repeat the timing, not the checks
    (the reference's, nor those of the timed step's output and dispatch)."""
    from fwtui.bench.process import run_runs
    from fwtui.bench.reference_checks import CHECKED_ELSEWHERE

    specs = [toy("mlp"), toy("mlp", mode="training")]
    first = [r for outcome in [run_runs(specs)] for r in outcome[0].results + outcome[1].results]
    later = [r for outcome in [run_runs([s.with_changes(repetition=1) for s in specs])]
             for r in outcome[0].results + outcome[1].results]  # fmt: skip
    assert [r.scenario for r in first] == [r.scenario for r in later] == ["latency", "throughput", "train"]
    for result in first:
        assert result.check_ok is True and result.max_abs_error is not None and result.tolerance is not None
        assert result.details is not None and result.details.checks is not None
        assert result.details.checks.timed_output not in (None, CHECKED_ELSEWHERE)
    for result in later:
        assert result.status == "ok" and result.samples_ms  # timed all the same
        assert result.check_ok is None and result.max_abs_error is None and result.tolerance is None
        assert result.details is not None and result.details.check == CHECKED_ELSEWHERE
        checks = result.details.checks
        assert checks is not None
        # Nor is what the timed step showed: its output, its lone call, its dispatch.
        assert checks.timed_output == CHECKED_ELSEWHERE and checks.timed_output_error is None
        assert result.isolated_call_ms is None and checks.pending_share is None and checks.fetch_ratio is None


@pytest.mark.usefixtures("toy_framework")
def test_a_crash_restarts_the_child_and_the_remaining_configs_still_run() -> None:
    specs = [
        toy("mlp"),
        toy("gemm", fault="segfault", fault_phase="build"),
        toy("mlp", mode="training"),
        toy("gemm", fault="raise", fault_phase="check"),
        toy("mlp", batch=8),
    ]
    _, events = _run(specs)
    by_spec: dict[int, list[ResultRecord]] = {}
    for event in events:
        if isinstance(event, RunResult):
            by_spec.setdefault(event.index, []).append(event.record)
    [crashed], [raised] = by_spec[1], by_spec[3]
    assert crashed.status == "failed" and crashed.reason == "crashed with SIGSEGV in phase build"
    assert raised.status == "failed" and raised.reason == "RuntimeError: injected fault for testing (phase check)"
    assert all(r.status == "ok" for i in (0, 2, 4) for r in by_spec[i])
    first, after_crash, after_raise = by_spec[0][0], by_spec[2][0], by_spec[4][0]
    # The crash ended its child: the next run is in a new one; an exception does not end the child.
    assert _pid(after_crash) != _pid(first)
    assert _pid(after_raise) == _pid(after_crash)


@pytest.mark.usefixtures("toy_framework")
def test_a_hang_times_out_alone_and_each_run_has_its_own_memory_figure() -> None:
    specs = [toy("gemm"), toy("mlp", fault="hang", fault_phase="build", timeout_s=4), toy("mlp", mode="training")]
    records, _ = _run(specs)
    gemm, hung, trained = (next(r for r in records if r.workload == w and r.mode == m and (r.status == "ok") == ok)
                           for w, m, ok in (("gemm", "inference", True), ("mlp", "inference", False),
                                            ("mlp", "training", True)))  # fmt: skip
    assert hung.status == "timeout" and hung.reason == "no result within 4 s (phase build)"
    assert gemm.peak_rss_mb is not None and trained.peak_rss_mb is not None
    assert gemm.peak_rss_mb > HOG_MB
    # The hog belonged to gemm's run (in the same child before the hang): later runs are not charged for it.
    assert trained.peak_rss_mb < gemm.peak_rss_mb - HOG_MB / 2
    # What was resident when each run started is recorded: the hog came and went inside gemm's run.
    starts = [r.details.measurement.rss_at_start_mb for r in (gemm, trained) if r.details.measurement]
    assert len(starts) == 2 and all(s is not None and s < gemm.peak_rss_mb - HOG_MB / 2 for s in starts)


@pytest.mark.usefixtures("toy_framework")
def test_one_process_per_run_is_still_available_and_gives_the_same_results() -> None:
    records, _ = _run([toy("mlp"), toy("gemm")], child_per_run=True)
    assert [r.status for r in records] == ["ok", "ok", "ok"]
    assert len({_pid(r) for r in records}) == 2


@pytest.mark.usefixtures("toy_framework")
def test_repetitions_and_per_process_values_are_stored_and_read_back(tmp_path: Path) -> None:
    store = open_store(tmp_path / "results.duckdb")
    sink = ResultSink(store, OnSaveFailure.ABORT)
    [record] = [r for r in BenchSession([toy("gemm", repetitions=3)], sink=sink).run()]
    store.close()
    assert record.repetitions == 3 and len(record.process_p50_ms) == 3
    assert record.ci95_ms is not None and record.process_cv is not None
    assert ResultRecord.from_dict(record.to_dict()) == record
    with duckdb.connect(str(tmp_path / "results.duckdb"), read_only=True) as con:
        row = con.execute(
            "SELECT repetitions, process_p50_ms, process_cv, ci95_low_ms, n, "
            "(SELECT count(*) FROM samples s WHERE s.result_id = r.result_id) FROM results r"
        ).fetchone()
    assert row is not None
    assert row[0] == 3 and tuple(row[1]) == record.process_p50_ms and row[2] == pytest.approx(record.process_cv)
    assert row[3] == pytest.approx(record.ci95_ms[0]) and row[4] == row[5] == record.n  # every process's samples


def test_a_version_1_database_is_upgraded_with_the_repetition_columns(tmp_path: Path) -> None:
    path = tmp_path / "old.duckdb"
    open_store(path).close()
    with duckdb.connect(str(path)) as con:  # the version 1 layout: without the three columns
        for column in ("repetitions", "process_p50_ms", "process_cv"):
            con.execute(f"ALTER TABLE results DROP COLUMN {column}")
        con.execute("UPDATE schema_info SET value = '1' WHERE key = 'schema_version'")
        con.execute("INSERT INTO results (result_id, framework, status) VALUES ('old', 'torch', 'ok')")
    with open_store(path) as store:
        assert store.schema_version == SCHEMA_VERSION == 4
        row = store.cursor().execute(
            "SELECT repetitions, process_p50_ms, process_cv FROM results WHERE result_id = 'old'"
        ).fetchone()
    assert row == (None, None, None)  # an older result's processes are unknown, never guessed


# --- the order of runs ---------------------------------------------------------------------------------------


def test_each_repetition_runs_every_config_once_starting_somewhere_else() -> None:
    orders = [rotation(4, r, 4) for r in range(4)]
    assert all(sorted(order) == [0, 1, 2, 3] for order in orders)
    assert sorted(order[0] for order in orders) == [0, 1, 2, 3]
    assert rotation(7, 0, 3)[0] == 0 and len({rotation(7, r, 3)[0] for r in range(3)}) == 3


# --- the statistics --------------------------------------------------------------------------------------------


def _processes(rng: np.random.Generator, median: float, count: int) -> list[float]:
    """Per-process medians: each process has its own luck (a 5% spread between processes)."""
    return [float(np.median(median * rng.lognormal(0.05 * rng.standard_normal(), 0.02, size=50)))
            for _ in range(count)]  # fmt: skip


def test_identical_distributions_across_processes_are_rarely_significant() -> None:
    rng = np.random.default_rng(11)
    trials = 400
    hits = sum(
        significance.compare(_processes(rng, 1.0, 3), _processes(rng, 1.0, 3)).significant for _ in range(trials)
    )
    # The advertised 5% false-positive rate, within sampling error (binomial sd ~1.1%).
    assert hits / trials <= 0.05 + 3 * math.sqrt(0.05 * 0.95 / trials)


def test_a_real_twofold_difference_is_significant_and_names_the_faster() -> None:
    rng = np.random.default_rng(12)
    result = significance.compare(_processes(rng, 1.0, 3), _processes(rng, 2.0, 3))
    assert result.significant and result.faster == "a" and result.p_value is not None and result.p_value < 0.01
    assert result.ratio is not None and 1.7 < result.ratio < 2.3


def test_one_process_is_never_significant_whatever_its_samples_say() -> None:
    result = significance.compare([1.0], [2.0, 2.1, 2.05])
    assert not result.significant and result.p_value is None and "fewer than 2 processes" in result.reason


def test_the_interval_is_students_t_on_the_log_medians_widened_by_the_run_drift() -> None:
    medians = [1.0, 1.1, 0.95, 1.05]
    found = significance.spread(medians)
    logs = np.log(medians)
    scale = math.sqrt(np.var(logs, ddof=1) / 4 + significance.RUN_DRIFT_SD**2)
    low, high = scipy_stats.t.interval(0.95, 3, loc=np.mean(logs), scale=scale)
    assert found.ci95_ms == pytest.approx((math.exp(low), math.exp(high)))
    assert found.center_ms == pytest.approx(math.exp(np.mean(logs)))
    assert found.cv == pytest.approx(np.std(medians, ddof=1) / np.mean(medians))
    assert significance.spread([1.0]).ci95_ms is None


def test_identical_processes_still_leave_room_for_the_next_session() -> None:
    # Three processes that agree to the last digit say nothing about the drift between sessions: the interval
    # keeps the measured run-to-run width, and a 3% difference between two such results is not significant.
    found = significance.spread([2.0, 2.0, 2.0])
    assert found.ci95_ms is not None
    low, high = found.ci95_ms
    assert low < 2.0 * math.exp(-significance.RUN_DRIFT_SD) and high > 2.0 * math.exp(significance.RUN_DRIFT_SD)
    assert not significance.compare([2.0, 2.0, 2.0], [2.06, 2.06, 2.06]).significant
    assert significance.compare([2.0, 2.0, 2.0], [3.0, 3.0, 3.0]).significant


# --- who uses it -----------------------------------------------------------------------------------------------


def _record(framework: str, processes: list[float], samples_p50: float) -> ResultRecord:
    return ResultRecord(
        result_id=framework, run_id="r", machine_id="m", created_at="2026-12-01T00:00:00+00:00",
        framework=framework, framework_version="1", variant="v", workload="mlp", size="small", mode="inference",
        scenario="latency", batch_size=1, device="cpu", dtype="float32", threads=1, status="ok", reason=None,
        n=150, latency_ms=LatencyStats(p50=samples_p50), repetitions=len(processes),
        process_p50_ms=tuple(processes),
    )  # fmt: skip


def test_the_summary_calls_a_win_significant_only_across_processes() -> None:
    rng = np.random.default_rng(13)
    same = [_record("a", _processes(rng, 1.0, 3), 1.0), _record("b", _processes(rng, 1.0, 3), 1.01)]
    twice = [_record("a", _processes(rng, 1.0, 3), 1.0), _record("b", _processes(rng, 2.0, 3), 2.0)]
    # Samples that a within-process test would call wildly different do not change the verdict.
    within = {"a": [1.0] * 50, "b": [1.01] * 50}
    [row_same] = summarize(same, within)
    [row_twice] = summarize(twice)
    assert row_same.significant is False and row_same.p_value is not None and row_same.p_value > 0.05
    assert row_twice.significant is True and row_twice.winner == "a/v"
    [row_one] = summarize([dataclasses.replace(r, process_p50_ms=(1.0,), repetitions=1) for r in twice])
    assert row_one.significant is None and row_one.p_value is None


def test_decide_counts_a_difference_only_when_it_holds_across_processes() -> None:
    rng = np.random.default_rng(14)
    policy = ScoringPolicy()

    def measured(framework: str, median: float, processes: list[float]) -> Measured:
        samples = tuple(float(x) for x in median * rng.lognormal(0.0, 0.01, size=60))
        return Measured(framework, "mlp", "latency", median, samples, process_p50_ms=tuple(processes))

    fast, slow = measured("jax", 1.0, _processes(rng, 1.0, 3)), measured("torch", 2.0, _processes(rng, 2.0, 3))
    verdict = judge(fast, slow, policy)
    assert verdict.counts and verdict.faster == "a" and verdict.ratio == pytest.approx(2.0, rel=0.1)
    one_process = judge(dataclasses.replace(fast, process_p50_ms=(1.0,)), slow, policy)
    assert not one_process.counts and one_process.verdict.startswith("not tested: fewer than 2 processes")
    noisy = judge(fast, dataclasses.replace(slow, process_p50_ms=(0.6, 2.0, 3.4)), policy)
    assert not noisy.counts and noisy.verdict.startswith("not significant across processes")


def test_the_live_panel_names_the_process_and_a_run_between_processes_says_so() -> None:
    first, second = toy("mlp", repetitions=3), toy("gemm", repetitions=3)
    state = BenchState()
    state.apply(QueueStarted((first, second)))
    state.apply(RunStarted(0, first, 1, 3))
    assert state.live is not None and state.live.label == f"{first.label} · process 2 of 3"
    state.apply(RunStarted(1, second, 1, 3))
    assert state.items[0].status == "running" and state.items[0].phase == "waiting for its next process"
    state.apply(RunStarted(0, first))
    assert state.live is not None and state.live.label == first.label  # one process: nothing to count


@pytest.mark.usefixtures("toy_framework")
def test_a_run_that_crashed_is_not_repeated_and_the_others_are() -> None:
    specs = [toy("gemm", fault="segfault", fault_phase="check", repetitions=2), toy("mlp", repetitions=2)]
    records, events = _run(specs)
    crashed, latency, _ = records
    assert crashed.status == "failed"
    assert crashed.reason == "crashed with SIGSEGV in phase check; in process 1 of 2"
    assert latency.status == "ok" and latency.repetitions == 2
    starts = [(e.index, e.repetition) for e in events if isinstance(e, RunStarted)]
    assert starts == [(0, 0), (1, 0), (1, 1)]  # the crash is not run again

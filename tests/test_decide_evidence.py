"""Measured evidence: read from a real DuckDB results file, and counted only when significant and large."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path

import duckdb
import numpy as np
import pytest

from fwtui.decide.engine import recommend
from fwtui.decide.evidence import EvidenceLoad, Measured, NoEvidence, load_evidence, results_cursor
from fwtui.decide.knowledge import load_knowledge
from fwtui.decide.scoring import MIN_SPEEDUP, compare_evidence
from fwtui.store import open_store
from fwtui.store.local import LocalDatabase

TODAY = date(2026, 11, 22)
RNG_SEED = 7


def samples(median: float, spread: float, n: int = 60, seed: int = RNG_SEED) -> tuple[float, ...]:
    rng = np.random.default_rng(seed)
    return tuple(float(x) for x in median + rng.uniform(-spread, spread, n))


def measured(
    framework: str, median: float, spread: float, *, scenario: str = "train", seed: int = RNG_SEED
) -> Measured:
    data = samples(median, spread, seed=seed)
    return Measured(
        framework,
        "mlp",
        scenario,
        float(np.median(data)),
        data,
        mode="training" if scenario == "train" else "inference",
    )


# -- significance and size ----------------------------------------------------------------------------


ANSWERS = {"priorities": "training_speed"}


def test_without_evidence_pytorch_leads() -> None:
    assert recommend(ANSWERS, None, [], TODAY).winner.id == "pytorch"


def test_big_significant_difference_moves_the_ranking() -> None:
    evidence = [measured("jax", 0.41, 0.02, seed=1), measured("torch", 0.82, 0.04, seed=2)]
    rec = recommend(ANSWERS, None, evidence, TODAY)
    assert rec.winner.id == "jax"
    jax = rec.winner
    [reason] = [c for c in jax.contributions if c.source == "measured"]
    assert reason.delta > 0
    assert reason.text.startswith(
        "measured on this machine: JAX 0.411 ms vs PyTorch 0.822 ms p50 (2.00×, p<0.001)"
    )
    assert "on mlp train" in reason.text
    assert reason.numbers is not None and reason.numbers["weight"] == 2.0  # training speed is a priority


def test_priority_weights_the_measurement() -> None:
    evidence = [measured("jax", 0.41, 0.02, seed=1), measured("torch", 0.82, 0.04, seed=2)]
    weighted = recommend({"priorities": "training_speed"}, None, evidence, TODAY)
    plain = recommend({"priorities": "stability"}, None, evidence, TODAY)

    def measured_points(rec: object) -> float:
        jax = next(r for r in rec.ranking if r.id == "jax")  # type: ignore[attr-defined]
        return sum(c.delta for c in jax.contributions if c.source == "measured")

    assert measured_points(weighted) == pytest.approx(2 * measured_points(plain))


def test_noisy_overlapping_samples_do_not_count() -> None:
    evidence = [measured("jax", 0.60, 0.5, seed=3), measured("torch", 0.62, 0.5, seed=4)]
    rec = recommend(ANSWERS, None, evidence, TODAY)
    assert rec.winner.id == "pytorch"
    [comparison] = rec.comparisons
    assert not comparison.counts and comparison.p_value > 0.01
    assert "not significant, does not count" in comparison.text
    assert all(c.source != "measured" for r in rec.ranking for c in r.contributions)


def test_significant_but_tiny_difference_does_not_count() -> None:
    evidence = [measured("jax", 1.00, 0.001, seed=5), measured("torch", 1.05, 0.001, seed=6)]
    rec = recommend(ANSWERS, None, evidence, TODAY)
    [comparison] = rec.comparisons
    assert comparison.p_value < 0.001 and comparison.ratio < MIN_SPEEDUP
    assert not comparison.counts and "under 1.20×" in comparison.text
    assert rec.winner.id == "pytorch"


def test_only_like_for_like_results_are_compared() -> None:
    evidence = [
        measured("jax", 0.41, 0.02, scenario="latency", seed=1),
        measured("torch", 0.82, 0.04, scenario="train", seed=2),
        Measured("mxnet-fork", "mlp", "latency", 0.1, samples(0.1, 0.01)),  # not a candidate
    ]
    assert compare_evidence(load_knowledge(), evidence) == ()


def test_measured_points_are_capped() -> None:
    evidence: list[Measured] = []
    for i, workload in enumerate(("mlp", "cnn", "transformer", "gemm")):
        evidence.append(Measured("jax", workload, "train", 0.4, samples(0.4, 0.01, seed=10 + i)))
        evidence.append(Measured("torch", workload, "train", 0.9, samples(0.9, 0.01, seed=20 + i)))
    rec = recommend({}, None, evidence, TODAY)
    jax = next(r for r in rec.ranking if r.id == "jax")
    total = sum(c.delta for c in jax.contributions if c.source == "measured")
    assert len([c for c in jax.contributions if c.source == "measured"]) == 4
    assert total == pytest.approx(1.0)


# -- loading from the results database ----------------------------------------------------------------


def _load(path: Path, machine_id: str | None = None) -> EvidenceLoad:
    """What the callers do: open a read-only cursor on the file and load the evidence through it."""
    try:
        with results_cursor(path) as cursor:
            return load_evidence(cursor, machine_id, db_path=path)
    except NoEvidence as missing:
        return missing.load


def _record(
    framework: str,
    p50: float,
    *,
    scenario: str = "latency",
    flags: Sequence[str] = (),
    machine: str = "m-local",
) -> dict[str, object]:
    return {
        "run_id": "run-1",
        "machine_id": machine,
        "framework": framework,
        "framework_version": "1.0",
        "variant": "x",
        "workload": "mlp",
        "size": "small",
        "mode": "inference",
        "scenario": scenario,
        "batch_size": 1,
        "device": "cpu",
        "dtype": "float32",
        "status": "ok",
        "latency_ms": {"p50": p50},
        "flags": list(flags),
    }


def make_evidence_db(
    path: Path, *, machine_id: str = "m-local", jax_ms: float = 0.41, torch_ms: float = 0.82
) -> Path:
    """A real results database: a local machine with JAX and PyTorch on mlp latency, plus noise to ignore."""
    store = open_store(path)
    try:
        store.upsert_machine({"machine_id": machine_id, "label": "this box", "source": "local"})
        store.upsert_machine({"machine_id": "m-sample", "label": "someone else's", "source": "sample"})
        store.begin_run({"run_id": "run-1", "machine_id": machine_id, "command": "test"})
        store.save_result(_record("jax", jax_ms, machine=machine_id), samples(jax_ms, 0.02, seed=1))
        store.save_result(_record("torch", torch_ms, machine=machine_id), samples(torch_ms, 0.04, seed=2))
        # A slower JAX result: not the best, so not the evidence.
        store.save_result(_record("jax", jax_ms * 3, machine=machine_id), samples(jax_ms * 3, 0.02, seed=3))
        # Wrong outputs never count, however fast.
        mismatch = _record("onnxruntime", 0.01, flags=["output_mismatch"], machine=machine_id)
        store.save_result(mismatch, samples(0.01, 0.001, seed=4))
        # Sample data from another machine is not "measured on this machine".
        store.save_result(_record("tensorflow", 0.02, machine="m-sample"), samples(0.02, 0.001, seed=5))
        store.finish_run("run-1", "complete")
    finally:
        store.close()
    return path


def test_load_evidence_picks_the_best_valid_local_result(tmp_path: Path) -> None:
    load = _load(make_evidence_db(tmp_path / "results.duckdb"))
    by_framework = {m.framework: m for m in load.measured}
    assert set(by_framework) == {"jax", "torch"}
    assert by_framework["jax"].p50_ms == pytest.approx(0.41)
    assert len(by_framework["jax"].samples_ms) == 60
    assert by_framework["jax"].group == ("mlp", "small", "latency", "cpu")
    assert "jax, torch" in load.note


def test_load_evidence_opens_read_only(tmp_path: Path) -> None:
    path = make_evidence_db(tmp_path / "results.duckdb")
    before = path.stat().st_mtime_ns
    _load(path)
    assert path.stat().st_mtime_ns == before
    con = duckdb.connect(str(path))  # and leaves no lock behind
    con.close()


def test_missing_database_means_no_evidence(tmp_path: Path) -> None:
    load = _load(tmp_path / "nope.duckdb")
    assert load.measured == () and "no results database" in load.note


def test_a_file_that_is_not_a_results_database_means_no_evidence(tmp_path: Path) -> None:
    other = tmp_path / "other.duckdb"
    duckdb.connect(str(other)).close()
    assert _load(other).measured == ()
    text = tmp_path / "notes.duckdb"
    text.write_text("not a database")
    load = _load(text)
    assert load.measured == () and "no measured evidence" in load.note


def test_database_evidence_reaches_the_recommendation(tmp_path: Path) -> None:
    load = _load(make_evidence_db(tmp_path / "results.duckdb"))
    rec = recommend({"priorities": "inference_latency"}, None, load.measured, TODAY, evidence_note=load.note)
    jax = next(r for r in rec.ranking if r.id == "jax")
    [reason] = [c for c in jax.contributions if c.source == "measured"]
    assert "JAX 0.410 ms vs PyTorch 0.820 ms p50 (2.00×, p<0.001) on mlp latency" in reason.text


def test_load_evidence_while_this_process_holds_the_database_open(tmp_path: Path) -> None:
    path = make_evidence_db(tmp_path / "results.duckdb")
    database = LocalDatabase(path)  # the app's one read-write handle; Decide reads through a cursor of it
    try:
        assert database.access().writable
        load = load_evidence(database.cursor(), db_path=path)
    finally:
        database.close()
    assert {m.framework for m in load.measured} == {"jax", "torch"}


def test_load_evidence_for_one_machine(tmp_path: Path) -> None:
    path = make_evidence_db(tmp_path / "results.duckdb", machine_id="m-this")
    assert {m.framework for m in _load(path, "m-this").measured} == {"jax", "torch"}
    other = _load(path, "m-elsewhere")
    assert other.measured == () and "no valid results measured on this machine" in other.note

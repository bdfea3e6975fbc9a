"""Measured evidence: only like with like, only valid results, only what speaks to the answers, and every
claim names the exact results. Each case is a real DuckDB file written through the store's public API."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import duckdb
import pytest
from decide_fixtures import ELSEWHERE, HERE, EvidenceDb, jax_and_torch_db, load_db, process_medians, samples

from fwtui.bench import flags as bench_flags
from fwtui.decide.engine import recommend
from fwtui.decide.evidence import Measured
from fwtui.decide.model import Recommendation
from fwtui.decide.selection import EXCLUDING_FLAGS, NOISE_FLAGS

TODAY = date(2026, 12, 2)


def decide(
    db: EvidenceDb | Path, answers: dict[str, str] | None = None, machine_id: str | None = HERE
) -> Recommendation:
    load = load_db(db if isinstance(db, Path) else db.path, machine_id)
    return recommend(
        answers or {}, None, load.measured, TODAY, evidence_note=load.note, elsewhere=load.elsewhere
    )


def all_text(rec: Recommendation) -> str:
    return json.dumps(rec.to_dict())


def skipped(rec: Recommendation, reason: str) -> list[str]:
    return [s.text for s in rec.skipped if s.reason == reason]


@pytest.fixture
def db(tmp_path: Path) -> EvidenceDb:
    db = EvidenceDb(tmp_path / "results.duckdb")
    for run in ("run-a", "run-b", "run-c"):
        db.run(run)
    return db


# -- the definition of a valid result ---------------------------------------------------------------------


def test_the_excluding_flags_are_the_engines_own_plus_the_noise_flags() -> None:
    assert bench_flags.INVALIDATING_FLAGS <= EXCLUDING_FLAGS
    assert EXCLUDING_FLAGS == bench_flags.INVALIDATING_FLAGS | NOISE_FLAGS
    assert set(EXCLUDING_FLAGS) <= set(bench_flags.FLAG_EXPLANATIONS)  # every name is a flag the engine sets


# -- like with like ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("torch_fields", "tf_fields", "difference"),
    [
        ({"batch_size": 1}, {"batch_size": 64}, "batch 64"),
        ({"threads": 16}, {"threads": 1}, "1 thread(s)"),
        ({"dtype": "float32"}, {"dtype": "bfloat16"}, "bfloat16"),
        ({"size": "small"}, {"size": "large"}, "size large"),
        ({"device": "cpu"}, {"device": "cuda"}, "cuda"),
        ({"variant": "eager"}, {"variant": "xla"}, "compiled variants"),
    ],
    ids=["batch", "threads", "dtype", "size", "device", "variant-kind"],
)
def test_results_that_differ_in_a_setting_are_never_compared(
    db: EvidenceDb, torch_fields: dict[str, object], tf_fields: dict[str, object], difference: str
) -> None:
    # The case: TensorFlow at batch 64 is 20x slower per call than PyTorch at batch 1, and that is no
    # evidence at all.
    db.add("torch", "torch", 1.0, run_id="run-a", **torch_fields)
    db.add("tf", "tensorflow", 20.0, run_id="run-a", **tf_fields)
    rec = decide(db)
    assert rec.evidence == ()
    assert all(c.source != "measured" for r in rec.ranking for c in r.contributions)
    reasons = skipped(rec, "no_comparable")
    assert len(reasons) == 2
    torch_reason = next(t for t in reasons if t.startswith("torch/"))
    assert "no other framework measured with the same setting" in torch_reason and difference in torch_reason
    assert "20.0x" not in all_text(rec)


def test_compiled_variants_are_compared_with_compiled_ones(db: EvidenceDb) -> None:
    db.add("torch", "torch", 1.0, run_id="run-a", variant="compile")
    db.add("tf", "tensorflow", 2.0, run_id="run-a", variant="xla")
    db.add("ort", "onnxruntime", 0.5, run_id="run-a")  # an inference engine runs an optimised graph
    rec = decide(db)
    pairs = {(e.comparison.faster, e.comparison.slower) for e in rec.evidence}
    assert pairs == {("pytorch", "tensorflow"), ("onnxruntime", "pytorch"), ("onnxruntime", "tensorflow")}
    assert all(e.comparison.setting.variant_kind == "compiled" for e in rec.evidence)


def test_the_text_names_the_results_run_date_setting_and_machine(db: EvidenceDb) -> None:
    torch_id = db.add("torch", "torch", 0.82, run_id="run-a", threads=4, batch_size=8)
    tf_id = db.add("tf", "tensorflow", 0.41, run_id="run-a", threads=4, batch_size=8)
    rec = decide(db)
    [use] = rec.evidence
    text = use.comparison.text
    assert re.match(r"measured on this machine \(this-box\): TensorFlow 41\d µs vs PyTorch 82\d µs", text)
    assert "(2.00×, p<0.001)" in text
    assert "mlp latency (small, batch 8, 4 threads, cpu, float32, eager variants)" in text
    assert f"results {tf_id[:8]} (tensorflow/eager, run run-a, 2026-11-20)" in text
    assert f"{torch_id[:8]} (torch/eager, run run-a, 2026-11-20)" in text
    data = rec.to_dict()["evidence"]["comparisons"][0]  # type: ignore[index]
    assert data["faster_result"]["result_id"] == tf_id and data["slower_result"]["result_id"] == torch_id
    assert data["batch_size"] == 8 and data["threads"] == 4 and data["this_machine"] is True


# -- valid results only -----------------------------------------------------------------------------------


def test_a_flagged_result_is_skipped_and_an_older_valid_one_is_used(db: EvidenceDb) -> None:
    # The case: a PyTorch result flagged high_variance and unsynced_step, 150x slower than usual.
    db.add("torch-ok", "torch", 1.0, run_id="run-a", created_at="2026-11-01T10:00:00+00:00")
    db.add("tf-ok", "tensorflow", 1.1, run_id="run-a", created_at="2026-11-01T10:00:00+00:00")
    db.add("torch-bad", "torch", 150.0, run_id="run-b", flags=["high_variance", "unsynced_step"])
    db.add("ort", "onnxruntime", 0.68, run_id="run-b")
    rec = decide(db)
    used_ids = {e.comparison.faster_result.result_id for e in rec.evidence} | {
        e.comparison.slower_result.result_id for e in rec.evidence
    }
    assert db.ids["torch-bad"] not in used_ids and db.ids["torch-ok"] in used_ids
    [flagged] = skipped(rec, "flagged")
    assert "flagged high_variance, unsynced_step" in flagged and db.ids["torch-bad"][:8] in flagged
    assert "221" not in all_text(rec) and "150" not in " ".join(e.comparison.text for e in rec.evidence)


@pytest.mark.parametrize("flag", sorted(EXCLUDING_FLAGS))
def test_every_excluding_flag_keeps_a_result_out(db: EvidenceDb, flag: str) -> None:
    db.add("torch", "torch", 1.0, run_id="run-a", flags=[flag])
    db.add("tf", "tensorflow", 3.0, run_id="run-a")
    rec = decide(db)
    assert rec.evidence == ()
    assert any(flag in text for text in skipped(rec, "flagged"))


def test_onnx_runtime_training_results_are_no_evidence(db: EvidenceDb) -> None:
    db.add("ort-train", "onnxruntime", 0.1, run_id="run-a", mode="training", scenario="train")
    db.add("torch-train", "torch", 5.0, run_id="run-a", mode="training", scenario="train")
    rec = decide(db, {"priorities": "training_speed"})
    assert rec.evidence == ()
    [why] = skipped(rec, "cannot_train")
    assert "does not train" in why and db.ids["ort-train"][:8] in why


def test_a_null_sample_neither_crashes_nor_counts(db: EvidenceDb) -> None:
    db.add("torch", "torch", 1.0, run_id="run-a")
    db.add("tf", "tensorflow", 3.0, run_id="run-a")
    db.null_sample("tf")
    rec = decide(db)
    assert rec.evidence == ()
    [why] = skipped(rec, "bad_samples")
    assert "NULL or NaN" in why


def test_a_nan_sample_never_prints_nan(db: EvidenceDb) -> None:
    db.add("torch", "torch", 1.0, run_id="run-a")
    db.add("tf", "tensorflow", 3.0, run_id="run-a", values=[*samples(3.0, 0.05, 59), float("nan")])
    rec = decide(db)
    assert rec.evidence == () and skipped(rec, "bad_samples")
    assert "nanx" not in all_text(rec).lower()
    json.dumps(rec.to_dict(), allow_nan=False)  # no NaN anywhere among the numbers


def test_too_few_samples_are_skipped(db: EvidenceDb) -> None:
    db.add("torch", "torch", 1.0, run_id="run-a", count=4)
    db.add("tf", "tensorflow", 3.0, run_id="run-a")
    rec = decide(db)
    assert rec.evidence == ()
    assert "4 samples, fewer than 10" in skipped(rec, "too_few_samples")[0]


def test_a_framework_decide_does_not_rank_is_skipped(db: EvidenceDb) -> None:
    db.add("toy", "numpy-toy", 0.1, run_id="run-a")
    db.add("torch", "torch", 1.0, run_id="run-a")
    rec = decide(db)
    assert any("numpy-toy is not a framework Decide ranks" in t for t in skipped(rec, "not_ranked"))


# -- which pair: the newest comparable pair from one run ----------------------------------------------------


def test_the_newest_run_that_measured_both_is_used(db: EvidenceDb) -> None:
    db.add("torch-a", "torch", 1.0, run_id="run-a", created_at="2026-11-01T10:00:00+00:00")
    db.add("tf-a", "tensorflow", 2.0, run_id="run-a", created_at="2026-11-01T10:00:01+00:00")
    db.add(
        "torch-b", "torch", 5.0, run_id="run-b", created_at="2026-11-10T10:00:00+00:00"
    )  # newer, no partner
    rec = decide(db)
    [use] = rec.evidence
    assert use.comparison.one_run
    ids = {use.comparison.faster_result.result_id, use.comparison.slower_result.result_id}
    assert ids == {db.ids["torch-a"], db.ids["tf-a"]}
    assert "from two different runs" not in use.comparison.text
    [superseded] = skipped(rec, "superseded")
    assert "1 older or slower-variant result(s)" in superseded


def test_without_a_shared_run_each_newest_result_is_used_and_the_text_says_so(db: EvidenceDb) -> None:
    db.add("torch-old", "torch", 3.0, run_id="run-a", created_at="2026-10-01T10:00:00+00:00")
    db.add("torch-new", "torch", 1.0, run_id="run-b", created_at="2026-11-10T10:00:00+00:00")
    db.add("tf", "tensorflow", 2.0, run_id="run-c", created_at="2026-11-11T10:00:00+00:00")
    rec = decide(db)
    [use] = rec.evidence
    assert not use.comparison.one_run and "from two different runs" in use.comparison.text
    assert use.comparison.faster_result.result_id == db.ids["torch-new"]


# -- relevance to the answers -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answers", "moves"),
    [
        ({}, True),  # workload not answered: every workload's measurements count
        ({"workload": "tabular"}, True),  # mlp speaks to tabular deep models
        ({"workload": "nlp"}, False),  # the case: mlp evidence must not move an LLM decision
        ({"workload": "nlp", "evidence_scope": "all"}, True),  # unless the user says every workload counts
        ({"workload": "vision"}, False),
    ],
)
def test_mlp_evidence_moves_only_decisions_it_speaks_to(
    db: EvidenceDb, answers: dict[str, str], moves: bool
) -> None:
    db.add("torch", "torch", 2.0, run_id="run-a")
    db.add("jax", "jax", 0.5, run_id="run-a", variant="jit")
    db.add("torch-c", "torch", 1.6, run_id="run-a", variant="compile")
    rec = decide(db, answers)
    [use] = rec.evidence
    assert use.comparison.counts and use.relevant is moves and use.used is moves
    jax = next(r for r in rec.ranking if r.id == "jax")
    assert any(c.source == "measured" and c.delta > 0 for c in jax.contributions) is moves
    if not moves:
        assert "does not speak to" in use.relevance and "mlp" in use.relevance


# -- machines ---------------------------------------------------------------------------------------------


def test_only_this_machines_results_count_and_the_others_are_counted(db: EvidenceDb) -> None:
    db.run("run-x", ELSEWHERE)
    db.add("torch-x", "torch", 1.0, run_id="run-x", machine_id=ELSEWHERE)
    db.add("tf-x", "tensorflow", 3.0, run_id="run-x", machine_id=ELSEWHERE)
    rec = decide(db, machine_id=HERE)
    assert rec.evidence == ()
    [other] = skipped(rec, "other_machine")
    assert "2 result(s) measured on machine 'gpu-box'" in other
    assert [s.count for s in rec.skipped if s.reason == "other_machine"] == [2]


def test_without_a_machine_id_results_are_named_by_machine_never_this_machine(db: EvidenceDb) -> None:
    db.run("run-x", ELSEWHERE)
    db.add("torch-x", "torch", 1.0, run_id="run-x", machine_id=ELSEWHERE)
    db.add("tf-x", "tensorflow", 3.0, run_id="run-x", machine_id=ELSEWHERE)
    db.add("torch", "torch", 1.0, run_id="run-a")
    db.add("tf", "tensorflow", 2.0, run_id="run-a", threads=2)  # no partner on this box
    rec = decide(db, machine_id=None)  # what `fwtui recommend --no-hardware` does
    [use] = rec.evidence
    assert use.comparison.text.startswith("measured on machine 'gpu-box' (m-else-9):")
    assert "this machine" not in all_text(rec)


def test_two_machines_are_never_mixed_in_one_comparison(db: EvidenceDb) -> None:
    db.run("run-x", ELSEWHERE)
    db.add("torch-x", "torch", 1.0, run_id="run-x", machine_id=ELSEWHERE)
    db.add("tf", "tensorflow", 3.0, run_id="run-a")
    rec = decide(db, machine_id=None)
    assert rec.evidence == () and len(skipped(rec, "no_comparable")) == 2


# -- significance and size --------------------------------------------------------------------------------


def measured(
    framework: str, median: float, spread: float, *, seed: int, scenario: str = "train", processes: int = 3
) -> Measured:
    data = tuple(samples(median, spread, seed=seed))
    return Measured(framework, "mlp", scenario, median, data, process_p50_ms=process_medians(data, processes), mode="training" if scenario == "train" else "inference",
                    variant="jit" if framework == "jax" else "compile", batch_size=32, threads=1,
                    result_id=f"{framework}-{seed}", run_id="run-1", machine_id=HERE, machine_label="box",
                    this_machine=True, created_at="2026-11-20T10:00:00")  # fmt: skip


def test_a_big_significant_difference_counts_with_the_priority_weight() -> None:
    evidence = [measured("jax", 0.41, 0.02, seed=1), measured("torch", 0.82, 0.04, seed=2)]
    rec = recommend({"priorities": "training_speed"}, None, evidence, TODAY)
    assert rec.winner.id == "jax"
    [reason] = [c for c in rec.winner.contributions if c.source == "measured"]
    assert (
        reason.delta == pytest.approx(1.0) and reason.numbers is not None and reason.numbers["weight"] == 2.0
    )
    plain = recommend({}, None, evidence, TODAY)
    jax = next(r for r in plain.ranking if r.id == "jax")
    assert sum(c.delta for c in jax.contributions if c.source == "measured") == pytest.approx(0.5)


def test_noisy_overlapping_samples_do_not_count() -> None:
    rec = recommend(
        {}, None, [measured("jax", 0.60, 0.5, seed=3), measured("torch", 0.62, 0.5, seed=4)], TODAY
    )
    [use] = rec.evidence
    assert not use.comparison.counts and use.comparison.verdict.startswith("not significant across processes (p=")
    assert "does not count" in use.comparison.text


def test_a_significant_but_tiny_difference_does_not_count() -> None:
    # 15% in 6 processes a side: beyond the run-to-run drift, so significant at Decide's 1%, yet under the 1.2x
    # that Decide asks of a difference.
    evidence = [measured("jax", 1.00, 0.001, seed=5, processes=6), measured("torch", 1.15, 0.001, seed=6, processes=6)]
    rec = recommend({}, None, evidence, TODAY)
    [use] = rec.evidence
    assert (
        use.comparison.p_value < 0.01 and not use.comparison.counts and "under 1.20×" in use.comparison.text
    )


def test_measured_points_are_capped_and_one_pair_counts_once_per_workload_and_scenario() -> None:
    evidence: list[Measured] = []
    for i, workload in enumerate(("mlp", "cnn", "transformer", "gemm")):
        for fw, ms in (("jax", 0.4), ("torch", 0.9)):
            m = measured(fw, ms, 0.01, seed=10 * i + len(evidence))
            evidence.append(Measured(**{**m.__dict__, "workload": workload}))
    eager = measured("torch", 0.95, 0.01, seed=99)
    evidence.append(Measured(**{**eager.__dict__, "variant": "eager", "result_id": "torch-eager"}))
    rec = recommend({}, None, evidence, TODAY)
    jax = next(r for r in rec.ranking if r.id == "jax")
    measured_reasons = [c for c in jax.contributions if c.source == "measured"]
    assert len(measured_reasons) == 4
    assert sum(c.delta for c in measured_reasons) == pytest.approx(1.0)


# -- loading ----------------------------------------------------------------------------------------------


def test_load_reads_settings_identity_and_samples(tmp_path: Path) -> None:
    path = jax_and_torch_db(tmp_path / "results.duckdb")
    load = load_db(path)
    by_framework = {m.framework: m for m in load.measured}
    assert set(by_framework) == {"jax", "torch", "onnxruntime"}  # sample data never; flagged listed to skip
    jax = by_framework["jax"]
    assert jax.this_machine and jax.machine_label == "this-box" and jax.run_id == "run-1"
    assert len(jax.samples_ms) == 60 and jax.batch_size == 1 and jax.threads == 1 and jax.dtype == "float32"
    assert by_framework["onnxruntime"].samples_ms == ()  # excluded by flag: its samples are not read
    assert "this machine (this-box)" in load.note


def test_load_opens_read_only_and_leaves_no_lock(tmp_path: Path) -> None:
    path = jax_and_torch_db(tmp_path / "results.duckdb")
    before = path.stat().st_mtime_ns
    assert load_db(path).measured
    assert path.stat().st_mtime_ns == before
    duckdb.connect(str(path)).close()


@pytest.mark.parametrize("content", [None, "", "not a database"])
def test_a_missing_or_foreign_file_means_no_evidence(tmp_path: Path, content: str | None) -> None:
    from fwtui.decide.evidence import NoEvidence, load_evidence, results_cursor

    path = tmp_path / "x.duckdb"
    if content == "":
        duckdb.connect(str(path)).close()
    elif content is not None:
        path.write_text(content)
    try:
        with results_cursor(path) as cursor:
            load = load_evidence(cursor, HERE)
    except NoEvidence as missing:
        load = missing.load
    assert load.measured == () and "no measured evidence" in load.note


def test_load_while_this_process_holds_the_database_open(tmp_path: Path) -> None:
    from fwtui.decide.evidence import load_evidence
    from fwtui.store.local import LocalDatabase

    path = jax_and_torch_db(tmp_path / "results.duckdb")
    database = LocalDatabase(path)  # the app's one read-write handle; Decide reads through a cursor of it
    try:
        assert database.access().writable
        measured = load_evidence(database.cursor(), HERE, db_path=path).measured
    finally:
        database.close()
    assert {m.framework for m in measured} >= {"jax", "torch"}


def test_database_evidence_reaches_the_recommendation(tmp_path: Path) -> None:
    rec = decide(jax_and_torch_db(tmp_path / "results.duckdb"), {"priorities": "inference_latency"})
    jax = next(r for r in rec.ranking if r.id == "jax")
    [reason] = [c for c in jax.contributions if c.source == "measured"]
    assert re.search(r"JAX 41\d µs vs PyTorch 82\d µs median per call \(2\.00×, p<0\.001\) on mlp latency", reason.text)
    assert any("flagged output_mismatch" in s.text for s in rec.skipped)


# -- precision ----------------------------------------------------------------------------------------------


def test_precision_evidence_counts_only_for_the_precision_the_user_will_use(db: EvidenceDb) -> None:
    # In float32 PyTorch and JAX are close; in bfloat16 PyTorch is five times faster (the ranking flips).
    db.add("torch32", "torch", 1.0, run_id="run-a", variant="compile")
    db.add("jax32", "jax", 0.8, run_id="run-a", variant="jit")
    db.add("torch16", "torch", 0.2, run_id="run-a", variant="compile", dtype="bfloat16")
    db.add("jax16", "jax", 1.0, run_id="run-a", variant="jit", dtype="bfloat16")
    rec = decide(db, {"precision": "bfloat16"})
    by_dtype = {use.comparison.setting.dtype: use for use in rec.evidence}
    assert set(by_dtype) == {"float32", "bfloat16"}  # never compared across precisions
    bf16, fp32 = by_dtype["bfloat16"], by_dtype["float32"]
    assert bf16.used and bf16.comparison.faster == "pytorch" and "bfloat16" in bf16.comparison.text
    assert 4.5 < bf16.comparison.ratio < 5.5 and "PyTorch 200 µs vs JAX 1.00 ms" in bf16.comparison.text
    assert not fp32.relevant and "measured in float32" in fp32.relevance and "bfloat16" in fp32.relevance
    torch_points = sum(
        c.delta for r in rec.ranking if r.id == "pytorch" for c in r.contributions if c.source == "measured"
    )
    assert torch_points > 0
    unanswered = decide(db, {})
    assert all(use.relevant for use in unanswered.evidence)  # no precision answered: every precision counts

"""`fwtui recommend` end to end through the real CLI entry point."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from decide_fixtures import ELSEWHERE, EvidenceDb, jax_and_torch_db

from fwtui.cli import main

BASE = ["recommend", "--no-hardware", "--today", "2026-12-02"]


def test_answers_change_the_recommendation(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*BASE, "--json", "--answer", "train_hardware=tpu"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["winner"]["id"] == "jax"
    assert data["answers"] == {"train_hardware": ["tpu"]}
    assert data["hardware"] is None and "not probed" in data["hardware_note"]
    assert "no results database" in data["evidence"]["note"]
    assert {r["id"] for r in data["ranking"]} >= {"pytorch", "tensorflow", "jax", "onnxruntime", "keras", "sklearn",
                                                  "gbdt", "mlx"}  # fmt: skip
    assert any(a["id"] == "tpu-means-tensorflow-or-jax" for a in data["stale_advice"])


def test_multi_select_repeated_answers_and_dont_know_with_values(capsys: pytest.CaptureFixture[str]) -> None:
    argv = [
        *BASE,
        "--json",
        "-a",
        "deploy=mobile",
        "-a",
        "deploy=server,dont_know",
        "-a",
        "experience=beginner",
    ]
    assert main(argv) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["answers"]["deploy"] == ["mobile", "server"]
    [issue] = data["answer_issues"]
    assert issue["kind"] == "dont_know_mixed" and issue["questions"] == ["deploy"]


def test_rich_output_shows_ranking_reasons_path_facts_and_counterfactual(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert (
        main([*BASE, "--answer", "deploy=edge", "--answer", "project=new", "-a", "existing_framework=jax"])
        == 0
    )
    out = capsys.readouterr().out
    # Edge favours TensorFlow by as much as a new project favours PyTorch: an exact tie, shown as one.
    for expected in ("Recommendation: a tie: PyTorch and TensorFlow (score 2.3 each)", "Answer check", "Ranking", "[answer]", "vetoed", "Deployment path",
                     "LiteRT", "What would change it", "Stale advice", "Cited facts", "no measured evidence"):  # fmt: skip
        assert expected in out, expected


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--answer", "colour=red"], "valid keys: project, existing_framework, workload"),
        (["--answer", "tpu=yes"], "replaced by train_hardware=tpu"),
        (["--answer", "deploy=moon"], "valid values: mobile, edge, browser, server, batch, research"),
        (["--answer", "deploy"], "KEY=VALUE"),
        (["--answer", "scale=single,large"], "takes one value"),
        (["--today", "soon"], "YYYY-MM-DD"),
    ],
)
def test_bad_answers_exit_2_with_the_valid_choices(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([*BASE, *argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith("fwtui: ") and message in err and "Traceback" not in err


def test_without_hardware_other_machines_are_named_never_this_machine(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = jax_and_torch_db(tmp_path / "results.duckdb", machine_id=ELSEWHERE)
    assert main([*BASE, "--json", "--db", str(db), "--answer", "priorities=inference_latency"]) == 0
    out = capsys.readouterr().out
    data = json.loads(out)
    [comparison] = data["evidence"]["comparisons"]
    assert comparison["faster"] == "jax" and comparison["counts"] is True and comparison["used"] is True
    assert comparison["this_machine"] is False and comparison["machine"] == "gpu-box"
    assert "this machine" not in out
    jax = next(r for r in data["ranking"] if r["id"] == "jax")
    assert any(reason["source"] == "measured" for reason in jax["reasons"])


def test_a_null_or_nan_sample_neither_crashes_nor_prints_nan(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = EvidenceDb(tmp_path / "results.duckdb")
    db.run("run-a")
    db.add("torch", "torch", 1.0, run_id="run-a")
    db.add("tf", "tensorflow", 3.0, run_id="run-a", values=[3.0] * 59 + [float("nan")])
    db.add("jax", "jax", 0.5, run_id="run-a", variant="jit")
    db.null_sample("torch")
    for extra in ([], ["--json"]):
        assert main([*BASE, *extra, "--db", str(db.path)]) == 0
        out = capsys.readouterr().out
        assert "nanx" not in out.lower() and "Traceback" not in out
    data = json.loads(out)
    assert {s["reason"] for s in data["evidence"]["skipped"]} >= {"bad_samples"}


def test_saved_answers_and_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from fwtui.decide.answers_store import save_answers

    save_answers({"workload": ("tabular",)})
    report = tmp_path / "decision.md"
    assert main([*BASE, "--json", "--saved", "--report", str(report)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["winner"]["id"] == "sklearn"
    assert "**scikit-learn (score 4.0)**" in report.read_text()


def test_help_lists_every_question(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["recommend", "--help"])
    out = capsys.readouterr().out
    assert "existing_framework (only when project is existing/dont_know):" in out
    assert "priorities (several)" in out
    assert (
        "train_hardware (unanswered: this machine's): nvidia, amd, tpu, trainium, apple, cpu, dont_know"
        in out
    )
    assert (
        "llm_engine (only when llm_stage is serve): vllm, sglang, tensorrt_llm, llama_cpp, ort_genai" in out
    )


def test_with_hardware_only_this_machines_results_count(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from fwtui.hardware import machine_id, probe_system

    here = jax_and_torch_db(tmp_path / "here.duckdb", machine_id=machine_id(probe_system()))
    elsewhere = jax_and_torch_db(tmp_path / "elsewhere.duckdb", machine_id=ELSEWHERE)
    argv = ["recommend", "--json", "--today", "2026-12-02"]
    assert main([*argv, "--db", str(here)]) == 0
    [comparison] = json.loads(capsys.readouterr().out)["evidence"]["comparisons"]
    assert comparison["this_machine"] is True and comparison["text"].startswith("measured on this machine")
    assert main([*argv, "--db", str(elsewhere)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["evidence"]["comparisons"] == []
    assert any(s["reason"] == "other_machine" and "gpu-box" in s["text"] for s in data["evidence"]["skipped"])

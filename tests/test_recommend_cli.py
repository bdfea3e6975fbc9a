"""`fwtui recommend` end to end through the real CLI entry point."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_decide_evidence import make_evidence_db

from fwtui.cli import main

BASE = ["recommend", "--no-hardware", "--today", "2026-11-22"]


def test_answers_change_the_recommendation(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*BASE, "--json", "--answer", "tpu=yes"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["winner"]["id"] == "jax"
    assert data["answers"] == {"tpu": ["yes"]}
    assert data["hardware"] is None and "not probed" in data["hardware_note"]
    assert "no results database" in data["evidence"]["note"]
    assert {r["id"] for r in data["ranking"]} >= {
        "pytorch",
        "tensorflow",
        "jax",
        "onnxruntime",
        "keras",
        "sklearn",
    }


def test_multi_select_and_repeated_answers(capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main([*BASE, "--json", "-a", "deploy=mobile", "-a", "deploy=server", "-a", "experience=beginner"])
        == 0
    )
    data = json.loads(capsys.readouterr().out)
    assert data["answers"]["deploy"] == ["mobile", "server"]


def test_rich_output_shows_ranking_reasons_path_facts_and_counterfactual(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main([*BASE, "--answer", "deploy=mobile"]) == 0
    out = capsys.readouterr().out
    for expected in ("Recommendation: TensorFlow", "Ranking", "[answer]", "vetoed", "Deployment path", "LiteRT",
                     "What would change it", "Cited facts", "no measured evidence"):  # fmt: skip
        assert expected in out, expected


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--answer", "colour=red"], "valid keys: project, existing_framework, deploy"),
        (["--answer", "deploy=moon"], "valid values: mobile, edge, browser, server, batch, research"),
        (["--answer", "deploy"], "KEY=VALUE"),
        (["--answer", "tpu=yes,no"], "takes one value"),
    ],
)
def test_bad_answers_exit_2_with_the_valid_choices(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([*BASE, *argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith("fwtui: ") and message in err and "Traceback" not in err


def test_measured_evidence_from_db(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = make_evidence_db(tmp_path / "results.duckdb")
    assert main([*BASE, "--json", "--db", str(db), "--answer", "priorities=inference_latency"]) == 0
    data = json.loads(capsys.readouterr().out)
    [comparison] = data["evidence"]["comparisons"]
    assert comparison["faster"] == "jax" and comparison["counts"] is True
    jax = next(r for r in data["ranking"] if r["id"] == "jax")
    assert any(reason["source"] == "measured" for reason in jax["reasons"])


def test_saved_answers_and_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from fwtui.decide.answers_store import save_answers

    save_answers({"workload": ("tabular",)})
    report = tmp_path / "decision.md"
    assert main([*BASE, "--json", "--saved", "--report", str(report)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["winner"]["id"] == "sklearn"
    assert "**scikit-learn**" in report.read_text()


def test_help_lists_every_question(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["recommend", "--help"])
    out = capsys.readouterr().out
    assert "existing_framework: pytorch, tensorflow, jax, keras, mxnet, caffe2, other, dont_know" in out
    assert "priorities (several)" in out


def test_with_hardware_only_this_machines_results_count(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from fwtui.hardware import machine_id, probe_system

    here = make_evidence_db(tmp_path / "here.duckdb", machine_id=machine_id(probe_system()))
    elsewhere = make_evidence_db(tmp_path / "elsewhere.duckdb", machine_id="m-another-box")
    argv = ["recommend", "--json", "--today", "2026-11-22"]
    assert main([*argv, "--db", str(here)]) == 0
    assert len(json.loads(capsys.readouterr().out)["evidence"]["comparisons"]) == 1
    assert main([*argv, "--db", str(elsewhere)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["evidence"]["comparisons"] == [] and "no measured evidence" in data["evidence"]["note"]

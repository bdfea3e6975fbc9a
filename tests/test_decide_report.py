"""The Markdown report, and the saved answers: one bad value keeps the others, nothing hidden is kept."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

from decide_fixtures import jax_and_torch_db, load_db

from fwtui.decide.answers_store import answers_path, load_answers, load_saved, save_answers
from fwtui.decide.engine import recommend
from fwtui.decide.report import default_report_name, render_markdown, write_report
from fwtui.hardware import SystemInfo

TODAY = date(2026, 12, 2)


def test_report_holds_answers_hardware_evidence_recommendation_and_facts(tmp_path: Path) -> None:
    load = load_db(jax_and_torch_db(tmp_path / "results.duckdb"))
    probe = SystemInfo.from_dict({"os": {"name": "Linux"}, "cpu": {"arch": "x86_64"}, "gpus": [], "tpus": []})
    rec = recommend(
        {"deploy": "mobile", "experience": "beginner", "project": "new", "existing_framework": "jax"},
        probe, load.measured, TODAY, evidence_note=load.note,
    )  # fmt: skip
    path = write_report(rec, tmp_path / default_report_name(TODAY))
    assert path.name == "fwtui-decision-20261202.md"
    text = path.read_text()
    assert text.startswith("# Framework decision")
    assert f"**{rec.winner.label} (score {rec.winner.score:.1f})**" in text
    assert "| Where will the model run? | Mobile apps |" in text
    assert "| Scale of training | don't know |" in text
    assert "| Hardware for training | not answered: this machine's (CPUs only) |" in text
    assert "| What you do with language models | not asked (only when the workload is NLP and LLMs) |" in text
    assert (
        "| The existing codebase is in | not asked (only when the project is Existing codebase or don't know) |"
        in text
    )
    assert "### Answer checks" in text and "contradicts the project 'New project'" in text
    assert "## Hardware\n\nno GPU or TPU." in text
    assert re.search(r"measured on this machine \(this-box\): JAX 41\d µs vs PyTorch 82\d µs", text)
    assert "flagged output_mismatch" in text  # skipped results are listed with why
    assert "### Deployment path" in text and "ExecuTorch" in text
    assert "### What would change it" in text and "If " in text
    assert "### Stale advice" in text and "Mobile means TensorFlow" in text
    assert "MXNet" in text and "vetoed" in text
    assert "(as of 2026-08-22, source: https://github.com/pytorch/executorch" in text
    assert "Possibly stale" not in text


def test_report_marks_stale_facts_and_ties() -> None:
    text = render_markdown(recommend({"deploy": "server"}, None, [], date(2030, 1, 1)))
    assert "**Possibly stale: review was due 2027-12-01.**" in text


def test_answers_round_trip_in_the_config_dir() -> None:
    assert load_answers() == {}
    path = save_answers({"deploy": ("server", "mobile"), "train_hardware": ("tpu",)})
    assert path == answers_path() and path.parent.name == "config"
    assert load_answers() == {"deploy": ("mobile", "server"), "train_hardware": ("tpu",)}
    assert json.loads(path.read_text())["answers"] == {
        "deploy": ["mobile", "server"],
        "train_hardware": ["tpu"],
    }


def test_one_bad_value_in_a_saved_list_keeps_the_valid_ones() -> None:
    path = answers_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        json.dumps({"answers": {"deploy": ["mobile", "moon", "edge"], "tpu": ["yes"], "scale": "x"}})
    )
    saved = load_saved()
    assert saved.answers == {"deploy": ("mobile", "edge")}
    assert "deploy=moon: no such value" in saved.dropped
    assert any(d.startswith("tpu: no such question (replaced by train_hardware=tpu") for d in saved.dropped)
    assert "scale=x: no such value" in saved.dropped


def test_a_saved_answer_to_a_hidden_question_is_dropped_and_said() -> None:
    save_answers({"project": ("new",), "existing_framework": ("tensorflow",)})
    rec = recommend(load_answers(), None, [], TODAY)
    assert rec.answers == {"project": ("new",)}
    [issue] = rec.issues
    assert "existing_framework" in issue.questions and "ignored" in issue.text

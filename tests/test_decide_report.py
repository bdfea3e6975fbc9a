"""The Markdown report and the saved answers."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from fwtui.decide.answers_store import answers_path, load_answers, save_answers
from fwtui.decide.engine import recommend
from fwtui.decide.evidence import Measured
from fwtui.decide.report import default_report_name, render_markdown, write_report
from fwtui.hardware import SystemInfo

TODAY = date(2026, 11, 22)


def test_report_holds_answers_hardware_evidence_recommendation_and_facts(tmp_path: Path) -> None:
    evidence = [
        Measured("jax", "mlp", "latency", 0.41, tuple(0.41 + i * 0.0001 for i in range(30))),
        Measured("torch", "mlp", "latency", 0.82, tuple(0.82 + i * 0.0001 for i in range(30))),
    ]
    probe = SystemInfo.from_dict({"os": {"name": "Linux"}, "cpu": {"arch": "x86_64"}, "gpus": [], "tpus": []})
    rec = recommend(
        {"deploy": "mobile", "experience": "beginner"}, probe, evidence, TODAY, evidence_note="2 best results"
    )
    path = write_report(rec, tmp_path / default_report_name(TODAY))
    assert path.name == "fwtui-decision-20261122.md"
    text = path.read_text()
    assert text.startswith("# Framework decision")
    assert f"**{rec.winner.label}**" in text
    assert "| Where will the model run? | Mobile apps |" in text
    assert "| Scale of training | don't know |" in text
    assert "## Hardware\n\nno GPU or TPU." in text
    assert "measured on this machine: JAX 0.410 ms vs PyTorch 0.820 ms p50" in text
    assert "### Deployment path" in text and "LiteRT" in text
    assert "### What would change it" in text and "If " in text
    assert "MXNet" in text and "vetoed" in text
    assert "(as of 2025-12-01, source: https://ai.google.dev/edge/litert, review by 2026-12-01)" in text
    assert "Possibly stale" not in render_markdown(
        recommend({"deploy": "mobile"}, None, [], date(2026, 1, 1))
    )


def test_report_marks_stale_facts() -> None:
    text = render_markdown(recommend({"deploy": "server"}, None, [], date(2030, 1, 1)))
    assert "**Possibly stale: review was due 2026-11-01.**" in text


def test_answers_round_trip_in_the_config_dir() -> None:
    assert load_answers() == {}
    path = save_answers({"deploy": ("server", "mobile"), "tpu": ("yes",)})
    assert path == answers_path() and path.parent.name == "config"
    assert load_answers() == {"deploy": ("mobile", "server"), "tpu": ("yes",)}
    assert json.loads(path.read_text())["answers"] == {"deploy": ["mobile", "server"], "tpu": ["yes"]}


def test_damaged_or_outdated_answers_file_keeps_what_still_fits() -> None:
    path = answers_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("{not json")
    assert load_answers() == {}
    path.write_text(json.dumps({"answers": {"tpu": ["yes"], "deploy": ["moon"], "gone": ["x"]}}))
    assert load_answers() == {"tpu": ("yes",)}

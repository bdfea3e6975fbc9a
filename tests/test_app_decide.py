"""The Decide area in the running app: answering, persistence, reset, export, hardware and evidence updates."""

from __future__ import annotations

import io
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from app_helpers import settle, until
from rich.console import Console
from test_decide_evidence import make_evidence_db
from textual.app import App, ComposeResult
from textual.pilot import Pilot
from textual.widgets import RadioButton, RadioSet, SelectionList, Static

from fwtui.decide.answers_store import answers_path, save_answers
from fwtui.hardware import HardwareReport, SystemInfo, machine_id, probe_system
from screens.app import FwtuiApp
from screens.context import AppContext
from screens.decide.area import DecideArea
from screens.messages import HardwareReady, ResultsChanged

TODAY = date(2026, 11, 22)
PLAIN_LINUX = {"os": {"name": "Linux", "arch": "x86_64"}, "cpu": {"arch": "x86_64"}, "gpus": [], "tpus": []}


@pytest.fixture(autouse=True)
def fixed_date(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(DecideArea, "clock", staticmethod(lambda: TODAY))


class DecideHost(App[None]):
    """The Decide area on its own, handed a fixed hardware report as the app hands it the Hardware area's."""

    def __init__(self, db_path: Path, report: dict[str, Any] | None = PLAIN_LINUX) -> None:
        super().__init__()
        self.hardware_report = HardwareReport.from_dict(report) if report is not None else None
        self.context = AppContext(db_path=db_path)

    def compose(self) -> ComposeResult:
        yield DecideArea(self.context)

    def on_mount(self) -> None:
        if self.hardware_report is not None:  # as the app hands an area the Hardware area's report
            self.query_one(DecideArea).post_message(HardwareReady(self.hardware_report))

    def on_unmount(self) -> None:
        self.context.close()


def _area(app: App[Any]) -> DecideArea:
    return app.query_one(DecideArea)


def _text(app: App[Any], selector: str) -> str:
    """What a Static shows, as plain text."""
    console = Console(width=120, record=True, file=io.StringIO())
    console.print(app.query_one(selector, Static).content)
    return console.export_text()


async def test_answering_on_screen_changes_the_recommendation(tmp_path: Path) -> None:
    app = DecideHost(tmp_path / "results.duckdb")
    async with app.run_test(size=(100, 40)) as pilot:
        area = _area(app)
        area.focus_default()
        await settle(pilot, node=area)
        assert area.recommendation is not None and area.recommendation.winner.id == "pytorch"
        assert "Recommendation: PyTorch" in _text(app, "#decide-winner")

        # Keyboard only, as a user would: the area focuses the first question; Tab moves on.
        await until(pilot, lambda: app.focused is app.query_one("#decide-project"))
        await pilot.press("tab", "tab")
        assert app.focused is app.query_one("#decide-deploy", SelectionList)
        await pilot.press("down", "up", "space")  # highlight the first option (Mobile apps) and tick it
        await until(pilot, lambda: area.answers.get("deploy") == ("mobile",))
        assert area.recommendation.winner.id == "tensorflow"
        assert "Recommendation: TensorFlow" in _text(app, "#decide-winner")
        assert "LiteRT" in _text(app, "#decide-deployment")
        assert "[answer]" in _text(app, "#decide-reasons")
        assert "If deployment were 'don't know' instead of 'Mobile apps'" in _text(
            app, "#decide-counterfactual"
        )
        assert "MXNet" in _text(app, "#decide-ranking") and "vetoed" in _text(app, "#decide-ranking")

        tpu = app.query_one("#decide-tpu", RadioSet)
        tpu.focus()
        await pilot.pause()
        await pilot.press("down", "up", "enter")  # the first option: "Yes"
        await until(pilot, lambda: area.answers.get("tpu") == ("yes",))
        jax = next(r for r in area.recommendation.ranking if r.id == "jax")
        assert any(c.question == "tpu=yes" and c.delta > 0 for c in jax.contributions)
        assert (
            area.recommendation.winner.id == "tensorflow"
        )  # TPUs train TensorFlow too, and LiteRT deploys it

        await pilot.press("shift+tab", "shift+tab", "space")  # back to deployment: untick "Mobile apps"
        await until(pilot, lambda: "deploy" not in area.answers)
        assert area.recommendation.winner.id == "jax"
        assert "Recommendation: JAX" in _text(app, "#decide-winner")

    saved = json.loads(answers_path().read_text())["answers"]
    assert saved == {"tpu": ["yes"]}


async def test_answers_persist_and_reset(tmp_path: Path) -> None:
    save_answers({"workload": ("tabular",), "deploy": ("server", "batch")})
    app = DecideHost(tmp_path / "results.duckdb")
    async with app.run_test(size=(100, 40)) as pilot:
        area = _area(app)
        await settle(pilot, node=area)
        assert app.query_one("#decide-workload--tabular", RadioButton).value
        assert app.query_one("#decide-deploy", SelectionList).selected == ["server", "batch"]
        assert area.recommendation is not None and area.recommendation.winner.id == "sklearn"

        await pilot.press("x")
        await pilot.pause()
        assert area.answers == {}
        assert app.query_one("#decide-workload--dont_know", RadioButton).value
        assert app.query_one("#decide-deploy", SelectionList).selected == []
        assert area.recommendation.winner.id == "pytorch"
    assert json.loads(answers_path().read_text())["answers"] == {}


async def test_existing_framework_question_shows_only_when_relevant(tmp_path: Path) -> None:
    app = DecideHost(tmp_path / "results.duckdb")
    async with app.run_test(size=(100, 40)) as pilot:
        area = _area(app)
        question = app.query_one("#decide-q-existing_framework")
        assert question.display
        app.query_one("#decide-project", RadioSet).focus()
        await pilot.pause()
        await pilot.press("down", "up", "enter")  # the first option: "New project"
        await until(pilot, lambda: area.answers.get("project") == ("new",))
        assert not question.display


async def test_the_system_is_probed_at_most_once_per_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import fwtui.hardware
    import fwtui.hardware.machine
    import fwtui.hardware.system

    real_probe = fwtui.hardware.system.probe_system
    probes: list[SystemInfo] = []

    def counted_probe() -> SystemInfo:  # the real probe, counted
        probes.append(real_probe())
        return probes[-1]

    monkeypatch.setattr(fwtui.hardware.system, "probe_system", counted_probe)
    monkeypatch.setattr(fwtui.hardware, "probe_system", counted_probe)
    fwtui.hardware.machine._probe_once.cache_clear()  # as in a fresh process
    try:
        db = make_evidence_db(tmp_path / "results.duckdb", machine_id=machine_id(real_probe()))
        app = DecideHost(db, report=None)  # no hardware report published yet: the area probes
        async with app.run_test(size=(100, 40)) as pilot:
            area = _area(app)
            for run_id in (None, "run-1", "run-2"):  # each load of the evidence needs this machine's id
                if run_id is not None:
                    area.post_message(ResultsChanged(run_id))
                await settle(pilot, node=area)
                assert area.hardware is not None and area.evidence.measured  # found with this machine's id
        assert len(probes) == 1
    finally:
        fwtui.hardware.machine._probe_once.cache_clear()


async def test_export_writes_the_markdown_report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    save_answers({"deploy": ("mobile",)})
    app = DecideHost(tmp_path / "results.duckdb")
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot, node=_area(app))
        await pilot.press("e")
        await pilot.pause()
        report = tmp_path / "fwtui-decision-20261122.md"
        assert report.is_file()
        text = report.read_text()
        assert "**TensorFlow**" in text and "| Where will the model run? | Mobile apps |" in text
        assert "## Hardware" in text and "## Measured evidence" in text and "## Cited facts" in text
        assert any(str(report) in str(n.message) for n in app._notifications)


async def test_hardware_report_moves_the_recommendation(tmp_path: Path) -> None:
    app = DecideHost(tmp_path / "results.duckdb")
    async with app.run_test(size=(100, 40)) as pilot:
        area = _area(app)
        await settle(pilot, node=area)
        assert area.recommendation is not None and area.recommendation.winner.id == "pytorch"
        with_tpu = HardwareReport.from_dict({**PLAIN_LINUX, "tpus": [{"index": 0, "name": "v5e"}]})
        area.post_message(HardwareReady(with_tpu))
        await until(pilot, lambda: area.recommendation.winner.id == "jax")  # type: ignore[union-attr]
        assert "[hardware]" in _text(app, "#decide-reasons")
        assert "TPU" in _text(app, "#decide-evidence")


async def test_new_results_bring_measured_evidence(tmp_path: Path) -> None:
    db = tmp_path / "results.duckdb"
    save_answers({"priorities": ("inference_latency",)})
    app = DecideHost(db)
    async with app.run_test(size=(100, 40)) as pilot:
        area = _area(app)
        await settle(pilot, node=area)
        assert area.evidence.measured == ()
        assert "no measured evidence" in _text(app, "#decide-evidence")
        make_evidence_db(db, machine_id=machine_id(probe_system()))
        area.post_message(ResultsChanged("run-1"))
        await settle(pilot, node=area)
        assert area.evidence.measured
        evidence_text = _text(app, "#decide-evidence")
        assert "[measured]" in evidence_text and "JAX 0.410 ms vs PyTorch 0.820 ms" in evidence_text


async def test_fits_80x24_in_the_app(tmp_path: Path) -> None:
    app = FwtuiApp(AppContext(db_path=tmp_path / "results.duckdb"))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("4")
        area = _area(app)
        await until(pilot, lambda: isinstance(app.focused, RadioSet))
        assert app.focused is app.query_one("#decide-project")
        await settle(pilot, node=area)
        questions = app.query_one("#decide-questions")
        result = app.query_one("#decide-result")
        await until(pilot, lambda: result.region.width > 0)
        assert questions.region.width >= 30 and result.region.width >= 40
        assert result.region.right <= 80 and questions.region.bottom <= 23 and result.region.height >= 10
        assert 0 < app.query_one("#decide-winner").region.y < 24


def test_snapshot_80x24(snap_compare: Any, tmp_path: Path) -> None:
    save_answers({"deploy": ("mobile",), "experience": ("beginner",)})

    async def ready(pilot: Pilot[Any]) -> None:
        await settle(pilot, node=_area(pilot.app))

    # The area's share of an 80x24 terminal once the header, tabs and footer are drawn.
    assert snap_compare(DecideHost(tmp_path / "results.duckdb"), terminal_size=(80, 20), run_before=ready)

"""The Decide area in the running app: answering, reading every option at 80x24 and 120x40, reset with
confirmation and undo, saved answers that no longer fit, export, hardware and evidence updates."""

from __future__ import annotations

import io
import json
import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from app_helpers import screen_text, settle, until
from decide_fixtures import jax_and_torch_db
from rich.console import Console
from textual.app import App, ComposeResult
from textual.pilot import Pilot
from textual.widgets import Checkbox, RadioButton, RadioSet, Static

from fwtui.decide.answers_store import answers_path, save_answers
from fwtui.decide.questions import QUESTIONS
from fwtui.hardware import HardwareReport, SystemInfo, machine_id, probe_system
from screens.app import FwtuiApp
from screens.context import AppContext
from screens.decide.area import DecideArea
from screens.decide.confirm import ConfirmReset
from screens.decide.questions import DONT_KNOW_LABEL, QuestionPanel, option_id
from screens.messages import HardwareReady, ResultsChanged

TODAY = date(2026, 12, 2)
PLAIN_LINUX = {"os": {"name": "Linux", "arch": "x86_64"}, "cpu": {"arch": "x86_64"}, "gpus": [], "tpus": []}
NVIDIA_LINUX = {**PLAIN_LINUX, "gpus": [{"vendor": "NVIDIA", "name": "NVIDIA H100"}]}


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


def _saved() -> dict[str, list[str]]:
    return json.loads(answers_path().read_text())["answers"]  # type: ignore[no-any-return]


async def test_answering_on_screen_changes_the_recommendation(tmp_path: Path) -> None:
    app = DecideHost(tmp_path / "results.duckdb")
    async with app.run_test(size=(100, 40)) as pilot:
        area = _area(app)
        area.focus_default()
        await settle(pilot, node=area)
        assert area.recommendation is not None and area.recommendation.winner.id == "pytorch"
        assert "Recommendation: PyTorch" in _text(app, "#decide-winner")

        # Keyboard only, as a user would: the area focuses the first question; Tab moves on, option by option
        # through a multi-select question.
        await until(pilot, lambda: app.focused is app.query_one("#decide-project"))
        await pilot.press(
            "tab", "tab", "tab"
        )  # existing codebase, workload, then the first deployment option
        assert app.focused is app.query_one(f"#{option_id('deploy', 'mobile')}", Checkbox)
        await pilot.press("space", "tab", "space")  # tick Mobile apps and Edge / microcontrollers
        await until(pilot, lambda: area.answers.get("deploy") == ("mobile", "edge"))
        await settle(pilot, node=area)
        assert area.recommendation.winner.id == "tensorflow"
        assert "Recommendation: TensorFlow (score 2.3)" in _text(app, "#decide-winner")
        assert "LiteRT" in _text(app, "#decide-deployment")
        assert "[answer]" in _text(app, "#decide-reasons")
        assert "Stale advice" in _text(app, "#decide-stale") and "Mobile means TensorFlow" in _text(
            app, "#decide-stale"
        )
        assert "What would change it" in _text(app, "#decide-counterfactual")
        assert "MXNet" in _text(app, "#decide-ranking") and "vetoed" in _text(app, "#decide-ranking")

        await pilot.press("space")  # untick Edge: PyTorch and ExecuTorch lead again
        await until(pilot, lambda: area.answers.get("deploy") == ("mobile",))
        await settle(pilot, node=area)
        assert area.recommendation.winner.id == "pytorch"
    assert _saved() == {"deploy": ["mobile"]}


async def test_reset_asks_first_and_can_be_undone(tmp_path: Path) -> None:
    save_answers({"workload": ("tabular",), "deploy": ("server", "batch")})
    app = DecideHost(tmp_path / "results.duckdb")
    async with app.run_test(size=(100, 40)) as pilot:
        area = _area(app)
        await settle(pilot, node=area)
        assert app.query_one(f"#{option_id('workload', 'tabular')}", RadioButton).value
        assert area.recommendation is not None and area.recommendation.winner.id == "sklearn"

        await pilot.press("x")  # exports or cancels elsewhere; never resets here
        await pilot.pause()
        assert area.answers and not isinstance(app.screen, ConfirmReset)

        await pilot.press("d")
        await until(pilot, lambda: isinstance(app.screen, ConfirmReset))
        assert "Reset 3 answers to don't know?" in screen_text(pilot, app.screen.region)
        await pilot.press("enter")  # the focused default keeps the answers
        await until(pilot, lambda: not isinstance(app.screen, ConfirmReset))
        assert area.answers == {"workload": ("tabular",), "deploy": ("server", "batch")}

        await pilot.press("d")
        await until(pilot, lambda: isinstance(app.screen, ConfirmReset))
        await pilot.press("y")
        await until(pilot, lambda: not isinstance(app.screen, ConfirmReset))
        await settle(pilot, node=area)
        assert area.answers == {} and _saved() == {}
        assert app.query_one(f"#{option_id('workload', 'dont_know')}", RadioButton).value
        assert not app.query_one(f"#{option_id('deploy', 'server')}", Checkbox).value
        assert area.recommendation.winner.id == "pytorch"
        assert any("Press u to undo" in str(n.message) for n in app._notifications)

        await pilot.press("u")
        await settle(pilot, node=area)
        assert area.answers == {"workload": ("tabular",), "deploy": ("server", "batch")}
        assert _saved() == {"deploy": ["server", "batch"], "workload": ["tabular"]}
        assert app.query_one(f"#{option_id('deploy', 'batch')}", Checkbox).value
        assert area.recommendation.winner.id == "sklearn"


OPEN_EVERY_QUESTION = {
    "project": ("existing",),
    "workload": ("nlp",),
    "llm_stage": ("serve",),
    "deploy": ("server",),
}


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_every_question_and_option_can_be_read(tmp_path: Path, size: tuple[int, int]) -> None:
    save_answers(OPEN_EVERY_QUESTION)  # every question shown at once
    app = FwtuiApp(AppContext(db_path=tmp_path / "results.duckdb"))
    async with app.run_test(size=size) as pilot:
        await pilot.press("4")
        area = await app.ensure_area("decide")
        await settle(pilot, node=area)
        panel = app.query_one(QuestionPanel)
        await until(pilot, lambda: panel.region.width > 0)
        result = app.query_one("#decide-result")
        assert panel.region.width >= 34 and result.region.width >= 40 and result.region.right <= size[0]
        for question in QUESTIONS:
            box = app.query_one(f"#decide-q-{question.key}")
            assert box.display, question.key
            labels = [label for _, label in question.options]
            widgets = [app.query_one(f"#{option_id(question.key, value)}") for value in question.values]
            if not question.multi:
                labels.append(DONT_KNOW_LABEL)
                widgets.append(app.query_one(f"#{option_id(question.key, 'dont_know')}"))
            for label, widget in [(question.text, box), *zip(labels, widgets, strict=True)]:
                panel.scroll_to_widget(widget, animate=False, top=True)
                await pilot.pause()
                shown = screen_text(pilot, widget.region.intersection(panel.region))
                assert " ".join(label.split()) in shown, (size, question.key, label, shown)


async def test_this_machine_is_named_in_the_hardware_questions(tmp_path: Path) -> None:
    app = DecideHost(tmp_path / "results.duckdb", report=NVIDIA_LINUX)
    async with app.run_test(size=(100, 40)) as pilot:
        area = _area(app)
        await settle(pilot, node=area)
        button = app.query_one(f"#{option_id('train_hardware', 'dont_know')}", RadioButton)
        assert str(button.label) == "Don't know: this machine's (NVIDIA GPUs)"
        assert area.recommendation is not None and area.recommendation.defaults["train_hardware"] == "nvidia"
        assert "train_hardware=nvidia (this machine)" in json.dumps(area.recommendation.to_dict())


async def test_saved_answers_that_no_longer_fit_are_dropped_and_said(tmp_path: Path) -> None:
    answers_path().parent.mkdir(parents=True, exist_ok=True)
    answers_path().write_text(json.dumps({"answers": {
        "project": ["new"], "existing_framework": ["tensorflow"], "deploy": ["mobile", "moon"],
    }}))  # fmt: skip
    app = DecideHost(tmp_path / "results.duckdb")
    async with app.run_test(size=(100, 40)) as pilot:
        area = _area(app)
        await settle(pilot, node=area)
        assert area.answers == {
            "project": ("new",),
            "deploy": ("mobile",),
        }  # the valid value kept, nothing hidden
        assert app.query_one(f"#{option_id('deploy', 'mobile')}", Checkbox).value
        assert "contradicts the project 'New project'" in _text(app, "#decide-issues")
        assert any("deploy=moon: no such value" in str(n.message) for n in app._notifications)
        assert not app.query_one("#decide-q-existing_framework").display
    assert _saved() == {"deploy": ["mobile"], "project": ["new"]}


async def test_an_answer_that_hides_a_question_clears_its_answer(tmp_path: Path) -> None:
    save_answers({"existing_framework": ("jax",)})
    app = DecideHost(tmp_path / "results.duckdb")
    async with app.run_test(size=(100, 40)) as pilot:
        area = _area(app)
        await settle(pilot, node=area)
        question = app.query_one("#decide-q-existing_framework")
        assert question.display and area.answers == {"existing_framework": ("jax",)}
        app.query_one("#decide-project", RadioSet).focus()
        await pilot.pause()
        await pilot.press("down", "up", "enter")  # the first option: "New project"
        await until(pilot, lambda: area.answers.get("project") == ("new",))
        await settle(pilot, node=area)
        assert not question.display and area.answers == {"project": ("new",)}
        assert app.query_one(f"#{option_id('existing_framework', 'dont_know')}", RadioButton).value
    assert _saved() == {"project": ["new"]}


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
        db = jax_and_torch_db(tmp_path / "results.duckdb", machine_id=machine_id(real_probe()))
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
    save_answers({"deploy": ("edge",)})
    app = DecideHost(tmp_path / "results.duckdb")
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot, node=_area(app))
        await pilot.press("e")
        await pilot.pause()
        report = tmp_path / "fwtui-decision-20261202.md"
        assert report.is_file()
        text = report.read_text()
        assert (
            "**TensorFlow (score 2.3)**" in text
            and "| Where will the model run? | Edge / microcontrollers |" in text
        )
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
        await settle(pilot, node=area)
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
        jax_and_torch_db(db, machine_id=machine_id(probe_system()))
        area.post_message(ResultsChanged("run-1"))
        await settle(pilot, node=area)
        assert area.evidence.measured
        evidence_text = _text(app, "#decide-evidence")
        assert "[measured]" in evidence_text
        assert re.search(r"JAX 41\d µs vs PyTorch 82\d µs", evidence_text)  # under a millisecond: µs
        assert "Skipped 1: flagged by the validity checks." in evidence_text


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


async def test_decide_opened_first_loads_the_first_launch_sample_data(tmp_path: Path) -> None:
    """Areas are built on first visit: Decide may be the first to open a new local database, and the first
    launch's sample data must be there for it as it is for Results."""
    import duckdb

    db = tmp_path / "fresh" / "results.duckdb"
    app = DecideHost(db)
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot, node=_area(app))
        count = app.context.database.cursor().execute("SELECT count(*) FROM results WHERE source = 'sample'")
        row = count.fetchone()
        assert row is not None and row[0] > 8
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM results").fetchone()[0] > 8  # type: ignore[index]

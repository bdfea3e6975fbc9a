"""The Decide area: answer questions on the left, see the recommendation change on the right."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.message import Message
from textual.worker import Worker, WorkerState

from fwtui.decide.answers_store import load_answers, save_answers
from fwtui.decide.engine import recommend
from fwtui.decide.evidence import EvidenceLoad, load_evidence
from fwtui.decide.model import Recommendation
from fwtui.decide.questions import Answers
from fwtui.decide.report import default_report_name, write_report
from fwtui.hardware.model import SystemInfo
from fwtui.store.errors import StoreError
from screens.areas import Area
from screens.context import AppContext
from screens.decide.questions import QuestionPanel
from screens.decide.view import RecommendationView
from screens.messages import HardwareReady, LocalDatabaseChanged, ResultsChanged

HELP = """\
## Decide

Answer what you know on the left; everything starts as **don't know**. The recommendation on the right
is recomputed on every change.

- **Ranking**: every candidate with its score; vetoed ones (retired frameworks, scikit-learn for deep
  learning) are struck out with the reason.
- **Why**: the reasons that moved each score, tagged **[answer]** (one of your answers),
  **[hardware]** (this machine: TPU, GPU vendor, Apple silicon, native Windows) or **[measured]**
  (benchmarks run on this machine; a difference counts only when it is significant and at least 1.2x).
- **Deployment path**: how the winner reaches its targets as of today (LiteRT, ExecuTorch, ONNX Runtime
  Web and Mobile, Triton, TF Serving, `torch.export`, `jax.export`).
- **What would change it**: the smallest change of answers that changes the winner.
- **Cited facts**: the dated facts behind the rules; facts past their review date are marked
  *possibly stale*.

| Key | Action |
|---|---|
| Tab / shift+Tab | next / previous question |
| ↑ ↓, Enter, Space | choose an answer |
| e | export the decision as Markdown (`fwtui-decision-YYYYMMDD.md` in the current directory) |
| x | reset every answer to don't know |

Answers are saved between launches. The same engine runs headless: `fwtui recommend --answer deploy=mobile`.
"""


class DecideArea(Area):
    area_id = "decide"
    help_text = HELP

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("e", "export", "Export"),
        Binding("x", "reset", "Reset answers"),
    ]

    DEFAULT_CSS = """
    DecideArea > Horizontal { height: 1fr; }
    """

    # The date that decides which facts are stale; replaceable for tests.
    clock: Callable[[], date] = staticmethod(date.today)

    class EvidenceLoaded(Message):
        def __init__(self, evidence: EvidenceLoad) -> None:
            super().__init__()
            self.evidence = evidence

    class HardwareProbed(Message):
        def __init__(self, system: SystemInfo | None, note: str) -> None:
            super().__init__()
            self.system = system
            self.note = note

    def __init__(self, context: AppContext, **kwargs: object) -> None:
        super().__init__(context, **kwargs)
        self.answers: Answers = load_answers()
        self.hardware: SystemInfo | None = None
        self.hardware_note = "probing…"
        self.evidence = EvidenceLoad(note="loading measured results…")
        self.recommendation: Recommendation | None = None

    def compose(self) -> ComposeResult:
        with Horizontal():
            yield QuestionPanel(self.answers, id="decide-questions")
            yield RecommendationView(id="decide-result")

    def on_mount(self) -> None:
        # The app hands this area the Hardware area's report (HardwareReady) once there is one; until then the
        # process's own system probe stands in.
        self._probe_hardware()
        self._load_evidence()
        self.refresh_recommendation()

    def focus_default(self) -> None:
        self.query_one("#decide-questions", QuestionPanel).query("RadioSet, SelectionList").first().focus()

    # -- inputs -----------------------------------------------------------------------------------------

    @on(QuestionPanel.AnswersChanged)
    def _answers_changed(self, event: QuestionPanel.AnswersChanged) -> None:
        self.answers = event.answers
        self.refresh_recommendation()
        self._save()

    def on_hardware_ready(self, message: HardwareReady) -> None:
        self._use_hardware(message.report.system, "")

    def on_results_changed(self, message: ResultsChanged) -> None:
        self._load_evidence()

    def on_local_database_changed(self, message: LocalDatabaseChanged) -> None:
        self._load_evidence()

    @on(HardwareProbed)
    def _hardware_probed(self, message: HardwareProbed) -> None:
        if self.hardware is None:  # a HardwareReady report that arrived meanwhile wins
            self._use_hardware(message.system, message.note)

    @on(EvidenceLoaded)
    def _evidence_loaded(self, message: EvidenceLoaded) -> None:
        self.evidence = message.evidence
        self.refresh_recommendation()

    def _use_hardware(self, system: SystemInfo | None, note: str) -> None:
        self.hardware = system
        self.hardware_note = note
        self.refresh_recommendation()

    @work(thread=True, exclusive=True, exit_on_error=False, group="decide-hardware")
    def _probe_hardware(self) -> None:
        """Until the Hardware area publishes its report: the process's cached system probe (the Hardware area
        shares it, so this probes at most once per process)."""
        try:
            from fwtui.hardware.machine import local_system

            self.post_message(self.HardwareProbed(local_system(), ""))
        except Exception as exc:  # no probe is no hardware facts, not a failure of the area
            self.post_message(self.HardwareProbed(None, f"hardware probe failed: {exc}"))

    @work(thread=True, exclusive=True, exit_on_error=False, group="decide-evidence")
    def _load_evidence(self) -> None:
        """Evidence read through a cursor of the app's one database handle."""
        database = self.context.database
        try:
            cursor = database.cursor()
        except StoreError as exc:
            evidence = EvidenceLoad(note=f"no measured evidence: {exc}", db_path=database.path)
        else:
            with contextlib.closing(cursor):
                evidence = load_evidence(cursor, _this_machine_id(), db_path=database.path)
        self.post_message(self.EvidenceLoaded(evidence))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state is WorkerState.ERROR and event.worker.group.startswith("decide-"):
            self.notify(f"Decide: {event.worker.error}", severity="error", markup=False)

    # -- output -----------------------------------------------------------------------------------------

    def refresh_recommendation(self) -> None:
        try:
            rec = recommend(
                self.answers,
                self.hardware,
                self.evidence.measured,
                self.clock(),
                evidence_note=self.evidence.note,
            )
        except Exception as exc:  # a broken knowledge base shows an error instead of quitting the app
            self.notify(f"Decide: {exc}", severity="error", markup=False)
            return
        self.recommendation = rec
        if self.is_mounted:
            self.query_one("#decide-result", RecommendationView).show(rec, hardware_note=self.hardware_note)

    def _save(self) -> None:
        try:
            save_answers(self.answers)
        except OSError as exc:
            self.notify(f"Could not save answers: {exc}", severity="warning", markup=False)

    def action_export(self) -> None:
        if self.recommendation is None:
            return
        target = Path.cwd() / default_report_name(self.recommendation.today)
        try:
            path = write_report(self.recommendation, target)
        except OSError as exc:
            self.notify(f"Export failed: {exc}", severity="error", markup=False)
            return
        self.notify(f"Decision written to {path}", title="Exported", markup=False)

    def action_reset(self) -> None:
        self.answers = {}
        self.query_one("#decide-questions", QuestionPanel).set_answers({})
        self.refresh_recommendation()
        self._save()
        self.notify("Answers reset to don't know")


def _this_machine_id() -> str | None:
    """Only results measured on this machine are evidence; without a fingerprint, any local machine's."""
    try:
        from fwtui.hardware.machine import local_machine_id

        return local_machine_id()
    except Exception:
        return None

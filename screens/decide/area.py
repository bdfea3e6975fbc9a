"""The Decide area: answer questions on the left, see the recommendation change on the right."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal
from textual.message import Message
from textual.worker import Worker, WorkerState, get_current_worker

from fwtui.decide.answers import AnswerIssue
from fwtui.decide.answers_store import load_saved, save_answers
from fwtui.decide.engine import recommend
from fwtui.decide.evidence import EvidenceLoad, load_evidence
from fwtui.decide.hardware_facts import hardware_facts, machine_target
from fwtui.decide.model import Recommendation
from fwtui.decide.questions import HARDWARE_OPTIONS, Answers
from fwtui.decide.report import default_report_name, write_report
from fwtui.hardware.model import SystemInfo
from fwtui.store.errors import StoreError
from screens.areas import Area
from screens.context import AppContext
from screens.decide.confirm import ConfirmReset
from screens.decide.keys import AREA_BINDINGS, EXPORT_KEY, RESET_KEY, UNDO_KEY
from screens.decide.questions import QuestionPanel
from screens.decide.view import RecommendationView
from screens.messages import HardwareReady, LocalDatabaseChanged, ResultsChanged

HELP = f"""\
## Decide

Answer what you know on the left; everything starts as **don't know**, and the target-hardware questions
start as this machine's hardware. The recommendation on the right is recomputed on every change.

- **Answer checks**: answers that contradict each other, or that were ignored because their question does
  not apply, are listed first.
- **Ranking**: every candidate with its score; vetoed ones (retired frameworks, scikit-learn for deep
  learning) are struck out with the reason. Equal scores are shown as a tie.
- **Why**: the reasons that moved each score, tagged **[answer]** (one of your answers),
  **[hardware]** (this machine) or **[measured]** (benchmarks compared like with like: same machine,
  workload, size, scenario, batch, threads, device, precision and kind of variant; only valid results;
  a difference counts when it is significant and at least 1.2x, and only for the workload you answered).
- **Deployment path**: how the winner reaches its targets as of today.
- **What would change it**: the fewest changed answers that give another candidate the lead (ties are
  shown as ties).
- **Stale advice**: common advice that today's facts no longer support.
- **Cited facts**: the dated facts behind the rules; facts past their review date are marked
  *possibly stale*, partly verified ones say what is not verified.

| Key | Action |
|---|---|
| Tab / shift+Tab | next / previous question or option |
| ↑ ↓, Enter, Space | choose an answer; Space ticks an option |
| {EXPORT_KEY} | export the decision as Markdown (`fwtui-decision-YYYYMMDD.md` in the current directory) |
| {RESET_KEY} | reset every answer to don't know (asks first) |
| {UNDO_KEY} | undo the last reset |

Answers are saved between launches. The same engine runs headless: `fwtui recommend --answer deploy=mobile`.
"""


class DecideArea(Area):
    area_id = "decide"
    help_text = HELP

    BINDINGS: ClassVar[list[BindingType]] = AREA_BINDINGS

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

    class Recommended(Message):
        def __init__(self, recommendation: Recommendation, answers: Answers) -> None:
            super().__init__()
            self.recommendation = recommendation
            self.answers = answers  # the answers it was computed for

    def __init__(self, context: AppContext, **kwargs: object) -> None:
        super().__init__(context, **kwargs)
        saved = load_saved()
        self.answers: Answers = saved.answers
        self._load_notes = saved.dropped
        # The checks that explain answers dropped as hidden or contradictory: shown until the next change, since
        # every later recommendation is computed without the answers they are about.
        self._dropped_issues: tuple[AnswerIssue, ...] = ()
        self.hardware: SystemInfo | None = None
        self.hardware_note = "probing…"
        self.evidence = EvidenceLoad(note="loading measured results…")
        self.recommendation: Recommendation | None = None
        self._before_reset: Answers | None = None

    def compose(self) -> ComposeResult:
        with Horizontal():
            yield QuestionPanel(self.answers, id="decide-questions")
            yield RecommendationView(id="decide-result")

    def on_mount(self) -> None:
        # The app hands this area the Hardware area's report (HardwareReady) once there is one; until then the
        # process's own system probe stands in.
        self._probe_hardware()
        self._load_evidence()
        if self._load_notes:
            self.notify("Saved answers that no longer fit were dropped: " + "; ".join(self._load_notes),
                        severity="warning", markup=False)  # fmt: skip
        self.refresh_recommendation()

    def focus_default(self) -> None:
        self.query_one("#decide-questions", QuestionPanel).query("RadioSet, Checkbox").first().focus()

    # -- inputs -----------------------------------------------------------------------------------------

    @on(QuestionPanel.AnswersChanged)
    def _answers_changed(self, event: QuestionPanel.AnswersChanged) -> None:
        self.answers = event.answers
        self._dropped_issues = ()
        self._before_reset = None  # an undo would now overwrite this change
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
        target = machine_target(hardware_facts(system))
        self.query_one("#decide-questions", QuestionPanel).set_machine(
            dict(HARDWARE_OPTIONS).get(target or "", "")
        )
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
        from fwtui.store.sample import ensure_first_launch_in

        database = self.context.database
        try:
            ensure_first_launch_in(database)
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
        """Recompute in a worker (the counterfactual search scores thousands of answer sets)."""
        self._recommend(dict(self.answers), self.hardware, self.evidence, self.clock())

    @work(thread=True, exclusive=True, exit_on_error=False, group="decide-recommend")
    def _recommend(
        self, answers: Answers, hardware: SystemInfo | None, evidence: EvidenceLoad, today: date
    ) -> None:
        rec = recommend(
            answers,
            hardware,
            evidence.measured,
            today,
            evidence_note=evidence.note,
            elsewhere=evidence.elsewhere,
        )
        if not get_current_worker().is_cancelled:  # a newer change has started its own
            self.post_message(self.Recommended(rec, answers))

    @on(Recommended)
    def _recommended(self, message: Recommended) -> None:
        if message.answers != self.answers:
            return  # computed for answers changed since
        rec = message.recommendation
        self.recommendation = rec
        if rec.answers != self.answers:
            # Answers to questions the others hide (saved by an older version, or typed elsewhere) are not
            # kept: the checks on screen say which were dropped.
            self.answers = dict(rec.answers)
            self._dropped_issues = rec.issues
            self.query_one("#decide-questions", QuestionPanel).set_answers(self.answers)
            self._save()
        self.query_one("#decide-result", RecommendationView).show(
            rec, hardware_note=self.hardware_note, earlier_issues=self._dropped_issues
        )

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
        if not self.answers:
            self.notify("Every answer is already don't know.")
            return
        self.app.push_screen(ConfirmReset(_count(self.answers)), self._reset_confirmed)

    def _reset_confirmed(self, confirmed: bool | None) -> None:
        if not confirmed:
            return
        previous = dict(self.answers)
        self._apply_answers({})
        self._before_reset = previous
        self.notify(f"Answers reset to don't know. Press {UNDO_KEY} to undo.")

    def action_undo_reset(self) -> None:
        if self._before_reset is None:
            self.notify("Nothing to undo.")
            return
        self._apply_answers(self._before_reset)
        self._before_reset = None
        self.notify("Answers restored.")

    def _apply_answers(self, answers: Answers) -> None:
        self.answers = dict(answers)
        self._dropped_issues = ()
        self.query_one("#decide-questions", QuestionPanel).set_answers(self.answers)
        self.refresh_recommendation()
        self._save()


def _count(answers: Answers) -> int:
    """Answers as the user gave them: one per single choice, one per ticked option."""
    return sum(len(values) for values in answers.values())


def _this_machine_id() -> str | None:
    """Only results measured on this machine are evidence; without a fingerprint, every machine's, named."""
    try:
        from fwtui.hardware.machine import local_machine_id

        return local_machine_id()
    except Exception:
        return None

"""The Benchmark area: choose a selection, run it, watch it live, compare the results."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import DataTable, Static
from textual.worker import Worker, WorkerState

from fwtui.bench.events import QueueStarted, RunEnded, RunProgress, RunResult, SessionDone, SessionEvent
from fwtui.bench.progress import BenchState
from fwtui.bench.spec import RunSpec
from fwtui.errors import FwtuiError
from fwtui.terminal_text import printable
from screens.areas import Area
from screens.benchmark.estimate import ModelRequest
from screens.benchmark.form import BenchForm
from screens.benchmark.help import HELP
from screens.benchmark.live import LivePanel, QueueList
from screens.benchmark.runner import (
    BenchEvent,
    EventPump,
    ModelProgress,
    ResultSaved,
    SessionHandle,
    StoreTrouble,
    model_identity,
    open_sink,
)
from screens.benchmark.summary import BenchSummary
from screens.benchmark.table import BenchResultsTable, detail_line
from screens.confirm import Confirm
from screens.messages import HardwareReady, ResultsChanged, ShowResults

if TYPE_CHECKING:
    from fwtui.bench.byom.session import ModelRun
    from fwtui.bench.sink import ResultSink
    from fwtui.bench.summary import SummaryRow

PAINT_INTERVAL_S = 0.1


class BenchmarkArea(Area):
    area_id = "benchmark"
    help_text = HELP

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "run", "Run"),
        Binding("x", "cancel_current", "Cancel run"),
        Binding("X", "cancel_all", "Cancel queue"),
        Binding("f", "toggle_form", "Form"),
        Binding("o", "open_results", "Open in Results"),
    ]

    DEFAULT_CSS = """
    BenchmarkArea { layout: horizontal; }
    BenchmarkArea.form-hidden BenchForm { display: none; }
    BenchmarkArea #bench-main { width: 1fr; height: 1fr; }
    BenchmarkArea #bench-notice { height: auto; padding: 0 1; color: $warning; display: none; }
    BenchmarkArea #bench-notice.shown { display: block; }
    BenchmarkArea QueueList { width: 1fr; height: auto; max-height: 5; }
    /* once the queue is over the table and the summary need the room more than the live view */
    BenchmarkArea.finished QueueList, BenchmarkArea.finished #bench-live-stats,
    BenchmarkArea.finished #bench-sparkline { display: none; }
    BenchmarkArea #bench-detail { height: auto; max-height: 2; padding: 0 1; color: $text-muted; }
    BenchmarkArea #bench-model-results { height: auto; padding: 0 1; display: none; }
    BenchmarkArea #bench-model-results.shown { display: block; }
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.state = BenchState()
        self.pump = EventPump(self.post_message)
        self.handle = SessionHandle()
        self.store_trouble: str | None = None
        self.saved_count = 0
        self.summary_rows: list[SummaryRow] = []
        self._worker: Worker[Any] | None = None
        self._model_worker: Worker[Any] | None = None
        self.model_run_id: str | None = None  # the run of the last model benchmark

    def compose(self) -> ComposeResult:
        yield BenchForm(id="bench-form")
        with Vertical(id="bench-main"):
            yield Static("", id="bench-notice", markup=False)
            yield Static("", id="bench-model-results", markup=False)
            yield LivePanel(id="bench-live")
            yield QueueList(id="bench-queue")
            yield BenchResultsTable(id="bench-table")
            yield Static("", id="bench-detail", markup=False)
            yield BenchSummary(id="bench-summary")

    def on_mount(self) -> None:
        self.set_interval(PAINT_INTERVAL_S, self.paint)
        note = self.query_one(BenchForm).note
        if note:
            self.notify(note, title="Benchmark", severity="warning", markup=False, timeout=30)

    def on_unmount(self) -> None:
        # Never leave a child process behind when the app quits mid-queue.
        self.handle.cancel_all()

    def focus_default(self) -> None:
        if self.has_class("form-hidden"):
            self.query_one(BenchResultsTable).focus()
        else:
            self.query_one("#bench-preset").focus()

    # -- state ------------------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return any(
            worker is not None and worker.state in (WorkerState.PENDING, WorkerState.RUNNING)
            for worker in (self._worker, self._model_worker)
        )

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "run":
            return not self.running
        if action in ("cancel_current", "cancel_all"):
            return self.running
        if action == "open_results":
            return (self.state.run_id or self.model_run_id) is not None and self.saved_count > 0
        return True

    def _notice(self, text: str | None) -> None:
        notice = self.query_one("#bench-notice", Static)
        notice.update(text or "")
        notice.set_class(bool(text), "shown")

    # -- running ----------------------------------------------------------------------------------

    @on(BenchForm.RunRequested)
    def _run_requested(self) -> None:
        self.action_run()

    def action_run(self) -> None:
        if self.running:
            self.notify("A queue is already running; cancel it first (X).", severity="warning")
            return
        form = self.query_one(BenchForm)
        form.update_estimate()
        if form.model is not None and form.error is None:
            self.start_model(form.model)
            return
        if form.error or not form.specs:
            self.notify(form.error or "Nothing to run.", title="Benchmark", severity="error", markup=False)
            return
        self.start(list(form.specs))

    def start_model(self, request: ModelRequest) -> None:
        """Run the user's own model in every engine that runs it, on a worker thread; its results are rows of
        the table and are saved like every result."""
        self._reset_view()
        self.model_run_id = None
        self._model_line(f"Running {printable(Path(request.path).name)} in each engine (one process each)…")
        self._model_worker = self._run_model(request)
        self.refresh_bindings()

    def _model_line(self, text: str | None) -> None:
        line = self.query_one("#bench-model-results", Static)
        line.update(text or "")
        line.set_class(bool(text), "shown")

    @work(thread=True, exit_on_error=False, exclusive=True, group="bench-model", name="model benchmark")
    def _run_model(self, request: ModelRequest) -> ModelRun:
        """Open, run, cross-check and save the model (blocking, on a worker thread)."""
        from fwtui.bench.byom.model_file import open_model_file
        from fwtui.bench.byom.session import run_and_save

        model = open_model_file(request.path)
        sink = self._open_sink()
        try:
            return run_and_save(
                model, request.input_shapes, sink, threads=request.threads, command="fwtui (Benchmark area) --model",
                on_target=lambda done, total, name: self._post_progress(ModelProgress(done, total, name)),
            )  # fmt: skip
        finally:
            sink.close()

    def _post_progress(self, message: ModelProgress) -> None:
        self.post_message(message)

    def on_model_progress(self, message: ModelProgress) -> None:
        message.stop()
        self._model_line(f"Your model: engine {message.done + 1} of {message.total} ({message.name})…")

    def _reset_view(self) -> None:
        """An empty table, no summary or notice: a new queue or model run starts."""
        self.state = BenchState()
        self.store_trouble = None
        self.saved_count = 0
        self.summary_rows = []
        self._notice(None)
        self.query_one(BenchResultsTable).reset()
        self.query_one(BenchSummary).hide()
        self.query_one("#bench-detail", Static).update("")
        self.add_class("form-hidden")
        self.remove_class("finished")
        self.query_one(BenchResultsTable).focus()

    def _open_sink(self) -> ResultSink:
        """The sink results go through, by the app's one database handle (on the worker thread)."""
        return open_sink(self.context.database, self.post_message, self.app.post_message, self.area_id)

    def start(self, specs: list[RunSpec]) -> None:
        """Start a queue of run specs on a worker thread."""
        self._reset_view()
        self.pump = EventPump(self.post_message)
        self.handle = SessionHandle()
        self.model_run_id = None
        self._model_line(None)
        self._worker = self._run_queue(specs, self.pump, self.handle)
        self.refresh_bindings()

    @work(thread=True, exit_on_error=False, exclusive=True, group="bench", name="benchmark")
    def _run_queue(self, specs: list[RunSpec], pump: EventPump, handle: SessionHandle) -> list[SummaryRow]:
        """Run the queue (blocking, on a worker thread); returns the summary, computed here off the UI thread."""
        from fwtui.bench.session import BenchSession, summarize

        sink = self._open_sink()
        try:
            session = BenchSession(specs, sink=sink, on_event=pump, command="fwtui (Benchmark area)")
            handle.attach(session)
            session.run()
            try:
                return session.summary()
            except Exception:  # the significance test must not cost the finished results their summary
                return summarize(session.records)
        finally:
            sink.close()

    def action_cancel_current(self) -> None:
        if self.running:
            question = Confirm("Cancel the current run?", "Its measurement so far is lost; the queue goes on.",
                               yes="Cancel the run", no="Keep running")  # fmt: skip
            self.app.push_screen(question, self._cancel_current)

    def _cancel_current(self, yes: bool | None) -> None:
        if yes and self.running:
            self.handle.cancel_current()
            self.notify("Cancelling the current run…", title="Benchmark")

    def action_cancel_all(self) -> None:
        if self.running:
            question = Confirm("Cancel the whole queue?", "Finished results are kept; the runs left are not run.",
                               yes="Cancel the queue", no="Keep running")  # fmt: skip
            self.app.push_screen(question, self._cancel_all)

    def _cancel_all(self, yes: bool | None) -> None:
        if yes and self.running:
            self.handle.cancel_all()
            self.notify("Cancelling the queue; finished results are kept.", title="Benchmark")

    @on(BenchForm.PresetChosen)
    def _preset_chosen(self, message: BenchForm.PresetChosen) -> None:
        form = self.query_one(BenchForm)
        question = Confirm(f"Replace your ticks with the {message.name!r} preset?",
                           "Keep mine leaves the form as it is (the preset box says custom).",
                           yes="Use the preset", no="Keep mine")  # fmt: skip

        def answered(yes: bool | None) -> None:
            if yes:
                form.apply_preset(message.name)
            else:
                form.keep_custom()

        self.app.push_screen(question, answered)

    def action_toggle_form(self) -> None:
        self.toggle_class("form-hidden")
        self.call_after_refresh(self.focus_default)

    def action_open_results(self) -> None:
        run_id = self.state.run_id or self.model_run_id
        if run_id is not None:
            self.app.post_message(ShowResults(run_id))

    # -- messages from the worker -----------------------------------------------------------------

    def on_bench_event(self, message: BenchEvent) -> None:
        message.stop()
        self.apply_event(message.event)

    def apply_event(self, event: SessionEvent) -> None:
        """Feed one engine event to the view (also how recorded events are replayed)."""
        if not isinstance(event, RunProgress):
            # Bring the latest progress up to date first, so events stay in order.
            self._drain_progress()
        self.state.apply(event)
        if isinstance(event, (QueueStarted, RunEnded, RunResult, SessionDone)):
            self.paint()
        self.set_class(self.state.done, "finished")

    def on_result_saved(self, message: ResultSaved) -> None:
        message.stop()
        self.saved_count += 1
        self.app.post_message(ResultsChanged(message.run_id, origin=self.area_id))
        self.refresh_bindings()

    def on_store_trouble(self, message: StoreTrouble) -> None:
        message.stop()
        self.store_trouble = message.reason
        self._notice(f"Results are NOT being saved ({message.reason}); the queue goes on, results stay here.")

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker is self._model_worker and event.state in (WorkerState.SUCCESS, WorkerState.ERROR):
            self._model_done(event.worker)
            return
        if event.worker is not self._worker:
            return
        if event.state == WorkerState.ERROR:
            error = event.worker.error
            reason = str(error) if isinstance(error, FwtuiError) else f"{type(error).__name__}: {error}"
            self._notice(f"The benchmark stopped: {' '.join(reason.split())}")
            self.notify(reason, title="Benchmark failed", severity="error", markup=False)
            if not self.state.done:
                self.apply_event(SessionDone(cancelled=True))
            from fwtui.bench.summary import summarize

            self.show_summary(summarize(self.state.records))
        elif event.state == WorkerState.SUCCESS:
            if not self.state.done:
                self.apply_event(SessionDone(cancelled=False))
            self.show_summary(event.worker.result or [])
        self.refresh_bindings()

    def _model_done(self, worker: Worker[Any]) -> None:
        """The model's records as rows of the table (with the summary), or why it could not run."""
        if worker.state == WorkerState.SUCCESS and worker.result is not None:
            run: ModelRun = worker.result
            table = self.query_one(BenchResultsTable)
            for record in run.records:
                table.show_record(record)
            self.model_run_id = run.run_id
            self._model_line(model_identity(run))
            from fwtui.bench.summary import summarize

            saved = self.store_trouble is None and self.saved_count > 0
            self.query_one(BenchSummary).show_summary(
                summarize(list(run.records)), run.records, saved=saved, cancelled=False
            )
        else:
            error = worker.error
            reason = str(error) if isinstance(error, FwtuiError) else f"{type(error).__name__}: {error}"
            self._model_line(f"✗ {' '.join(reason.split())}")
            self.notify(reason, title="Your model", severity="error", markup=False)
        self.set_class(True, "finished")
        self.refresh_bindings()

    def on_hardware_ready(self, message: HardwareReady) -> None:
        self.query_one(BenchForm).set_devices(message.report.cuda_seen())

    # -- painting ---------------------------------------------------------------------------------

    def _drain_progress(self) -> None:
        progress = self.pump.take_progress()
        if progress is not None:
            self.state.apply(progress)

    def paint(self) -> None:
        """Bring the screen up to date with the state; called on a 0.1 s timer and on key events."""
        self._drain_progress()
        state = self.state
        if state.queue_dirty:
            self.query_one(QueueList).paint(state.items)
            state.queue_dirty = False
        table = self.query_one(BenchResultsTable)
        for record in state.take_pending_records():
            table.show_record(record)
        if state.live_dirty or state.running:
            self.query_one(LivePanel).paint(state)
            state.live_dirty = False

    def show_summary(self, rows: list[SummaryRow]) -> None:
        """Show the end-of-queue summary (``fwtui.bench.summary.summarize`` rows)."""
        self.paint()
        self.summary_rows = rows
        saved = self.store_trouble is None and self.saved_count > 0
        self.query_one(BenchSummary).show_summary(
            rows, self.state.records, saved=saved, cancelled=self.state.cancelled
        )
        self.refresh_bindings()

    @on(DataTable.RowHighlighted, "#bench-table")
    def _row_highlighted(self) -> None:
        record = self.query_one(BenchResultsTable).highlighted_record()
        self.query_one("#bench-detail", Static).update(detail_line(record) if record else "")

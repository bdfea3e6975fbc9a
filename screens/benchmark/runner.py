"""Plumbing between a benchmark session on a worker thread and the Benchmark area on the UI thread.

The session calls back on its own thread for every event. Structural events (queue, run start/end,
results, done) are posted as messages, in order; ``progress`` events can arrive hundreds of times a
second, so only the latest one is kept and the area picks it up on its paint timer.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from textual.message import Message

from fwtui.bench.events import RunProgress, SessionEvent
from fwtui.terminal_text import printable
from screens.messages import LocalDatabaseChanged

if TYPE_CHECKING:
    from fwtui.bench.byom.session import ModelRun
    from fwtui.bench.session import BenchSession  # the session itself is imported by the worker
    from fwtui.bench.sink import ResultSink
    from fwtui.store.local import LocalDatabase


class BenchEvent(Message):
    """One event from the engine."""

    def __init__(self, event: SessionEvent) -> None:
        super().__init__()
        self.event = event


class StoreTrouble(Message):
    """The results database could not be opened or written; results are kept on screen only."""

    def __init__(self, reason: str) -> None:
        super().__init__()
        self.reason = reason


class ResultSaved(Message):
    """A result reached the database (in its own transaction)."""

    def __init__(self, run_id: str | None, result_id: str | None) -> None:
        super().__init__()
        self.run_id = run_id
        self.result_id = result_id


class ModelProgress(Message):
    """A model benchmark started its ``done + 1``-th engine of ``total``."""

    def __init__(self, done: int, total: int, name: str) -> None:
        super().__init__()
        self.done, self.total, self.name = done, total, name


def open_sink(
    database: LocalDatabase,
    post: Callable[[Message], Any],
    post_to_app: Callable[[Message], Any],
    origin: str,
) -> ResultSink:
    """The Benchmark area's result sink, through the app's one database handle (called on a worker thread).

    A benchmark that took minutes is worth more than the database write: if the database is locked or fails
    mid-run the queue goes on and the results stay on screen, marked as not saved. Asking the handle for a
    writer retries a database another process held, and the other areas hear when that changed what the app
    can do with it.
    """
    from fwtui.bench.sink import OnSaveFailure, ResultSink

    before = database.current()
    sink = ResultSink.using(
        database.writer,
        OnSaveFailure.CONTINUE_UNSAVED,
        on_trouble=lambda reason: post(StoreTrouble(reason)),
        on_saved=lambda record: post(ResultSaved(record.run_id, record.result_id)),
    )
    after = database.current()
    if before is not None and after is not None and after != before:
        post_to_app(LocalDatabaseChanged(after, origin=origin))
    return sink


def model_identity(run: ModelRun) -> str:
    """The model a run measured, in one line: file, hash, parameters, inputs and the reference engine."""
    from fwtui import units

    first = next((r for r in run.records if r.status == "ok"), run.records[0] if run.records else None)
    line = f"Your model {printable(run.model.name, newlines=False)} (sha256 {run.model.short_hash})"
    if first is not None:
        line += f": {units.count(first.model_params)} parameters, inputs {first.model_inputs or '—'}"
        check = first.details.measurement.check if first.details.measurement else None
        if check:
            line += f"; {check}"
    return line


class EventPump:
    """Receives engine events on the worker thread and hands them to the UI without flooding it."""

    def __init__(self, post: Callable[[Message], Any]) -> None:
        self._post = post
        self._lock = threading.Lock()
        self._latest_progress: RunProgress | None = None

    def __call__(self, event: SessionEvent) -> None:
        if isinstance(event, RunProgress):
            with self._lock:
                self._latest_progress = event
        else:
            self._post(BenchEvent(event))

    def take_progress(self) -> RunProgress | None:
        with self._lock:
            latest, self._latest_progress = self._latest_progress, None
        return latest


class SessionHandle:
    """Lets the UI cancel a session that the worker thread creates, even before it exists."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._session: BenchSession | None = None
        self.cancel_requested = False

    def attach(self, session: BenchSession) -> None:
        with self._lock:
            self._session = session
            cancel = self.cancel_requested
        if cancel:
            session.cancel_all()

    def cancel_current(self) -> None:
        with self._lock:
            session = self._session
        if session is not None:
            session.cancel_current()

    def cancel_all(self) -> None:
        with self._lock:
            self.cancel_requested = True
            session = self._session
        if session is not None:
            session.cancel_all()

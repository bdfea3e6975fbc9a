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

if TYPE_CHECKING:
    from fwtui.bench.session import BenchSession  # the session itself is imported by the worker


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

"""Plumbing between a benchmark session on a worker thread and the Benchmark area on the UI thread.

The session calls back on its own thread for every event. Structural events (queue, run start/end,
results, done) are posted as messages, in order; ``progress`` events can arrive hundreds of times a
second, so only the latest one is kept and the area picks it up on its paint timer.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from textual.message import Message


class BenchEvent(Message):
    """One event from the engine (a dict with an ``event`` key)."""

    def __init__(self, event: dict[str, Any]) -> None:
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
        self._latest_progress: dict[str, Any] | None = None

    def __call__(self, event: dict[str, Any]) -> None:
        if event.get("event") == "progress":
            with self._lock:
                self._latest_progress = event
        else:
            self._post(BenchEvent(event))

    def take_progress(self) -> dict[str, Any] | None:
        with self._lock:
            latest, self._latest_progress = self._latest_progress, None
        return latest


class SessionHandle:
    """Lets the UI cancel a session that the worker thread creates, even before it exists."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._session: Any = None
        self.cancel_requested = False

    def attach(self, session: Any) -> None:
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


class GuardedStore:
    """A store whose failures do not stop the queue.

    Policy: a benchmark that took minutes is worth more than the database write, so when the database
    is locked or fails mid-run the queue goes on, results stay on screen (and in ``fwtui bench --json``
    style records in memory), and the area says clearly that they were not saved.
    """

    def __init__(self, store: Any, post: Callable[[Message], Any]) -> None:
        self._store = store
        self._post = post
        self.failed: str | None = None

    def _fail(self, exc: BaseException) -> None:
        if self.failed is None:
            self.failed = " ".join(str(exc).split()) or type(exc).__name__
            self._post(StoreTrouble(self.failed))

    def upsert_machine(self, machine: Mapping[str, Any]) -> str:
        if self.failed is None:
            try:
                return str(self._store.upsert_machine(machine))
            except Exception as exc:  # any database failure means "continue unsaved"
                self._fail(exc)
        return str(machine.get("machine_id") or "")

    def begin_run(self, run: Mapping[str, Any]) -> str:
        if self.failed is None:
            try:
                return str(self._store.begin_run(run))
            except Exception as exc:
                self._fail(exc)
        if run.get("run_id"):
            return str(run["run_id"])
        from uuid import uuid4

        return uuid4().hex

    def save_result(self, record: Mapping[str, Any], samples_ms: Sequence[float] = ()) -> str:
        if self.failed is None:
            try:
                result_id = str(self._store.save_result(record, samples_ms))
            except Exception as exc:
                self._fail(exc)
            else:
                self._post(ResultSaved(record.get("run_id"), result_id))
                return result_id
        return str(record.get("result_id") or "")

    def finish_run(self, run_id: str, status: str) -> None:
        if self.failed is None:
            try:
                self._store.finish_run(run_id, status)
            except Exception as exc:
                self._fail(exc)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    def close(self) -> None:
        self._store.close()

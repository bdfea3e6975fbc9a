"""Where a benchmark session's results go, and what happens when the database fails: :class:`ResultSink`.

Each caller chooses the policy explicitly:

* :attr:`OnSaveFailure.ABORT` (``fwtui bench``): results that cannot be saved stop the run with a one-line
  error, so a script never believes a run was recorded when it was not.
* :attr:`OnSaveFailure.CONTINUE_UNSAVED` (the Benchmark area): a benchmark that took minutes is worth more
  than the database write, so when the database is locked or fails mid-run the queue goes on, the results stay
  on screen, and ``on_trouble`` is told once, with the reason, so the area can say they were not saved.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Mapping, Sequence
from enum import Enum
from pathlib import Path
from typing import Protocol

from fwtui.bench.result_record import ResultRecord
from fwtui.errors import FwtuiError


class OnSaveFailure(Enum):
    ABORT = "abort"
    CONTINUE_UNSAVED = "continue unsaved"


class ResultStore(Protocol):
    """The writes a session needs (:class:`fwtui.store.Store` has them)."""

    def upsert_machine(self, machine: Mapping[str, object]) -> str: ...

    def begin_run(self, run: Mapping[str, object]) -> str: ...

    def save_result(self, record: ResultRecord, samples_ms: Sequence[float] = ()) -> str: ...

    def finish_run(self, run_id: str, status: str) -> None: ...

    def close(self) -> None: ...


def one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


class ResultSink:
    """Saves a session's run and results to a store, under one failure policy.

    ``store=None`` keeps everything in memory (``--no-save``, tests). ``on_saved`` is called after each
    result reached the database, ``on_trouble`` once when saving stopped (CONTINUE_UNSAVED only); both
    are called on the session's thread.
    """

    def __init__(
        self,
        store: ResultStore | None,
        policy: OnSaveFailure,
        *,
        on_trouble: Callable[[str], None] | None = None,
        on_saved: Callable[[ResultRecord], None] | None = None,
    ) -> None:
        self.store = store
        self.policy = policy
        self.on_trouble = on_trouble
        self.on_saved = on_saved
        self.failed: str | None = None  # why saving stopped (CONTINUE_UNSAVED)
        self.saved_count = 0
        self._lock = threading.Lock()

    @classmethod
    def open(
        cls,
        path: str | Path,
        policy: OnSaveFailure,
        *,
        on_trouble: Callable[[str], None] | None = None,
        on_saved: Callable[[ResultRecord], None] | None = None,
    ) -> ResultSink:
        """A sink writing to the database at ``path`` (see :meth:`using`)."""
        from fwtui.store import open_store

        return cls.using(lambda: open_store(path), policy, on_trouble=on_trouble, on_saved=on_saved)

    @classmethod
    def using(
        cls,
        open_store: Callable[[], ResultStore],
        policy: OnSaveFailure,
        *,
        on_trouble: Callable[[str], None] | None = None,
        on_saved: Callable[[ResultRecord], None] | None = None,
    ) -> ResultSink:
        """A sink writing to the store ``open_store()`` returns (the app passes its database's writer); a
        store that cannot be opened (locked, corrupt, unwritable) raises under ABORT and means "run unsaved"
        otherwise. The sink closes the store."""
        try:
            store = open_store()
        except Exception as exc:
            if policy is OnSaveFailure.ABORT:
                raise
            sink = cls(None, policy, on_trouble=on_trouble, on_saved=on_saved)
            sink._fail(exc)
            return sink
        return cls(store, policy, on_trouble=on_trouble, on_saved=on_saved)

    @property
    def saving(self) -> bool:
        """Whether results still go to a database."""
        return self.store is not None and self.failed is None

    def _fail(self, exc: BaseException, what: str = "") -> None:
        """Apply the policy to a failed write: raise (ABORT) or note it once and carry on."""
        if self.policy is OnSaveFailure.ABORT:
            if isinstance(exc, FwtuiError) and not what:
                raise exc
            raise FwtuiError(f"could not save {what}: {one_line(exc)}") from exc
        with self._lock:
            first = self.failed is None
            if first:
                self.failed = one_line(exc)
        if first and self.on_trouble is not None:
            self.on_trouble(one_line(exc))

    def begin_run(self, machine: Mapping[str, object], run: Mapping[str, object]) -> tuple[str | None, str | None]:
        """Record the machine and the run; returns their ids (None, None without a store)."""
        if self.store is None:
            return None, None
        machine_id = str(machine.get("machine_id") or "") or None
        if self.saving:
            try:
                machine_id = self.store.upsert_machine(machine)
                return machine_id, self.store.begin_run({**run, "machine_id": machine_id})
            except Exception as exc:
                self._fail(exc, "the run")
        return machine_id, uuid.uuid4().hex  # results still group under one run, on screen

    def save(self, record: ResultRecord, samples_ms: Sequence[float]) -> None:
        """One result and its samples in one transaction."""
        if self.store is None or not self.saving:
            return
        try:
            self.store.save_result(record, samples_ms)
        except Exception as exc:
            self._fail(exc, "a result")
            return
        self.saved_count += 1
        if self.on_saved is not None:
            self.on_saved(record)

    def finish_run(self, run_id: str | None, status: str) -> None:
        if self.store is None or run_id is None or not self.saving:
            return
        try:
            self.store.finish_run(run_id, status)
        except Exception as exc:
            if status != "failed":  # a run that failed already has its error; do not hide it
                self._fail(exc, "the run's status")

    def close(self) -> None:
        if self.store is not None:
            self.store.close()

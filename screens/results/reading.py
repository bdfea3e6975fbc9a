"""How every Results view reads: in a thread worker that posts one message, success or failure.

A view calls :meth:`SourceReader.read` with a function of a DuckDB cursor and a function that wraps its
value in a message. The read runs in a thread worker with its own cursor; the worker only posts (thread
workers never touch widgets), posts nothing once a newer read of the same kind superseded it, and turns
every failure into :class:`LoadFailed`: shown by the area, never fatal (``exit_on_error=False``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import duckdb
from textual.message import Message
from textual.widget import Widget
from textual.worker import Worker, get_current_worker

from fwtui.errors import FwtuiError
from fwtui.store.browse import ResultsSource
from fwtui.store.store import first_line
from fwtui.terminal_text import printable

T = TypeVar("T")


class LoadFailed(Message):
    """A read failed. ``what`` names it: open, options, window, groups, detail, compare, chart, sql, export."""

    def __init__(self, what: str, error: str) -> None:
        super().__init__()
        self.what, self.error = what, error


def error_text(exc: BaseException) -> str:
    """One line for the user, whatever went wrong."""
    if isinstance(exc, duckdb.Error):
        return printable(f"database error: {first_line(exc)}", newlines=False)
    if isinstance(exc, FwtuiError):
        return printable(str(exc), newlines=False)
    return printable(f"{type(exc).__name__}: {exc}", newlines=False)


def run_read(
    node: Widget,
    what: str,
    read: Callable[[], T],
    done: Callable[[T], Message],
    *,
    exclusive: bool = True,
) -> Worker[None]:
    """Run ``read`` in a thread worker of ``node`` and post ``done(value)`` or :class:`LoadFailed` on it.

    ``exclusive`` cancels the node's earlier read of the same kind; a cancelled read posts nothing.
    """

    def work() -> None:
        message: Message
        try:
            message = done(read())
        except Exception as exc:  # the view shows it; the app keeps running
            message = LoadFailed(what, error_text(exc))
        if not get_current_worker().is_cancelled:
            node.post_message(message)

    return node.run_worker(
        work, name=what, group=f"results-{what}", thread=True, exit_on_error=False, exclusive=exclusive
    )


class SourceReader:
    """The area's open results source, shared by its views. ``source`` is None until it is open."""

    def __init__(self) -> None:
        self.source: ResultsSource | None = None

    def read(
        self,
        view: Widget,
        what: str,
        read: Callable[[duckdb.DuckDBPyConnection], T],
        done: Callable[[T], Message],
        *,
        exclusive: bool = True,
    ) -> bool:
        """Start ``read(cursor)`` for ``view``; False (and nothing runs) while no source is open."""
        source = self.source
        if source is None:
            return False
        run_read(view, what, lambda: read(source.cursor()), done, exclusive=exclusive)
        return True

    def close(self) -> None:
        if self.source is not None:
            self.source.close()
            self.source = None

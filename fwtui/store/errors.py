"""The store's error type: one clear line the CLI and the app show as is."""

from __future__ import annotations

from fwtui.errors import FwtuiError


class StoreError(FwtuiError):
    """The results database cannot be opened, read or written as asked."""


class DatabaseLocked(StoreError):
    """Another process holds the database's lock (DuckDB lets one process write, or several only read).

    ``pid`` is that process's id when DuckDB names it.
    """

    def __init__(self, message: str, pid: int | None = None) -> None:
        super().__init__(message)
        self.pid = pid


class OutOfMemory(StoreError):
    """DuckDB ran out of the memory it was given (its ``memory_limit``) while answering."""

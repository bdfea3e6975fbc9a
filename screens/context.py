"""What the app was started on: shared by every area."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from fwtui.store.local import LocalDatabase
from fwtui.store.remote import RemoteLocation


@dataclass(frozen=True)
class AppContext:
    """The databases the app works with.

    ``db_path`` is the local read-write results database (benchmarks are saved there). ``database`` is the
    app's one handle on it: every area reads and writes the local database through it, never by opening the
    file again. ``browse_path``, when set, is a stored database or a directory of Parquet exports that the
    Results area opens read-only, as a source of its own, instead of the local one; ``browse_remote`` is a
    fleet store (object storage) browsed the same way.
    """

    db_path: Path
    browse_path: Path | None = None
    browse_remote: RemoteLocation | None = None
    database: LocalDatabase = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "database", LocalDatabase(self.db_path))

    @property
    def results_source(self) -> Path:
        return self.browse_path or self.db_path

    @property
    def browsing_stored(self) -> bool:
        return self.browse_path is not None or self.browse_remote is not None

    def close(self) -> None:
        """Close the local database (once the last writer is done)."""
        self.database.close()

"""What the app was started on: shared by every area."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class AppContext:
    """The databases the app works with.

    ``db_path`` is the local read-write results database (benchmarks are saved there). ``browse_path``,
    when set, is a stored database or a directory of Parquet exports that the Results area opens
    read-only instead of the local one.
    """

    db_path: Path
    browse_path: Path | None = None

    @property
    def results_source(self) -> Path:
        return self.browse_path or self.db_path

    @property
    def browsing_stored(self) -> bool:
        return self.browse_path is not None

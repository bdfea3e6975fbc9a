"""Entry point from the CLI into the UI."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from fwtui.paths import default_db_path

if TYPE_CHECKING:
    from fwtui.store.remote import RemoteLocation


def run_app(database: str | None = None, db: str | None = None, remote: RemoteLocation | None = None) -> int:
    from screens.app import FwtuiApp
    from screens.context import AppContext

    context = AppContext(
        db_path=Path(db).expanduser() if db else default_db_path(),
        browse_path=Path(database).expanduser().resolve() if database else None,
        browse_remote=remote,
    )
    app = FwtuiApp(context)
    app.run()
    return app.return_code or 0

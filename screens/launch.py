"""Entry point from the CLI into the UI."""

from __future__ import annotations

from pathlib import Path

from fwtui.paths import default_db_path


def run_app(database: str | None = None, db: str | None = None) -> int:
    from screens.app import FwtuiApp
    from screens.context import AppContext

    context = AppContext(
        db_path=Path(db).expanduser() if db else default_db_path(),
        browse_path=Path(database).expanduser().resolve() if database else None,
    )
    app = FwtuiApp(context)
    app.run()
    return app.return_code or 0

"""Where fwtui keeps its data and finds its shipped resources.

Resources (``queries/``, ``sample_data/``) live at the repository's top level in a source checkout and
inside the package (``fwtui/_resources/``) in a wheel; both layouts are searched.
"""

from __future__ import annotations

import os
from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


def _xdg(var: str, fallback: str) -> Path:
    value = os.environ.get(var)
    return Path(value) if value else Path.home() / fallback


def data_dir() -> Path:
    """Directory for the results database and other persistent state."""
    override = os.environ.get("FWTUI_DATA_DIR")
    return Path(override) if override else _xdg("XDG_DATA_HOME", ".local/share") / "fwtui"


def cache_dir() -> Path:
    """Directory for re-computable data (the measured peak compute, probe caches)."""
    override = os.environ.get("FWTUI_CACHE_DIR")
    return Path(override) if override else _xdg("XDG_CACHE_HOME", ".cache") / "fwtui"


def config_dir() -> Path:
    """Directory for user settings (answers given on the Decide screen)."""
    override = os.environ.get("FWTUI_CONFIG_DIR")
    return Path(override) if override else _xdg("XDG_CONFIG_HOME", ".config") / "fwtui"


def default_db_path() -> Path:
    """The results database: ``$FWTUI_DB``, else ``<data dir>/results.duckdb``."""
    override = os.environ.get("FWTUI_DB")
    return Path(override).expanduser() if override else data_dir() / "results.duckdb"


def resource_dir(name: str) -> Path:
    """A shipped resource directory (``queries`` or ``sample_data``), in a wheel or a checkout."""
    for candidate in (_PACKAGE_DIR / "_resources" / name, _PACKAGE_DIR.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"fwtui resource directory {name!r} is missing from this installation")

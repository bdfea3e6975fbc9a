"""Small settings remembered between launches (the Benchmark form's selection, the Results filters and sort),
one JSON file per name in ``<config dir>/``.

A missing file is no settings. A file that cannot be read or is not a JSON object is ignored with a one-line
note for the user, never an error: the app starts with its defaults and the next save replaces the file.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from fwtui.json_fields import JsonObject
from fwtui.paths import config_dir

VERSION = 1


@dataclass(frozen=True)
class Loaded:
    """What was saved (empty when nothing was), and why a saved file was ignored, if it was."""

    values: JsonObject = field(default_factory=dict)
    note: str | None = None


def settings_path(name: str) -> Path:
    return config_dir() / f"{name}.json"


def load_settings(name: str, path: Path | None = None) -> Loaded:
    target = path or settings_path(name)
    try:
        text = target.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Loaded()
    except OSError as exc:
        return Loaded(note=f"could not read the saved {name} settings ({exc.strerror or exc}); using defaults")
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    values = data.get("values") if isinstance(data, dict) else None
    if not isinstance(values, dict):
        return Loaded(note=f"the saved {name} settings in {target} are damaged and were ignored")
    return Loaded(values)


def save_settings(name: str, values: JsonObject, path: Path | None = None) -> Path:
    """Write atomically, so a crash never leaves a half-written file."""
    target = path or settings_path(name)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{name}-", suffix=".json", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump({"version": VERSION, "values": values}, handle, indent=2, sort_keys=True)
            handle.write("\n")
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target

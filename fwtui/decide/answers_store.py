"""Persists the Decide answers between launches in ``<config dir>/answers.json``."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from fwtui.decide.questions import Answers, Salvaged, normalise, salvage
from fwtui.paths import config_dir

FILE_NAME = "answers.json"


def answers_path() -> Path:
    return config_dir() / FILE_NAME


def load_answers(path: Path | None = None) -> Answers:
    """Saved answers; a missing, unreadable or outdated file gives no answers rather than an error."""
    return load_saved(path).answers


def load_saved(path: Path | None = None) -> Salvaged:
    """Saved answers and what could not be kept of them (one line each)."""
    target = path or answers_path()
    try:
        data = json.loads(target.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return Salvaged({}, ())
    raw = data.get("answers") if isinstance(data, dict) else None
    if not isinstance(raw, dict):
        return Salvaged({}, ())
    # Written by another version, questions or values may no longer exist: every valid value is kept.
    return salvage(raw)


def save_answers(answers: Answers, path: Path | None = None) -> Path:
    """Write atomically, so a crash never leaves a half-written file."""
    target = path or answers_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    payload = {"version": 1, "answers": {key: list(values) for key, values in normalise(answers).items()}}
    fd, tmp = tempfile.mkstemp(prefix=".answers-", suffix=".json", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(payload, handle, indent=2, sort_keys=True)
            handle.write("\n")
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target

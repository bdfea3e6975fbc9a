"""Decide: which framework for this job, from answers, hardware facts and measured results.

Pure logic (no Textual, no framework imports): ``recommend()`` ranks every candidate and explains each
score; the knowledge it rests on is data in ``knowledge.toml``. Names are loaded lazily so that
``fwtui.decide.questions`` stays cheap to import (the CLI's ``--help`` lists the questions).
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_EXPORTS = {
    "recommend": "fwtui.decide.engine",
    "Recommendation": "fwtui.decide.model",
    "Measured": "fwtui.decide.evidence",
    "load_evidence": "fwtui.decide.evidence",
    "load_knowledge": "fwtui.decide.knowledge",
    "QUESTIONS": "fwtui.decide.questions",
    "normalise": "fwtui.decide.questions",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

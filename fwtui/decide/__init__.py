"""Decide: which framework for this job, from answers, hardware facts and measured results.

Pure logic (no Textual, no framework imports): ``recommend()`` ranks every candidate and explains each
score; the knowledge it rests on is data in ``knowledge.toml``. Names are loaded lazily so that
``fwtui.decide.questions`` stays cheap to import (the CLI's ``--help`` lists the questions).
"""

from __future__ import annotations

from typing import Any

from fwtui.lazy import load_export

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
    return load_export(__name__, _EXPORTS, name)

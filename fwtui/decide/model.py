"""What the Decide engine produces: a ranking in which every score is explained, and what would change it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from fwtui.decide.hardware_facts import HardwareFacts
from fwtui.decide.knowledge import Fact
from fwtui.decide.questions import BY_KEY, Answers, describe

if TYPE_CHECKING:
    from fwtui.json_fields import JsonObject

# The numbers behind a measured contribution: workload, scenario, both p50s, the ratio, p-value and weight.
MeasuredNumbers = Mapping[str, str | float]


@dataclass(frozen=True)
class Contribution:
    """One reason a candidate's score moved (or where it started)."""

    candidate: str
    source: str  # "prior" | "answer" | "hardware" | "measured" | "knowledge"
    delta: float
    text: str
    rule_id: str | None = None
    question: str | None = None  # "deploy=mobile" for answers
    fact: str | None = None  # "tpu=true" for hardware
    numbers: MeasuredNumbers | None = None  # for measurements
    cites: tuple[str, ...] = ()


@dataclass(frozen=True)
class Veto:
    rule_id: str
    source: str  # "knowledge" (always) | "answer" | "hardware"
    text: str
    cites: tuple[str, ...] = ()


@dataclass(frozen=True)
class Ranked:
    id: str
    name: str
    label: str
    rank: int
    score: float
    vetoed: bool
    vetoes: tuple[Veto, ...]
    contributions: tuple[Contribution, ...]
    base: str | None = None  # the candidate a composite choice is built on

    def top_reasons(self, limit: int = 3) -> list[Contribution]:
        """The reasons that moved the score most, largest first; the starting point when nothing moved it."""
        moved = sorted((c for c in self.contributions if c.source != "prior" and c.delta), key=_reason_order)
        return moved[:limit] or [c for c in self.contributions if c.source == "prior"]


def _reason_order(c: Contribution) -> tuple[float, int]:
    return (-abs(c.delta), 0 if c.delta > 0 else 1)


@dataclass(frozen=True)
class DeploymentNote:
    rule_id: str
    text: str
    applies_to: tuple[str, ...]  # empty = whatever wins
    cites: tuple[str, ...] = ()

    def applies(self, candidate: Ranked) -> bool:
        return not self.applies_to or candidate.id in self.applies_to or candidate.base in self.applies_to


@dataclass(frozen=True)
class CitedFact:
    fact: Fact
    stale: bool


@dataclass(frozen=True)
class MeasuredComparison:
    workload: str
    size: str
    scenario: str
    device: str
    faster: str  # candidate ids
    slower: str
    faster_ms: float
    slower_ms: float
    ratio: float
    p_value: float
    counts: bool  # significant and large enough to move a score
    text: str


@dataclass(frozen=True)
class AnswerChange:
    question: str
    before: tuple[str, ...]
    after: tuple[str, ...]

    def describe(self) -> str:
        q = BY_KEY[self.question]
        return (
            f"{q.noun or q.key} were {describe(q.key, self.after)} instead of {describe(q.key, self.before)}"
        )


@dataclass(frozen=True)
class Counterfactual:
    changes: tuple[AnswerChange, ...]
    winner: str
    winner_label: str
    text: str


@dataclass(frozen=True)
class Recommendation:
    today: date
    answers: Answers
    hardware: HardwareFacts
    ranking: tuple[Ranked, ...]
    deployment_notes: tuple[DeploymentNote, ...]
    facts: tuple[CitedFact, ...]
    comparisons: tuple[MeasuredComparison, ...]
    counterfactuals: tuple[Counterfactual, ...] = ()
    evidence_note: str = ""

    @property
    def winner(self) -> Ranked:
        return self.ranking[0]

    @property
    def counterfactual(self) -> Counterfactual | None:
        return self.counterfactuals[0] if self.counterfactuals else None

    @property
    def deployment(self) -> tuple[DeploymentNote, ...]:
        """The deployment path(s) for the winner."""
        return tuple(note for note in self.deployment_notes if note.applies(self.winner))

    @property
    def stale_facts(self) -> tuple[CitedFact, ...]:
        return tuple(f for f in self.facts if f.stale)

    def to_dict(self) -> JsonObject:
        """The JSON form ``fwtui recommend --json`` prints (``fwtui.decide.serialise``)."""
        from fwtui.decide.serialise import recommendation_to_dict  # serialise reads this module

        return recommendation_to_dict(self)

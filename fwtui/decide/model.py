"""What the Decide engine produces: a ranking in which every score is explained, the evidence behind it (used
and skipped, with why), checks of the answers, stale advice, and what would change the outcome."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from fwtui.decide.answers import AnswerIssue
from fwtui.decide.hardware_facts import HardwareFacts
from fwtui.decide.knowledge import Fact
from fwtui.decide.questions import BY_KEY, Answers, describe
from fwtui.decide.selection import Setting, Skipped

if TYPE_CHECKING:
    from fwtui.json_fields import JsonObject

# The numbers behind a measured contribution: the setting, both results, the ratio, p-value and weight.
MeasuredNumbers = Mapping[str, str | float | int | bool | None]


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
class StaleAdviceNote:
    """Advice often repeated (in the seed surveys and elsewhere) that the cited facts no longer support."""

    id: str
    claim: str
    now: str
    cites: tuple[str, ...]


@dataclass(frozen=True)
class MeasuredResult:
    """One side of a comparison: exactly which stored result it is."""

    result_id: str
    run_id: str
    created_at: str
    framework: str
    variant: str
    framework_version: str
    median_ms: float
    n: int


@dataclass(frozen=True)
class MeasuredComparison:
    setting: Setting
    faster: str  # candidate ids (by median, whether or not it counts)
    slower: str
    faster_result: MeasuredResult
    slower_result: MeasuredResult
    ratio: float
    p_value: float
    counts: bool  # significant and large enough to move a score
    verdict: str  # "counts" or why not
    one_run: bool  # both results come from one run
    text: str

    @property
    def workload(self) -> str:
        return self.setting.workload

    @property
    def scenario(self) -> str:
        return self.setting.scenario

    @property
    def faster_ms(self) -> float:
        return self.faster_result.median_ms

    @property
    def slower_ms(self) -> float:
        return self.slower_result.median_ms


@dataclass(frozen=True)
class EvidenceUse:
    """A comparison and whether it speaks to these answers (the workload it was measured on)."""

    comparison: MeasuredComparison
    relevant: bool
    relevance: str

    @property
    def used(self) -> bool:
        """Moved a score: it counts and it is relevant."""
        return self.comparison.counts and self.relevant


@dataclass(frozen=True)
class AnswerChange:
    question: str
    before: tuple[str, ...]
    after: tuple[str, ...]
    before_default: str = ""  # unanswered target hardware: this machine's, named
    after_default: str = ""
    implied: bool = False  # dropped because another change hides its question

    def describe(self) -> str:
        q = BY_KEY[self.question]
        noun = q.noun or q.key
        if self.implied:
            return f"{noun} ({describe(q.key, self.before)}) no longer applied"
        return f"{noun} were {self._value(self.after, self.after_default)} instead of " + self._value(
            self.before, self.before_default
        )

    def _value(self, values: tuple[str, ...], default: str) -> str:
        if not values and default:
            return f"unanswered (this machine's: {default})"
        return describe(self.question, values)


@dataclass(frozen=True)
class Counterfactual:
    changes: tuple[AnswerChange, ...]
    winner: str  # the candidate that would lead alone; "" when the change only gives a tie
    winner_label: str
    text: str
    distance: int  # changed answers (a toggled option of a multi-select question counts one)
    tie: tuple[str, ...] = ()  # the candidates that would tie at the top

    @property
    def is_tie(self) -> bool:
        return not self.winner


@dataclass(frozen=True)
class Recommendation:
    today: date
    answers: Answers  # the answers used: valid, to relevant questions
    hardware: HardwareFacts
    ranking: tuple[Ranked, ...]
    deployment_notes: tuple[DeploymentNote, ...]
    facts: tuple[CitedFact, ...]
    evidence: tuple[EvidenceUse, ...] = ()
    skipped: tuple[Skipped, ...] = ()
    counterfactuals: tuple[Counterfactual, ...] = ()
    counterfactual_note: str = ""  # what the search covered, when it found nothing
    evidence_note: str = ""
    issues: tuple[AnswerIssue, ...] = ()
    stale_advice: tuple[StaleAdviceNote, ...] = ()
    tied: tuple[str, ...] = ()  # candidate ids tied at the top (empty: one clear winner)
    defaults: Mapping[str, str] = field(default_factory=dict)  # unanswered target hardware -> this machine's

    @property
    def winner(self) -> Ranked:
        return self.ranking[0]

    @property
    def is_tie(self) -> bool:
        return len(self.tied) > 1

    @property
    def comparisons(self) -> tuple[MeasuredComparison, ...]:
        return tuple(e.comparison for e in self.evidence)

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

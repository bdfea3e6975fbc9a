"""Scoring: every candidate's score, reasons and vetoes for one set of answers, hardware facts and measurements.

``score()`` is the one scoring function: the ranking is built from it, and the counterfactual search calls it
for every answer set it tries, so the two can never disagree about who leads. How points combine:

- a candidate starts at its ``prior``; each rule that fires adds its points; rules that share an ``overlap``
  group reward one reason, so each candidate gets only the largest of them (the others are listed with
  no points);
- measured evidence adds points (:mod:`fwtui.decide.measured`), capped per candidate;
- a veto rules a candidate out whatever its score;
- the leader is the unvetoed candidate with the highest score; scores within ``policy.tie_tolerance`` of it
  tie, and a tie is reported as a tie (the ranking then lists the tied candidates in knowledge-base order).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property

from fwtui.decide.answers import Effective, effective_answers
from fwtui.decide.hardware_facts import HardwareFacts
from fwtui.decide.knowledge import Candidate, KnowledgeBase, Rule
from fwtui.decide.measured import measured_contributions
from fwtui.decide.model import Contribution, DeploymentNote, MeasuredComparison, Ranked, Veto
from fwtui.decide.questions import Answers
from fwtui.decide.rules import rule_fires


@dataclass(frozen=True)
class Fired:
    """A rule that fired, and the candidates whose points from it do not count (another rule of the same
    overlap group gave them more: candidate -> that rule's id)."""

    rule: Rule
    overlapped: Mapping[str, str]


@dataclass(frozen=True)
class Scores:
    """Every candidate's total, vetoes and reasons, in knowledge-base order, and what else the rules said."""

    kb: KnowledgeBase
    totals: Mapping[str, float]
    vetoes: Mapping[str, tuple[Veto, ...]]
    fired: tuple[Fired, ...]
    measured: Mapping[str, tuple[Contribution, ...]]
    effective: Effective  # the answers the rules saw (with this machine's hardware where unanswered)
    hw: HardwareFacts

    def total(self, candidate_id: str) -> float:
        return self.totals[candidate_id]

    def ranked_ids(self) -> list[str]:
        """Unvetoed first, then by score (rounded, so float noise never reorders a tie), then knowledge order."""
        order = {cid: index for index, cid in enumerate(self.totals)}
        return sorted(
            self.totals, key=lambda cid: (bool(self.vetoes[cid]), -round(self.totals[cid], 6), order[cid])
        )

    @property
    def winner(self) -> str:
        """The first of the ranking (when the top is a tie, the first of the tied in knowledge order)."""
        return self.ranked_ids()[0]

    @property
    def tied(self) -> tuple[str, ...]:
        """Every unvetoed candidate within the tie tolerance of the top score (one id: a clear leader)."""
        live = [cid for cid in self.ranked_ids() if not self.vetoes[cid]]
        if not live:
            return ()
        top = self.totals[live[0]]
        return tuple(cid for cid in live if top - self.totals[cid] <= self.kb.policy.tie_tolerance)

    @property
    def leader(self) -> str | None:
        """The one candidate ahead of all others, or None when the top is a tie."""
        tied = self.tied
        return tied[0] if len(tied) == 1 else None

    @property
    def notes(self) -> tuple[DeploymentNote, ...]:
        """The deployment notes of the rules that fired."""
        return tuple(
            DeploymentNote(f.rule.id, f.rule.deployment, f.rule.deploy_for, f.rule.cites)
            for f in self.fired
            if f.rule.deployment
        )

    @cached_property
    def contributions(self) -> Mapping[str, tuple[Contribution, ...]]:
        """The reasons behind each total (built only when shown: the counterfactual search needs totals only)."""
        out: dict[str, list[Contribution]] = {
            c.id: [Contribution(c.id, "prior", c.prior, c.prior_reason, cites=c.prior_cites)]
            for c in self.kb.candidates
        }
        values, defaulted = self.effective.values, self.effective.defaulted
        for f in self.fired:
            rule = f.rule
            source = _source(rule, defaulted)
            question, fact = _matched_answers(rule, values, defaulted), _matched_hardware(rule, self.hw)
            for target, delta in rule.score.items():
                text = rule.because
                if target in f.overlapped:
                    text += f" (same reason as rule {f.overlapped[target]}, which counts instead)"
                    delta = 0.0
                out[target].append(
                    Contribution(target, source, delta, text, rule.id, question, fact, cites=rule.cites)
                )
        for candidate_id, items in self.measured.items():
            out[candidate_id].extend(items)
        return {cid: tuple(items) for cid, items in out.items()}


def score(
    kb: KnowledgeBase, answers: Answers, hw: HardwareFacts, comparisons: Sequence[MeasuredComparison]
) -> Scores:
    """Evaluate every rule and every counted measurement for these answers and hardware facts.

    ``answers`` are checked answers (``fwtui.decide.answers.check_answers``); unanswered target-hardware
    questions take this machine's hardware here.
    """
    effective = effective_answers(answers, hw)
    values, defaulted = effective.values, effective.defaulted
    fired: list[Rule] = [rule for rule in kb.rules if rule_fires(rule, values, hw, defaulted)]
    best: dict[tuple[str, str], Rule] = {}  # (overlap group, candidate) -> the rule whose points count
    for rule in fired:
        if rule.overlap:
            for target, delta in rule.score.items():
                current = best.get((rule.overlap, target))
                if current is None or abs(delta) > abs(current.score[target]):
                    best[(rule.overlap, target)] = rule
    totals = {c.id: c.prior for c in kb.candidates}
    vetoes: dict[str, list[Veto]] = {c.id: [] for c in kb.candidates}
    details: list[Fired] = []
    for rule in fired:
        overlapped: dict[str, str] = {}
        for target, delta in rule.score.items():
            winner = best.get((rule.overlap, target)) if rule.overlap else None
            if winner is not None and winner is not rule:
                overlapped[target] = winner.id
            else:
                totals[target] += delta
        for target in rule.veto:
            vetoes[target].append(Veto(rule.id, _source(rule, defaulted), rule.because, rule.cites))
        details.append(Fired(rule, overlapped))
    measured = measured_contributions(kb, comparisons, values)
    for candidate_id, items in measured.items():
        totals[candidate_id] += sum(c.delta for c in items)
    return Scores(
        kb=kb,
        totals=totals,
        vetoes={cid: tuple(items) for cid, items in vetoes.items()},
        fired=tuple(details),
        measured={cid: tuple(items) for cid, items in measured.items()},
        effective=effective,
        hw=hw,
    )


def rank(kb: KnowledgeBase, scores: Scores) -> tuple[Ranked, ...]:
    """The candidates in ranking order, each with its score, reasons and vetoes."""
    ranking: list[Ranked] = []
    for position, cid in enumerate(scores.ranked_ids(), start=1):
        candidate = kb.candidate(cid)
        base = _best_base(candidate, scores.totals, scores.vetoes)
        ranking.append(
            Ranked(
                id=cid,
                name=candidate.name,
                label=_label(kb, candidate, base),
                rank=position,
                score=round(scores.totals[cid], 6),
                vetoed=bool(scores.vetoes[cid]),
                vetoes=scores.vetoes[cid],
                contributions=scores.contributions[cid],
                base=base,
            )
        )
    return tuple(ranking)


def _best_base(
    candidate: Candidate, totals: Mapping[str, float], vetoes: Mapping[str, tuple[Veto, ...]]
) -> str | None:
    usable = [b for b in candidate.built_on if not vetoes[b]]
    if not usable:
        return None
    return min(usable, key=lambda b: (-round(totals[b], 6), candidate.built_on.index(b)))


def _label(kb: KnowledgeBase, candidate: Candidate, base: str | None) -> str:
    if candidate.label and base:
        return candidate.label.format(base=kb.candidate(base).name)
    return candidate.name


def _source(rule: Rule, defaulted: frozenset[str]) -> str:
    """An answer filled in from this machine makes a rule a hardware reason, not the user's answer."""
    if rule.when_hw or any(key in defaulted for key in rule.when):
        return "hardware"
    return "answer" if rule.when else "knowledge"


def _matched_answers(rule: Rule, answers: Answers, defaulted: frozenset[str]) -> str | None:
    if not rule.when:
        return None
    parts = []
    for key, wanted in rule.when.items():
        chosen = [v for v in answers.get(key, ()) if v in wanted]
        if key in defaulted:
            parts.append(f"{key}={','.join(chosen) or 'dont_know'} (this machine)")
        else:
            parts.append(f"{key}={','.join(chosen) if chosen else 'dont_know'}")
    return " ".join(parts)


def _matched_hardware(rule: Rule, hw: HardwareFacts) -> str | None:
    if not rule.when_hw:
        return None
    parts = []
    for key, wanted in rule.when_hw.items():
        value = hw.get(key)
        if isinstance(wanted, bool):
            parts.append(f"{key}={str(bool(value)).lower()}")
        else:
            present = value if isinstance(value, list | tuple) else [value]
            parts.append(f"{key}={','.join(str(v) for v in present if v in wanted)}")
    return " ".join(parts)

"""The Decide engine: answers + hardware + measured results -> a ranked, explained recommendation.

Pure and deterministic. All framework knowledge lives in ``knowledge.toml``; this module only evaluates
rules, weighs measured evidence and searches for the smallest change of answers that changes the winner.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from fwtui.decide.evidence import Measured
from fwtui.decide.hardware_facts import HardwareFacts, hardware_facts
from fwtui.decide.knowledge import Candidate, Fact, KnowledgeBase, Rule, load_knowledge
from fwtui.decide.questions import BY_KEY, QUESTIONS, Answers, describe, is_relevant, normalise
from fwtui.decide.rules import rule_fires
from fwtui.decide.stats import compare
from fwtui.hardware.model import SystemInfo

# A measured difference moves a score only when it is both significant and large enough to matter.
SIGNIFICANCE_LEVEL = 0.01
MIN_SPEEDUP = 1.2
MIN_SAMPLES = 5
MEASURED_POINTS = 0.5  # per significant, large win over another framework
MEASURED_CAP = 1.0  # most a candidate can gain from measurements (before the priority weight)
PRIORITY_WEIGHT = 2.0  # measurements of what the user prioritises count this much more
# Which priority makes which scenario's measurements count more.
SCENARIO_PRIORITY = {
    "latency": "inference_latency",
    "throughput": "inference_latency",
    "train": "training_speed",
}

MAX_ALTERNATIVES = 3


@dataclass(frozen=True)
class Contribution:
    """One reason a candidate's score moved (or where it started)."""

    candidate: str
    source: str  # "prior" | "answer" | "hardware" | "measured"
    delta: float
    text: str
    rule_id: str | None = None
    question: str | None = None  # "deploy=mobile" for answers
    fact: str | None = None  # "tpu=true" for hardware
    numbers: dict[str, Any] | None = None  # for measurements
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

    def to_dict(self) -> dict[str, Any]:
        return _to_dict(self)


# -- entry point --------------------------------------------------------------------------------------------


def recommend(
    answers: Mapping[str, object],
    hardware: SystemInfo | None,
    evidence: Sequence[Measured],
    today: date,
    *,
    knowledge: KnowledgeBase | None = None,
    evidence_note: str = "",
    counterfactual: bool = True,
) -> Recommendation:
    """Rank every candidate for these answers, this machine and these measurements.

    ``hardware`` is this machine's system probe (``report.system`` of a hardware report), or None when
    unknown. ``today`` decides which cited facts are past their review date.
    """
    kb = knowledge or load_knowledge()
    normal = normalise(answers)
    hw = hardware_facts(hardware)
    comparisons = compare_evidence(kb, evidence)
    ranking, notes, fired = _evaluate(kb, normal, hw, comparisons)
    cited = _cited_facts(kb, fired, ranking[0], today)
    alternatives = _counterfactuals(kb, normal, hw, comparisons, ranking) if counterfactual else ()
    return Recommendation(
        today=today,
        answers=normal,
        hardware=hw,
        ranking=ranking,
        deployment_notes=notes,
        facts=cited,
        comparisons=comparisons,
        counterfactuals=alternatives,
        evidence_note=evidence_note,
    )


# -- measured evidence --------------------------------------------------------------------------------------


def compare_evidence(kb: KnowledgeBase, evidence: Sequence[Measured]) -> tuple[MeasuredComparison, ...]:
    """Every pair of candidates measured in the same workload, size, scenario and device."""
    by_framework = {c.measured_as: c for c in kb.candidates if c.measured_as}
    groups: dict[tuple[str, str, str, str], list[tuple[Candidate, Measured]]] = {}
    for item in evidence:
        candidate = by_framework.get(item.framework)
        if candidate is not None and len(item.samples_ms) >= MIN_SAMPLES:
            groups.setdefault(item.group, []).append((candidate, item))
    out: list[MeasuredComparison] = []
    for group in sorted(groups):
        members = sorted(groups[group], key=lambda pair: pair[0].id)
        for (cand_a, a), (cand_b, b) in itertools.combinations(members, 2):
            if cand_a.id == cand_b.id:
                continue
            result = compare(a.samples_ms, b.samples_ms)
            if not result.faster:
                continue
            (fast_c, fast), (slow_c, slow) = (
                ((cand_a, a), (cand_b, b)) if result.faster == "a" else ((cand_b, b), (cand_a, a))
            )
            counts = result.p_value < SIGNIFICANCE_LEVEL and result.ratio >= MIN_SPEEDUP
            workload, size, scenario, device = group
            text = (
                f"measured on this machine: {fast_c.name} {_ms(fast.p50_ms)} vs {slow_c.name} {_ms(slow.p50_ms)} p50 "
                f"({result.ratio:.1f}x, {_p(result.p_value)}) on {workload} {scenario}"
                + (f" ({size}, {device})" if (size, device) != ("small", "cpu") else "")
            )
            if not counts:
                why = "not significant" if result.p_value >= SIGNIFICANCE_LEVEL else f"under {MIN_SPEEDUP}x"
                text += f" - {why}, does not count"
            out.append(
                MeasuredComparison(
                    workload,
                    size,
                    scenario,
                    device,
                    fast_c.id,
                    slow_c.id,
                    fast.p50_ms,
                    slow.p50_ms,
                    result.ratio,
                    result.p_value,
                    counts,
                    text,
                )
            )
    return tuple(out)


def _measured_contributions(
    comparisons: Iterable[MeasuredComparison], priorities: tuple[str, ...]
) -> dict[str, list[Contribution]]:
    per_candidate: dict[str, list[Contribution]] = {}
    for comp in comparisons:
        if not comp.counts:
            continue
        weight = PRIORITY_WEIGHT if SCENARIO_PRIORITY.get(comp.scenario) in priorities else 1.0
        numbers = {
            "workload": comp.workload, "size": comp.size, "scenario": comp.scenario, "device": comp.device,
            "faster_p50_ms": comp.faster_ms, "slower_p50_ms": comp.slower_ms, "versus": comp.slower,
            "ratio": round(comp.ratio, 3), "p_value": comp.p_value, "weight": weight,
        }  # fmt: skip
        per_candidate.setdefault(comp.faster, []).append(
            Contribution(comp.faster, "measured", MEASURED_POINTS * weight, comp.text, numbers=numbers)
        )
    for candidate, items in per_candidate.items():
        cap = MEASURED_CAP * max(c.numbers["weight"] for c in items if c.numbers)
        total = sum(c.delta for c in items)
        if total > cap:
            scale = cap / total
            per_candidate[candidate] = [_scaled(c, scale) for c in items]
    return per_candidate


def _scaled(c: Contribution, scale: float) -> Contribution:
    return Contribution(c.candidate, c.source, c.delta * scale, c.text, numbers=c.numbers)


# -- rule evaluation ----------------------------------------------------------------------------------------


def _evaluate(
    kb: KnowledgeBase, answers: Answers, hw: HardwareFacts, comparisons: Sequence[MeasuredComparison]
) -> tuple[tuple[Ranked, ...], tuple[DeploymentNote, ...], list[Rule]]:
    contributions: dict[str, list[Contribution]] = {c.id: [] for c in kb.candidates}
    vetoes: dict[str, list[Veto]] = {c.id: [] for c in kb.candidates}
    notes: list[DeploymentNote] = []
    fired: list[Rule] = []
    for candidate in kb.candidates:
        contributions[candidate.id].append(
            Contribution(
                candidate.id, "prior", candidate.prior, candidate.prior_reason, cites=candidate.prior_cites
            )
        )
    for rule in kb.rules:
        if not rule_fires(rule, answers, hw):
            continue
        fired.append(rule)
        source = _source(rule)
        question = _matched_answers(rule, answers)
        fact = _matched_hardware(rule, hw)
        for target in rule.veto:
            vetoes[target].append(Veto(rule.id, source, rule.because, rule.cites))
        for target, delta in rule.score.items():
            contributions[target].append(
                Contribution(target, source, delta, rule.because, rule.id, question, fact, cites=rule.cites)
            )
        if rule.deployment:
            notes.append(DeploymentNote(rule.id, rule.deployment, rule.deploy_for, rule.cites))
    for candidate_id, items in _measured_contributions(comparisons, answers.get("priorities", ())).items():
        contributions[candidate_id].extend(items)

    scores = {cid: sum(c.delta for c in items) for cid, items in contributions.items()}
    order = {c.id: i for i, c in enumerate(kb.candidates)}
    ranked_ids = sorted(scores, key=lambda cid: (bool(vetoes[cid]), -round(scores[cid], 9), order[cid]))
    ranking: list[Ranked] = []
    for rank, cid in enumerate(ranked_ids, start=1):
        candidate = kb.candidate(cid)
        base = _best_base(candidate, scores, vetoes, order)
        ranking.append(
            Ranked(
                id=cid,
                name=candidate.name,
                label=_label(kb, candidate, base),
                rank=rank,
                score=round(scores[cid], 6),
                vetoed=bool(vetoes[cid]),
                vetoes=tuple(vetoes[cid]),
                contributions=tuple(contributions[cid]),
                base=base,
            )
        )
    return tuple(ranking), tuple(notes), fired


def _winner(
    kb: KnowledgeBase, answers: Answers, hw: HardwareFacts, comparisons: Sequence[MeasuredComparison]
) -> str:
    """The winner's id only: the counterfactual search runs this many times."""
    scores = {c.id: c.prior for c in kb.candidates}
    vetoed: set[str] = set()
    for rule in kb.rules:
        if rule_fires(rule, answers, hw):
            vetoed.update(rule.veto)
            for target, delta in rule.score.items():
                scores[target] += delta
    for candidate_id, items in _measured_contributions(comparisons, answers.get("priorities", ())).items():
        scores[candidate_id] += sum(c.delta for c in items)
    order = {c.id: i for i, c in enumerate(kb.candidates)}
    return min(scores, key=lambda cid: (cid in vetoed, -round(scores[cid], 9), order[cid]))


def _best_base(
    candidate: Candidate,
    scores: Mapping[str, float],
    vetoes: Mapping[str, list[Veto]],
    order: Mapping[str, int],
) -> str | None:
    usable = [b for b in candidate.built_on if not vetoes[b]]
    if not usable:
        return None
    return min(usable, key=lambda b: (-round(scores[b], 9), candidate.built_on.index(b)))


def _label(kb: KnowledgeBase, candidate: Candidate, base: str | None) -> str:
    if candidate.label and base:
        return candidate.label.format(base=kb.candidate(base).name)
    return candidate.name


def _source(rule: Rule) -> str:
    if rule.when:
        return "answer"
    return "hardware" if rule.when_hw else "knowledge"


def _matched_answers(rule: Rule, answers: Answers) -> str | None:
    if not rule.when:
        return None
    parts = []
    for key, wanted in rule.when.items():
        chosen = [v for v in answers.get(key, ()) if v in wanted]
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


def _cited_facts(
    kb: KnowledgeBase, fired: Sequence[Rule], winner: Ranked, today: date
) -> tuple[CitedFact, ...]:
    ids: set[str] = set(kb.candidate(winner.id).prior_cites)
    for rule in fired:
        ids.update(rule.cites)
    return tuple(CitedFact(fact, fact.is_stale(today)) for fid, fact in kb.facts.items() if fid in ids)


# -- counterfactuals ----------------------------------------------------------------------------------------


def _single_changes(answers: Answers) -> list[AnswerChange]:
    changes: list[AnswerChange] = []
    for question in QUESTIONS:
        if not is_relevant(question, answers, strict=True):
            continue
        current = answers.get(question.key, ())
        if question.multi:
            for value in question.values:
                toggled = set(current) ^ {value}
                after = tuple(v for v in question.values if v in toggled)
                changes.append(AnswerChange(question.key, current, after))
        else:
            options = [(v,) for v in question.values] + [()]
            changes.extend(AnswerChange(question.key, current, opt) for opt in options if opt != current)
    return changes


def _apply(answers: Answers, changes: Iterable[AnswerChange]) -> Answers:
    changed = dict(answers)
    for change in changes:
        if change.after:
            changed[change.question] = change.after
        else:
            changed.pop(change.question, None)
    return changed


def _counterfactuals(
    kb: KnowledgeBase,
    answers: Answers,
    hw: HardwareFacts,
    comparisons: Sequence[MeasuredComparison],
    ranking: Sequence[Ranked],
) -> tuple[Counterfactual, ...]:
    """Single-answer changes that change the winner (one per new winner); pairs only when no single one does."""
    current = ranking[0].id
    singles = _single_changes(answers)
    found: dict[str, tuple[AnswerChange, ...]] = {}
    for change in singles:
        winner = _winner(kb, _apply(answers, [change]), hw, comparisons)
        if winner != current and winner not in found:
            found[winner] = (change,)
    if not found:
        for first, second in itertools.combinations(singles, 2):
            if first.question == second.question:
                continue
            winner = _winner(kb, _apply(answers, [first, second]), hw, comparisons)
            if winner != current and winner not in found:
                found[winner] = (first, second)
                if len(found) >= MAX_ALTERNATIVES:
                    break
    out: list[Counterfactual] = []
    for winner, changes in list(found.items())[:MAX_ALTERNATIVES]:
        changed = _apply(answers, changes)
        new_ranking, new_notes, _ = _evaluate(kb, changed, hw, comparisons)
        top = new_ranking[0]
        path = next((n for n in new_notes if n.applies(top) and n.applies_to), None)
        conditions = " and ".join(c.describe() for c in changes)
        text = f"If {conditions}, the recommendation would be {top.label}"
        text += f" (score {top.score:.1f}"
        old = next(r for r in new_ranking if r.id == current)
        text += f" vs {old.label} {old.score:.1f})."
        if path is not None:
            text += f" {path.text}"
        out.append(Counterfactual(changes, winner, top.label, text))
    return tuple(out)


# -- formatting ---------------------------------------------------------------------------------------------


def _reason_order(c: Contribution) -> tuple[float, int]:
    return (-abs(c.delta), 0 if c.delta > 0 else 1)


def _ms(value: float) -> str:
    if value >= 100:
        return f"{value:.0f} ms"
    if value >= 10:
        return f"{value:.1f} ms"
    return f"{value:.2f} ms" if value >= 0.1 else f"{value:.3g} ms"


def _p(p_value: float) -> str:
    return "p<0.001" if p_value < 0.001 else f"p={p_value:.3f}"


def _finite(x: float) -> float | None:
    return x if math.isfinite(x) else None


def _to_dict(rec: Recommendation) -> dict[str, Any]:
    def contribution(c: Contribution) -> dict[str, Any]:
        return {
            "source": c.source, "delta": round(c.delta, 4), "text": c.text, "rule": c.rule_id,
            "question": c.question, "fact": c.fact, "numbers": c.numbers, "cites": list(c.cites),
        }  # fmt: skip

    return {
        "today": rec.today.isoformat(),
        "answers": {k: list(v) for k, v in rec.answers.items()},
        "hardware": rec.hardware or None,
        "winner": {"id": rec.winner.id, "label": rec.winner.label, "score": rec.winner.score},
        "ranking": [
            {
                "rank": r.rank,
                "id": r.id,
                "name": r.name,
                "label": r.label,
                "base": r.base,
                "score": r.score,
                "vetoed": r.vetoed,
                "vetoes": [
                    {"rule": v.rule_id, "source": v.source, "text": v.text, "cites": list(v.cites)}
                    for v in r.vetoes
                ],
                "reasons": [contribution(c) for c in r.contributions],
            }
            for r in rec.ranking
        ],
        "deployment": [n.text for n in rec.deployment],
        "deployment_notes": [
            {"rule": n.rule_id, "text": n.text, "applies_to": list(n.applies_to), "cites": list(n.cites)}
            for n in rec.deployment_notes
        ],
        "facts": [
            {
                "id": f.fact.id,
                "text": f.fact.text,
                "as_of": f.fact.as_of.isoformat(),
                "source": f.fact.source,
                "review_by": f.fact.review_by.isoformat(),
                "stale": f.stale,
            }
            for f in rec.facts
        ],
        "counterfactual": _counterfactual_dict(rec.counterfactual),
        "alternatives": [_counterfactual_dict(c) for c in rec.counterfactuals[1:]],
        "evidence": {
            "note": rec.evidence_note,
            "comparisons": [
                {
                    "workload": c.workload,
                    "size": c.size,
                    "scenario": c.scenario,
                    "device": c.device,
                    "faster": c.faster,
                    "slower": c.slower,
                    "faster_p50_ms": c.faster_ms,
                    "slower_p50_ms": c.slower_ms,
                    "ratio": _finite(round(c.ratio, 4)),
                    "p_value": c.p_value,
                    "counts": c.counts,
                    "text": c.text,
                }
                for c in rec.comparisons
            ],
        },
    }


def _counterfactual_dict(cf: Counterfactual | None) -> dict[str, Any] | None:
    if cf is None:
        return None
    return {
        "changes": [
            {"question": c.question, "from": list(c.before), "to": list(c.after)} for c in cf.changes
        ],
        "winner": cf.winner,
        "winner_label": cf.winner_label,
        "text": cf.text,
    }

"""Scoring: every candidate's score, reasons and vetoes for one set of answers, hardware facts and measurements.

``score()`` is the one scoring function: the ranking is built from it, and the counterfactual search calls it
for every change of answers it tries, so the two can never disagree about who wins.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from fwtui import units
from fwtui.decide.evidence import Measured
from fwtui.decide.hardware_facts import HardwareFacts
from fwtui.decide.knowledge import Candidate, KnowledgeBase, Rule
from fwtui.decide.model import Contribution, DeploymentNote, MeasuredComparison, MeasuredNumbers, Ranked, Veto
from fwtui.decide.questions import Answers
from fwtui.decide.rules import rule_fires
from fwtui.decide.stats import compare

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


@dataclass(frozen=True)
class Scores:
    """Every candidate's contributions and vetoes, in knowledge-base order, and what else the rules said."""

    contributions: Mapping[str, tuple[Contribution, ...]]
    vetoes: Mapping[str, tuple[Veto, ...]]
    notes: tuple[DeploymentNote, ...]  # the deployment notes of the rules that fired
    fired: tuple[Rule, ...]

    def total(self, candidate_id: str) -> float:
        return sum(c.delta for c in self.contributions[candidate_id])

    def ranked_ids(self) -> list[str]:
        return sorted(self.contributions, key=self._ranking_key())

    @property
    def winner(self) -> str:
        return min(self.contributions, key=self._ranking_key())

    def _ranking_key(self) -> Callable[[str], tuple[bool, float, int]]:
        """Unvetoed first, then by score (rounded, so float noise never reorders a tie), then knowledge order."""
        order = {cid: index for index, cid in enumerate(self.contributions)}
        totals = {cid: self.total(cid) for cid in order}
        return lambda cid: (bool(self.vetoes[cid]), -round(totals[cid], 9), order[cid])


def score(
    kb: KnowledgeBase, answers: Answers, hw: HardwareFacts, comparisons: Sequence[MeasuredComparison]
) -> Scores:
    """Evaluate every rule and every counted measurement for these answers and hardware facts."""
    contributions: dict[str, list[Contribution]] = {
        c.id: [Contribution(c.id, "prior", c.prior, c.prior_reason, cites=c.prior_cites)] for c in kb.candidates
    }
    vetoes: dict[str, list[Veto]] = {c.id: [] for c in kb.candidates}
    notes: list[DeploymentNote] = []
    fired: list[Rule] = []
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
    for candidate_id, items in measured_contributions(comparisons, answers.get("priorities", ())).items():
        contributions[candidate_id].extend(items)
    return Scores(
        contributions={cid: tuple(items) for cid, items in contributions.items()},
        vetoes={cid: tuple(items) for cid, items in vetoes.items()},
        notes=tuple(notes),
        fired=tuple(fired),
    )


def rank(kb: KnowledgeBase, scores: Scores) -> tuple[Ranked, ...]:
    """The candidates in ranking order, each with its score, reasons and vetoes."""
    totals = {cid: scores.total(cid) for cid in scores.contributions}
    ranking: list[Ranked] = []
    for position, cid in enumerate(scores.ranked_ids(), start=1):
        candidate = kb.candidate(cid)
        base = _best_base(candidate, totals, scores.vetoes)
        ranking.append(
            Ranked(
                id=cid,
                name=candidate.name,
                label=_label(kb, candidate, base),
                rank=position,
                score=round(totals[cid], 6),
                vetoed=bool(scores.vetoes[cid]),
                vetoes=scores.vetoes[cid],
                contributions=scores.contributions[cid],
                base=base,
            )
        )
    return tuple(ranking)


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
                f"measured on this machine: {fast_c.name} {units.latency_ms(fast.p50_ms)} vs {slow_c.name} "
                f"{units.latency_ms(slow.p50_ms)} p50 "
                f"({units.ratio(result.ratio)}, {units.p_value(result.p_value)}) on {workload} {scenario}"
                + (f" ({size}, {device})" if (size, device) != ("small", "cpu") else "")
            )
            if not counts:
                significant = result.p_value < SIGNIFICANCE_LEVEL
                why = f"under {units.ratio(MIN_SPEEDUP)}" if significant else "not significant"
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


def measured_contributions(
    comparisons: Iterable[MeasuredComparison], priorities: tuple[str, ...]
) -> dict[str, list[Contribution]]:
    """Points for each significant, large win, weighted by the user's priorities and capped per candidate."""
    per_candidate: dict[str, list[tuple[Contribution, float]]] = {}
    for comp in comparisons:
        if not comp.counts:
            continue
        weight = PRIORITY_WEIGHT if SCENARIO_PRIORITY.get(comp.scenario) in priorities else 1.0
        numbers: MeasuredNumbers = {
            "workload": comp.workload, "size": comp.size, "scenario": comp.scenario, "device": comp.device,
            "faster_p50_ms": comp.faster_ms, "slower_p50_ms": comp.slower_ms, "versus": comp.slower,
            "ratio": round(comp.ratio, 3), "p_value": comp.p_value, "weight": weight,
        }  # fmt: skip
        contribution = Contribution(comp.faster, "measured", MEASURED_POINTS * weight, comp.text, numbers=numbers)
        per_candidate.setdefault(comp.faster, []).append((contribution, weight))
    capped: dict[str, list[Contribution]] = {}
    for candidate, weighted in per_candidate.items():
        items = [c for c, _ in weighted]
        cap = MEASURED_CAP * max(weight for _, weight in weighted)
        total = sum(c.delta for c in items)
        capped[candidate] = [_scaled(c, cap / total) for c in items] if total > cap else items
    return capped


def _scaled(c: Contribution, scale: float) -> Contribution:
    return Contribution(c.candidate, c.source, c.delta * scale, c.text, numbers=c.numbers)


# -- rule details -------------------------------------------------------------------------------------------


def _best_base(
    candidate: Candidate, totals: Mapping[str, float], vetoes: Mapping[str, tuple[Veto, ...]]
) -> str | None:
    usable = [b for b in candidate.built_on if not vetoes[b]]
    if not usable:
        return None
    return min(usable, key=lambda b: (-round(totals[b], 9), candidate.built_on.index(b)))


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



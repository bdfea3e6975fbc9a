"""The Decide engine: answers + hardware + measured results -> a ranked, explained recommendation.

Pure and deterministic. All framework knowledge lives in ``knowledge.toml``. The parts: ``model`` (what comes
out), ``scoring`` (the one function that scores every candidate, and the measured evidence),
``counterfactual`` (the smallest change of answers that changes the winner) and ``serialise`` / ``report``
(JSON and Markdown).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

from fwtui.decide.counterfactual import counterfactuals
from fwtui.decide.evidence import Measured
from fwtui.decide.hardware_facts import hardware_facts
from fwtui.decide.knowledge import KnowledgeBase, Rule, load_knowledge
from fwtui.decide.model import CitedFact, Ranked, Recommendation
from fwtui.decide.questions import normalise
from fwtui.decide.scoring import compare_evidence, rank, score
from fwtui.hardware.model import SystemInfo


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
    scores = score(kb, normal, hw, comparisons)
    ranking = rank(kb, scores)
    alternatives = counterfactuals(kb, normal, hw, comparisons, ranking[0].id) if counterfactual else ()
    return Recommendation(
        today=today,
        answers=normal,
        hardware=hw,
        ranking=ranking,
        deployment_notes=scores.notes,
        facts=_cited_facts(kb, scores.fired, ranking[0], today),
        comparisons=comparisons,
        counterfactuals=alternatives,
        evidence_note=evidence_note,
    )


def _cited_facts(
    kb: KnowledgeBase, fired: Sequence[Rule], winner: Ranked, today: date
) -> tuple[CitedFact, ...]:
    ids: set[str] = set(kb.candidate(winner.id).prior_cites)
    for rule in fired:
        ids.update(rule.cites)
    return tuple(CitedFact(fact, fact.is_stale(today)) for fid, fact in kb.facts.items() if fid in ids)

"""The Decide engine: answers + hardware + measured results -> a ranked, explained recommendation.

Pure and deterministic. All framework knowledge lives in ``knowledge.toml``. The parts: ``answers`` (checks
and hardware defaults), ``selection`` / ``stats`` / ``measured`` (which results are compared and what they
are worth), ``scoring`` (the one function that scores every candidate), ``counterfactual`` (the fewest changed
answers that give another leader) and ``serialise`` / ``report`` (JSON and Markdown).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date

from fwtui.decide.answers import check_answers, effective_answers
from fwtui.decide.counterfactual import counterfactuals
from fwtui.decide.evidence import Measured, OtherMachine
from fwtui.decide.hardware_facts import hardware_facts
from fwtui.decide.knowledge import KnowledgeBase, load_knowledge
from fwtui.decide.measured import compare_evidence, relevance
from fwtui.decide.model import CitedFact, EvidenceUse, Ranked, Recommendation, StaleAdviceNote
from fwtui.decide.rules import answers_match
from fwtui.decide.scoring import Fired, rank, score
from fwtui.hardware.model import SystemInfo


def recommend(
    answers: Mapping[str, object],
    hardware: SystemInfo | None,
    evidence: Sequence[Measured],
    today: date,
    *,
    knowledge: KnowledgeBase | None = None,
    evidence_note: str = "",
    elsewhere: Iterable[OtherMachine] = (),
    counterfactual: bool = True,
) -> Recommendation:
    """Rank every candidate for these answers, this machine and these measurements.

    ``answers`` may be raw (strings, lists, "dont_know"); unknown keys or values raise ``UsageError``.
    ``hardware`` is this machine's system probe (``report.system`` of a hardware report), or None when
    unknown. ``today`` decides which cited facts are past their review date.
    """
    kb = knowledge or load_knowledge()
    checked = check_answers(answers, kb)
    used = checked.answers
    hw = hardware_facts(hardware)
    comparisons, skipped = compare_evidence(kb, evidence, elsewhere)
    scores = score(kb, used, hw, comparisons)
    ranking = rank(kb, scores)
    effective = effective_answers(used, hw)
    search = counterfactuals(kb, used, hw, comparisons) if counterfactual else None
    judged = tuple(EvidenceUse(c, *relevance(kb, c, effective.values)) for c in comparisons)
    advice = tuple(
        StaleAdviceNote(a.id, a.claim, a.now, a.cites)
        for a in kb.stale_advice
        # Advice is touched by any one of its answers (not all of them, as a rule's condition needs).
        if any(
            answers_match({key: values}, effective.values, effective.defaulted)
            for key, values in a.when.items()
        )
    )
    also_cited = [c for issue in checked.issues for c in issue.cites] + [c for a in advice for c in a.cites]
    return Recommendation(
        today=today,
        answers=used,
        hardware=hw,
        ranking=ranking,
        deployment_notes=scores.notes,
        facts=_cited_facts(kb, scores.fired, ranking[0], also_cited, today),
        evidence=judged,
        skipped=skipped,
        counterfactuals=search.found if search else (),
        counterfactual_note=search.note if search else "",
        evidence_note=evidence_note,
        issues=checked.issues,
        stale_advice=advice,
        tied=scores.tied if len(scores.tied) > 1 else (),
        defaults={key: effective.values[key][0] for key in sorted(effective.defaulted)},
    )


def _cited_facts(
    kb: KnowledgeBase, fired: Sequence[Fired], winner: Ranked, also: Iterable[str], today: date
) -> tuple[CitedFact, ...]:
    """The facts behind the winner's starting point, every rule that fired, the answer checks and the stale
    advice shown."""
    ids: set[str] = set(kb.candidate(winner.id).prior_cites) | set(also)
    for f in fired:
        ids.update(f.rule.cites)
    return tuple(CitedFact(fact, fact.is_stale(today)) for fid, fact in kb.facts.items() if fid in ids)

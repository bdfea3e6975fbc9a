"""What would change the recommendation: the smallest changes of answers that give another winner."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence

from fwtui.decide.hardware_facts import HardwareFacts
from fwtui.decide.knowledge import KnowledgeBase
from fwtui.decide.model import AnswerChange, Counterfactual, MeasuredComparison
from fwtui.decide.questions import QUESTIONS, Answers, is_relevant
from fwtui.decide.scoring import rank, score

MAX_ALTERNATIVES = 3


def single_changes(answers: Answers) -> list[AnswerChange]:
    """Every change of one relevant answer: another value, don't know, or one value ticked or unticked."""
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


def apply_changes(answers: Answers, changes: Iterable[AnswerChange]) -> Answers:
    changed = dict(answers)
    for change in changes:
        if change.after:
            changed[change.question] = change.after
        else:
            changed.pop(change.question, None)
    return changed


def counterfactuals(
    kb: KnowledgeBase,
    answers: Answers,
    hw: HardwareFacts,
    comparisons: Sequence[MeasuredComparison],
    current: str,
) -> tuple[Counterfactual, ...]:
    """Single-answer changes that change the winner from ``current`` (one per new winner); pairs only when no
    single one does."""
    singles = single_changes(answers)
    found: dict[str, tuple[AnswerChange, ...]] = {}
    for change in singles:
        winner = score(kb, apply_changes(answers, [change]), hw, comparisons).winner
        if winner != current and winner not in found:
            found[winner] = (change,)
    if not found:
        for first, second in itertools.combinations(singles, 2):
            if first.question == second.question:
                continue
            winner = score(kb, apply_changes(answers, [first, second]), hw, comparisons).winner
            if winner != current and winner not in found:
                found[winner] = (first, second)
                if len(found) >= MAX_ALTERNATIVES:
                    break
    return tuple(
        _explain(kb, answers, hw, comparisons, current, winner, changes)
        for winner, changes in list(found.items())[:MAX_ALTERNATIVES]
    )


def _explain(
    kb: KnowledgeBase,
    answers: Answers,
    hw: HardwareFacts,
    comparisons: Sequence[MeasuredComparison],
    current: str,
    winner: str,
    changes: tuple[AnswerChange, ...],
) -> Counterfactual:
    """The sentence for one counterfactual: the change, the new winner's and the old winner's scores, its path."""
    scores = score(kb, apply_changes(answers, changes), hw, comparisons)
    new_ranking = rank(kb, scores)
    top = new_ranking[0]
    path = next((n for n in scores.notes if n.applies(top) and n.applies_to), None)
    conditions = " and ".join(c.describe() for c in changes)
    text = f"If {conditions}, the recommendation would be {top.label}"
    text += f" (score {top.score:.1f}"
    old = next(r for r in new_ranking if r.id == current)
    text += f" vs {old.label} {old.score:.1f})."
    if path is not None:
        text += f" {path.text}"
    return Counterfactual(changes, winner, top.label, text)

"""From what the user typed or saved to the answers the engine uses, and what it says about them.

- :func:`check_answers`: valid answers to relevant questions only; every answer that is dropped (its question
  is hidden), every "don't know" given together with values, and every contradiction the knowledge base
  names becomes an :class:`AnswerIssue`, shown with the recommendation. Nothing is dropped silently.
- :func:`effective_answers`: the target-hardware questions left unanswered take this machine's hardware.
- :func:`distance`: how many answers differ between two answer sets (the counterfactual's measure).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from fwtui.decide.hardware_facts import HardwareFacts, machine_target
from fwtui.decide.knowledge import KnowledgeBase
from fwtui.decide.questions import (
    BY_KEY,
    DONT_KNOW,
    QUESTIONS,
    Answers,
    answer_text,
    is_relevant,
    mixed_dont_know,
    normalise,
    prune_hidden,
)
from fwtui.decide.rules import answers_match


@dataclass(frozen=True)
class AnswerIssue:
    kind: str  # "contradiction" (answers that do not fit together) | "ignored" | "dont_know_mixed"
    questions: tuple[str, ...]
    text: str
    rule_id: str | None = None
    cites: tuple[str, ...] = ()


@dataclass(frozen=True)
class CheckedAnswers:
    answers: Answers  # valid answers to relevant questions: what the engine scores
    issues: tuple[AnswerIssue, ...]


def check_answers(raw: Mapping[str, object], kb: KnowledgeBase) -> CheckedAnswers:
    """Validate (``UsageError`` for unknown keys or values), drop answers to hidden questions and flag
    contradictions. The answers returned are the ones every later step uses."""
    normal = normalise(raw)
    issues: list[AnswerIssue] = []
    for key in mixed_dont_know(raw):
        noun = BY_KEY[key].noun or key
        issues.append(
            AnswerIssue(
                "dont_know_mixed",
                (key,),
                f"{noun.capitalize()}: 'don't know' was given together with "
                f"{answer_text(key, normal.get(key, ()))}; the values are used.",
            )
        )
    for question in QUESTIONS:
        chosen = normal.get(question.key, ())
        for value in question.exclusive:
            if value in chosen and len(chosen) > 1:
                others = tuple(v for v in chosen if v != value)
                issues.append(
                    AnswerIssue(
                        "contradiction",
                        (question.key,),
                        f"{(question.noun or question.key).capitalize()}: '{question.label(value)}' was ticked "
                        f"together with {answer_text(question.key, others)}; the rules count every option ticked.",
                    )
                )
    kept, dropped = prune_hidden(normal)
    for key in dropped:
        issues.append(_hidden_issue(key, normal))
    for contradiction in kb.contradictions:
        if answers_match(contradiction.when, kept):
            issues.append(
                AnswerIssue(
                    "contradiction",
                    tuple(contradiction.when),
                    contradiction.text,
                    contradiction.id,
                    contradiction.cites,
                )
            )
    return CheckedAnswers(kept, tuple(issues))


def _hidden_issue(key: str, answers: Answers) -> AnswerIssue:
    question = BY_KEY[key]
    assert question.relevant_when is not None  # only such questions are ever hidden
    parent_key, allowed = question.relevant_when
    parent = BY_KEY[parent_key]
    opening = " or ".join(
        "don't know" if value == DONT_KNOW else f"'{parent.label(value)}'" for value in allowed
    )
    given = f"{question.text}: {answer_text(key, answers[key])}"
    parent_answer = answers.get(parent_key, ())
    if parent_answer and is_relevant(parent, answers):
        # The user answered the parent in a way that rules this answer out: the two contradict each other.
        return AnswerIssue(
            "contradiction",
            (parent_key, key),
            f"'{given}' contradicts {parent.noun or parent_key} "
            f"'{answer_text(parent_key, parent_answer)}': it applies only when that is {opening}, so it is "
            "ignored.",
        )
    return AnswerIssue(
        "ignored",
        (key,),
        f"'{given}' is ignored: the question applies only when {parent.noun or parent_key} is {opening}.",
    )


@dataclass(frozen=True)
class Effective:
    """Answers with the unanswered target-hardware questions set to this machine's hardware."""

    values: Answers
    defaulted: frozenset[str]  # the keys filled in from the machine


def effective_answers(answers: Mapping[str, tuple[str, ...]], hw: HardwareFacts) -> Effective:
    target = machine_target(hw)
    values: Answers = dict(answers)
    defaulted: set[str] = set()
    if target is not None:
        for question in QUESTIONS:
            if question.hardware_default and not values.get(question.key) and is_relevant(question, answers):
                values[question.key] = (target,)
                defaulted.add(question.key)
    return Effective(values, frozenset(defaulted))


def distance(a: Mapping[str, tuple[str, ...]], b: Mapping[str, tuple[str, ...]]) -> int:
    """Changed answers between two answer sets: one per single-choice question whose answer differs
    (unanswered counts as an answer), one per option ticked or unticked in a multi-select question."""
    total = 0
    for question in QUESTIONS:
        before, after = set(a.get(question.key, ())), set(b.get(question.key, ()))
        if question.multi:
            total += len(before ^ after)
        elif before != after:
            total += 1
    return total

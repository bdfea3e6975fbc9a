"""What would change the recommendation: the fewest changed answers that give another leader.

The search is exact up to ``max_changes`` changed answers. It enumerates every set of *edits* (set a
single-choice question to another value or to don't know; tick or untick one option of a multi-select
question), applies them, drops the answers whose question the edits hide, and measures the result with
:func:`fwtui.decide.answers.distance` against the current answers (a dropped answer counts as a change too).
Every answer set within distance *k* is reachable with at most *k* edits, so once all edit sets of size *k*
are tried, the smallest distance found at or below *k* is the smallest there is.

A change counts only when one candidate then leads *alone*: an answer set whose top is a tie is reported as
a tie, never as a change of winner. Each answer set is scored with :func:`fwtui.decide.scoring.score`, the
function behind the ranking.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from fwtui.decide.answers import distance
from fwtui.decide.hardware_facts import HardwareFacts, machine_target
from fwtui.decide.knowledge import KnowledgeBase
from fwtui.decide.model import AnswerChange, Counterfactual, MeasuredComparison
from fwtui.decide.questions import BY_KEY, QUESTIONS, Answers, Question, is_relevant, prune_hidden
from fwtui.decide.scoring import Scores, rank, score

MAX_CHANGES = 2
MAX_ALTERNATIVES = 3
MAX_TIES = 2

Edit = tuple[
    str, str
]  # (question key, value): single-choice: the new value ("" = don't know); multi: toggled


@dataclass(frozen=True)
class Search:
    found: tuple[Counterfactual, ...]
    note: str  # what was searched, when nothing changes the leader


def edits(answers: Mapping[str, tuple[str, ...]]) -> list[Edit]:
    """Every single edit of the answers, whether or not its question is shown now (another edit may open it)."""
    out: list[Edit] = []
    for question in QUESTIONS:
        current = answers.get(question.key, ())
        if question.multi:
            out.extend((question.key, value) for value in question.values)
        else:
            out.extend(
                (question.key, value)
                for value in (*question.values, "")
                if (value,) != current and (value or current)
            )
    return out


def apply_edits(answers: Mapping[str, tuple[str, ...]], chosen: Iterable[Edit]) -> Answers:
    """The answers after the edits, with answers to questions they hide dropped."""
    changed: Answers = dict(answers)
    for key, value in chosen:
        question = BY_KEY[key]
        if question.multi:
            toggled = set(changed.get(key, ())) ^ {value}
            changed[key] = tuple(v for v in question.values if v in toggled)
        else:
            changed[key] = (value,) if value else ()
        if not changed[key]:
            del changed[key]
    return prune_hidden(changed)[0]


def counterfactuals(
    kb: KnowledgeBase,
    answers: Answers,
    hw: HardwareFacts,
    comparisons: Sequence[MeasuredComparison],
    *,
    max_changes: int = MAX_CHANGES,
) -> Search:
    """The answer sets nearest to ``answers`` in which another candidate leads alone (one per new leader, all at
    the smallest distance), and the ties nearer or as near."""
    base = score(kb, answers, hw, comparisons)
    current, current_tie = base.leader, base.tied
    all_edits = edits(answers)
    seen: set[frozenset[tuple[str, tuple[str, ...]]]] = {_key(answers)}
    changes: dict[str, tuple[int, Answers, Scores]] = {}  # new leader -> its nearest answer set
    ties: dict[tuple[str, ...], tuple[int, Answers, Scores]] = {}
    best = max_changes + 1
    for size in range(1, max_changes + 1):
        for combo in itertools.combinations(all_edits, size):
            if _repeats_a_single_choice(combo):
                continue
            after = apply_edits(answers, combo)
            key = _key(after)
            if key in seen:
                continue
            seen.add(key)
            d = distance(answers, after)
            if d > max_changes:
                continue  # reachable only through dropped answers; not provably nearest within the bound
            scores = score(kb, after, hw, comparisons)
            leader = scores.leader
            if leader is not None and leader != current:
                if leader not in changes or d < changes[leader][0]:
                    changes[leader] = (d, after, scores)
                best = min(best, d)
            elif (
                leader is None
                and current is not None
                and scores.tied != current_tie
                and (scores.tied not in ties or d < ties[scores.tied][0])
            ):
                ties[scores.tied] = (d, after, scores)
        if best <= size:
            break
    nearest = [(leader, item) for leader, item in changes.items() if item[0] == best]
    nearest.sort(key=lambda pair: (pair[1][0], -pair[1][2].total(pair[0]), pair[0]))
    near_ties = sorted(
        (item for item in ties.values() if item[0] <= min(best, max_changes)), key=lambda i: i[0]
    )
    found = [_explain(kb, answers, hw, base, item, leader) for leader, item in nearest[:MAX_ALTERNATIVES]]
    found += [_explain(kb, answers, hw, base, item, None) for item in near_ties[:MAX_TIES]]
    note = "" if nearest else f"No change of up to {max_changes} answers gives another candidate the lead."
    return Search(tuple(found), note)


def _repeats_a_single_choice(combo: Sequence[Edit]) -> bool:
    keys = [key for key, _ in combo if not BY_KEY[key].multi]
    return len(keys) != len(set(keys))


def _key(answers: Mapping[str, tuple[str, ...]]) -> frozenset[tuple[str, tuple[str, ...]]]:
    return frozenset(answers.items())


def _explain(
    kb: KnowledgeBase,
    answers: Answers,
    hw: HardwareFacts,
    base: Scores,
    item: tuple[int, Answers, Scores],
    leader: str | None,
) -> Counterfactual:
    d, after, scores = item
    changes = answer_changes(answers, after, hw)
    conditions = " and ".join(c.describe() for c in changes)
    ranking = rank(kb, scores)
    labels = {r.id: r.label for r in ranking}
    if leader is None:
        tied = scores.tied
        names = ", ".join(labels[cid] for cid in tied[:-1]) + f" and {labels[tied[-1]]}"
        text = f"If {conditions}, {names} would tie at {_score(scores.total(tied[0]))}: a tie, not a change of winner."
        return Counterfactual(changes, "", "", text, d, tied)
    old = base.leader or base.winner
    rival = old if old != leader else next(cid for cid in scores.ranked_ids() if cid != leader)
    a, b = scores.total(leader), scores.total(rival)
    verb = "would be" if base.leader is not None else "would lead alone:"
    text = f"If {conditions}, the recommendation {verb} {labels[leader]} (score {_score(a, b)} vs {labels[rival]} {_score(b, a)})."
    path = next((n for n in scores.notes if n.applies_to and n.applies(ranking[0])), None)
    if path is not None:
        text += f" {path.text}"
    return Counterfactual(changes, leader, labels[leader], text, d)


def answer_changes(before: Answers, after: Answers, hw: HardwareFacts) -> tuple[AnswerChange, ...]:
    """The questions whose answers differ, in question order; answers dropped with their question are implied."""
    target = machine_target(hw)

    def default(question: Question, values: tuple[str, ...], answers: Answers) -> str:
        """This machine's hardware, named, where a target-hardware question is left unanswered."""
        if values or target is None or not question.hardware_default or not is_relevant(question, answers):
            return ""
        return question.label(target)

    out: list[AnswerChange] = []
    for question in QUESTIONS:
        old, new = before.get(question.key, ()), after.get(question.key, ())
        if old == new:
            continue
        implied = bool(old) and not new and not is_relevant(question, after)
        out.append(
            AnswerChange(
                question.key, old, new, default(question, old, before), default(question, new, after), implied
            )
        )
    return tuple(out)


def _score(value: float, other: float | None = None) -> str:
    """One decimal, or two when one decimal would make two different scores look equal."""
    if other is not None and round(value, 1) == round(other, 1) and value != other:
        return f"{value:.2f}"
    return f"{value:.1f}"

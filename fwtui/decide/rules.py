"""The declarative matcher: does a rule's condition hold for these answers and hardware facts?"""

from __future__ import annotations

from collections.abc import Mapping

from fwtui.decide.hardware_facts import HardwareFacts
from fwtui.decide.knowledge import HardwareCondition, Rule
from fwtui.decide.questions import DONT_KNOW


def answers_match(
    when: Mapping[str, tuple[str, ...]],
    answers: Mapping[str, tuple[str, ...]],
    defaulted: frozenset[str] = frozenset(),
) -> bool:
    """Every key must match: the answer includes one of the listed values.

    ``dont_know`` matches an unanswered question, and also one whose value was filled in from this machine
    (``defaulted``): the user did not answer it either way.
    """
    # Plain loops, no generators: the counterfactual search runs this for every rule of every answer set.
    for key, wanted in when.items():
        chosen = answers.get(key)
        if not chosen or key in defaulted:
            if DONT_KNOW in wanted:
                continue
            if not chosen:
                return False
        for value in chosen:
            if value in wanted:
                break
        else:
            return False
    return True


def hardware_match(when_hw: Mapping[str, HardwareCondition], hardware: HardwareFacts) -> bool:
    """Every key must match; an unknown machine (no facts) matches no hardware condition."""
    for key, wanted in when_hw.items():
        if key not in hardware:
            return False
        actual = hardware[key]
        if isinstance(wanted, bool):
            if bool(actual) is not wanted:
                return False
        else:
            present = actual if isinstance(actual, list) else [actual]
            if not any(value in wanted for value in present):
                return False
    return True


def rule_fires(
    rule: Rule,
    answers: Mapping[str, tuple[str, ...]],
    hardware: HardwareFacts,
    defaulted: frozenset[str] = frozenset(),
) -> bool:
    if rule.when and not answers_match(rule.when, answers, defaulted):
        return False
    return not rule.when_hw or hardware_match(rule.when_hw, hardware)

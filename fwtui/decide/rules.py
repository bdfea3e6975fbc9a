"""The declarative matcher: does a rule's condition hold for these answers and hardware facts?"""

from __future__ import annotations

from collections.abc import Mapping

from fwtui.decide.hardware_facts import HardwareFacts
from fwtui.decide.knowledge import HardwareCondition, Rule
from fwtui.decide.questions import DONT_KNOW


def answers_match(when: Mapping[str, tuple[str, ...]], answers: Mapping[str, tuple[str, ...]]) -> bool:
    """Every key must match: the answer includes one of the listed values (``dont_know`` = unanswered)."""
    for key, wanted in when.items():
        chosen = answers.get(key, ())
        if not chosen:
            if DONT_KNOW not in wanted:
                return False
        elif not any(value in wanted for value in chosen):
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


def rule_fires(rule: Rule, answers: Mapping[str, tuple[str, ...]], hardware: HardwareFacts) -> bool:
    return answers_match(rule.when, answers) and hardware_match(rule.when_hw, hardware)

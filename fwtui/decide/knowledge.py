"""Loads and checks the knowledge base (``knowledge.toml``): dated facts, candidates and rules."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from importlib import resources
from typing import Any, TypeAlias

from fwtui.decide.questions import BY_KEY, DONT_KNOW
from fwtui.errors import FwtuiError

HardwareCondition: TypeAlias = bool | list[str]
"""What a rule wants of a hardware fact: true/false, or any of the listed values."""

# Hardware facts a rule may test (see ``fwtui.decide.hardware_facts``), with the kind of value each takes.
HARDWARE_FACTS: dict[str, type] = {
    "tpu": bool,
    "accelerator": bool,
    "gpu_vendor": str,
    "windows": bool,
    "apple_silicon": bool,
    "arm64": bool,
}


@dataclass(frozen=True)
class Fact:
    id: str
    text: str
    as_of: date
    source: str
    review_by: date

    def is_stale(self, today: date) -> bool:
        return today > self.review_by


@dataclass(frozen=True)
class Candidate:
    id: str
    name: str
    prior: float
    prior_reason: str
    prior_cites: tuple[str, ...] = ()
    measured_as: str | None = None  # framework name in the results database
    built_on: tuple[str, ...] = ()  # composite choices name their best-scoring base in `label`
    label: str | None = None


@dataclass(frozen=True)
class Rule:
    id: str
    because: str
    when: dict[str, tuple[str, ...]] = field(default_factory=dict)
    when_hw: dict[str, HardwareCondition] = field(default_factory=dict)
    veto: tuple[str, ...] = ()
    score: dict[str, float] = field(default_factory=dict)
    deployment: str | None = None
    deploy_for: tuple[str, ...] = ()
    cites: tuple[str, ...] = ()

    @property
    def is_hardware(self) -> bool:
        return bool(self.when_hw)


@dataclass(frozen=True)
class KnowledgeBase:
    facts: dict[str, Fact]
    candidates: tuple[Candidate, ...]
    rules: tuple[Rule, ...]

    def candidate(self, candidate_id: str) -> Candidate:
        return next(c for c in self.candidates if c.id == candidate_id)


def _load_toml(text: str) -> dict[str, Any]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - depends on the interpreter
        try:
            import tomli as tomllib  # type: ignore[import-not-found, unused-ignore]  # absent on 3.11+
        except ImportError as exc:
            raise FwtuiError("the Decide area needs Python 3.11+ (or the 'tomli' package on 3.10)") from exc
    data: dict[str, Any] = tomllib.loads(text)
    return data


@lru_cache(maxsize=1)
def load_knowledge() -> KnowledgeBase:
    """The shipped knowledge base, read once per process."""
    text = resources.files("fwtui.decide").joinpath("knowledge.toml").read_text(encoding="utf-8")
    return parse_knowledge(text)


def parse_knowledge(text: str) -> KnowledgeBase:
    """Parse and validate a knowledge base; every inconsistency is a ``FwtuiError`` naming the entry."""
    data = _load_toml(text)
    facts = {f.id: f for f in (_fact(raw) for raw in data.get("fact", []))}
    candidates = tuple(_candidate(raw) for raw in data.get("candidate", []))
    rules = tuple(_rule(raw) for raw in data.get("rule", []))
    _check(facts, candidates, rules)
    return KnowledgeBase(facts, candidates, rules)


def _fact(raw: dict[str, Any]) -> Fact:
    try:
        fact = Fact(raw["id"], raw["text"], raw["as_of"], raw["source"], raw["review_by"])
    except KeyError as exc:
        raise FwtuiError(f"knowledge base: fact {raw.get('id', '?')} lacks {exc.args[0]!r}") from exc
    if not isinstance(fact.as_of, date) or not isinstance(fact.review_by, date):
        raise FwtuiError(f"knowledge base: fact {fact.id} needs TOML dates for as_of and review_by")
    if fact.review_by <= fact.as_of:
        raise FwtuiError(f"knowledge base: fact {fact.id} has review_by before as_of")
    return fact


def _candidate(raw: dict[str, Any]) -> Candidate:
    return Candidate(
        id=raw["id"],
        name=raw["name"],
        prior=float(raw.get("prior", 0.0)),
        prior_reason=raw["prior_reason"],
        prior_cites=tuple(raw.get("prior_cites", ())),
        measured_as=raw.get("measured_as"),
        built_on=tuple(raw.get("built_on", ())),
        label=raw.get("label"),
    )


def _rule(raw: dict[str, Any]) -> Rule:
    when = {key: tuple(values) for key, values in raw.get("when", {}).items()}
    return Rule(
        id=raw["id"],
        because=raw["because"],
        when=when,
        when_hw=dict(raw.get("when_hw", {})),
        veto=tuple(raw.get("veto", ())),
        score={k: float(v) for k, v in raw.get("score", {}).items()},
        deployment=raw.get("deployment"),
        deploy_for=tuple(raw.get("deploy_for", ())),
        cites=tuple(raw.get("cites", ())),
    )


def _check(facts: dict[str, Fact], candidates: tuple[Candidate, ...], rules: tuple[Rule, ...]) -> None:
    ids = {c.id for c in candidates}
    seen: set[str] = set()
    for candidate in candidates:
        for fact_id in candidate.prior_cites:
            _need(fact_id in facts, f"candidate {candidate.id} cites unknown fact {fact_id}")
        for base in candidate.built_on:
            _need(base in ids, f"candidate {candidate.id} is built on unknown candidate {base}")
    for rule in rules:
        _need(rule.id not in seen, f"rule id {rule.id} is used twice")
        seen.add(rule.id)
        for key, values in rule.when.items():
            _need(key in BY_KEY, f"rule {rule.id} tests unknown question {key}")
            for value in values:
                _need(
                    value in (*BY_KEY[key].values, DONT_KNOW), f"rule {rule.id}: {key} has no value {value}"
                )
        for key, condition in rule.when_hw.items():
            kind = HARDWARE_FACTS.get(key)
            _need(kind is not None, f"rule {rule.id} tests unknown hardware fact {key}")
            ok = isinstance(condition, bool) if kind is bool else isinstance(condition, list)
            _need(ok, f"rule {rule.id}: hardware fact {key} needs a {'boolean' if kind is bool else 'list'}")
        for target in (*rule.veto, *rule.score, *rule.deploy_for):
            _need(target in ids, f"rule {rule.id} names unknown candidate {target}")
        for fact_id in rule.cites:
            _need(fact_id in facts, f"rule {rule.id} cites unknown fact {fact_id}")
        _need(
            bool(rule.veto or rule.score or rule.deployment),
            f"rule {rule.id} has no effect (veto, score or deployment)",
        )


def _need(condition: bool, message: str) -> None:
    if not condition:
        raise FwtuiError(f"knowledge base: {message}")

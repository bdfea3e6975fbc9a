"""Loads and checks the knowledge base (``knowledge.toml``): the scoring policy, dated facts, candidates,
rules, contradictions between answers, stale advice and which benchmark workloads speak to which answers."""

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
FACT_STATUSES = ("verified", "partly", "not_verified")


@dataclass(frozen=True)
class ScoringPolicy:
    """The numbers that turn measurements into points and decide ties (``[scoring]`` in knowledge.toml)."""

    measured_points: float = 0.5  # per significant, large win over another framework
    measured_cap: float = 1.0  # most a candidate can gain from measurements (before the priority weight)
    priority_weight: float = 2.0  # measurements of what the user prioritises count this much more
    min_speedup: float = 1.2  # a smaller difference never counts, however significant
    significance_level: float = 0.01
    tie_tolerance: float = 1e-6  # scores closer than this are equal


@dataclass(frozen=True)
class Fact:
    id: str
    text: str
    as_of: date
    source: str
    review_by: date
    status: str = "verified"  # verified | partly | not_verified
    caveat: str = ""  # what part is not verified, or why the fact is kept

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
    # Rules that reward the same underlying reason share a group: each candidate gets only the largest.
    overlap: str | None = None

    @property
    def is_hardware(self) -> bool:
        return bool(self.when_hw)


@dataclass(frozen=True)
class Contradiction:
    """Answers that do not fit together; flagged, never silently resolved."""

    id: str
    when: dict[str, tuple[str, ...]]
    text: str
    cites: tuple[str, ...] = ()


@dataclass(frozen=True)
class StaleAdvice:
    """Once-common advice that the facts no longer support, shown when the answers touch it."""

    id: str
    claim: str
    now: str
    when: dict[str, tuple[str, ...]]
    cites: tuple[str, ...] = ()


@dataclass(frozen=True)
class EvidenceWorkload:
    """A benchmark workload and the ``workload`` answers its measurements speak to."""

    workload: str
    answers: tuple[str, ...]
    because: str


@dataclass(frozen=True)
class KnowledgeBase:
    facts: dict[str, Fact]
    candidates: tuple[Candidate, ...]
    rules: tuple[Rule, ...]
    contradictions: tuple[Contradiction, ...] = ()
    stale_advice: tuple[StaleAdvice, ...] = ()
    evidence_workloads: tuple[EvidenceWorkload, ...] = ()
    policy: ScoringPolicy = ScoringPolicy()

    def candidate(self, candidate_id: str) -> Candidate:
        return next(c for c in self.candidates if c.id == candidate_id)

    def evidence_workload(self, workload: str) -> EvidenceWorkload | None:
        return next((w for w in self.evidence_workloads if w.workload == workload), None)


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
    try:
        kb = KnowledgeBase(
            facts={f.id: f for f in (_fact(raw) for raw in data.get("fact", []))},
            candidates=tuple(_candidate(raw) for raw in data.get("candidate", [])),
            rules=tuple(_rule(raw) for raw in data.get("rule", [])),
            contradictions=tuple(
                Contradiction(raw["id"], _when(raw), raw["text"], tuple(raw.get("cites", ())))
                for raw in data.get("contradiction", [])
            ),
            stale_advice=tuple(
                StaleAdvice(raw["id"], raw["claim"], raw["now"], _when(raw), tuple(raw.get("cites", ())))
                for raw in data.get("stale_advice", [])
            ),
            evidence_workloads=tuple(
                EvidenceWorkload(raw["workload"], tuple(raw.get("answers", ())), raw["because"])
                for raw in data.get("evidence_workload", [])
            ),
            policy=ScoringPolicy(**{k: float(v) for k, v in data.get("scoring", {}).items()}),
        )
    except KeyError as exc:
        raise FwtuiError(f"knowledge base: an entry lacks {exc.args[0]!r}") from exc
    except TypeError as exc:
        raise FwtuiError(f"knowledge base: [scoring] has an unknown key ({exc})") from exc
    _check(kb)
    return kb


def _fact(raw: dict[str, Any]) -> Fact:
    try:
        fact = Fact(
            raw["id"], raw["text"], raw["as_of"], raw["source"], raw["review_by"],
            raw.get("status", "verified"), raw.get("caveat", ""),
        )  # fmt: skip
    except KeyError as exc:
        raise FwtuiError(f"knowledge base: fact {raw.get('id', '?')} lacks {exc.args[0]!r}") from exc
    if not isinstance(fact.as_of, date) or not isinstance(fact.review_by, date):
        raise FwtuiError(f"knowledge base: fact {fact.id} needs TOML dates for as_of and review_by")
    if fact.review_by <= fact.as_of:
        raise FwtuiError(f"knowledge base: fact {fact.id} has review_by before as_of")
    if fact.status not in FACT_STATUSES:
        raise FwtuiError(
            f"knowledge base: fact {fact.id} has status {fact.status!r}; use {', '.join(FACT_STATUSES)}"
        )
    if fact.status != "verified" and not fact.caveat:
        raise FwtuiError(f"knowledge base: fact {fact.id} is {fact.status} but says nothing in 'caveat'")
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


def _when(raw: dict[str, Any]) -> dict[str, tuple[str, ...]]:
    return {key: tuple(values) for key, values in raw.get("when", {}).items()}


def _rule(raw: dict[str, Any]) -> Rule:
    return Rule(
        id=raw["id"],
        because=raw["because"],
        when=_when(raw),
        when_hw=dict(raw.get("when_hw", {})),
        veto=tuple(raw.get("veto", ())),
        score={k: float(v) for k, v in raw.get("score", {}).items()},
        deployment=raw.get("deployment"),
        deploy_for=tuple(raw.get("deploy_for", ())),
        cites=tuple(raw.get("cites", ())),
        overlap=raw.get("overlap"),
    )


def _check(kb: KnowledgeBase) -> None:
    ids = {c.id for c in kb.candidates}
    for candidate in kb.candidates:
        _check_cites(kb, f"candidate {candidate.id}", candidate.prior_cites, verified_only=True)
        for base in candidate.built_on:
            _need(base in ids, f"candidate {candidate.id} is built on unknown candidate {base}")
    seen: set[str] = set()
    overlap_signs: dict[tuple[str, str], float] = {}
    for rule in kb.rules:
        _need(rule.id not in seen, f"rule id {rule.id} is used twice")
        seen.add(rule.id)
        _check_when(f"rule {rule.id}", rule.when, allow_dont_know=True)
        for key, condition in rule.when_hw.items():
            kind = HARDWARE_FACTS.get(key)
            _need(kind is not None, f"rule {rule.id} tests unknown hardware fact {key}")
            ok = isinstance(condition, bool) if kind is bool else isinstance(condition, list)
            _need(ok, f"rule {rule.id}: hardware fact {key} needs a {'boolean' if kind is bool else 'list'}")
        for target in (*rule.veto, *rule.score, *rule.deploy_for):
            _need(target in ids, f"rule {rule.id} names unknown candidate {target}")
        _check_cites(kb, f"rule {rule.id}", rule.cites, verified_only=True)
        _need(
            bool(rule.veto or rule.score or rule.deployment),
            f"rule {rule.id} has no effect (veto, score or deployment)",
        )
        for target, delta in rule.score.items():
            if rule.overlap and delta:
                sign = overlap_signs.setdefault((rule.overlap, target), delta)
                _need(
                    sign * delta > 0, f"rule {rule.id}: overlap group {rule.overlap} mixes signs for {target}"
                )
    for contradiction in kb.contradictions:
        _check_when(f"contradiction {contradiction.id}", contradiction.when, allow_dont_know=False)
        _check_cites(kb, f"contradiction {contradiction.id}", contradiction.cites, verified_only=False)
    for advice in kb.stale_advice:
        _check_when(f"stale advice {advice.id}", advice.when, allow_dont_know=True)
        _check_cites(kb, f"stale advice {advice.id}", advice.cites, verified_only=False)
    workloads = BY_KEY["workload"].values
    for mapping in kb.evidence_workloads:
        for value in mapping.answers:
            _need(value in workloads, f"evidence workload {mapping.workload}: no workload answer {value}")


def _check_when(what: str, when: dict[str, tuple[str, ...]], *, allow_dont_know: bool) -> None:
    for key, values in when.items():
        _need(key in BY_KEY, f"{what} tests unknown question {key}")
        allowed = (*BY_KEY[key].values, DONT_KNOW) if allow_dont_know else BY_KEY[key].values
        for value in values:
            _need(value in allowed, f"{what}: {key} has no value {value}")


def _check_cites(kb: KnowledgeBase, what: str, cites: tuple[str, ...], *, verified_only: bool) -> None:
    for fact_id in cites:
        _need(fact_id in kb.facts, f"{what} cites unknown fact {fact_id}")
        if verified_only:
            # A score may rest on a partly verified fact (its caveat is shown), never on an unverified one.
            _need(kb.facts[fact_id].status != "not_verified", f"{what} rests on unverified fact {fact_id}")


def _need(condition: bool, message: str) -> None:
    if not condition:
        raise FwtuiError(f"knowledge base: {message}")

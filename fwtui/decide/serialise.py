"""A recommendation as JSON: what ``fwtui recommend --json`` prints. (``report.py`` writes it as Markdown.)"""

from __future__ import annotations

import math

from fwtui.decide.model import Contribution, Counterfactual, Recommendation
from fwtui.json_fields import JsonObject, JsonValue, to_json


def recommendation_to_dict(rec: Recommendation) -> JsonObject:
    return {
        "today": rec.today.isoformat(),
        "answers": {k: list(v) for k, v in rec.answers.items()},
        "hardware": to_json(rec.hardware) if rec.hardware else None,
        "winner": {"id": rec.winner.id, "label": rec.winner.label, "score": rec.winner.score},
        "ranking": [
            {
                "rank": r.rank,
                "id": r.id,
                "name": r.name,
                "label": r.label,
                "base": r.base,
                "score": r.score,
                "vetoed": r.vetoed,
                "vetoes": [
                    {"rule": v.rule_id, "source": v.source, "text": v.text, "cites": list(v.cites)}
                    for v in r.vetoes
                ],
                "reasons": [_contribution(c) for c in r.contributions],
            }
            for r in rec.ranking
        ],
        "deployment": [n.text for n in rec.deployment],
        "deployment_notes": [
            {"rule": n.rule_id, "text": n.text, "applies_to": list(n.applies_to), "cites": list(n.cites)}
            for n in rec.deployment_notes
        ],
        "facts": [
            {
                "id": f.fact.id,
                "text": f.fact.text,
                "as_of": f.fact.as_of.isoformat(),
                "source": f.fact.source,
                "review_by": f.fact.review_by.isoformat(),
                "stale": f.stale,
            }
            for f in rec.facts
        ],
        "counterfactual": _counterfactual(rec.counterfactual),
        "alternatives": [_counterfactual(c) for c in rec.counterfactuals[1:]],
        "evidence": {
            "note": rec.evidence_note,
            "comparisons": [
                {
                    "workload": c.workload,
                    "size": c.size,
                    "scenario": c.scenario,
                    "device": c.device,
                    "faster": c.faster,
                    "slower": c.slower,
                    "faster_p50_ms": c.faster_ms,
                    "slower_p50_ms": c.slower_ms,
                    "ratio": _finite(round(c.ratio, 4)),
                    "p_value": c.p_value,
                    "counts": c.counts,
                    "text": c.text,
                }
                for c in rec.comparisons
            ],
        },
    }


def _contribution(c: Contribution) -> JsonObject:
    return {
        "source": c.source, "delta": round(c.delta, 4), "text": c.text, "rule": c.rule_id,
        "question": c.question, "fact": c.fact, "numbers": to_json(c.numbers),
        "cites": list(c.cites),
    }  # fmt: skip


def _counterfactual(cf: Counterfactual | None) -> JsonValue:
    if cf is None:
        return None
    return {
        "changes": [
            {"question": c.question, "from": list(c.before), "to": list(c.after)} for c in cf.changes
        ],
        "winner": cf.winner,
        "winner_label": cf.winner_label,
        "text": cf.text,
    }


def _finite(x: float) -> float | None:
    return x if math.isfinite(x) else None

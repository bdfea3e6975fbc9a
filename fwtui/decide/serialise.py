"""A recommendation as JSON: what ``fwtui recommend --json`` prints. (``report.py`` writes it as Markdown.)

Every number is finite or null: a ratio or p-value that could not be computed is null, never NaN.
"""

from __future__ import annotations

import math

from fwtui.decide.model import Contribution, Counterfactual, EvidenceUse, MeasuredResult, Recommendation
from fwtui.json_fields import JsonObject, JsonValue, to_json


def recommendation_to_dict(rec: Recommendation) -> JsonObject:
    return {
        "today": rec.today.isoformat(),
        "answers": {k: list(v) for k, v in rec.answers.items()},
        "hardware_defaults": dict(rec.defaults),
        "answer_issues": [
            {
                "kind": i.kind,
                "questions": list(i.questions),
                "text": i.text,
                "rule": i.rule_id,
                "cites": list(i.cites),
            }
            for i in rec.issues
        ],
        "hardware": to_json(rec.hardware) if rec.hardware else None,
        "winner": {"id": rec.winner.id, "label": rec.winner.label, "score": rec.winner.score},
        "tied": list(rec.tied),
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
        "stale_advice": [
            {"id": a.id, "claim": a.claim, "now": a.now, "cites": list(a.cites)} for a in rec.stale_advice
        ],
        "facts": [
            {
                "id": f.fact.id,
                "text": f.fact.text,
                "as_of": f.fact.as_of.isoformat(),
                "source": f.fact.source,
                "review_by": f.fact.review_by.isoformat(),
                "status": f.fact.status,
                "caveat": f.fact.caveat or None,
                "stale": f.stale,
            }
            for f in rec.facts
        ],
        "counterfactual": _counterfactual(rec.counterfactual),
        "alternatives": [_counterfactual(c) for c in rec.counterfactuals[1:]],
        "counterfactual_note": rec.counterfactual_note or None,
        "evidence": {
            "note": rec.evidence_note,
            "comparisons": [_evidence(e) for e in rec.evidence],
            "skipped": [
                {"reason": s.reason, "text": s.text, "results": list(s.result_ids)} for s in rec.skipped
            ],
        },
    }


def _evidence(e: EvidenceUse) -> JsonObject:
    c, s = e.comparison, e.comparison.setting
    return {
        "machine_id": s.machine_id, "machine": s.machine_label, "this_machine": s.this_machine,
        "workload": s.workload, "size": s.size, "mode": s.mode, "scenario": s.scenario,
        "batch_size": s.batch_size, "threads": s.threads, "device": s.device, "dtype": s.dtype,
        "variant_kind": s.variant_kind, "faster": c.faster, "slower": c.slower,
        "faster_result": _result(c.faster_result), "slower_result": _result(c.slower_result),
        "faster_p50_ms": _finite(c.faster_ms), "slower_p50_ms": _finite(c.slower_ms),
        "ratio": _finite(round(c.ratio, 4)), "p_value": _finite(c.p_value), "counts": c.counts,
        "verdict": c.verdict, "one_run": c.one_run, "relevant": e.relevant, "relevance": e.relevance,
        "used": e.used, "text": c.text,
    }  # fmt: skip


def _result(r: MeasuredResult) -> JsonObject:
    return {
        "result_id": r.result_id, "run_id": r.run_id or None, "created_at": r.created_at or None,
        "framework": r.framework, "variant": r.variant, "framework_version": r.framework_version or None,
        "median_ms": _finite(r.median_ms), "n": r.n,
    }  # fmt: skip


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
            {"question": c.question, "from": list(c.before), "to": list(c.after), "implied": c.implied}
            for c in cf.changes
        ],
        "distance": cf.distance,
        "winner": cf.winner or None,
        "winner_label": cf.winner_label or None,
        "tie": list(cf.tie),
        "text": cf.text,
    }


def _finite(x: float) -> float | None:
    return x if math.isfinite(x) else None

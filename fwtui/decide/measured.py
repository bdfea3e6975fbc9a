"""Measured evidence as points: which comparisons hold (selection + the significance test), whether each one
speaks to the user's answers, and what it adds to a score.

Relevance is explicit: a comparison moves a score only when the workload it was measured on speaks to the
``workload`` answer (the ``[[evidence_workload]]`` table of knowledge.toml), when the workload is not answered,
or when the user answered that every workload counts (``evidence_scope = all``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from fwtui import units
from fwtui.decide.evidence import Measured, OtherMachine
from fwtui.decide.knowledge import KnowledgeBase
from fwtui.decide.model import Contribution, MeasuredComparison, MeasuredNumbers, MeasuredResult
from fwtui.decide.questions import answer_text
from fwtui.decide.selection import Pair, Skipped, median_ms, select
from fwtui.decide.stats import judge

# Which priority makes which scenario's measurements count more.
SCENARIO_PRIORITY = {
    "latency": "inference_latency",
    "throughput": "inference_latency",
    "train": "training_speed",
}


def compare_evidence(
    kb: KnowledgeBase, evidence: Sequence[Measured], elsewhere: Iterable[OtherMachine] = ()
) -> tuple[tuple[MeasuredComparison, ...], tuple[Skipped, ...]]:
    """Every comparable pair judged, and every result that was skipped, with why."""
    ranked = {c.measured_as: c.id for c in kb.candidates if c.measured_as}
    selection = select(evidence, ranked, elsewhere)
    names = {c.id: c.name for c in kb.candidates}
    return tuple(_compare(kb, pair, names) for pair in selection.pairs), selection.skipped


def _compare(kb: KnowledgeBase, pair: Pair, names: Mapping[str, str]) -> MeasuredComparison:
    verdict = judge(pair.first, pair.second, kb.policy)
    first = (pair.first_candidate, pair.first)
    second = (pair.second_candidate, pair.second)
    (fast_id, fast), (slow_id, slow) = (second, first) if verdict.faster == "b" else (first, second)
    setting = pair.setting
    text = (
        f"measured on {setting.where()}: {names[fast_id]} {units.latency_ms(median_ms(fast))} vs {names[slow_id]} "
        f"{units.latency_ms(median_ms(slow))} median per call ("
        + (f"{units.ratio(verdict.ratio)}, {units.p_value(verdict.p_value)}" if verdict.faster else "equal")
        + f") on {setting.describe()}; results {_identify(fast)} and {_identify(slow)}"
        + ("" if pair.one_run else ", from two different runs")
    )
    if not verdict.counts:
        text += f" - {verdict.verdict}, does not count"
    return MeasuredComparison(
        setting, fast_id, slow_id, _result(fast), _result(slow), verdict.ratio, verdict.p_value, verdict.counts,
        verdict.verdict, pair.one_run, text,
    )  # fmt: skip


def relevance(
    kb: KnowledgeBase, comparison: MeasuredComparison, answers: Mapping[str, tuple[str, ...]]
) -> tuple[bool, str]:
    """Whether a comparison speaks to these answers, and the sentence that says why (or why not).

    Precision first: frameworks rank differently in bfloat16 than in float32 (one may run it several times
    faster, another slower than its own float32), so when the user names the precisions they will use, only
    measurements in one of them count."""
    precisions = answers.get("precision", ())
    dtype = comparison.setting.dtype
    if precisions and dtype not in precisions:
        return False, (
            f"measured in {dtype}, but you will compute in {answer_text('precision', precisions)}: "
            "frameworks rank differently by precision"
        )
    workload = answers.get("workload", ())
    measured_on = comparison.workload
    if not workload:
        return (
            True,
            f"{measured_on} counts: the workload is not answered, so every workload's measurements count",
        )
    label = answer_text("workload", workload)
    if "all" in answers.get("evidence_scope", ()):
        return True, f"{measured_on} counts for '{label}': every workload measured counts, as answered"
    mapping = kb.evidence_workload(measured_on)
    if mapping is not None and workload[0] in mapping.answers:
        return True, f"{measured_on} speaks to '{label}': {mapping.because}"
    why = mapping.because if mapping is not None else "no workload answer is mapped to it"
    return False, (
        f"{measured_on} does not speak to '{label}' ({why}); it counts only if every workload measured should"
    )


def measured_contributions(
    kb: KnowledgeBase, comparisons: Iterable[MeasuredComparison], answers: Mapping[str, tuple[str, ...]]
) -> dict[str, list[Contribution]]:
    """Points for each relevant, significant, large win, weighted by the user's priorities, capped per
    candidate; one win per pair of frameworks, workload and scenario (a second setting of the same pair is
    shown with no points)."""
    policy = kb.policy
    priorities = answers.get("priorities", ())
    per_candidate: dict[str, list[tuple[Contribution, float]]] = {}
    counted: set[tuple[str, str, str, str]] = set()
    for comp in comparisons:
        if not comp.counts or not relevance(kb, comp, answers)[0]:
            continue
        weight = policy.priority_weight if SCENARIO_PRIORITY.get(comp.scenario) in priorities else 1.0
        key = (comp.faster, comp.slower, comp.workload, comp.scenario)
        again = key in counted
        counted.add(key)
        numbers = _numbers(comp, weight)
        text = comp.text + (" (this pair, workload and scenario already counted once)" if again else "")
        delta = 0.0 if again else policy.measured_points * weight
        per_candidate.setdefault(comp.faster, []).append(
            (Contribution(comp.faster, "measured", delta, text, numbers=numbers), weight)
        )
    capped: dict[str, list[Contribution]] = {}
    for candidate, weighted in per_candidate.items():
        items = [c for c, _ in weighted]
        cap = policy.measured_cap * max(weight for _, weight in weighted)
        total = sum(c.delta for c in items)
        capped[candidate] = [_scaled(c, cap / total) for c in items] if total > cap else items
    return capped


def _numbers(comp: MeasuredComparison, weight: float) -> MeasuredNumbers:
    s = comp.setting
    return {
        "machine_id": s.machine_id, "machine": s.machine_label, "this_machine": s.this_machine,
        "workload": s.workload, "size": s.size, "mode": s.mode, "scenario": s.scenario,
        "batch_size": s.batch_size, "threads": s.threads, "device": s.device, "dtype": s.dtype,
        "variant_kind": s.variant_kind, "versus": comp.slower,
        "faster_result": comp.faster_result.result_id, "slower_result": comp.slower_result.result_id,
        "faster_run": comp.faster_result.run_id, "slower_run": comp.slower_result.run_id,
        "faster_median_ms": comp.faster_ms, "slower_median_ms": comp.slower_ms,
        "ratio": round(comp.ratio, 3), "p_value": comp.p_value, "one_run": comp.one_run, "weight": weight,
    }  # fmt: skip


def _scaled(c: Contribution, scale: float) -> Contribution:
    return Contribution(c.candidate, c.source, c.delta * scale, c.text, numbers=c.numbers)


def _result(m: Measured) -> MeasuredResult:
    return MeasuredResult(
        m.result_id, m.run_id, m.created_at, m.framework, m.variant, m.framework_version, median_ms(m),
        len(m.samples_ms),
    )  # fmt: skip


def _identify(m: Measured) -> str:
    run = f"run {m.run_id[:8]}, " if m.run_id else ""
    return f"{m.result_id[:8] or '(no id)'} ({m.framework}/{m.variant}, {run}{m.date or 'undated'})"


"""One scoring function behind both the ranking and the counterfactual search: they can never disagree."""

from __future__ import annotations

from datetime import date
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fwtui.decide.answers import check_answers
from fwtui.decide.counterfactual import apply_edits, counterfactuals
from fwtui.decide.engine import recommend
from fwtui.decide.evidence import Measured
from fwtui.decide.hardware_facts import hardware_facts
from fwtui.decide.knowledge import load_knowledge, parse_knowledge
from fwtui.decide.measured import compare_evidence
from fwtui.decide.questions import QUESTIONS
from fwtui.decide.scoring import rank, score
from fwtui.hardware import SystemInfo

TODAY = date(2026, 12, 2)
KB = load_knowledge()


def _samples(median: float, seed: int) -> tuple[float, ...]:
    return tuple(median * (1 + 0.001 * ((seed * 7 + i * 13) % 17)) for i in range(30))


def _processes(median: float, seed: int) -> tuple[float, ...]:
    """Three processes' medians: the values the significance test compares."""
    return tuple(median * (1 + 0.002 * ((seed + k) % 3)) for k in range(3))


def _evidence(framework: str, scenario: str, median: float, seed: int) -> Measured:
    return Measured(
        framework, "mlp", scenario, median, _samples(median, seed), process_p50_ms=_processes(median, seed), mode="training" if scenario == "train" else "inference",
        variant="jit" if framework == "jax" else ("compile" if framework != "onnxruntime" else "ort"),
        batch_size=8, threads=1, result_id=f"{framework}{seed}", machine_id="m", machine_label="m", this_machine=True,
    )  # fmt: skip


def _answer(question: Any) -> st.SearchStrategy[Any]:
    if question.multi:
        return st.lists(st.sampled_from(question.values), unique=True)
    return st.sampled_from((*question.values, "dont_know"))


answers_strategy = st.fixed_dictionaries({}, optional={q.key: _answer(q) for q in QUESTIONS})
hardware_strategy = st.one_of(
    st.none(),
    st.builds(
        lambda os_name, gpus, tpu: SystemInfo.from_dict(
            {"os": {"name": os_name}, "gpus": [{"vendor": v} for v in gpus], "tpus": [{"index": 0}] * tpu}
        ),
        st.sampled_from(["Linux", "Windows", "Darwin"]),
        st.lists(st.sampled_from(["NVIDIA", "AMD"]), max_size=2),
        st.integers(0, 1),
    ),
)
evidence_strategy = st.lists(
    st.tuples(
        st.sampled_from(["torch", "tensorflow", "jax", "onnxruntime"]),
        st.sampled_from(["latency", "train"]),
        st.sampled_from([0.2, 0.5, 1.0]),
    ),
    max_size=6,
    unique_by=lambda item: item[:2],
).map(lambda items: [_evidence(fw, sc, ms, i) for i, (fw, sc, ms) in enumerate(items)])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(raw=answers_strategy, hardware=hardware_strategy, evidence=evidence_strategy)
def test_ranking_and_counterfactuals_come_from_the_same_scores(
    raw: dict[str, Any], hardware: SystemInfo | None, evidence: list[Measured]
) -> None:
    answers = check_answers(raw, KB).answers
    hw = hardware_facts(hardware)
    comparisons, _ = compare_evidence(KB, evidence)
    scores = score(KB, answers, hw, comparisons)
    ranking = rank(KB, scores)
    assert [r.id for r in ranking] == scores.ranked_ids() and ranking[0].id == scores.winner
    for ranked in ranking:  # the reasons shown add up to the score ranked by
        assert ranked.score == round(sum(c.delta for c in ranked.contributions), 6)

    rec = recommend(raw, hardware, evidence, TODAY)
    assert rec.winner.id == scores.winner
    for cf in counterfactuals(KB, answers, hw, comparisons).found:
        changed = dict(answers)
        for c in cf.changes:
            if c.after:
                changed[c.question] = c.after
            else:
                changed.pop(c.question, None)
        assert apply_edits(changed, []) == changed  # nothing hidden is left in a suggested answer set
        new = score(KB, changed, hw, comparisons)
        assert (new.leader or "") == cf.winner
        if cf.winner:  # the full recommendation (measured evidence included) agrees
            assert recommend(changed, hardware, evidence, TODAY, counterfactual=False).winner.id == cf.winner


def test_measured_evidence_decides_a_counterfactual_as_it_decides_the_ranking() -> None:
    kb = parse_knowledge(
        '[[candidate]]\nid = "a"\nname = "Alpha"\nprior = 1.0\nprior_reason = "starts ahead"\nmeasured_as = "jax"\n'
        '[[candidate]]\nid = "b"\nname = "Beta"\nprior = 0.4\nprior_reason = "starts behind"\nmeasured_as = "torch"\n'
        '[[rule]]\nid = "b-mobile"\nwhen = { deploy = ["mobile"] }\nscore = { b = 0.3 }\nbecause = "Beta on phones"\n'
        '[[evidence_workload]]\nworkload = "mlp"\nanswers = ["tabular"]\nbecause = "small networks"\n'
    )
    # Beta measured much faster in training: worth 0.5 alone, 1.0 once training speed is a priority.
    evidence = [_evidence("jax", "train", 1.0, 1), _evidence("torch", "train", 0.4, 2)]
    rec = recommend({"deploy": "mobile"}, None, evidence, TODAY, knowledge=kb)
    assert rec.winner.id == "b"  # 0.4 + 0.3 + 0.5 against 1.0
    # One answer away: without mobile (0.9 against 1.0), or with a workload the mlp measurement does not speak
    # to (0.7 against 1.0); the search reports the first it meets for the new leader.
    [cf] = [cf for cf in rec.counterfactuals if not cf.is_tie]
    assert cf.winner == "a" and cf.distance == 1
    assert (cf.changes[0].question, cf.changes[0].after) in (("deploy", ()), ("workload", ("vision",)))
    without = recommend({"deploy": "mobile", "workload": "vision"}, None, evidence, TODAY, knowledge=kb)
    assert without.winner.id == "a" and not any(e.used for e in without.evidence)
    weighted = recommend({"priorities": "training_speed"}, None, evidence, TODAY, knowledge=kb)
    assert weighted.winner.id == "b"  # 0.4 + 1.0 against 1.0: the priority's weight counts in the search too
    untick = recommend({}, None, evidence, TODAY, knowledge=kb)
    assert untick.winner.id == "a"  # 0.4 + 0.5 against 1.0: so unticking the priority is a change of one

"""One scoring function behind both the ranking and the counterfactual search: they can never disagree."""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fwtui.decide.counterfactual import apply_changes, counterfactuals
from fwtui.decide.engine import recommend
from fwtui.decide.evidence import Measured
from fwtui.decide.hardware_facts import hardware_facts
from fwtui.decide.knowledge import load_knowledge, parse_knowledge
from fwtui.decide.questions import QUESTIONS, normalise
from fwtui.decide.scoring import compare_evidence, rank, score
from fwtui.hardware import SystemInfo

TODAY = date(2026, 11, 22)
KB = load_knowledge()


def _samples(median: float, seed: int) -> tuple[float, ...]:
    rng = np.random.default_rng(seed)
    return tuple(float(x) for x in median + rng.uniform(-0.01, 0.01, 30))


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
# Measured medians per framework and scenario: large, significant differences that move scores.
evidence_strategy = st.lists(
    st.tuples(
        st.sampled_from(["torch", "tensorflow", "jax", "onnxruntime"]),
        st.sampled_from(["latency", "train"]),
        st.sampled_from([0.2, 0.5, 1.0]),
    ),
    max_size=6,
    unique_by=lambda item: item[:2],
).map(lambda items: [Measured(fw, "mlp", sc, ms, _samples(ms, i)) for i, (fw, sc, ms) in enumerate(items)])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(answers=answers_strategy, hardware=hardware_strategy, evidence=evidence_strategy)
def test_ranking_and_counterfactuals_come_from_the_same_scores(
    answers: dict[str, Any], hardware: SystemInfo | None, evidence: list[Measured]
) -> None:
    normal = normalise(answers)
    hw = hardware_facts(hardware)
    comparisons = compare_evidence(KB, evidence)
    scores = score(KB, normal, hw, comparisons)
    ranking = rank(KB, scores)
    assert [r.id for r in ranking] == scores.ranked_ids() and ranking[0].id == scores.winner
    for ranked in ranking:  # the reasons shown add up to the score ranked by
        assert ranked.score == round(sum(c.delta for c in ranked.contributions), 6)

    rec = recommend(answers, hardware, evidence, TODAY)
    assert rec.winner.id == scores.winner
    for cf in counterfactuals(KB, normal, hw, comparisons, scores.winner):
        changed = apply_changes(normal, cf.changes)
        assert cf.winner == score(KB, changed, hw, comparisons).winner != scores.winner
        # The full recommendation for the changed answers (measured evidence included) agrees.
        assert recommend(changed, hardware, evidence, TODAY, counterfactual=False).winner.id == cf.winner


def test_measured_evidence_decides_a_counterfactual_as_it_decides_the_ranking() -> None:
    kb = parse_knowledge(
        '[[candidate]]\nid = "a"\nname = "Alpha"\nprior = 1.0\nprior_reason = "starts ahead"\nmeasured_as = "jax"\n'
        '[[candidate]]\nid = "b"\nname = "Beta"\nprior = 0.4\nprior_reason = "starts behind"\nmeasured_as = "torch"\n'
        '[[rule]]\nid = "b-mobile"\nwhen = { deploy = ["mobile"] }\nscore = { b = 0.3 }\nbecause = "Beta on phones"\n'
    )
    # Beta measured much faster in training: worth 0.5 alone, 1.0 once training speed is a priority.
    evidence = [
        Measured("jax", "mlp", "train", 1.0, _samples(1.0, 1)),
        Measured("torch", "mlp", "train", 0.4, _samples(0.4, 2)),
    ]
    rec = recommend({"deploy": "mobile"}, None, evidence, TODAY, knowledge=kb)
    assert rec.winner.id == "b"  # 0.4 + 0.3 + 0.5 against 1.0
    [cf] = rec.counterfactuals
    assert cf.winner == "a" and cf.changes[0].after == ()  # without mobile: 0.4 + 0.5 against 1.0
    assert "(score 1.0 vs Beta 0.9)" in cf.text
    weighted = recommend({"priorities": "training_speed"}, None, evidence, TODAY, knowledge=kb)
    assert weighted.winner.id == "b"  # 0.4 + 1.0 against 1.0: the priority's weight counts in the search too
    [cf] = weighted.counterfactuals
    assert cf.changes[0].question == "priorities" and "training_speed" not in cf.changes[0].after

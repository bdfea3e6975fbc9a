"""Property tests: any combination of answers gives a complete, explained, deterministic ranking."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fwtui.decide.engine import recommend
from fwtui.decide.knowledge import load_knowledge
from fwtui.decide.questions import BY_KEY, QUESTIONS, is_relevant
from fwtui.hardware import SystemInfo

TODAY = date(2026, 12, 2)
CANDIDATES = {c.id for c in load_knowledge().candidates}


def _answer(question: Any) -> st.SearchStrategy[Any]:
    if question.multi:
        return st.lists(st.sampled_from((*question.values, "dont_know")), unique=True)
    return st.sampled_from((*question.values, "dont_know"))


answers_strategy = st.fixed_dictionaries({}, optional={q.key: _answer(q) for q in QUESTIONS})
hardware_strategy = st.one_of(
    st.none(),
    st.fixed_dictionaries(
        {
            "os": st.fixed_dictionaries({"name": st.sampled_from(["Linux", "Windows", "Darwin"])}),
            "cpu": st.fixed_dictionaries({"arch": st.sampled_from(["x86_64", "arm64"])}),
            "gpus": st.lists(
                st.fixed_dictionaries({"vendor": st.sampled_from(["NVIDIA", "AMD"])}), max_size=2
            ),
            "tpus": st.lists(st.just({"index": 0}), max_size=1),
            "apple_mps": st.booleans(),
        }
    ).map(SystemInfo.from_dict),
)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(answers=answers_strategy, hardware=hardware_strategy)
def test_every_combination_ranks_every_candidate_with_reasons(answers: dict[str, Any], hardware: Any) -> None:
    rec = recommend(answers, hardware, [], TODAY, counterfactual=False)
    ranked = [r.id for r in rec.ranking]
    assert sorted(ranked) == sorted(CANDIDATES)
    assert [r.rank for r in rec.ranking] == list(range(1, len(CANDIDATES) + 1))
    for r in rec.ranking:
        assert r.contributions or r.vetoes
        assert r.top_reasons()
        assert r.vetoed == bool(r.vetoes)
    live = [r for r in rec.ranking if not r.vetoed]
    assert live and live == sorted(live, key=lambda r: -r.score)
    assert not rec.winner.vetoed
    # Only answers to questions that are asked are used, and every one dropped is said.
    for key in rec.answers:
        assert is_relevant(BY_KEY[key], rec.answers)
    dropped = {k for k, v in answers.items() if v not in ("dont_know", [], ["dont_know"])} - set(rec.answers)
    flagged = {q for issue in rec.issues for q in issue.questions}
    assert dropped <= flagged
    assert rec.to_dict() == recommend(answers, hardware, [], TODAY, counterfactual=False).to_dict()
    json.dumps(rec.to_dict(), allow_nan=False)


def test_all_dont_know_is_complete() -> None:
    rec = recommend({q.key: "dont_know" for q in QUESTIONS}, None, [], TODAY)
    assert rec.answers == {}
    assert {r.id for r in rec.ranking} == CANDIDATES
    assert rec.winner.id == "pytorch"
    assert rec.counterfactual is not None

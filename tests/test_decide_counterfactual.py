"""The counterfactual is provably minimal and honest: checked against an independent brute-force enumeration,
ties are never a change of winner, and hidden answers are never used or kept."""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from datetime import date
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fwtui.decide.answers import check_answers
from fwtui.decide.counterfactual import MAX_ALTERNATIVES, MAX_CHANGES, answer_changes, counterfactuals
from fwtui.decide.engine import recommend
from fwtui.decide.evidence import Measured
from fwtui.decide.hardware_facts import HardwareFacts, hardware_facts
from fwtui.decide.knowledge import KnowledgeBase, load_knowledge, parse_knowledge
from fwtui.decide.measured import compare_evidence
from fwtui.decide.model import MeasuredComparison
from fwtui.decide.questions import BY_KEY, DONT_KNOW, QUESTIONS
from fwtui.decide.scoring import score
from fwtui.hardware import SystemInfo

TODAY = date(2026, 12, 2)
KB = load_knowledge()
Answers = dict[str, tuple[str, ...]]

# -- an independent brute force: its own edits, pruning and distance; only score() is shared --------------


def _visible(key: str, answers: Mapping[str, tuple[str, ...]]) -> bool:
    question = BY_KEY[key]
    if question.relevant_when is None:
        return True
    parent, allowed = question.relevant_when
    if not _visible(parent, answers):
        return False
    chosen = answers.get(parent, ())
    return DONT_KNOW in allowed if not chosen else bool(set(chosen) & set(allowed))


def _prune(answers: Mapping[str, tuple[str, ...]]) -> Answers:
    return {k: tuple(v) for k, v in answers.items() if v and _visible(k, answers)}


def _distance(a: Mapping[str, tuple[str, ...]], b: Mapping[str, tuple[str, ...]]) -> int:
    total = 0
    for key in {*a, *b}:
        x, y = set(a.get(key, ())), set(b.get(key, ()))
        total += len(x ^ y) if BY_KEY[key].multi else int(x != y)
    return total


def _all_edits() -> list[tuple[str, str, str]]:
    edits: list[tuple[str, str, str]] = []
    for q in QUESTIONS:
        if q.multi:
            edits += [("toggle", q.key, v) for v in q.values]
        else:
            edits += [("set", q.key, v) for v in q.values] + [("clear", q.key, "")]
    return edits


def _apply(answers: Answers, combo: tuple[tuple[str, str, str], ...]) -> Answers:
    out = {k: list(v) for k, v in answers.items()}
    for kind, key, value in combo:
        if kind == "toggle":
            current = out.setdefault(key, [])
            current.remove(value) if value in current else current.append(value)
            out[key] = [v for v in BY_KEY[key].values if v in current]
        elif kind == "set":
            out[key] = [value]
        else:
            out.pop(key, None)
    return _prune({k: tuple(v) for k, v in out.items()})


def brute_force(
    kb: KnowledgeBase,
    answers: Answers,
    hw: HardwareFacts,
    comparisons: tuple[MeasuredComparison, ...],
    radius: int,
) -> dict[int, set[str]]:
    """For every distance up to ``radius``: the candidates that lead alone in some answer set at that distance
    (other than the current leader)."""
    current = score(kb, answers, hw, comparisons).leader
    found: dict[int, set[str]] = {}
    edits = _all_edits()
    for size in range(1, radius + 1):
        for combo in itertools.combinations(edits, size):
            after = _apply(answers, combo)
            d = _distance(answers, after)
            if d == 0 or d > radius:
                continue
            leader = score(kb, after, hw, comparisons).leader
            if leader is not None and leader != current:
                found.setdefault(d, set()).add(leader)
    return found


def _answer(question: Any) -> st.SearchStrategy[Any]:
    if question.multi:
        return st.lists(st.sampled_from(question.values), unique=True, max_size=2)
    return st.sampled_from((*question.values, "dont_know"))


answers_strategy = st.fixed_dictionaries({}, optional={q.key: _answer(q) for q in QUESTIONS})
hardware_strategy = st.sampled_from(
    [
        None,
        SystemInfo.from_dict({"os": {"name": "Linux"}, "gpus": [{"vendor": "NVIDIA"}]}),
        SystemInfo.from_dict({"os": {"name": "Linux"}, "tpus": [{"index": 0}]}),
        SystemInfo.from_dict({"os": {"name": "Windows"}, "gpus": [{"vendor": "NVIDIA"}]}),
        SystemInfo.from_dict({"os": {"name": "Linux"}}),
    ]
)


def _samples(median: float, seed: int) -> tuple[float, ...]:
    return tuple(median * (1 + 0.001 * ((seed * 7 + i * 13) % 17)) for i in range(30))


def _processes(median: float, seed: int) -> tuple[float, ...]:
    """Three processes' medians: the values the significance test compares."""
    return tuple(median * (1 + 0.002 * ((seed + k) % 3)) for k in range(3))


evidence_strategy = st.lists(
    st.tuples(st.sampled_from(["torch", "jax", "onnxruntime"]), st.sampled_from([0.2, 0.5, 1.0])),
    max_size=3,
    unique_by=lambda item: item[0],
).map(
    lambda items: [
        Measured(fw, "transformer", "latency", ms, _samples(ms, i), process_p50_ms=_processes(ms, i), variant="compile" if fw == "torch" else "jit",
                 batch_size=1, threads=1, result_id=f"r{i}", machine_id="m", machine_label="m", this_machine=True)
        for i, (fw, ms) in enumerate(items)
    ]
)  # fmt: skip


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)
@given(raw=answers_strategy, hardware=hardware_strategy, evidence=evidence_strategy)
def test_the_counterfactual_is_minimal_against_brute_force(
    raw: dict[str, Any], hardware: SystemInfo | None, evidence: list[Measured]
) -> None:
    answers = check_answers(raw, KB).answers
    hw = hardware_facts(hardware)
    comparisons, _ = compare_evidence(KB, evidence)
    search = counterfactuals(KB, answers, hw, comparisons)
    changes = [cf for cf in search.found if not cf.is_tie]
    radius = changes[0].distance if changes else MAX_CHANGES
    truth = brute_force(KB, answers, hw, comparisons, radius)
    nearest = min(truth, default=None)
    if not changes:
        assert nearest is None, f"missed a change at distance {nearest}: {truth}"
        assert search.note
        return
    assert nearest == radius, f"reported distance {radius}, brute force found {nearest}"
    current = score(KB, answers, hw, comparisons).leader
    for cf in changes:
        assert cf.distance == radius and cf.winner in truth[radius]
        after = dict(answers)
        for change in cf.changes:
            after[change.question] = change.after
        after = _prune(after)
        assert _distance(answers, after) == cf.distance
        scores = score(KB, after, hw, comparisons)
        assert scores.leader == cf.winner != current  # leads alone: never a tie broken by order
        assert recommend(after, hardware, evidence, TODAY, counterfactual=False).winner.id == cf.winner
    assert len(changes) == min(MAX_ALTERNATIVES, len(truth[radius]))  # one per new leader, as many as exist
    for cf in search.found:
        for change in cf.changes:  # nothing hidden is used: every answer named is to a question shown
            assert not change.before or _visible(change.question, answers)


# -- ties -------------------------------------------------------------------------------------------------

TIE_KB = parse_knowledge(
    '[[candidate]]\nid = "a"\nname = "Alpha"\nprior = 1.0\nprior_reason = "starts ahead"\n'
    '[[candidate]]\nid = "b"\nname = "Beta"\nprior = 0.5\nprior_reason = "starts behind"\n'
    '[[rule]]\nid = "b-mobile"\nwhen = { deploy = ["mobile"] }\nscore = { b = 0.5 }\nbecause = "Beta on phones"\n'
    '[[rule]]\nid = "b-edge"\nwhen = { deploy = ["edge"] }\nscore = { b = 0.3 }\nbecause = "Beta on devices"\n'
    '[[rule]]\nid = "b-server"\nwhen = { scale = ["large"] }\nscore = { b = 0.7 }\nbecause = "Beta at scale"\n'
)


def test_a_change_that_only_ties_is_shown_as_a_tie_never_as_a_new_winner() -> None:
    rec = recommend({}, None, [], TODAY, knowledge=TIE_KB)
    assert rec.winner.id == "a" and not rec.is_tie
    changes = [cf for cf in rec.counterfactuals if not cf.is_tie]
    ties = [cf for cf in rec.counterfactuals if cf.is_tie]
    [change] = changes
    assert change.winner == "b" and change.changes[0].question == "scale" and change.distance == 1
    [tie] = ties
    assert tie.tie == ("a", "b") and tie.changes[0].after == ("mobile",)
    assert "would tie at 1.0: a tie, not a change of winner" in tie.text


def test_two_toggles_of_one_question_are_combined() -> None:
    kb = parse_knowledge(
        '[[candidate]]\nid = "a"\nname = "Alpha"\nprior = 1.0\nprior_reason = "starts ahead"\n'
        '[[candidate]]\nid = "b"\nname = "Beta"\nprior = 0.0\nprior_reason = "starts behind"\n'
        '[[rule]]\nid = "m"\nwhen = { deploy = ["mobile"] }\nscore = { b = 0.6 }\nbecause = "phones"\n'
        '[[rule]]\nid = "e"\nwhen = { deploy = ["edge"] }\nscore = { b = 0.6 }\nbecause = "devices"\n'
    )
    rec = recommend({}, None, [], TODAY, knowledge=kb)
    [cf] = rec.counterfactuals
    assert cf.winner == "b" and cf.distance == 2
    [change] = cf.changes
    assert change.question == "deploy" and change.after == ("mobile", "edge")


def test_a_tied_ranking_is_reported_as_a_tie() -> None:
    kb = parse_knowledge(
        '[[candidate]]\nid = "a"\nname = "Alpha"\nprior = 1.0\nprior_reason = "x"\n'
        '[[candidate]]\nid = "b"\nname = "Beta"\nprior = 1.0\nprior_reason = "y"\n'
        '[[rule]]\nid = "b-mobile"\nwhen = { deploy = ["mobile"] }\nscore = { b = 0.5 }\nbecause = "Beta on phones"\n'
    )
    rec = recommend({}, None, [], TODAY, knowledge=kb)
    assert rec.is_tie and rec.tied == ("a", "b")
    assert rec.to_dict()["tied"] == ["a", "b"]
    [cf] = rec.counterfactuals
    assert cf.winner == "b" and "would lead alone: Beta (score 1.5 vs Alpha 1.0)" in cf.text


def test_close_scores_print_enough_decimals_to_differ() -> None:
    kb = parse_knowledge(
        '[[candidate]]\nid = "a"\nname = "Alpha"\nprior = 1.0\nprior_reason = "x"\n'
        '[[candidate]]\nid = "b"\nname = "Beta"\nprior = 0.97\nprior_reason = "y"\n'
        '[[rule]]\nid = "b-mobile"\nwhen = { deploy = ["mobile"] }\nscore = { b = 0.04 }\nbecause = "phones"\n'
    )
    [cf] = recommend({}, None, [], TODAY, knowledge=kb).counterfactuals
    assert "(score 1.01 vs Alpha 1.00)" in cf.text


# -- hidden answers and the issue's cases -----------------------------------------------------------------


def test_an_unanswered_project_still_lets_the_existing_codebase_change() -> None:
    rec = recommend({"existing_framework": "jax", "experience": "jax"}, None, [], TODAY)
    assert rec.winner.id == "jax"
    cf = rec.counterfactual
    assert cf is not None and cf.distance == 1
    assert any(c.question == "existing_framework" for c in cf.changes)


def test_a_hidden_answer_is_neither_used_nor_kept_in_the_report() -> None:
    rec = recommend({"project": "new", "existing_framework": "tensorflow"}, None, [], TODAY)
    assert "existing_framework" not in rec.answers
    assert all(c.rule_id != "keep-tensorflow" for r in rec.ranking for c in r.contributions)
    [issue] = [i for i in rec.issues if "existing_framework" in i.questions]
    assert issue.kind == "contradiction" and "ignored" in issue.text
    for cf in rec.counterfactuals:
        assert all(c.before == () for c in cf.changes if c.question == "existing_framework")


def test_changing_the_project_counts_the_answer_it_hides() -> None:
    answers = {"project": "existing", "existing_framework": "jax", "experience": "jax", "scale": "large"}
    search = counterfactuals(KB, check_answers(answers, KB).answers, {}, ())
    for cf in search.found:
        implied = [c for c in cf.changes if c.implied]
        if implied:
            assert cf.distance == len(cf.changes) and "no longer applied" in cf.text


def test_hardware_defaults_are_named_in_a_change() -> None:
    tpu = hardware_facts(SystemInfo.from_dict({"os": {"name": "Linux"}, "tpus": [{"index": 0}]}))
    [change] = answer_changes({}, {"train_hardware": ("nvidia",)}, tpu)
    assert change.describe() == (
        "the training hardware were 'NVIDIA GPUs' instead of unanswered (this machine's: Google Cloud TPUs)"
    )
    rec = recommend({}, SystemInfo.from_dict({"os": {"name": "Linux"}, "tpus": [{"index": 0}]}), [], TODAY)
    assert rec.winner.id == "jax" and rec.defaults == {"train_hardware": "tpu", "serve_hardware": "tpu"}
    jax = rec.winner
    [tpu_reason] = [c for c in jax.contributions if c.rule_id == "train-tpu"]
    assert tpu_reason.source == "hardware" and tpu_reason.question == "train_hardware=tpu (this machine)"

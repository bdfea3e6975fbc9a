"""The Decide engine over the seeds' decision paths, hardware facts, vetoes, counterfactuals and stale facts."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

import pytest

from fwtui.decide.engine import recommend
from fwtui.decide.hardware_facts import hardware_facts
from fwtui.decide.knowledge import load_knowledge, parse_knowledge
from fwtui.decide.questions import normalise
from fwtui.errors import FwtuiError, UsageError
from fwtui.hardware import SystemInfo

TODAY = date(2026, 11, 22)


def _probe(**overrides: Any) -> SystemInfo:
    """A system probe of a plain Linux x86-64 box without accelerators, with parts written as JSON replaced."""
    probe: dict[str, Any] = {
        "os": {"name": "Linux", "release": "6.8", "kernel": "6.8.0", "arch": "x86_64"},
        "cpu": {"brand": "Test CPU", "arch": "x86_64", "flags": ["avx2"]},
        "gpus": [],
        "tpus": [],
        "apple_mps": False,
    }
    probe.update(overrides)
    return SystemInfo.from_dict(probe)


NVIDIA = [{"index": 0, "vendor": "NVIDIA", "name": "NVIDIA H100 80GB HBM3"}]

# (answers, hardware, acceptable winners, a word the winner's reasons or deployment path must mention)
SEED_PATHS: list[tuple[str, dict[str, Any], SystemInfo | None, set[str], str]] = [
    ("default", {}, None, {"pytorch"}, "ecosystem"),
    ("new project", {"project": "new"}, None, {"pytorch"}, "ecosystem"),
    ("mobile", {"deploy": "mobile"}, None, {"tensorflow", "pytorch"}, "LiteRT"),
    ("mobile, PyTorch team", {"deploy": "mobile", "experience": "pytorch"}, None, {"pytorch"}, "ExecuTorch"),
    ("edge", {"deploy": "edge"}, None, {"tensorflow"}, "LiteRT"),
    ("browser", {"deploy": "browser"}, None, {"onnxruntime"}, "ONNX Runtime Web"),
    ("TPU answer", {"tpu": "yes"}, None, {"jax"}, "TPU"),
    ("TPU hardware", {}, _probe(tpus=[{"index": 0, "name": "v5e"}]), {"jax"}, "TPU"),
    ("tabular", {"workload": "tabular"}, None, {"sklearn"}, "tabular"),
    ("existing MXNet", {"project": "existing", "existing_framework": "mxnet"}, None, {"pytorch"}, "MXNet"),
    ("Caffe2", {"project": "existing", "existing_framework": "caffe2"}, None, {"pytorch"}, "Caffe2"),
    (
        "research beginner",
        {"deploy": "research", "experience": "beginner"},
        None,
        {"pytorch", "keras"},
        "Research",
    ),
    ("100+ accelerators, JAX team", {"scale": "large", "experience": "jax"}, None, {"jax"}, "JAX"),
    ("Hugging Face heavy", {"pretrained": "heavy"}, None, {"pytorch"}, "Transformers"),
    (
        "existing TensorFlow",
        {"project": "existing", "existing_framework": "tensorflow"},
        None,
        {"tensorflow"},
        "rewrite",
    ),
    ("NLP", {"workload": "nlp", "pretrained": "some"}, None, {"pytorch"}, "PyTorch"),
]


@pytest.mark.parametrize(
    ("answers", "hardware", "winners", "mention"), [p[1:] for p in SEED_PATHS], ids=[p[0] for p in SEED_PATHS]
)
def test_seed_decision_paths(
    answers: dict[str, Any], hardware: SystemInfo | None, winners: set[str], mention: str
) -> None:
    rec = recommend(answers, hardware, [], TODAY)
    assert rec.winner.id in winners, [(r.id, r.score) for r in rec.ranking]
    explained = " ".join(c.text for c in rec.winner.contributions) + " ".join(n.text for n in rec.deployment)
    assert mention.lower() in explained.lower()


def test_mobile_names_todays_deployment_paths() -> None:
    rec = recommend({"deploy": "mobile"}, None, [], TODAY)
    notes = " ".join(n.text for n in rec.deployment_notes)
    assert "LiteRT" in notes and "ai-edge-litert" in notes
    assert "ExecuTorch" in notes and "torch.export" in notes
    assert "TensorFlow Lite is" not in notes.replace("successor of TensorFlow Lite", "")
    pytorch = next(r for r in rec.ranking if r.id == "pytorch")
    assert any("ExecuTorch" in c.text for c in pytorch.contributions)


def test_server_deployment_warns_about_torchserve_and_triton_tensorflow() -> None:
    rec = recommend({"deploy": "server", "experience": "pytorch"}, None, [], TODAY)
    text = " ".join(n.text for n in rec.deployment)
    assert "not TorchServe" in text and "deprecated in 25.03" in text
    assert {f.fact.id for f in rec.facts} >= {
        "torchserve-limited-maintenance",
        "triton-tf-backend-deprecated",
    }


def test_retired_frameworks_are_always_vetoed_and_last() -> None:
    rec = recommend({"project": "existing", "existing_framework": "mxnet"}, None, [], TODAY)
    vetoed = [r for r in rec.ranking if r.vetoed]
    assert {r.id for r in vetoed} >= {"mxnet", "caffe2"}
    assert rec.ranking[-len(vetoed) :] == tuple(vetoed)
    mxnet = next(r for r in rec.ranking if r.id == "mxnet")
    assert "retired" in mxnet.vetoes[0].text
    assert any("Migrate the MXNet code to PyTorch" in n.text for n in rec.deployment)


def test_deep_learning_workload_vetoes_scikit_learn() -> None:
    rec = recommend({"workload": "vision"}, None, [], TODAY)
    sklearn = next(r for r in rec.ranking if r.id == "sklearn")
    assert sklearn.vetoed and "deep learning" in sklearn.vetoes[0].text


def test_keras_backend_follows_the_answers() -> None:
    on_tpu = recommend({"tpu": "yes", "experience": "beginner"}, None, [], TODAY)
    assert on_tpu.winner.id == "keras" and on_tpu.winner.label == "Keras 3 on JAX"
    on_mobile = recommend({"deploy": "mobile", "experience": "beginner"}, None, [], TODAY)
    keras = next(r for r in on_mobile.ranking if r.id == "keras")
    assert keras.label == "Keras 3 on TensorFlow"


def test_onnx_runtime_is_named_as_a_deployment_target() -> None:
    rec = recommend({"deploy": "browser"}, None, [], TODAY)
    assert rec.winner.label == "Train in PyTorch, deploy with ONNX Runtime"


def test_research_only_never_recommends_an_inference_engine() -> None:
    rec = recommend({"deploy": "research"}, None, [], TODAY)
    ort = next(r for r in rec.ranking if r.id == "onnxruntime")
    assert ort.score < 0
    assert rec.winner.id == "pytorch"


@pytest.mark.parametrize(
    ("probe", "expected"),
    [
        (
            _probe(os={"name": "Windows", "arch": "AMD64"}, gpus=NVIDIA),
            {"windows": True, "gpu_vendor": ["nvidia"]},
        ),
        (
            _probe(os={"name": "Darwin", "arch": "arm64"}, cpu={"arch": "arm64"}, apple_mps=True),
            {"apple_silicon": True},
        ),
        (_probe(tpus=[{"index": 0}]), {"tpu": True, "accelerator": True}),
        (_probe(), {"accelerator": False, "gpu_vendor": []}),
        (_probe(gpus=[{"vendor": "AMD", "name": "Instinct MI300X"}]), {"gpu_vendor": ["amd"]}),
    ],
)
def test_hardware_facts_from_the_probe(probe: SystemInfo, expected: dict[str, Any]) -> None:
    facts = hardware_facts(probe)
    assert {k: facts[k] for k in expected} == expected


def test_a_mac_as_the_system_probe_describes_it_is_apple_silicon(monkeypatch: pytest.MonkeyPatch) -> None:
    import platform

    from fwtui.hardware.system import probe_os

    darwin = platform.uname_result("Darwin", "mac", "24.1.0", "Darwin Kernel Version 24.1.0", "arm64")
    monkeypatch.setattr(platform, "uname", lambda: darwin)
    monkeypatch.setattr(platform, "mac_ver", lambda: ("15.1", ("", "", ""), "arm64"))
    mac = replace(_probe(cpu={"arch": "arm64"}, apple_mps=True), os=probe_os())
    assert hardware_facts(mac)["apple_silicon"] is True
    rec = recommend({}, mac, [], TODAY)
    assert any(c.rule_id == "hw-apple-silicon" for c in rec.winner.contributions)


def test_native_windows_gpu_penalises_tensorflow_and_jax() -> None:
    answers = {"experience": "jax"}
    linux = recommend(answers, _probe(gpus=NVIDIA), [], TODAY)
    windows = recommend(answers, _probe(os={"name": "Windows", "arch": "AMD64"}, gpus=NVIDIA), [], TODAY)
    jax_linux = next(r for r in linux.ranking if r.id == "jax")
    jax_windows = next(r for r in windows.ranking if r.id == "jax")
    assert jax_windows.score < jax_linux.score
    hw_reasons = [c for c in jax_windows.contributions if c.source == "hardware"]
    assert any(
        "native Windows" in c.text and c.delta < 0 and "windows=true" in (c.fact or "") for c in hw_reasons
    )


def test_unknown_hardware_fires_no_hardware_rule() -> None:
    rec = recommend({}, None, [], TODAY)
    assert all(c.source != "hardware" for r in rec.ranking for c in r.contributions)
    assert rec.hardware == {}


def test_counterfactual_names_the_smallest_change() -> None:
    rec = recommend({}, None, [], TODAY)
    cf = rec.counterfactual
    assert cf is not None and len(cf.changes) == 1
    assert cf.winner != rec.winner.id
    mobile = next(c for c in rec.counterfactuals if c.changes[0].after == ("mobile",))
    assert mobile.winner == "tensorflow"
    assert "If deployment were 'Mobile apps' instead of 'don't know'" in mobile.text
    assert "TensorFlow" in mobile.text and "LiteRT" in mobile.text


def test_counterfactual_changes_really_change_the_winner() -> None:
    answers = {"scale": "large", "experience": "jax", "tpu": "yes"}
    rec = recommend(answers, None, [], TODAY)
    assert rec.counterfactuals
    for cf in rec.counterfactuals:
        changed = dict(normalise(answers))
        for change in cf.changes:
            if change.after:
                changed[change.question] = change.after
            else:
                changed.pop(change.question, None)
        assert recommend(changed, None, [], TODAY, counterfactual=False).winner.id == cf.winner


def test_counterfactual_falls_back_to_pairs() -> None:
    # A strongly determined answer set: no single change moves the winner away from JAX.
    answers = {
        "tpu": "yes",
        "experience": "jax",
        "scale": "large",
        "existing_framework": "jax",
        "project": "existing",
    }
    rec = recommend(answers, None, [], TODAY)
    assert rec.winner.id == "jax"
    assert rec.counterfactual is not None
    assert len(rec.counterfactual.changes) == 2
    assert " and " in rec.counterfactual.text


def test_stale_facts_are_flagged_against_the_given_date() -> None:
    fresh = recommend({"deploy": "server"}, None, [], date(2026, 1, 1))
    assert fresh.facts and not fresh.stale_facts
    later = recommend({"deploy": "server"}, None, [], date(2031, 1, 1))
    assert later.stale_facts and len(later.stale_facts) == len(later.facts)
    torchserve = next(f for f in later.facts if f.fact.id == "torchserve-limited-maintenance")
    assert torchserve.stale and torchserve.fact.review_by < date(2031, 1, 1)


def test_every_fact_is_dated_sourced_and_reviewed_within_a_year() -> None:
    kb = load_knowledge()
    assert len(kb.facts) >= 14
    for fact in kb.facts.values():
        assert fact.source and fact.text
        months = (fact.review_by.year - fact.as_of.year) * 12 + fact.review_by.month - fact.as_of.month
        assert 6 <= months <= 12, fact.id


def test_to_dict_is_complete_json() -> None:
    import json

    rec = recommend({"deploy": "mobile,server"}, _probe(), [], TODAY)
    data = json.loads(json.dumps(rec.to_dict()))
    assert data["winner"]["id"] == rec.winner.id
    assert len(data["ranking"]) == len(load_knowledge().candidates)
    assert data["answers"] == {"deploy": ["mobile", "server"]}
    assert all("as_of" in f and "stale" in f for f in data["facts"])
    assert data["counterfactual"]["text"]


def test_bad_answers_raise_usage_errors_naming_the_valid_ones() -> None:
    with pytest.raises(UsageError, match="valid keys: project, existing_framework"):
        normalise({"colour": "red"})
    with pytest.raises(UsageError, match="valid values: mobile, edge, browser"):
        normalise({"deploy": "moon"})
    with pytest.raises(UsageError, match="takes one value"):
        normalise({"tpu": "yes,no"})
    assert normalise({"deploy": "server,mobile", "tpu": "dont_know", "scale": ""}) == {
        "deploy": ("mobile", "server")
    }


@pytest.mark.parametrize(
    ("snippet", "error"),
    [
        (
            '[[rule]]\nid = "r"\nbecause = "b"\nwhen = { colour = ["red"] }\nscore = { pytorch = 1 }',
            "unknown question",
        ),
        ('[[rule]]\nid = "r"\nbecause = "b"\nscore = { theano = 1 }', "unknown candidate"),
        ('[[rule]]\nid = "r"\nbecause = "b"\nscore = { pytorch = 1 }\ncites = ["nope"]', "unknown fact"),
        ('[[rule]]\nid = "r"\nbecause = "b"', "no effect"),
        (
            '[[rule]]\nid = "r"\nbecause = "b"\nwhen_hw = { quantum = true }\nscore = { pytorch = 1 }',
            "hardware fact",
        ),
    ],
)
def test_knowledge_base_errors_name_the_entry(snippet: str, error: str) -> None:
    base = '[[candidate]]\nid = "pytorch"\nname = "PyTorch"\nprior_reason = "x"\n'
    with pytest.raises(FwtuiError, match=error):
        parse_knowledge(base + snippet)


def test_engine_is_data_driven() -> None:
    kb = parse_knowledge(
        '[[candidate]]\nid = "a"\nname = "Alpha"\nprior = 1.0\nprior_reason = "starts ahead"\n'
        '[[candidate]]\nid = "b"\nname = "Beta"\nprior_reason = "starts behind"\n'
        '[[rule]]\nid = "b-for-mobile"\nwhen = { deploy = ["mobile"] }\nscore = { b = 2 }\nbecause = "Beta on phones"\n'
    )
    assert recommend({}, None, [], TODAY, knowledge=kb).winner.id == "a"
    assert recommend({"deploy": "mobile"}, None, [], TODAY, knowledge=kb).winner.id == "b"

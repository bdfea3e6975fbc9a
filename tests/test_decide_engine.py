"""The Decide engine over every decision path of the seed surveys (shared/seeds), the questions of 2026,
overlapping answers, vetoes and the knowledge base's own checks."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

import pytest

from fwtui.decide.engine import recommend
from fwtui.decide.hardware_facts import hardware_facts
from fwtui.decide.knowledge import load_knowledge, parse_knowledge
from fwtui.decide.model import Recommendation
from fwtui.decide.questions import QUESTIONS, normalise
from fwtui.errors import FwtuiError, UsageError
from fwtui.hardware import SystemInfo

TODAY = date(2026, 12, 2)


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
MAC = _probe(os={"name": "Darwin", "arch": "arm64"}, cpu={"arch": "arm64"}, apple_mps=True)


def explained(rec: Recommendation) -> str:
    return " ".join(
        [c.text for c in rec.winner.contributions]
        + [n.text for n in rec.deployment]
        + [a.now for a in rec.stale_advice]
    )


# Every decision path of the four seed documents: (seed, its claim, answers, hardware, acceptable winners today,
# the stale advice the explanation must show (None: the claim still holds), a word the explanation mentions).
SEED_PATHS: list[tuple[str, str, dict[str, Any], SystemInfo | None, set[str], str | None, str]] = [
    ("000", "JAX for new projects needing maximum performance", {"project": "new", "priorities": "training_speed"},
     None, {"pytorch"}, "jax-2-10x-faster", "Measure"),
    ("000", "ONNX (Runtime) trains near-instantly", {"priorities": "training_speed"}, None, {"pytorch"},
     "onnx-training-times", "does not train"),
    ("000", "PyTorch for development, ONNX for deployment", {"priorities": "inference_latency", "deploy": "server"},
     None, {"onnxruntime"}, None, "ONNX Runtime"),
    ("000", "TensorFlow for enterprise support", {"priorities": "production_tooling"}, None, {"pytorch"},
     "tensorflow-for-production", "lag"),
    ("001", "PyTorch is the research standard (75% of papers)", {"deploy": "research"}, None, {"pytorch"},
     "pytorch-share-of-papers", "Papers with Code"),
    ("001", "Mobile apps: TensorFlow (TF Lite)", {"deploy": "mobile"}, None, {"pytorch", "tensorflow"},
     "mobile-means-tensorflow", "ExecuTorch"),
    ("001", "Edge/embedded: TensorFlow (TF Lite Micro)", {"deploy": "edge"}, None, {"tensorflow"},
     "edge-requires-tensorflow", "Cortex-M"),
    ("001", "100+ GPUs: JAX with a functional-programming team", {"scale": "large", "experience": "jax"}, None,
     {"jax"}, "jax-2-10x-faster", "JAX"),
    ("001", "Cloud-first deployment: PyTorch with TorchServe", {"deploy": "server"}, None, {"pytorch"},
     "torchserve-torchscript", "archived"),
    ("001", "Google Cloud / TPU: TensorFlow or JAX", {"train_hardware": "tpu"}, None, {"jax", "tensorflow"},
     "tpu-means-tensorflow-or-jax", "TorchTPU"),
    ("001", "TPU attached to this machine", {}, _probe(tpus=[{"index": 0, "name": "v5e"}]), {"jax"},
     "tpu-means-tensorflow-or-jax", "TPU"),
    ("001", "MXNet: migrate", {"project": "existing", "existing_framework": "mxnet"}, None, {"pytorch"}, None,
     "MXNet"),
    ("001", "New project: PyTorch", {"project": "new"}, None, {"pytorch"}, None, "Transformers"),
    ("001", "Existing codebase: keep it", {"project": "existing", "existing_framework": "tensorflow"}, None,
     {"tensorflow"}, None, "rewrite"),
    ("002", "Research and prototyping: PyTorch, JAX as alternative",
     {"deploy": "research", "priorities": "research_velocity"}, None, {"pytorch"}, "pytorch-share-of-papers",
     "Research"),
    ("002", "Production MLOps: TensorFlow (TFX, TF Serving)", {"deploy": "server", "priorities": "production_tooling"},
     None, {"onnxruntime", "pytorch"}, "tensorflow-for-production", "Triton"),
    ("002", "Vision: PyTorch or TensorFlow", {"workload": "vision"}, None, {"pytorch", "tensorflow"}, None,
     "Vision"),
    ("002", "NLP: PyTorch or TensorFlow through Hugging Face", {"workload": "nlp", "pretrained": "heavy"}, None,
     {"pytorch"}, "transformers-either-framework", "PyTorch-only"),
    ("002", "Edge and mobile: TF Lite or PyTorch Mobile", {"deploy": "mobile,edge"}, None,
     {"tensorflow", "pytorch"}, "mobile-means-tensorflow", "LiteRT"),
    ("002", "Beginners: Keras", {"experience": "beginner"}, None, {"keras"}, "keras-tensorflow-and-jax",
     "Keras 3"),
    ("003", "Web browser: TensorFlow.js", {"deploy": "browser"}, None, {"onnxruntime"}, "browser-means-tfjs",
     "ONNX Runtime Web"),
    ("003", "Functional programming: JAX", {"experience": "jax"}, None, {"jax"}, None, "JAX"),
    ("003", "Traditional ML: scikit-learn", {"workload": "tabular"}, None, {"sklearn"}, None, "tabular"),
    ("003", "CPU-optimised: scikit-learn", {"workload": "tabular", "train_hardware": "cpu"}, None, {"sklearn"},
     None, "scikit-learn"),
    ("003", "Distributed training: TensorFlow or PyTorch", {"scale": "multi_gpu"}, None, {"pytorch"}, None,
     "FSDP2"),
    ("003", "PyTorch production: TorchServe and TorchScript", {"deploy": "server", "experience": "pytorch"}, None,
     {"pytorch"}, "torchserve-torchscript", "torch.export"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("answers", "hardware", "winners", "stale", "mention"),
    [p[2:] for p in SEED_PATHS],
    ids=[f"{p[0]}: {p[1]}" for p in SEED_PATHS],
)
def test_seed_decision_paths(
    answers: dict[str, Any], hardware: SystemInfo | None, winners: set[str], stale: str | None, mention: str
) -> None:
    rec = recommend(answers, hardware, [], TODAY)
    assert rec.winner.id in winners, [(r.id, r.score) for r in rec.ranking]
    assert not rec.is_tie, rec.tied
    shown = {a.id for a in rec.stale_advice}
    if stale is not None:
        assert stale in shown  # where the seed's claim no longer holds, the explanation says so
    assert mention.lower() in explained(rec).lower()


# The questions of 2026: (answers, hardware, what must follow).
NEW_QUESTIONS: list[tuple[str, dict[str, Any], SystemInfo | None, str, str]] = [
    ("pretraining", {"workload": "nlp", "llm_stage": "pretrain"}, None, "contribution", "llm-pretrain:jax"),
    ("LoRA fine-tuning", {"workload": "nlp", "llm_stage": "finetune_lora"}, None, "winner", "pytorch"),
    ("serving", {"workload": "nlp", "llm_stage": "serve"}, None, "deployment", "vLLM, SGLang or TensorRT-LLM"),
    ("vLLM", {"workload": "nlp", "llm_stage": "serve", "llm_engine": "vllm"}, None, "contribution",
     "engine-vllm:pytorch"),
    ("SGLang", {"workload": "nlp", "llm_stage": "serve", "llm_engine": "sglang"}, None, "deployment", "SGLang-JAX"),
    ("TensorRT-LLM", {"workload": "nlp", "llm_stage": "serve", "llm_engine": "tensorrt_llm"}, None, "deployment",
     "NVIDIA GPUs only"),
    ("llama.cpp", {"workload": "nlp", "llm_stage": "serve", "llm_engine": "llama_cpp"}, None, "deployment", "GGUF"),
    ("ONNX Runtime GenAI", {"workload": "nlp", "llm_stage": "serve", "llm_engine": "ort_genai"}, None,
     "contribution", "engine-ort-genai:onnxruntime"),
    ("model size", {"workload": "nlp", "model_size": "frontier"}, None, "deployment", "sharded"),
    ("LLMs on CPUs", {"workload": "nlp", "llm_stage": "serve", "serve_hardware": "cpu"}, None, "deployment",
     "llama.cpp"),
    ("LLMs on TPUs", {"workload": "nlp", "llm_stage": "serve", "serve_hardware": "tpu"}, None, "deployment",
     "vllm-torchtpu"),
    ("Trainium", {"train_hardware": "trainium"}, None, "veto", "tensorflow"),
    ("Inferentia", {"deploy": "server", "serve_hardware": "trainium"}, None, "veto", "tensorflow"),
    ("AMD", {"train_hardware": "amd"}, None, "contribution", "train-amd:pytorch"),
    ("AMD serving", {"deploy": "server", "serve_hardware": "amd"}, None, "deployment", "MIGraphX"),
    ("Apple", {"train_hardware": "apple"}, None, "contribution", "train-apple:mlx"),
    ("Apple machine", {}, MAC, "stale", "jax-on-apple-gpus"),
    ("Apple serving", {"deploy": "server", "serve_hardware": "apple"}, None, "deployment", "Core ML"),
    ("NVIDIA serving", {"deploy": "server", "serve_hardware": "nvidia"}, None, "deployment", "Triton"),
    ("CPU serving", {"serve_hardware": "cpu"}, None, "contribution", "serve-cpu:onnxruntime"),
    ("TPU training", {"train_hardware": "tpu"}, None, "deployment-any", "TorchTPU"),
    ("tabular on NVIDIA", {"workload": "tabular", "train_hardware": "nvidia"}, None, "winner", "gbdt"),
    ("tabular at scale", {"workload": "tabular", "scale": "multi_gpu"}, None, "winner", "gbdt"),
    ("tabular, deep learning vetoed", {"workload": "vision"}, None, "veto", "gbdt"),
    ("iOS", {"deploy": "mobile", "experience": "pytorch"}, None, "deployment", "Core ML"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("answers", "hardware", "kind", "expected"),
    [q[1:] for q in NEW_QUESTIONS],
    ids=[q[0] for q in NEW_QUESTIONS],
)
def test_the_questions_of_2026(
    answers: dict[str, Any], hardware: SystemInfo | None, kind: str, expected: str
) -> None:
    rec = recommend(answers, hardware, [], TODAY)
    assert not [i for i in rec.issues if i.kind != "contradiction"], rec.issues
    if kind == "winner":
        assert rec.winner.id == expected, [(r.id, r.score) for r in rec.ranking]
    elif kind == "contribution":
        rule_id, candidate = expected.split(":")
        ranked = next(r for r in rec.ranking if r.id == candidate)
        assert any(c.rule_id == rule_id and c.delta > 0 for c in ranked.contributions)
    elif kind == "deployment":
        assert expected in " ".join(n.text for n in rec.deployment)
    elif kind == "deployment-any":
        assert expected in " ".join(n.text for n in rec.deployment_notes)
    elif kind == "veto":
        assert next(r for r in rec.ranking if r.id == expected).vetoed
    elif kind == "stale":
        assert expected in {a.id for a in rec.stale_advice}
    else:
        raise AssertionError(kind)


def test_every_question_value_is_accepted_and_asked_where_relevant() -> None:
    for question in QUESTIONS:
        for value in question.values:
            assert normalise({question.key: value}) == {question.key: (value,)}


# -- overlapping answers, contradictions ---------------------------------------------------------------------


def test_mobile_and_edge_together_count_the_on_device_reason_once() -> None:
    rec = recommend({"deploy": "mobile,edge"}, None, [], TODAY)
    tf = next(r for r in rec.ranking if r.id == "tensorflow")
    answer_points = sum(c.delta for c in tf.contributions if c.source == "answer")
    assert answer_points == pytest.approx(1.8)  # the larger of mobile (1.0) and edge (1.8), not 4.5
    [counted_once] = [c for c in tf.contributions if c.rule_id == "mobile-on-device"]
    assert counted_once.delta == 0 and "same reason as rule edge-on-device" in counted_once.text


def test_a_tpu_answer_and_a_tpu_machine_count_once() -> None:
    tpu_machine = _probe(tpus=[{"index": 0}])
    answered = recommend({"train_hardware": "tpu"}, tpu_machine, [], TODAY)
    jax = next(r for r in answered.ranking if r.id == "jax")
    tpu_points = [c for c in jax.contributions if c.rule_id in ("train-tpu", "serve-tpu") and c.delta]
    assert [c.rule_id for c in tpu_points] == ["train-tpu"] and tpu_points[0].source == "answer"


def test_hugging_face_answers_count_once() -> None:
    rec = recommend({"workload": "nlp", "pretrained": "heavy", "llm_stage": "finetune_lora"}, None, [], TODAY)
    pytorch = rec.winner
    hf = [
        c for c in pytorch.contributions if c.rule_id in ("workload-nlp", "pretrained-heavy", "llm-finetune")
    ]
    assert sum(c.delta for c in hf) == pytest.approx(2.0) and len(hf) == 3


@pytest.mark.parametrize(
    ("answers", "questions"),
    [
        ({"workload": "tabular", "scale": "large"}, ("workload", "scale")),
        ({"project": "new", "existing_framework": "pytorch"}, ("project", "existing_framework")),
        ({"deploy": "dont_know,mobile"}, ("deploy",)),
        ({"deploy": "research,mobile"}, ("deploy",)),
        (
            {
                "workload": "nlp",
                "llm_stage": "serve",
                "llm_engine": "tensorrt_llm",
                "deploy": "server",
                "serve_hardware": "amd",
            },
            ("llm_engine", "serve_hardware"),
        ),
        (
            {"workload": "nlp", "llm_stage": "finetune_full", "pretrained": "none"},
            ("llm_stage", "pretrained"),
        ),
    ],
    ids=[
        "tabular at scale",
        "new project with a codebase",
        "don't know and values",
        "research and targets",
        "TensorRT-LLM off NVIDIA",
        "fine-tuning without pretrained",
    ],
)
def test_contradictory_answers_are_flagged(answers: dict[str, Any], questions: tuple[str, ...]) -> None:
    rec = recommend(answers, None, [], TODAY)
    flagged = [i for i in rec.issues if i.kind in ("contradiction", "dont_know_mixed")]
    assert any(set(questions) <= set(i.questions) for i in flagged), rec.issues
    assert rec.to_dict()["answer_issues"]


def test_retired_frameworks_are_always_vetoed_and_last() -> None:
    rec = recommend({"project": "existing", "existing_framework": "mxnet"}, None, [], TODAY)
    vetoed = [r for r in rec.ranking if r.vetoed]
    assert {r.id for r in vetoed} >= {"mxnet", "caffe2"}
    assert rec.ranking[-len(vetoed) :] == tuple(vetoed)
    assert any("Migrate the MXNet code to PyTorch" in n.text for n in rec.deployment)


def test_keras_names_its_best_backend() -> None:
    rec = recommend(
        {"experience": "beginner", "train_hardware": "tpu", "pretrained": "none"}, None, [], TODAY
    )
    keras = next(r for r in rec.ranking if r.id == "keras")
    assert keras.label.startswith("Keras 3 on ") and keras.base in ("jax", "tensorflow", "pytorch")


def test_onnx_runtime_is_named_as_a_deployment_target() -> None:
    assert (
        recommend({"deploy": "browser"}, None, [], TODAY).winner.label
        == "Train in PyTorch, deploy with ONNX Runtime"
    )


# -- hardware -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("probe", "expected"),
    [
        (
            _probe(os={"name": "Windows", "arch": "AMD64"}, gpus=NVIDIA),
            {"windows": True, "gpu_vendor": ["nvidia"]},
        ),
        (MAC, {"apple_silicon": True}),
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
    rec = recommend({}, mac, [], TODAY)
    assert rec.defaults["train_hardware"] == "apple"
    assert any(c.rule_id == "train-apple" and c.source == "hardware" for c in rec.winner.contributions)


def test_training_on_this_windows_gpu_penalises_tensorflow_and_jax() -> None:
    answers = {"experience": "jax"}
    linux = recommend(answers, _probe(gpus=NVIDIA), [], TODAY)
    windows = recommend(answers, _probe(os={"name": "Windows", "arch": "AMD64"}, gpus=NVIDIA), [], TODAY)
    jax_linux = next(r for r in linux.ranking if r.id == "jax")
    jax_windows = next(r for r in windows.ranking if r.id == "jax")
    assert jax_windows.score < jax_linux.score
    assert any("native Windows" in c.text and c.delta < 0 for c in jax_windows.contributions)
    elsewhere = recommend(
        {**answers, "train_hardware": "tpu"}, _probe(os={"name": "Windows"}, gpus=NVIDIA), [], TODAY
    )
    jax_tpu = next(r for r in elsewhere.ranking if r.id == "jax")
    assert all(
        "native Windows" not in c.text for c in jax_tpu.contributions
    )  # training elsewhere: no penalty


def test_unknown_hardware_fires_no_hardware_rule_and_fills_no_default() -> None:
    rec = recommend({}, None, [], TODAY)
    assert all(c.source != "hardware" for r in rec.ranking for c in r.contributions)
    assert rec.hardware == {} and rec.defaults == {}


# -- facts and the knowledge base ------------------------------------------------------------------------


def test_no_fact_is_stale_today_and_review_dates_are_spread() -> None:
    kb = load_knowledge()
    facts = list(kb.facts.values())
    assert len(facts) >= 40
    assert not [f.id for f in facts if f.is_stale(TODAY)]
    dates = [f.review_by for f in facts]
    assert len(set(dates)) >= 10 and max(dates.count(d) for d in set(dates)) <= len(facts) // 4
    for fact in facts:
        assert fact.source and fact.text and fact.as_of <= TODAY
        assert (fact.review_by - TODAY).days <= 19 * 31, fact.id  # nothing set and forgotten
        assert fact.status == "verified" or fact.caveat, fact.id


def test_stale_facts_are_flagged_against_the_given_date() -> None:
    later = recommend({"deploy": "server"}, None, [], date(2029, 1, 1))
    assert later.stale_facts and len(later.stale_facts) == len(later.facts)
    assert not recommend({"deploy": "server"}, None, [], TODAY).stale_facts


def test_nothing_scores_on_an_unverified_fact() -> None:
    kb = load_knowledge()
    unverified = {f.id for f in kb.facts.values() if f.status == "not_verified"}
    assert unverified == {"pytorch-research-share"}
    assert not unverified & {c for r in kb.rules for c in r.cites}
    assert not unverified & {c for cand in kb.candidates for c in cand.prior_cites}
    with pytest.raises(FwtuiError, match="rests on unverified fact"):
        parse_knowledge(
            '[[fact]]\nid = "f"\ntext = "t"\nas_of = 2026-01-01\nsource = "s"\nreview_by = 2027-01-01\n'
            'status = "not_verified"\ncaveat = "c"\n[[candidate]]\nid = "a"\nname = "A"\nprior_reason = "x"\n'
            '[[rule]]\nid = "r"\nbecause = "b"\nscore = { a = 1 }\ncites = ["f"]\n'
        )


def test_partly_verified_facts_say_so_where_they_are_shown() -> None:
    rec = recommend({"workload": "tabular"}, None, [], TODAY)
    sklearn = next(f for f in rec.facts if f.fact.id == "sklearn-tabular")
    assert sklearn.fact.status == "partly"
    facts = {f["id"]: f for f in rec.to_dict()["facts"]}  # type: ignore[union-attr, index]
    assert (
        facts["sklearn-tabular"]["status"] == "partly" and "judgement" in facts["sklearn-tabular"]["caveat"]
    )
    from fwtui.decide.report import render_markdown

    assert "Partly verified: 'Reference library' is a judgement" in render_markdown(rec)


def test_bad_answers_raise_usage_errors_naming_the_valid_ones() -> None:
    with pytest.raises(UsageError, match="valid keys: project, existing_framework"):
        normalise({"colour": "red"})
    with pytest.raises(UsageError, match="replaced by train_hardware=tpu"):
        normalise({"tpu": "yes"})
    with pytest.raises(UsageError, match="valid values: mobile, edge, browser"):
        normalise({"deploy": "moon"})
    with pytest.raises(UsageError, match="takes one value"):
        normalise({"scale": "single,large"})
    assert normalise({"deploy": "server,mobile", "scale": "dont_know", "workload": ""}) == {
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
        (
            '[[rule]]\nid = "r"\nbecause = "b"\noverlap = "g"\nscore = { pytorch = 1 }\n'
            '[[rule]]\nid = "s"\nbecause = "b"\noverlap = "g"\nscore = { pytorch = -1 }',
            "mixes signs",
        ),
        (
            '[[contradiction]]\nid = "c"\ntext = "t"\nwhen = { scale = ["dont_know"] }',
            "has no value dont_know",
        ),
        ("[scoring]\nmeasured_pints = 1", "unknown key"),
    ],
)
def test_knowledge_base_errors_name_the_entry(snippet: str, error: str) -> None:
    base = '[[candidate]]\nid = "pytorch"\nname = "PyTorch"\nprior_reason = "x"\n'
    with pytest.raises(FwtuiError, match=error):
        parse_knowledge(base + snippet)


def test_the_scale_of_points_is_documented_where_the_numbers_are() -> None:
    from importlib import resources

    text = resources.files("fwtui.decide").joinpath("knowledge.toml").read_text(encoding="utf-8")
    policy = load_knowledge().policy
    assert "THE SCALE OF POINTS" in text and "OVERLAP" in text and "MEASURED" in text
    assert (
        f"min_speedup = {policy.min_speedup}" in text
        and f"measured_points = {policy.measured_points}" in text
    )


def test_engine_is_data_driven() -> None:
    kb = parse_knowledge(
        '[[candidate]]\nid = "a"\nname = "Alpha"\nprior = 1.0\nprior_reason = "starts ahead"\n'
        '[[candidate]]\nid = "b"\nname = "Beta"\nprior_reason = "starts behind"\n'
        '[[rule]]\nid = "b-for-mobile"\nwhen = { deploy = ["mobile"] }\nscore = { b = 2 }\nbecause = "Beta on phones"\n'
    )
    assert recommend({}, None, [], TODAY, knowledge=kb).winner.id == "a"
    assert recommend({"deploy": "mobile"}, None, [], TODAY, knowledge=kb).winner.id == "b"

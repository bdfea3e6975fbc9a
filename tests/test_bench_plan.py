"""Selections become run specs; bad names are usage errors that list the valid ones."""

from __future__ import annotations

import pytest

from fwtui.bench import plan
from fwtui.bench.plan import PRESETS, RunSpec, Selection, estimate_seconds, expand
from fwtui.bench.workloads import GEMM_TRAINING_REASON
from fwtui.errors import UsageError
from fwtui.frameworks import BY_NAME


def test_quick_preset_covers_the_four_frameworks_every_workload_and_mode() -> None:
    specs = expand(Selection(device="cpu"))
    assert {s.framework for s in specs} == {"torch", "tensorflow", "jax", "onnxruntime"}
    assert {s.workload for s in specs} == {"mlp", "cnn", "transformer", "gemm"}
    assert {s.mode for s in specs} == {"inference", "training"}
    assert all(s.size == "small" and s.preset == "quick" for s in specs)
    assert {(s.framework, s.variant) for s in specs} == {
        (fw, v) for fw, variants in PRESETS["quick"].variants.items() for v in variants
        if PRESETS["quick"].runs_framework(fw)
    }
    # gemm is not a model: no training specs unless training is asked for explicitly
    assert not [s for s in specs if s.workload == "gemm" and s.mode == "training"]
    assert estimate_seconds(specs) > 0
    # The other frameworks are one preset or one flag away.
    assert {s.framework for s in expand(Selection(preset="standard", device="cpu"))} == set(BY_NAME)
    named = expand(Selection(frameworks=["keras", "sklearn"], workloads=["mlp"], device="cpu"))
    assert {(s.framework, s.variant) for s in named} == {("keras", "jax"), ("sklearn", "mlp")}


def test_ort_training_is_unsupported_with_reason() -> None:
    specs = expand(Selection(frameworks=["ort"], workloads=["mlp"], modes=["training"], device="cpu"))
    assert len(specs) == 1
    assert specs[0].status == "unsupported"
    assert specs[0].reason == BY_NAME["onnxruntime"].cannot_train
    assert estimate_seconds(specs) == 0  # nothing will run


def test_explicit_gemm_training_is_listed_as_unsupported() -> None:
    specs = expand(Selection(frameworks=["torch"], workloads=["gemm"], modes=["training"], device="cpu"))
    assert [(s.status, s.reason) for s in specs] == [("unsupported", GEMM_TRAINING_REASON)]


def test_not_installed_framework_is_skipped_with_install_command(monkeypatch: pytest.MonkeyPatch) -> None:
    real = plan.installed_version
    monkeypatch.setattr(plan, "installed_version", lambda dists: None if "jax" in dists else real(dists))
    specs = expand(
        Selection(frameworks=["jax", "torch"], workloads=["mlp"], modes=["inference"], device="cpu")
    )
    jax_spec = next(s for s in specs if s.framework == "jax")
    assert jax_spec.status == "skipped"
    assert "pip install 'fwtui[jax]'" in jax_spec.reason
    assert next(s for s in specs if s.framework == "torch").status is None


@pytest.mark.parametrize(
    ("selection", "message"),
    [
        (
            Selection(frameworks=["mxnet"]),
            "unknown framework 'mxnet'; choose from torch, tensorflow, jax, onnxruntime, keras, sklearn",
        ),
        (Selection(workloads=["resnet"]), "choose from mlp, cnn, transformer, gemm"),
        (Selection(modes=["serving"]), "choose from inference, training"),
        (Selection(variants=["turbo"]), "unknown variant 'turbo'"),
        (Selection(preset="huge"), "choose from quick, standard, full"),
        (Selection(size="tiny"), "choose from small, medium, large"),
        (Selection(device="tpu"), "choose from auto, cpu, cuda"),
        (Selection(batch=0), "--batch"),
    ],
)
def test_unknown_names_raise_usage_error(selection: Selection, message: str) -> None:
    with pytest.raises(UsageError, match=None) as info:
        expand(selection)
    assert message in str(info.value)


def test_variant_that_does_not_belong_is_skipped_for_that_framework() -> None:
    specs = expand(
        Selection(frameworks=["torch", "jax"], workloads=["mlp"], variants=["compile"], device="cpu")
    )
    assert {(s.framework, s.variant) for s in specs} == {("torch", "compile")}
    with pytest.raises(UsageError, match="variant"):
        expand(Selection(frameworks=["jax"], variants=["eager"], device="cpu"))


def test_comma_lists_aliases_and_overrides() -> None:
    specs = expand(
        Selection(
            frameworks=["pytorch,tf"],
            workloads=["mlp,cnn"],
            modes=["inference"],
            variants=["eager"],
            batch=32,
            threads=1,
            device="cpu",
            preset="standard",
            timeout_s=42,
        )
    )
    assert {s.framework for s in specs} == {"torch", "tensorflow"}
    assert {s.workload for s in specs} == {"mlp", "cnn"}
    assert all(s.batch == 32 and s.threads == 1 and s.timeout_s == 42 for s in specs)
    assert all(s.min_time_s == PRESETS["standard"].min_time_s for s in specs)


def test_full_preset_adds_sizes_and_auto_device_is_cpu_without_gpu() -> None:
    specs = expand(Selection(frameworks=["jax"], workloads=["mlp"], size=None, preset="full"))
    assert {s.size for s in specs} == {"small", "medium"}
    assert plan.resolve_device("cpu") == "cpu"
    assert specs[0].device in ("cpu", "cuda")


def test_runspec_round_trips_through_dict() -> None:
    spec = expand(Selection(frameworks=["jax"], workloads=["gemm"], device="cpu"))[0]
    assert RunSpec.from_dict(spec.to_dict()) == spec
    assert spec.scenarios == ("throughput",)
    assert spec.with_changes(mode="training").scenarios == ("train",)

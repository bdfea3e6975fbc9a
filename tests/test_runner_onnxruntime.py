"""The ONNX Runtime runner: graphs built from the canonical weights, checked against the NumPy reference."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

ort = pytest.importorskip("onnxruntime")
onnx = pytest.importorskip("onnx")

from onnx import numpy_helper  # noqa: E402

from fwtui.bench.runner import load_runner  # noqa: E402
from fwtui.bench.runners import onnxruntime as ort_runner  # noqa: E402
from fwtui.bench.workload_data import check_output, make_batch, make_weights, reference_forward  # noqa: E402
from fwtui.bench.workloads import TOY_WORKLOADS, get_spec  # noqa: E402
from fwtui.frameworks import BY_NAME  # noqa: E402

runner = load_runner("onnxruntime")
ORT_TRAINING_REASON = BY_NAME["onnxruntime"].cannot_train


def test_the_runner_imports_the_real_onnxruntime() -> None:
    assert ort_runner.ort is ort
    assert "fwtui" not in Path(ort.__file__).parts
    assert runner.framework_version() == ort.__version__


@pytest.mark.parametrize("name", TOY_WORKLOADS)
def test_inference_matches_the_reference(name: str) -> None:
    runner.configure(1, "cpu")
    spec = get_spec(name)
    weights = make_weights(spec)
    x, _ = make_batch(spec, 3)
    prepared = runner.build(spec, weights, mode="inference", variant="ort", device="cpu")
    out = prepared.infer(x)
    assert out.dtype == np.float32
    check = check_output(spec, out, reference_forward(spec, weights, x))
    assert check.ok, check
    assert prepared.device_memory_peak_mb() is None


def test_one_session_serves_any_batch_size() -> None:
    spec = get_spec("transformer")
    weights = make_weights(spec)
    prepared = runner.build(spec, weights, mode="inference", variant="ort", device="cpu")
    for batch in (1, 5):
        x, _ = make_batch(spec, batch)
        assert check_output(spec, prepared.infer(x), reference_forward(spec, weights, x)).ok


def test_the_model_is_built_from_the_canonical_weights() -> None:
    spec = get_spec("cnn")
    weights = make_weights(spec)
    model = onnx.load_from_string(ort_runner.build_model_bytes(spec, weights))
    assert model.ir_version == 10
    assert [(o.domain, o.version) for o in model.opset_import] == [("", 17)]
    onnx.checker.check_model(model)
    initializers = {i.name: numpy_helper.to_array(i) for i in model.graph.initializer}
    for name, value in weights.items():
        np.testing.assert_array_equal(initializers[name], value)
    conv = next(n for n in model.graph.node if n.op_type == "Conv")
    assert conv.input[1] == "stem.conv.weight"  # OIHW, used as is
    assert [i.name for i in model.graph.input] == ["x"]
    assert [o.name for o in model.graph.output] == ["y"]


def test_configure_thread_settings_reach_the_session() -> None:
    settings = runner.configure(1, "cpu")
    assert settings["intra_op_threads"] == 1
    assert settings["inter_op_threads"] == 1
    assert settings["graph_optimization_level"] == "ORT_ENABLE_ALL"
    spec = get_spec("mlp")
    prepared = runner.build(spec, make_weights(spec), mode="inference", variant="ort", device="cpu")
    options = prepared.session.get_session_options()
    assert options.intra_op_num_threads == 1
    assert options.graph_optimization_level == ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    assert prepared.session.get_providers() == ["CPUExecutionProvider"]


def test_training_is_unsupported_with_the_reason() -> None:
    assert runner.unsupported_reason("training", "ort", "cpu") == ORT_TRAINING_REASON
    spec = get_spec("mlp")
    with pytest.raises(ValueError, match="inference engine"):
        runner.build(spec, make_weights(spec), mode="training", variant="ort", device="cpu")
    prepared = runner.build(spec, make_weights(spec), mode="inference", variant="ort", device="cpu")
    with pytest.raises(NotImplementedError, match="inference engine"):
        prepared.train_losses(*make_batch(spec, 2), steps=1)


def test_other_reasons() -> None:
    assert runner.unsupported_reason("inference", "ort", "cpu") is None
    assert "no variant 'eager'" in runner.unsupported_reason("inference", "eager", "cpu")
    assert runner.device_available("cpu") is None
    assert "not support" in runner.device_available("mps")
    if "CUDAExecutionProvider" not in ort.get_available_providers():
        assert "onnxruntime-gpu" in runner.device_available("cuda")


def test_without_the_onnx_package_the_reason_says_how_to_fix_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ort_runner, "onnx", None)
    assert (
        runner.unsupported_reason("inference", "ort", "cpu")
        == "needs the onnx package to build the model: pip install onnx"
    )


def test_step_runs_the_prebuilt_feed() -> None:
    spec = get_spec("gemm")
    weights = make_weights(spec)
    x, _ = make_batch(spec, 1)
    prepared = runner.build(spec, weights, mode="inference", variant="ort", device="cpu")
    step = prepared.make_step(x, None)
    assert step() is not None
    step()


@pytest.mark.gpu
@pytest.mark.skipif(
    "CUDAExecutionProvider" not in ort.get_available_providers(), reason="needs onnxruntime-gpu with CUDA"
)
def test_cuda_inference() -> None:
    spec = get_spec("mlp")
    weights = make_weights(spec)
    x, _ = make_batch(spec, 4)
    prepared = runner.build(spec, weights, mode="inference", variant="ort", device="cuda")
    assert check_output(spec, prepared.infer(x), reference_forward(spec, weights, x)).ok
    prepared.make_step(x, None)()

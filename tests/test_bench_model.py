"""Bring your own model: the file checks, the CLI's one-line errors, and real models run end to end."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from model_files import onnx_model

from fwtui.bench.byom.model_file import ModelError, Target, open_model_file, parse_input_shapes, targets
from fwtui.bench.byom.run import MISMATCH, ModelResult, cross_check
from fwtui.bench.flags import INVALIDATING_FLAGS
from fwtui.errors import UsageError

REPO = Path(__file__).resolve().parents[1]


def _fwtui(*args: str, timeout_s: float = 900) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
    return subprocess.run(
        [sys.executable, "-m", "fwtui", "bench", *args],
        capture_output=True,
        text=True,
        timeout=timeout_s,
        env=env,
    )


@pytest.fixture(scope="module")
def sample_models(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, subprocess.CompletedProcess[str]]:
    """``fwtui sample-data models``, run once: its .keras and .pt2 files are the end-to-end tests' models (each
    costs a Keras or PyTorch import to build)."""
    out = tmp_path_factory.mktemp("sample-models")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run(
        [sys.executable, "-m", "fwtui", "sample-data", "models", "--out", str(out)],
        capture_output=True, text=True, timeout=900, env=env,
    )  # fmt: skip
    return out, done


def _sample_model(sample_models: tuple[Path, subprocess.CompletedProcess[str]], name: str, tmp_path: Path) -> Path:
    out, done = sample_models
    assert done.returncode == 0 and f"{name}: written" in done.stdout, done.stderr[-2000:]
    copy = tmp_path / name
    copy.write_bytes((out / name).read_bytes())
    return copy


def _one_line_error(done: subprocess.CompletedProcess[str], code: int) -> str:
    assert done.returncode == code, done.stderr[-2000:]
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("fwtui: "), done.stderr[-2000:]
    assert "Traceback" not in done.stderr
    return lines[0]


# --- the file checks -------------------------------------------------------------------------------------------


def test_a_model_file_is_named_hashed_and_typed(tmp_path: Path) -> None:
    path = onnx_model(tmp_path / "tiny.onnx")
    model = open_model_file(path)
    assert (model.kind, model.name) == ("onnx", "tiny.onnx")
    assert model.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    other = open_model_file(onnx_model(tmp_path / "celu.onnx", celu=True))
    assert other.sha256 != model.sha256  # two different files never compare


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("missing.onnx", None, "no such file"),
        ("model.h5", b"\x89HDF", "not a model file fwtui reads"),
        ("empty.onnx", b"", "empty"),
        ("notzip.keras", b"plain text", "zip archive"),
        ("notzip.pt2", b"\x08\x07", "zip archive"),
        ("text.onnx", b"hello world", "not an ONNX model"),
    ],
)
def test_bad_files_are_refused_with_the_reason(
    tmp_path: Path, name: str, content: bytes | None, message: str
) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(ModelError, match=message):
        open_model_file(path)


def test_input_shapes_parse_and_bad_ones_are_usage_errors() -> None:
    assert parse_input_shapes(["x=1x3x224x224", "mask=1,16"]) == {"x": (1, 3, 224, 224), "mask": (1, 16)}
    for bad in (["x"], ["x=1xfoo"], ["x=0x3"], ["x=1", "x=2"]):
        with pytest.raises(UsageError, match="--input-shape"):
            parse_input_shapes(bad)


def test_each_kind_has_its_engines() -> None:
    assert [t.name for t in targets("keras")] == [
        "keras/tensorflow", "keras/jax", "keras/torch", "onnxruntime/keras-export",
    ]  # fmt: skip
    onnx_variants = [t.variant for t in targets("onnx", ("CPUExecutionProvider", "CUDAExecutionProvider"))]
    assert {"cpu-none", "cpu-all", "cuda-basic", "cpu-fp16", "cpu-int8"} <= set(onnx_variants)
    assert [t.name for t in targets("pt2")] == ["torch/eager", "torch/compile", "onnxruntime/torch-export"]


def test_one_disagreement_flags_every_result_of_the_model(tmp_path: Path) -> None:
    model = open_model_file(onnx_model(tmp_path / "tiny.onnx"))
    a, b, c = (Target("onnxruntime", v) for v in ("cpu-none", "cpu-all", "cpu-int8"))
    results = [
        ModelResult(model, t, "ok", precision=p) for t, p in ((a, "float32"), (b, "float32"), (c, "int8"))
    ]
    reference = np.linspace(-1, 1, 8, dtype=np.float32).reshape(2, 4)
    agreeing = cross_check(
        results, {a.name: [reference], b.name: [reference + 1e-6], c.name: [reference + 0.05]}
    )
    assert all(r.flags == () for r in agreeing)
    diff, tolerance = agreeing[1].max_abs_diff, agreeing[1].tolerance
    assert diff == pytest.approx(1e-6, rel=0.1) and tolerance is not None and diff <= tolerance
    wrong = cross_check(results, {a.name: [reference], b.name: [reference + 0.5], c.name: [reference]})
    assert all(MISMATCH in r.flags for r in wrong)
    reshaped = cross_check(results, {a.name: [reference], b.name: [reference.T], c.name: [reference]})
    assert reshaped[1].max_abs_diff == float("inf") and all(MISMATCH in r.flags for r in reshaped)


# --- the CLI ---------------------------------------------------------------------------------------------------


def test_cli_refuses_bad_files_and_shapes_in_one_line(tmp_path: Path) -> None:
    assert "no such file" in _one_line_error(_fwtui("--model", str(tmp_path / "none.onnx")), 1)
    (tmp_path / "m.pkl").write_bytes(b"\x80\x04K\x01.")  # a pickle: never opened
    assert "not a model file" in _one_line_error(_fwtui("--model", str(tmp_path / "m.pkl")), 1)
    assert "NAME=DIMS" in _one_line_error(_fwtui("--model", "x.onnx", "--input-shape", "x=2by8"), 2)
    assert "needs --model" in _one_line_error(_fwtui("--input-shape", "x=2x8"), 2)


def test_a_dynamic_dimension_needs_input_shape(tmp_path: Path) -> None:
    path = onnx_model(tmp_path / "tiny.onnx")
    line = _one_line_error(_fwtui("--model", str(path), "-f", "onnxruntime"), 2)
    assert "'x'" in line and "--input-shape x=1x8" in line
    line = _one_line_error(_fwtui("--model", str(path), "--input-shape", "x=2x9"), 2)
    assert "does not fit" in line


def test_a_corrupt_onnx_file_fails_in_one_line(tmp_path: Path) -> None:
    path = tmp_path / "corrupt.onnx"
    path.write_bytes(b"\x08\x07" + os.urandom(64))  # starts like a protobuf, is not one
    assert "could run it" in _one_line_error(_fwtui("--model", str(path)), 1)


def _records(done: subprocess.CompletedProcess[str]) -> dict[str, dict[str, object]]:
    assert done.returncode == 0, done.stderr[-3000:]
    records = [json.loads(line) for line in done.stdout.splitlines()]
    return {f"{r['engine']}/{r['variant']}": r for r in records}


@pytest.mark.slow
def test_an_onnx_model_end_to_end(tmp_path: Path) -> None:
    path = onnx_model(tmp_path / "tiny.onnx")
    by = _records(_fwtui("--model", str(path), "--input-shape", "x=2x8", "--json"))
    assert {
        "onnxruntime/cpu-none",
        "onnxruntime/cpu-all",
        "onnxruntime/cpu-fp16",
        "onnxruntime/cpu-int8",
    } <= set(by)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    for name, record in by.items():
        assert record["status"] == "ok", (name, record["reason"])
        assert record["model"] == "tiny.onnx" and record["model_sha256"] == digest
        assert record["input_shapes"] == {"x": [2, 8]}
        assert not set(record["flags"]) & INVALIDATING_FLAGS, record["flags"]  # a busy machine is only advisory
        assert record["max_abs_diff"] <= record["tolerance"]
        assert record["latency_ms"]["p50"] > 0
    assert by["onnxruntime/cpu-all"]["params"] == 8 * 4 + 4
    assert (by["onnxruntime/cpu-fp16"]["precision"], by["onnxruntime/cpu-int8"]["precision"]) == (
        "float16",
        "int8",
    )


@pytest.mark.slow
def test_a_conversion_that_fails_in_one_engine_leaves_the_others(tmp_path: Path) -> None:
    path = onnx_model(tmp_path / "celu.onnx", celu=True)  # Celu has no float16 kernel
    by = _records(_fwtui("--model", str(path), "--input-shape", "x=2x8", "--json"))
    assert by["onnxruntime/cpu-fp16"]["status"] == "unsupported"
    assert "ONNX Runtime cannot load it" in str(by["onnxruntime/cpu-fp16"]["reason"])
    assert by["onnxruntime/cpu-fp16"]["latency_ms"] is None  # NULL, never 0
    assert by["onnxruntime/cpu-all"]["status"] == "ok" and by["onnxruntime/cpu-none"]["status"] == "ok"


@pytest.mark.slow
def test_a_keras_model_end_to_end(sample_models: tuple[Path, subprocess.CompletedProcess[str]], tmp_path: Path) -> None:
    path = _sample_model(sample_models, "tiny.keras", tmp_path)
    by = _records(_fwtui("--model", str(path), "--input-shape", "x=3x8", "--json"))
    assert set(by) == {"keras/tensorflow", "keras/jax", "keras/torch", "onnxruntime/keras-export"}
    for name, record in by.items():
        assert record["status"] == "ok", (name, record["reason"])
        assert record["params"] == 8 * 6 + 6 + 6 * 4 + 4 and record["input_shapes"] == {"x": [3, 8]}
        assert not set(record["flags"]) & INVALIDATING_FLAGS, record["flags"]  # a busy machine is only advisory
        assert record["max_abs_diff"] <= record["tolerance"]


@pytest.mark.slow
def test_a_torch_export_archive_end_to_end(
    sample_models: tuple[Path, subprocess.CompletedProcess[str]], tmp_path: Path
) -> None:
    path = _sample_model(sample_models, "tiny.pt2", tmp_path)
    by = _records(_fwtui("--model", str(path), "--input-shape", "x=3x8", "--json"))
    assert set(by) == {"torch/eager", "torch/compile", "onnxruntime/torch-export"}
    for name, record in by.items():
        if name == "torch/compile" and record["status"] == "unsupported":
            continue  # no C++ compiler here: said so, with the reason
        assert record["status"] == "ok", (name, record["reason"])
        assert record["params"] == 8 * 4 + 4 and not set(record["flags"]) & INVALIDATING_FLAGS


@pytest.mark.slow
def test_sample_data_writes_example_models(sample_models: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    out, done = sample_models
    assert done.returncode == 0, done.stderr[-2000:]
    for name, kind in (("tiny.onnx", "onnx"), ("tiny.keras", "keras"), ("tiny.pt2", "pt2")):
        assert f"{name}: written" in done.stdout
        assert open_model_file(out / name).kind == kind

"""Small example models in each format ``fwtui bench --model`` reads, generated here (nothing is downloaded).

``fwtui sample-data models DIR`` writes them, and the tests use the same builders. The ONNX model is written
with ``onnx.helper``; the Keras and torch.export models are built in a fresh interpreter each, so the caller
never imports Keras or PyTorch (and Keras' backend is never fixed in the caller's process).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from fwtui.frameworks import installed_version

# A dense network 8 -> 6 -> 4 with a dynamic batch dimension: --input-shape x=Nx8 fixes it.
KERAS_MODEL = """
import os, sys
os.environ["KERAS_BACKEND"] = os.environ.get("FWTUI_EXAMPLE_BACKEND", "jax")
import keras
keras.utils.set_random_seed(0)
x = keras.Input((8,), name="x")
y = keras.layers.Dense(4, activation="relu")(keras.layers.Dense(6)(x))
keras.Model(x, y).save(sys.argv[1])
"""

PT2_MODEL = """
import sys, torch
torch.manual_seed(0)
class Tiny(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = torch.nn.Linear(8, 4)
    def forward(self, x):
        return torch.relu(self.fc(x))
batch = torch.export.Dim("batch", min=1, max=1024)
program = torch.export.export(Tiny(), (torch.randn(2, 8),), dynamic_shapes={"x": {0: batch}})
torch.export.save(program, sys.argv[1])
"""


def onnx_model(path: Path, *, celu: bool = False, batch: int | str = "batch") -> Path:
    """MatMul + Add + Relu (or Celu, which has no float16 kernel) over an input ``x`` of shape (batch, 8)."""
    import numpy as np
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(0)
    weight = rng.standard_normal((8, 4)).astype(np.float32)
    bias = rng.standard_normal(4).astype(np.float32)
    nodes = [
        helper.make_node("MatMul", ["x", "w"], ["h"]),
        helper.make_node("Add", ["h", "b"], ["a"]),
        helper.make_node("Celu" if celu else "Relu", ["a"], ["y"]),
    ]
    graph = helper.make_graph(
        nodes,
        "tiny",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [batch, 8])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [batch, 4])],
        initializer=[numpy_helper.from_array(weight, "w"), numpy_helper.from_array(bias, "b")],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=10)
    onnx.save(model, str(path))
    return path


def built_in_child(code: str, path: Path, timeout_s: float = 600) -> Path:
    """Run a builder in a fresh interpreter; raises RuntimeError with its last line when it fails."""
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
    done = subprocess.run(
        [sys.executable, "-c", code, str(path)], capture_output=True, text=True, timeout=timeout_s, env=env
    )
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or [f"exit status {done.returncode}"])[-1]
        raise RuntimeError(f"building {path.name} failed: {last}")
    return path


def write_examples(out_dir: Path) -> dict[str, str]:
    """Write tiny.onnx, tiny.keras and tiny.pt2 into ``out_dir``; file name -> "written" or why not."""
    out_dir.mkdir(parents=True, exist_ok=True)
    done: dict[str, str] = {}
    def keras_example(path: Path) -> Path:
        return built_in_child(KERAS_MODEL, path)

    def pt2_example(path: Path) -> Path:
        return built_in_child(PT2_MODEL, path)

    builders: tuple[tuple[str, str, Callable[[Path], Path]], ...] = (
        ("tiny.onnx", "onnx", onnx_model),
        ("tiny.keras", "keras", keras_example),
        ("tiny.pt2", "torch", pt2_example),
    )
    for name, needs, build in builders:
        if not installed_version(needs):
            done[name] = f"not written: needs {needs}"
            continue
        if needs == "keras" and not installed_version("jax"):
            done[name] = "not written: the example is built on Keras' jax backend, which needs jax"
            continue
        try:
            build(out_dir / name)
            done[name] = "written"
        except (RuntimeError, OSError, subprocess.TimeoutExpired) as exc:
            done[name] = f"not written: {exc}"
    return done

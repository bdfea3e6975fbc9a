"""Small model files in each format fwtui reads, built here (nothing is downloaded).

The ONNX models are written with ``onnx.helper``; the Keras and torch.export models are built in a fresh
interpreter, so the test process never fixes Keras' backend or imports PyTorch.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np

KERAS_MODEL = """
import os, sys
os.environ["KERAS_BACKEND"] = "jax"
import keras
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


def built_in_child(code: str, path: Path) -> Path:
    done = subprocess.run(
        [sys.executable, "-c", code, str(path)], capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return path

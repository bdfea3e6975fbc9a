"""ONNX Runtime runner: the workload as an ONNX graph built from the canonical weights, inference only.

The graph is written with ``onnx.helper`` (opset 17, IR version 10 so that ORT builds reading IR <= 13 load
it) directly from the NumPy weights, so benchmarking ONNX Runtime never needs PyTorch or TensorFlow to export
a model. Imported only inside a benchmark child; absolute imports make ``import onnxruntime`` the real one.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
import onnxruntime as ort

from fwtui.bench.runner import Runner, parse_device
from fwtui.bench.workloads import BN_EPS, LN_EPS, cnn_blocks, mlp_dims
from fwtui.frameworks import Framework
from fwtui.json_fields import JsonObject

try:
    import onnx
    from onnx import TensorProto, helper, numpy_helper
except ImportError:  # onnxruntime alone can run models but cannot build them
    onnx = None

if TYPE_CHECKING:
    from fwtui.bench.runners._models_onnx import OrtGeneration
    from fwtui.bench.workloads import WorkloadSpec

OPSET = 17  # LayerNormalization needs 17
IR_VERSION = 10
ONNX_MISSING_REASON = "needs the onnx package to build the model: pip install onnx"


# --- graph construction --------------------------------------------------------------------------------------


class _Graph:
    """Accumulates nodes and initializers with generated, unique tensor names."""

    def __init__(self) -> None:
        self.nodes: list[Any] = []
        self.initializers: list[Any] = []
        self._count = 0

    def const(self, name: str, value: np.ndarray) -> str:
        # np.ascontiguousarray would turn a scalar into a 1-element vector (Gather and Range need scalars).
        value = np.ascontiguousarray(value) if value.ndim else np.asarray(value)
        self.initializers.append(numpy_helper.from_array(value, name=name))
        return name

    def op(self, op_type: str, inputs: list[str], **attrs: Any) -> str:
        self._count += 1
        out = f"{op_type.lower()}_{self._count}"
        self.nodes.append(helper.make_node(op_type, inputs, [out], name=out, **attrs))
        return out


def _weight(g: _Graph, weights: dict[str, np.ndarray], name: str) -> str:
    return g.const(name, weights[name].astype(np.float32))


def _linear(g: _Graph, weights: dict[str, np.ndarray], x: str, prefix: str) -> str:
    return g.op(
        "Add",
        [g.op("MatMul", [x, _weight(g, weights, f"{prefix}.weight")]), _weight(g, weights, f"{prefix}.bias")],
    )


def _conv_bn(
    g: _Graph, weights: dict[str, np.ndarray], x: str, conv: str, bn: str, *, stride: int, pad: int
) -> str:
    w = _weight(g, weights, f"{conv}.weight")
    kernel = list(weights[f"{conv}.weight"].shape[2:])
    y = g.op("Conv", [x, w], kernel_shape=kernel, strides=[stride, stride], pads=[pad, pad, pad, pad])
    parts = [_weight(g, weights, f"{bn}.{p}") for p in ("weight", "bias", "running_mean", "running_var")]
    return g.op("BatchNormalization", [y, *parts], epsilon=BN_EPS)


def _mlp(g: _Graph, spec: WorkloadSpec, w: dict[str, np.ndarray], x: str) -> str:
    layers = len(mlp_dims(spec)) - 1
    for i in range(1, layers + 1):
        x = _linear(g, w, x, f"fc{i}")
        if i < layers:
            x = g.op("Relu", [x])
    return x


def _cnn(g: _Graph, spec: WorkloadSpec, w: dict[str, np.ndarray], x: str) -> str:
    h = g.op("Relu", [_conv_bn(g, w, x, "stem.conv", "stem.bn", stride=1, pad=1)])
    for blk in cnn_blocks(spec):
        p = blk.prefix
        y = g.op("Relu", [_conv_bn(g, w, h, f"{p}.conv1", f"{p}.bn1", stride=blk.stride, pad=1)])
        y = _conv_bn(g, w, y, f"{p}.conv2", f"{p}.bn2", stride=1, pad=1)
        shortcut = h
        if blk.has_projection:
            shortcut = _conv_bn(g, w, h, f"{p}.proj", f"{p}.proj_bn", stride=blk.stride, pad=0)
        h = g.op("Relu", [g.op("Add", [y, shortcut])])
    pooled = g.op("Flatten", [g.op("GlobalAveragePool", [h])], axis=1)
    return _linear(g, w, pooled, "fc")


def _transformer(g: _Graph, spec: WorkloadSpec, w: dict[str, np.ndarray], x: str) -> str:
    heads, d = spec.heads, spec.width // spec.heads
    split_shape = g.const("shape.split_heads", np.array([0, 0, heads, d], dtype=np.int64))
    merge_shape = g.const("shape.merge_heads", np.array([0, 0, spec.width], dtype=np.int64))
    scale = g.const("const.attn_scale", np.array(1.0 / math.sqrt(d), dtype=np.float32))
    inv_sqrt2 = g.const("const.inv_sqrt2", np.array(1.0 / math.sqrt(2.0), dtype=np.float32))
    one = g.const("const.one", np.array(1.0, dtype=np.float32))
    half = g.const("const.half", np.array(0.5, dtype=np.float32))

    def heads_of(t: str, perm: list[int]) -> str:
        return g.op("Transpose", [g.op("Reshape", [t, split_shape])], perm=perm)

    h = x
    for layer in range(spec.layers):
        p = f"layer{layer}"
        q = heads_of(_linear(g, w, h, f"{p}.attn.q"), [0, 2, 1, 3])  # (b, heads, s, d)
        k_t = heads_of(_linear(g, w, h, f"{p}.attn.k"), [0, 2, 3, 1])  # (b, heads, d, s)
        v = heads_of(_linear(g, w, h, f"{p}.attn.v"), [0, 2, 1, 3])
        probs = g.op("Softmax", [g.op("Mul", [g.op("MatMul", [q, k_t]), scale])], axis=-1)
        ctx = g.op("Transpose", [g.op("MatMul", [probs, v])], perm=[0, 2, 1, 3])
        attn = _linear(g, w, g.op("Reshape", [ctx, merge_shape]), f"{p}.attn.o")
        h = g.op(
            "LayerNormalization",
            [g.op("Add", [h, attn]), _weight(g, w, f"{p}.ln1.weight"), _weight(g, w, f"{p}.ln1.bias")],
            axis=-1,
            epsilon=LN_EPS,
        )
        # Exact GELU in its erf form; ORT's optimiser fuses the pattern into one Gelu kernel.
        f1 = _linear(g, w, h, f"{p}.ffn.fc1")
        erf = g.op("Erf", [g.op("Mul", [f1, inv_sqrt2])])
        gelu = g.op("Mul", [g.op("Mul", [f1, g.op("Add", [erf, one])]), half])
        ff = _linear(g, w, gelu, f"{p}.ffn.fc2")
        h = g.op(
            "LayerNormalization",
            [g.op("Add", [h, ff]), _weight(g, w, f"{p}.ln2.weight"), _weight(g, w, f"{p}.ln2.bias")],
            axis=-1,
            epsilon=LN_EPS,
        )
    pooled = g.op("ReduceMean", [h], axes=[1], keepdims=0)
    return _linear(g, w, pooled, "head")


def _plain_io(g: _Graph, spec: WorkloadSpec, weights: dict[str, np.ndarray]) -> tuple[list[Any], list[Any]]:
    """A one-input (``x``), one-output (``y``) workload's nodes; returns its inputs and outputs."""
    if spec.name == "gemm":
        input_shape: list[int | str] = list(spec.input_shape)
        out = g.op("MatMul", ["x", _weight(g, weights, "b")])
        output_shape: list[int | str] = [spec.n, spec.n]
    else:
        from fwtui.bench.runners._models_onnx import BUILDERS

        input_shape = ["batch", *spec.input_shape]
        builders = {"mlp": _mlp, "cnn": _cnn, "transformer": _transformer, **BUILDERS}
        out = builders[spec.name](g, spec, weights, "x")
        output_shape = ["batch", spec.num_classes]
    g.nodes.append(helper.make_node("Identity", [out], ["y"], name="output"))
    input_type = TensorProto.INT64 if spec.tokens else TensorProto.FLOAT
    return (
        [helper.make_tensor_value_info("x", input_type, input_shape)],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, output_shape)],
    )


def build_model_bytes(spec: WorkloadSpec, weights: dict[str, np.ndarray]) -> bytes:
    """The serialised ONNX model of ``spec`` with ``weights`` as initializers; input ``x``, output ``y``."""
    if onnx is None:
        raise RuntimeError(ONNX_MISSING_REASON)
    g = _Graph()
    if spec.name == "gpt2":
        from fwtui.bench.runners import _models_onnx

        inputs, outputs, names = _models_onnx.gpt2_io(spec)
        for node_output, name in zip(_models_onnx.gpt2_graph(g, spec, weights), names, strict=True):
            g.nodes.append(helper.make_node("Identity", [node_output], [name], name=f"output_{name}"))
    else:
        inputs, outputs = _plain_io(g, spec, weights)
    graph = helper.make_graph(
        g.nodes,
        f"fwtui_{spec.name}_{spec.size}",
        inputs,
        outputs,
        initializer=g.initializers,
    )
    model = helper.make_model(
        graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="fwtui", ir_version=IR_VERSION
    )
    onnx.checker.check_model(model)
    return bytes(model.SerializeToString())


def convert(model_bytes: bytes, precision: str) -> tuple[bytes, str]:
    """The model in ``precision`` the way ONNX Runtime users make one, and the precision its graph computes in:
    float16 by onnxruntime's float16 converter (inputs and outputs kept float32), int8 by dynamic quantisation
    (int8 weights; activations quantised per call), as ``onnxruntime.quantization.quantize_dynamic`` does."""
    if precision == "float32":
        return model_bytes, "float32"
    model = onnx.load_from_string(model_bytes)
    if precision == "float16":
        from onnxruntime.transformers.float16 import convert_float_to_float16

        converted = convert_float_to_float16(model, keep_io_types=True, disable_shape_infer=True)
    elif precision == "int8":
        import tempfile
        from pathlib import Path

        from onnxruntime.quantization import QuantType, quantize_dynamic

        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "int8.onnx"
            quantize_dynamic(model, out, weight_type=QuantType.QInt8)
            converted = onnx.load(str(out))
    else:
        raise ValueError(f"ONNX Runtime has no {precision} path here")
    return bytes(converted.SerializeToString()), graph_precision(converted)


INT8_OPS = frozenset({"MatMulInteger", "ConvInteger", "DynamicQuantizeMatMul", "QLinearMatMul", "QLinearConv"})


def graph_precision(model: Any) -> str:
    """int8 when integer matmuls or convolutions are in the graph; float16 when its weights are float16."""
    if any(node.op_type in INT8_OPS for node in model.graph.node):
        return "int8"
    types = {init.data_type for init in model.graph.initializer}
    return "float16" if TensorProto.FLOAT16 in types and TensorProto.FLOAT not in types else "float32"


def make_session(model_bytes: bytes, kind: str, index: int, intra_op_threads: int) -> ort.InferenceSession:
    """An inference session on the cpu or ``cuda:index``; raises when CUDA was asked for and is not in use."""
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.intra_op_num_threads = intra_op_threads
    options.inter_op_num_threads = 1  # execution is sequential: the inter-op pool would only idle
    options.log_severity_level = 3  # errors only: fallback warnings are checked explicitly below
    providers: list[Any] = ["CPUExecutionProvider"]
    if kind == "cuda":
        # TF32 off: the CUDA provider uses it by default on Ampere and later, which is not the float32
        # arithmetic every other framework is held to.
        cuda_options = {"device_id": index, "use_tf32": 0}
        providers = [("CUDAExecutionProvider", cuda_options), "CPUExecutionProvider"]
    session = ort.InferenceSession(model_bytes, options, providers=providers)
    if kind == "cuda" and session.get_providers()[0] != "CUDAExecutionProvider":
        # ORT silently falls back to CPU when the CUDA libraries fail to load; that would be mislabelled.
        raise RuntimeError(
            "onnxruntime could not start the CUDA execution provider (CUDA/cuDNN libraries?)"
        )

    return session


# --- prepared workload ---------------------------------------------------------------------------------------


class OrtPrepared:
    """An inference session over the workload's ONNX graph on CPU or CUDA."""

    def __init__(
        self,
        spec: WorkloadSpec,
        weights: dict[str, np.ndarray],
        *,
        device: str,
        intra_op_threads: int,
        cannot_train: str,
        precision: str = "float32",
    ) -> None:
        self.cannot_train = cannot_train
        kind, index = parse_device(device)
        self.is_cuda = kind == "cuda"
        self.device_id = index
        self.input_dtype = np.int64 if spec.tokens else np.float32
        model_bytes, self.precision = convert(build_model_bytes(spec, weights), precision)
        self.session = make_session(model_bytes, kind, index, intra_op_threads)

    def compute_precision(self) -> str:
        return self.precision

    def infer(self, x: np.ndarray) -> np.ndarray:
        return np.asarray(self.session.run(["y"], {"x": np.ascontiguousarray(x, dtype=self.input_dtype)})[0])

    def train_losses(self, x: np.ndarray, y: np.ndarray, steps: int) -> list[float]:
        raise NotImplementedError(self.cannot_train)

    def make_step(self, x: np.ndarray, y: np.ndarray | None = None) -> Callable[[], object]:
        session = self.session
        host_x = np.ascontiguousarray(x, dtype=self.input_dtype)
        if not self.is_cuda:
            feed = {"x": host_x}
            outputs = ["y"]

            def cpu_step() -> object:
                return session.run(outputs, feed)[0]  # host arrays: the work is done when it returns

            return cpu_step
        # On CUDA the input lives on the device and the output stays there, like the other frameworks' steps;
        # the CUDA provider synchronises its stream at the end of each run.
        binding = session.io_binding()
        binding.bind_ortvalue_input("x", ort.OrtValue.ortvalue_from_numpy(host_x, "cuda", self.device_id))
        binding.bind_output("y", "cuda", self.device_id)

        def cuda_step() -> object:
            session.run_with_iobinding(binding)
            return binding.get_outputs()[0]

        return cuda_step

    def device_memory_peak_mb(self) -> float | None:
        return None  # ORT exposes no per-session peak of its CUDA arena


# --- the runner ------------------------------------------------------------------------------------------------


class OrtRunner(Runner):
    """ONNX Runtime: an inference session over a graph built from the canonical weights."""

    def __init__(self, framework: Framework) -> None:
        super().__init__(framework)
        self.intra_op_threads = 0  # ORT's default until configure() says otherwise

    def framework_version(self) -> str:
        return str(ort.__version__)

    def configure(self, threads: int, device: str) -> JsonObject:
        """Record the thread count every session built afterwards uses (``threads <= 0``: ORT's default).

        Execution is sequential, so only the intra-op pool does work; the inter-op pool is pinned to one thread.
        """
        self.intra_op_threads = max(threads, 0)
        return {
            "intra_op_threads": self.intra_op_threads,
            "inter_op_threads": 1,
            "execution_mode": "sequential",
            "graph_optimization_level": "ORT_ENABLE_ALL",
            "available_providers": list(ort.get_available_providers()),
            "onnx": None if onnx is None else str(onnx.__version__),
            "opset": OPSET,
        }

    def accelerator_reason(self, kind: str, index: int) -> str | None:
        if "CUDAExecutionProvider" not in ort.get_available_providers():
            return "this onnxruntime has no CUDAExecutionProvider (pip install onnxruntime-gpu)"
        return None

    def unavailable_reason(self, mode: str, variant: str, device: str) -> str | None:
        return ONNX_MISSING_REASON if onnx is None else None

    def prepare(
        self, spec: WorkloadSpec, weights: dict[str, np.ndarray], *, mode: str, variant: str, device: str
    ) -> OrtPrepared | OrtGeneration:
        if spec.name == "gpt2":
            from fwtui.bench.runners._models_onnx import OrtGeneration

            kind, index = parse_device(device)
            model_bytes, used = convert(build_model_bytes(spec, weights), self.precision)
            return OrtGeneration(spec, make_session(model_bytes, kind, index, self.intra_op_threads), used)
        return OrtPrepared(
            spec,
            weights,
            device=device,
            intra_op_threads=self.intra_op_threads,
            cannot_train=self.framework.cannot_train or "",
            precision=self.precision,
        )

"""Loading a user's model in one engine: its input signature, parameter count and a callable forward.

Runs only inside a model child (:mod:`fwtui.bench.byom.child`); each loader imports its framework when it is
called. Model files are untrusted, so every loader uses the framework's safe path and nothing else:
``keras.saving.load_model(..., safe_mode=True)`` with no custom objects (a Lambda layer's pickled code is
refused), ``torch.export.load`` (a JSON graph and weights-only tensors, no pickled code), and ONNX Runtime's
own protobuf parser. A conversion (fp16, int8, an ONNX export) that fails raises :class:`Unsupported` with
the framework's reason: that target is reported unsupported and the others go on.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from fwtui.bench.byom.model_file import ORT_LEVELS, Target, provider_of

Feeds = dict[str, np.ndarray]


class Unsupported(Exception):
    """This engine cannot run this model (a failed conversion, a missing package, a missing provider)."""


class NeedsInputShape(Exception):
    """An input has a dynamic dimension and no ``--input-shape`` fixes it."""


@dataclass(frozen=True)
class InputSpec:
    name: str
    shape: tuple[int | None, ...]  # None: a dynamic dimension
    dtype: str  # NumPy's name: float32, int64, ...


@dataclass
class Loaded:
    """A model loaded in one engine."""

    inputs: list[InputSpec]
    params: int | None
    forward: Callable[[Feeds], list[np.ndarray]]  # outputs as host arrays (also the timed step)
    precision: str = "float32"


def make_feeds(inputs: list[InputSpec], fixed: dict[str, tuple[int, ...]], seed: int) -> Feeds:
    """Seeded random inputs of the signature's shapes, dynamic dimensions taken from ``fixed``."""
    feeds: Feeds = {}
    rng = np.random.default_rng(seed)
    unknown = set(fixed) - {spec.name for spec in inputs}
    if unknown:
        names = ", ".join(spec.name for spec in inputs)
        raise NeedsInputShape(f"--input-shape names {', '.join(sorted(unknown))}, but the inputs are {names}")
    for spec in inputs:
        shape = fixed.get(spec.name)
        if shape is None:
            dynamic = [i for i, d in enumerate(spec.shape) if d is None]
            if dynamic:
                example = "x".join("N" if d is None else str(d) for d in spec.shape)
                raise NeedsInputShape(
                    f"input {spec.name!r} has dynamic dimension(s) {', '.join(map(str, dynamic))}: "
                    f"give --input-shape {spec.name}={example.replace('N', '1')}"
                )
            shape = tuple(int(d) for d in spec.shape if d is not None)
        elif len(shape) != len(spec.shape) or any(
            d is not None and d != s for d, s in zip(spec.shape, shape, strict=True)
        ):
            expected = "x".join("?" if d is None else str(d) for d in spec.shape)
            raise NeedsInputShape(f"--input-shape {spec.name}: {shape} does not fit the model's {expected}")
        dtype = np.dtype(spec.dtype)
        if dtype.kind == "f":
            feeds[spec.name] = rng.standard_normal(shape).astype(dtype)
        elif dtype.kind in "iu":
            feeds[spec.name] = rng.integers(0, 10, size=shape).astype(dtype)
        elif dtype.kind == "b":
            feeds[spec.name] = rng.random(shape) < 0.5
        else:
            raise Unsupported(f"input {spec.name!r} has dtype {spec.dtype}, which fwtui cannot generate")
    return feeds


def load(path: str, kind: str, target: Target, workdir: Path, threads: int) -> Loaded:
    """The model at ``path`` loaded for ``target``; raises :class:`Unsupported` when it cannot be."""
    if target.engine == "keras":
        return _keras(path, target.variant)
    if target.engine == "torch":
        return _torch(path, target.variant, threads)
    if target.engine == "onnxruntime":
        if kind == "onnx":
            return _ort_file(path, target.variant, workdir, threads)
        onnx_path = workdir / "exported.onnx"
        if kind == "keras":
            _keras_to_onnx(path, onnx_path)
        else:
            _torch_to_onnx(path, onnx_path)
        return _ort_session(str(onnx_path), "CPUExecutionProvider", "all", threads)
    raise Unsupported(f"unknown engine {target.engine!r}")


# --- Keras -----------------------------------------------------------------------------------------------------


def _load_keras_model(path: str) -> Any:
    import keras

    try:
        # safe_mode=True refuses Lambda layers' pickled code; no custom_objects: only Keras' own layers load.
        return keras.saving.load_model(path, compile=False, safe_mode=True)
    except Exception as exc:
        raise Unsupported(f"Keras cannot load it: {_line(exc)}") from None


def _keras(path: str, backend: str) -> Loaded:
    import keras

    if keras.backend.backend() != backend:
        raise Unsupported(f"Keras started on {keras.backend.backend()}, not {backend}")
    model = _load_keras_model(path)
    inputs = [
        InputSpec(_keras_input_name(t, i), tuple(t.shape), np.dtype(str(t.dtype)).name)
        for i, t in enumerate(model.inputs)
    ]
    names = [spec.name for spec in inputs]

    def forward(feeds: Feeds) -> list[np.ndarray]:
        args = [feeds[n] for n in names]
        out = model.predict_on_batch(args[0] if len(args) == 1 else args)
        return [np.asarray(o) for o in (out if isinstance(out, (list, tuple)) else [out])]

    return Loaded(inputs, int(model.count_params()), forward)


def _keras_input_name(tensor: Any, index: int) -> str:
    name = str(getattr(tensor, "name", "") or f"input_{index}")
    return name.split(":")[0]


def _keras_to_onnx(path: str, out: Path) -> None:
    import keras

    model = _load_keras_model(path)
    try:
        # Keras exports only a model that has been called: one call on zeros (dynamic dimensions as 1).
        zeros = [np.zeros([d or 1 for d in t.shape], np.dtype(str(t.dtype))) for t in model.inputs]
        model(zeros[0] if len(zeros) == 1 else zeros)
        model.export(str(out), format="onnx", verbose=False)
    except Exception as exc:
        raise Unsupported(
            f"Keras ({keras.backend.backend()} backend) could not export it to ONNX: {_line(exc)}"
        ) from None


# --- PyTorch ---------------------------------------------------------------------------------------------------


def _load_exported(path: str) -> Any:
    import torch

    try:
        return torch.export.load(path)
    except Exception as exc:
        raise Unsupported(f"torch.export.load cannot read it: {_line(exc)}") from None


def _exported_inputs(program: Any) -> list[InputSpec]:
    import torch

    user = set(program.graph_signature.user_inputs)
    specs = []
    for node in program.graph.nodes:
        if node.op != "placeholder" or node.name not in user:
            continue
        value = node.meta.get("val")
        if not isinstance(value, torch.Tensor):
            raise Unsupported(f"input {node.name!r} is not a tensor")
        shape = tuple(d if isinstance(d, int) else None for d in value.shape)
        specs.append(InputSpec(node.name, shape, str(value.dtype).removeprefix("torch.")))
    return specs


def _torch(path: str, variant: str, threads: int) -> Loaded:
    import torch

    if threads > 0:
        torch.set_num_threads(threads)
    program = _load_exported(path)
    inputs = _exported_inputs(program)
    module = program.module()
    if variant == "compile":
        module = torch.compile(module, dynamic=False)
    names = [spec.name for spec in inputs]
    params = sum(int(t.numel()) for t in program.state_dict.values())

    def forward(feeds: Feeds) -> list[np.ndarray]:
        with torch.inference_mode():
            out = module(*(torch.from_numpy(np.ascontiguousarray(feeds[n])) for n in names))
        flat = out if isinstance(out, (list, tuple)) else [out]
        return [np.asarray(o.detach().cpu().numpy()) for o in flat]

    return Loaded(inputs, params, forward)


def _torch_to_onnx(path: str, out: Path) -> None:
    import torch

    program = _load_exported(path)
    try:
        torch.onnx.export(program, f=str(out), dynamo=True, verbose=False)
    except Exception as exc:
        raise Unsupported(f"torch.onnx.export could not convert it: {_line(exc)}") from None


# --- ONNX Runtime ----------------------------------------------------------------------------------------------


def _ort_session(path: str, provider: str, level: str, threads: int) -> Loaded:
    import onnxruntime as ort

    if provider not in ort.get_available_providers():
        raise Unsupported(f"this onnxruntime has no {provider}")
    options = ort.SessionOptions()
    options.graph_optimization_level = getattr(ort.GraphOptimizationLevel, ORT_LEVELS[level])
    options.intra_op_num_threads = max(threads, 0)
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    try:
        session = ort.InferenceSession(path, options, providers=[provider])
    except Exception as exc:
        raise Unsupported(f"ONNX Runtime cannot load it: {_line(exc)}") from None
    inputs = [
        InputSpec(i.name, tuple(d if isinstance(d, int) else None for d in i.shape), _ort_dtype(i.type))
        for i in session.get_inputs()
    ]

    def forward(feeds: Feeds) -> list[np.ndarray]:
        return [np.asarray(o) for o in session.run(None, feeds)]

    return Loaded(inputs, _onnx_params(path), forward)


def _ort_dtype(type_name: str) -> str:
    inner = type_name.removeprefix("tensor(").removesuffix(")")
    return {"float": "float32", "double": "float64", "float16": "float16"}.get(inner, inner)


def _onnx_params(path: str) -> int | None:
    try:
        import onnx
    except ImportError:
        return None
    model = onnx.load(path, load_external_data=False)
    return sum(int(np.prod(t.dims)) for t in model.graph.initializer)


def _ort_file(path: str, variant: str, workdir: Path, threads: int) -> Loaded:
    provider_part, _, what = variant.rpartition("-")
    if what == "fp16":
        converted = workdir / "fp16.onnx"
        try:
            import onnx
            from onnxconverter_common import float16

            model = float16.convert_float_to_float16(onnx.load(path), keep_io_types=True)
            onnx.save(model, str(converted))
        except ImportError:
            raise Unsupported(
                "the fp16 copy needs onnxconverter-common: pip install onnxconverter-common"
            ) from None
        except Exception as exc:
            raise Unsupported(f"the fp16 conversion failed: {_line(exc)}") from None
        loaded = _ort_session(str(converted), provider_of(provider_part), "all", threads)
        loaded.precision = "float16"
        return loaded
    if what == "int8":
        quantised = workdir / "int8.onnx"
        try:
            from onnxruntime.quantization import QuantType, quantize_dynamic

            quantize_dynamic(path, str(quantised), weight_type=QuantType.QInt8)
        except Exception as exc:
            raise Unsupported(f"dynamic int8 quantisation failed: {_line(exc)}") from None
        loaded = _ort_session(str(quantised), provider_of(provider_part), "all", threads)
        loaded.precision = "int8"
        return loaded
    return _ort_session(path, provider_of(provider_part), what, threads)


def _line(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}".strip().splitlines()
    return (text[0] if text else type(exc).__name__)[:300]

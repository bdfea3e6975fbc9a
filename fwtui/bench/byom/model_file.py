"""A user's model file, checked before any framework sees it: its kind, content hash and the engines to try.

Model files are untrusted input. This module reads only bytes (no framework import, nothing unpickled): it
names the kind from the extension and checks the container matches it (``.keras`` and ``.pt2`` are zip
archives, ``.onnx`` a protobuf that starts with a field tag), hashes the content (two runs of the same file
compare, two different files never do) and lists the (engine, variant) targets each kind is measured in.
The loaders themselves (:mod:`fwtui.bench.byom.loaders`) run inside child processes and load safely:
Keras with ``safe_mode=True`` and no custom objects, ``torch.export.load`` (a JSON graph and weights-only
tensors), ONNX through ONNX Runtime's own parser.
"""

from __future__ import annotations

import hashlib
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from fwtui.errors import FwtuiError, UsageError

KINDS: dict[str, str] = {".keras": "keras", ".onnx": "onnx", ".pt2": "pt2"}
MAX_BYTES = 8 * 2**30  # refuse anything larger than this before reading it


class ModelError(FwtuiError):
    """The model file is missing, unreadable, of an unknown type or not what its name says (exit 1)."""


@dataclass(frozen=True)
class Target:
    """One way of running the model: an engine (framework) and its variant."""

    engine: str  # "keras", "onnxruntime" or "torch"
    variant: str

    @property
    def name(self) -> str:
        return f"{self.engine}/{self.variant}"


# ONNX Runtime's graph optimisation levels, as fwtui names them (variant suffix) and as ORT does.
ORT_LEVELS: dict[str, str] = {
    "none": "ORT_DISABLE_ALL",
    "basic": "ORT_ENABLE_BASIC",
    "extended": "ORT_ENABLE_EXTENDED",
    "all": "ORT_ENABLE_ALL",
}


def targets(kind: str, providers: tuple[str, ...] = ("CPUExecutionProvider",)) -> list[Target]:
    """Every (engine, variant) a model of ``kind`` is measured in; the first is the cross-check reference."""
    if kind == "keras":
        return [
            *(Target("keras", backend) for backend in ("tensorflow", "jax", "torch")),
            Target("onnxruntime", "keras-export"),
        ]
    if kind == "onnx":
        found = [
            Target("onnxruntime", f"{_short(provider)}-{level}")
            for provider in providers
            for level in ORT_LEVELS
        ]
        return [*found, Target("onnxruntime", "cpu-fp16"), Target("onnxruntime", "cpu-int8")]
    if kind == "pt2":
        return [Target("torch", "eager"), Target("torch", "compile"), Target("onnxruntime", "torch-export")]
    raise ModelError(f"unknown model kind {kind!r}")


def _short(provider: str) -> str:
    """``CUDAExecutionProvider`` -> ``cuda``."""
    return provider.removesuffix("ExecutionProvider").lower()


def provider_of(short: str) -> str:
    """Back from a variant's provider part to ONNX Runtime's name (``cuda`` -> ``CUDAExecutionProvider``)."""
    names = {"cpu": "CPU", "cuda": "CUDA", "tensorrt": "Tensorrt", "rocm": "ROCM", "coreml": "CoreML",
             "dml": "Dml", "openvino": "OpenVINO"}  # fmt: skip
    return f"{names.get(short, short)}ExecutionProvider"


@dataclass(frozen=True)
class ModelFile:
    """A model file that passed the checks: where it is, what it is, and its content hash."""

    path: str
    kind: str
    name: str  # the file name, as results show it
    sha256: str
    size_bytes: int

    @property
    def short_hash(self) -> str:
        return self.sha256[:12]


def open_model_file(path: str | Path) -> ModelFile:
    """The checked model file; raises :class:`ModelError` with one line saying what is wrong."""
    p = Path(path).expanduser()
    kind = KINDS.get(p.suffix.lower())
    if kind is None:
        raise ModelError(
            f"{p.name}: not a model file fwtui reads ({p.suffix or 'no extension'}); "
            f"give a {', '.join(KINDS)} file"
        )
    if not p.exists():
        raise ModelError(f"{p}: no such file")
    if not p.is_file():
        raise ModelError(f"{p}: not a regular file")
    size = p.stat().st_size
    if size == 0:
        raise ModelError(f"{p.name}: the file is empty")
    if size > MAX_BYTES:
        raise ModelError(
            f"{p.name}: {size / 2**30:.1f} GiB is more than fwtui reads ({MAX_BYTES / 2**30:.0f} GiB)"
        )
    try:
        with p.open("rb") as handle:
            head = handle.read(4)
        zipped = zipfile.is_zipfile(p)
    except OSError as exc:
        raise ModelError(f"{p}: cannot read it ({exc.strerror or exc})") from None
    if kind in ("keras", "pt2") and not zipped:
        raise ModelError(f"{p.name}: not a {p.suffix} file (a {p.suffix} model is a zip archive)")
    if kind == "onnx" and (zipped or not _protobuf_start(head)):
        raise ModelError(f"{p.name}: not an ONNX model (the file does not start like an ONNX protobuf)")
    return ModelFile(str(p.resolve()), kind, p.name, _sha256(p), size)


def _protobuf_start(head: bytes) -> bool:
    """An ONNX ModelProto starts with one of its fields' tags (ir_version, producer, graph, opset...)."""
    return bool(head) and head[0] in (
        0x08,
        0x12,
        0x1A,
        0x22,
        0x2A,
        0x32,
        0x3A,
        0x42,
        0x4A,
        0x52,
        0x5A,
        0x62,
        0x72,
    )


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


_SHAPE = re.compile(r"^([^=\s]+)=(\d+(?:[x,]\d+)*)$")


def parse_input_shapes(values: list[str] | None) -> dict[str, tuple[int, ...]]:
    """``["x=1x3x224x224"]`` -> ``{"x": (1, 3, 224, 224)}``; a malformed one is a :class:`UsageError`."""
    shapes: dict[str, tuple[int, ...]] = {}
    for value in values or []:
        match = _SHAPE.match(value.strip())
        if not match:
            raise UsageError(f"--input-shape {value!r}: expected NAME=DIMS, e.g. x=1x3x224x224")
        name, dims = match.group(1), tuple(int(d) for d in re.split(r"[x,]", match.group(2)))
        if any(d < 1 for d in dims):
            raise UsageError(f"--input-shape {value!r}: every dimension must be at least 1")
        if name in shapes:
            raise UsageError(f"--input-shape gives {name!r} twice")
        shapes[name] = dims
    return shapes


def child_environment(target: Target) -> dict[str, str]:
    """What a model child's environment adds: Keras' backend, chosen before Keras is imported."""
    if target.engine == "keras":
        return {"KERAS_BACKEND": target.variant}
    if target.name == "onnxruntime/keras-export":
        # Keras exports ONNX through torch.onnx on its torch backend (the other backends need tf2onnx).
        return {"KERAS_BACKEND": "torch"}
    return {}

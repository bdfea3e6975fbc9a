"""The device probes of the built-in frameworks, each named by its registry entry's ``probe`` target.

Each imports its framework and reports what it sees (a :class:`~fwtui.hardware.framework_child.ChildReport`).
Only ever called inside ``fwtui.hardware.framework_child``, a child process. A framework without a probe of
its own is described by its runner (:meth:`fwtui.bench.runner.Runner.probe_devices`).
"""

from __future__ import annotations

from importlib import metadata

from fwtui.hardware.framework_child import ChildReport


def _dist_version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def probe_torch() -> ChildReport:
    import torch

    cuda_available = bool(torch.cuda.is_available())
    count = torch.cuda.device_count() if cuda_available else 0
    names = [torch.cuda.get_device_name(i) for i in range(count)]
    mps = getattr(torch.backends, "mps", None)
    mps_built = bool(mps and mps.is_built())
    mps_available = bool(mps and mps.is_available())
    # ROCm builds of torch expose AMD GPUs through the torch.cuda API.
    gpu_kind = "rocm" if torch.version.hip else "cuda"
    devices = ["cpu", *(f"{gpu_kind}:{i} {name}" for i, name in enumerate(names))]
    if mps_available:
        devices.append("mps")
    return {
        "version": torch.__version__,
        "devices": devices,
        "details": {
            "cuda_build": torch.version.cuda,
            "hip_build": torch.version.hip,
            "cuda_available": cuda_available,
            "device_count": count,
            "device_names": names,
            "mps_built": mps_built,
            "mps_available": mps_available,
            "num_threads": torch.get_num_threads(),
            "num_interop_threads": torch.get_num_interop_threads(),
            "gpu_devices": count,
        },
    }


def probe_tensorflow() -> ChildReport:
    import tensorflow as tf

    build = dict(tf.sysconfig.get_build_info())
    physical = tf.config.list_physical_devices()
    devices = [device.name.replace("/physical_device:", "").lower() for device in physical]
    gpus = [d for d in physical if d.device_type == "GPU"]
    cuda_build = build.get("cuda_version") if build.get("is_cuda_build") else None
    return {
        "version": tf.__version__,
        "devices": devices,
        "details": {
            "cuda_build": cuda_build,
            "cudnn_build": build.get("cudnn_version") if build.get("is_cuda_build") else None,
            "rocm_build": bool(build.get("is_rocm_build")),
            "built_with_cuda": bool(tf.test.is_built_with_cuda()),
            "physical_devices": [f"{d.device_type}:{d.name}" for d in physical],
            "gpu_devices": len(gpus),
            "intra_op_threads": tf.config.threading.get_intra_op_parallelism_threads(),
            "inter_op_threads": tf.config.threading.get_inter_op_parallelism_threads(),
        },
    }


def probe_jax() -> ChildReport:
    import jax

    all_devices = jax.devices()
    backend = jax.default_backend()
    devices = [
        f"{d.platform}:{d.id}" + (f" {d.device_kind}" if d.device_kind.lower() != d.platform else "")
        for d in all_devices
    ]
    cuda_plugin = next(
        (v for v in (_dist_version("jax-cuda13-plugin"), _dist_version("jax-cuda12-plugin")) if v), None
    )
    cuda_build = None
    if _dist_version("jax-cuda13-plugin"):
        cuda_build = "13"
    elif _dist_version("jax-cuda12-plugin"):
        cuda_build = "12"
    return {
        "version": jax.__version__,
        "devices": devices,
        "details": {
            "jaxlib_version": _dist_version("jaxlib"),
            "default_backend": backend,
            "cuda_build": cuda_build,
            "cuda_plugin_version": cuda_plugin,
            "gpu_devices": sum(1 for d in all_devices if d.platform in ("gpu", "cuda", "rocm")),
            "tpu_devices": sum(1 for d in all_devices if d.platform == "tpu"),
        },
    }


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _field_bytes(number: int, payload: bytes) -> bytes:
    return _varint(number << 3 | 2) + _varint(len(payload)) + payload


def _field_int(number: int, value: int) -> bytes:
    return _varint(number << 3) + _varint(value)


def identity_model_raw(ir_version: int = 10, opset: int = 17) -> bytes:
    """A float32[1] -> float32[1] Identity ModelProto, encoded by hand for when ``onnx`` is not installed."""
    dim = _field_bytes(1, _field_int(1, 1))  # TensorShapeProto.dim { dim_value: 1 }
    tensor_type = _field_int(1, 1) + _field_bytes(2, dim)  # elem_type FLOAT, shape
    type_proto = _field_bytes(1, tensor_type)

    def value_info(name: str) -> bytes:
        return _field_bytes(1, name.encode()) + _field_bytes(2, type_proto)

    node = _field_bytes(1, b"x") + _field_bytes(2, b"y") + _field_bytes(4, b"Identity")
    graph = (
        _field_bytes(1, node)
        + _field_bytes(2, b"probe")
        + _field_bytes(11, value_info("x"))
        + _field_bytes(12, value_info("y"))
    )
    opset_import = _field_bytes(1, b"") + _field_int(2, opset)
    return _field_int(1, ir_version) + _field_bytes(7, graph) + _field_bytes(8, opset_import)


def identity_model() -> bytes:
    try:
        from onnx import TensorProto, helper
    except ImportError:
        return identity_model_raw()
    graph = helper.make_graph(
        [helper.make_node("Identity", ["x"], ["y"])],
        "probe",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1])],
    )
    # onnx writes a newer IR version than ONNX Runtime reads; 10 is understood by both.
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=10)
    serialized: bytes = model.SerializeToString()
    return serialized


def probe_onnxruntime() -> ChildReport:
    import onnxruntime as ort

    available = list(ort.get_available_providers())
    # The Azure provider calls remote endpoints; it is not a device and would only slow the session.
    local = [p for p in available if p != "AzureExecutionProvider"]
    options = ort.SessionOptions()
    options.log_severity_level = 3
    session = ort.InferenceSession(identity_model(), sess_options=options, providers=local)
    in_use = list(session.get_providers())
    gpu_providers = {
        "CUDAExecutionProvider",
        "ROCMExecutionProvider",
        "TensorrtExecutionProvider",
        "MIGraphXExecutionProvider",
        "DmlExecutionProvider",
        "CoreMLExecutionProvider",
    }
    return {
        "version": ort.__version__,
        "devices": in_use,
        "details": {
            "available_providers": available,
            "session_providers": in_use,
            "device": ort.get_device(),
            "cuda_build": "unknown" if "CUDAExecutionProvider" in available else None,
            "gpu_devices": sum(1 for p in in_use if p in gpu_providers),
        },
    }

"""A fixed, realistic hardware report for documentation, demos and deterministic UI tests."""

from __future__ import annotations

import copy
from typing import Any

from fwtui.hardware.cpu import X86_FEATURES

_SYSTEM: dict[str, Any] = {
    "os": {
        "name": "Ubuntu 24.04.1 LTS",
        "release": "6.8.0-45-generic",
        "kernel": "6.8.0-45-generic",
        "arch": "x86_64",
    },
    "python": {"version": "3.12.4", "implementation": "CPython", "executable": "/usr/bin/python3"},
    "hostname": "gpu-box",
    "cpu": {
        "brand": "Intel(R) Xeon(R) Platinum 8480+",
        "vendor": "GenuineIntel",
        "arch": "x86_64",
        "physical_cores": 56,
        "logical_cores": 112,
        "flags": list(X86_FEATURES),
    },
    "memory": {"total_bytes": 2_164_663_517_184, "available_bytes": 1_949_915_152_384},
    "gpus": [
        {
            "index": 0,
            "vendor": "NVIDIA",
            "name": "NVIDIA H100 80GB HBM3",
            "memory_total_bytes": 85_520_809_984,
            "memory_used_bytes": 21_474_836_480,
            "utilization_percent": 37.0,
            "temperature_c": 41.0,
            "power_w": 212.5,
            "driver_version": "550.90.07",
            "cuda_driver_version": "12.4",
            "compute_capability": "9.0",
        }
    ],
    "nvidia": {
        "available": True,
        "reason": None,
        "driver_version": "550.90.07",
        "cuda_driver_version": "12.4",
        "device_nodes": ["/dev/nvidia0"],
    },
    "tpus": [],
    "apple_mps": False,
    "packages": {
        "torch": "2.5.1+cu124",
        "tensorflow": "2.18.0",
        "jax": "0.4.35",
        "onnxruntime": "1.20.1",
        "jaxlib": "0.4.35",
        "onnx": "1.17.0",
        "keras": "3.6.0",
        "scikit-learn": "1.5.2",
        "numpy": "2.1.3",
        "jax-cuda12-plugin": "0.4.35",
    },
    "environment": {"XLA_PYTHON_CLIENT_PREALLOCATE": "false"},
}


def _framework(
    name: str,
    display: str,
    version: str | None,
    status: str,
    reason: str | None,
    devices: list[str],
    details: dict[str, Any],
) -> dict[str, Any]:
    return {
        "name": name,
        "display": display,
        "installed": version is not None,
        "version": version,
        "status": status,
        "reason": reason,
        "devices": devices,
        "details": details,
    }


_FRAMEWORKS: dict[str, dict[str, Any]] = {
    "torch": _framework(
        "torch",
        "PyTorch",
        "2.5.1+cu124",
        "ok",
        None,
        ["cpu", "cuda:0 NVIDIA H100 80GB HBM3"],
        {"cuda_build": "12.4", "cuda_available": True, "device_count": 1, "gpu_devices": 1},
    ),
    "tensorflow": _framework(
        "tensorflow", "TensorFlow", "2.18.0", "ok", None, ["cpu:0"], {"cuda_build": None, "gpu_devices": 0}
    ),
    "jax": _framework(
        "jax",
        "JAX",
        "0.4.35",
        "ok",
        None,
        ["cuda:0 NVIDIA H100 80GB HBM3"],
        {"cuda_build": "12", "default_backend": "gpu", "gpu_devices": 1},
    ),
    "onnxruntime": _framework(
        "onnxruntime",
        "ONNX Runtime",
        "1.20.1",
        "crashed",
        "killed by SIGSEGV: Segmentation fault in libcudnn",
        [],
        {},
    ),
}

_PEAK: dict[str, Any] = {
    "machine_id": "m-0123456789abcdef",
    "measured_at": "2025-01-15T10:30:00+00:00",
    "devices": {
        "cpu": {"float32": 3120.0, "bfloat16": 14850.0},
        "cuda:0": {"float32": 51200.0, "bfloat16": 702000.0, "float16": 715000.0, "tf32": 378000.0},
    },
    "sizes": {},
    "errors": {},
}


def example_system() -> dict[str, Any]:
    return copy.deepcopy(_SYSTEM)


def example_frameworks() -> dict[str, dict[str, Any]]:
    return copy.deepcopy(_FRAMEWORKS)


def example_peak() -> dict[str, Any]:
    return copy.deepcopy(_PEAK)


def example_report() -> dict[str, Any]:
    from fwtui.hardware.report import assemble_report

    report = assemble_report(example_system(), example_frameworks(), example_peak())
    report["generated_at"] = "2025-01-15T10:31:00+00:00"
    return report

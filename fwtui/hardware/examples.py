"""A fixed, realistic hardware report for documentation, demos and deterministic UI tests."""

from __future__ import annotations

from dataclasses import replace

from fwtui.hardware.cpu import X86_FEATURES
from fwtui.hardware.model import (
    CpuInfo,
    FrameworkProbe,
    GpuInfo,
    MemoryInfo,
    NvidiaStatus,
    OsInfo,
    PeakEntry,
    PythonInfo,
    SystemInfo,
)
from fwtui.hardware.report import HardwareReport, assemble_report

_H100 = "NVIDIA H100 80GB HBM3"


def example_system() -> SystemInfo:
    return SystemInfo(
        os=OsInfo(name="Ubuntu 24.04.1 LTS", release="6.8.0-45-generic", kernel="6.8.0-45-generic", arch="x86_64"),
        python=PythonInfo(version="3.12.4", implementation="CPython", executable="/usr/bin/python3"),
        hostname="gpu-box",
        cpu=CpuInfo(
            brand="Intel(R) Xeon(R) Platinum 8480+",
            vendor="GenuineIntel",
            arch="x86_64",
            physical_cores=56,
            logical_cores=112,
            flags=X86_FEATURES,
        ),
        memory=MemoryInfo(total_bytes=2_164_663_517_184, available_bytes=1_949_915_152_384),
        gpus=(
            GpuInfo(
                index=0,
                vendor="NVIDIA",
                name=_H100,
                memory_total_bytes=85_520_809_984,
                memory_used_bytes=21_474_836_480,
                utilization_percent=37.0,
                temperature_c=41.0,
                power_w=212.5,
                driver_version="550.90.07",
                cuda_driver_version="12.4",
                compute_capability="9.0",
            ),
        ),
        nvidia=NvidiaStatus(
            available=True, driver_version="550.90.07", cuda_driver_version="12.4", device_nodes=("/dev/nvidia0",)
        ),
        tpus=(),
        apple_mps=False,
        packages={
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
        environment={"XLA_PYTHON_CLIENT_PREALLOCATE": "false"},
    )


def example_frameworks() -> dict[str, FrameworkProbe]:
    return {
        "torch": FrameworkProbe(
            "torch",
            "PyTorch",
            installed=True,
            version="2.5.1+cu124",
            status="ok",
            devices=("cpu", f"cuda:0 {_H100}"),
            details={"cuda_build": "12.4", "cuda_available": True, "device_count": 1, "gpu_devices": 1},
        ),
        "tensorflow": FrameworkProbe(
            "tensorflow",
            "TensorFlow",
            installed=True,
            version="2.18.0",
            status="ok",
            devices=("cpu:0",),
            details={"cuda_build": None, "gpu_devices": 0},
        ),
        "jax": FrameworkProbe(
            "jax",
            "JAX",
            installed=True,
            version="0.4.35",
            status="ok",
            devices=(f"cuda:0 {_H100}",),
            details={"cuda_build": "12", "default_backend": "gpu", "gpu_devices": 1},
        ),
        "onnxruntime": FrameworkProbe(
            "onnxruntime",
            "ONNX Runtime",
            installed=True,
            version="1.20.1",
            status="crashed",
            reason="killed by SIGSEGV: Segmentation fault in libcudnn",
        ),
        "keras": FrameworkProbe(
            "keras",
            "Keras",
            installed=True,
            version="3.6.0",
            status="ok",
            devices=("tensorflow: cpu:0", f"jax: cuda:0 {_H100}", "torch: cpu", f"torch: cuda:0 {_H100}"),
            details={
                "backends": {
                    "tensorflow": {"backend_version": "2.18.0", "devices": ["cpu:0"], "gpu_devices": 0},
                    "jax": {"backend_version": "0.4.35", "devices": [f"cuda:0 {_H100}"], "gpu_devices": 1},
                    "torch": {"backend_version": "2.5.1+cu124", "devices": ["cpu", f"cuda:0 {_H100}"], "gpu_devices": 1},
                },
                "default_backend": "tensorflow",
                "gpu_devices": 1,
                "cuda_build": None,
            },
        ),
        "sklearn": FrameworkProbe(
            "sklearn",
            "scikit-learn",
            installed=True,
            version="1.5.2",
            status="ok",
            devices=("cpu",),
            details={"gpu_devices": 0, "cuda_build": None},
        ),
    }


def example_peak() -> PeakEntry:
    """Measured in every native dtype but float16 on the CPU and int8 on the GPU (never measured there)."""
    return PeakEntry(
        machine_id="m-0123456789abcdef",
        measured_at="2025-01-15T10:30:00+00:00",
        fwtui_version="0.1.0",
        devices={
            "cpu": {"float32": 3120.0, "bfloat16": 14850.0, "int8": 29400.0},
            "cuda:0": {"float32": 51200.0, "bfloat16": 702000.0, "float16": 715000.0, "tf32": 378000.0},
        },
        frameworks={
            "cpu/float32": "numpy",
            "cpu/bfloat16": "torch",
            "cpu/int8": "torch",
            **{f"cuda:0/{dtype}": "torch" for dtype in ("float32", "bfloat16", "float16", "tf32")},
        },
        measured_ats={"cpu/int8": "2025-01-15T09:00:00+00:00"},
    )


def example_report() -> HardwareReport:
    report = assemble_report(example_system(), example_frameworks(), example_peak())
    return replace(report, generated_at="2025-01-15T10:31:00+00:00")

"""Warnings are a pure function of (system, frameworks): each one trips on a crafted setup and stays quiet
on a healthy one."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from fwtui.hardware import FrameworkProbe, SystemInfo, collect_warnings
from fwtui.hardware.examples import example_frameworks, example_system
from fwtui.hardware.warnings import parse_cuda_version


def _collect(system: Mapping[str, Any], frameworks: Mapping[str, Mapping[str, Any]]) -> list[dict[str, Any]]:
    """``collect_warnings`` on a setup written here in its JSON form; the warnings come back as JSON too."""
    probes = {name: FrameworkProbe.from_dict(result, name) for name, result in frameworks.items()}
    return [warning.to_dict() for warning in collect_warnings(SystemInfo.from_dict(system), probes)]


def _cpu_only_system() -> dict[str, Any]:
    system = example_system().to_dict()
    system["gpus"] = []
    system["nvidia"] = {
        "available": False,
        "reason": "no NVIDIA driver (NVML library not found)",
        "driver_version": None,
        "cuda_driver_version": None,
        "device_nodes": [],
    }
    system["environment"] = {}
    return system


def _fw(name: str, status: str = "ok", **details: Any) -> dict[str, Any]:
    return {
        "name": name,
        "installed": status != "not_installed",
        "version": "1.0" if status != "not_installed" else None,
        "status": status,
        "reason": None,
        "devices": ["cpu"],
        "details": details,
    }


def _healthy_gpu_frameworks() -> dict[str, dict[str, Any]]:
    return {
        "torch": _fw("torch", cuda_build="12.4", gpu_devices=1),
        "tensorflow": _fw("tensorflow", cuda_build="12.3", gpu_devices=1),
        "jax": _fw("jax", cuda_build="12", gpu_devices=1),
        "onnxruntime": _fw("onnxruntime", cuda_build="unknown", gpu_devices=1),
    }


def _healthy_gpu_system() -> dict[str, Any]:
    system = example_system().to_dict()
    system["environment"] = {"XLA_PYTHON_CLIENT_PREALLOCATE": "false", "TF_FORCE_GPU_ALLOW_GROWTH": "true"}
    return system


def _messages(warnings: list[dict[str, Any]], framework: str | None = None) -> list[str]:
    return [w["message"] for w in warnings if framework is None or w["framework"] == framework]


def test_healthy_cpu_machine_has_no_warnings() -> None:
    frameworks = {name: _fw(name, gpu_devices=0) for name in ("torch", "tensorflow", "jax", "onnxruntime")}
    assert _collect(_cpu_only_system(), frameworks) == []


def test_healthy_gpu_machine_has_no_warnings() -> None:
    assert _collect(_healthy_gpu_system(), _healthy_gpu_frameworks()) == []


def test_warnings_have_the_documented_shape() -> None:
    warnings = [warning.to_dict() for warning in collect_warnings(example_system(), example_frameworks())]
    assert warnings
    for warning in warnings:
        assert set(warning) == {"level", "message", "framework"}
        assert warning["level"] in {"warning", "info"}
        assert warning["message"]


def test_cuda_build_without_a_driver() -> None:
    frameworks = {"torch": _fw("torch", cuda_build="12.4", gpu_devices=0)}
    [warning] = _collect(_cpu_only_system(), frameworks)
    assert warning["level"] == "warning"
    assert warning["framework"] == "torch"
    assert "CUDA 12.4 build" in warning["message"] and "no usable NVIDIA driver" in warning["message"]


def test_cpu_wheel_without_a_driver_is_quiet() -> None:
    # A "+cpu" torch wheel has no CUDA build version.
    assert _collect(_cpu_only_system(), {"torch": _fw("torch", cuda_build=None, gpu_devices=0)}) == []


def test_framework_built_for_a_newer_cuda_than_the_driver() -> None:
    system = _healthy_gpu_system()
    system["nvidia"]["cuda_driver_version"] = "12.2"
    frameworks = _healthy_gpu_frameworks()
    frameworks["torch"]["details"]["cuda_build"] = "12.6"
    warnings = _collect(system, frameworks)
    assert _messages(warnings, "torch") == [
        "PyTorch was built for CUDA 12.6 but the NVIDIA driver supports up to CUDA 12.2; update the driver or "
        "install a build for an older CUDA."
    ]
    # jax "12" means 12.0 and onnxruntime's unknown version cannot be compared: neither warns.
    assert _messages(warnings, "jax") == [] and _messages(warnings, "onnxruntime") == []


def test_gpu_present_but_not_seen_by_a_framework() -> None:
    frameworks = _healthy_gpu_frameworks()
    frameworks["tensorflow"]["details"]["gpu_devices"] = 0
    warnings = _collect(_healthy_gpu_system(), frameworks)
    assert _messages(warnings, "tensorflow") == [
        "TensorFlow sees no GPU although this machine has 1 NVIDIA GPU; it will run on the CPU."
    ]
    assert _messages(warnings, "torch") == []


def test_hidden_gpus_name_the_cause() -> None:
    system = _healthy_gpu_system()
    system["environment"]["CUDA_VISIBLE_DEVICES"] = ""
    frameworks = _healthy_gpu_frameworks()
    frameworks["jax"]["details"]["gpu_devices"] = 0
    [message] = _messages(_collect(system, frameworks), "jax")
    assert "CUDA_VISIBLE_DEVICES is empty" in message


@pytest.mark.parametrize(
    ("variable", "framework"),
    [("XLA_PYTHON_CLIENT_PREALLOCATE", "jax"), ("TF_FORCE_GPU_ALLOW_GROWTH", "tensorflow")],
)
def test_gpu_memory_preallocation(variable: str, framework: str) -> None:
    system = _healthy_gpu_system()
    del system["environment"][variable]
    [warning] = _collect(system, _healthy_gpu_frameworks())
    assert warning["level"] == "info"
    assert warning["framework"] == framework
    assert variable in warning["message"]


def test_preallocation_is_quiet_without_a_gpu() -> None:
    frameworks = {name: _fw(name, gpu_devices=0) for name in ("tensorflow", "jax")}
    assert _collect(_cpu_only_system(), frameworks) == []


def test_crashed_and_hung_probes_are_reported() -> None:
    frameworks = {"jax": _fw("jax", status="crashed"), "torch": _fw("torch", status="timeout")}
    frameworks["jax"]["reason"] = "killed by SIGSEGV"
    frameworks["torch"]["reason"] = "no answer within 60 s (killed)"
    assert _messages(_collect(_cpu_only_system(), frameworks)) == [
        "JAX failed to start: killed by SIGSEGV",
        "PyTorch did not answer: no answer within 60 s (killed)",
    ]


def test_missing_frameworks_are_an_info_with_the_install_command() -> None:
    [warning] = _collect(_cpu_only_system(), {"jax": _fw("jax", status="not_installed")})
    assert warning["level"] == "info"
    assert "JAX (pip install 'fwtui[jax]')" in warning["message"]


def test_device_node_without_nvml() -> None:
    system = _cpu_only_system()
    system["nvidia"]["device_nodes"] = ["/dev/nvidia0"]
    [warning] = _collect(system, {})
    assert "/dev/nvidia0 exists" in warning["message"]


def test_cuda_version_parsing() -> None:
    assert parse_cuda_version("12.4") == (12, 4)
    assert parse_cuda_version("12") == (12, 0)
    assert parse_cuda_version("unknown") is None
    assert parse_cuda_version(None) is None

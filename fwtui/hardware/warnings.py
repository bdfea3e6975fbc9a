"""Configuration problems worth telling the user about, derived purely from the probe results."""

from __future__ import annotations

from typing import Any

from fwtui.frameworks import BY_NAME

Warning_ = dict[str, Any]  # {"level": "warning"|"info", "message": str, "framework": str|None}


def _warning(level: str, message: str, framework: str | None = None) -> Warning_:
    return {"level": level, "message": message, "framework": framework}


def parse_cuda_version(text: Any) -> tuple[int, int] | None:
    """ "12.4" -> (12, 4), "12" -> (12, 0); None for anything unparseable ("unknown", None)."""
    if not isinstance(text, str):
        return None
    parts = text.strip().split(".")
    try:
        major = int(parts[0])
        minor = int(parts[1]) if len(parts) > 1 else 0
    except ValueError:
        return None
    return major, minor


def _display(name: str) -> str:
    return BY_NAME[name].display if name in BY_NAME else name


def _nvidia_gpu_present(system: dict[str, Any]) -> bool:
    return any(gpu.get("vendor") == "NVIDIA" for gpu in system.get("gpus", []))


def _cuda_build_warnings(system: dict[str, Any], name: str, result: dict[str, Any]) -> list[Warning_]:
    cuda_build = result.get("details", {}).get("cuda_build")
    if not cuda_build:
        return []
    nvidia = system.get("nvidia", {})
    label = _display(name)
    build_text = f"CUDA {cuda_build}" if parse_cuda_version(cuda_build) else "CUDA"
    if not nvidia.get("available"):
        return [
            _warning(
                "warning",
                f"{label} is a {build_text} build but this machine has no usable NVIDIA driver; it runs on the "
                f"CPU only (a CPU build is much smaller to install).",
                name,
            )
        ]
    built, driver = parse_cuda_version(cuda_build), parse_cuda_version(nvidia.get("cuda_driver_version"))
    if built and driver and built > driver:
        return [
            _warning(
                "warning",
                f"{label} was built for CUDA {cuda_build} but the NVIDIA driver supports up to CUDA "
                f"{nvidia['cuda_driver_version']}; update the driver or install a build for an older CUDA.",
                name,
            )
        ]
    return []


def _unseen_gpu_warning(system: dict[str, Any], name: str, result: dict[str, Any]) -> list[Warning_]:
    gpus = system.get("gpus", [])
    if not gpus or result.get("status") != "ok" or result.get("details", {}).get("gpu_devices"):
        return []
    vendors = sorted({gpu.get("vendor") or "GPU" for gpu in gpus})
    hidden = system.get("environment", {}).get("CUDA_VISIBLE_DEVICES") == ""
    why = " (CUDA_VISIBLE_DEVICES is empty)" if hidden else "; it will run on the CPU"
    return [
        _warning(
            "warning",
            f"{_display(name)} sees no GPU although this machine has {len(gpus)} {'/'.join(vendors)} "
            f"GPU{'s' if len(gpus) != 1 else ''}{why}.",
            name,
        )
    ]


def _preallocation_warnings(system: dict[str, Any], frameworks: dict[str, dict[str, Any]]) -> list[Warning_]:
    if not _nvidia_gpu_present(system) and not system.get("gpus"):
        return []
    env = system.get("environment", {})
    found = []
    jax = frameworks.get("jax", {})
    if jax.get("installed") and env.get("XLA_PYTHON_CLIENT_PREALLOCATE", "").lower() != "false":
        found.append(
            _warning(
                "info",
                "JAX preallocates 75% of GPU memory when it starts, starving other processes; set "
                "XLA_PYTHON_CLIENT_PREALLOCATE=false to allocate on demand.",
                "jax",
            )
        )
    tensorflow = frameworks.get("tensorflow", {})
    if tensorflow.get("installed") and env.get("TF_FORCE_GPU_ALLOW_GROWTH", "").lower() != "true":
        found.append(
            _warning(
                "info",
                "TensorFlow maps nearly all GPU memory when it starts; set TF_FORCE_GPU_ALLOW_GROWTH=true "
                "to allocate on demand.",
                "tensorflow",
            )
        )
    return found


def _probe_failure_warning(name: str, result: dict[str, Any]) -> list[Warning_]:
    status = result.get("status")
    if status == "crashed":
        return [_warning("warning", f"{_display(name)} failed to start: {result.get('reason')}", name)]
    if status == "timeout":
        return [_warning("warning", f"{_display(name)} did not answer: {result.get('reason')}", name)]
    return []


def collect_warnings(system: dict[str, Any], frameworks: dict[str, dict[str, Any]] | None) -> list[Warning_]:
    """Every warning for this (system, frameworks) pair; an empty list for a healthy setup."""
    frameworks = frameworks or {}
    found: list[Warning_] = []
    nvidia = system.get("nvidia", {})
    if nvidia.get("device_nodes") and not nvidia.get("available"):
        found.append(
            _warning(
                "warning",
                f"{', '.join(nvidia['device_nodes'])} exists but NVML cannot be used ({nvidia.get('reason')}); "
                "GPU frameworks will not find the GPU.",
            )
        )
    for name, result in frameworks.items():
        found += _probe_failure_warning(name, result)
        found += _cuda_build_warnings(system, name, result)
        found += _unseen_gpu_warning(system, name, result)
    found += _preallocation_warnings(system, frameworks)
    missing = [
        BY_NAME[name]
        for name, result in frameworks.items()
        if result.get("status") == "not_installed" and name in BY_NAME
    ]
    if missing:
        hints = ", ".join(f"{fw.display} ({fw.install_command})" for fw in missing)
        found.append(_warning("info", f"Not installed: {hints}."))
    return found

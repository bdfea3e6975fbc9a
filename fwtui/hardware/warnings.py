"""Configuration problems worth telling the user about, derived purely from the probe results."""

from __future__ import annotations

from collections.abc import Mapping

from fwtui.frameworks import BY_NAME
from fwtui.hardware.model import FrameworkProbe, HardwareWarning, SystemInfo


def parse_cuda_version(text: object) -> tuple[int, int] | None:
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


def _cuda_build_warnings(system: SystemInfo, name: str, result: FrameworkProbe) -> list[HardwareWarning]:
    cuda_build = result.cuda_build
    if not cuda_build:
        return []
    nvidia = system.nvidia
    label = _display(name)
    build_text = f"CUDA {cuda_build}" if parse_cuda_version(cuda_build) else "CUDA"
    if not nvidia.available:
        return [
            HardwareWarning(
                "warning",
                f"{label} is a {build_text} build but this machine has no usable NVIDIA driver; it runs on the "
                f"CPU only (a CPU build is much smaller to install).",
                name,
            )
        ]
    built, driver = parse_cuda_version(cuda_build), parse_cuda_version(nvidia.cuda_driver_version)
    if built and driver and built > driver:
        return [
            HardwareWarning(
                "warning",
                f"{label} was built for CUDA {cuda_build} but the NVIDIA driver supports up to CUDA "
                f"{nvidia.cuda_driver_version}; update the driver or install a build for an older CUDA.",
                name,
            )
        ]
    return []


def _unseen_gpu_warning(system: SystemInfo, name: str, result: FrameworkProbe) -> list[HardwareWarning]:
    gpus = system.gpus
    if not gpus or result.status != "ok" or result.gpu_devices:
        return []
    if name in BY_NAME and BY_NAME[name].devices == ("cpu",):
        return []  # a CPU-only framework (scikit-learn) is expected to see no GPU
    vendors = sorted({gpu.vendor or "GPU" for gpu in gpus})
    hidden = system.environment.get("CUDA_VISIBLE_DEVICES") == ""
    why = " (CUDA_VISIBLE_DEVICES is empty)" if hidden else "; it will run on the CPU"
    return [
        HardwareWarning(
            "warning",
            f"{_display(name)} sees no GPU although this machine has {len(gpus)} {'/'.join(vendors)} "
            f"GPU{'s' if len(gpus) != 1 else ''}{why}.",
            name,
        )
    ]


def _preallocation_warnings(
    system: SystemInfo, frameworks: Mapping[str, FrameworkProbe]
) -> list[HardwareWarning]:
    if not system.gpus:
        return []
    env = system.environment
    found = []
    jax = frameworks.get("jax")
    if jax is not None and jax.installed and env.get("XLA_PYTHON_CLIENT_PREALLOCATE", "").lower() != "false":
        found.append(
            HardwareWarning(
                "info",
                "JAX preallocates 75% of GPU memory when it starts, starving other processes; set "
                "XLA_PYTHON_CLIENT_PREALLOCATE=false to allocate on demand.",
                "jax",
            )
        )
    tensorflow = frameworks.get("tensorflow")
    if (
        tensorflow is not None
        and tensorflow.installed
        and env.get("TF_FORCE_GPU_ALLOW_GROWTH", "").lower() != "true"
    ):
        found.append(
            HardwareWarning(
                "info",
                "TensorFlow maps nearly all GPU memory when it starts; set TF_FORCE_GPU_ALLOW_GROWTH=true "
                "to allocate on demand.",
                "tensorflow",
            )
        )
    return found


def _probe_failure_warning(name: str, result: FrameworkProbe) -> list[HardwareWarning]:
    if result.status == "crashed":
        return [HardwareWarning("warning", f"{_display(name)} failed to start: {result.reason}", name)]
    if result.status == "timeout":
        return [HardwareWarning("warning", f"{_display(name)} did not answer: {result.reason}", name)]
    return []


def collect_warnings(
    system: SystemInfo, frameworks: Mapping[str, FrameworkProbe] | None
) -> list[HardwareWarning]:
    """Every warning for this (system, frameworks) pair; an empty list for a healthy setup."""
    frameworks = frameworks or {}
    found: list[HardwareWarning] = []
    nvidia = system.nvidia
    if nvidia.device_nodes and not nvidia.available:
        found.append(
            HardwareWarning(
                "warning",
                f"{', '.join(nvidia.device_nodes)} exists but NVML cannot be used ({nvidia.reason}); "
                "GPU frameworks will not find the GPU.",
            )
        )
    for name, result in frameworks.items():
        found += _probe_failure_warning(name, result)
        found += _cuda_build_warnings(system, name, result)
        found += _unseen_gpu_warning(system, name, result)
    found += _preallocation_warnings(system, frameworks)
    missing = [
        BY_NAME[name] for name, result in frameworks.items() if result.status == "not_installed" and name in BY_NAME
    ]
    if missing:
        hints = ", ".join(f"{fw.display} ({fw.install_command})" for fw in missing)
        found.append(HardwareWarning("info", f"Not installed: {hints}."))
    return found

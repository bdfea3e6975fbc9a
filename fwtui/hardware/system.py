"""The fast, import-free system probe that the Hardware screen paints from at start-up."""

from __future__ import annotations

import contextlib
import os
import platform
import socket
import sys

from fwtui.hardware.cpu import probe_cpu
from fwtui.hardware.gpus import apple_mps_capable, probe_amd, probe_nvidia, probe_tpus
from fwtui.hardware.model import MemoryInfo, OsInfo, PythonInfo, SystemInfo
from fwtui.hardware.packages import installed_packages

# Environment variables that change how frameworks use the hardware (shown and checked by the warnings).
RELEVANT_ENV: tuple[str, ...] = (
    "CUDA_VISIBLE_DEVICES",
    "HIP_VISIBLE_DEVICES",
    "XLA_PYTHON_CLIENT_PREALLOCATE",
    "XLA_PYTHON_CLIENT_MEM_FRACTION",
    "TF_FORCE_GPU_ALLOW_GROWTH",
    "OMP_NUM_THREADS",
    "MKL_NUM_THREADS",
    "JAX_PLATFORMS",
)


def probe_memory() -> MemoryInfo:
    try:
        import psutil

        vm = psutil.virtual_memory()
        return MemoryInfo(total_bytes=int(vm.total), available_bytes=int(vm.available))
    except Exception:
        return MemoryInfo()


def probe_os() -> OsInfo:
    uname = platform.uname()
    name = uname.system
    release = uname.release
    if name == "Linux":
        with contextlib.suppress(OSError):
            name = platform.freedesktop_os_release().get("PRETTY_NAME", name)
    elif name == "Darwin":
        name, release = "macOS", platform.mac_ver()[0] or release
    elif name == "Windows":
        release = platform.version()
    return OsInfo(name=name, release=release, kernel=uname.release, arch=uname.machine)


def probe_system() -> SystemInfo:
    """Everything knowable without starting a framework."""
    nvidia, nvidia_gpus = probe_nvidia()
    return SystemInfo(
        os=probe_os(),
        python=PythonInfo(
            version=platform.python_version(),
            implementation=platform.python_implementation(),
            executable=sys.executable,
        ),
        hostname=socket.gethostname(),
        cpu=probe_cpu(),
        memory=probe_memory(),
        gpus=tuple(nvidia_gpus + probe_amd()),
        nvidia=nvidia,
        tpus=tuple(probe_tpus()),
        apple_mps=apple_mps_capable(),
        packages=installed_packages(),
        environment={var: os.environ[var] for var in RELEVANT_ENV if var in os.environ},
    )

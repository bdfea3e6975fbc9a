"""Accelerators: NVIDIA GPUs through NVML, AMD GPUs and Google TPUs through sysfs, Apple MPS.

Every field a driver cannot report becomes ``None``; nothing here raises because a GPU is odd.
"""

from __future__ import annotations

import ctypes
import os
import platform
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

from fwtui.hardware.model import GpuInfo, NvidiaStatus, TpuInfo

NO_DRIVER_REASON = "no NVIDIA driver (NVML library not found)"
NVIDIA_DEVICE_NODES: tuple[str, ...] = ("/dev/nvidia0", "/dev/dxg")  # dxg: a GPU passed through to WSL2
AMD_PCI_VENDOR = "0x1002"
TPU_PCI_VENDOR = "0x1ae0"

T = TypeVar("T")

_nvml_lock = threading.Lock()
_nvml_ready = False


def _field(getter: Callable[[], T]) -> T | None:
    """One NVML query; an unsupported field (common on consumer and virtual GPUs) becomes None."""
    try:
        return getter()
    except Exception:
        return None


def _text(value: object) -> str | None:
    if value is None:
        return None
    return value.decode(errors="replace") if isinstance(value, bytes) else str(value)


def format_cuda_version(encoded: int | None) -> str | None:
    """NVML encodes the CUDA driver version as 1000*major + 10*minor: 12040 -> "12.4"."""
    if not encoded:
        return None
    return f"{encoded // 1000}.{(encoded % 1000) // 10}"


def _nvml_init(library_path: str | None) -> Any:
    """Load and initialise NVML once per process; raises pynvml.NVMLError on failure."""
    global _nvml_ready
    import pynvml

    with _nvml_lock:
        if library_path is not None:
            # An explicit library (FWTUI_NVML_LIBRARY or a caller) replaces pynvml's own search.
            try:
                lib = ctypes.CDLL(library_path)
            except OSError:
                raise pynvml.NVMLError(pynvml.NVML_ERROR_LIBRARY_NOT_FOUND) from None
            pynvml.nvmlLib = lib
            _nvml_ready = False
        if not _nvml_ready:
            pynvml.nvmlInit()
            _nvml_ready = True
    return pynvml


def _nvml_reason(exc: Exception) -> str:
    try:
        import pynvml

        if isinstance(exc, pynvml.NVMLError_LibraryNotFound):
            return NO_DRIVER_REASON
        if isinstance(exc, pynvml.NVMLError_DriverNotLoaded):
            return "no NVIDIA driver (the kernel driver is not loaded)"
        if isinstance(exc, pynvml.NVMLError_NoPermission):
            return "NVIDIA driver present but NVML access was denied"
    except ImportError:
        pass
    return f"NVML failed: {exc}"


def _nvidia_gpu(nvml: Any, index: int, driver: str | None, cuda: str | None) -> GpuInfo:
    handle = nvml.nvmlDeviceGetHandleByIndex(index)
    memory = _field(lambda: nvml.nvmlDeviceGetMemoryInfo(handle))
    util = _field(lambda: nvml.nvmlDeviceGetUtilizationRates(handle))
    power_mw = _field(lambda: nvml.nvmlDeviceGetPowerUsage(handle))
    capability = _field(lambda: nvml.nvmlDeviceGetCudaComputeCapability(handle))
    return GpuInfo(
        index=index,
        vendor="NVIDIA",
        name=_text(_field(lambda: nvml.nvmlDeviceGetName(handle))) or f"NVIDIA GPU {index}",
        memory_total_bytes=int(memory.total) if memory is not None else None,
        memory_used_bytes=int(memory.used) if memory is not None else None,
        utilization_percent=float(util.gpu) if util is not None else None,
        temperature_c=_field(
            lambda: float(nvml.nvmlDeviceGetTemperature(handle, nvml.NVML_TEMPERATURE_GPU))
        ),
        power_w=power_mw / 1000.0 if power_mw is not None else None,
        driver_version=driver,
        cuda_driver_version=cuda,
        compute_capability=f"{capability[0]}.{capability[1]}" if capability else None,
    )


def probe_nvidia(library_path: str | None = None) -> tuple[NvidiaStatus, list[GpuInfo]]:
    """``(nvidia_status, gpus)``. ``library_path`` (or ``$FWTUI_NVML_LIBRARY``) overrides NVML's location."""
    library_path = library_path or os.environ.get("FWTUI_NVML_LIBRARY") or None
    nodes = tuple(node for node in NVIDIA_DEVICE_NODES if os.path.exists(node))
    try:
        nvml = _nvml_init(library_path)
        count = nvml.nvmlDeviceGetCount()
    except Exception as exc:
        reason = _nvml_reason(exc)
        if nodes and reason == NO_DRIVER_REASON:
            reason += f"; {', '.join(nodes)} exists, so the driver libraries may be missing"
        return NvidiaStatus(available=False, reason=reason, device_nodes=nodes), []
    driver = _text(_field(nvml.nvmlSystemGetDriverVersion))
    cuda = format_cuda_version(_field(nvml.nvmlSystemGetCudaDriverVersion))
    gpus = []
    for index in range(count):
        try:
            gpus.append(_nvidia_gpu(nvml, index, driver, cuda))
        except Exception as exc:  # a GPU that fell off the bus must not hide the others
            name = f"unreadable: {exc}"
            gpus.append(GpuInfo(index, "NVIDIA", name, driver_version=driver, cuda_driver_version=cuda))
    status = NvidiaStatus(
        available=True,
        reason=None if gpus else "NVIDIA driver loaded but it sees no GPU",
        driver_version=driver,
        cuda_driver_version=cuda,
        device_nodes=nodes,
    )
    return status, gpus


def sample_nvidia_utilization() -> list[float | None]:
    """Current utilisation of each NVIDIA GPU (for live graphs); empty without NVML."""
    try:
        nvml = _nvml_init(None)
        count = nvml.nvmlDeviceGetCount()
    except Exception:
        return []

    def utilisation(index: int) -> float | None:
        util = _field(lambda: nvml.nvmlDeviceGetUtilizationRates(nvml.nvmlDeviceGetHandleByIndex(index)))
        return float(util.gpu) if util is not None else None

    return [utilisation(index) for index in range(count)]


def _read(path: Path) -> str | None:
    try:
        return path.read_text().strip()
    except (OSError, UnicodeDecodeError):
        return None


def _read_int(path: Path) -> int | None:
    text = _read(path)
    try:
        return int(text) if text is not None else None
    except ValueError:
        return None


def _first_hwmon_value(device: Path, name: str, scale: float) -> float | None:
    for hwmon in sorted(device.glob("hwmon/hwmon*")):
        value = _read_int(hwmon / name)
        if value is not None:
            return value / scale
    return None


def probe_amd(sysfs: Path = Path("/sys")) -> list[GpuInfo]:
    """AMD GPUs from DRM sysfs (name, VRAM, busy %, temperature, power), else KFD topology."""
    gpus: list[GpuInfo] = []
    for card in sorted((sysfs / "class" / "drm").glob("card[0-9]*")):
        if "-" in card.name:  # connectors such as card0-HDMI-A-1
            continue
        device = card / "device"
        if _read(device / "vendor") != AMD_PCI_VENDOR:
            continue
        busy = _read_int(device / "gpu_busy_percent")
        gpus.append(
            GpuInfo(
                index=len(gpus),
                vendor="AMD",
                name=_read(device / "product_name") or f"AMD GPU (device {_read(device / 'device') or '?'})",
                memory_total_bytes=_read_int(device / "mem_info_vram_total"),
                memory_used_bytes=_read_int(device / "mem_info_vram_used"),
                utilization_percent=float(busy) if busy is not None else None,
                temperature_c=_first_hwmon_value(device, "temp1_input", 1000.0),
                power_w=_first_hwmon_value(device, "power1_average", 1_000_000.0),
            )
        )
    if gpus:
        return gpus
    # No DRM view (containers often expose only /dev/kfd): count GPU nodes in the KFD topology.
    for node in sorted((sysfs / "class" / "kfd" / "kfd" / "topology" / "nodes").glob("*")):
        props = _parse_kfd_properties(_read(node / "properties") or "")
        if props.get("simd_count", 0) > 0 and props.get("vendor_id") == int(AMD_PCI_VENDOR, 16):
            target = props.get("gfx_target_version")
            gpus.append(GpuInfo(len(gpus), "AMD", f"AMD GPU (gfx target {target})" if target else "AMD GPU"))
    return gpus


def _parse_kfd_properties(text: str) -> dict[str, int]:
    values: dict[str, int] = {}
    for line in text.splitlines():
        key, _, value = line.partition(" ")
        try:
            values[key] = int(value.strip())
        except ValueError:
            continue
    return values


def probe_tpus(sysfs: Path = Path("/sys"), env: Mapping[str, str] | None = None) -> list[TpuInfo]:
    """Google TPUs: PCI devices with vendor 0x1ae0; the accelerator type from the TPU VM environment."""
    environ = os.environ if env is None else env
    accelerator_type = environ.get("TPU_ACCELERATOR_TYPE") or None
    tpus: list[TpuInfo] = []
    for device in sorted((sysfs / "bus" / "pci" / "devices").glob("*")):
        if _read(device / "vendor") == TPU_PCI_VENDOR:
            tpus.append(
                TpuInfo(
                    index=len(tpus),
                    pci_address=device.name,
                    device_id=_read(device / "device"),
                    accelerator_type=accelerator_type,
                )
            )
    if not tpus and accelerator_type:
        tpus.append(TpuInfo(index=0, accelerator_type=accelerator_type))
    return tpus


def apple_mps_capable() -> bool:
    """Apple silicon runs Metal Performance Shaders; whether a framework uses it is the framework probe's job."""
    return platform.system() == "Darwin" and platform.machine() == "arm64"

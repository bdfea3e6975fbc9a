"""The typed parts of a hardware report: what the system probe, the framework probes and the peak cache found.

Each part reads its JSON form with ``from_dict`` (tolerant: a missing field takes its default, so reports from
older versions still load) and writes it with ``to_dict``, which keeps the field order of ``fwtui hw --json``.
A driver that cannot report a value gives ``None``, never a made-up number.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal, get_args

from fwtui.json_fields import (
    JsonObject,
    flag,
    integer,
    items,
    json_map,
    json_object,
    number,
    optional_float,
    optional_int,
    optional_text,
    optional_text_map,
    text,
    text_map,
    texts,
    to_json,
)

ProbeStatus = Literal["ok", "crashed", "timeout", "not_installed", "not_probed", "probing"]
WarningLevel = Literal["warning", "info"]
PROBE_STATUSES: tuple[ProbeStatus, ...] = get_args(ProbeStatus)


class _JsonForm:
    """``to_dict`` for the parts: every field, in declaration order, as plain JSON."""

    def to_dict(self) -> JsonObject:
        data = to_json(self)
        assert isinstance(data, dict)  # a dataclass always converts to an object
        return data


@dataclass(frozen=True)
class OsInfo(_JsonForm):
    name: str = ""  # "Ubuntu 24.04.1 LTS", "macOS", "Windows"
    release: str = ""
    kernel: str = ""
    arch: str = ""

    @classmethod
    def from_dict(cls, data: object) -> OsInfo:
        d = json_object(data)
        return cls(text(d, "name"), text(d, "release"), text(d, "kernel"), text(d, "arch"))


@dataclass(frozen=True)
class PythonInfo(_JsonForm):
    version: str = ""
    implementation: str = ""
    executable: str = ""

    @classmethod
    def from_dict(cls, data: object) -> PythonInfo:
        d = json_object(data)
        return cls(text(d, "version"), text(d, "implementation"), text(d, "executable"))


@dataclass(frozen=True)
class CpuInfo(_JsonForm):
    brand: str = ""
    vendor: str | None = None
    arch: str = ""
    physical_cores: int | None = None
    logical_cores: int | None = None
    flags: tuple[str, ...] = ()  # the ML-relevant instruction-set features present, in display order

    @classmethod
    def from_dict(cls, data: object) -> CpuInfo:
        d = json_object(data)
        return cls(
            brand=text(d, "brand"),
            vendor=optional_text(d, "vendor"),
            arch=text(d, "arch"),
            physical_cores=optional_int(d, "physical_cores"),
            logical_cores=optional_int(d, "logical_cores"),
            flags=texts(d, "flags"),
        )


@dataclass(frozen=True)
class MemoryInfo(_JsonForm):
    total_bytes: int | None = None
    available_bytes: int | None = None

    @classmethod
    def from_dict(cls, data: object) -> MemoryInfo:
        d = json_object(data)
        return cls(optional_int(d, "total_bytes"), optional_int(d, "available_bytes"))


@dataclass(frozen=True)
class GpuInfo(_JsonForm):
    index: int
    vendor: str  # "NVIDIA", "AMD"
    name: str
    memory_total_bytes: int | None = None
    memory_used_bytes: int | None = None
    utilization_percent: float | None = None
    temperature_c: float | None = None
    power_w: float | None = None
    driver_version: str | None = None
    cuda_driver_version: str | None = None
    compute_capability: str | None = None

    @classmethod
    def from_dict(cls, data: object) -> GpuInfo:
        d = json_object(data)
        return cls(
            index=integer(d, "index"),
            vendor=text(d, "vendor"),
            name=text(d, "name"),
            memory_total_bytes=optional_int(d, "memory_total_bytes"),
            memory_used_bytes=optional_int(d, "memory_used_bytes"),
            utilization_percent=optional_float(d, "utilization_percent"),
            temperature_c=optional_float(d, "temperature_c"),
            power_w=optional_float(d, "power_w"),
            driver_version=optional_text(d, "driver_version"),
            cuda_driver_version=optional_text(d, "cuda_driver_version"),
            compute_capability=optional_text(d, "compute_capability"),
        )


@dataclass(frozen=True)
class NvidiaStatus(_JsonForm):
    """Whether the NVIDIA driver (NVML) can be used, and if not, why."""

    available: bool = False
    reason: str | None = None
    driver_version: str | None = None
    cuda_driver_version: str | None = None  # the newest CUDA the driver supports, "12.4"
    device_nodes: tuple[str, ...] = ()

    @classmethod
    def from_dict(cls, data: object) -> NvidiaStatus:
        d = json_object(data)
        return cls(
            available=flag(d, "available"),
            reason=optional_text(d, "reason"),
            driver_version=optional_text(d, "driver_version"),
            cuda_driver_version=optional_text(d, "cuda_driver_version"),
            device_nodes=texts(d, "device_nodes"),
        )


@dataclass(frozen=True)
class TpuInfo(_JsonForm):
    index: int
    vendor: str = "Google"
    pci_address: str | None = None
    device_id: str | None = None
    accelerator_type: str | None = None  # "v5litepod-8", from the TPU VM's environment

    @classmethod
    def from_dict(cls, data: object) -> TpuInfo:
        d = json_object(data)
        return cls(
            index=integer(d, "index"),
            vendor=text(d, "vendor", "Google"),
            pci_address=optional_text(d, "pci_address"),
            device_id=optional_text(d, "device_id"),
            accelerator_type=optional_text(d, "accelerator_type"),
        )


@dataclass(frozen=True)
class SystemInfo(_JsonForm):
    """Everything knowable without starting a framework (``probe_system()``)."""

    os: OsInfo = OsInfo()
    python: PythonInfo = PythonInfo()
    hostname: str = ""
    cpu: CpuInfo = CpuInfo()
    memory: MemoryInfo = MemoryInfo()
    gpus: tuple[GpuInfo, ...] = ()
    nvidia: NvidiaStatus = NvidiaStatus()
    tpus: tuple[TpuInfo, ...] = ()
    apple_mps: bool = False  # Apple silicon: Metal Performance Shaders are there for a framework to use
    packages: Mapping[str, str | None] = field(default_factory=dict)  # distribution -> version, None if absent
    environment: Mapping[str, str] = field(default_factory=dict)  # the relevant variables that are set

    @classmethod
    def from_dict(cls, data: object) -> SystemInfo:
        d = json_object(data)
        return cls(
            os=OsInfo.from_dict(d.get("os")),
            python=PythonInfo.from_dict(d.get("python")),
            hostname=text(d, "hostname"),
            cpu=CpuInfo.from_dict(d.get("cpu")),
            memory=MemoryInfo.from_dict(d.get("memory")),
            gpus=items(d, "gpus", GpuInfo.from_dict),
            nvidia=NvidiaStatus.from_dict(d.get("nvidia")),
            tpus=items(d, "tpus", TpuInfo.from_dict),
            apple_mps=flag(d, "apple_mps"),
            packages=optional_text_map(d, "packages"),
            environment=text_map(d, "environment"),
        )

    def nvidia_gpus(self) -> tuple[GpuInfo, ...]:
        return tuple(gpu for gpu in self.gpus if gpu.vendor == "NVIDIA")


@dataclass(frozen=True)
class FrameworkProbe(_JsonForm):
    """What one framework, imported in its own child process, reported (or why it could not)."""

    name: str  # the import name: torch, tensorflow, jax, onnxruntime
    display: str
    installed: bool
    version: str | None
    status: ProbeStatus
    reason: str | None = None
    devices: tuple[str, ...] = ()
    details: JsonObject = field(default_factory=dict)  # framework-specific: cuda_build, gpu_devices, ...

    @classmethod
    def from_dict(cls, data: object, name: str = "") -> FrameworkProbe:
        """``name`` is the key the probe was filed under, for entries that do not repeat it."""
        d = json_object(data)
        status = d.get("status")
        framework = text(d, "name", name)
        return cls(
            name=framework,
            display=text(d, "display", framework),
            installed=flag(d, "installed"),
            version=optional_text(d, "version"),
            status=next((s for s in PROBE_STATUSES if s == status), "not_probed"),
            reason=optional_text(d, "reason"),
            devices=texts(d, "devices"),
            details=json_map(d, "details"),
        )

    @property
    def gpu_devices(self) -> int:
        """How many GPUs (or other accelerators) the framework itself sees."""
        count = self.details.get("gpu_devices")
        return count if isinstance(count, int) and not isinstance(count, bool) else 0

    @property
    def cuda_build(self) -> str | None:
        """The CUDA version the installed build targets ("12.4", "12", "unknown"); None for a CPU build."""
        build = self.details.get("cuda_build")
        return build if isinstance(build, str) and build else None


@dataclass(frozen=True)
class PeakEntry(_JsonForm):
    """The cached peak GEMM throughput of one machine, per device and dtype, in GFLOP/s (int8: giga-ops/s).

    Keys of the per-figure maps are ``"device/dtype"``. Figures are measured per dtype and may be measured
    at different times (``fwtui hw --measure-peak --dtype int8`` keeps the others), so each has its own time
    and busy mark; ``measured_at`` and ``busy`` describe the latest measurement as a whole.
    """

    machine_id: str
    measured_at: str
    fwtui_version: str | None
    devices: Mapping[str, Mapping[str, float | None]]  # "cpu" / "cuda:0" -> dtype -> GFLOP/s
    sizes: Mapping[str, int] = field(default_factory=dict)  # "cpu/float32" -> the matrix size timed
    errors: Mapping[str, str] = field(default_factory=dict)  # what could not be measured, and why
    medians: Mapping[str, float] = field(default_factory=dict)  # "cpu/float32" -> median of the repeats
    busy: str | None = None  # why the machine was too busy for the figures to be a peak (then unused)
    software: str | None = None  # the versions it was measured with (a new BLAS or driver re-measures)
    frameworks: Mapping[str, str] = field(default_factory=dict)  # "cpu/bfloat16" -> "torch": who measured it
    measured_ats: Mapping[str, str] = field(default_factory=dict)  # "cpu/int8" -> when (else measured_at)
    busy_keys: Mapping[str, str] = field(default_factory=dict)  # figures measured under load: never used
    unsupported: Mapping[str, str] = field(default_factory=dict)  # "cpu/float16" -> why the device lacks it

    @classmethod
    def from_dict(cls, data: object) -> PeakEntry:
        d = json_object(data)
        devices = {
            device: {dtype: number(value) for dtype, value in json_object(values).items()}
            for device, values in json_object(d.get("devices")).items()
        }
        sizes = json_object(d.get("sizes"))
        busy = optional_text(d, "busy")
        busy_keys = text_map(d, "busy_keys")
        if busy is not None and "busy_keys" not in d:  # written before figures had their own busy mark
            busy_keys = {f"{dev}/{dt}": busy for dev, values in devices.items() for dt in values}
        return cls(
            machine_id=text(d, "machine_id"),
            measured_at=text(d, "measured_at"),
            fwtui_version=optional_text(d, "fwtui_version"),
            devices=devices,
            sizes={key: size for key in sizes if (size := optional_int(sizes, key)) is not None},
            errors=text_map(d, "errors"),
            medians={k: v for k, raw in json_object(d.get("medians")).items() if (v := number(raw)) is not None},
            busy=busy,
            software=optional_text(d, "software"),
            frameworks=text_map(d, "frameworks"),
            measured_ats=text_map(d, "measured_ats"),
            busy_keys=busy_keys,
            unsupported=text_map(d, "unsupported"),
        )

    def gflops(self, device: str, dtype: str) -> float | None:
        """The figure as measured, busy or not (:meth:`usable` is the one to compare with)."""
        return self.devices.get(device, {}).get(dtype)

    def usable(self, device: str, dtype: str) -> float | None:
        """The figure, unless it was measured while the machine was busy (then it is too low to be a peak)."""
        return None if f"{device}/{dtype}" in self.busy_keys else self.gflops(device, dtype)

    def usable_devices(self) -> dict[str, dict[str, float | None]]:
        """device -> dtype -> GFLOP/s of every figure not measured busy (a device without one is left out)."""
        usable: dict[str, dict[str, float | None]] = {}
        for device, values in self.devices.items():
            for dtype in values:
                if (value := self.usable(device, dtype)) is not None:
                    usable.setdefault(device, {})[dtype] = value
        return usable

    def measured_at_of(self, key: str) -> str:
        return self.measured_ats.get(key, self.measured_at)


@dataclass(frozen=True)
class HardwareWarning(_JsonForm):
    level: WarningLevel
    message: str
    framework: str | None = None  # the framework it is about, if any

    @classmethod
    def from_dict(cls, data: object) -> HardwareWarning:
        d = json_object(data)
        return cls(
            "warning" if d.get("level") == "warning" else "info",
            text(d, "message"),
            optional_text(d, "framework"),
        )

"""Which dtypes each device runs natively, so a peak is only ever measured on a native path.

A CPU without bfloat16 or float16 instructions still multiplies those dtypes, through a slow emulated path
(PyTorch's float16 GEMM on this machine's avx512_bf16 CPU: 0.8 GFLOP/s against 25 in float32); such a number
is no peak, so a dtype the device lacks is reported with the reason and never measured. Each native dtype is
measured in the one framework that runs it natively, named with the figure.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass

from fwtui.hardware.model import SystemInfo

PEAK_DTYPES: tuple[str, ...] = ("float32", "bfloat16", "float16", "int8")
INTEGER_DTYPES = frozenset({"int8"})  # counted in integer operations (TOPS), not FLOPs
# CPU features (fwtui.hardware.cpu's vocabulary) that give each reduced dtype a native GEMM. amx_fp16 is not
# tracked: every CPU with it also has avx512_fp16.
CPU_NATIVE_FEATURES: dict[str, tuple[str, ...]] = {
    "bfloat16": ("avx512_bf16", "amx_bf16", "bf16"),
    "float16": ("avx512_fp16",),
    "int8": ("avx512_vnni", "avx_vnni", "amx_int8", "i8mm"),
}
# The lowest CUDA compute capability with a native GEMM for each dtype (tf32 and bfloat16 tensor cores came
# with Ampere, float16 tensor cores with Volta, int8 tensor cores with Turing).
CUDA_MIN_CAPABILITY: dict[str, tuple[int, int]] = {
    "float32": (0, 0),
    "tf32": (8, 0),
    "bfloat16": (8, 0),
    "float16": (7, 0),
    "int8": (7, 5),
}
CUDA_DTYPES: tuple[str, ...] = ("float32", "tf32", "bfloat16", "float16", "int8")


@dataclass(frozen=True)
class DtypePlan:
    """One device and dtype: the framework that measures it natively, or why it is not measured."""

    device: str  # "cpu", "cuda:0"
    dtype: str
    framework: str | None  # "numpy", "torch"; None when not measured
    reason: str | None = None  # why not: the device lacks it natively, or the framework is missing

    @property
    def key(self) -> str:
        return f"{self.device}/{self.dtype}"


def parse_dtypes(raw: str) -> tuple[str, ...]:
    """``"float32,bfloat16"`` -> the dtypes, in the order given; ValueError names an unknown one."""
    names = tuple(dict.fromkeys(part.strip() for part in raw.split(",") if part.strip()))
    unknown = [name for name in names if name not in PEAK_DTYPES and name != "tf32"]
    if unknown or not names:
        given = f", not {unknown[0]!r}" if unknown else ""
        raise ValueError(f"--dtype takes a comma list of {', '.join(PEAK_DTYPES)} (or tf32 on a GPU){given}")
    return names


def cpu_plan(flags: Collection[str], dtypes: Iterable[str], torch_installed: bool) -> list[DtypePlan]:
    plans = []
    for dtype in dtypes:
        if dtype == "tf32":
            continue  # a CUDA-only mode
        if dtype == "float32":
            plans.append(DtypePlan("cpu", dtype, "numpy"))  # NumPy's BLAS: every CPU runs float32 natively
            continue
        features = CPU_NATIVE_FEATURES[dtype]
        if not set(features) & set(flags):
            why = f"no native {dtype} on this CPU (needs {' or '.join(features)})"
            plans.append(DtypePlan("cpu", dtype, None, why))
        elif not torch_installed:
            plans.append(
                DtypePlan("cpu", dtype, None, f"measuring {dtype} needs PyTorch, which is not installed")
            )
        else:
            plans.append(DtypePlan("cpu", dtype, "torch"))
    return plans


def cuda_plan(
    device: str, capability: tuple[int, int] | None, dtypes: Iterable[str], torch_installed: bool
) -> list[DtypePlan]:
    plans = []
    for dtype in dtypes:
        if dtype not in CUDA_MIN_CAPABILITY:
            continue
        needed = CUDA_MIN_CAPABILITY[dtype]
        if capability is not None and capability < needed:
            sm = f"{capability[0]}.{capability[1]}"
            why = f"no native {dtype} on this GPU (sm {sm}; needs sm {needed[0]}.{needed[1]})"
            plans.append(DtypePlan(device, dtype, None, why))
        elif not torch_installed:
            plans.append(
                DtypePlan(device, dtype, None, f"measuring {device} needs PyTorch, which is not installed")
            )
        else:
            plans.append(DtypePlan(device, dtype, "torch"))
    return plans


def capability(text: str | None) -> tuple[int, int] | None:
    """``"9.0"`` -> (9, 0); None when unknown or unreadable."""
    try:
        major, minor = (text or "").split(".")[:2]
        return int(major), int(minor)
    except ValueError:
        return None


REDUCED_PRECISIONS: tuple[str, ...] = ("bfloat16", "float16", "int8")


def native_reduced_precisions(system: SystemInfo, device: str) -> tuple[str, ...]:
    """The reduced precisions ``device`` ("cpu", "cuda") runs natively: what a user of it would train or serve
    in. A GPU of unknown capability counts as having them all (its runners say what they cannot do)."""
    if device == "cpu":
        return tuple(p for p in REDUCED_PRECISIONS if set(CPU_NATIVE_FEATURES[p]) & set(system.cpu.flags))
    gpus = system.nvidia_gpus() if system.nvidia.available else []
    found = capability(gpus[0].compute_capability) if gpus else None
    return tuple(p for p in REDUCED_PRECISIONS if found is None or found >= CUDA_MIN_CAPABILITY[p])


def peak_plan(system: SystemInfo, dtypes: Iterable[str] | None, torch_installed: bool) -> list[DtypePlan]:
    """Every device's dtypes (all of them, or ``dtypes``): each measured natively, or why not."""
    wanted = tuple(dtypes) if dtypes is not None else None
    plans = cpu_plan(system.cpu.flags, wanted or PEAK_DTYPES, torch_installed)
    if system.nvidia.available:
        for gpu in system.nvidia_gpus():
            plans += cuda_plan(
                f"cuda:{gpu.index}",
                capability(gpu.compute_capability),
                wanted or CUDA_DTYPES,
                torch_installed,
            )
    return plans

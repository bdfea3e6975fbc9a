"""CPU facts: brand, cores and the instruction-set features that decide ML kernel speed."""

from __future__ import annotations

import os
import platform
import subprocess
from pathlib import Path
from typing import NamedTuple, TypedDict

from fwtui.hardware.model import CpuInfo

# Features that change which kernels BLAS/oneDNN/XLA can use, in display order.
# Linux /proc/cpuinfo names; ARM and macOS names are mapped onto the same vocabulary.
X86_FEATURES: tuple[str, ...] = (
    "sse4_2",
    "avx",
    "avx2",
    "fma",
    "f16c",
    "avx512f",
    "avx512dq",
    "avx512cd",
    "avx512bw",
    "avx512vl",
    "avx512_vnni",
    "avx512_bf16",
    "avx512_fp16",
    "avx_vnni",
    "amx_tile",
    "amx_bf16",
    "amx_int8",
)
ARM_FEATURES: tuple[str, ...] = ("neon", "asimd", "sve", "sve2", "bf16", "i8mm")
KNOWN_FEATURES: frozenset[str] = frozenset(X86_FEATURES + ARM_FEATURES)

# /proc/cpuinfo spells a few features differently from the names users know.
_LINUX_ALIASES: dict[str, str] = {"avx512vnni": "avx512_vnni", "avx512bf16": "avx512_bf16"}
# macOS `sysctl hw.optional` keys -> our names.
_MACOS_KEYS: dict[str, str] = {
    "hw.optional.sse4_2": "sse4_2",
    "hw.optional.avx1_0": "avx",
    "hw.optional.avx2_0": "avx2",
    "hw.optional.fma": "fma",
    "hw.optional.avx512f": "avx512f",
    "hw.optional.avx512bw": "avx512bw",
    "hw.optional.avx512vl": "avx512vl",
    "hw.optional.avx512dq": "avx512dq",
    "hw.optional.avx512cd": "avx512cd",
    "hw.optional.neon": "neon",
    "hw.optional.AdvSIMD": "asimd",
    "hw.optional.arm.FEAT_BF16": "bf16",
    "hw.optional.arm.FEAT_I8MM": "i8mm",
}

CPUINFO_PATH = Path("/proc/cpuinfo")


class CpuinfoFields(TypedDict):
    """What /proc/cpuinfo says, before the flags are mapped onto our vocabulary."""

    brand: str | None
    vendor: str | None
    raw_flags: set[str]


class _Identity(NamedTuple):
    brand: str | None
    vendor: str | None
    features: set[str]


def ordered_features(features: set[str]) -> list[str]:
    """Known features present, in display order."""
    return [name for name in X86_FEATURES + ARM_FEATURES if name in features]


def parse_cpuinfo(text: str) -> CpuinfoFields:
    """Brand, vendor and raw feature flags from the first processor block of /proc/cpuinfo."""
    brand = vendor = None
    raw_flags: set[str] = set()
    for line in text.splitlines():
        if not line.strip():
            if raw_flags and brand:
                break  # the first processor block is enough; all cores report the same
            continue
        key, _, value = line.partition(":")
        key, value = key.strip().lower(), value.strip()
        if key in ("model name", "cpu model", "hardware") and not brand:
            brand = value
        elif key in ("vendor_id", "cpu implementer") and not vendor:
            vendor = value
        elif key in ("flags", "features") and not raw_flags:
            raw_flags = set(value.split())
    return {"brand": brand, "vendor": vendor, "raw_flags": raw_flags}


def linux_features(raw_flags: set[str]) -> set[str]:
    """Map raw cpuinfo flags onto :data:`KNOWN_FEATURES`."""
    mapped = {_LINUX_ALIASES.get(flag, flag) for flag in raw_flags}
    if "asimd" in mapped:
        mapped.add("neon")  # AArch64 reports NEON as asimd
    return mapped & KNOWN_FEATURES


def _sysctl(*keys: str) -> dict[str, str]:
    try:
        out = subprocess.run(["sysctl", *keys], capture_output=True, text=True, timeout=2, check=False).stdout
    except (OSError, subprocess.SubprocessError):
        return {}
    values: dict[str, str] = {}
    for line in out.splitlines():
        key, sep, value = line.partition(":")
        if sep:
            values[key.strip()] = value.strip()
    return values


def _macos_cpu() -> _Identity:
    values = _sysctl("machdep.cpu.brand_string", "machdep.cpu.vendor", *_MACOS_KEYS)
    features = {name for key, name in _MACOS_KEYS.items() if values.get(key) == "1"}
    if platform.machine() == "arm64":
        features |= {"neon", "asimd"}
    return _Identity(
        brand=values.get("machdep.cpu.brand_string"),
        vendor=values.get("machdep.cpu.vendor") or ("Apple" if platform.machine() == "arm64" else None),
        features=features,
    )


def _linux_cpu() -> _Identity:
    try:
        parsed = parse_cpuinfo(CPUINFO_PATH.read_text(errors="replace"))
    except OSError:
        return _Identity(None, None, set())
    return _Identity(parsed["brand"], parsed["vendor"], linux_features(parsed["raw_flags"]))


def _core_counts() -> tuple[int | None, int | None]:
    try:
        import psutil

        return psutil.cpu_count(logical=False), psutil.cpu_count(logical=True)
    except Exception:  # psutil can fail inside odd containers; the count is nice-to-have
        return None, os.cpu_count()


def probe_cpu() -> CpuInfo:
    """Brand, vendor, architecture, core counts and ML-relevant features of this machine's CPU."""
    system = platform.system()
    if system == "Darwin":
        info = _macos_cpu()
    elif system == "Linux":
        info = _linux_cpu()
    else:
        info = _Identity(None, None, set())
    physical, logical = _core_counts()
    return CpuInfo(
        brand=info.brand or platform.processor() or platform.machine() or "unknown CPU",
        vendor=info.vendor,
        arch=platform.machine(),
        physical_cores=physical,
        logical_cores=logical,
        flags=tuple(ordered_features(info.features)),
    )

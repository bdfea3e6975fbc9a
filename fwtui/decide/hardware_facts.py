"""Turns this machine's system probe into the flat facts the knowledge base's rules test."""

from __future__ import annotations

from typing import TypeAlias

from fwtui.hardware.model import GpuInfo, SystemInfo

FactValue: TypeAlias = bool | list[str]
HardwareFacts: TypeAlias = dict[str, FactValue]
"""Fact name (``knowledge.HARDWARE_FACTS``) -> value; empty when the machine is unknown."""


def hardware_facts(system: SystemInfo | None) -> HardwareFacts:
    """``{}`` when there is no probe (hardware unknown: no hardware rule fires)."""
    if system is None:
        return {}
    vendors = sorted({_vendor(g) for g in system.gpus} - {""})
    arch = (system.cpu.arch or system.os.arch).lower()
    os_name = system.os.name.lower()
    tpu = bool(system.tpus)
    arm64 = arch in ("arm64", "aarch64")
    return {
        "tpu": tpu,
        "accelerator": tpu or bool(system.gpus) or system.apple_mps,
        "gpu_vendor": vendors,
        "windows": os_name == "windows",
        "apple_silicon": os_name in ("macos", "darwin") and arm64,  # the probe names Darwin "macOS"
        "arm64": arm64,
    }


def machine_target(facts: HardwareFacts) -> str | None:
    """This machine as a target-hardware answer (``nvidia``, ``amd``, ``tpu``, ``apple``, ``cpu``), or None
    when it is unknown or has an accelerator no answer names."""
    if not facts:
        return None
    vendors = facts.get("gpu_vendor")
    vendors = vendors if isinstance(vendors, list) else []
    if facts.get("tpu"):
        return "tpu"
    for vendor in ("nvidia", "amd"):
        if vendor in vendors:
            return vendor
    if facts.get("apple_silicon"):
        return "apple"
    return None if facts.get("accelerator") else "cpu"


def _vendor(gpu: GpuInfo) -> str:
    text = f"{gpu.vendor} {gpu.name}".lower()
    for vendor, marks in (
        ("nvidia", ("nvidia", "geforce", "tesla", "quadro")),
        ("amd", ("amd", "radeon", "instinct")),
    ):
        if any(mark in text for mark in marks):
            return vendor
    return gpu.vendor.lower()


def describe_hardware(facts: HardwareFacts) -> str:
    """One line for reports: 'NVIDIA GPU, Linux x86-64' style."""
    if not facts:
        return "hardware not probed"
    parts: list[str] = []
    if facts.get("tpu"):
        parts.append("TPU")
    vendors = facts.get("gpu_vendor")
    for vendor in vendors if isinstance(vendors, list) else []:
        parts.append(f"{vendor.upper() if len(vendor) <= 4 else vendor.title()} GPU")
    if facts.get("apple_silicon"):
        parts.append("Apple silicon")
    if not facts.get("accelerator"):
        parts.append("no GPU or TPU")
    if facts.get("windows"):
        parts.append("native Windows")
    elif facts.get("arm64") and not facts.get("apple_silicon"):
        parts.append("arm64")
    return ", ".join(parts)

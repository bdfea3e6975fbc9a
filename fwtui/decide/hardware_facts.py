"""Turns a hardware probe (``fwtui.hardware.probe_system()`` output) into the flat facts rules test."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

HardwareFacts = dict[str, Any]


def hardware_facts(probe: Mapping[str, Any] | None) -> HardwareFacts:
    """``{}`` when there is no probe (hardware unknown: no hardware rule fires).

    Accepts either ``probe_system()`` output or a ``build_report()`` object that nests it under "system".
    """
    if not probe:
        return {}
    system = probe.get("system") if isinstance(probe.get("system"), Mapping) else probe
    os_info = system.get("os") or {}
    cpu = system.get("cpu") or {}
    gpus = [g for g in system.get("gpus") or [] if isinstance(g, Mapping)]
    vendors = sorted({_vendor(g) for g in gpus} - {""})
    arch = str(cpu.get("arch") or os_info.get("arch") or "").lower()
    os_name = str(os_info.get("name") or "")
    tpu = bool(system.get("tpus"))
    arm64 = arch in ("arm64", "aarch64")
    return {
        "tpu": tpu,
        "accelerator": tpu or bool(gpus) or bool(system.get("apple_mps")),
        "gpu_vendor": vendors,
        "windows": os_name.lower() == "windows",
        "apple_silicon": os_name.lower() == "darwin" and arm64,
        "arm64": arm64,
    }


def _vendor(gpu: Mapping[str, Any]) -> str:
    text = f"{gpu.get('vendor') or ''} {gpu.get('name') or ''}".lower()
    for vendor, marks in (
        ("nvidia", ("nvidia", "geforce", "tesla", "quadro")),
        ("amd", ("amd", "radeon", "instinct")),
    ):
        if any(mark in text for mark in marks):
            return vendor
    return str(gpu.get("vendor") or "").lower()


def describe_hardware(facts: HardwareFacts) -> str:
    """One line for reports: 'NVIDIA GPU, Linux x86-64' style."""
    if not facts:
        return "hardware not probed"
    parts: list[str] = []
    if facts.get("tpu"):
        parts.append("TPU")
    for vendor in facts.get("gpu_vendor") or []:
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

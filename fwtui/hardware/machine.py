"""The machine fingerprint and the ``machines`` row that results are stored against."""

from __future__ import annotations

import functools
import hashlib
import json
from typing import Any

GIB = 1024**3


def machine_id(system: dict[str, Any]) -> str:
    """A stable id: the same machine gives the same id across runs, reboots and fwtui versions.

    Built only from facts that do not drift (memory is rounded to GiB; free memory, load and
    driver versions are left out), so a driver upgrade does not orphan earlier results.
    """
    memory = system.get("memory", {}).get("total_bytes") or 0
    facts = {
        "hostname": system.get("hostname"),
        "os": system.get("os", {}).get("name"),
        "arch": system.get("os", {}).get("arch"),
        "cpu": system.get("cpu", {}).get("brand"),
        "logical_cores": system.get("cpu", {}).get("logical_cores"),
        "memory_gib": round(memory / GIB),
        "gpus": sorted(gpu.get("name") or "" for gpu in system.get("gpus", [])),
    }
    digest = hashlib.sha256(json.dumps(facts, sort_keys=True).encode()).hexdigest()
    return f"m-{digest[:16]}"


@functools.lru_cache(maxsize=1)
def local_system() -> dict[str, Any]:
    """This machine's probe, taken once per process (for ids and caches, not for live values)."""
    from fwtui.hardware.system import probe_system

    return probe_system()


def local_machine_id() -> str:
    return machine_id(local_system())


def machine_record(system: dict[str, Any] | None = None) -> dict[str, Any]:
    """A row for ``store.upsert_machine``: the ``machines`` columns that describe this machine."""
    from fwtui.hardware.peak import load_peak

    system = system or local_system()
    mid = machine_id(system)
    os_info = system.get("os", {})
    cpu = system.get("cpu", {})
    nvidia = system.get("nvidia", {})
    gpus = system.get("gpus", [])
    peak = load_peak(machine=mid)
    return {
        "machine_id": mid,
        "label": system.get("hostname"),
        "hostname": system.get("hostname"),
        "os": f"{os_info.get('name', '')} ({os_info.get('arch', '')})".strip(),
        "kernel": os_info.get("kernel"),
        "python": system.get("python", {}).get("version"),
        "cpu_brand": cpu.get("brand"),
        "physical_cores": cpu.get("physical_cores"),
        "logical_cores": cpu.get("logical_cores"),
        "cpu_flags": list(cpu.get("flags", [])),
        "memory_total_bytes": system.get("memory", {}).get("total_bytes"),
        "gpu_names": [gpu.get("name") for gpu in gpus],
        "gpu_driver": nvidia.get("driver_version"),
        "cuda_driver": nvidia.get("cuda_driver_version"),
        "peak_gflops": peak["devices"] if peak else None,
        "source": "local",
        "details": {
            "gpus": gpus,
            "tpus": system.get("tpus", []),
            "apple_mps": system.get("apple_mps", False),
            "packages": system.get("packages", {}),
            "cpu_vendor": cpu.get("vendor"),
        },
    }

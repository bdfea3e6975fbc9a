"""The machine fingerprint and the ``machines`` row that results are stored against."""

from __future__ import annotations

import functools
import hashlib
import json
import os
import re
import threading

from fwtui.hardware.model import SystemInfo
from fwtui.json_fields import to_json

GIB = 1024**3
# Names this machine instead of its hostname, in its id and label: schedulers give a job's container a new
# hostname each time (a Kubernetes pod), while the node it runs on stays the same.
MACHINE_NAME_VARIABLE = "FWTUI_MACHINE_NAME"
_NAME_CHARACTERS = re.compile(r"[^A-Za-z0-9._:@+-]+")


def machine_name(system: SystemInfo) -> str:
    """``$FWTUI_MACHINE_NAME`` (printable characters only, at most 100) when set, else the hostname."""
    override = _NAME_CHARACTERS.sub("-", os.environ.get(MACHINE_NAME_VARIABLE, "")).strip("-")[:100]
    return override or system.hostname


def machine_id(system: SystemInfo) -> str:
    """A stable id: the same machine gives the same id across runs, reboots and fwtui versions.

    Built only from facts that do not drift (memory is rounded to GiB; free memory, load and
    driver versions are left out), so a driver upgrade does not orphan earlier results.
    """
    facts = {
        "hostname": machine_name(system),
        "os": system.os.name,
        "arch": system.os.arch,
        "cpu": system.cpu.brand,
        "logical_cores": system.cpu.logical_cores,
        "memory_gib": round((system.memory.total_bytes or 0) / GIB),
        "gpus": sorted(gpu.name for gpu in system.gpus),
    }
    digest = hashlib.sha256(json.dumps(facts, sort_keys=True).encode()).hexdigest()
    return f"m-{digest[:16]}"


_local_probe_lock = threading.Lock()


def local_system() -> SystemInfo:
    """This machine's probe, taken once per process (for ids and caches, not for live values)."""
    with _local_probe_lock:  # areas' workers ask at the same moment at start-up: the second waits for the first
        return _probe_once()


@functools.lru_cache(maxsize=1)
def _probe_once() -> SystemInfo:
    from fwtui.hardware.system import probe_system

    return probe_system()


def local_machine_id() -> str:
    return machine_id(local_system())


def machine_record(system: SystemInfo | None = None) -> dict[str, object]:
    """A row for ``store.upsert_machine``: the ``machines`` columns that describe this machine."""
    from fwtui.hardware.peak import load_peak

    if system is None:
        system = local_system()
    mid = machine_id(system)
    cpu, nvidia = system.cpu, system.nvidia
    peak = load_peak(machine=mid)
    return {
        "machine_id": mid,
        "label": machine_name(system),
        "hostname": system.hostname,
        "os": f"{system.os.name} ({system.os.arch})".strip(),
        "kernel": system.os.kernel,
        "python": system.python.version,
        "cpu_brand": cpu.brand,
        "physical_cores": cpu.physical_cores,
        "logical_cores": cpu.logical_cores,
        "cpu_flags": list(cpu.flags),
        "memory_total_bytes": system.memory.total_bytes,
        "gpu_names": [gpu.name for gpu in system.gpus],
        "gpu_driver": nvidia.driver_version,
        "cuda_driver": nvidia.cuda_driver_version,
        "peak_gflops": to_json(peak.usable_devices()) if peak and peak.usable_devices() else None,
        "source": "local",
        "details": {
            "gpus": [gpu.to_dict() for gpu in system.gpus],
            "tpus": [tpu.to_dict() for tpu in system.tpus],
            "apple_mps": system.apple_mps,
            "packages": dict(system.packages),
            "cpu_vendor": cpu.vendor,
        },
    }

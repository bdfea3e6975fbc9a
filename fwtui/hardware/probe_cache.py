"""The framework probes' results, cached by everything they depend on.

Probing starts one child per framework, and importing TensorFlow alone costs seconds of CPU; on a machine whose
packages, driver and environment have not changed, the answer is the same. So the results are kept in the cache
directory, one file per machine, next to a *key* of what they depend on: the Python executable and version, the
fwtui version, every framework's registry entry and installed version (read from package metadata, never by
importing), the related packages and build markers, the NVIDIA driver, the GPUs, and the environment variables
that change what a framework sees. Any difference in the key means the cache is not used.

The file is untrusted on read: anything malformed, of the wrong shape, from the future or for another key is
ignored (the caller probes again); every string is cut to a bounded length with control characters removed, and
names, display names and installed state come from the registry, not from the file.
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import re
import sys
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

from fwtui import paths
from fwtui.frameworks import BENCHMARK_FRAMEWORKS, Framework, installed_version
from fwtui.hardware.machine import machine_id
from fwtui.hardware.model import FrameworkProbe, SystemInfo
from fwtui.json_fields import JsonObject, JsonValue, json_object, to_json

CACHE_VERSION = 1
MAX_FILE_BYTES = 1_000_000  # a real file is a few KB; anything larger is not ours
MAX_TEXT = 400  # characters kept of any string read back
MAX_ITEMS = 64  # devices or detail entries kept per framework
CLOCK_SKEW = timedelta(minutes=5)  # a file dated further in the future than this is not trusted

# Environment variables that change what a framework child sees or how it starts.
ENV_PREFIXES: tuple[str, ...] = ("CUDA_", "HIP_", "ROCR_", "ROCM_", "TF_", "XLA_", "JAX_", "TPU_", "NVIDIA_")
ENV_NAMES: tuple[str, ...] = (
    "OMP_NUM_THREADS",
    "MKL_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "LD_LIBRARY_PATH",
    "PYTHONPATH",
    "KERAS_BACKEND",
    "ORT_TENSORRT_FP16_ENABLE",
)
# Results from an accident of the moment (a busy machine, the OOM killer) are not kept for the next launch.
_TRANSIENT_STATUSES = frozenset({"timeout", "probing", "not_probed"})

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


@dataclass(frozen=True)
class CachedProbes:
    frameworks: dict[str, FrameworkProbe]
    probed_at: datetime  # when the children ran (UTC)

    def age_s(self, now: datetime | None = None) -> float:
        return max(0.0, ((now or datetime.now(timezone.utc)) - self.probed_at).total_seconds())


def relevant_environment(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    env = os.environ if environ is None else environ
    return {
        name: value for name, value in sorted(env.items()) if name in ENV_NAMES or name.startswith(ENV_PREFIXES)
    }


def _installed(system: SystemInfo, framework: Framework) -> str | None:
    """The framework's installed version: the system probe read it from metadata already (a framework the
    probe does not report, one added by a plugin, is read here)."""
    if framework.import_name in system.packages:
        return system.packages[framework.import_name]
    return installed_version(framework.distributions)


def _framework_facts(system: SystemInfo, framework: Framework) -> JsonObject:
    return {
        "distributions": list(framework.distributions),
        "version": _installed(system, framework),
        "probe": framework.probe,
        "runner": framework.runner,
    }


def cache_key(system: SystemInfo, frameworks: Iterable[Framework] = BENCHMARK_FRAMEWORKS) -> JsonObject:
    """Everything a framework probe's answer depends on, as JSON (compared for equality)."""
    from fwtui import __version__

    nvidia = system.nvidia
    return {
        "cache_version": CACHE_VERSION,
        "fwtui_version": __version__,
        "python_executable": sys.executable,
        "python_version": platform.python_version(),
        "frameworks": {fw.name: _framework_facts(system, fw) for fw in frameworks},
        "packages": to_json(dict(system.packages)),
        "nvidia": {
            "available": nvidia.available,
            "driver": nvidia.driver_version,
            "cuda_driver": nvidia.cuda_driver_version,
            "reason": nvidia.reason,
        },
        "gpus": [f"{gpu.vendor}:{gpu.index}:{gpu.name}" for gpu in sorted(system.gpus, key=lambda g: g.index)],
        "tpus": len(system.tpus),
        "apple_mps": system.apple_mps,
        "environment": to_json(relevant_environment()),
    }


def cache_path(system: SystemInfo) -> Path:
    return paths.cache_dir() / f"probes-{machine_id(system)}.json"


def _clean(value: object) -> JsonValue:
    """A JSON value read back from the file, bounded and free of terminal control sequences."""
    if isinstance(value, str):
        return _CONTROL.sub("", value)[:MAX_TEXT]
    if isinstance(value, bool | int) or value is None:
        return value
    if isinstance(value, float):
        return value if value == value and abs(value) != float("inf") else None
    if isinstance(value, list | tuple):
        return [_clean(item) for item in value[:MAX_ITEMS]]
    if isinstance(value, Mapping):
        return {_CONTROL.sub("", str(k))[:MAX_TEXT]: _clean(v) for k, v in list(value.items())[:MAX_ITEMS]}
    return None


def _text_or_none(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _read_probe(system: SystemInfo, framework: Framework, entry: object) -> FrameworkProbe | None:
    """One framework's cached probe; None unless it is well formed and agrees with what is installed now."""
    data = json_object(_clean(entry))
    parsed = FrameworkProbe.from_dict(data, framework.name)
    installed = _installed(system, framework)
    if data.get("status") != parsed.status or parsed.status in _TRANSIENT_STATUSES:
        return None
    if parsed.installed != (installed is not None) or (parsed.status == "not_installed") == (installed is not None):
        return None
    devices = data.get("devices", [])
    if not isinstance(devices, list) or not all(isinstance(d, str) for d in devices):
        return None
    return replace(
        parsed,
        name=framework.name,
        display=framework.display,
        version=_text_or_none(data.get("version")) or installed,
        reason=_text_or_none(data.get("reason")),
    )


def load(system: SystemInfo, *, now: datetime | None = None) -> CachedProbes | None:
    """The cached probes if the file is ours, well formed and made under the same key; else None."""
    path = cache_path(system)
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
        if len(raw) > MAX_FILE_BYTES:
            return None
        data = json_object(json.loads(raw))
    except (OSError, ValueError, RecursionError):
        return None
    if data.get("key") != cache_key(system):
        return None
    probed_at = _timestamp(data.get("probed_at"))
    if probed_at is None or probed_at > (now or datetime.now(timezone.utc)) + CLOCK_SKEW:
        return None
    entries = json_object(data.get("frameworks"))
    results: dict[str, FrameworkProbe] = {}
    for framework in BENCHMARK_FRAMEWORKS:
        probe = _read_probe(system, framework, entries.get(framework.name))
        if probe is None:
            return None
        results[framework.name] = probe
    return CachedProbes(results, probed_at)


def _timestamp(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        stamp = datetime.fromisoformat(value)
    except ValueError:
        return None
    return stamp if stamp.tzinfo is not None else None


def cacheable(results: Mapping[str, FrameworkProbe]) -> bool:
    """Whether a probe's results may be reused: none timed out or was killed by a signal (an OOM, a Ctrl+C)."""
    return all(
        probe.status not in _TRANSIENT_STATUSES
        and not (probe.status == "crashed" and (probe.reason or "").startswith("killed by"))
        for probe in results.values()
    )


def save(system: SystemInfo, results: Mapping[str, FrameworkProbe], *, now: datetime | None = None) -> bool:
    """Write the results under this machine's key, atomically; False if they are not cacheable or the write failed."""
    if not cacheable(results) or set(results) != {fw.name for fw in BENCHMARK_FRAMEWORKS}:
        return False
    payload = {
        "key": cache_key(system),
        "probed_at": (now or datetime.now(timezone.utc)).isoformat(timespec="seconds"),
        "frameworks": {name: probe.to_dict() for name, probe in results.items()},
    }
    path = cache_path(system)
    tmp: str | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".probes-", suffix=".json")
        with os.fdopen(fd, "w") as handle:
            json.dump(payload, handle)
        os.replace(tmp, path)
    except OSError:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        return False
    return True

"""The Keras device probe: what Keras 3 sees on each of its installed backends.

Keras fixes its backend when it is first imported, so each backend is probed in a process of its own
(``python -m fwtui.hardware.keras_probe BACKEND``, started in parallel from the probe child): it imports
Keras on that backend and reports the backend's devices through the backend's own probe. The report's
``details.backends`` holds one entry per backend (version and devices, or why it failed); its ``devices`` are
what each backend sees, named by the backend (``jax: cuda:0 ...``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

from fwtui.frameworks import BY_NAME, installed_version
from fwtui.hardware.framework_child import ChildReport
from fwtui.json_fields import JsonObject

BACKENDS = ("tensorflow", "jax", "torch")
BACKEND_TIMEOUT_S = 50.0  # inside the probe child's own 60 s


def _start(backend: str) -> subprocess.Popen[str]:
    env = {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "2"}
    return subprocess.Popen(
        [sys.executable, "-m", "fwtui.hardware.keras_probe", backend],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip


def _collect(backend: str, process: subprocess.Popen[str]) -> JsonObject:
    try:
        out, err = process.communicate(timeout=BACKEND_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        return {"error": f"Keras on {backend} did not answer within {BACKEND_TIMEOUT_S:.0f} s"}
    lines = out.strip().splitlines()
    if process.returncode != 0 or not lines:
        last = (err.strip().splitlines() or [f"exit status {process.returncode}"])[-1]
        return {"error": last[:300]}
    report: JsonObject = json.loads(lines[-1])
    return report


def default_backend() -> str:
    """The backend Keras would start on here ($KERAS_BACKEND, else ~/.keras/keras.json, else tensorflow)."""
    chosen = os.environ.get("KERAS_BACKEND")
    if chosen:
        return chosen
    config = os.path.join(os.environ.get("KERAS_HOME") or os.path.expanduser("~/.keras"), "keras.json")
    try:
        with open(config, encoding="utf-8") as handle:
            value = json.load(handle).get("backend")
    except (OSError, ValueError, AttributeError):
        value = None
    return value if isinstance(value, str) and value else "tensorflow"


def probe_keras() -> ChildReport:
    # Keras itself is not imported here: it would start its default backend in this process for nothing.
    installed = [b for b in BACKENDS if installed_version(BY_NAME[b].distributions)]
    started = {b: _start(b) for b in installed}
    backends: JsonObject = {b: _collect(b, p) for b, p in started.items()}
    for missing in (b for b in BACKENDS if b not in installed):
        backends[missing] = {"error": f"not installed: {BY_NAME[missing].install_command}"}
    devices: list[str] = []
    gpus = 0
    for backend, report in backends.items():
        if isinstance(report, dict):
            found = report.get("devices")
            found = [f"{backend}: {d}" for d in found] if isinstance(found, list) else found
            devices += (
                [d for d in found if isinstance(d, str) and d not in devices]
                if isinstance(found, list)
                else []
            )
            count = report.get("gpu_devices")
            gpus = max(gpus, count if isinstance(count, int) else 0)
    return {
        "version": installed_version("keras") or "unknown",
        "devices": devices or ["cpu"],
        "details": {"backends": backends, "default_backend": default_backend(), "gpu_devices": gpus,
                    "cuda_build": None},
    }  # fmt: skip


def _probe_backend(backend: str) -> JsonObject:
    """In a process of its own: Keras on ``backend``, and what that backend sees."""
    import keras

    from fwtui.hardware import device_probes

    if keras.backend.backend() != backend:
        raise RuntimeError(f"Keras started on {keras.backend.backend()}, not {backend}")
    native = getattr(device_probes, f"probe_{backend}")()
    details = native.get("details", {})
    return {
        "backend_version": native["version"],
        "devices": list(native["devices"]),
        "gpu_devices": details.get("gpu_devices", 0) if isinstance(details, dict) else 0,
    }


if __name__ == "__main__":
    sys.stdout.write(json.dumps(_probe_backend(sys.argv[1])) + "\n")
    sys.stdout.flush()
    os._exit(0)

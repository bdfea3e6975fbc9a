"""Ask each installed framework, in its own child process, which devices it sees.

Children run in parallel, each with a timeout. A child that crashes or hangs fails only its own
framework, with a plain reason; the caller never imports a framework.
"""

from __future__ import annotations

import atexit
import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace

from fwtui.frameworks import BENCHMARK_FRAMEWORKS, BY_NAME, Framework, installed_version, resolve
from fwtui.hardware.model import FrameworkProbe, ProbeStatus
from fwtui.json_fields import json_map, optional_text

ChildCommand = Callable[[str], list[str]]
ResultCallback = Callable[[str, FrameworkProbe], None]

# Read by the children too; set here so a child's own import-time work already obeys them.
CHILD_ENV: dict[str, str] = {
    "XLA_PYTHON_CLIENT_PREALLOCATE": "false",
    "TF_CPP_MIN_LOG_LEVEL": "2",
    "TF_FORCE_GPU_ALLOW_GROWTH": "true",
}


# Children still running, so quitting the caller never leaves a probe behind (they run in their own
# process groups, out of reach of the terminal's Ctrl+C).
_running: set[subprocess.Popen[str]] = set()
_running_lock = threading.Lock()


def kill_running_probes() -> None:
    """Kill every probe child still running (called when the app quits and at interpreter exit)."""
    with _running_lock:
        processes = list(_running)
    for process in processes:
        _kill_group(process)


atexit.register(kill_running_probes)


def _child_command(name: str) -> list[str]:
    return [sys.executable, "-m", "fwtui.hardware.framework_child", name]


def result_template(
    framework: Framework, version: str | None, status: ProbeStatus, reason: str | None
) -> FrameworkProbe:
    return FrameworkProbe(
        name=framework.name,
        display=framework.display,
        installed=version is not None,
        version=version,
        status=status,
        reason=reason,
    )


def not_probed(names: Iterable[str] | None = None) -> dict[str, FrameworkProbe]:
    """What is known from package metadata alone: installed or not, and the version."""
    results = {}
    for fw in _frameworks(names):
        version = installed_version(fw.distributions)
        if version is None:
            results[fw.name] = result_template(
                fw, None, "not_installed", f"not installed: {fw.install_command}"
            )
        else:
            results[fw.name] = result_template(fw, version, "not_probed", None)
    return results


def _frameworks(names: Iterable[str] | None) -> list[Framework]:
    if names is None:
        return list(BENCHMARK_FRAMEWORKS)
    return [resolve(name) for name in names]


def _signal_name(returncode: int) -> str:
    try:
        return signal.Signals(-returncode).name
    except ValueError:
        return f"signal {-returncode}"


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else ""


def _parse_stdout(stdout: str) -> Mapping[str, object] | None:
    # Frameworks sometimes print banners to stdout; the report is the last JSON object line.
    for line in reversed(stdout.splitlines()):
        line = line.strip()
        if line.startswith("{"):
            try:
                value = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(value, dict):
                return value
    return None


def _kill_group(process: subprocess.Popen[str]) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        process.kill()


def run_child(
    command: list[str], timeout_s: float
) -> tuple[ProbeStatus, str | None, Mapping[str, object] | None]:
    """Run one probe child: ``(status, reason, payload)``."""
    env = {**os.environ, **CHILD_ENV}
    try:
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            start_new_session=True,  # its own process group, so a timeout kills any grandchildren too
        )
    except OSError as exc:
        return "crashed", f"could not start the probe: {exc}", None
    with _running_lock:
        _running.add(process)
    try:
        stdout, stderr = process.communicate(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        _kill_group(process)
        process.communicate()
        return "timeout", f"no answer within {timeout_s:g} s (killed)", None
    finally:
        with _running_lock:
            _running.discard(process)
    if process.returncode < 0:
        detail = _last_line(stderr)
        reason = f"killed by {_signal_name(process.returncode)}" + (f": {detail}" if detail else "")
        return "crashed", reason, None
    if process.returncode != 0:
        return "crashed", _last_line(stderr) or f"exited with status {process.returncode}", None
    payload = _parse_stdout(stdout)
    if payload is None:
        return (
            "crashed",
            "the probe printed no report" + (f": {_last_line(stderr)}" if stderr.strip() else ""),
            None,
        )
    return "ok", None, payload


def probe_framework(
    name: str, timeout_s: float = 60.0, child_command: ChildCommand | None = None
) -> FrameworkProbe:
    """Probe one framework in a child; never raises for a failing framework."""
    framework = BY_NAME[resolve(name).name]
    version = installed_version(framework.distributions)
    if version is None:
        return result_template(
            framework, None, "not_installed", f"not installed: {framework.install_command}"
        )
    status, reason, payload = run_child((child_command or _child_command)(framework.name), timeout_s)
    result = result_template(framework, version, status, reason)
    if payload is None:
        return result
    devices = payload.get("devices")
    return replace(
        result,
        version=optional_text(payload, "version") or version,
        devices=tuple(str(device) for device in devices) if isinstance(devices, list) else (),
        details=json_map(payload, "details"),
    )


def probe_frameworks(
    names: Iterable[str] | None = None,
    timeout_s: float = 60.0,
    *,
    child_command: ChildCommand | None = None,
    on_result: ResultCallback | None = None,
) -> dict[str, FrameworkProbe]:
    """Every framework's probe, by name, all probed in parallel.

    ``status`` is ``ok``, ``crashed``, ``timeout`` or ``not_installed``. ``on_result(name, result)`` is
    called (from a worker thread) as each framework finishes, for live display.
    """
    frameworks = _frameworks(names)
    results: dict[str, FrameworkProbe] = {}
    lock = threading.Lock()

    def probe(fw: Framework) -> None:
        try:
            result = probe_framework(fw.name, timeout_s, child_command)
        except Exception as exc:  # a bug in the probe itself still fails only this framework
            result = result_template(
                fw, installed_version(fw.distributions), "crashed", f"probe error: {exc}"
            )
        with lock:
            results[fw.name] = result
        if on_result is not None:
            on_result(fw.name, result)

    threads = [
        threading.Thread(target=probe, args=(fw,), name=f"probe-{fw.name}", daemon=True) for fw in frameworks
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {fw.name: results[fw.name] for fw in frameworks}

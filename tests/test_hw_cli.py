"""`fwtui hw` as a user runs it: a real subprocess, real probes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

from fwtui.frameworks import BY_NAME, installed_version


def _fwtui(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "120"}
    return subprocess.run(
        [sys.executable, "-m", "fwtui", "hw", *args], capture_output=True, text=True, timeout=timeout, env=env
    )


def _check_report(report: dict[str, Any]) -> None:
    assert {
        "os",
        "python",
        "cpu",
        "memory",
        "gpus",
        "frameworks",
        "peak_gflops",
        "warnings",
        "machine_id",
    } <= set(report)
    assert {"brand", "physical_cores", "logical_cores", "flags"} <= set(report["cpu"])
    assert report["cpu"]["logical_cores"] >= 1
    assert {"total_bytes", "available_bytes"} <= set(report["memory"])
    assert isinstance(report["gpus"], list)
    assert isinstance(report["warnings"], list)
    assert set(report["frameworks"]) == set(BY_NAME) >= {"torch", "tensorflow", "jax", "onnxruntime", "keras"}
    for result in report["frameworks"].values():
        assert {"installed", "version", "devices", "status", "reason"} <= set(result)


def test_json_with_framework_probes() -> None:
    done = _fwtui("--json", "--timeout", "240")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    _check_report(report)
    assert report["peak_gflops"] is None  # isolated cache: never measured
    for name, result in report["frameworks"].items():
        if installed_version(BY_NAME[name].distributions):
            assert result["status"] == "ok", (name, result["reason"])
            assert result["devices"], name
        else:
            assert result["status"] == "not_installed"


def test_json_without_framework_probes_and_with_peak() -> None:
    done = _fwtui("--json", "--no-frameworks", "--measure-peak")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    _check_report(report)
    assert {r["status"] for r in report["frameworks"].values()} <= {"not_probed", "not_installed"}
    assert report["peak_gflops"]["cpu"]["float32"] > 0
    # The measurement is cached: the next plain run reports the same number.
    again = json.loads(_fwtui("--json", "--no-frameworks").stdout)
    assert again["peak_gflops"] == report["peak_gflops"]


def test_tables() -> None:
    done = _fwtui("--no-frameworks")
    assert done.returncode == 0, done.stderr
    for heading in ("System", "CPU", "Memory", "Accelerators", "Frameworks", "Peak compute", "Warnings"):
        assert heading in done.stdout
    from fwtui.hardware.cpu import probe_cpu

    assert probe_cpu().brand in done.stdout
    assert "not measured: run fwtui hw --measure-peak" in done.stdout
    assert "Traceback" not in done.stderr


def test_bad_timeout_is_a_usage_error() -> None:
    done = _fwtui("--timeout", "0")
    assert done.returncode == 2
    assert done.stderr.strip() == "fwtui: --timeout must be a positive number of seconds, not 0"

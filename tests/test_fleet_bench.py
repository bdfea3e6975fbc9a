"""What runs under a scheduler need from `fwtui bench`: an exit status that says a benchmark failed, and a
machine name that stays the node's when the hostname changes with every job."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from fwtui.commands.bench import FAILED_EXIT
from fwtui.hardware.machine import MACHINE_NAME_VARIABLE, local_system, machine_id, machine_record


def _fwtui(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "fwtui", *args], capture_output=True, text=True, timeout=300,
                          env=os.environ)  # fmt: skip


def test_the_machine_name_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    system = local_system()
    monkeypatch.delenv(MACHINE_NAME_VARIABLE, raising=False)
    by_hostname = machine_id(system)
    assert machine_record(system)["label"] == system.hostname
    monkeypatch.setenv(MACHINE_NAME_VARIABLE, "gpu-node-07")
    record = machine_record(system)
    assert record["label"] == "gpu-node-07" and record["hostname"] == system.hostname
    assert record["machine_id"] == machine_id(system) != by_hostname  # one id per named node, stable
    monkeypatch.setenv(MACHINE_NAME_VARIABLE, "node\x1b[2J 07\n")
    assert machine_record(system)["label"] == "node-2J-07"  # nothing that could drive a terminal
    monkeypatch.setenv(MACHINE_NAME_VARIABLE, "   ")
    assert machine_id(system) == by_hostname


def test_fail_on_error_exits_3_when_a_benchmark_times_out() -> None:
    args = ("bench", "-f", "onnxruntime", "-w", "mlp", "-m", "inference", "--timeout", "0.05", "--no-save")
    plain = _fwtui(*args)
    assert plain.returncode == 0, plain.stderr  # the run itself completed
    assert "timeout" in plain.stdout
    strict = _fwtui(*args, "--fail-on-error", "--json")
    assert strict.returncode == FAILED_EXIT == 3
    assert strict.stderr.strip().startswith("fwtui: 1 of 1 benchmarks did not complete")
    assert "Traceback" not in strict.stderr


def test_fail_on_error_accepts_what_cannot_run_anywhere() -> None:
    result = _fwtui("bench", "-f", "ort", "-w", "mlp", "-m", "training", "--no-save", "--fail-on-error")
    assert result.returncode == 0, result.stderr
    assert "unsupported" in result.stdout

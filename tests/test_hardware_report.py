"""The typed hardware report and its one JSON form: report -> JSON -> report -> JSON is a fixed point, on this
machine's real probe and on the example reports; older or damaged reports still load."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from typing import Any

import pytest

from fwtui.hardware import HardwareReport, SystemInfo, build_report, collect_warnings, machine_id
from fwtui.hardware.examples import example_frameworks, example_report, example_system
from fwtui.hardware.frameworks_probe import not_probed
from fwtui.hardware.model import FrameworkProbe, GpuInfo, NvidiaStatus, TpuInfo
from fwtui.hardware.report import assemble_report


def _assert_fixed_point(report: HardwareReport) -> None:
    data = json.loads(json.dumps(report.to_dict()))  # exactly what `fwtui hw --json` writes and a reader gets
    again = HardwareReport.from_dict(data)
    assert again == report
    assert again.to_dict() == data


def test_this_machines_real_report_round_trips() -> None:
    report = build_report(timeout_s=240)
    assert any(probe.status == "ok" for probe in report.frameworks.values())  # real children answered
    _assert_fixed_point(report)


def test_the_cli_json_reads_back_to_the_same_json() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "fwtui", "hw", "--json", "--no-frameworks"],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    printed = json.loads(done.stdout)
    assert HardwareReport.from_dict(printed).to_dict() == printed


def _tpu_box() -> HardwareReport:
    system = replace(
        example_system(),
        gpus=(GpuInfo(0, "AMD", "AMD Instinct MI300X", memory_total_bytes=192 * 1024**3),),
        nvidia=NvidiaStatus(reason="no NVIDIA driver (NVML library not found)"),
        tpus=(TpuInfo(0, pci_address="0000:00:04.0", device_id="0x0063", accelerator_type="v5litepod-8"),),
        environment={},
    )
    return assemble_report(system, not_probed(), None)


def _apple_laptop() -> HardwareReport:
    system = replace(
        example_system(),
        gpus=(),
        nvidia=NvidiaStatus(reason="no NVIDIA driver (NVML library not found)"),
        apple_mps=True,
        packages={"torch": "2.5.1", "tensorflow": None},
    )
    return assemble_report(system, example_frameworks(), None)


@pytest.mark.parametrize(
    "make", [example_report, _tpu_box, _apple_laptop], ids=["example", "tpu-and-amd", "apple-no-peak"]
)
def test_example_reports_round_trip(make: Any) -> None:
    _assert_fixed_point(make())


def test_json_form_keeps_the_documented_shape_and_order() -> None:
    data = example_report().to_dict()
    assert list(data) == [
        "report_version", "fwtui_version", "generated_at", "machine_id", "os", "python", "hostname", "cpu",
        "memory", "gpus", "nvidia", "tpus", "apple_mps", "packages", "environment", "frameworks",
        "peak_gflops", "peak", "warnings", "probes_source", "probed_at",
    ]  # fmt: skip
    assert data["probes_source"] in ("probed", "cache", "skipped")
    assert data["peak_gflops"] == data["peak"]["devices"]
    assert list(data["frameworks"]["torch"]) == [
        "name", "display", "installed", "version", "status", "reason", "devices", "details",
    ]  # fmt: skip
    assert data["warnings"] == [w.to_dict() for w in collect_warnings(example_system(), example_frameworks())]


def test_an_older_report_without_some_fields_still_loads() -> None:
    old: dict[str, Any] = {
        "report_version": 1,
        "hostname": "old-box",
        "cpu": {"brand": "Old CPU", "logical_cores": 4},
        "memory": {"total_bytes": 8 * 1024**3},
        "frameworks": {"jax": {"installed": True, "version": "0.4.1", "status": "ok", "devices": ["cpu:0"]}},
        "peak_gflops": {"cpu": {"float32": 100.0}},
    }
    report = HardwareReport.from_dict(old)
    assert report.system.cpu.brand == "Old CPU" and report.system.os.name == ""
    assert report.frameworks["jax"].name == "jax" and report.frameworks["jax"].details == {}
    assert report.machine_id == machine_id(report.system)  # derived when the report lacks it
    assert report.peak is not None and report.peak.gflops("cpu", "float32") == 100.0
    assert report.warnings == tuple(collect_warnings(report.system, report.frameworks))
    _assert_fixed_point(report)


def test_fields_of_the_wrong_kind_read_as_unknown() -> None:
    damaged = {
        "cpu": {"brand": 7, "logical_cores": "many", "flags": "avx2"},
        "gpus": "none",
        "tpus": [{"index": True}, "not an object"],
        "nvidia": {"available": "yes"},
        "frameworks": {"jax": {"status": "exploded", "devices": [1, "cpu"]}},
        "warnings": [{"level": "panic", "message": "?"}],
    }
    report = HardwareReport.from_dict(damaged)
    assert report.system.cpu == replace(report.system.cpu, brand="", logical_cores=None, flags=())
    assert report.system.gpus == () and report.system.nvidia.available is False
    assert report.system.tpus == (TpuInfo(0),)
    assert report.frameworks["jax"].status == "not_probed" and report.frameworks["jax"].devices == ("cpu",)
    assert [w.level for w in report.warnings] == ["info"]


def _with(nvidia: bool, *probes: FrameworkProbe) -> HardwareReport:
    system = replace(SystemInfo(), nvidia=NvidiaStatus(available=nvidia))
    return assemble_report(system, {probe.name: probe for probe in probes}, None)


def test_cuda_is_seen_only_through_a_driver_and_a_framework_that_sees_the_gpu() -> None:
    cpu_torch = FrameworkProbe("torch", "PyTorch", True, "2.5", "ok", devices=("cpu",))
    gpu_torch = replace(cpu_torch, devices=("cpu", "cuda:0 NVIDIA H100"), details={"gpu_devices": 1})
    counted_jax = FrameworkProbe("jax", "JAX", True, "0.4", "ok", devices=("cpu:0",), details={"gpu_devices": 1})
    assert example_report().cuda_seen()
    assert not _with(True, cpu_torch).cuda_seen()
    assert _with(True, gpu_torch).cuda_seen()
    assert _with(True, cpu_torch, counted_jax).cuda_seen()
    assert not _with(False, gpu_torch).cuda_seen()  # a framework's GPU without a usable NVIDIA driver


"""The system probe against this machine's real /proc, psutil and (missing) NVIDIA driver."""

from __future__ import annotations

import json
import platform
import sys
from dataclasses import replace
from pathlib import Path

import psutil
import pytest

from fwtui.hardware import probe_system
from fwtui.hardware.cpu import KNOWN_FEATURES, linux_features, ordered_features, parse_cpuinfo, probe_cpu
from fwtui.hardware.gpus import NO_DRIVER_REASON, format_cuda_version, probe_amd, probe_nvidia, probe_tpus
from fwtui.hardware.machine import machine_id, machine_record
from fwtui.hardware.packages import installed_packages

linux_only = pytest.mark.skipif(not Path("/proc/cpuinfo").exists(), reason="needs Linux /proc/cpuinfo")


def _nvml_present() -> bool:
    import pynvml

    try:
        pynvml.nvmlInit()
    except pynvml.NVMLError:
        return False
    return True


def test_probe_system_has_every_documented_key() -> None:
    system = probe_system().to_dict()
    assert set(system) >= {
        "os",
        "python",
        "hostname",
        "cpu",
        "memory",
        "gpus",
        "nvidia",
        "tpus",
        "apple_mps",
        "packages",
    }
    assert set(system["os"]) == {"name", "release", "kernel", "arch"}
    assert system["python"]["version"] == platform.python_version()
    assert system["python"]["executable"] == sys.executable
    assert set(system["cpu"]) >= {"brand", "vendor", "arch", "physical_cores", "logical_cores", "flags"}
    json.dumps(system)  # the probe is plain data, ready for --json and the database


def test_cpu_is_described_sanely() -> None:
    cpu = probe_cpu()
    assert cpu.brand.strip()
    assert cpu.logical_cores >= 1
    assert cpu.physical_cores is None or 1 <= cpu.physical_cores <= cpu.logical_cores
    assert cpu.logical_cores == psutil.cpu_count(logical=True)
    assert set(cpu.flags) <= KNOWN_FEATURES
    assert list(cpu.flags) == ordered_features(set(cpu.flags))  # stable display order


@linux_only
def test_cpu_flags_match_proc_cpuinfo() -> None:
    raw_line = next(
        line
        for line in Path("/proc/cpuinfo").read_text().splitlines()
        if line.lower().startswith(("flags", "features"))
    )
    raw = set(raw_line.split(":", 1)[1].split())
    flags = set(probe_cpu().flags)
    for name in (
        "sse4_2",
        "avx",
        "avx2",
        "fma",
        "f16c",
        "avx512f",
        "avx512bw",
        "avx512vl",
        "amx_tile",
        "amx_bf16",
        "amx_int8",
        "avx_vnni",
        "avx512_bf16",
        "avx512_fp16",
        "sve",
        "sve2",
        "i8mm",
    ):
        assert (name in flags) == (name in raw), name
    assert ("avx512_vnni" in flags) == bool({"avx512_vnni", "avx512vnni"} & raw)


def test_parse_cpuinfo_reads_the_first_block_only() -> None:
    text = (
        "processor\t: 0\nvendor_id\t: GenuineIntel\nmodel name\t: Intel(R) Xeon(R) Platinum 8480+\n"
        "flags\t\t: fpu sse4_2 avx avx2 fma f16c avx512f avx512bw avx512vl avx512_vnni avx512_bf16 amx_tile "
        "amx_bf16 amx_int8 avx_vnni\n\nprocessor\t: 1\nmodel name\t: something else\nflags\t\t: fpu\n"
    )
    parsed = parse_cpuinfo(text)
    assert parsed["brand"] == "Intel(R) Xeon(R) Platinum 8480+"
    assert parsed["vendor"] == "GenuineIntel"
    assert ordered_features(linux_features(parsed["raw_flags"])) == [
        "sse4_2",
        "avx",
        "avx2",
        "fma",
        "f16c",
        "avx512f",
        "avx512bw",
        "avx512vl",
        "avx512_vnni",
        "avx512_bf16",
        "avx_vnni",
        "amx_tile",
        "amx_bf16",
        "amx_int8",
    ]


def test_arm_cpuinfo_features_are_mapped() -> None:
    parsed = parse_cpuinfo(
        "processor\t: 0\nFeatures\t: fp asimd sve sve2 bf16 i8mm atomics\nCPU implementer\t: 0x41\n"
    )
    assert ordered_features(linux_features(parsed["raw_flags"])) == [
        "neon",
        "asimd",
        "sve",
        "sve2",
        "bf16",
        "i8mm",
    ]
    assert parsed["vendor"] == "0x41"


def test_memory_is_sane() -> None:
    memory = probe_system().memory
    assert memory.total_bytes == psutil.virtual_memory().total
    assert 0 < memory.available_bytes <= memory.total_bytes


@pytest.mark.skipif(_nvml_present(), reason="this machine has an NVIDIA driver")
def test_missing_nvml_gives_the_plain_reason() -> None:
    system = probe_system()
    assert system.nvidia.available is False
    assert system.nvidia.reason == NO_DRIVER_REASON
    assert [gpu for gpu in system.gpus if gpu.vendor == "NVIDIA"] == []


def test_nvml_at_a_bad_path_is_reported_as_missing(tmp_path: Path) -> None:
    not_a_library = tmp_path / "libnvidia-ml.so.1"
    not_a_library.write_text("not a shared object")
    status, gpus = probe_nvidia(library_path=str(not_a_library))
    assert status.available is False
    assert status.reason.startswith(NO_DRIVER_REASON)
    assert gpus == []


def test_nvml_library_override_from_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("FWTUI_NVML_LIBRARY", str(tmp_path / "missing.so"))
    assert probe_system().nvidia.reason.startswith(NO_DRIVER_REASON)


def test_cuda_driver_version_is_decoded() -> None:
    assert format_cuda_version(12040) == "12.4"
    assert format_cuda_version(11080) == "11.8"
    assert format_cuda_version(None) is None


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_amd_gpu_from_drm_sysfs(tmp_path: Path) -> None:
    device = tmp_path / "class" / "drm" / "card1" / "device"
    _write(device / "vendor", "0x1002\n")
    _write(device / "product_name", "AMD Instinct MI300X\n")
    _write(device / "mem_info_vram_total", str(192 * 1024**3))
    _write(device / "mem_info_vram_used", str(1024**3))
    _write(device / "gpu_busy_percent", "12\n")
    _write(device / "hwmon" / "hwmon3" / "temp1_input", "45000\n")
    _write(device / "hwmon" / "hwmon3" / "power1_average", "150000000\n")
    _write(tmp_path / "class" / "drm" / "card1-DP-1" / "device" / "vendor", "0x1002\n")  # a connector
    _write(tmp_path / "class" / "drm" / "card0" / "device" / "vendor", "0x8086\n")  # integrated Intel
    [gpu] = probe_amd(tmp_path)
    assert gpu.vendor == "AMD"
    assert gpu.name == "AMD Instinct MI300X"
    assert gpu.memory_total_bytes == 192 * 1024**3
    assert gpu.utilization_percent == 12.0
    assert gpu.temperature_c == 45.0
    assert gpu.power_w == 150.0
    assert gpu.compute_capability is None


def test_amd_gpu_from_kfd_topology(tmp_path: Path) -> None:
    nodes = tmp_path / "class" / "kfd" / "kfd" / "topology" / "nodes"
    _write(nodes / "0" / "properties", "cpu_cores_count 64\nsimd_count 0\nvendor_id 0\n")
    _write(nodes / "1" / "properties", "simd_count 1216\nvendor_id 4098\ngfx_target_version 90402\n")
    [gpu] = probe_amd(tmp_path)
    assert gpu.name == "AMD GPU (gfx target 90402)"
    assert gpu.memory_total_bytes is None


def test_tpu_from_pci_vendor_and_environment(tmp_path: Path) -> None:
    _write(tmp_path / "bus" / "pci" / "devices" / "0000:00:04.0" / "vendor", "0x1ae0\n")
    _write(tmp_path / "bus" / "pci" / "devices" / "0000:00:04.0" / "device", "0x0063\n")
    _write(tmp_path / "bus" / "pci" / "devices" / "0000:00:05.0" / "vendor", "0x8086\n")
    [tpu] = probe_tpus(tmp_path, env={"TPU_ACCELERATOR_TYPE": "v5litepod-8"})
    assert tpu.to_dict() == {
        "index": 0,
        "vendor": "Google",
        "pci_address": "0000:00:04.0",
        "device_id": "0x0063",
        "accelerator_type": "v5litepod-8",
    }
    assert probe_tpus(tmp_path / "empty", env={}) == []


def test_this_machine_has_no_fake_accelerators() -> None:
    assert probe_amd(Path("/nonexistent")) == []
    assert probe_tpus(Path("/nonexistent"), env={}) == []


def test_package_versions_come_from_metadata_without_importing() -> None:
    before = set(sys.modules)
    packages = installed_packages()
    assert {"torch", "tensorflow", "jax", "jaxlib", "onnxruntime", "onnx", "keras", "scikit-learn"} <= set(
        packages
    )
    from importlib import metadata

    assert packages["onnxruntime"] == metadata.version("onnxruntime")
    newly_imported = set(sys.modules) - before
    assert not {"torch", "tensorflow", "jax", "onnxruntime", "keras", "sklearn"} & newly_imported


def test_machine_id_is_stable_and_ignores_volatile_facts() -> None:
    system = probe_system()
    again = probe_system()
    again = replace(again, memory=replace(again.memory, available_bytes=1))
    again = replace(again, nvidia=replace(again.nvidia, driver_version="999.0"))
    assert machine_id(system) == machine_id(again)
    other = replace(probe_system(), hostname="another-host")
    assert machine_id(other) != machine_id(system)


def test_machine_record_has_the_machines_columns() -> None:
    record = machine_record(probe_system())
    assert set(record) >= {
        "machine_id",
        "label",
        "hostname",
        "os",
        "kernel",
        "python",
        "cpu_brand",
        "physical_cores",
        "logical_cores",
        "cpu_flags",
        "memory_total_bytes",
        "gpu_names",
        "gpu_driver",
        "cuda_driver",
        "peak_gflops",
        "source",
        "details",
    }
    assert record["source"] == "local"
    assert record["machine_id"].startswith("m-")
    assert record["peak_gflops"] is None  # fresh cache dir: never measured
    json.dumps(record)

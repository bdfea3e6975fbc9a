"""Peak compute per dtype: only native paths are measured, each in its framework; a dtype the device lacks is
reported with the reason; ``fwtui hw`` and its JSON show every dtype."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime, timezone

import pytest

from fwtui import units
from fwtui.frameworks import installed_version
from fwtui.hardware.examples import example_system
from fwtui.hardware.format import peak_table
from fwtui.hardware.machine import local_system
from fwtui.hardware.model import PeakEntry
from fwtui.hardware.peak import benchmark_peak, load_peak, measure_peak, peak_gflops
from fwtui.hardware.peak_plan import cpu_plan, cuda_plan, parse_dtypes

TINY = 128  # the matrix size the tests measure at: a real GEMM in each framework, in milliseconds
CPU_FLAGS = set(local_system().cpu.flags)
HAS_TORCH = installed_version("torch") is not None
NATIVE_BF16 = HAS_TORCH and bool(CPU_FLAGS & {"avx512_bf16", "amx_bf16", "bf16"})
NATIVE_FP16 = bool(CPU_FLAGS & {"avx512_fp16"})


def test_each_cpu_dtype_is_native_or_has_a_reason() -> None:
    avx2_only = {
        plan.dtype: plan for plan in cpu_plan({"avx2", "fma"}, parse_dtypes("float32,bfloat16,int8"), True)
    }
    assert avx2_only["float32"].framework == "numpy"
    assert avx2_only["bfloat16"].framework is None
    assert (
        avx2_only["bfloat16"].reason
        == "no native bfloat16 on this CPU (needs avx512_bf16 or amx_bf16 or bf16)"
    )
    assert avx2_only["int8"].framework is None and "no native int8 on this CPU" in (
        avx2_only["int8"].reason or ""
    )
    sapphire = {
        plan.dtype: plan for plan in cpu_plan({"amx_bf16", "avx512_fp16", "amx_int8"}, ["bfloat16"], True)
    }
    assert sapphire["bfloat16"].framework == "torch"
    no_torch = cpu_plan({"avx512_bf16"}, ["bfloat16"], torch_installed=False)[0]
    assert no_torch.framework is None and "needs PyTorch" in (no_torch.reason or "")
    volta = {
        plan.dtype: plan
        for plan in cuda_plan("cuda:0", (7, 0), ["float32", "bfloat16", "float16", "int8"], True)
    }
    assert volta["float16"].framework == "torch" and volta["float32"].framework == "torch"
    assert volta["bfloat16"].reason == "no native bfloat16 on this GPU (sm 7.0; needs sm 8.0)"
    assert volta["int8"].framework is None
    with pytest.raises(ValueError, match="not 'float8'"):
        parse_dtypes("float32,float8")


@pytest.mark.skipif(not NATIVE_BF16, reason="needs PyTorch and a CPU with native bfloat16")
def test_float32_and_bfloat16_are_measured_through_the_real_child() -> None:
    entry = measure_peak(force=True, dtypes=("float32", "bfloat16"), max_size=TINY)
    for dtype, framework in (("float32", "numpy"), ("bfloat16", "torch")):
        assert entry.gflops("cpu", dtype) is not None and entry.gflops("cpu", dtype) > 0.1, entry.errors
        assert entry.frameworks[f"cpu/{dtype}"] == framework
        assert entry.sizes[f"cpu/{dtype}"] == TINY
        assert entry.measured_at_of(f"cpu/{dtype}") == entry.measured_at
    assert load_peak() == entry
    # A figure measured while the machine was busy is kept but never used.
    busy = set(entry.busy_keys)
    assert busy == (set() if entry.busy is None else {"cpu/float32", "cpu/bfloat16"})
    assert (peak_gflops("cpu", "bfloat16") is None) == ("cpu/bfloat16" in busy)

    # Measuring one dtype later keeps the others, with the time they were measured.
    again = measure_peak(force=True, dtypes=("bfloat16",), max_size=TINY)
    assert again.gflops("cpu", "float32") == entry.gflops("cpu", "float32")
    assert again.measured_at_of("cpu/float32") == entry.measured_at
    assert again.frameworks["cpu/float32"] == "numpy"


@pytest.mark.skipif(NATIVE_FP16, reason="this CPU has native float16")
def test_a_dtype_the_cpu_lacks_is_never_measured_and_says_why() -> None:
    entry = measure_peak(force=True, dtypes=("float16",), max_size=TINY)
    assert entry.gflops("cpu", "float16") is None
    assert entry.unsupported["cpu/float16"] == "no native float16 on this CPU (needs avx512_fp16)"
    assert entry.sizes == {}  # no child measured anything
    assert benchmark_peak("cpu", "float16") is None  # a float16 benchmark is held to the ceiling alone
    row = next(row for row in peak_table(entry, local_system(), "press m") if row.dtype == "float16")
    assert (row.rate, row.note, row.measured) == (units.MISSING, entry.unsupported["cpu/float16"], False)


def test_the_table_names_who_measured_when_and_how_to_measure_the_rest() -> None:
    system = example_system()
    entry = PeakEntry(
        machine_id="m",
        measured_at="2025-01-15T10:00:00+00:00",
        fwtui_version=None,
        devices={"cpu": {"float32": 3120.0, "int8": 29400.0}},
        frameworks={"cpu/float32": "numpy", "cpu/int8": "torch"},
        busy_keys={"cpu/int8": "other processes used 1.50 CPUs"},
    )
    now = datetime(2025, 1, 15, 10, 3, 5, tzinfo=timezone.utc)
    rows = {(row.device, row.dtype): row for row in peak_table(entry, system, "press m", now)}
    f32 = rows["cpu", "float32"]
    assert (f32.rate, f32.framework, f32.age, f32.measured) == (
        "3.12 TFLOP/s",
        "numpy",
        "3 min 05 s ago",
        True,
    )
    assert f32.ceiling == units.gflops(112 * 6.0 * 64)  # logical cores x 6 GHz x 64 float32 FLOPs per cycle
    int8 = rows["cpu", "int8"]
    assert (int8.rate, int8.note, int8.measured) == ("29.4 TOPS", "busy: not used", False)
    assert rows["cpu", "bfloat16"].note == "not measured: press m"
    assert rows["cuda:0", "tf32"].note == "not measured: press m"  # the example's H100 (sm 9.0) has it


def _hw(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "160"}
    command = [sys.executable, "-m", "fwtui", "hw", "--no-frameworks", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=300, env=env)


@pytest.mark.skipif(NATIVE_FP16, reason="this CPU has native float16")
def test_cli_json_and_tables_show_every_dtype() -> None:
    done = _hw("--json", "--measure-peak", "--dtype", "float32,float16")
    assert done.returncode == 0, done.stderr
    peak = json.loads(done.stdout)["peak"]
    assert peak["devices"]["cpu"]["float32"] > 0 and "float16" not in peak["devices"]["cpu"]
    assert peak["frameworks"]["cpu/float32"] == "numpy"
    assert peak["unsupported"]["cpu/float16"].startswith("no native float16 on this CPU")
    tables = _hw()
    assert tables.returncode == 0, tables.stderr
    assert "no native float16 on this CPU" in tables.stdout and "numpy" in tables.stdout
    assert (
        "GFLOP/s" in tables.stdout and "not measured: run fwtui hw --measure-peak" in tables.stdout
    )  # the rest


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("--measure-peak", "--dtype", "float8"),
            "--dtype takes a comma list of float32, bfloat16, float16, int8",
        ),
        (("--dtype", "float32"), "--dtype names what --measure-peak measures; add --measure-peak"),
    ],
)
def test_bad_dtype_is_a_usage_error(args: tuple[str, ...], message: str) -> None:
    done = _hw(*args)
    assert done.returncode == 2
    assert done.stderr.startswith(f"fwtui: {message}") and "Traceback" not in done.stderr


def test_int8_reads_in_integer_operations() -> None:
    assert units.int_ops(436.0) == "436 GOPS"
    assert units.int_ops(29400.0) == "29.4 TOPS"
    assert units.int_ops(None) == units.MISSING


@pytest.mark.skipif(not NATIVE_BF16, reason="needs PyTorch and a CPU with native bfloat16")
def test_a_benchmark_in_bfloat16_measures_that_peak_once_and_keeps_float32(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import fwtui.hardware.peak as peak_module

    monkeypatch.setattr(
        peak_module, "_attempted", set()
    )  # what other tests' benchmarks tried in this process
    first = measure_peak(force=True, dtypes=("float32",), max_size=TINY)
    assert "cpu/bfloat16" not in first.frameworks
    value = benchmark_peak("cpu", "bfloat16")  # the first bfloat16 benchmark measures bfloat16 alone
    entry = load_peak()
    assert entry is not None and entry.frameworks["cpu/bfloat16"] == "torch"
    assert value == entry.usable("cpu", "bfloat16")  # None only when measured busy
    assert entry.gflops("cpu", "float32") == first.gflops("cpu", "float32")
    assert entry.measured_at_of("cpu/float32") == first.measured_at
    benchmark_peak("cpu", "bfloat16")  # measured once per process, busy or not
    assert load_peak() == entry


def test_native_reduced_precisions_follow_the_device() -> None:
    import dataclasses

    from fwtui.hardware.peak_plan import native_reduced_precisions

    h100_box = example_system()  # a Sapphire Rapids CPU (AMX, avx512_fp16, VNNI) and an H100 (sm 9.0)
    assert native_reduced_precisions(h100_box, "cuda") == ("bfloat16", "float16", "int8")
    assert native_reduced_precisions(h100_box, "cpu") == ("bfloat16", "float16", "int8")
    avx2 = dataclasses.replace(h100_box, cpu=dataclasses.replace(h100_box.cpu, flags=("avx2", "fma")))
    assert native_reduced_precisions(avx2, "cpu") == ()
    volta_gpu = dataclasses.replace(h100_box.gpus[0], compute_capability="7.0")
    volta = dataclasses.replace(h100_box, gpus=(volta_gpu,))
    assert native_reduced_precisions(volta, "cuda") == ("float16",)


def test_the_models_preset_runs_the_native_reduced_precisions_and_int8_only_for_inference() -> None:
    from fwtui.bench.plan import Selection, expand
    from fwtui.hardware.peak_plan import native_reduced_precisions

    native = native_reduced_precisions(local_system(), "cpu")
    specs = expand(Selection(preset="models", size=None, device="cpu", frameworks=["torch"]))
    by_mode = {mode: {s.precision for s in specs if s.mode == mode} for mode in ("inference", "training")}
    assert by_mode["inference"] == {"float32", *native}
    assert by_mode["training"] == {"float32", *native} - {"int8"}
    named = expand(Selection(preset="models", size=None, device="cpu", frameworks=["torch"], precisions=["int8"]))
    assert {s.precision for s in named} == {"int8"} and any(s.mode == "training" for s in named)
    assert {s.precision for s in expand(Selection(preset="quick", frameworks=["torch"]))} == {"float32"}

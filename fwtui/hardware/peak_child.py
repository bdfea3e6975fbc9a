"""Child process: measure peak GEMM throughput per device and dtype, print one JSON line.

Run as ``python -m fwtui.hardware.peak_child --plan cpu/float32=numpy,cpu/bfloat16=torch [--max-size N]``:
each ``device/dtype`` is measured in the framework named (the parent's :mod:`fwtui.hardware.peak_plan` names
only native paths). A square matrix multiply is the best case for every framework, so no benchmark can
honestly beat these numbers. int8 figures are integer operations per second (2 per multiply-add, as FLOPs).
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from typing import TypedDict

from fwtui.json_fields import JsonObject

MIN_CALL_S = 0.05  # grow the matrix until one call takes this long, so timer resolution is irrelevant
MAX_SIZE = 8192
SIZING_CALLS = 3  # the size is chosen on the median of these: one slow call cannot lock a small size
REPEATS = 7


class GemmTiming(TypedDict):
    gflops: float  # best of the repeats
    median_gflops: float
    size: int  # n of the n x n matrices timed
    best_s: float


class PeakResult(TypedDict):
    """The line this child prints; the parent reads it into a ``PeakEntry``."""

    devices: dict[str, dict[str, float | None]]  # device -> dtype -> GFLOP/s (best of the repeats)
    medians: dict[str, float]  # "device/dtype" -> median GFLOP/s of the repeats
    frameworks: dict[str, str]  # "device/dtype" -> the framework that measured it
    sizes: dict[str, int]  # "device/dtype" -> n
    errors: dict[str, str]  # "device/dtype" -> why it could not be measured
    contention: JsonObject  # what else ran while it measured (fwtui.bench.contention.Window)


def _seconds(call: Callable[[], None]) -> float:
    began = time.perf_counter()
    call()
    return time.perf_counter() - began


def best_gflops(
    make_call: Callable[[int], Callable[[], None]], start_size: int = 1024, max_size: int = MAX_SIZE
) -> GemmTiming:
    """Best-of and median-of-``REPEATS`` GFLOP/s for an n x n GEMM, n grown until a call is long enough.

    The size is decided on the median of a few calls, so one call slowed by something else cannot stop the
    growth at a matrix too small to reach the device's peak.
    """
    size = min(start_size, max_size)
    while True:
        call = make_call(size)
        call()  # warm-up: first-touch pages, pick kernels
        sizing = sorted(_seconds(call) for _ in range(SIZING_CALLS))[SIZING_CALLS // 2]
        if sizing >= MIN_CALL_S or size >= max_size:
            break
        size *= 2
    times = sorted(_seconds(call) for _ in range(REPEATS))
    flops = 2.0 * size**3
    return {
        "gflops": flops / times[0] / 1e9,
        "median_gflops": flops / times[REPEATS // 2] / 1e9,
        "size": size,
        "best_s": times[0],
    }


def numpy_float32(size: int) -> Callable[[], None]:
    import numpy as np

    rng = np.random.default_rng(0)
    a = rng.standard_normal((size, size), dtype=np.float32)
    b = rng.standard_normal((size, size), dtype=np.float32)
    out = np.empty((size, size), dtype=np.float32)

    def call() -> None:
        np.matmul(a, b, out=out)

    return call


def torch_call(device: str, dtype_name: str) -> Callable[[int], Callable[[], None]]:
    import torch

    integer = dtype_name == "int8"
    dtype = torch.float32 if dtype_name == "tf32" else getattr(torch, dtype_name)
    if device.startswith("cuda"):
        # strict float32 unless TF32 is what is measured
        torch.backends.cuda.matmul.allow_tf32 = dtype_name == "tf32"
    mm = torch._int_mm if integer else torch.mm  # int8 x int8 -> int32: the VNNI / AMX / tensor-core path

    def make(size: int) -> Callable[[], None]:
        if integer:
            a = torch.randint(-128, 128, (size, size), dtype=torch.int8, device=device)
            b = torch.randint(-128, 128, (size, size), dtype=torch.int8, device=device)
        else:
            a = torch.randn(size, size, device=device).to(dtype)
            b = torch.randn(size, size, device=device).to(dtype)
        if device.startswith("cuda"):

            def call_synced() -> None:
                mm(a, b)
                torch.cuda.synchronize()

            return call_synced

        def call() -> None:
            mm(a, b)

        return call

    return make


def parse_plan(raw: str) -> list[tuple[str, str, str]]:
    """``"cpu/float32=numpy,cuda:0/tf32=torch"`` -> [(device, dtype, framework), ...]."""
    plan = []
    for part in filter(None, raw.split(",")):
        key, _, framework = part.partition("=")
        device, _, dtype = key.partition("/")
        plan.append((device, dtype, framework))
    return plan


def measure(plan: list[tuple[str, str, str]], max_size: int = MAX_SIZE) -> PeakResult:
    from fwtui.bench.contention import Watch

    watch = Watch()
    devices: dict[str, dict[str, float | None]] = {}
    medians: dict[str, float] = {}
    sizes: dict[str, int] = {}
    errors: dict[str, str] = {}
    frameworks: dict[str, str] = {}
    for device, dtype, framework in plan:
        key = f"{device}/{dtype}"
        devices.setdefault(device, {})[dtype] = None
        make: Callable[[int], Callable[[], None]]
        try:
            if framework == "numpy" and device == "cpu" and dtype == "float32":
                make = numpy_float32
            elif framework == "torch":
                make = torch_call(device, dtype)
            else:
                raise ValueError(f"no {framework} GEMM for {key}")
            timing = best_gflops(make, start_size=2048 if device != "cpu" else 1024, max_size=max_size)
        except Exception as exc:  # a missing framework or kernel: report it, measure the rest
            errors[key] = f"{type(exc).__name__}: {exc}"
            continue
        devices[device][dtype] = timing["gflops"]
        sizes[key] = timing["size"]
        medians[key] = timing["median_gflops"]
        frameworks[key] = framework
    window = watch.stop().to_dict()
    return {
        "devices": devices,
        "medians": medians,
        "frameworks": frameworks,
        "sizes": sizes,
        "errors": errors,
        "contention": window,
    }


def main(argv: list[str]) -> int:
    plan = parse_plan(argv[argv.index("--plan") + 1]) if "--plan" in argv else [("cpu", "float32", "numpy")]
    max_size = int(argv[argv.index("--max-size") + 1]) if "--max-size" in argv else MAX_SIZE
    result = measure(plan, max_size)
    sys.stdout.write(json.dumps(result) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

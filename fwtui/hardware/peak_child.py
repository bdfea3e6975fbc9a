"""Child process: measure peak GEMM throughput per device, print one JSON line.

Run as ``python -m fwtui.hardware.peak_child [--bf16] [--cuda]``. A square matrix multiply is
the best case for every framework, so no benchmark can honestly beat these numbers.
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
    sizes: dict[str, int]  # "device/dtype" -> n
    errors: dict[str, str]  # "device/dtype" -> why it could not be measured
    contention: JsonObject  # what else ran while it measured (fwtui.bench.contention.Window)


def _seconds(call: Callable[[], None]) -> float:
    began = time.perf_counter()
    call()
    return time.perf_counter() - began


def best_gflops(make_call: Callable[[int], Callable[[], None]], start_size: int = 1024) -> GemmTiming:
    """Best-of and median-of-``REPEATS`` GFLOP/s for an n x n GEMM, n grown until a call is long enough.

    The size is decided on the median of a few calls, so one call slowed by something else cannot stop the
    growth at a matrix too small to reach the device's peak.
    """
    size = start_size
    while True:
        call = make_call(size)
        call()  # warm-up: first-touch pages, pick kernels
        sizing = sorted(_seconds(call) for _ in range(SIZING_CALLS))[SIZING_CALLS // 2]
        if sizing >= MIN_CALL_S or size >= MAX_SIZE:
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

    dtype = getattr(torch, dtype_name)

    def make(size: int) -> Callable[[], None]:
        a = torch.randn(size, size, device=device).to(dtype)
        b = torch.randn(size, size, device=device).to(dtype)
        if device.startswith("cuda"):

            def call_synced() -> None:
                torch.mm(a, b)
                torch.cuda.synchronize()

            return call_synced

        def call() -> None:
            torch.mm(a, b)

        return call

    return make


def measure(bf16_cpu: bool, cuda: bool) -> PeakResult:
    from fwtui.bench.contention import Watch

    watch = Watch()
    devices: dict[str, dict[str, float | None]] = {}
    medians: dict[str, float] = {}
    sizes: dict[str, int] = {}
    errors: dict[str, str] = {}
    cpu = best_gflops(numpy_float32)
    devices["cpu"] = {"float32": cpu["gflops"], "bfloat16": None}
    sizes["cpu/float32"] = cpu["size"]
    medians["cpu/float32"] = cpu["median_gflops"]
    if bf16_cpu:
        try:
            bf16 = best_gflops(torch_call("cpu", "bfloat16"))
            devices["cpu"]["bfloat16"] = bf16["gflops"]
            sizes["cpu/bfloat16"] = bf16["size"]
            medians["cpu/bfloat16"] = bf16["median_gflops"]
        except Exception as exc:  # torch missing or no bf16 kernel: report, keep float32
            errors["cpu/bfloat16"] = str(exc)
    if cuda:
        try:
            import torch

            torch.backends.cuda.matmul.allow_tf32 = False  # strict float32; TF32 is reported separately
            for index in range(torch.cuda.device_count()):
                name = f"cuda:{index}"
                entry: dict[str, float | None] = {}
                for dtype in ("float32", "bfloat16", "float16"):
                    result = best_gflops(torch_call(name, dtype), start_size=2048)
                    entry[dtype] = result["gflops"]
                    sizes[f"{name}/{dtype}"] = result["size"]
                    medians[f"{name}/{dtype}"] = result["median_gflops"]
                torch.backends.cuda.matmul.allow_tf32 = True
                entry["tf32"] = best_gflops(torch_call(name, "float32"), start_size=2048)["gflops"]
                torch.backends.cuda.matmul.allow_tf32 = False
                devices[name] = entry
        except Exception as exc:
            errors["cuda"] = str(exc)
    window = watch.stop().to_dict()
    return {"devices": devices, "medians": medians, "sizes": sizes, "errors": errors, "contention": window}


def main(argv: list[str]) -> int:
    result = measure(bf16_cpu="--bf16" in argv, cuda="--cuda" in argv)
    sys.stdout.write(json.dumps(result) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

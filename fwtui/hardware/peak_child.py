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

MIN_CALL_S = 0.05  # grow the matrix until one call takes this long, so timer resolution is irrelevant
MAX_SIZE = 8192
REPEATS = 5


class GemmTiming(TypedDict):
    gflops: float
    size: int  # n of the n x n matrices timed
    best_s: float


class PeakResult(TypedDict):
    """The line this child prints; the parent reads it into a ``PeakEntry``."""

    devices: dict[str, dict[str, float | None]]  # device -> dtype -> GFLOP/s
    sizes: dict[str, int]  # "device/dtype" -> n
    errors: dict[str, str]  # "device/dtype" -> why it could not be measured


def best_gflops(make_call: Callable[[int], Callable[[], None]], start_size: int = 1024) -> GemmTiming:
    """Best-of-``REPEATS`` GFLOP/s for an n x n GEMM, with n grown until a call is long enough to time."""
    size = start_size
    while True:
        call = make_call(size)
        call()  # warm-up: first-touch pages, pick kernels
        began = time.perf_counter()
        call()
        elapsed = time.perf_counter() - began
        if elapsed >= MIN_CALL_S or size >= MAX_SIZE:
            break
        size *= 2
    best = elapsed
    for _ in range(REPEATS - 1):
        began = time.perf_counter()
        call()
        best = min(best, time.perf_counter() - began)
    return {"gflops": 2.0 * size**3 / best / 1e9, "size": size, "best_s": best}


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
    devices: dict[str, dict[str, float | None]] = {}
    sizes: dict[str, int] = {}
    errors: dict[str, str] = {}
    cpu = best_gflops(numpy_float32)
    devices["cpu"] = {"float32": cpu["gflops"], "bfloat16": None}
    sizes["cpu/float32"] = cpu["size"]
    if bf16_cpu:
        try:
            bf16 = best_gflops(torch_call("cpu", "bfloat16"))
            devices["cpu"]["bfloat16"] = bf16["gflops"]
            sizes["cpu/bfloat16"] = bf16["size"]
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
                torch.backends.cuda.matmul.allow_tf32 = True
                entry["tf32"] = best_gflops(torch_call(name, "float32"), start_size=2048)["gflops"]
                torch.backends.cuda.matmul.allow_tf32 = False
                devices[name] = entry
        except Exception as exc:
            errors["cuda"] = str(exc)
    return {"devices": devices, "sizes": sizes, "errors": errors}


def main(argv: list[str]) -> int:
    result = measure(bf16_cpu="--bf16" in argv, cuda="--cuda" in argv)
    sys.stdout.write(json.dumps(result) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Roofline: fwtui's gemm GFLOP/s (through the full engine) divided by NumPy's on the same shape, same run.

NumPy runs in a child with the same thread settings as the benchmark children. Target: best ratio >= 0.9.
Run: .venv/bin/python benchmarks/roofline.py [--size small|medium|large] [--threads N]
"""

from __future__ import annotations

import argparse
import subprocess
import sys

from fwtui.bench.plan import Selection, default_threads, expand
from fwtui.bench.process import child_environment
from fwtui.bench.session import BenchSession
from fwtui.bench.workloads import get_spec

TARGET = 0.9

NUMPY_CHILD = """
import sys, time
import numpy as np
n, seconds = int(sys.argv[1]), float(sys.argv[2])
rng = np.random.default_rng(0)
a = rng.standard_normal((n, n), dtype=np.float32)
b = rng.standard_normal((n, n), dtype=np.float32)
for _ in range(3):
    a @ b
times = []
deadline = time.perf_counter() + seconds
while time.perf_counter() < deadline or len(times) < 10:
    t0 = time.perf_counter()
    a @ b
    times.append(time.perf_counter() - t0)
print(2.0 * n**3 / (sum(times) / len(times)) / 1e9)
"""


def numpy_gflops(n: int, threads: int, seconds: float) -> float:
    proc = subprocess.run(
        [sys.executable, "-c", NUMPY_CHILD, str(n), str(seconds)],
        capture_output=True,
        text=True,
        timeout=600,
        env=child_environment(threads),
        check=True,
    )
    return float(proc.stdout.strip())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", default="small", choices=("small", "medium", "large"))
    parser.add_argument("--threads", type=int, default=default_threads())
    args = parser.parse_args()
    n = get_spec("gemm", args.size).n
    specs = expand(
        Selection(
            workloads=["gemm"],
            modes=["inference"],
            size=args.size,
            device="cpu",
            threads=args.threads,
            preset="standard",
        )
    )
    reference = numpy_gflops(n, args.threads, 2.0)
    records = BenchSession(specs).run()
    reference = (reference + numpy_gflops(n, args.threads, 2.0)) / 2  # before and after: load drift
    print(f"gemm n={n}, {args.threads} threads: NumPy {reference:.1f} GFLOP/s")
    best = 0.0
    for r in records:
        if r["status"] != "ok":
            print(f"  {r['framework']}/{r['variant']}: {r['status']} ({r['reason']})")
            continue
        ratio = r["gflops"] / reference
        best = max(best, ratio)
        flags = f"  flags: {', '.join(r['flags'])}" if r["flags"] else ""
        print(
            f"  {r['framework']}/{r['variant']}: {r['gflops']:.1f} GFLOP/s, ratio to NumPy {ratio:.3f}{flags}"
        )
    print(f"best fwtui/NumPy ratio: {best:.3f} (target >= {TARGET})")
    return 0 if best >= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())

"""Agreement with independent harnesses: fwtui's p50 divided by each framework's own timing tool's median.

For each cell (framework, workload, batch; small size, CPU, inference) fwtui measures the p50 through its real
session and child, then, in the same run, a separate child times the same model with torch.utils.benchmark's
Timer (PyTorch), timeit with ``block_until_ready`` (JAX), timeit with ``.numpy()`` (TensorFlow) or timeit of
``InferenceSession.run`` (ONNX Runtime). Prints fwtui/independent per cell and the median ratio.
Target: the median ratio within 0.9-1.1 on a quiet machine (a busy one moves both sides unevenly).

    python benchmarks/agreement.py [--frameworks torch,jax] [--workloads mlp,cnn] [--threads N]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

from fwtui.bench.plan import default_threads
from fwtui.bench.process import child_environment
from fwtui.bench.session import BenchSession
from fwtui.bench.spec import RunSpec
from fwtui.frameworks import BY_NAME, installed_version

TARGET = (0.9, 1.1)
CHILD = Path(__file__).with_name("_agreement_child.py")
VARIANT = {"torch": "eager", "tensorflow": "function", "jax": "jit", "onnxruntime": "ort"}


def fwtui_p50(framework: str, workload: str, threads: int) -> dict[int, float]:
    spec = RunSpec(framework=framework, workload=workload, mode="inference", variant=VARIANT[framework],
                   threads=threads, min_time_s=1.0, min_iterations=20, max_time_s=10.0, warmup_s=0.3,
                   timeout_s=600)  # fmt: skip
    session = BenchSession([spec], peak_lookup=lambda device: None)
    session.run()
    return {r.batch_size: r.p50_ms for r in session.records if r.status == "ok" and r.p50_ms}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frameworks", default="torch,tensorflow,jax,onnxruntime")
    parser.add_argument("--workloads", default="mlp,cnn,transformer")
    parser.add_argument("--threads", type=int, default=default_threads())
    args = parser.parse_args()
    ratios: list[float] = []
    print(f"{'cell':<34} {'fwtui p50 ms':>13} {'independent ms':>15} {'ratio':>7}")
    for framework in args.frameworks.split(","):
        if framework not in BY_NAME or installed_version(BY_NAME[framework].distributions) is None:
            print(f"{framework}: not installed")
            continue
        measured: dict[tuple[str, int], float] = {}
        for workload in args.workloads.split(","):
            for batch, p50 in fwtui_p50(framework, workload, args.threads).items():
                measured[(workload, batch)] = p50
        cells = [f"{w}:{b}" for (w, b) in measured]
        done = subprocess.run(
            [sys.executable, str(CHILD), framework, str(args.threads), *cells],
            capture_output=True, text=True, timeout=1200, env=child_environment(args.threads),
        )  # fmt: skip
        if done.returncode != 0:
            print(f"{framework}: independent timing failed: {(done.stderr.strip().splitlines() or ['?'])[-1]}")
            continue
        for line in done.stdout.splitlines():
            if not line.startswith("{"):
                continue
            row = json.loads(line)
            key = (row["workload"], row["batch"])
            ratio = measured[key] / row["ms"]
            ratios.append(ratio)
            label = f"{framework}/{VARIANT[framework]} {row['workload']}/small b{row['batch']}"
            print(f"{label:<34} {measured[key]:>13.4f} {row['ms']:>15.4f} {ratio:>7.2f}")
    if not ratios:
        print("no cells measured")
        return 1
    median = statistics.median(ratios)
    verdict = "within" if TARGET[0] <= median <= TARGET[1] else "outside"
    print(f"median fwtui/independent over {len(ratios)} cells: {median:.2f} ({verdict} the {TARGET[0]}-{TARGET[1]} target)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Harness overhead: fwtui's p50 for the mlp divided by a bare hand-written timing loop's p50.

Same model, same step, same process, five interleaved rounds (the ratio is the median of the per-round
ratios); one child per framework. Target: ratio <= 1.05.
Run: .venv/bin/python benchmarks/harness_overhead.py [--threads N]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

from fwtui.bench.plan import default_threads
from fwtui.bench.process import child_environment
from fwtui.frameworks import BENCHMARK_FRAMEWORKS, installed_version

TARGET = 1.05
CHILD = Path(__file__).with_name("_bare_loop_child.py")
MAIN_VARIANT = {"torch": "eager", "tensorflow": "function", "jax": "jit", "onnxruntime": "ort"}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--threads", type=int, default=default_threads())
    args = parser.parse_args()
    worst = 0.0
    print(f"{'framework':<12} {'batch':>5} {'bare p50 ms':>12} {'fwtui p50 ms':>13} {'ratio':>7}")
    for fw in BENCHMARK_FRAMEWORKS:
        if installed_version(fw.distributions) is None:
            print(f"{fw.name:<12} not installed")
            continue
        variant = MAIN_VARIANT[fw.name]
        proc = subprocess.run(
            [sys.executable, str(CHILD), fw.name, variant, str(args.threads)],
            capture_output=True,
            text=True,
            timeout=600,
            env=child_environment(args.threads),
        )
        if proc.returncode != 0:
            print(f"{fw.name:<12} failed: {proc.stderr.strip().splitlines()[-1:]}")
            continue
        for batch, row in json.loads(proc.stdout.strip().splitlines()[-1]).items():
            ratio = row["paired_ratio"]
            worst = max(worst, ratio)
            print(
                f"{fw.name:<12} {batch:>5} {row['bare_p50_ms']:>12.4f} {row['fwtui_p50_ms']:>13.4f} {ratio:>7.3f}"
            )
    print(f"worst ratio fwtui/bare: {worst:.3f} (target <= {TARGET})")
    return 0 if worst <= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())

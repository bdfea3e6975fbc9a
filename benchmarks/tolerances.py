"""Measure every framework's error against the float64 reference, per workload, and the tolerance it implies.

    python benchmarks/tolerances.py [--sizes small,medium] [--frameworks torch,jax,...] [--workloads resnet50,gpt2]

Each framework runs in its own child (as a benchmark does), every variant, inference (outputs of a batch of
4, error relative to max|reference|) and training (losses over 3 SGD steps, relative per step). The script
prints the worst error per workload and mode across frameworks and the tolerance rule fwtui uses: 10x the
worst error seen, which must stay below the smallest error of the corruptions it has to catch (fp16-rounded
weights, tanh GELU, LayerNorm eps 1e-3; tests/test_tolerances.py). The tolerances in
fwtui/bench/workloads.py are set from this script's output.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections import defaultdict

CHILD = r"""
import json, sys
import numpy as np
from fwtui.bench import generation, workload_data, workloads
from fwtui.bench.runner import load_runner
framework, sizes, names = sys.argv[1], sys.argv[2].split(","), sys.argv[3].split(",")
runner = load_runner(framework)
runner.configure(1, "cpu")
for size in sizes:
    for name in names:
        if runner.framework.workload_reason(name):
            continue
        spec = workloads.get_spec(name, size)
        weights = workload_data.make_weights(spec)
        for variant in runner.variants:
            for mode in runner.modes:
                if runner.unsupported_reason(mode, variant, "cpu") or (mode == "training" and not spec.trainable):
                    continue
                if mode == "training" and workload_data.training_check_spec(spec, 4, 3) is not spec:
                    continue  # a full-size model is trained on its small size in every check
                x, y = workload_data.make_batch(spec, 4, seed=2)
                built = runner.build(spec, weights, mode=mode, variant=variant, device="cpu")
                if mode == "inference":
                    expected = workload_data.reference_forward(spec, weights, x)
                    # gpt2: teacher-forced, as the benchmark checks it
                    check = workload_data.check_output(spec, built.infer(generation.check_input(spec, x, expected)), expected)
                else:
                    losses = built.train_losses(x, y, 3)
                    check = workload_data.check_losses(spec, losses, workload_data.reference_train_losses(spec, weights, x, y, 3))
                print(json.dumps({"workload": name, "size": size, "mode": mode, "variant": variant,
                                  "error": check.max_rel_error}), flush=True)
"""

FACTOR = 10.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="small")
    parser.add_argument("--frameworks", default="torch,tensorflow,jax,onnxruntime")
    parser.add_argument("--workloads", default="mlp,cnn,transformer,gemm")
    args = parser.parse_args()
    worst: dict[tuple[str, str], tuple[float, str]] = defaultdict(lambda: (0.0, ""))
    for framework in args.frameworks.split(","):
        done = subprocess.run(
            [sys.executable, "-c", CHILD, framework, args.sizes, args.workloads], capture_output=True, text=True, timeout=1800
        )
        if done.returncode != 0:
            print(f"{framework}: failed: {(done.stderr.strip().splitlines() or ['?'])[-1]}")
            continue
        for line in done.stdout.splitlines():
            row = json.loads(line)
            key = (row["workload"], row["mode"])
            who = f"{framework}/{row['variant']} {row['size']}"
            print(f"{who:32} {row['workload']:12} {row['mode']:9} {row['error']:.2e}")
            if row["error"] > worst[key][0]:
                worst[key] = (row["error"], who)
    print(f"\nworst relative error per workload and mode, and {FACTOR:g}x it (the tolerance rule):")
    for (workload, mode), (error, who) in sorted(worst.items()):
        print(f"  {workload:12} {mode:9} worst {error:.2e} ({who})  ->  tolerance {FACTOR * error:.1e}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

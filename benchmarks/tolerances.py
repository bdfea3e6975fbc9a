"""Measure every framework's error against the float64 reference, per workload, and the tolerance it implies.

    python benchmarks/tolerances.py [--sizes small,medium] [--frameworks torch,jax,...] [--workloads resnet50,gpt2]
                                    [--precision bfloat16] [--seeds 2,3,4]

Each framework runs in its own child (as a benchmark does), every variant, inference (outputs of a batch of
4, error relative to max|reference|) and training (losses over 3 SGD steps, relative per step). The script
prints the worst error per workload and mode across frameworks and the tolerance rule fwtui uses: 10x the
worst error seen, which must stay below the smallest error of the corruptions it has to catch (fp16-rounded
weights, tanh GELU, LayerNorm eps 1e-3; tests/test_tolerances.py). The tolerances in
fwtui/bench/workloads.py are set from this script's output. With ``--precision`` every framework runs in that
precision where it can, and the errors are those its check sees (workload_data.check_output, check_losses: for
a workload whose reduced-precision trajectory is chaotic, the first loss, and "no fall" when the losses did not
fall as the reference's do); PRECISION_TOLERANCE_REL and PRECISION_TRAIN_TOLERANCE_REL come from it.
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
framework, sizes, names, precision = sys.argv[1], sys.argv[2].split(","), sys.argv[3].split(","), sys.argv[4]
seeds = [int(s) for s in sys.argv[5].split(",")]
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
                if runner.precision_reason(spec, precision, mode=mode, device="cpu"):
                    continue
                for seed in seeds:
                    x, y = workload_data.make_batch(spec, 4, seed=seed)
                    built = runner.build(spec, weights, mode=mode, variant=variant, device="cpu", precision=precision)
                    if mode == "inference":
                        expected = workload_data.reference_forward(spec, weights, x)
                        # gpt2: teacher-forced, as the benchmark checks it
                        check = workload_data.check_output(
                            spec, built.infer(generation.check_input(spec, x, expected)), expected, precision)
                        note = ""
                    else:
                        losses = built.train_losses(x, y, 3)
                        expected = workload_data.reference_train_losses(spec, weights, x, y, 3)
                        check = workload_data.check_losses(spec, losses, expected, precision)
                        fall = (losses[0] - losses[-1]) / (expected[0] - expected[-1])
                        note = ("" if workload_data.trajectory_compared(spec, precision)
                                else f"first loss; fell {fall:.2f}x as far as the reference")
                    print(json.dumps({"workload": name, "size": size, "mode": mode, "variant": variant, "seed": seed,
                                      "error": check.max_rel_error, "ok": check.ok, "note": note}), flush=True)
"""

FACTOR = 10.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="small")
    parser.add_argument("--frameworks", default="torch,tensorflow,jax,onnxruntime")
    parser.add_argument("--workloads", default="mlp,cnn,transformer,gemm")
    parser.add_argument("--precision", default="float32", choices=("float32", "bfloat16", "float16", "int8"))
    parser.add_argument("--seeds", default="2", help="seeds of the checked batches (the checks use 2)")
    args = parser.parse_args()
    worst: dict[tuple[str, str], tuple[float, str]] = defaultdict(lambda: (0.0, ""))
    for framework in args.frameworks.split(","):
        done = subprocess.run(
            [sys.executable, "-c", CHILD, framework, args.sizes, args.workloads, args.precision, args.seeds],
            capture_output=True, text=True, timeout=1800,
        )
        if done.returncode != 0:
            print(f"{framework}: failed: {(done.stderr.strip().splitlines() or ['?'])[-1]}")
            continue
        for line in done.stdout.splitlines():
            row = json.loads(line)
            key = (row["workload"], row["mode"])
            who = f"{framework}/{row['variant']} {row['size']} seed {row['seed']}"
            note = f"  {row['note']}" if row["note"] else ""
            print(f"{who:32} {row['workload']:12} {row['mode']:9} {row['error']:.2e}{'' if row['ok'] else ' FAIL'}{note}")
            if row["error"] > worst[key][0]:
                worst[key] = (row["error"], who)
    print(f"\nworst relative error per workload and mode ({args.precision}), and {FACTOR:g}x it (the tolerance rule):")
    for (workload, mode), (error, who) in sorted(worst.items()):
        print(f"  {workload:12} {mode:9} worst {error:.2e} ({who})  ->  tolerance {FACTOR * error:.1e}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Child for benchmarks/harness_overhead.py: one framework's mlp, timed by a bare loop and by fwtui's harness.

Both time the same step object in the same process, interleaved, so the ratio isolates the harness itself.
"""

from __future__ import annotations

import json
import sys
import time

import numpy as np

from fwtui.bench import harness, workload_data, workloads
from fwtui.bench.runner import load_runner


def bare_p50_ms(step, seconds: float) -> float:
    """The loop anyone would write: time each call, take the median."""
    times = []
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        t0 = time.perf_counter()
        step()
        times.append(time.perf_counter() - t0)
    return float(np.median(times)) * 1000.0


def fwtui_p50_ms(step, seconds: float) -> float:
    config = harness.TimingConfig(min_time_s=seconds, min_iterations=10, max_time_s=seconds * 3, warmup_s=0.0)
    inner = harness.calibrate(step, harness.target_sample_ns(harness.timer_resolution_ns()))
    return float(np.median(harness.measure(step, inner, config)))


def main() -> None:
    framework, variant, threads = sys.argv[1], sys.argv[2], int(sys.argv[3])
    runner = load_runner(framework)
    runner.configure(threads, "cpu")
    spec = workloads.get_spec("mlp", "small")
    prepared = runner.build(
        spec, workload_data.make_weights(spec), mode="inference", variant=variant, device="cpu"
    )
    out = {}
    for batch in (1, 256):
        x, y = workload_data.make_batch(spec, batch)
        step = prepared.make_step(x, y)
        harness.warmup(step, 0.3)
        bare, ours = [], []
        for _ in range(5):  # interleaved rounds: drift in machine load hits both alike
            bare.append(bare_p50_ms(step, 0.4))
            ours.append(fwtui_p50_ms(step, 0.4))
        out[str(batch)] = {
            "bare_p50_ms": float(np.median(bare)),
            "fwtui_p50_ms": float(np.median(ours)),
            "paired_ratio": float(np.median(np.array(ours) / np.array(bare))),  # robust to a noisy round
        }
    print(json.dumps(out))


if __name__ == "__main__":
    main()

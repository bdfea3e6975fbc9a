"""The model child: ``python -m fwtui.bench.byom.child '<json job>'`` runs a user's model in one engine.

It loads the model for one target (:mod:`fwtui.bench.byom.loaders`), makes seeded inputs from the model's
own signature and times the forward call with the same harness as every benchmark. The timed step returns
its outputs, and the outputs saved for the parent to cross-check between engines are those of a timed call
after the samples (what was timed is what is checked); the contention window of the samples goes with them. It prints one JSON line on its original stdout;
whatever the frameworks print goes to stderr. Keras' backend is set by the parent in the environment.
"""

from __future__ import annotations

import json
import os
import sys
import time
import traceback
from pathlib import Path
from typing import Any

import numpy as np

from fwtui.bench import contention, energy, harness
from fwtui.bench.byom.loaders import NeedsInputShape, Unsupported, load, make_feeds
from fwtui.bench.byom.model_file import Target


def run(job: dict[str, Any]) -> dict[str, Any]:
    target = Target(str(job["engine"]), str(job["variant"]))
    workdir = Path(str(job["workdir"]))
    threads = int(job.get("threads", 1))
    t0 = time.perf_counter()
    loaded = load(str(job["path"]), str(job["kind"]), target, workdir, threads)
    load_s = time.perf_counter() - t0
    raw_shapes = job.get("input_shapes") or {}
    fixed = {str(k): tuple(int(d) for d in v) for k, v in dict(raw_shapes).items()}
    feeds = make_feeds(loaded.inputs, fixed, seed=int(job.get("seed", 0)))

    def step() -> list[np.ndarray]:
        return loaded.forward(feeds)  # host arrays: the call is finished

    t0 = time.perf_counter()
    step()  # the first call: it compiles where the engine compiles
    first_call_s = time.perf_counter() - t0
    config = harness.TimingConfig(
        min_time_s=float(job.get("min_time_s", 0.3)),
        min_iterations=int(job.get("min_iterations", 10)),
        max_time_s=float(job.get("max_time_s", 3.0)),
        warmup_s=float(job.get("warmup_s", 0.1)),
    )
    _, warm_ms = harness.warmup(step, config.warmup_s)
    resolution_ns = harness.timer_resolution_ns()
    inner = harness.calibrate(step, harness.target_sample_ns(resolution_ns), warm_ms)
    watch = contention.Watch()
    meter = energy.meter_for("cuda" if target.variant.startswith("cuda-") else "cpu")
    meter.start()
    samples = harness.measure(step, inner, config)
    spent = meter.stop()  # the energy of the timed samples only, or why there is none
    window = watch.stop()
    outputs = step()  # a timed call's outputs: these are cross-checked
    np.savez(workdir / "outputs.npz", *outputs)
    return {
        "status": "ok",
        "inputs": {name: list(array.shape) for name, array in feeds.items()},
        "signature": [
            {"name": s.name, "shape": [d if d is not None else None for d in s.shape], "dtype": s.dtype}
            for s in loaded.inputs
        ],
        "params": loaded.params,
        "precision": loaded.precision,
        "outputs": [list(o.shape) for o in outputs],
        "load_s": load_s,
        "first_call_s": first_call_s,
        "samples_ms": samples,
        "inner_iterations": inner,
        "timer_resolution_ns": resolution_ns,
        "contention": window.to_dict(),
        "energy_j": spent.joules,
        "energy_reason": spent.reason,
        "energy_scope": spent.scope,
        "version": _version(target.engine),
    }


def _version(engine: str) -> str | None:
    from fwtui.frameworks import BY_NAME, installed_version

    return installed_version(BY_NAME[engine].distributions)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m fwtui.bench.byom.child '<json job>'", file=sys.stderr)
        return 2
    sys.stdout.flush()
    stream = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)  # framework chatter goes to stderr and cannot corrupt the result line
    try:
        result = run(json.loads(args[0]))
    except NeedsInputShape as exc:
        result = {"status": "needs_input_shape", "reason": str(exc)}
    except Unsupported as exc:
        result = {"status": "unsupported", "reason": str(exc)}
    except Exception as exc:
        traceback.print_exc()
        lines = f"{type(exc).__name__}: {exc}".strip().splitlines()
        result = {"status": "error", "reason": (lines[0] if lines else type(exc).__name__)[:500]}
    stream.write(json.dumps(result, default=str) + "\n")
    stream.flush()
    return 0


if __name__ == "__main__":
    code = main()
    sys.stderr.flush()
    os._exit(code)

"""Child of benchmarks/agreement.py: times one framework's models with that framework's own tools.

    python benchmarks/_agreement_child.py FRAMEWORK THREADS WORKLOAD:BATCH ...

The models are the ones fwtui's runner builds (the same weights and layouts), but the timing is independent
of fwtui's harness: torch.utils.benchmark.Timer for PyTorch; timeit with ``block_until_ready`` for JAX;
timeit with ``.numpy()`` for TensorFlow; timeit of ``InferenceSession.run`` for ONNX Runtime. Prints one
JSON line per cell with the median per-call milliseconds.
"""

from __future__ import annotations

import json
import statistics
import sys
import timeit

import numpy as np

from fwtui.bench import workload_data
from fwtui.bench.runner import load_runner
from fwtui.bench.workloads import get_spec

VARIANT = {"torch": "eager", "tensorflow": "function", "jax": "jit", "onnxruntime": "ort"}
MIN_RUN_S = 1.0


def timeit_median_ms(call: object) -> float:
    """timeit's own autorange for the number of calls per repeat, then the median of 7 repeats."""
    timer = timeit.Timer(call)  # type: ignore[arg-type]
    number, _ = timer.autorange()
    number = max(1, int(number * MIN_RUN_S / 7 / 0.2))
    return statistics.median(timer.repeat(repeat=7, number=number)) / number * 1000.0


def independent_ms(framework: str, threads: int, prepared: object, x: np.ndarray) -> float:
    """The median per-call milliseconds of one model, timed with the framework's own tools."""
    if framework == "torch":
        import torch
        import torch.utils.benchmark as tb

        xt = torch.from_numpy(x)
        model = prepared.model  # type: ignore[attr-defined]

        def infer() -> None:
            with torch.inference_mode():
                model(xt)

        timer = tb.Timer(stmt="infer()", globals={"infer": infer}, num_threads=threads)
        return float(timer.blocked_autorange(min_run_time=MIN_RUN_S).median * 1000.0)
    if framework == "jax":
        import jax

        x_dev, _ = prepared.put_input(x)  # type: ignore[attr-defined]
        f, params, frozen = prepared._infer, prepared._params, prepared._frozen  # type: ignore[attr-defined]
        jax.block_until_ready(f(params, frozen, x_dev))
        return timeit_median_ms(lambda: jax.block_until_ready(f(params, frozen, x_dev)))
    if framework == "tensorflow":
        x_dev, _ = prepared.put_input(x)  # type: ignore[attr-defined]
        g = prepared._infer  # type: ignore[attr-defined]
        g(x_dev).numpy()
        return timeit_median_ms(lambda: g(x_dev).numpy())
    session = prepared.session  # type: ignore[attr-defined]
    feed = {"x": x}
    session.run(["y"], feed)
    return timeit_median_ms(lambda: session.run(["y"], feed))


def main() -> int:
    framework, threads, cells = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
    runner = load_runner(framework)
    runner.configure(threads, "cpu")
    for cell in cells:
        workload, batch = cell.split(":")
        spec = get_spec(workload, "small")
        weights = workload_data.make_weights(spec)
        x, _ = workload_data.make_batch(spec, int(batch))
        prepared = runner.build(spec, weights, mode="inference", variant=VARIANT[framework], device="cpu")
        ms = independent_ms(framework, threads, prepared, x)
        print(json.dumps({"workload": workload, "batch": int(batch), "ms": ms}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

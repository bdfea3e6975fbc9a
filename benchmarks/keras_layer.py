"""The cost of the Keras layer: Keras on each backend against the backend's own runner, same workload, one command.

    python benchmarks/keras_layer.py [--workload mlp] [--mode inference]

Runs ``fwtui bench`` (real children, the quick preset's measurement rule, nothing saved) for Keras on every
installed backend and for the native framework's baseline variant, then prints, per scenario, each Keras p50
and its ratio to the native p50 measured in the same run (> 1: Keras is slower). There is no target: the figure
is what the project reports. Timings need an otherwise idle machine.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

from fwtui.frameworks import BY_NAME, installed_version

NATIVE = {"jax": ("jax", "jit"), "tensorflow": ("tensorflow", "function"), "torch": ("torch", "eager")}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workload", default="mlp")
    parser.add_argument("--mode", default="inference")
    args = parser.parse_args()
    backends = [b for b in BY_NAME["keras"].variants if installed_version(BY_NAME[b].distributions)]
    frameworks = ["keras", *(NATIVE[b][0] for b in backends)]
    variants = [*backends, *(NATIVE[b][1] for b in backends)]
    command = [
        sys.executable, "-m", "fwtui", "bench", "--json", "--no-save", "-w", args.workload, "-m", args.mode,
        "-f", ",".join(frameworks), "--variant", ",".join(dict.fromkeys(variants)),
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    p50 = {}
    for line in done.stdout.splitlines():
        record = json.loads(line)
        if record["status"] == "ok" and record["latency_ms"]:
            p50[(record["framework"], record["variant"], record["scenario"])] = record["latency_ms"]["p50"]
    for backend in backends:
        native = NATIVE[backend]
        for scenario in sorted({s for (_, _, s) in p50}):
            keras_ms = p50.get(("keras", backend, scenario))
            native_ms = p50.get((*native, scenario))
            if keras_ms is None or native_ms is None:
                print(f"Keras ({backend}) {scenario}: no pair of valid results")
                continue
            print(
                f"Keras ({backend}) {args.workload} {scenario}: {keras_ms:.4g} ms p50, "
                f"{keras_ms / native_ms:.2f}x {native[0]}/{native[1]} ({native_ms:.4g} ms)"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""fwtui on every node of a Ray cluster: one task per node, each pushing its results to one shared prefix.

    python docs/fleet/ray_fleet.py --store s3://ml-benchmarks/fwtui --address auto
    python docs/fleet/ray_fleet.py --store s3://ml-benchmarks/fwtui --address auto -- -f torch,jax -w mlp

Arguments after ``--`` go to ``fwtui bench`` (default: ``--preset quick``). Each task is pinned to its node by
the node's own resource (``node:<ip>``) and reserves all the node's CPUs and GPUs, so nothing else Ray
schedules runs there while it is measured. Ray retries a task whose worker died (``max_retries``); fwtui's
pushes are idempotent, so a retried task never duplicates rows. Without ``--address`` a local Ray instance
is started (one node: this machine). Prints one JSON line per node; exits 1 if any node failed.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
from typing import Any

import ray

FWTUI = [sys.executable, "-m", "fwtui"]


@ray.remote(max_retries=2)
def bench_on_node(store: str, bench_args: list[str]) -> dict[str, Any]:
    """Run the benchmarks on this node into a private database, then push it to ``store``."""
    name = os.environ.get("FWTUI_MACHINE_NAME") or socket.gethostname()
    with tempfile.TemporaryDirectory(prefix="fwtui-ray-") as tmp:
        env = {**os.environ, "FWTUI_DB": os.path.join(tmp, "results.duckdb"), "FWTUI_MACHINE_NAME": name}
        bench = subprocess.run(
            [*FWTUI, "bench", *bench_args, "--json", "--fail-on-error", "--label", "ray"],
            env=env, capture_output=True, text=True, check=False,
        )  # fmt: skip
        report: dict[str, Any] = {
            "node": name,
            "bench_exit": bench.returncode,
            "results": sum(1 for line in bench.stdout.splitlines() if line.startswith("{")),
            "push_exit": None,
            "error": _last_line(bench.stderr) if bench.returncode not in (0, 3) else None,
        }
        # 0: all measured; 3: some benchmarks failed, what was measured is still worth keeping.
        if bench.returncode in (0, 3):
            push = subprocess.run([*FWTUI, "export", "--format", "parquet", "--out", store],
                                  env=env, capture_output=True, text=True, check=False)  # fmt: skip
            report["push_exit"] = push.returncode
            report["push"] = (push.stdout or push.stderr).strip()
        return report


def _last_line(text: str) -> str | None:
    lines = text.strip().splitlines()
    return lines[-1] if lines else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", required=True, help="the shared prefix, e.g. s3://bucket/fwtui")
    parser.add_argument("--address", help="the Ray cluster (auto, ray://host:10001); default: a local one")
    parser.add_argument("--local-cpus", type=int, default=None, help="CPUs of a local Ray instance")
    parser.add_argument("bench_args", nargs="*", help="arguments for fwtui bench (after --)")
    args = parser.parse_args(argv)
    if args.address:
        ray.init(address=args.address)
    else:
        ray.init(num_cpus=args.local_cpus, include_dashboard=False)
    try:
        tasks = []
        for node in ray.nodes():
            if not node.get("Alive"):
                continue
            resources = node.get("Resources", {})
            pin = f"node:{node['NodeManagerAddress']}"
            # This node and no other, and all of it: nothing else Ray schedules runs beside the benchmark.
            tasks.append(
                bench_on_node.options(
                    resources={pin: 0.01},
                    num_cpus=resources.get("CPU", 1),
                    num_gpus=resources.get("GPU", 0),
                ).remote(args.store, args.bench_args or ["--preset", "quick"])
            )
        reports = ray.get(tasks)
    finally:
        ray.shutdown()
    failed = 0
    for report in reports:
        print(json.dumps(report), flush=True)
        failed += report["bench_exit"] != 0 or report["push_exit"] != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

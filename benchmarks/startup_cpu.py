"""CPU the app's whole process tree uses in its first seconds after launch, with a warm cache.

Launches ``fwtui`` in a pseudo-terminal with its own data, cache and config directories and samples the CPU time
of the app and every process it starts (psutil) for ``--seconds`` (default 10). The first launch has a cold cache
(it probes every framework in a child and loads the sample data): it is the baseline, measured in the same run.
The launches after it find everything cached and are the figure. Target: at most 1.5 s of CPU on a warm cache,
with no framework child started.

    python benchmarks/startup_cpu.py [--seconds 10] [--runs 3]

CPU time, unlike wall time, is little changed by other work on the machine, but a quiet machine still gives the
steadiest figure.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _pty import sample_tree

TARGET_CPU_S = 1.5
COLD_LIMIT_S = 300.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=10.0, help="how long each launch is sampled")
    parser.add_argument("--runs", type=int, default=3, help="warm launches measured (the median is the figure)")
    args = parser.parse_args()

    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)  # a user's Python caches compiled bytecode
    fwtui = shutil.which("fwtui") or str(Path(sys.executable).parent / "fwtui")
    argv = [fwtui] if Path(fwtui).exists() else [sys.executable, "-m", "fwtui"]
    with tempfile.TemporaryDirectory() as home:
        env = {
            "FWTUI_DATA_DIR": f"{home}/data",
            "FWTUI_CACHE_DIR": f"{home}/cache",
            "FWTUI_CONFIG_DIR": f"{home}/config",
            "FWTUI_DB": f"{home}/data/results.duckdb",
        }
        # The cold launch runs until its probes have finished and been cached (longer than the sampled window
        # on a busy machine).
        started = time.perf_counter()
        cold_cpu, cold_children = sample_tree(
            argv, COLD_LIMIT_S, env=env, stop_when=lambda: any(Path(home, "cache").glob("probes-*.json"))
        )
        cold_s = time.perf_counter() - started
        cached = sorted(p.name for p in Path(home, "cache").glob("probes-*.json"))
        warm = [sample_tree(argv, args.seconds, env=env) for _ in range(args.runs)]
    warm_cpu = statistics.median(cpu for cpu, _ in warm)
    warm_children = max(children for _, children in warm)
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} logical CPUs")
    print(f"cold launch (no cache; probes the frameworks): {cold_cpu:.2f} s CPU until the probes were cached "
          f"({cold_s:.0f} s), up to {cold_children} child processes at once")
    print(f"probe cache written: {', '.join(cached) or 'NONE'}")
    print(f"warm launch: median {warm_cpu:.2f} s CPU in the first {args.seconds:.0f} s over {args.runs} runs "
          f"({', '.join(f'{cpu:.2f}' for cpu, _ in warm)}), most child processes at once: {warm_children}")
    print(f"ratio warm / cold: {warm_cpu / cold_cpu:.2f}")
    met = warm_cpu <= TARGET_CPU_S and warm_children == 0
    print(f"target: <= {TARGET_CPU_S:.1f} s CPU and no child -> {'met' if met else 'NOT met'} "
          f"({warm_cpu / TARGET_CPU_S:.2f} of target)")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())

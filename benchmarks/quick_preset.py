"""The quick preset's wall time against its 60 s target, and whether sharing a child changes the timings.

1. ``fwtui bench --preset quick --no-save --json`` end to end (three processes per result): wall time and its
   ratio to the 60 s target, seconds per phase.
2. The same configurations measured both ways in this run: one child per framework per repetition, forked from
   the framework's fork server, which imported it once (what ``fwtui bench`` does), and one freshly started child
   per run (the older way). For each result: persistent p50 over
   one-process-per-run p50, and whether the difference is significant across processes. Target: median ratio
   within 0.95-1.05 and no more significant differences than the 5% expected by chance.

Run: .venv/bin/python benchmarks/quick_preset.py [--skip-preset] [-f FRAMEWORK] [-w WORKLOAD] [--repetitions N]
Timings need a quiet machine; on a busy one the script still runs and says so (the load average is printed).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections import Counter

from fwtui.bench import significance
from fwtui.bench.plan import Selection, estimate_seconds, expand
from fwtui.bench.result_record import ResultRecord
from fwtui.bench.session import BenchSession

TARGET_S = 60.0


def preset_wall_time() -> bool:
    estimate = estimate_seconds(expand(Selection(preset="quick")))
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "fwtui", "bench", "--preset", "quick", "--no-save", "--json"],
        capture_output=True,
        text=True,
        timeout=1800,
    )
    wall = time.perf_counter() - start
    records = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    phase_totals: Counter[str] = Counter()
    for r in records:
        for phase, seconds in (r.get("phases_s") or {}).items():
            if seconds and phase not in ("import", "compile"):  # compile is part of first_call
                phase_totals[phase] += seconds
    statuses = Counter(r["status"] for r in records)
    flagged = Counter(flag for r in records for flag in r["flags"])
    print(f"exit {proc.returncode}; {len(records)} results: {dict(statuses)}; flags: {dict(flagged)}")
    for r in records:
        if r["status"] not in ("ok", "unsupported"):
            print(f"  {r['framework']}/{r['variant']} {r['workload']} {r['scenario']}: {r['status']}: {r['reason']}")
    print("seconds per phase (first process of each result):", {k: round(v, 1) for k, v in phase_totals.items()})
    print(
        f"quick preset wall time: {wall:.1f} s (estimate {estimate:.0f} s, 3 processes per result); "
        f"ratio to the {TARGET_S:.0f} s target: {wall / TARGET_S:.2f}"
    )
    return proc.returncode == 0 and wall <= TARGET_S


def _by_cell(records: list[ResultRecord]) -> dict[str, ResultRecord]:
    return {f"{r.label} b{r.batch_size}": r for r in records if r.status == "ok"}


def persistent_against_isolated(selection: Selection) -> bool:
    specs = expand(selection)
    timings: dict[str, dict[str, ResultRecord]] = {"persistent": {}, "one process per run": {}}
    walls = dict.fromkeys(timings, 0.0)
    frameworks = sorted({spec.framework for spec in specs})
    # Framework by framework, the two ways back to back in alternating order: a machine's speed drifts over
    # minutes, and timing all of one way before all of the other would read that drift as a difference.
    for number, framework in enumerate(frameworks):
        ways = [("persistent", False), ("one process per run", True)]
        for name, per_run in ways if number % 2 == 0 else ways[::-1]:
            start = time.perf_counter()
            chosen = [spec for spec in specs if spec.framework == framework]
            timings[name].update(_by_cell(BenchSession(chosen, child_per_run=per_run).run()))
            walls[name] += time.perf_counter() - start
    shared, isolated = timings["persistent"], timings["one process per run"]
    cells = sorted(set(shared) & set(isolated))
    ratios, significant = [], 0
    print(f"\n{'result':58} {'persistent':>11} {'per run':>11} {'ratio':>6}  across processes")
    for cell in cells:
        a, b = shared[cell], isolated[cell]
        if not a.p50_ms or not b.p50_ms:
            continue
        ratio = a.p50_ms / b.p50_ms
        ratios.append(ratio)
        test = significance.compare(a.process_p50_ms, b.process_p50_ms)
        significant += test.significant
        verdict = test.reason if test.p_value is None else f"p={test.p_value:.3f}"
        print(f"{cell[:58]:58} {a.p50_ms:9.4f}ms {b.p50_ms:9.4f}ms {ratio:6.3f}  {verdict}")
    if not ratios:
        print("no result measured both ways")
        return False
    median = statistics.median(ratios)
    print(
        f"persistent / one-process-per-run p50: median {median:.3f} (min {min(ratios):.3f}, max {max(ratios):.3f}) "
        f"over {len(ratios)} results; significant across processes: {significant} of {len(ratios)} "
        f"(5% expected by chance); target median within 0.95-1.05"
    )
    print(
        f"wall time: persistent {walls['persistent']:.1f} s, one process per run "
        f"{walls['one process per run']:.1f} s; ratio {walls['persistent'] / walls['one process per run']:.2f}"
    )
    return 0.95 <= median <= 1.05


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-preset", action="store_true", help="only compare persistent and per-run children")
    parser.add_argument("-f", "--framework", action="append", help="frameworks to compare (default: all)")
    parser.add_argument("-w", "--workload", action="append", help="workloads to compare (default: all)")
    parser.add_argument("--repetitions", type=int, default=3, help="processes per result in the comparison")
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs (timings need a quiet machine)")
    ok = True
    if not args.skip_preset:
        ok = preset_wall_time() and ok
    selection = Selection(
        frameworks=args.framework, workloads=args.workload, preset="quick", repetitions=args.repetitions
    )
    ok = persistent_against_isolated(selection) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

"""Do the confidence intervals and the significance test hold up when the same selection is run again?

Runs one selection three times (three independent sessions, each result measured in the preset's number of
processes) and prints, over every result and every pair of runs:

* how often a run's 95% CI (t-interval on per-process medians) contains another run's estimate (the mean of
  its per-process medians). Even a perfect 95% interval captures a *replication's* estimate less often than
  95% (both estimates vary): the expected rate for k processes is computed here by simulation (about 83% for
  large k) and printed as the target;
* how often two runs' CIs overlap (target: about 99% for honest intervals);
* how often the significance test calls two runs of the identical configuration different: the advertised
  false-positive rate is 5%; the target is 5% within sampling error (three binomial standard deviations).

Run: .venv/bin/python benchmarks/repeatability.py [-f FRAMEWORK] [-w WORKLOAD] [--preset quick] [--runs 3]
The figures need a quiet machine: on a busy one, load changes between runs and the intervals are too narrow.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import os
import sys
import time
from pathlib import Path

import numpy as np
from scipy import stats as scipy_stats

from fwtui.bench import significance
from fwtui.bench.plan import PRESETS, Selection, expand
from fwtui.bench.result_record import ResultRecord
from fwtui.bench.session import BenchSession


def replication_capture(k: int, trials: int = 200_000, seed: int = 0) -> float:
    """P(a 95% t-interval from k values contains the mean of k more values from the same normal law)."""
    rng = np.random.default_rng(seed)
    first = rng.standard_normal((trials, k))
    second = rng.standard_normal((trials, k)).mean(axis=1)
    half = scipy_stats.t.ppf(0.975, k - 1) * first.std(axis=1, ddof=1) / math.sqrt(k)
    return float(np.mean(np.abs(first.mean(axis=1) - second) <= half))


def _cells(records: list[ResultRecord]) -> dict[str, ResultRecord]:
    return {f"{r.label} b{r.batch_size}": r for r in records if r.status == "ok" and r.ci95_ms is not None}


def _rate(hits: int, total: int) -> str:
    return f"{hits}/{total} = {hits / total:.0%}" if total else "no pairs"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-f", "--framework", action="append")
    parser.add_argument("-w", "--workload", action="append")
    parser.add_argument("--preset", default="quick", choices=sorted(PRESETS))
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--repetitions", type=int, help="processes per result (default: the preset's)")
    parser.add_argument("--save", help="write every run's per-process medians to this JSON file")
    args = parser.parse_args()
    selection = Selection(
        frameworks=args.framework, workloads=args.workload, preset=args.preset, repetitions=args.repetitions
    )
    specs = expand(selection)
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs (the figures need a quiet machine)")
    runs = []
    for number in range(args.runs):
        start = time.perf_counter()
        runs.append(_cells(BenchSession(specs).run()))
        print(f"run {number + 1} of {args.runs}: {len(runs[-1])} results with a confidence interval "
              f"in {time.perf_counter() - start:.0f} s")  # fmt: skip
    if args.save:
        raw = [{cell: list(r.process_p50_ms) for cell, r in run.items()} for run in runs]
        Path(args.save).write_text(json.dumps(raw, indent=1))
    contained = overlapped = called = pairs = 0
    processes: list[int] = []
    for first, second in itertools.permutations(range(len(runs)), 2):
        for cell in sorted(set(runs[first]) & set(runs[second])):
            a, b = runs[first][cell], runs[second][cell]
            assert a.ci95_ms is not None and b.ci95_ms is not None
            other = significance.spread(b.process_p50_ms).center_ms or 0.0
            pairs += 1
            contained += a.ci95_ms[0] <= other <= a.ci95_ms[1]
            overlapped += a.ci95_ms[0] <= b.ci95_ms[1] and b.ci95_ms[0] <= a.ci95_ms[1]
            processes.append(a.repetitions or 0)
            if first < second:
                called += significance.compare(a.process_p50_ms, b.process_p50_ms).significant
    if not pairs:
        print("no result was measured with a confidence interval in two runs (repetitions must be at least 2)")
        return 1
    k = int(np.median(processes))
    capture = replication_capture(k)
    tests = pairs // 2
    allowed = 0.05 + 3 * math.sqrt(0.05 * 0.95 / tests)
    print(f"a run's 95% CI contains another run's estimate: {_rate(contained, pairs)} "
          f"(target {capture:.0%}: what a true 95% interval from {k} processes captures)")  # fmt: skip
    print(f"two runs' 95% CIs overlap: {_rate(overlapped, pairs)} (target about 99%)")
    print(f"identical configurations called significantly different: {_rate(called, tests)} "
          f"(advertised 5%; within sampling error: at most {allowed:.0%})")  # fmt: skip
    ok = called / tests <= allowed and contained / pairs >= capture - 3 * math.sqrt(capture * (1 - capture) / pairs)
    print("repeatability:", "holds" if ok else "does not hold")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

"""Wall time of `fwtui bench --preset models --no-save` against its 25-minute budget, and the real models'
figures per framework (and per precision with --precision).

Run: .venv/bin/python benchmarks/models_preset.py [--precision float32,bfloat16] [RECORDS.jsonl]
Needs a quiet machine: the figure is only meaningful when nothing else runs.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from fwtui import units
from fwtui.bench.plan import Selection, estimate_seconds, expand

BUDGET_S = 25 * 60.0


def main() -> int:
    args = sys.argv[1:]
    precision: list[str] = []
    if args[:1] == ["--precision"] and len(args) > 1:
        precision, args = ["--precision", args[1]], args[2:]
    estimate = estimate_seconds(expand(Selection(preset="models", size=None, precisions=precision[1:] or None)))
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "fwtui", "bench", "--preset", "models", "--no-save", "--json", *precision],
        capture_output=True,
        text=True,
        timeout=2 * BUDGET_S,
    )
    wall = time.perf_counter() - start
    records = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    if args:
        Path(args[0]).write_text(proc.stdout)
    print(f"exit {proc.returncode}; {len(records)} results: {dict(Counter(r['status'] for r in records))}")
    for r in records:
        label = f"{r['framework']}/{r['variant']} {r['workload']} {r['dtype']} {r['scenario']} b{r['batch_size']}"
        if r["status"] != "ok":
            print(f"  {label}: {r['status']}: {r['reason']}")
            continue
        details = r.get("details") or {}
        print(
            f"  {label}: p50 {units.latency_ms(r['latency_ms']['p50'])}, "
            f"{units.throughput(r['throughput_samples_per_s'])}, {units.gflops(r['gflops'])}, "
            f"peak RSS {units.megabytes(r['peak_rss_mb'])}, error {units.number(r['max_rel_error'])}, "
            f"agreement {units.number(details.get('agreement'))}, flags {','.join(r['flags']) or '-'}"
        )
    print(
        f"models preset wall time: {wall:.0f} s (estimate {estimate:.0f} s); ratio to the {BUDGET_S:.0f} s "
        f"budget: {wall / BUDGET_S:.2f}"
    )
    return 0 if proc.returncode == 0 and wall <= BUDGET_S else 1


if __name__ == "__main__":
    sys.exit(main())

"""Wall time of `fwtui bench --preset quick --no-save` against its 120 s budget.

Run: .venv/bin/python benchmarks/quick_preset.py [RECORDS.jsonl]
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from fwtui.bench.plan import Selection, estimate_seconds, expand

BUDGET_S = 120.0


def main() -> int:
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
    if len(sys.argv) > 1:  # keep the records for a closer look
        Path(sys.argv[1]).write_text(proc.stdout)
    phase_totals: Counter[str] = Counter()
    for r in records:
        for phase, seconds in (r.get("phases_s") or {}).items():
            if seconds and phase not in ("import", "compile"):  # compile is part of first_call
                phase_totals[phase] += seconds
    imports = {
        (r["framework"], r["workload"], r["mode"]): (r.get("phases_s") or {}).get("import") for r in records
    }
    phase_totals["import"] = sum(v for v in imports.values() if v)
    checks = {
        (r["framework"], r["workload"], r["mode"]): (r.get("details") or {}).get("check_s") for r in records
    }
    phase_totals["check"] = sum(v for v in checks.values() if v)
    statuses = Counter(r["status"] for r in records)
    flagged = Counter(flag for r in records for flag in r["flags"])
    print(f"exit {proc.returncode}; {len(records)} results: {dict(statuses)}; flags: {dict(flagged)}")
    for r in records:
        if r["status"] not in ("ok", "unsupported"):
            print(
                f"  {r['framework']}/{r['variant']} {r['workload']} {r['scenario']}: {r['status']}: {r['reason']}"
            )
    print("seconds per phase, summed over runs:", {k: round(v, 1) for k, v in phase_totals.most_common()})
    print(
        f"quick preset wall time: {wall:.1f} s (estimate {estimate:.0f} s); ratio to the {BUDGET_S:.0f} s budget: "
        f"{wall / BUDGET_S:.2f}"
    )
    return 0 if proc.returncode == 0 and wall <= BUDGET_S else 1


if __name__ == "__main__":
    sys.exit(main())

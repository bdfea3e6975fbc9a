"""How `fwtui export` holds at a fleet's scale: a 1,000,000-result database exported in every format.

Builds (or reuses) the database of ``benchmarks/results_million.py``, then runs ``fwtui export`` once per
format in a child process and reports its wall time and peak RSS (the child's ``ru_maxrss``).

    .venv/bin/python benchmarks/export_million.py [--db PATH] [--rows N] [--formats parquet,csv,json]

Target (Parquet): at most 15 s and a peak RSS of at most 600 MB. CSV and JSON are reported against the
same figures, for comparison. Timings need a quiet machine.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


TARGET_S = 15.0
TARGET_RSS_MB = 600.0


def export_once(db: Path, fmt: str, out: Path) -> tuple[float, float, int]:
    """Wall seconds, peak RSS in MB and exit status of one `fwtui export` child."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    started = time.perf_counter()
    with subprocess.Popen(
        [sys.executable, "-m", "fwtui", "export", "--db", str(db), "--format", fmt, "--out", str(out)],
        env=env, stdout=subprocess.DEVNULL,
    ) as child:  # fmt: skip
        _, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
    elapsed = time.perf_counter() - started
    return elapsed, usage.ru_maxrss / 1024, child.returncode


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, help="database to build or reuse (default: a temporary file)")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--formats", default="parquet,csv,json")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="fwtui-export-"))
    path = args.db or work / "million.duckdb"
    try:
        if not path.exists():
            # Built in a child: ru_maxrss survives fork and exec, so a big parent would inflate every figure.
            build = f"from benchmarks.results_million import build_database as b; b({str(path)!r}, {args.rows}, 2000, 50)"
            subprocess.run([sys.executable, "-c", build], check=True, env={**os.environ, "PYTHONPATH": str(REPO)})
        size = sum(f.stat().st_size for f in path.parent.glob(path.name + "*"))
        print(f"database: {args.rows:,} results, {size / 1e6:,.0f} MB on disk")
        ok = True
        for fmt in args.formats.split(","):
            out = work / f"export-{fmt}"
            seconds, rss_mb, status = export_once(path, fmt, out)
            written = sum(f.stat().st_size for f in out.rglob("*") if f.is_file()) if out.exists() else 0
            met = status == 0 and seconds <= TARGET_S and rss_mb <= TARGET_RSS_MB
            if fmt == "parquet":
                ok = ok and met
            print(
                f"{fmt:8s} {seconds:6.2f} s ({seconds / TARGET_S:.2f}x the {TARGET_S:.0f} s target)  "
                f"peak RSS {rss_mb:6.0f} MB ({rss_mb / TARGET_RSS_MB:.2f}x the {TARGET_RSS_MB:.0f} MB target)  "
                f"{written / 1e6:,.0f} MB written  exit {status}" + ("" if met else "  MISSED")
            )
            shutil.rmtree(out, ignore_errors=True)
        print("parquet target met" if ok else "parquet target missed")
        return 0 if ok else 1
    finally:
        if args.db is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())

"""Memory of `fwtui query` and `fwtui export` on big results: it must not grow with the size of the result.

Builds (or reuses) two databases of the shape ``results_million.py`` builds, one of ``--rows`` results and one a
tenth of that, and on each runs, as a user would (a subprocess, output piped away):

- ``fwtui query "SELECT * FROM results" --format csv`` and ``--format json`` (every row: ``--limit 0`` where the
  command has that option),
- ``fwtui export --format csv``, ``json`` and ``parquet``,

sampling the peak RSS of the command's process tree (psutil, every 10 ms). Memory is bounded when the peak on the
big database is at most 1.25x the peak on the small one (ten times fewer rows) and at most 300 MB.

    python benchmarks/query_export_memory.py [--rows 1000000] [--db-dir DIR] [--only query|export|csv|...]
"""

from __future__ import annotations

import argparse
import contextlib
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from results_million import build_database  # noqa: E402

TARGET_GROWTH = 1.25  # peak RSS on 10x the rows over the peak on the small database
TARGET_PEAK_MB = 300.0


def peak_rss_mb(argv: list[str]) -> tuple[float, float, int]:
    """Run ``argv`` with its output thrown away: (peak RSS of its process tree in MB, seconds, exit status)."""
    started = time.perf_counter()
    process = psutil.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = 0
    while process.poll() is None:
        total = 0
        with contextlib.suppress(psutil.Error):
            total += process.memory_info().rss
            for child in process.children(recursive=True):
                with contextlib.suppress(psutil.Error):
                    total += child.memory_info().rss
        peak = max(peak, total)
        time.sleep(0.01)
    elapsed = time.perf_counter() - started
    stderr = process.stderr.read().decode(errors="replace") if process.stderr else ""
    if process.returncode != 0:
        print(f"    {' '.join(argv[2:])} failed: {stderr.strip().splitlines()[-1:] or process.returncode}")
    return peak / 2**20, elapsed, process.returncode


def query_streams_every_row() -> list[str]:
    """``--limit 0`` where `fwtui query` has it (every row, streamed); nothing where it prints every row anyway."""
    done = subprocess.run(
        [sys.executable, "-m", "fwtui", "query", "--help"], capture_output=True, text=True, check=False
    )
    return ["--limit", "0"] if "--limit" in done.stdout else []


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--db-dir", type=Path, help="where the two databases are built or reused (default: temp)")
    parser.add_argument("--only", nargs="*", metavar="WORD", help="run only the commands whose label has a WORD")
    args = parser.parse_args()
    folder = args.db_dir or Path(tempfile.mkdtemp(prefix="fwtui-qe-"))
    folder.mkdir(parents=True, exist_ok=True)
    sizes = {"small": max(1, args.rows // 10), "big": args.rows}
    paths = {}
    for name, rows in sizes.items():
        path = paths[name] = folder / f"results-{rows}.duckdb"
        if not path.exists():
            build_database(path, rows, min(2_000, rows // 10), 50)
    every_row = query_streams_every_row()
    fwtui = [sys.executable, "-m", "fwtui"]
    commands = {
        "query csv": lambda db, out: [*fwtui, "query", "SELECT * FROM results", "--db", str(db), "--format", "csv",
                                      *every_row],
        "query json": lambda db, out: [*fwtui, "query", "SELECT * FROM results", "--db", str(db), "--format",
                                       "json", *every_row],
        "export csv": lambda db, out: [*fwtui, "export", "--db", str(db), "--format", "csv", "--out", str(out)],
        "export json": lambda db, out: [*fwtui, "export", "--db", str(db), "--format", "json", "--out", str(out)],
        "export parquet": lambda db, out: [*fwtui, "export", "--db", str(db), "--format", "parquet", "--out",
                                           str(out)],
    }  # fmt: skip
    print(f"peak RSS of each command's process tree, {sizes['small']:,} vs {sizes['big']:,} results "
          f"(query flags: {' '.join(every_row) or 'none'})")
    all_ok = True
    for label, command in commands.items():
        if args.only and not any(word in label for word in args.only):
            continue
        peaks = {}
        for name, path in paths.items():
            out = folder / f"export-{name}"
            shutil.rmtree(out, ignore_errors=True)
            peaks[name], seconds, status = peak_rss_mb(command(path, out))
            shutil.rmtree(out, ignore_errors=True)
            all_ok &= status == 0
        growth = peaks["big"] / peaks["small"]
        ok = growth <= TARGET_GROWTH and peaks["big"] <= TARGET_PEAK_MB
        all_ok &= ok
        print(f"  {label:<15} small {peaks['small']:7.1f} MB  big {peaks['big']:7.1f} MB  growth {growth:5.2f}x "
              f"(target <= {TARGET_GROWTH}x, <= {TARGET_PEAK_MB:.0f} MB; last run {seconds:.1f} s)  "
              f"{'OK' if ok else 'GROWS'}")
    print("memory bounded" if all_ok else "memory NOT bounded for some command")
    return 0 if all_ok else 1


if __name__ == "__main__":
    sys.exit(main())

"""Browsing a fleet store of 100 machines in a local S3-compatible server (moto's server mode, 127.0.0.1).

Generates each machine's results (one run each by default, as one `fwtui bench` per node gives) (its own database, pushed with its own manifest, as `fwtui export --out
s3://...` does), then times opening the Results area on the prefix (app start -> first rows on screen) and
its key-to-rows round trips (sort, reverse, filter, jump), as ``results_million.py`` does for a local file.

    .venv/bin/python benchmarks/fleet_browse.py [--machines 100] [--runs 2] [--results 60] [--repeats 20]

Targets: opening <= 3 s; p95 <= 100 ms per round trip.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import duckdb  # noqa: E402

from fwtui.store import schema  # noqa: E402
from fwtui.store.fleet_push import push  # noqa: E402
from fwtui.store.remote import RemoteLocation, open_filesystem, parse_remote  # noqa: E402

TARGET_OPEN_S = 3.0
TARGET_MS = 100.0
ROUND_TRIP_LIMIT_S = 30.0
FRAMEWORKS = (("torch", "eager", 0.08), ("torch", "compile", 0.065), ("tensorflow", "function", 0.17),
              ("jax", "jit", 0.06), ("onnxruntime", "ort", 0.035))  # fmt: skip
SCENARIOS = (
    ("inference", "latency", 1, 1.0),
    ("inference", "throughput", 256, 40.0),
    ("training", "train", 64, 30.0),
)


def start_server() -> tuple[subprocess.Popen[bytes], str]:
    """moto's S3 server in its own process on a free loopback port, as a real store is another process."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with socket.socket() as client:
            if client.connect_ex(("127.0.0.1", port)) == 0:
                return server, f"http://127.0.0.1:{port}"
        time.sleep(0.1)
    server.kill()
    raise SystemExit("moto's server did not start")


def machine_database(index: int, runs: int, results_per_run: int, samples: int) -> duckdb.DuckDBPyConnection:
    """One machine's own database, in memory: its machine row, its runs, results and raw samples."""
    con = duckdb.connect()
    schema.create_current(con, "fleet benchmark")
    mid = f"m-bench-{index:03d}"
    gpu = index % 4 == 0
    con.execute(
        "INSERT INTO machines (machine_id, label, hostname, os, cpu_brand, physical_cores, logical_cores, "
        "memory_total_bytes, gpu_names, peak_gflops, source, first_seen, last_seen) VALUES "
        "(?, ?, ?, 'Linux', 'AMD EPYC 7B13', 16, 32, 68719476736, ?, ?, 'local', now(), now())",
        [mid, f"node-{index:03d}{' (A100)' if gpu else ''}", f"node-{index:03d}", ["NVIDIA A100"] if gpu else [],
         f'{{"cpu": {{"float32": {800 + 10 * index}}}}}'],
    )  # fmt: skip
    speed = 0.5 + (index % 7) / 7
    for run in range(runs):
        run_id = f"{mid}-run{run}"
        con.execute(
            "INSERT INTO runs (run_id, machine_id, started_at, finished_at, fwtui_version, status, source) "
            "VALUES (?, ?, now() - INTERVAL (?) DAY, now() - INTERVAL (?) DAY, '0.1.0', 'complete', 'local')",
            [run_id, mid, runs - run, runs - run],
        )
        rows = []
        for k in range(results_per_run):
            framework, variant, base = FRAMEWORKS[k % len(FRAMEWORKS)]
            mode, scenario, batch, factor = SCENARIOS[(k // len(FRAMEWORKS)) % len(SCENARIOS)]
            workload = ("mlp", "cnn", "transformer", "gemm")[(k // 15) % 4]
            p50 = base * factor * speed * (1 + 0.01 * (k % 5))
            rows.append((f"{run_id}-{k:03d}", run_id, mid, framework, "2.13.0" if index % 10 else "2.12.1",
                         variant, workload, "small", mode, scenario, batch, "cpu", "float32", "ok", p50,
                         p50 * 1.1, batch * 1000 / p50, 0.5 * batch / p50))  # fmt: skip
        con.executemany(
            "INSERT INTO results (result_id, run_id, machine_id, created_at, framework, framework_version, variant, "
            "workload, size, mode, scenario, batch_size, device, dtype, threads, status, p50_ms, p95_ms, "
            "throughput_samples_per_s, gflops, flags, source) "
            "VALUES (?, ?, ?, now(), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 16, ?, ?, ?, ?, ?, [], 'local')",
            [(r[0], r[1], r[2], *r[3:]) for r in rows],
        )
        con.execute(
            "INSERT INTO samples SELECT result_id, s.i, p50_ms * (0.95 + 0.1 * random()) "
            f"FROM results, range({samples}) s(i) WHERE run_id = ?",
            [run_id],
        )
    return con


def generate(location: RemoteLocation, machines: int, runs: int, results: int, samples: int) -> None:
    started = time.perf_counter()
    fs = open_filesystem(location)
    fs.mkdir(location.bucket)
    for index in range(machines):
        con = machine_database(index, runs, results, samples)
        push(con, location, fs)
        con.close()
    print(f"generated and pushed {machines} machines' exports in {time.perf_counter() - started:.1f} s")


def time_library(location: RemoteLocation) -> bool:
    """The store read on its own (listing, manifests, fetch, in-memory tables), without the app around it."""
    from fwtui.store.fleet_read import connect_remote

    started = time.perf_counter()
    con, listing = connect_remote(location)
    seconds = time.perf_counter() - started
    row = con.execute("SELECT count(*) FROM results").fetchone()
    con.close()
    ok = seconds <= TARGET_OPEN_S
    print(
        f"library: {listing.manifests} manifests, {len(listing.files)} files, {row[0] if row else 0:,} results"
    )
    print(f"  {'read the store into memory':<34} {seconds:7.2f} s  target <= {TARGET_OPEN_S:.0f} s  "
          f"ratio {seconds / TARGET_OPEN_S:5.2f}  {'OK' if ok else 'OVER'}")  # fmt: skip
    return ok


def _summary(times_ms: list[float]) -> tuple[float, float]:
    ordered = sorted(times_ms)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def _report(name: str, times_ms: list[float]) -> bool:
    median, p95 = _summary(times_ms)
    ok = p95 <= TARGET_MS
    print(f"  {name:<34} median {median:7.1f} ms  p95 {p95:7.1f} ms  target p95 <= {TARGET_MS:.0f} ms  "
          f"p95/target {p95 / TARGET_MS:5.2f}  {'OK' if ok else 'OVER'}")  # fmt: skip
    return ok


async def time_screen(location: RemoteLocation, repeats: int, local_copy: Path | None = None) -> float:
    """Open the Results area on the store (or, as the baseline, on ``local_copy``, the same files on local
    disk) and time the round trips; returns the opening time in seconds."""
    from textual import events
    from textual.app import App, ComposeResult
    from textual.message import Message
    from textual.widgets import Select

    from screens.context import AppContext
    from screens.results.area import ResultsArea
    from screens.results.table import ResultsTable

    local = Path(os.environ.get("TMPDIR", "/tmp")) / "fleet-bench-unused-local.duckdb"

    class ResultsOnly(App[None]):
        def compose(self) -> ComposeResult:
            if local_copy is not None:
                yield ResultsArea(AppContext(db_path=local, browse_path=local_copy))
            else:
                yield ResultsArea(AppContext(db_path=local, browse_remote=location))

    windows: list[ResultsTable.WindowShown] = []
    announced = asyncio.Event()

    def note_window(message: Message) -> None:
        if isinstance(message, ResultsTable.WindowShown) and not any(message is w for w in windows):
            windows.append(message)
            announced.set()

    app = ResultsOnly()
    all_ok = True
    started = time.perf_counter()
    async with app.run_test(size=(120, 40), message_hook=note_window) as pilot:
        area = app.query_one(ResultsArea)
        table = area.query_one(ResultsTable)

        async def wait_for_rows(before: int) -> None:
            while len(windows) == before:
                announced.clear()
                await announced.wait()
            painted = asyncio.get_running_loop().create_future()
            table.call_after_refresh(painted.set_result, None)
            await painted

        await wait_for_rows(0)
        opened = time.perf_counter() - started
        ok = opened <= TARGET_OPEN_S
        print(f"screen ({table.window.total:,} results of {local_copy or location.url}):")
        print(f"  {'open: app start -> first rows':<34} {opened:7.2f} s  target <= {TARGET_OPEN_S:.0f} s  "
              f"ratio {opened / TARGET_OPEN_S:5.2f}  {'OK' if ok else 'OVER'}")  # fmt: skip
        all_ok &= ok
        await pilot.pause()
        table.focus()
        await pilot.pause()

        async def round_trip(action: object) -> float:
            before = len(windows)
            begun = time.perf_counter()
            if callable(action):
                action()
            else:
                app.post_message(events.Key(str(action), str(action)))
            # A key that shows no rows is a broken benchmark, not a slow one: fail in seconds, not never.
            await asyncio.wait_for(wait_for_rows(before), ROUND_TRIP_LIMIT_S)
            return (time.perf_counter() - begun) * 1000

        sortable = [index for index, column in enumerate(table.columns) if column.key.strip()]

        def sort_by(index: int) -> None:  # the cursor on another column, then `s`
            table.column = index
            area.action_sort_current()

        columns = [sortable[k % len(sortable)] for k in range(repeats)]
        all_ok &= _report(
            "sort: s (another column)", [await round_trip(lambda i=i: sort_by(i)) for i in columns]
        )
        all_ok &= _report("sort: s again (reverse)", [await round_trip("s") for _ in range(repeats)])
        framework = area.query_one("#filter-framework", Select)
        choices = ["jax", "torch", "onnxruntime", "tensorflow"]
        all_ok &= _report(
            "filter: framework select",
            [
                await round_trip(lambda v=choices[k % 4]: setattr(framework, "value", v))
                for k in range(repeats)
            ],
        )
        table.focus()
        all_ok &= _report(
            "scroll: jump to first/last row",
            [await round_trip(lambda t=(0 if k % 2 else -1): table.jump_to(t)) for k in range(repeats)],
        )
    return opened if all_ok else -opened


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--machines", type=int, default=100)
    parser.add_argument(
        "--runs", type=int, default=1, help="runs per machine (each machine's export is one run)"
    )
    parser.add_argument("--results", type=int, default=60, help="results per run")
    parser.add_argument("--samples", type=int, default=30, help="raw samples per result")
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args()
    server, endpoint = start_server()
    os.environ.update(
        AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench", AWS_DEFAULT_REGION="us-east-1",
        AWS_CONFIG_FILE="/nonexistent", AWS_SHARED_CREDENTIALS_FILE="/nonexistent", AWS_EC2_METADATA_DISABLED="true",
    )  # fmt: skip
    location = parse_remote("s3://fleet-bench/fwtui", endpoint)
    try:
        generate(location, args.machines, args.runs, args.results, args.samples)
        ok = time_library(location)
        remote = asyncio.run(time_screen(location, args.repeats))
        with tempfile.TemporaryDirectory() as tmp:
            # Baseline, in the same run: the same exports copied to local disk, browsed as a directory.
            open_filesystem(location).get(location.key() + "/", tmp, recursive=True)
            local = asyncio.run(time_screen(location, args.repeats, Path(tmp)))
        ok &= remote > 0 and local > 0
        print(f"open from the store / open from local disk: {abs(remote) / abs(local):.2f}")
    finally:
        server.terminate()
        server.wait(timeout=30)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

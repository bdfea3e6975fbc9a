"""A browsing session on the Results screen at a million results: every key's latency and the memory it ends with.

Builds (or reuses) the million-result database of ``results_million.py``, hosts the Results area on its own
(the other areas' probes would compete for the CPU) and loops, for ``--minutes``, through what a user does for an
hour: sort by the next column and reverse, filter by framework (and clear it), jump to the end and back, open a
result's detail, group by each column in turn, and run console queries. Each key is timed from the key press (or
the filter choice) to its rows painted on screen. It prints the p95 per key against 100 ms and the process's RSS
at the end (and its peak) against 200 MB.

    python benchmarks/results_session.py [--db PATH] [--rows N] [--minutes M]

A real hour is not needed to see growth: ``--minutes 3`` runs the whole loop a few dozen times. Timings need a
quiet machine; the CPU time per key (printed alongside) is steadier on a busy one.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from results_million import build_database  # noqa: E402

TARGET_MS = 100.0
TARGET_RSS_MB = 200.0
CONSOLE_QUERIES = (
    "leaderboard",
    "SELECT framework, workload, count(*) AS n, median(p50_ms) FROM results GROUP BY ALL ORDER BY n DESC",
    "SELECT * FROM results WHERE status = 'failed' ORDER BY created_at DESC",
    "speedup",
)
FRAMEWORKS = ("jax", "torch", "onnxruntime", "tensorflow", None)


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


async def session(path: Path, minutes: float) -> bool:
    import psutil
    from textual import events
    from textual.app import App, ComposeResult
    from textual.message import Message
    from textual.widget import Widget
    from textual.widgets import Select, Static

    from screens.context import AppContext
    from screens.results.area import ResultsArea
    from screens.results.groups import GroupsView
    from screens.results.reports import ReportView
    from screens.results.table import ResultsTable

    class ResultsOnly(App[None]):
        def compose(self) -> ComposeResult:
            yield ResultsArea(AppContext(db_path=path.with_name("unused-local.duckdb"), browse_path=path))

    seen: list[Message] = []
    arrived = asyncio.Event()

    def note(message: Message) -> None:
        # A bubbling message passes the hook at each widget; keep it once.
        if isinstance(message, ResultsTable.WindowShown | ReportView.Ready) and not any(message is m for m in seen):
            seen.append(message)
            arrived.set()

    app = ResultsOnly()
    process = psutil.Process()
    times: dict[str, list[float]] = defaultdict(list)
    cpu: dict[str, list[float]] = defaultdict(list)
    peak_rss = 0.0
    async with app.run_test(size=(120, 40), message_hook=note) as pilot:
        area = app.query_one(ResultsArea)
        table = area.query_one(ResultsTable)
        groups = area.query_one(GroupsView)

        async def painted(widget: Widget) -> None:
            done = asyncio.get_running_loop().create_future()
            widget.call_after_refresh(done.set_result, None)
            await done

        async def until(condition: Callable[[], bool]) -> None:
            while not condition():
                await asyncio.sleep(0.001)

        async def message_of(kind: type[Message], before: int) -> None:
            while not any(isinstance(m, kind) for m in seen[before:]):
                arrived.clear()
                await arrived.wait()

        def press(key: str) -> None:
            # Through the app's own dispatch (bindings, focus), like a typed key; Pilot's press() would add
            # its idle waits to the figure.
            app.post_message(events.Key(key, key if len(key) == 1 else None))

        async def timed(label: str, act: Callable[[], None], shown: Callable[[int], Awaitable[None]]) -> None:
            before = len(seen)
            started, cpu_started = time.perf_counter(), time.process_time()
            act()
            await shown(before)
            times[label].append((time.perf_counter() - started) * 1000)
            cpu[label].append((time.process_time() - cpu_started) * 1000)

        async def rows_shown(before: int) -> None:
            await message_of(ResultsTable.WindowShown, before)
            await painted(table)

        async def report_shown(before: int) -> None:
            await message_of(ReportView.Ready, before)
            await painted(area)

        await message_of(ResultsTable.WindowShown, 0)
        await pilot.pause()
        table.focus()
        await pilot.pause()
        start_rss = process.memory_info().rss / 2**20
        print(f"session on {table.window.total:,} results for {minutes:g} min")
        framework = area.query_one("#filter-framework", Select)
        console_message = area.query_one("#results-sql-message", Static)
        deadline = time.perf_counter() + minutes * 60
        cycle = 0
        while cycle == 0 or time.perf_counter() < deadline:
            await timed("sort: o (next column)", lambda: press("o"), rows_shown)
            await timed("sort: r (reverse)", lambda: press("r"), rows_shown)
            choice = FRAMEWORKS[cycle % len(FRAMEWORKS)]
            await timed(
                "filter: framework",
                lambda c=choice: framework.clear() if c is None else setattr(framework, "value", c),  # type: ignore[misc]
                rows_shown,
            )
            table.focus()
            await pilot.pause()
            await timed("jump: end (last row)", lambda: press("end"), rows_shown)
            await timed("jump: home (first row)", lambda: press("home"), rows_shown)
            await timed("detail: enter", lambda: press("enter"), report_shown)
            press("escape")
            await pilot.pause()
            # Group by each column in turn; the last press goes back to the table (no read).
            for _ in range(6):
                old = groups.values

                async def groups_shown(_: int, old: list[Any] = old) -> None:
                    await until(lambda: groups.values is not old)
                    await painted(groups)

                await timed("group: g", lambda: press("g"), groups_shown)
            press("g")
            await pilot.pause()
            press("slash")
            await pilot.pause()
            query = CONSOLE_QUERIES[cycle % len(CONSOLE_QUERIES)]
            console_input = area.query_one("#results-sql-input")
            console_input.value = query  # type: ignore[attr-defined]

            async def console_shown(_: int) -> None:
                await until(lambda: "running" not in str(console_message.content))
                await painted(console_message)

            await timed("console: query", lambda: press("enter"), console_shown)
            press("escape")
            await pilot.pause()
            table.focus()
            await pilot.pause()
            peak_rss = max(peak_rss, process.memory_info().rss / 2**20)
            cycle += 1
        rss_mb = process.memory_info().rss / 2**20
    all_ok = True
    print(f"{cycle} cycles; RSS with the first rows shown {start_rss:.1f} MB")
    for label, values in times.items():
        p95 = _p95(values)
        ok = p95 <= TARGET_MS
        all_ok &= ok
        print(
            f"  {label:<26} n {len(values):4}  median {statistics.median(values):7.1f} ms  p95 {p95:7.1f} ms  "
            f"(cpu median {statistics.median(cpu[label]):6.1f} ms)  p95/target {p95 / TARGET_MS:5.2f}  "
            f"{'OK' if ok else 'OVER'}"
        )
    ok = rss_mb <= TARGET_RSS_MB
    all_ok &= ok
    print(
        f"  RSS at the end {rss_mb:7.1f} MB (peak {peak_rss:7.1f} MB)  target <= {TARGET_RSS_MB:.0f} MB  "
        f"ratio {rss_mb / TARGET_RSS_MB:5.2f}  {'OK' if ok else 'OVER'}"
    )
    return all_ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, help="database to build or reuse (default: a temporary file)")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--minutes", type=float, default=1.0, help="how long the loop runs (at least one cycle)")
    args = parser.parse_args()
    path = args.db or Path(tempfile.mkdtemp(prefix="fwtui-session-")) / "million.duckdb"
    if not path.exists():
        build_database(path, args.rows, 2_000, 50)
    ok = asyncio.run(session(path, args.minutes))
    print("all targets met" if ok else "some targets missed")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

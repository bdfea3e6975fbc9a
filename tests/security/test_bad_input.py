"""Every bad input the issue lists: one line on stderr, exit status 2 (usage) or 1, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import numpy as np
import pytest
from app_helpers import settle
from hostile import ESCAPES
from results_fixtures import make_database
from textual.app import App, ComposeResult

from fwtui.decide.answers_store import answers_path
from fwtui.store.browse import open_source, result_detail, result_samples
from screens.context import AppContext
from screens.decide.area import DecideArea
from screens.results.render import compare_renderable, detail_renderable


def fwtui(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "fwtui", *args], capture_output=True, text=True, timeout=300, env=os.environ, cwd=cwd
    )


def assert_one_line(result: subprocess.CompletedProcess[str], code: int, *fragments: str) -> None:
    assert result.returncode == code, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    for fragment in fragments:
        assert fragment in lines[0]


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--batch", "3000000000"], "--batch"),
        (["--batch", "0"], "--batch"),
        (["--memory-limit", "0"], "--memory-limit"),
        (["--memory-limit", "-1"], "--memory-limit"),
        (["--memory-limit", "nan"], "--memory-limit"),
        (["--memory-limit", "inf"], "--memory-limit"),
        (["--timeout", "nan"], "--timeout"),
        (["--timeout", "inf"], "--timeout"),
        (["--threads", "4096"], "--threads"),
        (["--threads", "3e9"], "--threads"),
    ],
)
def test_bench_refuses_impossible_numbers_before_running(args: list[str], fragment: str) -> None:
    assert_one_line(fwtui("bench", "--no-save", *args), 2, fragment)


@pytest.mark.parametrize("text", ["  ", ";", "-- comment", "/* */ ;"])
def test_query_with_nothing_to_run(text: str) -> None:
    assert_one_line(fwtui("query", text), 2, "nothing to run")


def test_import_of_databases_that_are_not_whole(tmp_path: Path) -> None:
    good = make_database(tmp_path / "good.duckdb")
    local = tmp_path / "local.duckdb"
    truncated = tmp_path / "truncated.duckdb"
    truncated.write_bytes(good.read_bytes()[:20_000])
    assert_one_line(fwtui("import", str(truncated), "--db", str(local)), 1, "corrupt or unreadable")
    for name, value in (("text", "abc"), ("null", None), ("fraction", "1.5"), ("negative", "-1"), ("escape", ESCAPES)):
        path = tmp_path / f"{name}.duckdb"
        path.write_bytes(good.read_bytes())
        con = duckdb.connect(str(path))
        con.execute("UPDATE schema_info SET value = ? WHERE key = 'schema_version'", [value])
        con.close()
        result = fwtui("import", str(path), "--db", str(local))
        assert_one_line(result, 1, "is not a whole number")
        assert "\x1b" not in result.stderr
    con = duckdb.connect(str(local), read_only=True)
    assert con.execute("SELECT count(*) FROM results").fetchall() == [(0,)]  # nothing was imported
    con.close()


def test_recommend_report_to_a_directory_or_a_missing_parent(tmp_path: Path) -> None:
    assert_one_line(fwtui("recommend", "--no-hardware", "--report", str(tmp_path)), 2, "is a directory")
    missing = tmp_path / "nowhere" / "report.md"
    assert_one_line(fwtui("recommend", "--no-hardware", "--report", str(missing)), 2, "does not exist")


CORRUPT_ANSWERS = ["{", "[]", '{"answers": 5}', '{"answers": {"deploy": [null, {}, 3]}}', "\udcff"]


@pytest.mark.parametrize("content", CORRUPT_ANSWERS)
def test_corrupt_saved_answers_are_no_answers(content: str) -> None:
    answers_path().parent.mkdir(parents=True, exist_ok=True)
    answers_path().write_bytes(content.encode("utf-8", "surrogateescape"))
    result = fwtui("recommend", "--saved", "--no-hardware")
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr


class DecideHost(App[None]):
    def __init__(self, db_path: Path) -> None:
        super().__init__()
        self.context = AppContext(db_path=db_path)

    def compose(self) -> ComposeResult:
        yield DecideArea(self.context)

    def on_unmount(self) -> None:
        self.context.close()


async def test_the_decide_area_opens_with_corrupt_saved_answers(tmp_path: Path) -> None:
    answers_path().parent.mkdir(parents=True, exist_ok=True)
    answers_path().write_text('{"answers": {"deploy": [null, {}, 3], "project": "new"}}')
    app = DecideHost(tmp_path / "results.duckdb")
    async with app.run_test(size=(100, 40)) as pilot:
        area = app.query_one(DecideArea)
        await settle(pilot, node=area)
        assert isinstance(area.answers, dict)


def _with_bad_samples(path: Path) -> tuple[str, str]:
    make_database(path)
    con = duckdb.connect(str(path))
    first, second = (r[0] for r in con.execute(
        "SELECT result_id FROM results WHERE result_id IN (SELECT result_id FROM samples) ORDER BY 1 LIMIT 2"
    ).fetchall())  # fmt: skip
    con.execute("UPDATE samples SET ms = NULL WHERE result_id = ? AND seq % 3 = 0", [first])
    con.execute("UPDATE samples SET ms = 'NaN'::DOUBLE WHERE result_id = ? AND seq % 3 = 1", [first])
    con.execute("UPDATE results SET p50_ms = 'NaN'::DOUBLE WHERE result_id = ?", [second])
    con.close()
    return first, second


def test_null_and_nan_samples_in_a_stored_database(tmp_path: Path) -> None:
    path = tmp_path / "nan.duckdb"
    first, second = _with_bad_samples(path)
    source = open_source(path)
    try:
        con = source.cursor()
        samples = result_samples(con, first)
        assert samples.size > 0 and np.isfinite(samples).all()
        details = [result_detail(con, first), result_detail(con, second)]
        assert all(d is not None for d in details)
        text = str(detail_renderable(details[0], samples, {}))  # type: ignore[arg-type]
        assert text
        compared = compare_renderable(details, [samples, result_samples(con, second)])  # type: ignore[arg-type]
        from rich.console import Console

        console = Console(width=160, record=True, color_system=None)
        console.print(compared)
        assert "nanx" not in console.export_text() and "nan" not in console.export_text().lower().split()
    finally:
        source.close()
    for fmt in ("table", "json"):
        result = fwtui("recommend", "--no-hardware", "--db", str(path), "--json" if fmt == "json" else "--saved")
        assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
        assert "nanx" not in result.stdout


def test_a_value_the_schema_cannot_hold_is_a_one_line_store_error(tmp_path: Path) -> None:
    """However a batch of 3e9 got this far (the form, a script), saving it is one line and saves nothing."""
    from fwtui.store import StoreError, open_store

    with open_store(tmp_path / "db.duckdb") as store:
        with pytest.raises(StoreError, match=r"^result not saved: Conversion Error") as caught:
            store.save_result({"result_id": "r1", "framework": "torch", "workload": "mlp", "batch_size": 3_000_000_000})
        assert "\n" not in str(caught.value)
        assert store.connection.execute("SELECT count(*) FROM results").fetchall() == [(0,)]

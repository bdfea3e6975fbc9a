"""Named queries on sample-like data, ad-hoc SQL, and the `fwtui query` command's formats and errors."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from results_fixtures import make_database

from fwtui.errors import FwtuiError, UsageError
from fwtui.queries import load_queries, parse_params, run_named, run_text
from fwtui.store import open_store

SHIPPED = {
    "leaderboard",
    "speedup",
    "latency_distribution",
    "machine_history",
    "compare_runs",
    "flagged",
    "machines",
}


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_database(tmp_path_factory.mktemp("q") / "results.duckdb")


@pytest.fixture
def con(db: Path):  # type: ignore[no-untyped-def]
    with open_store(db, read_only=True) as store:
        yield store.cursor()


def _as_dicts(result) -> list[dict]:  # type: ignore[no-untyped-def]
    return [dict(zip(result.columns, row, strict=True)) for row in result.rows]


def test_every_named_query_has_a_header() -> None:
    queries = load_queries()
    assert set(queries) >= SHIPPED
    for query in queries.values():
        assert query.description, query.name
        assert query.path.read_text().startswith(f"-- name: {query.name}\n")


def test_leaderboard_ranks_valid_results_only(con) -> None:  # type: ignore[no-untyped-def]
    rows = _as_dicts(run_named(con, "leaderboard", {"machine_id": "m-cpu-box", "workload": "mlp"}))
    latency = [r for r in rows if r["scenario"] == "latency"]
    assert [r["rank"] for r in latency] == sorted(r["rank"] for r in latency)
    assert latency[0]["rank"] == 1 and latency[0]["ratio_to_best"] == 1.0
    assert all(r["ratio_to_best"] >= 1.0 for r in rows)
    assert {r["workload"] for r in rows} == {"mlp"}
    # ONNX Runtime does not train: it never appears in a training leaderboard.
    assert not [r for r in rows if r["scenario"] == "train" and r["framework"] == "onnxruntime"]
    # The result with wrong outputs is never ranked.
    cnn = _as_dicts(run_named(con, "leaderboard", {"workload": "cnn", "machine_id": "m-cpu-box"}))
    assert not [
        r
        for r in cnn
        if (r["framework"], r["variant"], r["scenario"]) == ("tensorflow", "function", "throughput")
    ]


def test_speedup_against_a_chosen_baseline(con) -> None:  # type: ignore[no-untyped-def]
    rows = _as_dicts(run_named(con, "speedup", {"baseline": "jax"}))
    assert rows
    baseline = [r for r in rows if r["framework"] == "jax"]
    assert baseline and all(r["speedup"] == 1.0 for r in baseline)
    onnx = [r for r in rows if r["framework"] == "onnxruntime" and r["scenario"] == "latency"]
    assert onnx and all(r["speedup"] > 1.0 for r in onnx)  # the fixture makes ORT the fastest at batch 1


def test_latency_distribution_bins_the_raw_samples(con) -> None:  # type: ignore[no-untyped-def]
    rows = _as_dicts(run_named(con, "latency_distribution", {"result_id": "run-a-000", "bins": "8"}))
    assert sum(r["samples"] for r in rows) == 40
    assert all(0 <= r["bin"] < 8 for r in rows)
    assert all(r["low_ms"] < r["high_ms"] for r in rows)
    default = run_named(con, "latency_distribution")
    assert default.rows  # picks the most recent result with samples


def test_machine_history_and_compare_runs(con) -> None:  # type: ignore[no-untyped-def]
    history = _as_dicts(run_named(con, "machine_history", {"machine_id": "m-cpu-box"}))
    assert len(history) == 72
    changes = [r["p50_change_percent"] for r in history if r["p50_change_percent"] is not None]
    assert changes and sum(changes) / len(changes) < 0  # run-b is ~7% faster than run-a
    compared = _as_dicts(run_named(con, "compare_runs", {"run_a": "run-a", "run_b": "run-b"}))
    assert len(compared) == 36
    ratios = [r["ratio_b_to_a"] for r in compared if r["ratio_b_to_a"] is not None]
    assert len(ratios) == 34 and 0.8 < sorted(ratios)[len(ratios) // 2] < 1.0


def test_flagged_and_machines(con) -> None:  # type: ignore[no-untyped-def]
    flagged = _as_dicts(run_named(con, "flagged"))
    assert flagged
    assert all(r["status"] != "ok" or r["flags"] for r in flagged)
    assert any("output_mismatch" in r["flags"] for r in flagged)
    machines = _as_dicts(run_named(con, "machines"))
    assert {m["machine_id"]: m["results"] for m in machines} == {"m-cpu-box": 72, "m-gpu-box": 36}


def test_sql_errors_and_unknown_names_are_one_line(con) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(FwtuiError, match=r"^SQL error: Parser Error"):
        run_text(con, "SELEC nothing")
    with pytest.raises(UsageError, match="named queries: compare_runs"):
        run_text(con, "no_such_query")
    with pytest.raises(UsageError, match="has no parameter 'nope'"):
        run_named(con, "speedup", {"nope": "1"})
    with pytest.raises(UsageError, match="KEY=VALUE"):
        parse_params(["novalue"])
    assert run_text(con, "SELECT count(*) AS n FROM results").rows == [(108,)]


def test_sql_cannot_change_a_stored_database(con, db: Path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(FwtuiError, match="read-only"):
        run_text(con, "DELETE FROM results")
    assert run_text(con, "SELECT count(*) FROM results").rows == [(108,)]


def _fwtui(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "fwtui", *args], capture_output=True, text=True, timeout=120)


def test_query_command_formats(db: Path) -> None:
    as_json = _fwtui("query", "machines", "--db", str(db), "--format", "json")
    assert as_json.returncode == 0, as_json.stderr
    machines = json.loads(as_json.stdout)
    assert {m["machine_id"] for m in machines} == {"m-cpu-box", "m-gpu-box"}
    as_csv = _fwtui("query", "speedup", "--db", str(db), "--param", "baseline=tensorflow", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    assert rows and {r["framework"] for r in rows} >= {"tensorflow", "torch"}
    as_table = _fwtui(
        "query", "SELECT framework, count(*) AS n FROM results GROUP BY 1 ORDER BY 1", "--db", str(db)
    )
    assert as_table.returncode == 0
    assert "onnxruntime" in as_table.stdout and "4 rows" in as_table.stdout


def test_query_command_errors(db: Path) -> None:
    bad_sql = _fwtui("query", "SELECT * FROM nowhere", "--db", str(db))
    assert bad_sql.returncode == 1
    assert bad_sql.stderr.startswith("fwtui: typed SQL reads fwtui's tables only")
    assert len(bad_sql.stderr.strip().splitlines()) == 1
    unknown = _fwtui("query", "leaderbord", "--db", str(db))
    assert unknown.returncode == 2
    assert "named queries:" in unknown.stderr and "leaderboard" in unknown.stderr
    missing = _fwtui("query", "machines", "--db", str(db.parent / "missing.duckdb"))
    assert missing.returncode == 1 and "no such database" in missing.stderr
    listing = _fwtui("query")
    assert listing.returncode == 0 and "latency_distribution" in listing.stdout

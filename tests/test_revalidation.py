"""Imported and sample results are judged by the engine from their samples, never by the flags they carry."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from fwtui.queries import run_named
from fwtui.store import open_store
from fwtui.store.rows import insert_row, insert_samples
from fwtui.store.sample import load_sample_data

FORGED = "f0f0f0f0forged"


def _forged_database(path: Path) -> None:
    """The sample data (honest measurements) plus one forged row: p50 0.0001 ms from 3 samples, no flags."""
    with open_store(path) as store:
        load_sample_data(store)
        con = store.connection
        columns = [d[0] for d in con.execute("SELECT * FROM results LIMIT 0").description or []]
        honest = con.execute(
            "SELECT * FROM results WHERE framework = 'torch' AND workload = 'mlp' AND scenario = 'latency' "
            "AND source = 'sample'"
        ).fetchone()
        assert honest is not None
        row = dict(zip(columns, honest, strict=True))
        row.update(result_id=FORGED, framework="onnxruntime", variant="ort", n=3, flags=[], source="local",
                   p50_ms=0.0001, mean_ms=0.0001, min_ms=0.0001, max_ms=0.0001, throughput_samples_per_s=1e7)  # fmt: skip
        insert_row(con, "results", row)
        insert_samples(con, FORGED, [0.0001, 0.0001, 0.0001])


def test_sample_data_flags_come_from_the_engine(tmp_path: Path) -> None:
    with open_store(tmp_path / "r.duckdb") as store:
        load_sample_data(store)
        flags = dict(store.connection.execute("SELECT source, list(flags) FROM results GROUP BY source").fetchall())
    # The published table has no samples: nothing in it can be verified, whatever it claimed.
    assert all("no_samples" in f for f in flags["external"] if f)
    # The measured sample data is not invalidated by anything the engine recomputes.
    invalid = {"too_few_iterations", "output_mismatch", "faster_than_peak", "unsynced_step", "inconsistent_stats"}
    assert not any(set(f) & invalid for f in flags["sample"])


def test_a_forged_import_is_flagged_reported_and_never_ranked(tmp_path: Path) -> None:
    source, target = tmp_path / "forged.duckdb", tmp_path / "local.duckdb"
    _forged_database(source)
    done = subprocess.run(
        [sys.executable, "-m", "fwtui", "import", str(source), "--db", str(target)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert f"invalid: onnxruntime/ort mlp/small latency ({FORGED[:8]}): too_few_iterations" in done.stdout
    with open_store(target, read_only=True) as store:
        con = store.connection
        (flags,) = con.execute("SELECT flags FROM results WHERE result_id = ?", [FORGED]).fetchone() or ((),)
        assert "too_few_iterations" in flags and "faster_than_peak" in flags
        board = run_named(con, "leaderboard", {"workload": "mlp"})
    rows = [dict(zip(board.columns, r, strict=True)) for r in board.rows]
    mlp_latency = [r for r in rows if r["scenario"] == "latency" and r["size"] == "small"]
    assert mlp_latency and all(r["framework"] != "onnxruntime" or r["p50_ms"] > 0.001 for r in mlp_latency)
    assert mlp_latency[0]["rank"] == 1 and mlp_latency[0]["p50_ms"] > 0.001


def test_the_leaderboard_queries_exclude_every_invalidating_flag() -> None:
    from fwtui.bench.flags import INVALIDATING_FLAGS
    from fwtui.queries import get_query

    for name in ("leaderboard", "speedup"):
        listed = get_query(name).sql.split("list_has_any(flags, [", 1)[1].split("]", 1)[0]
        assert {item.strip(" '") for item in listed.split(",")} == INVALIDATING_FLAGS, name

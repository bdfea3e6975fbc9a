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


def _honest_with_processes(con, process_n: list[int] | None) -> tuple[str, list[float]]:  # type: ignore[no-untyped-def]
    """A measured sample result given three processes whose figures follow from its samples."""
    import json

    from fwtui.bench.significance import per_process_medians, spread

    result_id, details = con.execute(
        "SELECT r.result_id, r.details FROM results r WHERE source = 'sample' AND status = 'ok' "
        "AND (SELECT count(*) FROM samples s WHERE s.result_id = r.result_id) >= 30 ORDER BY result_id LIMIT 1"
    ).fetchone()
    (samples,) = con.execute("SELECT list(ms ORDER BY seq) FROM samples WHERE result_id = ?", [result_id]).fetchone()
    third = len(samples) // 3
    counts = [third, third, len(samples) - 2 * third]
    parts = [samples[:third], samples[third : 2 * third], samples[2 * third :]]
    found = spread(per_process_medians(parts))
    assert found.ci95_ms is not None
    merged = {key: value for key, value in json.loads(details or "{}").items() if key != "process_n"}
    if process_n is not None:
        merged["process_n"] = process_n or counts
    con.execute(
        "UPDATE results SET repetitions = 3, process_p50_ms = ?, process_cv = ?, ci95_low_ms = ?, ci95_high_ms = ?, "
        "details = ? WHERE result_id = ?",
        [list(found.medians_ms), found.cv, *found.ci95_ms, json.dumps(merged), result_id],
    )
    return str(result_id), list(found.medians_ms)


def test_per_process_figures_are_checked_against_the_samples(tmp_path: Path) -> None:
    from fwtui.store.revalidate import revalidate

    with open_store(tmp_path / "r.duckdb") as store:
        load_sample_data(store)
        con = store.connection
        # Honest: the medians of the samples split per process (with and without the split being stored).
        for process_n in ([], None):
            result_id, _ = _honest_with_processes(con, process_n)
            [found] = revalidate(con, [result_id])
            assert "inconsistent_stats" not in found.flags, (process_n, found.flags)
        # Forged: processes that agree far better than the samples allow (a narrow interval: "significant").
        result_id, medians = _honest_with_processes(con, [])
        center = sorted(medians)[1]
        con.execute(
            "UPDATE results SET process_p50_ms = ?, process_cv = 0.0001, ci95_low_ms = ?, ci95_high_ms = ? "
            "WHERE result_id = ?",
            [[center, center * 1.0001, center * 0.9999], center * 0.999, center * 1.001, result_id],
        )
        [found] = revalidate(con, [result_id])
        assert "inconsistent_stats" in found.flags and found.invalid
        # A claimed repetition count that does not match its medians.
        result_id, _ = _honest_with_processes(con, [])
        con.execute("UPDATE results SET repetitions = 5 WHERE result_id = ?", [result_id])
        [found] = revalidate(con, [result_id])
        assert "inconsistent_stats" in found.flags

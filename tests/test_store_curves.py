"""Sweep curves: latency and throughput against batch size and threads per framework and precision, from a real
DuckDB file written through the store, and where the throughput curves cross."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from results_fixtures import populate, sweep_items
from rich.console import Console

from fwtui.store import open_store
from fwtui.store.browse import Filters
from fwtui.store.charts import chart_data
from fwtui.store.curves import crossings, curve_data, plot
from screens.results.render import chart_renderable


def _database(tmp_path: Path) -> Path:
    path = tmp_path / "sweep.duckdb"
    with open_store(path) as store:
        populate(store, sweep_items())
    return path


def test_batch_curves_per_framework_and_where_they_cross(tmp_path: Path) -> None:
    import duckdb

    con = duckdb.connect(str(_database(tmp_path)), read_only=True)
    curves = curve_data(con, Filters(), "batch")
    assert curves is not None and curves.axis == "batch"
    assert [s.label for s in curves.series] == ["onnxruntime/ort float32", "torch/eager float32"]
    assert [p[0] for p in curves.series[0].points] == [1, 2, 4, 8, 16]
    assert [(c.x_low, c.x_high, c.before, c.after) for c in curves.crossings] == [
        (2, 4, "torch/eager float32", "onnxruntime/ort float32")
    ]
    threads = curve_data(con, Filters(), "threads")
    assert threads is not None and "cnn" in threads.case
    assert {s.label for s in threads.series} == {"jax/jit float32", "jax/jit bfloat16"}
    assert threads.crossings == ()  # bfloat16 leads at every thread count
    assert curve_data(con, Filters(framework="onnxruntime", workload="cnn"), "batch") is None
    throughput, latency = plot(curves, width=60, height=12)
    assert "samples/s against batch" in throughput and "torch/eager float32" in latency
    console = Console(width=100, record=True, color_system=None)
    console.print(chart_renderable(chart_data(con, Filters(workload="mlp")), [curves, threads]))
    text = console.export_text()
    assert "Sweep over batch" in text and "Sweep over threads" in text
    assert "curves cross between batch 2 and 4" in text
    con.close()


def test_crossings_ignore_points_only_one_series_has() -> None:
    from fwtui.store.curves import Series

    a = Series("a", ((1, 1.0, 10.0), (2, 1.0, 20.0), (4, 1.0, 30.0)))
    b = Series("b", ((1, 1.0, 15.0), (4, 1.0, 25.0)))
    found = crossings((a, b))
    assert [(c.x_low, c.x_high, c.before, c.after) for c in found] == [(1, 4, "b", "a")]


def test_compare_says_where_the_compared_results_sweeps_cross(tmp_path: Path) -> None:
    import duckdb

    from fwtui.store.browse import results_by_ids
    from fwtui.store.curves import sweeps_of
    from screens.results.render import compare_renderable

    con = duckdb.connect(str(_database(tmp_path)), read_only=True)

    def ids(where: str) -> list[str]:
        return [str(r[0]) for r in con.execute(f"SELECT result_id FROM results WHERE {where} ORDER BY framework").fetchall()]

    at_batch_8 = results_by_ids(con, ids("workload = 'mlp' AND batch_size = 8"))
    sweeps = sweeps_of(con, at_batch_8)
    assert [s.axis for s in sweeps] == ["batch"]  # one thread count only: no thread sweep to compare
    assert [(c.x_low, c.x_high, c.before, c.after) for c in sweeps[0].crossings] == [
        (2, 4, "torch/eager float32", "onnxruntime/ort float32")
    ]
    console = Console(width=140, record=True, color_system=None)
    console.print(compare_renderable(at_batch_8, [np.array([1.0])] * 2, sweeps))
    text = console.export_text()
    assert "Sweep over batch" in text
    assert "curves cross between batch 2 and 4: torch/eager float32 leads below, onnxruntime/ort float32 above" in text

    precisions = results_by_ids(con, ids("workload = 'cnn' AND threads = 1"))
    (threads,) = sweeps_of(con, precisions)
    assert threads.axis == "threads" and threads.crossings == ()
    console = Console(width=140, record=True, color_system=None)
    console.print(compare_renderable(precisions, [np.array([1.0])] * 2, (threads,)))
    assert "do not cross between threads 1 and 2: jax/jit bfloat16 leads throughout" in console.export_text()
    # Results that were never swept have no sweep to show.
    assert sweeps_of(con, results_by_ids(con, ids("workload = 'mlp' AND batch_size = 8")[:1])) == ()
    con.close()

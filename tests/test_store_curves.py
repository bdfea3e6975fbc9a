"""Sweep curves: latency and throughput against batch size and threads per framework and precision, from a real
DuckDB file written through the store, and where the throughput curves cross."""

from __future__ import annotations

from pathlib import Path

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

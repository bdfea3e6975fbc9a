"""Machines side by side: the fleet_machines, fleet_compare and fleet_best named queries on two machines'
results, one of them with other framework versions and no measured peak."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from results_fixtures import build_dataset, populate

from fwtui.queries import run_named
from fwtui.store import open_store
from fwtui.store.browse import open_source


def _dataset() -> list[dict[str, Any]]:
    items = build_dataset()
    for item in items:
        if item.get("machine_id") == "m-gpu-box" and item.get("framework") == "torch":
            item["framework_version"] = "2.12.1"  # the GPU box runs an older torch
    return items


@pytest.fixture(scope="module")
def fleet_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("fleet") / "fleet.duckdb"
    with open_store(path) as store:
        populate(store, _dataset())
        # Data from elsewhere is untrusted: a peak of the wrong shape reads as no peak, never as an error.
        store.connection.execute(
            "UPDATE machines SET peak_gflops = '\"fast\"' WHERE machine_id = 'm-gpu-box'"
        )
    return path


def _rows(db: Path, name: str, **params: str) -> list[dict[str, Any]]:
    source = open_source(db)
    try:
        result = run_named(source.cursor(), name, params)
    finally:
        source.close()
    return [dict(zip(result.columns, row, strict=True)) for row in result.rows]


def test_machines_side_by_side(fleet_db: Path) -> None:
    rows = {r["machine_id"]: r for r in _rows(fleet_db, "fleet_machines")}
    assert set(rows) == {"m-cpu-box", "m-gpu-box"}
    cpu, gpu = rows["m-cpu-box"], rows["m-gpu-box"]
    assert cpu["peak_gflops"] == "cpu bfloat16 -, cpu float32 120.0"  # an unmeasured dtype is '-', never 0
    assert gpu["peak_gflops"] is None
    assert (cpu["runs"], gpu["runs"]) == (2, 1)
    assert "torch 2.13.0" in cpu["framework_versions"] and "torch 2.12.1" in gpu["framework_versions"]
    assert gpu["gpus"] == "NVIDIA A100-SXM4-40GB" and cpu["memory_gib"] == 24
    assert cpu["last_run"] is not None and cpu["fwtui_versions"]


def test_one_framework_across_machines_with_fraction_of_peak(fleet_db: Path) -> None:
    rows = _rows(
        fleet_db, "fleet_compare", framework="torch", variant="eager", workload="mlp", scenario="latency"
    )
    assert {r["machine"] for r in rows} == {"cpu-box (EPYC 7B13, 2 cores)", "gpu-box (A100)"}
    assert min(r["ratio_to_fastest"] for r in rows) == 1.0
    for row in rows:
        assert row["versions_differ"] is True  # 2.13.0 on one machine, 2.12.1 on the other
        if row["device"] == "cpu":
            assert row["peak_gflops"] == 120.0
            assert row["fraction_of_peak"] == pytest.approx(row["gflops"] / 120.0, abs=1e-3)
        else:
            assert row["peak_gflops"] is None and row["fraction_of_peak"] is None  # unknown, not 0
    same_versions = _rows(fleet_db, "fleet_compare", framework="jax", workload="mlp", scenario="latency")
    assert same_versions and not any(r["versions_differ"] for r in same_versions)


def test_the_fleets_best_framework_per_workload(fleet_db: Path) -> None:
    rows = _rows(fleet_db, "fleet_best", workload="mlp", scenario="latency")
    assert rows[0]["fleet_rank"] == 1
    assert sum(r["wins"] for r in rows) == rows[0]["fleet_machines"] == 2
    winner = rows[0]
    assert winner["wins"] == max(r["wins"] for r in rows)
    assert winner["mean_ratio_to_fastest"] == 1.0
    torch = [r for r in rows if r["framework"] == "torch"]
    assert torch and all(r["versions_differ"] and "2.12.1" in r["versions"] for r in torch)
    flagged = _rows(fleet_db, "fleet_best", workload="cnn", scenario="throughput")
    # The tensorflow/function cnn throughput results have wrong outputs: they never compete.
    assert not any(r["framework"] == "tensorflow" and r["variant"] == "function" for r in flagged)

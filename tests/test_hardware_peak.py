"""Peak compute: a real GEMM child, cached per machine, read back by the benchmark engine."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable

import pytest

from fwtui import paths
from fwtui.errors import FwtuiError
from fwtui.hardware.machine import local_machine_id
from fwtui.hardware.peak import busy_reason, cache_path, load_peak, measure_peak, peak_gflops, plausible
from fwtui.hardware.peak_child import best_gflops


def test_nothing_is_known_before_measuring() -> None:
    assert load_peak() is None
    assert peak_gflops() is None


def test_measure_caches_per_machine_and_is_reused() -> None:
    measured = measure_peak()
    cpu = measured.devices["cpu"]
    assert cpu["float32"] > 0.1  # any real CPU does well over 0.1 GFLOP/s on a float32 GEMM
    assert measured.machine_id == local_machine_id()
    assert cache_path().parent == paths.cache_dir()
    assert local_machine_id() in cache_path().name
    assert load_peak() == measured
    usable = peak_gflops("cpu", "float32")
    assert usable is None if measured.busy else usable == pytest.approx(cpu["float32"])
    assert peak_gflops("cuda:7", "float32") is None
    # Without force, the cached value is returned as is (no new measurement).
    assert measure_peak() == measured


def test_force_remeasures(monkeypatch: pytest.MonkeyPatch) -> None:
    cache_path().parent.mkdir(parents=True, exist_ok=True)
    cache_path().write_text(json.dumps({"measured_at": "old", "devices": {"cpu": {"float32": 1.0}}}))
    assert peak_gflops() == 1.0
    fresh = measure_peak(force=True)
    assert fresh.measured_at != "old"
    assert load_peak() == fresh


def test_corrupt_cache_counts_as_not_measured() -> None:
    cache_path().parent.mkdir(parents=True, exist_ok=True)
    cache_path().write_text("{not json")
    assert load_peak() is None
    cache_path().write_text(json.dumps({"devices": "nope"}))
    assert load_peak() is None


def test_failed_child_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "executable", "/bin/false")
    with pytest.raises(FwtuiError, match="peak measurement failed"):
        measure_peak(force=True)
    assert load_peak() is None


def test_matrix_grows_until_a_call_is_long_enough_to_time() -> None:
    calls: list[int] = []

    def make(size: int) -> Callable[[], None]:  # a stand-in kernel whose cost grows with size
        def call() -> None:
            calls.append(size)
            sum(range(size * 200))

        return call

    result = best_gflops(make, start_size=8)
    assert len(set(calls)) > 1  # 8x8 is far too quick to time, so it grew
    assert result["size"] == calls[-1]
    assert result["gflops"] > 0
    assert result["best_s"] > 0


def test_one_slow_sizing_call_cannot_lock_a_small_matrix() -> None:
    """The 31.7 GFLOP/s bug: the size is chosen on the median of the sizing calls, not on one of them."""
    sizes: list[int] = []
    slow = {"left": 1}

    def make(size: int) -> Callable[[], None]:
        def call() -> None:
            sizes.append(size)
            if size == 8 and len(sizes) == 2 and slow["left"]:  # one call slowed by something else
                slow["left"] = 0
                time.sleep(0.08)  # longer than MIN_CALL_S on its own
            sum(range(size * 200))

        return call

    assert best_gflops(make, start_size=8)["size"] > 8


def test_implausible_figures_are_dropped_and_a_busy_window_is_named() -> None:
    kept, dropped = plausible({"cpu": {"float32": 12.9e6, "bfloat16": 100.0}}, cpus=2)
    assert kept["cpu"] == {"float32": None, "bfloat16": 100.0} and "cpu/float32" in dropped
    quiet = {"wall_s": 3.0, "own_cpus": 2.0, "other_cpus": 0.02, "steal_share": 0.0, "cpus": 2}
    assert busy_reason(quiet) is None
    assert "other processes used 1.50 CPUs" in (busy_reason({**quiet, "other_cpus": 1.5}) or "")

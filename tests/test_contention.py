"""Contention is read from what happened in the measured window: a synthetic CPU hog is seen, an honest
synchronous run under it gets no invalidating flag, and a peak measured under it is never used."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest

from fwtui.bench.contention import Watch
from fwtui.bench.flags import INVALIDATING_FLAGS
from fwtui.bench.plan import RunSpec
from fwtui.bench.session import BenchSession

pytestmark = pytest.mark.skipif(not os.path.exists("/proc/stat"), reason="contention is read from /proc/stat")


@pytest.fixture
def hog() -> Iterator[None]:
    """One busy-looping process per CPU, stopped by its own pid."""
    hogs = [
        subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(os.cpu_count() or 1)
    ]
    time.sleep(0.3)  # running, not starting
    try:
        yield
    finally:
        for process in hogs:
            process.kill()
            process.wait()


def test_a_hog_is_seen_in_the_window(hog: None) -> None:
    watch = Watch()
    time.sleep(1.0)
    window = watch.stop()
    assert window.other_cpus is not None and window.other_cpus >= 0.5 and window.contended()


@pytest.mark.slow
def test_honest_synchronous_pytorch_under_a_hog_is_marked_busy_not_invalid(hog: None) -> None:
    spec = RunSpec(framework="torch", workload="mlp", mode="inference", variant="eager", timeout_s=300,
                   min_time_s=0.5, min_iterations=10, max_time_s=10.0, warmup_s=0.1, threads=1)  # fmt: skip
    session = BenchSession([spec], peak_lookup=lambda device: None)
    session.run()
    for record in session.records:
        assert record.status == "ok", record.reason
        assert "busy_machine" in record.flags
        assert not INVALIDATING_FLAGS & set(record.flags), record.flags  # never unsynced_step on CPU torch


@pytest.mark.slow
def test_a_peak_measured_under_a_hog_is_marked_and_not_used(hog: None) -> None:
    from fwtui.hardware.peak import benchmark_peak, measure_peak, peak_gflops

    entry = measure_peak(force=True)
    assert entry.busy is not None and "other processes used" in entry.busy
    assert entry.devices["cpu"]["float32"] is not None  # kept, for the record...
    assert peak_gflops("cpu", "float32") is None  # ...but not a peak anything is compared with
    assert benchmark_peak("cpu", "float32") is None

"""A benchmark stopped from outside: SIGTERM is handled like Ctrl-C (exit 143, the run saved as cancelled);
a run left `running` by a process that died (kill -9) reads as `interrupted` once the database is opened."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import psutil
import pytest

from fwtui.store import open_store
from fwtui.store.liveness import OWNER_KEY


def _bench_with_a_hanging_child(db: Path) -> tuple[subprocess.Popen[str], list[psutil.Process]]:
    env = {**os.environ, "FWTUI_BENCH_FAULT": "hang"}  # every child hangs once built
    proc = subprocess.Popen(
        [sys.executable, "-m", "fwtui", "bench", "-f", "ort", "-w", "mlp", "--db", str(db), "--json"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip
    parent = psutil.Process(proc.pid)
    deadline = time.monotonic() + 120
    children: list[psutil.Process] = []
    while time.monotonic() < deadline and not children:  # waits for the child to exist, not for a time
        children = [c for c in parent.children(recursive=True) if "fwtui.bench." in " ".join(c.cmdline())]
        time.sleep(0.1)
    assert children, "no benchmark child started"
    return proc, children


def _run_status(db: Path) -> str:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return str(con.execute("SELECT status FROM runs").fetchall()[0][0])
    finally:
        con.close()


@pytest.mark.slow
def test_sigterm_stops_the_queue_like_ctrl_c(tmp_path: Path) -> None:
    db = tmp_path / "results.duckdb"
    proc, children = _bench_with_a_hanging_child(db)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 143, err
    assert "Traceback" not in err
    assert not any(c.is_running() and c.status() != psutil.STATUS_ZOMBIE for c in children)
    assert _run_status(db) == "cancelled"


@pytest.mark.slow
def test_a_run_left_running_by_a_killed_process_reads_as_interrupted(tmp_path: Path) -> None:
    db = tmp_path / "results.duckdb"
    proc, children = _bench_with_a_hanging_child(db)
    parent = psutil.Process(proc.pid)
    # kill -9 the whole tree, children first (a hanging child left behind would outlive the test)
    for process in (*parent.children(recursive=True), *children, parent):
        with contextlib.suppress(psutil.NoSuchProcess):  # already gone, or a zombie waiting to be reaped
            process.kill()
    proc.communicate(timeout=60)
    with open_store(db) as store:  # opening for writing finds the dead owner
        status, owner = store.connection.execute(
            f"SELECT status, environment->'$.{OWNER_KEY}' FROM runs"
        ).fetchall()[0]
    assert status == "interrupted" and owner is not None


def test_a_run_of_a_live_process_stays_running(tmp_path: Path) -> None:
    db = tmp_path / "results.duckdb"
    with open_store(db) as store:
        run_id = store.begin_run({"command": "fwtui bench"})
    with open_store(db) as store:  # this process is alive: its run is not touched
        assert store.connection.execute("SELECT status FROM runs WHERE run_id = ?", [run_id]).fetchall() == [
            ("running",)
        ]

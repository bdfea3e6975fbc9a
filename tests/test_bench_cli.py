"""`fwtui bench` end to end, as a user runs it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

RECORD_KEYS = {
    "result_id",
    "run_id",
    "machine_id",
    "created_at",
    "framework",
    "framework_version",
    "variant",
    "workload",
    "size",
    "mode",
    "scenario",
    "batch_size",
    "device",
    "dtype",
    "threads",
    "status",
    "reason",
    "n",
    "inner_iterations",
    "latency_ms",
    "cv",
    "ci95_ms",
    "throughput_samples_per_s",
    "gflops",
    "flops_per_sample",
    "phases_s",
    "compile_s",
    "compile_break_even_calls",
    "peak_rss_mb",
    "device_mem_peak_mb",
    "max_abs_error",
    "max_rel_error",
    "tolerance",
    "flags",
    "details",
}


def fwtui(*args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "fwtui", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=os.environ,
    )


@pytest.mark.slow
def test_bench_json_end_to_end(tmp_path: Path) -> None:
    db = tmp_path / "results.duckdb"
    result = fwtui(
        "bench", "--framework", "onnxruntime,torch", "--workload", "mlp", "--db", str(db), "--json",
        "--repetitions", "2",  # two processes per result: the pooled path end to end, at 2/3 of the default's cost
    )
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(records) == 6  # each framework: latency, throughput, train (ort: unsupported)
    for record in records:
        assert record.keys() >= RECORD_KEYS
    by_key = {(r["framework"], r["scenario"]): r for r in records}
    assert by_key[("onnxruntime", "train")]["status"] == "unsupported"
    assert by_key[("onnxruntime", "train")]["latency_ms"] is None
    for key in (
        ("torch", "latency"),
        ("torch", "throughput"),
        ("torch", "train"),
        ("onnxruntime", "latency"),
    ):
        record = by_key[key]
        assert record["status"] == "ok", record["reason"]
        assert record["latency_ms"]["p50"] > 0
        assert record["throughput_samples_per_s"] == pytest.approx(
            record["batch_size"] * 1000 / record["latency_ms"]["mean"]
        )
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT count(*) FROM results").fetchone()[0] == 6
    assert con.execute("SELECT status, command FROM runs").fetchone()[0] == "complete"
    con.close()


def test_unknown_name_exits_2_with_one_line() -> None:
    result = fwtui("bench", "--workload", "resnet", "--no-save")
    assert result.returncode == 2
    assert (
        result.stderr.strip()
        == "fwtui: unknown workload 'resnet'; choose from mlp, cnn, transformer, gemm, resnet50, bert-base, gpt2"
    )
    assert result.stdout == ""


def test_unsupported_only_run_prints_table_and_summary() -> None:
    result = fwtui("bench", "-f", "ort", "-w", "mlp", "-m", "training", "--no-save")
    assert result.returncode == 0, result.stderr
    assert "unsupported" in result.stdout
    assert "ONNX Runtime is an inference engine" in result.stdout
    assert "no valid result" in result.stdout


def test_locked_database_is_a_one_line_error(tmp_path: Path) -> None:
    db = tmp_path / "locked.duckdb"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import duckdb, sys, time; c = duckdb.connect({str(db)!r}); print('ready', flush=True); "
            "sys.stdin.read()",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
        result = fwtui("bench", "-f", "ort", "-m", "training", "-w", "mlp", "--db", str(db), "--json")
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(timeout=30)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("fwtui: ")
    assert result.stdout == ""


@pytest.mark.slow
def test_ctrl_c_cancels_the_run_and_kills_the_child(tmp_path: Path) -> None:
    import signal
    import time

    import psutil

    db = tmp_path / "results.duckdb"
    env = {**os.environ, "FWTUI_BENCH_FAULT": "hang"}  # every child hangs once built
    proc = subprocess.Popen(
        [sys.executable, "-m", "fwtui", "bench", "-f", "jax,ort", "-w", "mlp", "--db", str(db), "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    parent = psutil.Process(proc.pid)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not any(
        "fwtui.bench." in " ".join(c.cmdline()) for c in parent.children(recursive=True)
    ):
        time.sleep(0.1)
    children = [c for c in parent.children(recursive=True) if "fwtui.bench." in " ".join(c.cmdline())]
    assert children, "no benchmark child started"
    time.sleep(0.5)
    proc.send_signal(signal.SIGINT)
    out, _ = proc.communicate(timeout=30)
    assert proc.returncode == 130
    assert not any(c.is_running() and c.status() != psutil.STATUS_ZOMBIE for c in children)
    records = [json.loads(line) for line in out.splitlines()]
    assert records and records[0]["status"] == "cancelled" and records[0]["reason"].startswith("cancelled")
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT status FROM runs").fetchone()[0] == "cancelled"
    con.close()

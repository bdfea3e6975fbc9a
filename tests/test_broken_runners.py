"""Every broken benchmark setup of the validity issue is caught by the engine, with its flag.

The broken runners (tests/broken_frameworks/broken_runners.py) are frameworks published through the
``fwtui.frameworks`` entry-point group, as an installed plugin is, and run by the real session and child:
nothing in fwtui is patched. An honest one next to them keeps every check honest in the other direction.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PLUGIN = Path(__file__).resolve().parent / "broken_frameworks"
sys.path.insert(0, str(PLUGIN))
from broken_registry import RUNNERS  # noqa: E402

pytestmark = pytest.mark.slow

# (framework, workload, mode, extra spec fields)
CASES = {
    "honest": ("mlp", "inference", {"repetitions": 2}),
    "nosync": ("mlp", "inference", {"batch": 1}),
    "forward_only": ("mlp", "training", {}),
    "recompile_always": ("mlp", "inference", {}),
    # Two processes, each measuring for 0.8 s: each recompiles once, in its own run of the persistent child.
    "recompile_once": ("mlp", "inference", {"min_time_s": 1.6, "repetitions": 2}),
    "partial_batch": ("cnn", "inference", {"batch": 32}),
    "bf16_step": ("transformer", "inference", {}),
    "cached_output": ("gemm", "inference", {}),
}
FAST = {"min_time_s": 0.3, "min_iterations": 10, "max_time_s": 3.0, "warmup_s": 0.05, "threads": 1, "timeout_s": 120}

SCRIPT = """
import json, sys
from fwtui.bench.plan import RunSpec
from fwtui.bench.session import BenchSession
specs = [RunSpec.from_dict(s) for s in json.loads(sys.argv[1])]
session = BenchSession(specs, peak_lookup=lambda device: None)  # a new machine: no peak measured
session.run()
for record in session.records:
    print(json.dumps(record.to_dict()))
"""


def plugin_environment(tmp: Path) -> dict[str, str]:
    dist = tmp / "broken_frameworks-0.1.dist-info"
    dist.mkdir(exist_ok=True)
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: broken-frameworks\nVersion: 0.1\n")
    lines = "".join(f"broken_{name} = broken_registry:{name.upper()}\n" for name in RUNNERS)
    (dist / "entry_points.txt").write_text("[fwtui.frameworks]\n" + lines)
    paths = [str(tmp), str(PLUGIN), str(REPO), *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
    return {**os.environ, "PYTHONPATH": os.pathsep.join(paths), "FWTUI_CACHE_DIR": str(tmp / "cache")}


def run_specs(env: dict[str, str], specs: list[dict[str, object]], timeout_s: float = 600) -> list[dict]:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, json.dumps(specs)], env=env, capture_output=True, text=True, timeout=timeout_s
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]


@pytest.fixture(scope="module")
def records(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[dict]]:
    env = plugin_environment(tmp_path_factory.mktemp("broken"))
    specs = [
        {"framework": f"broken_{name}", "workload": workload, "mode": mode, "variant": "numpy", **FAST, **extra}
        for name, (workload, mode, extra) in CASES.items()
    ]
    found: dict[str, list[dict]] = {}
    for record in run_specs(env, specs):
        found.setdefault(record["framework"].removeprefix("broken_"), []).append(record)
    return found


def flags_of(records: dict[str, list[dict]], name: str) -> set[str]:
    assert all(r["status"] == "ok" for r in records[name]), [r["reason"] for r in records[name]]
    return {flag for r in records[name] for flag in r["flags"]}


INVALIDATING = {"output_mismatch", "faster_than_peak", "unsynced_step", "recompiled", "too_few_iterations"}


def test_the_honest_runner_is_not_invalidated(records: dict[str, list[dict]]) -> None:
    assert not flags_of(records, "honest") & INVALIDATING
    assert all(r["repetitions"] == 2 and r["details"]["checks"]["timed_output"] for r in records["honest"])


def test_no_sync_at_batch_1(records: dict[str, list[dict]]) -> None:
    (latency,) = [r for r in records["nosync"] if r["scenario"] == "latency"]
    assert latency["batch_size"] == 1 and "unsynced_step" in latency["flags"]


def test_forward_only_training(records: dict[str, list[dict]]) -> None:
    assert "output_mismatch" in flags_of(records, "forward_only")


def test_recompiling_on_every_call(records: dict[str, list[dict]]) -> None:
    assert all("recompiled" in r["flags"] for r in records["recompile_always"])


def test_a_recompile_during_the_measurement(records: dict[str, list[dict]]) -> None:
    (first, *_) = records["recompile_once"]
    assert "recompiled" in first["flags"]
    # Pooled across the two processes: both recompiles are counted, and the result is flagged for them.
    assert first["repetitions"] == 2 and len(first["details"]["process_n"]) == 2
    assert first["details"]["checks"]["compiles_measure"] == 2


def test_a_sixteenth_of_the_batch(records: dict[str, list[dict]]) -> None:
    (throughput,) = [r for r in records["partial_batch"] if r["scenario"] == "throughput"]
    assert "output_mismatch" in throughput["flags"]


def test_bfloat16_timed_step_with_a_float32_check(records: dict[str, list[dict]]) -> None:
    bf16 = records["bf16_step"]
    assert all(r["max_abs_error"] <= r["tolerance"] for r in bf16)  # the separate check passes...
    assert all("output_mismatch" in r["flags"] for r in bf16)  # ...the timed output does not


def test_a_cached_output_beats_the_ceiling_without_a_peak(records: dict[str, list[dict]]) -> None:
    assert "faster_than_peak" in flags_of(records, "cached_output")

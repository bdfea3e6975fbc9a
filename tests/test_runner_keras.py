"""Keras 3 on each installed backend against the float64 NumPy reference, each backend in a child of its own.

Keras fixes its backend at import, so every backend runs in a fresh interpreter (as a benchmark child does):
``load_runner("keras", variant=...)`` sets ``$KERAS_BACKEND`` before Keras is imported.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from fwtui.frameworks import BY_NAME, installed_version

pytest.importorskip("keras")

REPO = Path(__file__).resolve().parents[1]
BACKENDS = [
    pytest.param(
        b, marks=pytest.mark.skipif(not installed_version(BY_NAME[b].distributions), reason=f"{b} missing")
    )
    for b in BY_NAME["keras"].variants
]

CHECK_EVERY_WORKLOAD = """
import json, sys
from fwtui.bench.runner import load_runner
from fwtui.bench.workload_data import *
from fwtui.bench.workloads import TOY_WORKLOADS, get_spec
backend = sys.argv[1]
runner = load_runner("keras", variant=backend)
runner.configure(1, "cpu")
other = next(v for v in runner.variants if v != backend)
out = {"backend": runner.backend, "other_reason": runner.unsupported_reason("inference", other, "cpu")}
for name in TOY_WORKLOADS:  # the real models are checked in test_runner_contract.py and test_models.py
    spec = get_spec(name)
    weights = make_weights(spec)
    x, y = make_batch(spec, 3)
    prepared = runner.build(spec, weights, mode="inference", variant=backend, device="cpu")
    out[name + "/inference"] = check_output(spec, prepared.infer(x), reference_forward(spec, weights, x)).ok
    prepared.make_step(x, y)()
    if spec.trainable:
        x, y = make_batch(spec, 4)
        prepared = runner.build(spec, weights, mode="training", variant=backend, device="cpu")
        losses = prepared.train_losses(x, y, 3)
        out[name + "/training"] = check_losses(spec, losses, reference_train_losses(spec, weights, x, y, 3)).ok
        prepared.make_step(x, y)()
print(json.dumps(out))
"""


def test_results_name_keras_by_its_backend() -> None:
    from fwtui.bench.spec import contender, run_label

    assert contender("keras", "jax") == "Keras (jax)" and contender("jax", "jit") == "jax/jit"
    assert run_label("keras", "torch", "mlp", "small", "inference") == "Keras (torch) mlp/small inference"


def _python(*args: str, timeout_s: float = 600) -> str:
    done = subprocess.run(
        [sys.executable, *args], cwd=REPO, capture_output=True, text=True, timeout=timeout_s
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


@pytest.mark.slow
@pytest.mark.parametrize("backend", BACKENDS)
def test_every_workload_matches_the_reference_on_the_backend(backend: str) -> None:
    out = json.loads(_python("-c", CHECK_EVERY_WORKLOAD, backend).splitlines()[-1])
    assert out.pop("backend") == backend
    reason = out.pop("other_reason")
    assert "in a process of its own" in reason
    assert out == {k: True for k in out} and len(out) == 7, out


@pytest.mark.slow
def test_the_cli_runs_keras_on_jax_beside_jax(tmp_path: Path) -> None:
    if not installed_version(BY_NAME["jax"].distributions):
        pytest.skip("jax missing")
    stdout = _python(
        "-m", "fwtui", "bench", "-f", "keras,jax", "--variant", "jax,jit", "-w", "mlp", "-m", "inference",
        "--db", str(tmp_path / "r.duckdb"), "--json", "--repetitions", "1",
    )  # fmt: skip
    records = [json.loads(line) for line in stdout.splitlines()]
    by = {(r["framework"], r["variant"], r["scenario"]): r for r in records}
    assert set(by) == {
        (f, v, s) for f, v in (("keras", "jax"), ("jax", "jit")) for s in ("latency", "throughput")
    }
    for record in records:
        assert record["status"] == "ok", record["reason"]
        assert record["max_abs_error"] <= record["tolerance"]
    keras_record = by[("keras", "jax", "latency")]
    assert keras_record["details"]["settings"]["keras_backend"] == "jax"
    assert keras_record["phases_s"]["compile"] is not None  # jit_compile on jax
    for record in records:  # the timed step's own output was checked, and nothing recompiled while timed
        checks = record["details"]["checks"]
        assert checks["timed_output_error"] <= checks["timed_output_tolerance"], checks
        assert checks["compiles_measure"] == 0 and "jax.monitoring" in checks["compile_counter"]
        assert not {"output_mismatch", "recompiled", "unchecked_step", "dtype_mismatch"} & set(record["flags"])


@pytest.mark.slow
def test_the_hardware_probe_shows_keras_per_backend() -> None:
    code = "import json; from fwtui.hardware.keras_probe import probe_keras; print(json.dumps(probe_keras()))"
    report = json.loads(_python("-c", code).splitlines()[-1])
    backends = report["details"]["backends"]
    assert set(backends) == {"tensorflow", "jax", "torch"}
    for name, seen in backends.items():
        if "error" in seen:  # a backend too slow to start on a loaded machine says so; the others still show
            assert seen["error"].strip() and "devices" not in seen, (name, seen)
        else:
            assert installed_version(BY_NAME[name].distributions) and "cpu" in " ".join(seen["devices"]).lower()
    assert "devices" in backends["jax"] or not installed_version("jax")  # the quickest to start
    assert report["version"] and report["devices"]

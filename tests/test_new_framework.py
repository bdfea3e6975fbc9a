"""Adding a framework, step by step as docs/architecture.md ("Where to add a framework") says, works end to end.

The framework is a toy: NumPy computing the float64 reference. It is written the way a framework kept
outside fwtui is: a runner module, one registry line, and the entry point that publishes the line (the way
``pip install`` would, as a ``.dist-info`` folder on the path). Nothing in fwtui is edited; the real CLI,
session and benchmark child then run it, the hardware view's probe describes it, and the runner contract
test picks it up.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]

# Step 1: the runner module, a Runner subclass.
TOY_RUNNER = '''
"""A NumPy-backed toy framework: its "framework" is the float64 reference, rounded to float32."""

import numpy as np

from fwtui.bench import reference
from fwtui.bench.models.reference import gpt2_teacher_forced
from fwtui.bench.runner import Runner


class ToyPrepared:
    def __init__(self, spec, weights, mode):
        self.spec, self.mode = spec, mode
        self.initial = {name: w.astype(np.float64) for name, w in weights.items()}
        self.reset()

    def reset(self):
        self.weights = dict(self.initial)
        self.velocity = {name: np.zeros_like(w) for name, w in self.weights.items()}

    def infer(self, x):
        if self.spec.new_tokens:  # a generating model (gpt2): the logits of each token it is fed
            return gpt2_teacher_forced(self.spec, self.weights, x).astype(np.float32)
        return reference.forward(self.spec, self.weights, x).astype(np.float32)

    def train_once(self, x, y):
        loss, grads = reference.loss_and_gradients(self.spec, self.weights, x, y)
        for name, grad in grads.items():
            self.velocity[name] = self.spec.momentum * self.velocity[name] + grad
            self.weights[name] = self.weights[name] - self.spec.learning_rate * self.velocity[name]
        return loss

    def train_losses(self, x, y, steps):
        self.reset()
        return [self.train_once(x, y) for _ in range(steps)]

    def make_step(self, x, y):
        def step():  # returns what it computed: the child checks a timed call's output
            if self.mode == "training":
                return self.train_once(x, y)
            return self.infer(x)

        return step

    def device_memory_peak_mb(self):
        return None


class ToyRunner(Runner):
    def framework_version(self):
        return np.__version__

    def configure(self, threads, device):
        return {"intra_op_threads": threads, "inter_op_threads": 1}

    def prepare(self, spec, weights, *, mode, variant, device):
        return ToyPrepared(spec, weights, mode)
'''

# Step 2: one registry line (in a module as light as fwtui/frameworks.py: nothing heavy is imported).
TOY_REGISTRY = '''
from fwtui.frameworks import Framework

TOY = Framework(name="toy", display="Toy", import_name="numpy", distributions=("numpy",), extra="toy", runner="toy_runner:ToyRunner", variants=("numpy",))
'''

# ...published under the fwtui.frameworks entry-point group, as an installed distribution does.
ENTRY_POINTS = "[fwtui.frameworks]\ntoy = toy_registry:TOY\n"


@pytest.fixture(scope="module")
def plugin_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("toy-plugin")
    (root / "toy_runner.py").write_text(textwrap.dedent(TOY_RUNNER))
    (root / "toy_registry.py").write_text(textwrap.dedent(TOY_REGISTRY))
    dist = root / "toy_framework-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: toy-framework\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text(ENTRY_POINTS)
    return root


def _environment(plugin_path: Path) -> dict[str, str]:
    paths = [str(plugin_path), str(REPO), *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
    return {**os.environ, "PYTHONPATH": os.pathsep.join(paths)}


def _python(plugin_path: Path, code: str, timeout_s: float = 60) -> str:
    """Run ``code`` in a fresh interpreter that has the plugin installed; its stdout."""
    done = subprocess.run(
        [sys.executable, "-c", code], env=_environment(plugin_path), capture_output=True, text=True, timeout=timeout_s
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_the_registry_lists_the_new_framework(plugin_path: Path) -> None:
    code = (
        "from fwtui.frameworks import BY_NAME, PLUGIN_ERRORS\n"
        "fw = BY_NAME['toy']\n"
        "print(fw.display, fw.variants, fw.modes, PLUGIN_ERRORS)\n"
    )
    assert _python(plugin_path, code).strip() == "Toy ('numpy',) ('inference', 'training') {}"


def test_the_hardware_view_probes_the_new_framework(plugin_path: Path) -> None:
    """Its registry line names no device probe: the probe child asks its runner what it sees."""
    code = (
        "import json\n"
        "from fwtui.hardware.frameworks_probe import probe_frameworks\n"
        "toy = probe_frameworks(timeout_s=120)['toy']\n"
        "print(json.dumps([toy.display, toy.installed, toy.status, toy.reason, toy.version, list(toy.devices)]))\n"
    )
    display, installed, status, reason, version, devices = json.loads(_python(plugin_path, code, 300).splitlines()[-1])
    assert (display, installed, status, reason) == ("Toy", True, "ok", None)
    assert version == np.__version__ and devices == ["cpu"]


@pytest.mark.slow
def test_the_new_framework_runs_end_to_end(plugin_path: Path, tmp_path: Path) -> None:
    db = tmp_path / "results.duckdb"
    done = subprocess.run(
        [sys.executable, "-m", "fwtui", "bench", "-f", "toy", "-w", "mlp,gemm", "--db", str(db), "--json",
         "--repetitions", "1"],
        env=_environment(plugin_path),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    records = [json.loads(line) for line in done.stdout.splitlines()]
    by_key = {(r["workload"], r["scenario"]): r for r in records}
    assert set(by_key) == {("mlp", "latency"), ("mlp", "throughput"), ("mlp", "train"), ("gemm", "throughput")}
    for record in records:
        assert record["framework"] == "toy" and record["variant"] == "numpy"
        assert record["status"] == "ok", record["reason"]
        assert record["framework_version"]
        assert record["max_abs_error"] <= record["tolerance"] and "output_mismatch" not in record["flags"]
        assert record["latency_ms"]["p50"] > 0 and record["phases_s"]["compile"] is None
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM results WHERE framework = 'toy'").fetchone() == (4,)


@pytest.mark.slow
def test_the_contract_test_checks_the_new_framework(plugin_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_runner_contract.py",
         "-k", "toy", "-m", "not slow"],
        cwd=REPO,
        env=_environment(plugin_path),
        capture_output=True,
        text=True,
        timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    summary = done.stdout.strip().splitlines()[-1]
    assert "passed" in summary and "failed" not in summary and "skipped" not in summary, summary

"""The scheduler examples of docs/fleet.md: the Slurm and Kubernetes files are checked for syntax and for
what the page says they do; the Ray job runs on a local Ray instance against a local S3 server."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from fleet_fixtures import bucket_fixture, moto_endpoint_fixture  # noqa: F401

EXAMPLES = Path(__file__).resolve().parent.parent / "docs" / "fleet"


def test_the_slurm_array_script_is_valid_bash() -> None:
    script = EXAMPLES / "slurm-array.sbatch"
    result = subprocess.run(["bash", "-n", str(script)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    text = script.read_text()
    directives = [line.split()[1] for line in text.splitlines() if line.startswith("#SBATCH ")]
    assert any(d.startswith("--array=") for d in directives) and "--exclusive" in directives
    assert "fwtui bench --preset quick --json --fail-on-error" in text
    assert 'fwtui export --format parquet --out "$FWTUI_STORE"' in text
    assert 'FWTUI_MACHINE_NAME="${SLURMD_NODENAME' in text
    if shutil.which("shellcheck"):
        check = subprocess.run(
            ["shellcheck", "-s", "bash", str(script)], capture_output=True, text=True, check=False
        )
        assert check.returncode == 0, check.stdout


def test_the_kubernetes_job_is_an_indexed_job_with_one_pod_per_node(tmp_path: Path) -> None:
    yaml = pytest.importorskip("yaml")
    documents = list(yaml.safe_load_all((EXAMPLES / "k8s-indexed-job.yaml").read_text()))
    assert len(documents) == 1
    job: dict[str, Any] = documents[0]
    assert (job["apiVersion"], job["kind"]) == ("batch/v1", "Job")
    spec = job["spec"]
    assert spec["completionMode"] == "Indexed" and spec["completions"] == spec["parallelism"]
    pod = spec["template"]["spec"]
    assert pod["restartPolicy"] == "Never"
    anti = pod["affinity"]["podAntiAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"][0]
    assert anti["topologyKey"] == "kubernetes.io/hostname"
    assert anti["labelSelector"]["matchLabels"] == spec["template"]["metadata"]["labels"]
    (container,) = pod["containers"]
    env = {e["name"]: e for e in container["env"]}
    assert env["FWTUI_MACHINE_NAME"]["valueFrom"]["fieldRef"]["fieldPath"] == "spec.nodeName"
    assert env["FWTUI_STORE"]["value"].startswith("s3://")
    assert container["resources"]["requests"]["cpu"] == container["resources"]["limits"]["cpu"]
    assert container["command"] == ["/bin/sh", "-c"]
    script = tmp_path / "entry.sh"
    script.write_text(container["args"][0])
    result = subprocess.run(["sh", "-n", str(script)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert "fwtui bench --preset quick --json --fail-on-error" in container["args"][0]
    assert 'fwtui export --format parquet --out "$FWTUI_STORE"' in container["args"][0]


@pytest.mark.slow
def test_the_ray_job_runs_on_a_local_ray_instance(bucket: str, moto_endpoint: str, tmp_path: Path) -> None:
    pytest.importorskip("ray")
    url = f"s3://{bucket}/ray"
    env = {**os.environ, "FWTUI_MACHINE_NAME": "ray-node-1", "RAY_USAGE_STATS_ENABLED": "0",
           "PYTHONPATH": os.pathsep.join(filter(None, [str(EXAMPLES.parent.parent), os.environ.get("PYTHONPATH")]))}  # fmt: skip
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / "ray_fleet.py"), "--store", url, "--local-cpus", "1", "--",
         "-f", "onnxruntime", "-w", "mlp", "-m", "inference"],
        capture_output=True, text=True, timeout=600, env=env, cwd=tmp_path, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    reports = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    assert len(reports) == 1
    assert (
        reports[0]["node"] == "ray-node-1" and reports[0]["bench_exit"] == 0 and reports[0]["push_exit"] == 0
    )
    assert reports[0]["results"] == 2  # latency and throughput
    query = subprocess.run(
        [sys.executable, "-m", "fwtui", "query", "SELECT label, (SELECT count(*) FROM results) AS n FROM machines",
         "--db", url, "--format", "json"],
        capture_output=True, text=True, timeout=120, env=env, check=False,
    )  # fmt: skip
    assert query.returncode == 0, query.stderr
    assert json.loads(query.stdout) == [{"label": "ray-node-1", "n": 2}]

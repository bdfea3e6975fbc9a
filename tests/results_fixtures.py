"""Realistic, deterministic result data for the store, query and Results screen tests (never shipped)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from fwtui.store import Store, open_store

BASE_TIME = datetime(2026, 5, 1, 9, 0, 0)

MACHINES: list[dict[str, Any]] = [
    {
        "machine_id": "m-cpu-box",
        "label": "cpu-box (EPYC 7B13, 2 cores)",
        "hostname": "cpu-box",
        "os": "Linux",
        "kernel": "6.8.0",
        "python": "3.11.7",
        "cpu_brand": "AMD EPYC 7B13",
        "physical_cores": 1,
        "logical_cores": 2,
        "cpu_flags": ["avx2", "avx512f", "fma"],
        "memory_total_bytes": 24 * 2**30,
        "gpu_names": [],
        "peak_gflops": {"cpu": {"float32": 120.0, "bfloat16": None}},
        "source": "local",
    },
    {
        "machine_id": "m-gpu-box",
        "label": "gpu-box (A100)",
        "hostname": "gpu-box",
        "os": "Linux",
        "cpu_brand": "Intel Xeon Gold 6338",
        "physical_cores": 32,
        "logical_cores": 64,
        "cpu_flags": ["avx2", "avx512f"],
        "memory_total_bytes": 256 * 2**30,
        "gpu_names": ["NVIDIA A100-SXM4-40GB"],
        "gpu_driver": "550.54",
        "cuda_driver": "12.4",
        "source": "local",
    },
]

# framework -> variants, and its typical per-call p50 (ms) on the mlp latency case of the CPU box
FRAMEWORKS: dict[str, tuple[tuple[str, ...], float]] = {
    "torch": (("eager", "compile"), 0.080),
    "tensorflow": (("eager", "function"), 0.210),
    "jax": (("jit",), 0.060),
    "onnxruntime": (("ort",), 0.035),
}
WORKLOAD_SCALE = {"mlp": 1.0, "cnn": 6.0}
SCENARIOS = (("inference", "latency", 1), ("inference", "throughput", 256), ("training", "train", 64))


def _record(
    rng: np.random.Generator,
    *,
    run_id: str,
    machine_id: str,
    when: datetime,
    framework: str,
    variant: str,
    workload: str,
    mode: str,
    scenario: str,
    batch: int,
    base_ms: float,
    index: int,
) -> tuple[dict[str, Any], list[float]]:
    result_id = f"{run_id}-{index:03d}"
    record: dict[str, Any] = {
        "result_id": result_id,
        "run_id": run_id,
        "machine_id": machine_id,
        "created_at": when.isoformat(),
        "framework": framework,
        "framework_version": {"torch": "2.13.0", "tensorflow": "2.21.0", "jax": "0.10.2"}.get(
            framework, "1.31.1"
        ),
        "variant": variant,
        "workload": workload,
        "size": "small",
        "mode": mode,
        "scenario": scenario,
        "batch_size": batch,
        "device": "cpu" if machine_id == "m-cpu-box" else "cuda:0",
        "dtype": "float32",
        "threads": 2,
        "flags": [],
        "details": {},
    }
    if framework == "onnxruntime" and mode == "training":
        record.update(
            status="unsupported",
            reason="ONNX Runtime is an inference engine; it does not train general models",
            latency_ms=None,
        )
        return record, []
    noise = 0.25 if index % 11 == 5 else 0.03
    samples = (base_ms * rng.lognormal(0.0, noise, size=40)).tolist()
    arr = np.asarray(samples)
    p50, p90, p95, p99 = (float(np.percentile(arr, q)) for q in (50, 90, 95, 99))
    mean = float(arr.mean())
    cv = float(arr.std(ddof=1) / mean)
    record.update(
        status="ok",
        reason=None,
        n=len(samples),
        inner_iterations=10,
        latency_ms={"p50": p50, "p90": p90, "p95": p95, "p99": p99, "mean": mean,
                    "stdev": float(arr.std(ddof=1)), "min": float(arr.min()), "max": float(arr.max())},
        cv=cv,
        ci95_ms=[p50 * 0.98, p50 * 1.02],
        repetitions=4,  # the 40 samples stand for four processes of ten
        process_p50_ms=[float(np.median(arr[i : i + 10])) for i in range(0, 40, 10)],
        throughput_samples_per_s=batch * 1000.0 / mean,
        gflops=0.5 * batch / mean,
        flops_per_sample=5.0e5,
        phases_s={"import": 1.2, "build": 0.1, "first_call": 0.05, "compile": 2.0 if variant == "compile" else None,
                  "warmup": 0.2, "measure": 0.5},
        peak_rss_mb=350.0,
        max_abs_error=1e-6,
        max_rel_error=1e-5,
        tolerance=1e-4,
    )  # fmt: skip
    if cv > 0.1:
        record["flags"] = ["high_variance"]
    if framework == "tensorflow" and variant == "function" and workload == "cnn" and scenario == "throughput":
        record["flags"] = [*record["flags"], "output_mismatch"]
        record["max_abs_error"] = 0.3
    return record, samples


def build_dataset(seed: int = 7) -> list[dict[str, Any]]:
    """JSONL-style items (machine, run, result lines) for two machines and three runs."""
    rng = np.random.default_rng(seed)
    items: list[dict[str, Any]] = [{"kind": "machine", **m} for m in MACHINES]
    runs = (("run-a", "m-cpu-box", 0, 1.0), ("run-b", "m-cpu-box", 7, 0.93), ("run-c", "m-gpu-box", 9, 0.4))
    for run_id, machine_id, day, speed in runs:
        start = BASE_TIME + timedelta(days=day)
        items.append({"kind": "run", "run_id": run_id, "machine_id": machine_id, "started_at": start.isoformat(),
                      "finished_at": (start + timedelta(minutes=20)).isoformat(), "command": "fwtui bench",
                      "preset": "quick", "size": "small", "device": "cpu", "threads": 2, "status": "complete",
                      "environment": {"torch": "2.13.0", "blas": "openblas"}})  # fmt: skip
        index = 0
        for framework, (variants, base) in FRAMEWORKS.items():
            for variant in variants:
                for workload, scale in WORKLOAD_SCALE.items():
                    for mode, scenario, batch in SCENARIOS:
                        factor = {"latency": 1.0, "throughput": 40.0, "train": 30.0}[scenario]
                        ms = (
                            base
                            * scale
                            * factor
                            * speed
                            * (0.8 if variant in ("compile", "function") else 1.0)
                        )
                        when = start + timedelta(seconds=10 * index)
                        record, samples = _record(rng, run_id=run_id, machine_id=machine_id, when=when,
                                                  framework=framework, variant=variant, workload=workload,
                                                  mode=mode, scenario=scenario, batch=batch, base_ms=ms,
                                                  index=index)  # fmt: skip
                        items.append({"kind": "result", **record, "samples_ms": samples})
                        index += 1
    return items


def write_jsonl(path: Path, items: list[dict[str, Any]] | None = None) -> Path:
    items = build_dataset() if items is None else items
    path.write_text("".join(json.dumps(item) + "\n" for item in items), encoding="utf-8")
    return path


def populate(store: Store, items: list[dict[str, Any]] | None = None) -> dict[str, int]:
    """Write the dataset through the public store API, exactly as the benchmark engine does."""
    items = build_dataset() if items is None else items
    counts = {"machines": 0, "runs": 0, "results": 0}
    for item in items:
        body = {k: v for k, v in item.items() if k != "kind"}
        if item["kind"] == "machine":
            store.upsert_machine(body)
            counts["machines"] += 1
        elif item["kind"] == "run":
            status = body.pop("status")
            store.begin_run(body)
            store.finish_run(body["run_id"], status)
            counts["runs"] += 1
        else:
            samples = body.pop("samples_ms")
            store.save_result(body, samples)
            counts["results"] += 1
    return counts


def make_database(path: Path) -> Path:
    with open_store(path) as store:
        populate(store)
    return path


def bundled_sample_results() -> tuple[int, set[str]]:
    """How many results the shipped sample files hold, and the labels of their machines."""
    import json

    from fwtui.paths import resource_dir

    results, labels = 0, set()
    for path in resource_dir("sample_data").glob("*.jsonl"):
        for line in path.read_text().splitlines():
            if not line.strip():
                continue
            row = json.loads(line)
            results += row["kind"] == "result"
            if row["kind"] == "machine":
                labels.add(row["label"])
    return results, labels

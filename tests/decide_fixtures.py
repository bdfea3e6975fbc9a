"""Results databases for the Decide tests, written through the store's public API (``open_store``,
``upsert_machine``, ``begin_run``, ``save_result`` with ``ResultRecord``s): the same path a benchmark takes.

A database damaged by another tool (a NULL sample) is made with the store's own transaction, as such a tool
would write it.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from fwtui.bench.result_record import LatencyStats, ResultRecord
from fwtui.decide.evidence import EvidenceLoad, NoEvidence, load_evidence, results_cursor
from fwtui.store import open_store

HERE = "m-here-0123456789"
PROCESSES = 3  # a result is measured in several processes (the quick preset's count)
ELSEWHERE = "m-else-9876543210"


def samples(median: float, spread: float, n: int = 60, seed: int = 7) -> list[float]:
    rng = np.random.default_rng(seed)
    return [float(x) for x in median + rng.uniform(-spread, spread, n)]


def process_medians(data: Sequence[float], processes: int = PROCESSES) -> tuple[float, ...]:
    """The medians of ``processes`` consecutive slices of ``data``, standing for the processes that measured it."""
    size = max(1, len(data) // processes)
    return tuple(float(np.median(data[i : i + size])) for i in range(0, size * processes, size) if data[i : i + size])


_VARIANTS = {"torch": "eager", "tensorflow": "eager", "jax": "jit", "onnxruntime": "ort"}


def record(
    framework: str,
    *,
    run_id: str = "run-a",
    machine_id: str = HERE,
    created_at: str = "2026-11-20T10:00:00+00:00",
    workload: str = "mlp",
    size: str = "small",
    mode: str = "inference",
    scenario: str = "latency",
    batch_size: int = 1,
    threads: int = 1,
    device: str = "cpu",
    dtype: str = "float32",
    variant: str | None = None,
    status: str = "ok",
    flags: Sequence[str] = (),
    p50: float = 1.0,
    n: int = 60,
    source: str = "local",
    process_p50_ms: Sequence[float] = (),
) -> ResultRecord:
    return ResultRecord(
        result_id=uuid.uuid4().hex,
        run_id=run_id,
        machine_id=machine_id,
        created_at=created_at,
        framework=framework,
        framework_version="1.0",
        variant=variant or _VARIANTS.get(framework, "eager"),
        workload=workload,
        size=size,
        mode=mode,
        scenario=scenario,
        batch_size=batch_size,
        device=device,
        dtype=dtype,
        threads=threads,
        status=status,
        reason=None,
        n=n,
        latency_ms=LatencyStats(p50=p50),
        repetitions=len(process_p50_ms) or None,
        process_p50_ms=tuple(process_p50_ms),
        flags=tuple(flags),
        source=source,
    )


@dataclass
class EvidenceDb:
    """A results database being filled; ``add`` saves a record with samples around ``median``."""

    path: Path
    ids: dict[str, str] = field(default_factory=dict)  # name given to a result -> its id
    _seed: int = 0

    def __post_init__(self) -> None:
        with open_store(self.path) as store:
            store.upsert_machine({"machine_id": HERE, "label": "this-box", "source": "local"})
            store.upsert_machine({"machine_id": ELSEWHERE, "label": "gpu-box", "source": "local"})

    def run(self, run_id: str, machine_id: str = HERE) -> None:
        with open_store(self.path) as store:
            store.begin_run({"run_id": run_id, "machine_id": machine_id, "command": "fwtui bench"})

    def add(self, name: str, framework: str, median: float, *, spread: float = 0.02, count: int = 60,
            values: Sequence[float] | None = None, processes: int = PROCESSES, **fields: object) -> str:  # fmt: skip
        """``processes`` consecutive slices of the samples stand for the processes that measured them."""
        self._seed += 1
        data = list(values) if values is not None else samples(median, spread * median, count, self._seed)
        medians = process_medians(data, processes)
        rec = record(framework, p50=median, n=count, process_p50_ms=medians, **fields)  # type: ignore[arg-type]
        with open_store(self.path) as store:
            store.save_result(rec, data)
        self.ids[name] = rec.result_id
        return rec.result_id

    def null_sample(self, name: str, seq: int = 3) -> None:
        """Damage one stored sample as another tool could: NULL where a number should be."""
        with open_store(self.path) as store, store.transaction() as con:
            con.execute("UPDATE samples SET ms = NULL WHERE result_id = ? AND seq = ?", [self.ids[name], seq])

    def load(self, machine_id: str | None = HERE) -> EvidenceLoad:
        return load_db(self.path, machine_id)


def load_db(path: Path, machine_id: str | None = HERE) -> EvidenceLoad:
    """What the callers do: a read-only cursor on the file, the evidence loaded through it."""
    try:
        with results_cursor(path) as cursor:
            return load_evidence(cursor, machine_id, db_path=path)
    except NoEvidence as missing:
        return missing.load


def jax_and_torch_db(
    path: Path, *, machine_id: str = HERE, jax_ms: float = 0.41, torch_ms: float = 0.82
) -> Path:
    """A local machine with JAX and PyTorch measured on mlp latency in one run, plus results to skip."""
    db = EvidenceDb(path)
    if machine_id not in (HERE, ELSEWHERE):
        with open_store(path) as store:
            store.upsert_machine({"machine_id": machine_id, "label": "this-box", "source": "local"})
    db.run("run-1", machine_id)
    db.add("jax", "jax", jax_ms, run_id="run-1", machine_id=machine_id, variant="jit")
    db.add("torch", "torch", torch_ms, run_id="run-1", machine_id=machine_id, variant="compile")
    # Wrong outputs never count, however fast.
    db.add("ort", "onnxruntime", 0.01, run_id="run-1", machine_id=machine_id, flags=["output_mismatch"])
    # Sample data is never evidence.
    db.add("sample", "tensorflow", 0.02, run_id="run-s", machine_id="m-sample", source="sample")
    return path

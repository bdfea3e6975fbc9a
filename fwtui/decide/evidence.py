"""Measured evidence for the Decide engine, read from the results database (read-only).

Runs ``queries/decide_evidence.sql``: per framework, workload, size, scenario and device, the best valid
result measured on a local machine, with its raw per-call samples for the significance test.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fwtui.paths import resource_dir


@dataclass(frozen=True)
class Measured:
    framework: str  # as stored: torch, tensorflow, jax, onnxruntime
    workload: str
    scenario: str  # latency | throughput | train
    p50_ms: float
    samples_ms: tuple[float, ...]
    size: str = "small"
    device: str = "cpu"
    mode: str = "inference"
    variant: str = ""
    framework_version: str = ""
    batch_size: int | None = None

    @property
    def group(self) -> tuple[str, str, str, str]:
        """Results are only compared within the same workload, size, scenario and device."""
        return (self.workload, self.size, self.scenario, self.device)


@dataclass(frozen=True)
class EvidenceLoad:
    measured: tuple[Measured, ...] = ()
    note: str = ""  # why there is no evidence, or where it came from
    db_path: Path | None = None


def evidence_sql() -> str:
    return (resource_dir("queries") / "decide_evidence.sql").read_text(encoding="utf-8")


def load_evidence(db_path: Path, machine_id: str | None = None) -> EvidenceLoad:
    """Evidence from ``db_path``; a missing, locked or foreign file just means no evidence (with the reason)."""
    import duckdb  # imported here: keeps `import fwtui.decide` light for the CLI's --help

    path = Path(db_path).expanduser()
    if not path.is_file():
        return EvidenceLoad(note=f"no measured evidence: no results database at {path}", db_path=path)
    try:
        con = _connect(path)
    except duckdb.Error as exc:
        return EvidenceLoad(
            note=f"no measured evidence: cannot read {path} ({_first_line(exc)})", db_path=path
        )
    try:
        rows = con.execute(evidence_sql(), {"machine_id": machine_id or ""}).fetchall()
    except duckdb.Error as exc:
        return EvidenceLoad(
            note=f"no measured evidence: {path} holds no benchmark results ({_first_line(exc)})", db_path=path
        )
    finally:
        con.close()
    measured = tuple(_row(row) for row in rows if row[10])
    if not measured:
        return EvidenceLoad(
            note=f"no measured evidence: no valid results measured on this machine in {path}", db_path=path
        )
    frameworks = sorted({m.framework for m in measured})
    note = f"{len(measured)} best results ({', '.join(frameworks)}) from {path}"
    return EvidenceLoad(measured=measured, note=note, db_path=path)


def _connect(path: Path) -> Any:
    import duckdb

    try:
        return duckdb.connect(str(path), read_only=True)
    except duckdb.ConnectionException:
        # This process already has the file open read-write (the app's own store): DuckDB refuses a second
        # configuration, but a plain connection shares that instance. Only SELECTs run on it.
        return duckdb.connect(str(path))


def _row(row: tuple[object, ...]) -> Measured:
    (framework, version, variant, workload, size, scenario, mode, device, batch, p50, samples) = row
    return Measured(
        framework=str(framework),
        framework_version=str(version or ""),
        variant=str(variant or ""),
        workload=str(workload),
        size=str(size or ""),
        scenario=str(scenario),
        mode=str(mode or ""),
        device=str(device or "cpu"),
        batch_size=int(batch) if batch is not None else None,
        p50_ms=float(p50),  # type: ignore[arg-type]
        samples_ms=tuple(float(s) for s in samples),  # type: ignore[union-attr]
    )


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__

"""Measured evidence for the Decide engine, read from the results database.

``load_evidence(cursor)`` runs ``queries/decide_evidence.sql`` on a cursor the caller opened: per framework,
workload, size, scenario and device, the best valid result measured on a local machine, with its raw per-call
samples for the significance test. The app passes a cursor of its one database handle; ``fwtui recommend``
opens the file read-only with ``results_cursor(path)``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from fwtui.paths import resource_dir

if TYPE_CHECKING:
    from duckdb import DuckDBPyConnection


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


class NoEvidence(Exception):
    """The results database cannot be read at all; ``load`` says why, as evidence with a note."""

    def __init__(self, load: EvidenceLoad) -> None:
        super().__init__(load.note)
        self.load = load


def evidence_sql() -> str:
    return (resource_dir("queries") / "decide_evidence.sql").read_text(encoding="utf-8")


@contextmanager
def results_cursor(db_path: Path) -> Iterator[DuckDBPyConnection]:
    """A cursor on the results database at ``db_path``, opened read-only and closed afterwards.

    Raises ``NoEvidence`` when there is no file or DuckDB cannot open it.
    """
    import duckdb  # imported here: keeps `import fwtui.decide` light for the CLI's --help

    path = Path(db_path).expanduser()
    if not path.is_file():
        raise NoEvidence(EvidenceLoad(note=f"no measured evidence: no results database at {path}", db_path=path))
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error as exc:
        note = f"no measured evidence: cannot read {path} ({_first_line(exc)})"
        raise NoEvidence(EvidenceLoad(note=note, db_path=path)) from exc
    try:
        yield con.cursor()
    finally:
        con.close()


def load_evidence(
    cursor: DuckDBPyConnection, machine_id: str | None = None, *, db_path: Path | None = None
) -> EvidenceLoad:
    """Evidence through ``cursor`` (only SELECTs run on it); a database without results just means none.

    ``machine_id`` keeps only results measured on that machine; ``db_path`` names the database in the notes.
    """
    import duckdb

    where = str(db_path) if db_path is not None else "the results database"
    try:
        rows = cursor.execute(evidence_sql(), {"machine_id": machine_id or ""}).fetchall()
    except duckdb.Error as exc:
        return EvidenceLoad(
            note=f"no measured evidence: {where} holds no benchmark results ({_first_line(exc)})", db_path=db_path
        )
    measured = tuple(_row(row) for row in rows if row[10])
    if not measured:
        return EvidenceLoad(
            note=f"no measured evidence: no valid results measured on this machine in {where}", db_path=db_path
        )
    frameworks = sorted({m.framework for m in measured})
    note = f"{len(measured)} best results ({', '.join(frameworks)}) from {where}"
    return EvidenceLoad(measured=measured, note=note, db_path=db_path)


def _row(row: Sequence[object]) -> Measured:
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
        batch_size=int(batch) if isinstance(batch, int) else None,
        p50_ms=_float(p50),
        samples_ms=tuple(_float(s) for s in samples) if isinstance(samples, list) else (),
    )


def _float(value: object) -> float:
    if isinstance(value, int | float):
        return float(value)
    raise TypeError(f"expected a number of milliseconds, got {value!r}")


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__

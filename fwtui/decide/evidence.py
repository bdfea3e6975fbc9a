"""Measured evidence for the Decide engine, read from the results database.

``load_evidence(cursor, machine_id)`` runs ``queries/decide_evidence.sql`` on a cursor the caller opened
(the app's one database handle, or ``results_cursor(path)``): the newest ok results per framework and setting,
each with its identity (result, run, machine, date), settings, flags and raw per-call samples. Choosing what to
compare is not done here but in :mod:`fwtui.decide.selection`, from these records, so every rule about
validity is in one place and can say why a result was left out.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from fwtui.paths import resource_dir
from fwtui.terminal_text import printable

if TYPE_CHECKING:
    from duckdb import DuckDBPyConnection


@dataclass(frozen=True)
class Measured:
    """One stored result as evidence. Samples are raw: a NULL or NaN in them is the selection's to reject."""

    framework: str  # as stored: torch, tensorflow, jax, onnxruntime
    workload: str
    scenario: str  # latency | throughput | train
    p50_ms: float | None
    samples_ms: tuple[float | None, ...]
    size: str = "small"
    device: str = "cpu"
    mode: str = "inference"
    variant: str = ""
    framework_version: str = ""
    batch_size: int | None = None
    threads: int | None = None
    dtype: str = "float32"
    result_id: str = ""
    run_id: str = ""
    machine_id: str = ""
    machine_label: str = ""
    this_machine: bool = False  # measured on the machine the recommendation is for
    created_at: str = ""  # ISO 8601
    flags: tuple[str, ...] = ()
    older: int = 0  # earlier results with the same setting that were not read (superseded)
    process_p50_ms: tuple[float, ...] = ()  # per-process medians: what the significance test compares

    @property
    def date(self) -> str:
        return self.created_at[:10]


@dataclass(frozen=True)
class OtherMachine:
    """Results measured on a machine other than this one: counted, never used."""

    machine_id: str
    label: str
    results: int


@dataclass(frozen=True)
class EvidenceLoad:
    measured: tuple[Measured, ...] = ()
    note: str = ""  # why there is no evidence, or where it came from
    db_path: Path | None = None
    elsewhere: tuple[OtherMachine, ...] = ()


class NoEvidence(Exception):
    """The results database cannot be read at all; ``load`` says why, as evidence with a note."""

    def __init__(self, load: EvidenceLoad) -> None:
        super().__init__(load.note)
        self.load = load


def evidence_sql(name: str = "decide_evidence") -> str:
    return (resource_dir("queries") / f"{name}.sql").read_text(encoding="utf-8")


@contextmanager
def results_cursor(db_path: Path) -> Iterator[DuckDBPyConnection]:
    """A cursor on the results database at ``db_path``, opened read-only and closed afterwards.

    Raises ``NoEvidence`` when there is no file or DuckDB cannot open it.
    """
    import duckdb  # imported here: keeps `import fwtui.decide` light for the CLI's --help

    path = Path(db_path).expanduser()
    if not path.is_file():
        raise NoEvidence(
            EvidenceLoad(note=f"no measured evidence: no results database at {path}", db_path=path)
        )
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

    With ``machine_id`` only that machine's results are read (and marked as this machine's); the others are
    counted per machine. Without it (the hardware was not probed) every machine's results are read, each
    named by its machine, and none is called this machine's.
    """
    import duckdb

    from fwtui.decide.selection import EXCLUDING_FLAGS

    where = str(db_path) if db_path is not None else "the results database"
    params = {"machine_id": machine_id or "", "excluded_flags": ",".join(sorted(EXCLUDING_FLAGS))}
    try:
        rows = cursor.execute(evidence_sql(), params).fetchall()
        elsewhere = cursor.execute(
            evidence_sql("decide_evidence_elsewhere"), {"machine_id": machine_id or ""}
        )
        others = tuple(OtherMachine(_text(mid), _text(label), int(n)) for mid, label, n in elsewhere.fetchall())
    except duckdb.Error as exc:
        return EvidenceLoad(
            note=f"no measured evidence: {where} holds no benchmark results ({_first_line(exc)})",
            db_path=db_path,
        )
    measured = tuple(_row(row, machine_id) for row in rows)
    if not measured:
        scope = "on this machine" if machine_id else "on any machine"
        return EvidenceLoad(
            note=f"no measured evidence: no ok results measured {scope} in {where}",
            db_path=db_path,
            elsewhere=others,
        )
    machines = sorted({m.machine_label for m in measured})
    scope = (
        f"this machine ({machines[0]})"
        if machine_id
        else f"{len(machines)} machine(s): {', '.join(machines)}"
    )
    note = f"{len(measured)} recent ok results from {scope} in {where}"
    return EvidenceLoad(measured=measured, note=note, db_path=db_path, elsewhere=others)


def _row(row: Sequence[object], this_machine_id: str | None) -> Measured:
    (result_id, run_id, machine_id, label, created, framework, version, variant, workload, size, mode, scenario,
     batch, threads, device, dtype, p50, flags, samples, older, processes) = row  # fmt: skip
    return Measured(
        framework=_text(framework),
        framework_version=_text(version or ""),
        variant=_text(variant or ""),
        workload=_text(workload),
        size=_text(size or ""),
        scenario=_text(scenario),
        mode=_text(mode or ""),
        device=_text(device or "cpu"),
        batch_size=batch if isinstance(batch, int) else None,
        threads=threads if isinstance(threads, int) else None,
        dtype=_text(dtype or "float32"),
        p50_ms=_number(p50),
        samples_ms=tuple(_number(s) for s in samples) if isinstance(samples, list) else (),
        result_id=_text(result_id),
        run_id=_text(run_id or ""),
        machine_id=_text(machine_id or ""),
        machine_label=_text(label or machine_id or "unknown machine"),
        this_machine=bool(this_machine_id) and machine_id == this_machine_id,
        created_at=created.isoformat() if isinstance(created, datetime) else str(created or ""),
        flags=tuple(_text(f) for f in flags) if isinstance(flags, list) else (),
        older=int(older) if isinstance(older, int) else 0,
        process_p50_ms=tuple(float(v) for v in processes if isinstance(v, int | float))
        if isinstance(processes, list)
        else (),
    )


def _text(value: object) -> str:
    """Stored text as shown to a terminal: control characters escaped (``fwtui.terminal_text``)."""
    return printable(str(value), newlines=False)


def _number(value: object) -> float | None:
    """A stored number, or None for NULL (and anything that is not a number); NaN stays NaN for the checks."""
    return float(value) if isinstance(value, int | float) else None


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__

"""Re-validation of stored results: their flags, recomputed by the engine from their samples and metadata.

An imported database, an export or the sample data is untrusted: whatever flags its rows carry are replaced
by what :func:`fwtui.bench.validity.compute` says about the row's own samples, the step observations in its
``details`` and its machine's measured peak (a peak above the device class's ceiling is ignored there). The
per-process columns (``repetitions``, ``process_p50_ms``, ``process_cv``, the across-process interval) are
checked against the samples too: figures that do not follow from them make the result ``inconsistent_stats``.
The results of a user's own model are cross-checked again as one set per run and model file (one engine's
disagreement flags them all, :func:`fwtui.bench.validity.cross_checked`), the set's other results included.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass

import duckdb

from fwtui.bench import flags, stats, validity
from fwtui.bench.spec import run_label

_COLUMNS = (
    "result_id", "framework", "variant", "workload", "size", "scenario", "device", "dtype", "status",
    "batch_size", "inner_iterations", "flops_per_sample", "max_abs_error", "tolerance", "p50_ms", "mean_ms",
    "throughput_samples_per_s", "details", "flags", "repetitions", "process_p50_ms", "process_cv", "ci95_low_ms",
    "ci95_high_ms", "peak_gflops", "logical_cores", "run_id", "model_sha256",
)  # fmt: skip


@dataclass(frozen=True)
class Revalidated:
    result_id: str
    label: str
    flags: tuple[str, ...]

    @property
    def invalid(self) -> bool:
        return not flags.rankable("ok", self.flags)


def _peak(raw: object, device: str, dtype: str) -> float | None:
    """The machine row's measured peak for a device and dtype ({device: {dtype: GFLOP/s}} JSON)."""
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            return None
    per_device = raw.get(device) if isinstance(raw, dict) else None
    value = per_device.get(dtype) if isinstance(per_device, dict) else None
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def revalidate(con: duckdb.DuckDBPyConnection, result_ids: Iterable[str]) -> list[Revalidated]:
    """Recompute and store the flags of ``result_ids`` (inside the caller's transaction); what was found."""
    ids = _with_model_sets(con, sorted(set(result_ids)))
    if not ids:
        return []
    select = ", ".join(f"m.{c}" if c in ("peak_gflops", "logical_cores") else f"r.{c}" for c in _COLUMNS)
    rows = con.execute(
        f"SELECT {select} FROM results r LEFT JOIN machines m USING (machine_id) "
        "WHERE r.result_id IN (SELECT unnest(?::VARCHAR[]))",
        [ids],
    ).fetchall()
    samples: dict[str, list[float]] = {}
    for result_id, ms in con.execute(
        "SELECT result_id, list(ms ORDER BY seq) FROM samples WHERE result_id IN (SELECT unnest(?::VARCHAR[])) "
        "GROUP BY result_id",
        [ids],
    ).fetchall():
        samples[str(result_id)] = [float(v) for v in ms]
    found: dict[str, tuple[str, ...]] = {}
    by_id: dict[str, dict[str, object]] = {}
    for values in rows:
        row = dict(zip(_COLUMNS, values, strict=True))
        result_id = str(row["result_id"])
        evidence = validity.Evidence.from_row(row)
        dtype = (evidence.checks.dtype_used if evidence.checks else None) or evidence.dtype
        found[result_id] = validity.compute(
            evidence,
            samples.get(result_id, []),
            peak_gflops=_peak(row["peak_gflops"], evidence.device, dtype),
            logical_cpus=row["logical_cores"] if isinstance(row["logical_cores"], int) else None,
        )
        by_id[result_id] = row
        _null_unsupported_tails(
            con, result_id, row, len(samples.get(result_id, [])), evidence.inner_iterations
        )
    found.update(_cross_checked(by_id, found))
    revalidated: list[Revalidated] = []
    for result_id, row in by_id.items():
        computed = found[result_id]
        if list(computed) != list(row["flags"] or []):  # type: ignore[call-overload]
            con.execute("UPDATE results SET flags = ? WHERE result_id = ?", [list(computed), result_id])
        label = run_label(
            str(row["framework"]), str(row["variant"]), str(row["workload"]), str(row["size"]),
            str(row["scenario"]), device=str(row["device"]),
        )  # fmt: skip
        revalidated.append(Revalidated(result_id, label, computed))
    return revalidated


def _with_model_sets(con: duckdb.DuckDBPyConnection, ids: list[str]) -> list[str]:
    """``ids`` and every result of the same run and model file as one of them: a model's set is checked whole."""
    if not ids:
        return []
    mates = con.execute(
        "SELECT DISTINCT o.result_id FROM results o JOIN results r "
        "ON o.run_id = r.run_id AND o.model_sha256 = r.model_sha256 "
        "WHERE r.result_id IN (SELECT unnest(?::VARCHAR[]))",
        [ids],
    ).fetchall()
    return sorted({*ids, *(str(m[0]) for m in mates)})


def _cross_checked(
    rows: dict[str, dict[str, object]], found: dict[str, tuple[str, ...]]
) -> dict[str, tuple[str, ...]]:
    """The flags of every user's-model result, cross-checked within its run and model file."""
    sets: dict[tuple[str, str], list[str]] = {}
    for result_id, row in rows.items():
        if row["run_id"] is not None and row["model_sha256"] is not None:
            sets.setdefault((str(row["run_id"]), str(row["model_sha256"])), []).append(result_id)
    checked: dict[str, tuple[str, ...]] = {}
    for members in sets.values():
        flags_of = validity.cross_checked(
            [
                (
                    str(rows[m]["status"]),
                    _number(rows[m]["max_abs_error"]),
                    _number(rows[m]["tolerance"]),
                    found[m],
                )
                for m in members
            ]
        )
        checked.update(zip(members, flags_of, strict=True))
    return checked


def _number(value: object) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _null_unsupported_tails(
    con: duckdb.DuckDBPyConnection, result_id: str, row: dict[str, object], n: int, inner: int
) -> None:
    """Tail percentiles the samples cannot support become NULL, with the reason in ``details``."""
    reason = stats.tails_reason(n, inner)
    if reason is None or row["status"] != "ok":
        return
    keep = {key: inner <= 1 and n >= minimum for key, minimum in stats.MIN_SAMPLES_FOR_TAIL.items()}
    details = row["details"]
    if isinstance(details, str):
        try:
            details = json.loads(details)
        except ValueError:
            details = None
    merged = {**(details if isinstance(details, dict) else {}), "tails_reason": reason}
    assignments = ", ".join(f"{key}_ms = NULL" for key, kept in keep.items() if not kept)
    con.execute(
        f"UPDATE results SET {assignments}, details = ? WHERE result_id = ?", [json.dumps(merged), result_id]
    )


def describe(found: list[Revalidated]) -> list[str]:
    """One line per flagged result, invalid ones first: what an import reports."""
    flagged = sorted((r for r in found if r.flags), key=lambda r: (not r.invalid, r.label))
    return [
        f"{'invalid' if r.invalid else 'flagged'}: {r.label} ({r.result_id[:8]}): {', '.join(r.flags)}"
        for r in flagged
    ]

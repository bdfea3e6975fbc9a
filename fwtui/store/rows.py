"""How a result record, run or machine becomes a row: column filtering, JSON columns, timestamps, NaN.

Every writer of the results tables (the store, sample data, imports) builds its rows here, so they agree on
what a stored value looks like.
"""

from __future__ import annotations

import json
import math
import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from typing import Any

import duckdb

from fwtui.store import schema
from fwtui.store.errors import StoreError


def utc_now() -> datetime:
    """Timestamps are stored as naive UTC."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


def to_timestamp(value: Any) -> datetime | None:
    """Accept datetimes and ISO strings (with or without an offset); return naive UTC."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError as exc:
            raise StoreError(f"not a timestamp: {value!r}") from exc
    elif isinstance(value, datetime):
        parsed = value
    else:
        raise StoreError(f"not a timestamp: {value!r}")
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(timezone.utc).replace(tzinfo=None)
    return parsed


def _json_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    return json.dumps(value, default=str, allow_nan=False)


def _finite(value: Any) -> Any:
    """NaN and infinities are 'not measured': store NULL, never a number that sorts oddly."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def insert_row(
    con: duckdb.DuckDBPyConnection, table: str, row: Mapping[str, Any], *, upsert: str = ""
) -> None:
    """Insert the known columns of ``row`` into ``table`` (JSON values serialised, NaN stored as NULL)."""
    columns = [c for c in schema.TABLE_COLUMNS[table] if c in row]
    values = [_json_text(row[c]) if c in schema.JSON_COLUMNS else _finite(row[c]) for c in columns]
    placeholders = ", ".join("?" for _ in columns)
    con.execute(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders}) {upsert}", values)


def insert_samples(con: duckdb.DuckDBPyConnection, result_id: str, samples: Sequence[float]) -> None:
    """All samples of a result in one statement: a list parameter unnested server-side (no executemany)."""
    if not samples:
        return
    con.execute(
        """
        INSERT INTO samples (result_id, seq, ms)
        SELECT $rid, (i - 1)::INTEGER, l[i]
        FROM (SELECT $ms::DOUBLE[] AS l), range(1, len(l) + 1) AS r(i)
        ORDER BY i
        """,
        {"rid": result_id, "ms": list(samples)},
    )


def new_id() -> str:
    return uuid.uuid4().hex


def result_row(record: Mapping[str, Any]) -> dict[str, Any]:
    """Flatten a result record (the ``fwtui bench --json`` shape) into a ``results`` row."""
    row: dict[str, Any] = {k: record[k] for k in schema.RESULT_COLUMNS if k in record}
    row["result_id"] = record.get("result_id") or new_id()
    row["created_at"] = to_timestamp(record.get("created_at")) or utc_now()
    latency = record.get("latency_ms") or {}
    for key in ("p50", "p90", "p95", "p99", "mean", "stdev", "min", "max"):
        if key in latency:
            row[f"{key}_ms"] = latency[key]
    ci = record.get("ci95_ms")
    if ci:
        row["ci95_low_ms"], row["ci95_high_ms"] = ci[0], ci[1]
    phases = record.get("phases_s") or {}
    for key in ("import", "build", "first_call", "compile", "warmup", "measure"):
        if phases.get(key) is not None or f"{key}_s" not in row:
            row[f"{key}_s"] = phases.get(key, row.get(f"{key}_s"))
    if record.get("compile_s") is not None:
        row["compile_s"] = record["compile_s"]
    row["flags"] = list(record.get("flags") or [])
    row.setdefault("source", "local")
    row.setdefault("status", "ok")
    return row

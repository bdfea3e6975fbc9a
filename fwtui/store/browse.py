"""Read-side access for browsing results: a source (database or Parquet exports), filters, windows.

The Results screen and ``fwtui query`` use this (sources open in ``sources.py``); the SQL console's rules are in ``console.py``. Nothing
here writes: stored databases open read-only and Parquet directories become views in an in-memory DuckDB.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields, replace
from datetime import datetime
from typing import Any

import duckdb
import numpy as np

from fwtui.store.errors import StoreError
from fwtui.store.rows import to_timestamp
from fwtui.store.sources import (  # re-exported: callers open sources through this module
    BROWSE_MEMORY_LIMIT as BROWSE_MEMORY_LIMIT,
)
from fwtui.store.sources import ResultsSource as ResultsSource
from fwtui.store.sources import connect_parquet as connect_parquet
from fwtui.store.sources import connect_relations as connect_relations
from fwtui.store.sources import limit_memory as limit_memory
from fwtui.store.sources import open_for_reading as open_for_reading
from fwtui.store.sources import open_source as open_source
from fwtui.store.sources import query_path as query_path
from fwtui.store.store import fetch_one
from fwtui.terminal_text import printable_value


@dataclass(frozen=True)
class Filters:
    """Equality filters (None = any) plus a date range, an optional run and a text to find."""

    framework: str | None = None
    workload: str | None = None
    mode: str | None = None
    scenario: str | None = None
    device: str | None = None
    dtype: str | None = None  # the precision
    machine_id: str | None = None
    status: str | None = None
    run_id: str | None = None
    date_from: datetime | None = None
    date_to: datetime | None = None
    search: str | None = None  # found in any of the row's names, status or flags, ignoring case

    def with_(self, **changes: Any) -> Filters:
        return replace(self, **changes)

    def where(self, alias: str = "r") -> tuple[str, dict[str, Any]]:
        clauses: list[str] = []
        params: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if value is None or value == "":
                continue
            if f.name == "date_from":
                clauses.append(f"{alias}.created_at >= $date_from")
            elif f.name == "date_to":
                clauses.append(f"{alias}.created_at < $date_to")
            elif f.name == "search":
                clauses.append(f"contains(lower({_searched(alias)}), $search)")
                params[f.name] = str(value).lower()
                continue
            else:
                clauses.append(f"{alias}.{f.name} = ${f.name}")
            params[f.name] = value
        return ("WHERE " + " AND ".join(clauses)) if clauses else "", params


def _searched(alias: str) -> str:
    """The text a search looks in: a row's names, status and flags, as the table shows them."""
    parts = ("framework", "variant", "workload", "size", "scenario", "device", "status", "mode")
    text = " || ' ' || ".join(f"coalesce({alias}.{p}, '')" for p in parts)
    return f"({text} || ' ' || coalesce(array_to_string({alias}.flags, ','), ''))"


FILTER_COLUMNS: tuple[str, ...] = ("framework", "workload", "mode", "scenario", "device", "dtype", "status")

# The table's columns: (header, SQL expression). The first ones fit 80 columns and carry the essentials;
# the rest are a pan to the right away, everything else is in the detail view.
TABLE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("framework", "r.framework"),
    ("variant", "r.variant"),
    ("workload", "r.workload"),
    ("scenario", "r.scenario"),
    ("p50 ms", "r.p50_ms"),
    ("samples/s", "r.throughput_samples_per_s"),
    ("status", "r.status"),
    ("flags", "array_to_string(r.flags, ',')"),
    ("p95 ms", "r.p95_ms"),
    ("cv", "r.cv"),
    ("batch", "r.batch_size"),
    ("size", "r.size"),
    ("device", "r.device"),
    ("machine", "coalesce(m.label, r.machine_id)"),
    ("created", "strftime(r.created_at, '%Y-%m-%d %H:%M')"),
    ("run", "r.run_id"),
    ("source", "r.source"),  # 'sample', 'external' or NULL (measured here): the table marks the first two
)
SORT_KEYS: dict[str, str] = {
    "created": "r.created_at",
    "flags": "len(r.flags)",
    **{h: e for h, e in TABLE_COLUMNS if h not in ("created", "flags")},
}

# A user's own model is named by its file (workload ``model:<name>``) and told apart by its content: its size
# column holds the first digits of the file's sha256. Grouped by workload, two runs of one file make one group
# and two files of the same name never do.
MODEL_WORKLOAD_PREFIX = "model:"
_WORKLOAD_GROUP = (
    f"r.workload || CASE WHEN starts_with(r.workload, '{MODEL_WORKLOAD_PREFIX}') "
    "THEN ' ' || coalesce(r.size, '') ELSE '' END"
)


def group_workload(group: str) -> str:
    """The workload a workload group's name stands for (a model's group also names its content hash)."""
    if group.startswith(MODEL_WORKLOAD_PREFIX) and " " in group:
        return group.rsplit(" ", 1)[0]
    return group


GROUP_BY: dict[str, str] = {
    "framework": "r.framework",
    "workload": _WORKLOAD_GROUP,
    "machine": "coalesce(m.label, r.machine_id)",
    "scenario": "r.scenario",
    "device": "r.device",
    "precision": "r.dtype",
    "variant": "r.framework || coalesce('/' || r.variant, '')",  # as fwtui.bench.spec.contender names it
}
# One row per group *and* scenario and batch: a latency at batch 1, a throughput at batch 256 and a training
# step are never aggregated together.
GROUP_COLUMNS = (
    "group", "scenario", "batch", "results", "ok", "median p50", "best p50", "best mean samples/s", "flagged",
)  # fmt: skip


def _from(where: str) -> str:
    return f"FROM results r LEFT JOIN machines m ON m.machine_id = r.machine_id {where}"


def filter_options(con: duckdb.DuckDBPyConnection) -> dict[str, list[str]]:
    """Distinct values for each filter, plus machines as ``id\\tlabel`` pairs under ``machine``."""
    options: dict[str, list[str]] = {}
    for column in FILTER_COLUMNS:
        rows = con.execute(
            f"SELECT DISTINCT {column} FROM results WHERE {column} IS NOT NULL ORDER BY 1"
        ).fetchall()
        options[column] = [str(r[0]) for r in rows]
    rows = con.execute(
        "SELECT DISTINCT r.machine_id, coalesce(m.label, r.machine_id) FROM results r "
        "LEFT JOIN machines m USING (machine_id) WHERE r.machine_id IS NOT NULL ORDER BY 2"
    ).fetchall()
    options["machine"] = [f"{r[0]}\t{r[1]}" for r in rows]
    return options


def count_rows(con: duckdb.DuckDBPyConnection, filters: Filters) -> int:
    where, params = filters.where()
    # The machines join never changes the count; skip it.
    row = fetch_one(con.execute(f"SELECT count(*) FROM results r {where}", params))
    return int(row[0]) if row else 0


def _has_rowid(con: duckdb.DuckDBPyConnection) -> bool:
    """Tables have rowids; the views over Parquet exports do not."""
    row = fetch_one(
        con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'results' AND schema_name = 'main' "
            "AND database_name = current_database()"
        )
    )
    return bool(row and row[0])


def fetch_window(
    con: duckdb.DuckDBPyConnection,
    filters: Filters,
    *,
    sort: str = "created",
    descending: bool = True,
    offset: int = 0,
    limit: int = 200,
    total: int | None = None,
) -> list[tuple[Any, ...]]:
    """Rows ``offset .. offset+limit`` of the filtered, sorted table; the last value is the result id.

    On a database table this runs in two steps: sort only (sort key, rowid) to find the window's rowids,
    then read the displayed columns of just those rows. Sorting every displayed column of a million rows
    to keep 200 of them is what makes a naive ``ORDER BY ... LIMIT`` slow. When ``total`` (the filtered
    count) is given and the window lies nearer the end, it is read from the end in the reverse order: a
    top-N with a small offset instead of one with an offset of nearly every row.
    """
    if sort not in SORT_KEYS:
        raise StoreError(f"cannot sort by {sort!r}")
    offset, limit = max(0, int(offset)), max(0, int(limit))
    reverse = total is not None and offset > total - offset - limit
    if reverse and total is not None:
        # Positions offset .. end of this order are positions total - end .. total - offset of the reverse.
        end = min(total, offset + limit)
        offset, limit = total - end, max(0, end - offset)
    rows = _window(con, filters, SORT_KEYS[sort], descending != reverse, reverse, offset, limit)
    return rows[::-1] if reverse else rows


def _window(
    con: duckdb.DuckDBPyConnection,
    filters: Filters,
    key: str,
    descending: bool,
    nulls_first: bool,
    offset: int,
    limit: int,
) -> list[tuple[Any, ...]]:
    where, params = filters.where()
    direction = "DESC" if descending else "ASC"
    nulls = "NULLS FIRST" if nulls_first else "NULLS LAST"
    tie = "DESC" if nulls_first else "ASC"  # reading from the end reverses the tie-breaker too
    select = ", ".join(expr for _, expr in TABLE_COLUMNS)
    join = "LEFT JOIN machines m ON m.machine_id = r.machine_id"
    window = f"LIMIT {limit} OFFSET {offset}"
    inner_join = join if "m." in key else ""
    if not _has_rowid(con):
        order = f"{key} {direction} {nulls}, r.result_id {tie}"
        sql = (
            f"SELECT {select}, r.result_id FROM ("
            f"SELECT r.* FROM results r {inner_join} {where} ORDER BY {order} {window}"
            f") r {join} ORDER BY {order}"
        )
        return [_shown(row) for row in con.execute(sql, params).fetchall()]
    order = f"{key} {direction} {nulls}, r.rowid {tie}"
    rowids = [
        r[0]
        for r in con.execute(
            f"SELECT r.rowid FROM results r {inner_join} {where} ORDER BY {order} {window}", params
        ).fetchall()
    ]
    if not rowids:
        return []
    # BETWEEN lets zonemaps skip row groups; = ANY picks the rows.
    rows = con.execute(
        f"SELECT {select}, r.result_id, r.rowid FROM results r {join} "
        "WHERE r.rowid BETWEEN $lo AND $hi AND r.rowid = ANY($ids)",
        {"lo": min(rowids), "hi": max(rowids), "ids": rowids},
    ).fetchall()
    position = {rowid: i for i, rowid in enumerate(rowids)}
    rows.sort(key=lambda row: position[row[-1]])
    return [_shown(row[:-1]) for row in rows]


def group_rows(con: duckdb.DuckDBPyConnection, filters: Filters, by: str) -> list[tuple[Any, ...]]:
    """Counts and aggregates per group, scenario and batch: results, ok, median p50, best p50, best
    throughput (from the mean time per call), flagged."""
    if by not in GROUP_BY:
        raise StoreError(f"cannot group by {by!r}")
    where, params = filters.where()
    aggregates = """count(*) AS results, count(*) FILTER (WHERE r.status = 'ok') AS ok,
               median(r.p50_ms) FILTER (WHERE r.status = 'ok') AS median_p50,
               min(r.p50_ms) FILTER (WHERE r.status = 'ok') AS best_p50,
               max(r.throughput_samples_per_s) FILTER (WHERE r.status = 'ok') AS best_throughput,
               count(*) FILTER (WHERE len(coalesce(r.flags, [])) > 0) AS flagged"""
    keys = "r.scenario AS scenario, r.batch_size AS batch"
    order = "ORDER BY grp, scenario, batch"
    # Group on the stored columns and name the groups afterwards: joining machines to every result (or
    # concatenating framework and variant on every row) costs more than the aggregates themselves.
    if by == "machine":
        sql = f"""
            SELECT coalesce(m.label, g.machine_id) AS grp, g.* EXCLUDE (machine_id)
            FROM (SELECT r.machine_id, {keys}, {aggregates} FROM results r {where} GROUP BY ALL) g
            LEFT JOIN machines m ON m.machine_id = g.machine_id
        """
    elif by == "variant":
        sql = f"""
            SELECT g.framework || coalesce('/' || g.variant, '') AS grp, g.* EXCLUDE (framework, variant)
            FROM (SELECT r.framework, r.variant, {keys}, {aggregates} FROM results r {where} GROUP BY ALL) g
        """
    else:
        sql = f"SELECT {GROUP_BY[by]} AS grp, {keys}, {aggregates} FROM results r {where} GROUP BY ALL"
    rows = con.execute(f"{sql} {order}", params).fetchall()
    if len({row[:3] for row in rows}) == len(rows):
        return [_shown_group(row) for row in rows]
    # Two machines share a label (or two framework/variant pairs one name): their medians cannot be merged,
    # so group on the name itself, as rare as it is slow.
    exact = f"SELECT {GROUP_BY[by]} AS grp, {keys}, {aggregates} {_from(where)} GROUP BY ALL {order}"
    return [_shown_group(row) for row in con.execute(exact, params).fetchall()]


def _shown_group(row: tuple[Any, ...]) -> tuple[Any, ...]:
    """A group row for a terminal: its names (stored text) :func:`printable`."""
    return tuple(printable_value(row))  # type: ignore[arg-type]


def _shown(row: tuple[Any, ...]) -> tuple[Any, ...]:
    """A table row for a terminal: every text cell :func:`printable`, the trailing result id kept exact."""
    return (*(printable_value(v) for v in row[:-1]), row[-1])


def result_detail(con: duckdb.DuckDBPyConnection, result_id: str) -> dict[str, Any] | None:
    """Every column of one result, plus its machine's label and its run's environment."""
    relation = con.execute(
        "SELECT r.*, m.label AS machine_label, m.cpu_brand AS machine_cpu, m.gpu_names AS machine_gpus, "
        "u.environment AS run_environment, u.command AS run_command, u.label AS run_label "
        "FROM results r LEFT JOIN machines m ON m.machine_id = r.machine_id "
        "LEFT JOIN runs u ON u.run_id = r.run_id WHERE r.result_id = ?",
        [result_id],
    )
    columns = [d[0] for d in relation.description or []]
    row = fetch_one(relation)
    # For display: every text value made printable (stored text may hold terminal escape sequences).
    return {c: printable_value(v) for c, v in zip(columns, row, strict=True)} if row else None


def result_samples(con: duckdb.DuckDBPyConnection, result_id: str) -> np.ndarray:
    # A stored database may hold NULL or NaN samples: they are no measurement, so they are left out.
    rows = con.execute(
        "SELECT ms FROM samples WHERE result_id = ? AND ms IS NOT NULL AND isfinite(ms) ORDER BY seq", [result_id]
    ).fetchall()
    return np.fromiter((r[0] for r in rows), dtype=np.float64, count=len(rows))


def results_by_ids(con: duckdb.DuckDBPyConnection, result_ids: Sequence[str]) -> list[dict[str, Any]]:
    details = [result_detail(con, rid) for rid in result_ids]
    return [d for d in details if d is not None]


def parse_date(text: str) -> datetime | None:
    """A date or timestamp typed by the user ('2026-05-01', '2026-05-01 12:00'); empty = none."""
    text = text.strip()
    if not text:
        return None
    return to_timestamp(text)

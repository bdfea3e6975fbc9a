"""What the Results area's charts show: the best valid result per framework/variant for one case."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import duckdb

from fwtui.store.browse import Filters
from fwtui.store.store import fetch_one
from fwtui.terminal_text import printable, printable_value


@dataclass(frozen=True)
class ChartData:
    """Best valid result per framework/variant for one machine, workload, size and scenario."""

    machine: str | None
    workload: str | None
    size: str | None
    scenario: str | None
    # (label, p50, p90, p95, p99, throughput)
    rows: list[tuple[str, float, float | None, float | None, float | None, float | None]]


def chart_data(con: duckdb.DuckDBPyConnection, filters: Filters) -> ChartData:
    """What the charts show: the filtered case, else the machine/workload/scenario with the most valid results.

    Bars only ever compare results from one machine: different hardware is not like for like.
    """
    where, params = filters.where()
    valid = "r.status = 'ok' AND r.p50_ms IS NOT NULL"
    where = f"{where} AND {valid}" if where else f"WHERE {valid}"
    top = fetch_one(
        con.execute(
            f"SELECT r.machine_id, r.workload, r.size, r.scenario, count(*) AS n FROM results r {where} "
            "GROUP BY ALL ORDER BY n DESC, r.machine_id, r.workload, r.size, r.scenario LIMIT 1",
            params,
        )
    )
    if top is None:
        return ChartData(None, None, None, None, [])
    machine_id, workload, size, scenario = top[0], top[1], top[2], top[3]
    label = fetch_one(con.execute("SELECT label FROM machines WHERE machine_id = ?", [machine_id]))
    rows = con.execute(
        f"""
        SELECT r.framework || coalesce('/' || r.variant, '') AS label,
               min(r.p50_ms) AS p50,
               arg_min(r.p90_ms, r.p50_ms), arg_min(r.p95_ms, r.p50_ms), arg_min(r.p99_ms, r.p50_ms),
               arg_min(r.throughput_samples_per_s, r.p50_ms)
        FROM results r {where}
          AND r.machine_id IS NOT DISTINCT FROM $c_machine
          AND r.workload IS NOT DISTINCT FROM $c_workload
          AND r.size IS NOT DISTINCT FROM $c_size
          AND r.scenario IS NOT DISTINCT FROM $c_scenario
        GROUP BY label ORDER BY p50
        """,
        {**params, "c_machine": machine_id, "c_workload": workload, "c_size": size, "c_scenario": scenario},
    ).fetchall()
    machine = printable(str(label[0]) if label and label[0] else str(machine_id), newlines=False)
    shown: list[tuple[Any, ...]] = [tuple(printable_value(tuple(r))) for r in rows]  # type: ignore[arg-type]
    return ChartData(machine, _shown(workload), _shown(size), _shown(scenario), shown)


def _shown(value: Any) -> Any:
    return printable_value(value)

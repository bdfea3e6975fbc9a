"""Sweep curves for the Results area: latency and throughput against batch size and against threads, one series
per framework/variant and precision, and where two series' throughput curves cross.

Only like with like: one machine, workload, size, mode and device (the filtered case, else the one with the most
swept results), and the best valid result per point. Drawing is plotext's (:func:`plot`), as text with ANSI
colours that the caller wraps for its terminal.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import duckdb

from fwtui.store.browse import Filters
from fwtui.store.store import fetch_one
from fwtui.terminal_text import printable

AXES: dict[str, str] = {"batch": "r.batch_size", "threads": "r.threads"}
_VALID = "r.status = 'ok' AND r.p50_ms IS NOT NULL AND r.scenario IN ('throughput', 'train')"


@dataclass(frozen=True)
class Series:
    label: str  # framework/variant precision
    points: tuple[tuple[int, float, float | None], ...]  # (x, p50 ms, samples/s), x ascending


@dataclass(frozen=True)
class Crossing:
    """Between ``x_low`` and ``x_high`` the throughput leader changes from ``before`` to ``after``."""

    x_low: int
    x_high: int
    before: str
    after: str


@dataclass(frozen=True)
class Curves:
    axis: str  # "batch" | "threads"
    case: str  # machine, workload, size, mode, scenario and device, in words
    series: tuple[Series, ...]
    crossings: tuple[Crossing, ...]


def curve_data(con: duckdb.DuckDBPyConnection, filters: Filters, axis: str) -> Curves | None:
    """The curves along ``axis`` for the case with the most points, or None when nothing was swept."""
    column = AXES[axis]
    chosen, params = filters.where()
    where = f"{chosen} AND {_VALID}" if chosen else f"WHERE {_VALID}"
    others = ", ".join(f"{c}" for a, c in AXES.items() if a != axis)
    top = fetch_one(
        con.execute(
            f"""SELECT r.machine_id, r.workload, r.size, r.mode, r.scenario, r.device, {others},
                       count(DISTINCT {column}) AS points
                FROM results r {where} GROUP BY ALL HAVING points >= 2
                ORDER BY points DESC, count(*) DESC, 1, 2, 3, 4, 5, 6 LIMIT 1""",
            params,
        )
    )
    if top is None:
        return None
    case = dict(zip(("machine", "workload", "size", "mode", "scenario", "device", "other"), top, strict=False))
    series = _series(con, case, axis, chosen, params)
    if not series:
        return None
    return Curves(axis, _case_words(con, case, axis), series, crossings(series))


def _label_sql() -> str:
    return "r.framework || coalesce('/' || r.variant, '') || ' ' || coalesce(r.dtype, 'float32')"


def _series(
    con: duckdb.DuckDBPyConnection, case: dict[str, object], axis: str, where: str, params: dict[str, object]
) -> tuple[Series, ...]:
    """One series per framework/variant and precision of ``case`` along ``axis`` (the other axis fixed), the
    best valid result per point; series of fewer than two points are left out."""
    column = AXES[axis]
    others = ", ".join(c for a, c in AXES.items() if a != axis)
    where = f"{where} AND {_VALID}" if where else f"WHERE {_VALID}"
    rows = con.execute(
        f"""
        SELECT {_label_sql()} AS label,
               {column} AS x, min(r.p50_ms) AS p50, arg_min(r.throughput_samples_per_s, r.p50_ms) AS thr
        FROM results r {where}
          AND r.machine_id = $c_machine AND r.workload = $c_workload AND r.size IS NOT DISTINCT FROM $c_size
          AND r.mode = $c_mode AND r.scenario = $c_scenario AND r.device IS NOT DISTINCT FROM $c_device
          AND {others} IS NOT DISTINCT FROM $c_other
        GROUP BY ALL ORDER BY label, x
        """,
        {**params, **{f"c_{k}": v for k, v in case.items()}},
    ).fetchall()
    grouped: dict[str, list[tuple[int, float, float | None]]] = {}
    for label, x, p50, thr in rows:
        # Labels come from the database: printable before they reach a chart or the terminal.
        grouped.setdefault(printable(str(label), newlines=False), []).append((int(x), float(p50), None if thr is None else float(thr)))
    return tuple(Series(label, tuple(points)) for label, points in grouped.items() if len(points) >= 2)


def _case_words(con: duckdb.DuckDBPyConnection, case: dict[str, object], axis: str) -> str:
    other_name = "threads" if axis == "batch" else "batch"
    label = fetch_one(con.execute("SELECT label FROM machines WHERE machine_id = ?", [case["machine"]]))
    machine = printable(str(label[0]) if label and label[0] else str(case["machine"]), newlines=False)
    return printable(
        f"{machine} · {case['workload']} {case['size'] or ''} {case['mode']} {case['scenario']} · "
        f"{case['device']} · {other_name} {case['other']}",
        newlines=False,
    )


def sweeps_of(con: duckdb.DuckDBPyConnection, details: list[dict[str, object]]) -> tuple[Curves, ...]:
    """The sweeps the compared results belong to: along batch and along threads, the series of the compared
    framework/variant and precision pairs, measured in the first result's case (its machine, workload, size,
    mode, device and its value of the other axis), with their crossings. Only axes with two or more series."""
    if not details:
        return ()
    first = details[0]
    scenario = "train" if first.get("mode") == "training" else "throughput"
    labels = sorted(
        {f"{d.get('framework')}{'/' + str(d['variant']) if d.get('variant') else ''} {d.get('dtype') or 'float32'}"
         for d in details}
    )  # fmt: skip
    found: list[Curves] = []
    for axis, other in (("batch", "threads"), ("threads", "batch_size")):
        case = {
            "machine": first.get("machine_id"), "workload": first.get("workload"), "size": first.get("size"),
            "mode": first.get("mode"), "scenario": scenario, "device": first.get("device"), "other": first.get(other),
        }  # fmt: skip
        if axis == "threads" and first.get("mode") != "training":
            # Inference's throughput batch is the one fixed along threads (a latency result is at batch 1).
            case["other"] = _throughput_batch(con, case) or first.get(other)
        where = f"WHERE {_label_sql()} IN (SELECT unnest($labels))"
        series = _series(con, case, axis, where, {"labels": labels})
        if len(series) >= 2:
            found.append(Curves(axis, _case_words(con, case, axis), series, crossings(series)))
    return tuple(found)


def _throughput_batch(con: duckdb.DuckDBPyConnection, case: dict[str, object]) -> object:
    row = fetch_one(
        con.execute(
            """SELECT r.batch_size FROM results r
               WHERE r.machine_id = $machine AND r.workload = $workload AND r.mode = $mode
                 AND r.scenario = 'throughput' AND r.device IS NOT DISTINCT FROM $device
               GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1""",
            {k: case[k] for k in ("machine", "workload", "mode", "device")},
        )
    )
    return row[0] if row else None


def crossings(series: tuple[Series, ...]) -> tuple[Crossing, ...]:
    """Where the throughput leader changes between two neighbouring x values both series measured."""
    found: list[Crossing] = []
    for i, a in enumerate(series):
        for b in series[i + 1 :]:
            ta = {x: t for x, _, t in a.points if t is not None}
            tb = {x: t for x, _, t in b.points if t is not None}
            shared = sorted(set(ta) & set(tb))
            for low, high in itertools.pairwise(shared):
                if (ta[low] - tb[low]) * (ta[high] - tb[high]) < 0:
                    first, second = (a.label, b.label) if ta[low] > tb[low] else (b.label, a.label)
                    found.append(Crossing(low, high, first, second))
    return tuple(found)


def plot(curves: Curves, *, width: int = 76, height: int = 14) -> tuple[str, str]:
    """The throughput and the p50-latency charts as text with ANSI colours (plotext's line plots)."""
    import plotext as plt  # type: ignore[import-untyped]

    charts = []
    for title, index in ((f"samples/s against {curves.axis}", 2), (f"p50 ms against {curves.axis}", 1)):
        plt.clear_figure()
        plt.plotsize(width, height)
        plt.theme("clear")
        plt.title(title)
        for s in curves.series:
            points = [(p[0], p[index]) for p in s.points if p[index] is not None]
            plt.plot([x for x, _ in points], [y for _, y in points], label=s.label, marker="braille")
        plt.xticks(sorted({p[0] for s in curves.series for p in s.points}))
        charts.append(str(plt.build()))
    return charts[0], charts[1]

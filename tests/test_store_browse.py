"""Read-side helpers behind the Results screen: windows, filters, groups and the read-only SQL check."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from results_fixtures import make_database

from fwtui.store import StoreError, open_store
from fwtui.store.browse import (
    SORT_KEYS,
    TABLE_COLUMNS,
    Filters,
    count_rows,
    fetch_window,
    filter_options,
    group_rows,
    open_source,
    parse_date,
    result_detail,
    result_samples,
)
from fwtui.store.charts import chart_data
from fwtui.store.console import validate_read_only_sql
from fwtui.store.importexport import export_database


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_database(tmp_path_factory.mktemp("browse") / "results.duckdb")


@pytest.fixture(scope="module")
def parquet_dir(db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("browse-pq") / "export"
    with open_store(db, read_only=True) as store:
        export_database(store.connection, out, "parquet")
    return out


def test_windows_page_through_every_row_exactly_once(db: Path) -> None:
    source = open_source(db)
    try:
        con = source.cursor()
        filters = Filters(machine_id="m-cpu-box")
        total = count_rows(con, filters)
        assert total == 72
        seen: list[str] = []
        for offset in range(0, total, 25):
            seen += [
                row[-1]
                for row in fetch_window(
                    con, filters, sort="p50 ms", descending=False, offset=offset, limit=25
                )
            ]
        assert len(seen) == len(set(seen)) == 72
        # Any window, in either direction, is that slice of the whole table sorted in plain SQL.
        for sort, expression in (("p50 ms", "r.p50_ms"), ("framework", "r.framework"),
                                 ("machine", "coalesce(m.label, r.machine_id)")):  # fmt: skip
            for descending in (False, True):
                direction = "DESC" if descending else "ASC"
                ordered = [row[0] for row in con.execute(
                    "SELECT r.result_id FROM results r LEFT JOIN machines m USING (machine_id) "
                    f"WHERE r.machine_id = 'm-cpu-box' ORDER BY {expression} {direction} NULLS LAST, r.rowid"
                ).fetchall()]  # fmt: skip
                for offset in (0, 30, 50, 60, 71):
                    window = fetch_window(con, filters, sort=sort, descending=descending, offset=offset, limit=15)
                    assert [row[-1] for row in window] == ordered[offset : offset + 15]
        p50 = [result_detail(con, rid)["p50_ms"] for rid in seen]  # type: ignore[index]
        measured = [v for v in p50 if v is not None]
        assert measured == sorted(measured)
        assert p50[: len(measured)] == measured and set(p50[len(measured) :]) == {None}  # NULLs last
    finally:
        source.close()


@pytest.mark.parametrize("sort", sorted(SORT_KEYS))
def test_database_and_parquet_windows_agree(db: Path, parquet_dir: Path, sort: str) -> None:
    database, parquet = open_source(db), open_source(parquet_dir)
    try:
        filters = Filters(status="ok")
        a = fetch_window(database.cursor(), filters, sort=sort, offset=0, limit=200)
        b = fetch_window(parquet.cursor(), filters, sort=sort, offset=0, limit=200)
        assert sorted(a) == sorted(b) and len(a) == count_rows(database.cursor(), filters)
        if sort != "flags":  # ties may come in another order; the sort key's sequence must not
            column = [h for h, _ in TABLE_COLUMNS].index(sort)
            assert [row[column] for row in a] == [row[column] for row in b]
    finally:
        database.close()
        parquet.close()


def test_filters_options_groups_and_charts(db: Path) -> None:
    source = open_source(db)
    try:
        con = source.cursor()
        options = filter_options(con)
        assert options["framework"] == ["jax", "onnxruntime", "tensorflow", "torch"]
        assert options["scenario"] == ["latency", "throughput", "train"]
        assert "m-gpu-box\tgpu-box (A100)" in options["machine"]
        recent = Filters(date_from=datetime(2026, 5, 8), date_to=datetime(2026, 5, 9))
        assert count_rows(con, recent) == 36  # run-b only
        groups = group_rows(con, Filters(), "machine")
        assert sum(row[3] for row in groups if row[0] == "gpu-box (A100)") == 36
        # never one aggregate across scenarios or batches: each (group, scenario, batch) is its own row
        keys = [(row[0], row[1], row[2]) for row in groups]
        assert len(keys) == len(set(keys)) and {row[1] for row in groups} == {"latency", "throughput", "train"}
        assert count_rows(con, Filters(search="ONNX")) == count_rows(con, Filters(framework="onnxruntime"))
        chart = chart_data(con, Filters(machine_id="m-cpu-box", workload="mlp", scenario="latency"))
        assert chart.machine == "cpu-box (EPYC 7B13, 2 cores)"
        assert chart.rows[0][0] == "onnxruntime/ort"
        assert [row[1] for row in chart.rows] == sorted(row[1] for row in chart.rows)
        assert result_samples(con, "run-a-000").size == 40
        with pytest.raises(StoreError, match="cannot sort"):
            fetch_window(con, Filters(), sort="nope")
    finally:
        source.close()


def test_read_only_sql_check_and_dates() -> None:
    validate_read_only_sql("DESCRIBE results")
    with pytest.raises(StoreError, match="one statement at a time"):
        validate_read_only_sql("SELECT 1; DESCRIBE results")
    for statement in (
        "DELETE FROM results",
        "DROP TABLE runs",
        "ATTACH 'x.duckdb'",
        "COPY results TO 'x.csv'",
    ):
        with pytest.raises(StoreError, match="read-only"):
            validate_read_only_sql(statement)
    with pytest.raises(StoreError, match="SQL error"):
        validate_read_only_sql("SELEC 1")
    assert parse_date("2026-05-01") == datetime(2026, 5, 1)
    assert parse_date("  ") is None
    with pytest.raises(StoreError, match="not a timestamp"):
        parse_date("yesterday")


@pytest.mark.parametrize("kind", ["database", "parquet"])
def test_windows_near_the_end_read_in_reverse_are_the_same_rows(db: Path, parquet_dir: Path, kind: str) -> None:
    source = open_source(db if kind == "database" else parquet_dir)
    try:
        con = source.cursor()
        for filters in (Filters(), Filters(machine_id="m-cpu-box")):
            total = count_rows(con, filters)
            for sort in SORT_KEYS:  # ties (framework, flags) and NULLs (p50 ms) included
                for descending in (False, True):
                    for offset in (total - 15, total - 10, total - 40, total // 2 + 1, total + 5):
                        kwargs = {"sort": sort, "descending": descending, "offset": offset, "limit": 15}
                        forwards = fetch_window(con, filters, **kwargs)  # type: ignore[arg-type]
                        backwards = fetch_window(con, filters, total=total, **kwargs)  # type: ignore[arg-type]
                        assert [r[-1] for r in backwards] == [r[-1] for r in forwards], (sort, descending, offset)
    finally:
        source.close()


def test_groups_of_machines_that_share_a_label_are_one_group_with_its_exact_median(tmp_path: Path) -> None:
    path = make_database(tmp_path / "results.duckdb")
    with open_store(path) as store:
        store.connection.execute("UPDATE machines SET label = 'the same box'")
    source = open_source(path)
    try:
        con = source.cursor()
        groups = group_rows(con, Filters(), "machine")
        assert {row[0] for row in groups} == {"the same box"}
        exact = con.execute(
            "SELECT scenario, batch_size, count(*), median(p50_ms) FILTER (WHERE status = 'ok') FROM results "
            "GROUP BY ALL ORDER BY ALL"
        ).fetchall()
        assert [row[1:4] for row in groups] == [row[:3] for row in exact]
        assert [row[5] for row in groups] == pytest.approx([row[3] for row in exact])
        total = sum(row[2] for row in exact)
        by_framework = group_rows(con, Filters(), "framework")
        variants = group_rows(con, Filters(), "variant")
        assert sum(row[3] for row in variants) == sum(row[3] for row in by_framework) == total
    finally:
        source.close()

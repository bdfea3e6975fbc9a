"""The results schema: versioned DDL and forward migrations.

Version 4 is the current layout: version 3 plus the energy of the timed samples in ``results``
(``energy_j_per_sample``, or NULL with ``energy_reason`` saying why; both NULL in an upgraded database, whose
results never read an energy counter). Version 3 added the identity of a user's own model
(``model_name``, ``model_sha256``, ``model_params``, ``model_inputs``; NULL for every other result, and for
every result of an upgraded database). Version 2 added the repetition across processes (``repetitions``,
``process_p50_ms``, ``process_cv``). Version 1 results were each one process; the upgrade leaves those columns
NULL (unknown), so nothing treats an old result as evidence across processes. Version 0
is the earlier single-table layout (``results`` and ``samples`` only, fewer statistics, no machine or run
tables, no ``schema_info``). Older databases are upgraded in place by :data:`MIGRATIONS` after a backup copy
is taken.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import duckdb

SCHEMA_VERSION = 4

MACHINE_COLUMNS: tuple[str, ...] = (
    "machine_id", "label", "hostname", "os", "kernel", "python", "cpu_brand", "physical_cores",
    "logical_cores", "cpu_flags", "memory_total_bytes", "gpu_names", "gpu_driver", "cuda_driver",
    "peak_gflops", "source", "first_seen", "last_seen", "details",
)  # fmt: skip

RUN_COLUMNS: tuple[str, ...] = (
    "run_id", "machine_id", "started_at", "finished_at", "fwtui_version", "command", "preset", "size",
    "device", "threads", "status", "source", "label", "environment",
)  # fmt: skip

RESULT_COLUMNS: tuple[str, ...] = (
    "result_id", "run_id", "machine_id", "created_at", "framework", "framework_version", "variant",
    "workload", "size", "mode", "scenario", "batch_size", "device", "dtype", "threads", "status", "reason",
    "n", "inner_iterations", "mean_ms", "p50_ms", "p90_ms", "p95_ms", "p99_ms", "stdev_ms", "min_ms",
    "max_ms", "cv", "ci95_low_ms", "ci95_high_ms", "repetitions", "process_p50_ms", "process_cv",
    "throughput_samples_per_s", "gflops", "flops_per_sample",
    "import_s", "build_s", "first_call_s", "compile_s", "warmup_s", "measure_s", "compile_break_even_calls",
    "peak_rss_mb", "device_mem_peak_mb", "max_abs_error", "max_rel_error", "tolerance", "flags", "source",
    "details", "model_name", "model_sha256", "model_params", "model_inputs", "energy_j_per_sample", "energy_reason",
)  # fmt: skip

SAMPLE_COLUMNS: tuple[str, ...] = ("result_id", "seq", "ms")

# Primary key of each table, used by import to merge idempotently. ``samples`` is keyed by its result.
TABLE_KEYS: dict[str, str] = {
    "machines": "machine_id",
    "runs": "run_id",
    "results": "result_id",
    "samples": "result_id",
}
TABLE_COLUMNS: dict[str, tuple[str, ...]] = {
    "machines": MACHINE_COLUMNS,
    "runs": RUN_COLUMNS,
    "results": RESULT_COLUMNS,
    "samples": SAMPLE_COLUMNS,
}
# Columns whose DuckDB type is JSON (written from Python as serialised text).
JSON_COLUMNS = frozenset({"peak_gflops", "details", "environment"})

_DDL_V1 = """
CREATE TABLE IF NOT EXISTS schema_info (key VARCHAR PRIMARY KEY, value VARCHAR);
CREATE TABLE IF NOT EXISTS machines (
    machine_id VARCHAR PRIMARY KEY, label VARCHAR, hostname VARCHAR, os VARCHAR, kernel VARCHAR,
    python VARCHAR, cpu_brand VARCHAR, physical_cores INTEGER, logical_cores INTEGER, cpu_flags VARCHAR[],
    memory_total_bytes BIGINT, gpu_names VARCHAR[], gpu_driver VARCHAR, cuda_driver VARCHAR,
    peak_gflops JSON, source VARCHAR, first_seen TIMESTAMP, last_seen TIMESTAMP, details JSON
);
CREATE TABLE IF NOT EXISTS runs (
    run_id VARCHAR PRIMARY KEY, machine_id VARCHAR, started_at TIMESTAMP, finished_at TIMESTAMP,
    fwtui_version VARCHAR, command VARCHAR, preset VARCHAR, size VARCHAR, device VARCHAR, threads INTEGER,
    status VARCHAR, source VARCHAR, label VARCHAR, environment JSON
);
CREATE TABLE IF NOT EXISTS results (
    result_id VARCHAR PRIMARY KEY, run_id VARCHAR, machine_id VARCHAR, created_at TIMESTAMP,
    framework VARCHAR, framework_version VARCHAR, variant VARCHAR, workload VARCHAR, size VARCHAR,
    mode VARCHAR, scenario VARCHAR, batch_size INTEGER, device VARCHAR, dtype VARCHAR, threads INTEGER,
    status VARCHAR, reason VARCHAR, n INTEGER, inner_iterations INTEGER,
    mean_ms DOUBLE, p50_ms DOUBLE, p90_ms DOUBLE, p95_ms DOUBLE, p99_ms DOUBLE, stdev_ms DOUBLE,
    min_ms DOUBLE, max_ms DOUBLE, cv DOUBLE, ci95_low_ms DOUBLE, ci95_high_ms DOUBLE,
    throughput_samples_per_s DOUBLE, gflops DOUBLE, flops_per_sample DOUBLE,
    import_s DOUBLE, build_s DOUBLE, first_call_s DOUBLE, compile_s DOUBLE, warmup_s DOUBLE, measure_s DOUBLE,
    compile_break_even_calls DOUBLE, peak_rss_mb DOUBLE, device_mem_peak_mb DOUBLE,
    max_abs_error DOUBLE, max_rel_error DOUBLE, tolerance DOUBLE, flags VARCHAR[], source VARCHAR,
    details JSON, repetitions INTEGER, process_p50_ms DOUBLE[], process_cv DOUBLE,
    model_name VARCHAR, model_sha256 VARCHAR, model_params BIGINT, model_inputs VARCHAR,
    energy_j_per_sample DOUBLE, energy_reason VARCHAR
);
-- samples are appended per result in one statement, so they sit together on disk and min/max
-- zonemaps on result_id keep a single result's lookup cheap without an ART index.
CREATE TABLE IF NOT EXISTS samples (result_id VARCHAR, seq INTEGER, ms DOUBLE);
"""

# The earlier layout, kept so upgrades can be tested against a genuine older file.
DDL_V0 = """
CREATE TABLE results (
    result_id VARCHAR PRIMARY KEY, run_id VARCHAR, machine_id VARCHAR, created_at TIMESTAMP,
    framework VARCHAR, framework_version VARCHAR, variant VARCHAR, workload VARCHAR, size VARCHAR,
    mode VARCHAR, scenario VARCHAR, batch_size INTEGER, device VARCHAR, dtype VARCHAR, threads INTEGER,
    status VARCHAR, reason VARCHAR, n INTEGER,
    mean_ms DOUBLE, p50_ms DOUBLE, p90_ms DOUBLE, p99_ms DOUBLE, stdev_ms DOUBLE, min_ms DOUBLE, max_ms DOUBLE,
    throughput_samples_per_s DOUBLE, gflops DOUBLE, compile_s DOUBLE, peak_rss_mb DOUBLE,
    max_abs_error DOUBLE
);
CREATE TABLE samples (result_id VARCHAR, seq INTEGER, ms DOUBLE);
"""

# Columns version 1 added to ``results``, in order.
_V1_ADDED_RESULT_COLUMNS: tuple[tuple[str, str], ...] = (
    ("inner_iterations", "INTEGER"), ("p95_ms", "DOUBLE"), ("cv", "DOUBLE"), ("ci95_low_ms", "DOUBLE"),
    ("ci95_high_ms", "DOUBLE"), ("flops_per_sample", "DOUBLE"), ("import_s", "DOUBLE"), ("build_s", "DOUBLE"),
    ("first_call_s", "DOUBLE"), ("warmup_s", "DOUBLE"), ("measure_s", "DOUBLE"),
    ("compile_break_even_calls", "DOUBLE"), ("device_mem_peak_mb", "DOUBLE"), ("max_rel_error", "DOUBLE"),
    ("tolerance", "DOUBLE"), ("flags", "VARCHAR[]"), ("source", "VARCHAR"), ("details", "JSON"),
)  # fmt: skip


def create_current(con: duckdb.DuckDBPyConnection, created_by: str) -> None:
    """Create an empty database in the current layout."""
    con.execute(_DDL_V1)
    con.execute(
        "INSERT OR REPLACE INTO schema_info VALUES ('schema_version', ?), ('created_by', ?)",
        [str(SCHEMA_VERSION), created_by],
    )


def _migrate_v0_to_v1(con: duckdb.DuckDBPyConnection) -> None:
    existing = {row[0] for row in con.execute("SELECT column_name FROM duckdb_columns() "
                                               "WHERE table_name = 'results'").fetchall()}  # fmt: skip
    for name, sql_type in _V1_ADDED_RESULT_COLUMNS:
        if name not in existing:
            con.execute(f"ALTER TABLE results ADD COLUMN {name} {sql_type}")
    con.execute(_DDL_V1)  # the machine, run and schema_info tables
    con.execute("UPDATE results SET source = 'local', flags = [] WHERE source IS NULL")
    # Every v0 result belonged to some run and machine; give them rows so joins keep them.
    con.execute(
        """
        INSERT INTO machines (machine_id, label, source, first_seen, last_seen)
        SELECT machine_id, 'machine ' || machine_id, 'local', min(created_at), max(created_at)
        FROM results WHERE machine_id IS NOT NULL GROUP BY machine_id
        ON CONFLICT DO NOTHING
        """
    )
    con.execute(
        """
        INSERT INTO runs (run_id, machine_id, started_at, finished_at, status, source)
        SELECT run_id, any_value(machine_id), min(created_at), max(created_at), 'complete', 'local'
        FROM results WHERE run_id IS NOT NULL GROUP BY run_id
        ON CONFLICT DO NOTHING
        """
    )


# Columns version 2 added to ``results``, in order (at the end of the table, where ALTER TABLE puts them).
_V2_ADDED_RESULT_COLUMNS: tuple[tuple[str, str], ...] = (
    ("repetitions", "INTEGER"), ("process_p50_ms", "DOUBLE[]"), ("process_cv", "DOUBLE"),
)  # fmt: skip


def _add_result_columns(con: duckdb.DuckDBPyConnection, added: tuple[tuple[str, str], ...]) -> None:
    existing = {row[0] for row in con.execute("SELECT column_name FROM duckdb_columns() "
                                               "WHERE table_name = 'results'").fetchall()}  # fmt: skip
    for name, sql_type in added:
        if name not in existing:
            con.execute(f"ALTER TABLE results ADD COLUMN {name} {sql_type}")


def _migrate_v1_to_v2(con: duckdb.DuckDBPyConnection) -> None:
    _add_result_columns(con, _V2_ADDED_RESULT_COLUMNS)


# Columns version 3 added to ``results``: a user's own model (``fwtui bench --model``), NULL for the rest.
_V3_ADDED_RESULT_COLUMNS: tuple[tuple[str, str], ...] = (
    ("model_name", "VARCHAR"), ("model_sha256", "VARCHAR"), ("model_params", "BIGINT"), ("model_inputs", "VARCHAR"),
)  # fmt: skip


def _migrate_v2_to_v3(con: duckdb.DuckDBPyConnection) -> None:
    _add_result_columns(con, _V3_ADDED_RESULT_COLUMNS)


# Columns version 4 added to ``results``: energy per input sample over the timed samples, or NULL and the reason.
_V4_ADDED_RESULT_COLUMNS: tuple[tuple[str, str], ...] = (
    ("energy_j_per_sample", "DOUBLE"), ("energy_reason", "VARCHAR"),
)  # fmt: skip


def _migrate_v3_to_v4(con: duckdb.DuckDBPyConnection) -> None:
    _add_result_columns(con, _V4_ADDED_RESULT_COLUMNS)


@dataclass(frozen=True)
class Migration:
    from_version: int
    to_version: int
    apply: Callable[[duckdb.DuckDBPyConnection], None]


MIGRATIONS: tuple[Migration, ...] = (
    Migration(0, 1, _migrate_v0_to_v1),
    Migration(1, 2, _migrate_v1_to_v2),
    Migration(2, 3, _migrate_v2_to_v3),
    Migration(3, 4, _migrate_v3_to_v4),
)


def migrations_from(version: int) -> list[Migration]:
    """The chain of migrations that brings ``version`` to :data:`SCHEMA_VERSION`."""
    chain: list[Migration] = []
    current = version
    while current < SCHEMA_VERSION:
        step = next((m for m in MIGRATIONS if m.from_version == current), None)
        if step is None:
            raise LookupError(f"no migration from schema {current}")
        chain.append(step)
        current = step.to_version
    return chain

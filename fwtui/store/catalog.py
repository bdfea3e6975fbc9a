"""What a stored database holds, checked before fwtui reads a byte of its data: :func:`check_catalog`.

A DuckDB file can carry code as well as data: a macro named like a built-in function shadows it for every
query whose default database is that file (a stored ``array_to_string`` could read a local file into every
row), a view named ``results`` runs its own query whenever fwtui reads "results", and a generated column
computes its value on each read. fwtui's databases hold only base tables with known columns, so a file
holding anything else is refused with one line naming the object, before it is browsed, queried, exported
or imported. Nothing stored is executed by the check: it reads DuckDB's catalog functions only.
"""

from __future__ import annotations

import duckdb

from fwtui.store import schema
from fwtui.store.errors import StoreError
from fwtui.terminal_text import printable

# Every table and column any fwtui schema version wrote (older versions hold a subset).
KNOWN_TABLES: dict[str, frozenset[str]] = {
    "schema_info": frozenset({"key", "value"}),
    **{table: frozenset(columns) for table, columns in schema.TABLE_COLUMNS.items()},
}


def catalog_problems(con: duckdb.DuckDBPyConnection, database: str) -> list[str]:
    """What in ``database`` (an attached database's name) is not a plain fwtui table; empty when clean."""
    checks = (
        ("view", "SELECT schema_name || '.' || view_name FROM duckdb_views() "
                 "WHERE database_name = $db AND NOT internal"),
        ("macro or function", "SELECT DISTINCT schema_name || '.' || function_name FROM duckdb_functions() "
                              "WHERE database_name = $db AND NOT internal"),
        ("sequence", "SELECT schema_name || '.' || sequence_name FROM duckdb_sequences() WHERE database_name = $db"),
        ("type", "SELECT schema_name || '.' || type_name FROM duckdb_types() "
                 "WHERE database_name = $db AND NOT internal"),
        ("schema", "SELECT schema_name FROM duckdb_schemas() WHERE database_name = $db AND NOT internal "
                   "AND schema_name <> 'main'"),
        ("generated column", "SELECT table_name || '.' || column_name FROM duckdb_columns() "
                             "WHERE database_name = $db AND is_generated"),
    )  # fmt: skip
    problems: list[str] = []
    for what, sql in checks:
        for (name,) in con.execute(sql, {"db": database}).fetchall():
            problems.append(f"{what} {name}")
    tables = con.execute(
        "SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = $db", {"db": database}
    ).fetchall()
    for schema_name, table in tables:
        if schema_name != "main" or table not in KNOWN_TABLES:
            problems.append(f"table {schema_name}.{table}")
    columns = con.execute(
        "SELECT table_name, column_name FROM duckdb_columns() WHERE database_name = $db AND schema_name = 'main'",
        {"db": database},
    ).fetchall()
    for table, column in columns:
        if table in KNOWN_TABLES and column not in KNOWN_TABLES[table]:
            problems.append(f"column {table}.{column}")
    return problems


def check_catalog(con: duckdb.DuckDBPyConnection, database: str, label: object) -> None:
    """Refuse ``database`` with one line when it holds anything but fwtui's tables."""
    try:
        problems = catalog_problems(con, database)
    except duckdb.Error as exc:
        raise StoreError(f"{printable(label, newlines=False)} cannot be checked: {_first_line(exc)}") from None
    if problems and all(p.startswith("table ") for p in problems) and not _has_results(con, database):
        raise StoreError(f"{printable(label, newlines=False)} is not an fwtui results database (no results table)")
    if problems:
        shown = ", ".join(printable(p, newlines=False) for p in problems[:3])
        more = f" and {len(problems) - 3} more" if len(problems) > 3 else ""
        raise StoreError(
            f"{printable(label, newlines=False)} is refused: it holds objects fwtui never writes "
            f"({shown}{more}), which could run code when read"
        )


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return printable(text.splitlines()[0] if text else type(exc).__name__, newlines=False)


def _has_results(con: duckdb.DuckDBPyConnection, database: str) -> bool:
    row = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE database_name = $db AND table_name = 'results'",
        {"db": database},
    ).fetchone()
    return bool(row and row[0])

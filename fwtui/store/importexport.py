"""Export a results database to CSV, Parquet or JSON, and merge other databases or exports into it.

Parquet exports are partitioned by machine (``<out>/<table>/machine_id=<id>/data_0.parquet``) so the
exports of many machines can be dropped into one directory and browsed or imported together. Imports
merge by primary key: importing the same thing twice adds nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from fwtui.store import schema
from fwtui.store.errors import StoreError
from fwtui.store.revalidate import Revalidated, revalidate
from fwtui.store.store import Store, describe_open_error, fetch_one, first_line, looks_like_duckdb

EXPORT_FORMATS = ("csv", "parquet", "json")
TABLES = ("machines", "runs", "results", "samples")
_ATTACH_ALIAS = "fwtui_import_src"


def sql_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _table_sql(table: str) -> str:
    """What to export for ``table``; samples carry their result's machine so they can be partitioned."""
    if table == "samples":
        return "SELECT s.result_id, s.seq, s.ms, r.machine_id FROM samples s JOIN results r USING (result_id)"
    return f"SELECT * FROM {table}"


def export_database(con: duckdb.DuckDBPyConnection, out: Path, fmt: str) -> list[Path]:
    """Write every table under the directory ``out``; returns what was written."""
    if fmt not in EXPORT_FORMATS:
        raise StoreError(f"unknown export format {fmt!r} (formats: {', '.join(EXPORT_FORMATS)})")
    out = Path(out).expanduser()
    if out.exists() and not out.is_dir():
        raise StoreError(f"{out} exists and is not a directory")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(f"cannot create {out}: {exc.strerror}") from None
    written: list[Path] = []
    try:
        for table in TABLES:
            if fmt == "parquet":
                target = out / table
                options = "FORMAT parquet, PARTITION_BY (machine_id), OVERWRITE_OR_IGNORE"
            else:
                target = out / f"{table}.{fmt}"
                options = "FORMAT csv, HEADER" if fmt == "csv" else "FORMAT json"
            con.execute(f"COPY ({_table_sql(table)}) TO {sql_literal(str(target))} ({options})")
            written.append(target)
    except duckdb.Error as exc:
        raise StoreError(f"export to {out} failed: {first_line(exc)}") from None
    return written


@dataclass
class ImportReport:
    """Rows added and skipped (already present) per table, and the imported results' recomputed flags."""

    added: dict[str, int] = field(default_factory=dict)
    skipped: dict[str, int] = field(default_factory=dict)
    revalidated: list[Revalidated] = field(default_factory=list)

    def summary(self) -> str:
        parts = [f"{t}: {self.added.get(t, 0)} added, {self.skipped.get(t, 0)} skipped" for t in TABLES]
        flagged = sum(1 for r in self.revalidated if r.flags)
        invalid = sum(1 for r in self.revalidated if r.invalid)
        parts.append(
            f"{len(self.revalidated)} results re-validated from their samples: {flagged} flagged, "
            f"{invalid} invalid (never ranked)"
        )
        return "; ".join(parts)


def parquet_relation(directory: Path, table: str) -> str | None:
    """A ``read_parquet`` expression for one table of an export directory, or None when absent."""
    folder = directory / table
    if folder.is_dir() and any(folder.rglob("*.parquet")):
        pattern = sql_literal(str(folder / "**" / "*.parquet"))
        return f"read_parquet({pattern}, hive_partitioning = true, hive_types_autocast = false, union_by_name = true)"
    single = directory / f"{table}.parquet"
    if single.is_file():
        return f"read_parquet({sql_literal(str(single))}, union_by_name = true)"
    return None


def is_parquet_export(path: Path) -> bool:
    return path.is_dir() and parquet_relation(path, "results") is not None


def _columns(con: duckdb.DuckDBPyConnection, relation: str) -> set[str]:
    return {d[0] for d in con.execute(f"SELECT * FROM {relation} LIMIT 0").description or []}


def _merge_table(
    con: duckdb.DuckDBPyConnection, table: str, relation: str, source_label: str | None
) -> tuple[int, int]:
    available = _columns(con, relation)
    key = schema.TABLE_KEYS[table]
    if key not in available:
        raise StoreError(f"the {table} data has no {key} column")
    columns = [c for c in schema.TABLE_COLUMNS[table] if c in available]
    if source_label is not None and "source" in schema.TABLE_COLUMNS[table]:
        # External references keep their label; everything else records where it came from.
        select = [
            f"CASE WHEN source = 'external' THEN source ELSE {sql_literal(source_label)} END"
            if c == "source"
            else c
            for c in columns
        ]
        if "source" not in columns:
            columns.append("source")
            select.append(sql_literal(source_label))
    else:
        select = list(columns)
    total_row = fetch_one(con.execute(f"SELECT count(*) FROM {relation}"))
    total = int(total_row[0]) if total_row else 0
    if table == "samples":
        # Samples come with their result: a result's samples are added once, all together.
        condition = f"{key} NOT IN (SELECT DISTINCT {key} FROM samples)"
        dedupe = ""
    else:
        condition = f"{key} IS NOT NULL AND {key} NOT IN (SELECT {key} FROM {table})"
        dedupe = f"QUALIFY row_number() OVER (PARTITION BY {key}) = 1"
    row = fetch_one(
        con.execute(
            f"INSERT INTO {table} ({', '.join(columns)}) "
            f"SELECT {', '.join(select)} FROM {relation} WHERE {condition} {dedupe}"
        )
    )
    added = int(row[0]) if row else 0
    return added, total - added


def _attach(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    try:
        con.execute(f"ATTACH {sql_literal(str(path))} AS {_ATTACH_ALIAS} (READ_ONLY)")
    except duckdb.Error as exc:
        raise StoreError(describe_open_error(path, exc)) from None


def _attached_relations(con: duckdb.DuckDBPyConnection, path: Path) -> dict[str, str]:
    tables = {
        r[0]
        for r in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = ?", [_ATTACH_ALIAS]
        ).fetchall()
    }
    if "results" not in tables:
        raise StoreError(f"{path} is not an fwtui results database (no results table)")
    if "schema_info" in tables:
        row = fetch_one(
            con.execute(f"SELECT value FROM {_ATTACH_ALIAS}.schema_info WHERE key = 'schema_version'")
        )
        version = int(row[0]) if row and str(row[0]).isdigit() else 0
        if version > schema.SCHEMA_VERSION:
            raise StoreError(
                f"{path} was written by a newer fwtui (schema {version} > {schema.SCHEMA_VERSION}); "
                "upgrade fwtui to import it"
            )
    return {t: f"{_ATTACH_ALIAS}.{t}" for t in TABLES if t in tables}


def import_into(store: Store, source: Path, *, source_label: str | None = "import") -> ImportReport:
    """Merge a DuckDB results database or a Parquet export directory into ``store``.

    Rows whose primary key is already present are skipped, so importing twice adds nothing. Merged rows
    are marked ``source_label`` (external references keep 'external'); None keeps the source as is.
    """
    source = Path(source).expanduser()
    if not source.exists():
        raise StoreError(f"no such database or directory: {source}")
    if source.resolve() == store.path.resolve():
        raise StoreError(f"{source} is the database being imported into")
    report = ImportReport()
    con = store.connection
    attached = False
    if source.is_dir():
        relations = {t: rel for t in TABLES if (rel := parquet_relation(source, t))}
        if "results" not in relations:
            raise StoreError(f"{source} is not an fwtui Parquet export (no results/*.parquet)")
    elif looks_like_duckdb(source):
        _attach(con, source)
        attached = True
        try:
            relations = _attached_relations(con, source)
        except BaseException:
            con.execute(f"DETACH {_ATTACH_ALIAS}")
            raise
    else:
        raise StoreError(f"{source} is neither a DuckDB database nor a directory of Parquet exports")
    try:
        with store.transaction() as tx:
            for table in TABLES:
                if table in relations:
                    added, skipped = _merge_table(tx, table, relations[table], source_label)
                    report.added[table], report.skipped[table] = added, skipped
            # Whatever flags the source carried are replaced by the engine's, from the samples.
            ids = [str(r[0]) for r in tx.execute(f"SELECT DISTINCT result_id FROM {relations['results']}").fetchall()]
            report.revalidated = revalidate(tx, ids)
    except duckdb.Error as exc:
        raise StoreError(f"import of {source} failed, nothing was added: {first_line(exc)}") from None
    finally:
        if attached:
            con.execute(f"DETACH {_ATTACH_ALIAS}")
    return report

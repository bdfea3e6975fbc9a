"""Export a results database to CSV, Parquet or JSON, and merge other databases or exports into it.

Parquet exports are partitioned by machine (``<out>/<table>/machine_id=<id>/data_0.parquet``) so the
exports of many machines can be dropped into one directory and browsed or imported together. Imports
merge by primary key: importing the same thing twice adds nothing.
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from fwtui.store import schema
from fwtui.store.catalog import check_catalog
from fwtui.store.errors import StoreError
from fwtui.store.revalidate import Revalidated, revalidate
from fwtui.store.store import Store, describe_open_error, fetch_one, first_line, looks_like_duckdb
from fwtui.terminal_text import printable

EXPORT_FORMATS = ("csv", "parquet", "json")


@dataclass(frozen=True)
class ExportBudget:
    """DuckDB settings while a table is copied out (each restored afterwards); None: left as it is."""

    memory_limit: str
    threads: int | None = None
    flush_rows: int | None = None  # partitioned_write_flush_threshold: rows a thread buffers across partitions

    def settings(self) -> dict[str, str]:
        wanted = {"memory_limit": self.memory_limit}
        if self.threads is not None:
            wanted["threads"] = str(self.threads)
        if self.flush_rows is not None:
            wanted["partitioned_write_flush_threshold"] = str(self.flush_rows)
        return wanted


# DuckDB fills its memory cap with the blocks it reads (and a partitioned write with rows per machine), so the
# cap, not the size of the table, sets an export's memory. One thread: the JSON writer takes 16 MB per thread,
# hence its larger cap.
STREAMING_EXPORT = {
    "csv": ExportBudget("32MB", threads=1),
    "json": ExportBudget("64MB", threads=1),
    "parquet": ExportBudget("32MB", threads=1, flush_rows=2048),
}
# When that is too little (a Parquet file open per machine, for hundreds of machines): the table again, roomier.
ROOMY_EXPORT = ExportBudget("384MB")
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
    """Write every table under the new directory ``out``, atomically; returns what was written.

    DuckDB's ``COPY`` streams each table to disk under a small memory cap (:data:`STREAMING_EXPORT`; a table
    that does not fit is copied again under :data:`ROOMY_EXPORT`), so memory stays flat whatever the size.
    Everything is written into a hidden sibling directory first and renamed to ``out`` only once every table
    is complete: a failed or interrupted export leaves nothing that an import could half-read. ``out`` must
    not exist, or be an empty directory.
    """
    if fmt not in EXPORT_FORMATS:
        raise StoreError(f"unknown export format {fmt!r} (formats: {', '.join(EXPORT_FORMATS)})")
    out = Path(out).expanduser().absolute()
    shown = printable(out, newlines=False)
    if out.exists() and not out.is_dir():
        raise StoreError(f"{shown} exists and is not a directory")
    if out.is_dir() and any(out.iterdir()):
        raise StoreError(f"{shown} already holds files; export into a new or empty directory")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.partial-", dir=out.parent))
    except OSError as exc:
        raise StoreError(f"cannot create {shown}: {exc.strerror}") from None
    try:
        for table in TABLES:
            _copy_table_within_budget(con, table, staging, fmt)
        if out.is_dir():
            out.rmdir()  # empty, checked above; rename cannot replace a directory otherwise
        staging.rename(out)
    except duckdb.Error as exc:
        raise StoreError(f"export to {shown} failed, nothing was written: {printable(first_line(exc))}") from None
    except OSError as exc:
        raise StoreError(f"export to {shown} failed, nothing was written: {exc.strerror}") from None
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return [out / (table if fmt == "parquet" else f"{table}.{fmt}") for table in TABLES]


@contextlib.contextmanager
def _engine_settings(con: duckdb.DuckDBPyConnection, wanted: dict[str, str]) -> Iterator[None]:
    """DuckDB settings for the duration, then back to what they were (they are the database's, not the
    cursor's: the app's browsing shares them)."""
    before: dict[str, str] = {}
    try:
        for name, value in wanted.items():
            row = fetch_one(con.execute("SELECT current_setting(?)", [name]))
            if row is not None and row[0] is not None:
                before[name] = str(row[0])
            con.execute(f"SET {name} = {sql_literal(value)}")
        yield
    finally:
        for name, value in before.items():
            with contextlib.suppress(duckdb.Error):
                con.execute(f"SET {name} = {sql_literal(value)}")


def _copy_table_within_budget(con: duckdb.DuckDBPyConnection, table: str, directory: Path, fmt: str) -> None:
    try:
        with _engine_settings(con, STREAMING_EXPORT[fmt].settings()):
            _copy_table(con, table, directory, fmt)
        return
    except duckdb.OutOfMemoryException:
        _remove(_target(directory, table, fmt))  # a partial copy; the roomy one starts afresh
    with _engine_settings(con, ROOMY_EXPORT.settings()):
        _copy_table(con, table, directory, fmt)


def _target(directory: Path, table: str, fmt: str) -> Path:
    return directory / table if fmt == "parquet" else directory / f"{table}.{fmt}"


def _remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path)
    elif path.exists():
        path.unlink()


def _copy_table(con: duckdb.DuckDBPyConnection, table: str, directory: Path, fmt: str) -> None:
    target = _target(directory, table, fmt)
    if fmt == "parquet":
        options = "FORMAT parquet, PARTITION_BY (machine_id), OVERWRITE_OR_IGNORE"
    else:
        options = "FORMAT csv, HEADER" if fmt == "csv" else "FORMAT json"
    # Rows need no particular order in an export; keeping it would make COPY buffer what it streams.
    options += ", PRESERVE_ORDER false"
    con.execute(f"COPY ({_table_sql(table)}) TO {sql_literal(str(target))} ({options})")


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
    check_catalog(con, _ATTACH_ALIAS, path)  # before any of its data is read
    tables = {
        r[0]
        for r in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = ?", [_ATTACH_ALIAS]
        ).fetchall()
    }
    if "results" not in tables:
        raise StoreError(f"{printable(path)} is not an fwtui results database (no results table)")
    if "schema_info" in tables:
        row = fetch_one(
            con.execute(f"SELECT value FROM {_ATTACH_ALIAS}.schema_info WHERE key = 'schema_version'")
        )
        text = str(row[0]).strip() if row and row[0] is not None else ""
        if not text.isascii() or not text.isdigit():
            raise StoreError(
                f"{printable(path)} is not an fwtui results database: its schema_version "
                f"{printable(repr(row[0]) if row else 'is missing', newlines=False)} is not a whole number"
            )
        version = int(text)
        if version > schema.SCHEMA_VERSION:
            raise StoreError(
                f"{printable(path)} was written by a newer fwtui (schema {version} > {schema.SCHEMA_VERSION}); "
                "upgrade fwtui to import it"
            )
    return {t: f"{_ATTACH_ALIAS}.{t}" for t in TABLES if t in tables}


# C0 controls but tab and newline, DEL and C1, as RE2 sees them.
_CONTROL_RE = "[\\x00-\\x08\\x0b-\\x1f\\x7f-\\x{9f}]"


def _refuse_control_text(con: duckdb.DuckDBPyConnection, table: str, relation: str, source: Path) -> None:
    """Stored text reaches terminals later; a source whose text holds control characters is refused."""
    described = con.execute(f"SELECT * FROM {relation} LIMIT 0").description or []
    text_columns = [d[0] for d in described if str(d[1]).upper() not in _NUMERIC_TYPES]
    if not text_columns:
        return
    checks = " OR ".join(
        f"regexp_matches(CAST({_ident(c)} AS VARCHAR), '{_CONTROL_RE}')" for c in text_columns
    )
    row = fetch_one(con.execute(f"SELECT count(*) FROM {relation} WHERE {checks}"))
    if row and row[0]:
        raise StoreError(
            f"{printable(source)} is refused: {row[0]} {table} rows hold control characters "
            "(terminal escape sequences), which fwtui does not store"
        )


_NUMERIC_TYPES = frozenset(
    {"INTEGER", "BIGINT", "DOUBLE", "FLOAT", "BOOLEAN", "TIMESTAMP", "DATE", "SMALLINT", "TINYINT", "HUGEINT",
     "TIMESTAMP WITH TIME ZONE", "UINTEGER", "UBIGINT", "DOUBLE[]", "INTEGER[]"}
)  # fmt: skip


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


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
                    _refuse_control_text(tx, table, relations[table], source)
                    added, skipped = _merge_table(tx, table, relations[table], source_label)
                    report.added[table], report.skipped[table] = added, skipped
            # Whatever flags the source carried are replaced by the engine's, from the samples.
            ids = [str(r[0]) for r in tx.execute(f"SELECT DISTINCT result_id FROM {relations['results']}").fetchall()]
            report.revalidated = revalidate(tx, ids)
    except duckdb.Error as exc:
        raise StoreError(
            f"import of {printable(source)} failed, nothing was added: {printable(first_line(exc))}"
        ) from None
    finally:
        if attached:
            con.execute(f"DETACH {_ATTACH_ALIAS}")
    return report

"""Hostile inputs built by the tests themselves: a canary file, databases that carry code, text that
carries terminal escape sequences, and a way to prove that nothing was written or leaked."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
from results_fixtures import make_database

from fwtui.store.importexport import export_database

CANARY_TEXT = "CANARY-7f3c1d-do-not-leak"
# What a hostile label tries: retitle the terminal, clear it, set the clipboard (OSC 52), a one-byte CSI,
# a bell, a backspace, and markup that breaks a careless Rich/Textual parser.
ESCAPES = "\x1b]0;pwned\x07\x1b[2J\x1b]52;c;Y2FuYXJ5\x07\x9b31m\x08\x7f[/b][bold]"
TERMINAL_ACTIVE = ("\x1b", "\x9b", "\x07", "\x08", "\x7f", "\x9c", "\x90")


def canary(directory: Path) -> Path:
    path = directory / "canary.txt"
    path.write_text(CANARY_TEXT + "\n", encoding="utf-8")
    return path


def sql_text(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def shadowing_macro_db(path: Path, canary_path: Path) -> Path:
    """A real results database plus a stored macro that shadows a built-in fwtui's queries call."""
    make_database(path)
    con = duckdb.connect(str(path))
    con.execute(
        "CREATE MACRO array_to_string(a, sep) AS "
        f"(SELECT string_agg(content, '') FROM read_text({sql_text(str(canary_path))}))"
    )
    con.execute(f"CREATE MACRO coalesce_label(x) AS (SELECT content FROM read_text({sql_text(str(canary_path))}))")
    con.close()
    return path


def lookalike_view_db(path: Path, canary_path: Path) -> Path:
    """``machines`` is a view that reads a local file; a second schema holds a ``results`` view too."""
    make_database(path)
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE machines_real AS SELECT * FROM machines")
    con.execute("DROP TABLE machines")
    con.execute(
        "CREATE VIEW machines AS SELECT m.* REPLACE ("
        f"(SELECT content FROM read_text({sql_text(str(canary_path))})) AS label) FROM machines_real m"
    )
    con.execute("CREATE SCHEMA fwtui")
    con.execute(f"CREATE VIEW fwtui.results AS SELECT content FROM read_text({sql_text(str(canary_path))})")
    con.execute("CREATE SEQUENCE results_seq")
    con.close()
    return path


def generated_column_db(path: Path) -> Path:
    make_database(path)
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE results_extra (x INTEGER, y AS (x * 2))")
    con.close()
    return path


def control_text_db(path: Path) -> Path:
    """A clean catalog whose every text value ends with terminal escape sequences."""
    make_database(path)
    con = duckdb.connect(str(path))
    columns = con.execute(
        "SELECT table_name, column_name, data_type FROM duckdb_columns() "
        "WHERE schema_name = 'main' AND table_name <> 'schema_info' AND database_name = current_database() "
        "AND table_name IN (SELECT table_name FROM duckdb_tables() WHERE database_name = current_database())"
    ).fetchall()
    for table, column, data_type in columns:
        if data_type == "VARCHAR":
            con.execute(f'UPDATE {table} SET "{column}" = "{column}" || {sql_text(ESCAPES)}')
        elif data_type == "VARCHAR[]":
            con.execute(
                f'UPDATE {table} SET "{column}" = list_transform("{column}", lambda f: f || {sql_text(ESCAPES)})'
            )
    con.close()
    return path


def parquet_export(db: Path, out: Path) -> Path:
    con = duckdb.connect(str(db), read_only=True)
    try:
        export_database(con, out, "parquet")
    finally:
        con.close()
    return out


def digest(path: Path) -> str:
    """A hash of a file, or of every file under a directory (names and contents)."""
    h = hashlib.sha256()
    for item in sorted(_files(path)):
        h.update(str(item.relative_to(path.parent)).encode())
        h.update(item.read_bytes())
    return h.hexdigest()


def _files(path: Path) -> Iterator[Path]:
    if path.is_file():
        yield path
        wal = path.with_name(path.name + ".wal")
        if wal.exists():
            yield wal
    else:
        yield from (p for p in path.rglob("*") if p.is_file())


@dataclass(frozen=True)
class Snapshot:
    """Every file under a directory with its hash: what a statement must leave exactly as it was."""

    files: dict[str, str]

    @classmethod
    def of(cls, root: Path) -> Snapshot:
        return cls(
            {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() for p in root.rglob("*") if p.is_file()}
        )


def terminal_safe(text: str) -> bool:
    return not any(ch in text for ch in TERMINAL_ACTIVE)
